"""The GitHub Action's entry point: `python -m compat_checker.github.action`.

`action.yml` passes every input through the environment (`PROTOGUARD_INPUT_<NAME>`, never
`${{ }}` in shell text). This script reads them and the runner's `GITHUB_*` variables,
works out the base of the pull request, runs the gate in-process, and writes what GitHub
reads: annotations on stdout, the job summary, the step outputs, an optional SARIF file
and the sticky PR comment. Its exit code is the gate's: 0 safe, 1 blocked, 2 error.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tempfile
import traceback
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError
from rich.console import Console

from compat_checker.errors import GateError
from compat_checker.findings import Verdict
from compat_checker.github.comment import (
    DEFAULT_API_URL,
    GitHubApi,
    comment_body,
    upsert_sticky_comment,
)
from compat_checker.io import atomic_write_text
from compat_checker.options import CheckOptions
from compat_checker.report.github import (
    append_step_summary,
    needs_review_fields,
    render_github,
    render_step_summary,
    workflow_command,
)

EXIT_SAFE, EXIT_BLOCKED, EXIT_ERROR = 0, 1, 2
INPUT_PREFIX = "PROTOGUARD_INPUT_"
DEFAULT_ALLOW_LABEL = "protoguard:allow-breaking"
DEFAULT_ALLOW_PII_LABEL = "protoguard:allow-pii"
_SHA_RE = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_ZERO_SHA_RE = re.compile(r"^0+$")
_TRUE, _FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off", ""}
# GitHub rejects a step output over 1 MB.
MAX_OUTPUT_BYTES = 1_000_000


class ActionError(Exception):
    """A bad input or an unusable environment: reported as one `::error::`, exit 2."""


@dataclass(frozen=True)
class ActionInputs:
    against: str | None
    path: str
    config: str | None
    fail_on: str | None
    llm: str | None
    pii_fail_on: str | None
    allow_breaking_label: str | None
    allow_pii_label: str | None
    comment: bool
    sarif: str | None
    chroma_url: str | None
    record: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ActionInputs:
        def text(name: str) -> str | None:
            value = env.get(INPUT_PREFIX + name, "").strip()
            return value or None

        def flag(name: str, default: bool) -> bool:
            raw = env.get(INPUT_PREFIX + name)
            if raw is None:
                return default
            value = raw.strip().lower()
            if value in _TRUE:
                return True
            if value in _FALSE:
                return False
            raise ActionError(
                f"input {name.lower().replace('_', '-')} must be true or false, not {raw!r}"
            )

        return cls(
            against=text("AGAINST"),
            path=text("PATH") or ".",
            config=text("CONFIG"),
            fail_on=text("FAIL_ON"),
            llm=text("LLM"),
            pii_fail_on=text("PII_FAIL_ON"),
            # Unset means the default label; an explicitly empty input turns the label off.
            allow_breaking_label=env.get(
                INPUT_PREFIX + "ALLOW_BREAKING_LABEL", DEFAULT_ALLOW_LABEL
            ).strip()
            or None,
            allow_pii_label=env.get(
                INPUT_PREFIX + "ALLOW_PII_LABEL", DEFAULT_ALLOW_PII_LABEL
            ).strip()
            or None,
            comment=flag("COMMENT", True),
            sarif=text("SARIF"),
            chroma_url=text("CHROMA_URL"),
            record=flag("RECORD", False),
        )


# ---------------------------------------------------------------- git and the event


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)


def _has_commit(repo: Path, sha: str) -> bool:
    return _git(repo, "cat-file", "-e", f"{sha}^{{commit}}").returncode == 0


def _ensure_commit(repo: Path, sha: str) -> None:
    """Make `sha` available locally: a default (shallow) checkout lacks the PR's base."""
    if _has_commit(repo, sha):
        return
    _git(repo, "fetch", "--quiet", "--no-tags", "--depth=1", "origin", sha)
    if not _has_commit(repo, sha):
        raise ActionError(
            f"base commit {sha} is not in the checkout and could not be fetched; "
            "use actions/checkout with fetch-depth: 0"
        )


def _raw_parents(repo: Path, rev: str) -> list[str]:
    # The raw commit object still names the parents of a shallow commit, which
    # `rev-parse HEAD^@` would hide behind the shallow boundary.
    raw = _git(repo, "cat-file", "commit", rev)
    if raw.returncode != 0:
        return []
    parents = []
    for line in raw.stdout.splitlines():
        if not line:
            break
        if line.startswith("parent "):
            parents.append(line.split()[1])
    return parents


