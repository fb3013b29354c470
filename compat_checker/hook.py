"""`protoguard hook`: a git pre-push hook that refuses pushes with breaking .proto changes.

`hook install` writes a small shell script as the repository's `pre-push` hook (wherever
`core.hooksPath` puts hooks). Git runs it with the remote's name and URL as arguments and
one line per pushed ref on stdin; the script hands both to `hook run-pre-push`, which
checks every pushed range that touches .proto files and exits non-zero when one is blocked.

Hooks that are not ours are never overwritten: `install` refuses, or with `--chain` moves
the existing hook aside and runs it first; `uninstall` puts it back.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console

from compat_checker.errors import GateError
from compat_checker.io import atomic_write_text

HOOK_NAME = "pre-push"
CHAINED_NAME = "pre-push.protoguard-chained"
MARKER = "# protoguard pre-push hook"
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
_ZERO_SHA_RE = re.compile(r"^0+$")
_SHA_RE = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
EXIT_BLOCKED, EXIT_ERROR = 1, 2  # as `protoguard check`
BYPASS_HINT = "to push anyway: git push --no-verify"

# The hook saves stdin to a file because git writes the ref lines once and both a chained
# hook and protoguard must read them. `protoguard` on PATH wins, so upgrading protoguard
# needs no reinstall; the interpreter that installed the hook is the fallback.
HOOK_SCRIPT = """#!/bin/sh
{marker}
# Checks the pushed .proto changes and refuses the push when they would break consumers.
# Installed by `protoguard hook install`; remove with `protoguard hook uninstall`.
# Skip it once with `git push --no-verify`.
stdin_file=$(mktemp "${{TMPDIR:-/tmp}}/protoguard-pre-push.XXXXXX") || exit 1
trap 'rm -f "$stdin_file"' EXIT
cat > "$stdin_file"
chained="$(dirname "$0")/{chained}"
if [ -x "$chained" ]; then
    "$chained" "$@" < "$stdin_file" || exit $?
fi
if command -v protoguard >/dev/null 2>&1; then
    protoguard hook run-pre-push "$@" < "$stdin_file"
elif [ -x {python} ]; then
    {python} -m compat_checker.cli hook run-pre-push "$@" < "$stdin_file"
else
    echo "protoguard: not found on PATH, push refused (install it, or skip the check once with git push --no-verify)" >&2
    exit 1
fi
"""

PRE_COMMIT_SNIPPET = """\
repos:
  - repo: local
    hooks:
      - id: protoguard-check
        name: protoguard (breaking .proto changes)
        entry: protoguard hook run-pre-push
        language: system
        stages: [pre-push]
        pass_filenames: false
        always_run: true
      - id: protoguard-pii
        name: protoguard (unannotated personal data)
        entry: protoguard pii scan --check
        language: system
        files: \\.proto$
"""


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def repo_root(start: Path | None = None) -> Path:
    where = (start or Path.cwd()).resolve()
    top = _git(where, "rev-parse", "--show-toplevel")
    if top.returncode != 0 or not top.stdout.strip():
        raise GateError(f"not inside a git work tree: {where}")
    return Path(top.stdout.strip())


def hooks_dir(root: Path) -> Path:
    """Where git looks for hooks: `core.hooksPath` if set, else the common .git/hooks."""
    found = _git(root, "rev-parse", "--git-path", "hooks")
    if found.returncode != 0 or not found.stdout.strip():
        raise GateError(f"cannot find the hooks directory of {root}")
    return (root / found.stdout.strip()).resolve()


def is_ours(path: Path) -> bool:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            return MARKER in handle.read(4096)
    except OSError:
        return False


def hook_script(python: str = sys.executable) -> str:
    return HOOK_SCRIPT.format(marker=MARKER, chained=CHAINED_NAME, python=shlex.quote(python))


@click.group("hook")
def hook() -> None:
    """Install the git pre-push hook that refuses breaking .proto pushes."""


@hook.command("install")
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    help="Repository (default: the one containing the current directory).",
)
@click.option(
    "--chain",
    is_flag=True,
    help="If another pre-push hook exists, keep it and run it before protoguard.",
)
@click.option("--force", is_flag=True, help="Rewrite protoguard's hook if it is already installed.")
@click.option(
    "--pre-commit",
    "pre_commit",
    is_flag=True,
    help="Set up the pre-commit framework's hooks instead of a git hook.",
)
def install_command(repo: Path | None, chain: bool, force: bool, pre_commit: bool) -> None:
    """Install protoguard as the repository's pre-push hook."""
    root = repo_root(repo)
    if pre_commit:
        _pre_commit_hint(root)
        return
    directory = hooks_dir(root)
    target = directory / HOOK_NAME
    chained = directory / CHAINED_NAME
    if target.exists() or target.is_symlink():
        if is_ours(target):
            if not force:
                click.echo(
                    f"protoguard: the pre-push hook is already installed at {target} (--force rewrites it)"
                )
                return
        elif not chain:
            raise GateError(
                f"{target} already exists and is not protoguard's; it was left alone",
                hint="rerun with --chain to keep it and run it before protoguard, or call "
                '`protoguard hook run-pre-push "$@"` from it yourself',
            )
        elif chained.exists() or chained.is_symlink():
            raise GateError(
                f"{target} is not protoguard's and {chained} is taken; nothing was changed"
            )
        else:
            # Moved, not copied: git keeps running it, through our script.
            target.rename(chained)
            click.echo(f"protoguard: kept the existing pre-push hook as {chained}; it runs first")
    atomic_write_text(target, hook_script())
    target.chmod(0o755)
    click.echo(f"protoguard: pre-push hook installed at {target}")