def pull_request_base(repo: Path, base_sha: str, out: TextIO) -> str:
    """The commit to compare the PR against: what it branched from.

    actions/checkout checks out GitHub's merge commit by default; its first parent is the
    base branch's tip, so the diff is exactly the PR. For a checkout of the PR's own head,
    the merge-base keeps changes merged into the base since the PR branched from showing
    up as reverted.
    """
    _ensure_commit(repo, base_sha)
    parents = _raw_parents(repo, "HEAD")
    if parents and parents[0] == base_sha:
        return base_sha
    merge_base = _git(repo, "merge-base", base_sha, "HEAD")
    if merge_base.returncode == 0 and merge_base.stdout.strip():
        return merge_base.stdout.strip()
    print(
        workflow_command(
            "notice",
            "no merge-base of the PR's base and HEAD in this checkout (shallow clone?); "
            "comparing against the base branch's tip. Use actions/checkout with fetch-depth: 0.",
            title="protoguard",
        ),
        file=out,
    )
    return base_sha


def default_against(
    event: Mapping[str, Any], env: Mapping[str, str], repo: Path, out: TextIO
) -> str | None:
    """The base for this event when the `against` input is empty (None: protoguard's default,
    the merge-base of HEAD with main)."""
    pull_request = event.get("pull_request")
    if isinstance(pull_request, Mapping):
        base_sha = str((pull_request.get("base") or {}).get("sha") or "")
        if _SHA_RE.match(base_sha):
            return pull_request_base(repo, base_sha, out)
    if env.get("GITHUB_BASE_REF"):
        return f"origin/{env['GITHUB_BASE_REF']}"
    before = str(event.get("before") or "")
    if _SHA_RE.match(before) and not _ZERO_SHA_RE.match(before):
        # A push: compare with what the branch pointed to before it.
        _ensure_commit(repo, before)
        return before
    return None


def allow_reason_from_label(event: Mapping[str, Any], label: str | None) -> str | None:
    """The override reason (`--allow-breaking` or `--allow-pii`, one label each) when the
    PR carries that label."""
    pull_request = event.get("pull_request")
    if not label or not isinstance(pull_request, Mapping):
        return None
    names = {
        str(item.get("name"))
        for item in pull_request.get("labels") or []
        if isinstance(item, Mapping)
    }
    if label not in names:
        return None
    return f"pull request #{pull_request.get('number')} has the label {label!r}"


def load_event(env: Mapping[str, str]) -> dict[str, Any]:
    path = env.get("GITHUB_EVENT_PATH")
    if not path or not Path(path).is_file():
        return {}
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ActionError(f"cannot read the event payload {path}: {exc}") from exc
    return event if isinstance(event, dict) else {}


def _repo_prefix(repo: Path, workspace: Path) -> str:
    """The repository root relative to the workspace (annotations resolve against it)."""
    top = _git(repo, "rev-parse", "--show-toplevel")
    root = Path(top.stdout.strip()) if top.returncode == 0 and top.stdout.strip() else repo
    try:
        relative = root.resolve().relative_to(workspace.resolve())
    except ValueError:
        return ""
    return "" if str(relative) == "." else relative.as_posix()


# ---------------------------------------------------------------- what GitHub reads


def write_outputs(path: str | None, outputs: Mapping[str, str]) -> None:
    """Append step outputs; multi-line values use the `name<<DELIMITER` form."""
    if not path:
        return
    # Appending (not an atomic replace) is the protocol: other steps' lines are in the file.
    with open(path, "a", encoding="utf-8") as handle:
        for name, value in outputs.items():
            if "\n" in value or "\r" in value:
                delimiter = f"ghadelimiter_{uuid.uuid4().hex}"
                handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
            else:
                handle.write(f"{name}={value}\n")


def verdict_outputs(verdict: Verdict) -> dict[str, str]:
    text = verdict.model_dump_json(indent=2)
    if len(text.encode()) > MAX_OUTPUT_BYTES:
        # Keep the output usable with fromJSON(): everything but the findings' detail.
        slim = verdict.model_copy(update={"changes": [], "pii": None})
        text = slim.model_dump_json(indent=2)
    return {
        "can-deploy": "true" if verdict.can_deploy else "false",
        "verdict": text,
        "breaking-count": str(verdict.summary.breaking),
        "pii-count": str(verdict.summary.pii),
        "pii-review-count": str(len(needs_review_fields(verdict.pii))),
    }


def print_untrusted(text: str, out: TextIO) -> None:
    """Print text that may quote the PR (proto names, comments) with workflow commands
    switched off, so a crafted `::…::` line in a proto cannot drive the runner."""
    token = uuid.uuid4().hex
    print(f"::stop-commands::{token}", file=out)
    out.write(text if text.endswith("\n") else text + "\n")
    print(f"::{token}::", file=out)


def _text_report(verdict: Verdict) -> str:
    from compat_checker.report.text import render_text

    # Colours survive in the Actions log; the width keeps tables readable there.
    buffer = io.StringIO()
    render_text(
        verdict, Console(file=buffer, width=140, force_terminal=True, color_system="standard")
    )
    return buffer.getvalue()


def _post_comment(
    verdict: Verdict, summary: str, event: Mapping[str, Any], env: Mapping[str, str], out: TextIO
) -> None:
    pull_request = event.get("pull_request")
    if not isinstance(pull_request, Mapping) or not isinstance(pull_request.get("number"), int):
        return
    token = env.get("GITHUB_TOKEN", "").strip()
    if not token:
        print(
            workflow_command(
                "warning", "no GITHUB_TOKEN: the PR comment is skipped", title="protoguard"
            ),
            file=out,
        )
        return
    repository = env.get("GITHUB_REPOSITORY", "")
    run_url = None
    if env.get("GITHUB_RUN_ID") and repository:
        server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        run_url = f"{server}/{repository}/actions/runs/{env['GITHUB_RUN_ID']}"
    api = GitHubApi(token, env.get("GITHUB_API_URL") or DEFAULT_API_URL)
    outcome = upsert_sticky_comment(
        api,
        repository,
        pull_request["number"],
        comment_body(summary, details_url=run_url),
        # A PR that touches no .proto file gets no new comment, only an update of ours.
        create=bool(verdict.files),
    )
    if outcome.warning:
        print(workflow_command("warning", outcome.warning, title="protoguard"), file=out)
    elif outcome.url:
        print(f"protoguard: PR comment {outcome.action}: {outcome.url}", file=out)


# ---------------------------------------------------------------- main


def run_action(env: Mapping[str, str], out: TextIO) -> int:
    inputs = ActionInputs.from_env(env)
    event = load_event(env)
    workspace = Path(env.get("GITHUB_WORKSPACE") or os.getcwd())
    repo = (workspace / inputs.path).resolve()
    if not repo.is_dir():
        raise ActionError(f"input path {inputs.path!r} is not a directory of the workspace")
    against = inputs.against or default_against(event, env, repo, out)
    allow = allow_reason_from_label(event, inputs.allow_breaking_label)
    if allow:
        print(f"protoguard: breaking changes allowed: {allow}", file=out)
    allow_pii = allow_reason_from_label(event, inputs.allow_pii_label)
    if allow_pii:
        print(f"protoguard: unannotated personal data allowed: {allow_pii}", file=out)
    temp = Path(env.get("RUNNER_TEMP") or tempfile.gettempdir()) / "protoguard"
    verdict_file = temp / "verdict.json"
    try:
        options = CheckOptions(
            repo=repo,
            against=against,
            head="HEAD",
            config=(workspace / inputs.config) if inputs.config else None,
            output=verdict_file,
            fail_on=inputs.fail_on,
            llm=inputs.llm,
            pii_fail_on=inputs.pii_fail_on,
            allow_breaking=allow,
            allow_pii=allow_pii,
            chroma_url=inputs.chroma_url,
            record=inputs.record,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc'])).replace('_', '-')}: {error['msg']}"
            for error in exc.errors()
        )
        raise ActionError(f"bad input: {problems}") from exc
    # Imported late: the pipeline's import takes seconds, and bad inputs should fail fast.
    from compat_checker.pipeline import run_check

    verdict = run_check(options)

    prefix = _repo_prefix(repo, workspace)
    print_untrusted(_text_report(verdict), out)
    out.write(render_github(verdict, path_prefix=prefix))
    summary = render_step_summary(verdict)
    append_step_summary(env.get("GITHUB_STEP_SUMMARY"), summary)
    if inputs.sarif:
        from compat_checker.report.sarif import render_sarif
        from compat_checker.rules.registry import all_rules

        sarif = render_sarif(verdict, all_rules(), path_prefix=prefix)
        atomic_write_text(workspace / inputs.sarif, json.dumps(sarif, indent=2) + "\n")
        print(f"protoguard: SARIF written to {inputs.sarif}", file=out)
    write_outputs(
        env.get("GITHUB_OUTPUT"), {**verdict_outputs(verdict), "verdict-file": str(verdict_file)}
    )
    if inputs.comment:
        _post_comment(verdict, summary, event, env, out)
    return EXIT_SAFE if verdict.can_deploy else EXIT_BLOCKED


def main(env: Mapping[str, str] | None = None, out: TextIO | None = None) -> int:
    env = os.environ if env is None else env
    out = sys.stdout if out is None else out
    try:
        return run_action(env, out)
    except (GateError, ActionError) as exc:
        message = str(exc)
    except Exception as exc:  # the log keeps the traceback; the annotation stays one line
        traceback.print_exc(file=sys.stderr)
        message = f"internal error: {type(exc).__name__}: {exc}"
    print(workflow_command("error", message, title="protoguard"), file=out)
    append_step_summary(
        env.get("GITHUB_STEP_SUMMARY"), f"## ⚠️ protoguard could not run\n\n{message}\n"
    )
    write_outputs(env.get("GITHUB_OUTPUT"), {"can-deploy": "false"})
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