@hook.command("uninstall")
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    help="Repository (default: the one containing the current directory).",
)
def uninstall_command(repo: Path | None) -> None:
    """Remove protoguard's pre-push hook (putting back a hook it chained)."""
    directory = hooks_dir(repo_root(repo))
    target = directory / HOOK_NAME
    chained = directory / CHAINED_NAME
    if target.exists() or target.is_symlink():
        if not is_ours(target):
            raise GateError(f"{target} is not protoguard's pre-push hook; it was left alone")
        target.unlink()
        click.echo(f"protoguard: removed {target}")
    else:
        click.echo("protoguard: no pre-push hook installed")
    if chained.exists() or chained.is_symlink():
        chained.rename(target)
        click.echo(f"protoguard: restored the previous pre-push hook at {target}")


def _pre_commit_hint(root: Path) -> None:
    config = root / PRE_COMMIT_CONFIG
    install = "then run: pre-commit install --hook-type pre-push --hook-type pre-commit"
    if not config.exists():
        atomic_write_text(config, PRE_COMMIT_SNIPPET)
        click.echo(f"protoguard: wrote {config}; {install}")
        return
    if "protoguard" in config.read_text(encoding="utf-8", errors="replace"):
        click.echo(f"protoguard: {config} already mentions protoguard; {install}")
        return
    # Never rewrite someone's YAML (comments, anchors, order): show what to add.
    click.echo(f"protoguard: add these hooks to {config} (under `repos:`), {install}\n")
    click.echo(PRE_COMMIT_SNIPPET)


# ---------------------------------------------------------------- the hook itself


@dataclass(frozen=True)
class RefUpdate:
    """One line of git's pre-push input."""

    local_ref: str
    local_sha: str
    remote_ref: str
    remote_sha: str


@dataclass(frozen=True)
class Range:
    """What to check for one update, or why nothing is checked."""

    update: RefUpdate
    against: str | None = None
    note: str = ""


def parse_updates(lines: Iterable[str]) -> list[RefUpdate]:
    updates = []
    for line in lines:
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4:
            raise GateError(f"unexpected pre-push input line: {line.strip()!r}")
        updates.append(RefUpdate(*parts))
    return updates


def updates_from_pre_commit(env: Mapping[str, str]) -> list[RefUpdate] | None:
    """The pre-commit framework reads git's stdin itself and passes the range in its
    environment instead (it never runs hooks for deleted branches)."""
    to_ref = env.get("PRE_COMMIT_TO_REF")
    if not to_ref:
        return None
    branch = env.get("PRE_COMMIT_REMOTE_BRANCH") or "refs/heads/unknown"
    # No FROM_REF: a first push of a root commit; treat it as a new branch.
    from_ref = env.get("PRE_COMMIT_FROM_REF") or "0" * 40
    return [RefUpdate(env.get("PRE_COMMIT_LOCAL_BRANCH") or to_ref, to_ref, branch, from_ref)]


def _commit(root: Path, rev: str) -> str | None:
    found = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    return found.stdout.strip() if found.returncode == 0 and found.stdout.strip() else None


def remote_default_branch(root: Path, remote: str) -> str | None:
    """The remote's default branch as we know it: its HEAD, else its main or master."""
    head = _git(root, "symbolic-ref", "--quiet", f"refs/remotes/{remote}/HEAD")
    candidates = [head.stdout.strip()] if head.returncode == 0 else []
    candidates += [f"refs/remotes/{remote}/main", f"refs/remotes/{remote}/master"]
    for ref in candidates:
        if ref and _commit(root, ref):
            return ref
    return None


def plan_range(root: Path, remote: str, update: RefUpdate) -> Range:
    if _ZERO_SHA_RE.match(update.local_sha):
        return Range(update, note=f"deleting {update.remote_ref}: nothing to check")
    if not update.remote_ref.startswith("refs/heads/"):
        return Range(update, note=f"{update.remote_ref} is not a branch: not checked")
    if not _SHA_RE.match(update.local_sha):
        raise GateError(f"unexpected pushed SHA {update.local_sha!r}")
    if not _ZERO_SHA_RE.match(update.remote_sha) and _commit(root, update.remote_sha):
        against = update.remote_sha
    else:
        # A new branch (or one whose remote tip we never fetched): compare with where it
        # leaves the remote's default branch, which is what consumers build from.
        default = remote_default_branch(root, remote)
        if default is None:
            return Range(
                update,
                note=f"{update.remote_ref}: no default branch of {remote} known to compare with: not checked",
            )
        merge_base = _git(root, "merge-base", default, update.local_sha)
        if merge_base.returncode != 0 or not merge_base.stdout.strip():
            return Range(
                update, note=f"{update.remote_ref}: no common history with {default}: not checked"
            )
        against = merge_base.stdout.strip()
    if against == update.local_sha:
        return Range(update, note=f"{update.remote_ref}: no new commits")
    touched = _git(root, "diff", "--name-only", against, update.local_sha, "--", "*.proto")
    if touched.returncode != 0:
        raise GateError(
            f"git diff {against[:12]}..{update.local_sha[:12]} failed: {touched.stderr.strip()}"
        )
    if not touched.stdout.strip():
        return Range(update, note=f"{update.remote_ref}: no .proto changes")
    return Range(update, against=against)


@hook.command("run-pre-push")
@click.argument("remote", required=False, default="origin")
@click.argument("url", required=False)
@click.option(
    "--fail-on",
    type=click.Choice(["breaking", "LOW", "MEDIUM", "HIGH", "CRITICAL"]),
    help="Block on breaking changes at or above this severity (default: the configuration's).",
)
@click.option("--no-buf", is_flag=True, help="Do not run buf; protoguard's own rules only.")
@click.option("--no-llm", is_flag=True, help="No LLM review, whatever the configuration says.")
def run_pre_push_command(
    remote: str, url: str | None, fail_on: str | None, no_buf: bool, no_llm: bool
) -> None:
    """Called by the hook: check each pushed range (git's stdin lines); exit 1 to refuse.

    Git passes the remote's name and URL; the URL is accepted and not needed."""
    from compat_checker.options import CheckOptions
    from compat_checker.report.text import render_text
    from compat_checker.verdict import override_hints

    root = repo_root()
    remote = os.environ.get("PRE_COMMIT_REMOTE_NAME") or remote
    updates = updates_from_pre_commit(os.environ)
    if updates is None:
        updates = parse_updates(sys.stdin)
    # Git shows what a hook writes on stderr; when that is not a terminal (an IDE, a log)
    # one line per line, as `check` prints in a pipe, so log viewers see whole messages.
    console = Console(stderr=True)
    if not console.is_terminal:
        console = Console(stderr=True, soft_wrap=True)
    blocked: list[str] = []
    hints: list[str] = []
    checked: set[tuple[str, str]] = set()
    for update in updates:
        try:
            planned = plan_range(root, remote, update)
            if planned.against is None:
                console.print(f"protoguard: {planned.note}", style="dim", highlight=False)
                continue
            key = (planned.against, update.local_sha)
            if key in checked:
                continue
            checked.add(key)
            console.print(
                f"protoguard: checking {update.remote_ref} "
                f"({planned.against[:12]}..{update.local_sha[:12]})",
                highlight=False,
            )
            options = CheckOptions(
                repo=root,
                against=planned.against,
                head=update.local_sha,
                fail_on=fail_on,
                no_buf=no_buf,
                llm="none" if no_llm else None,
            )
            # Imported here: it takes seconds, which pushes without .proto changes skip.
            from compat_checker.pipeline import run_check

            verdict = run_check(options)
        except GateError as exc:
            click.echo(f"protoguard: error: {exc}; push refused ({BYPASS_HINT})", err=True)
            sys.exit(EXIT_ERROR)
        render_text(verdict, console)
        if not verdict.can_deploy:
            blocked.append(update.remote_ref)
            hints += [h for h in override_hints(verdict.changes, verdict.fail_on) if h not in hints]
    if blocked:
        click.echo(
            f"protoguard: push refused: blocking findings in {', '.join(blocked)} "
            f"(fix them; to ship {'; to ship '.join(hints)}; or {BYPASS_HINT})",
            err=True,
        )
        sys.exit(EXIT_BLOCKED)
