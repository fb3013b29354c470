"""Helpers for the GitHub Action tests: verdicts built in memory, git repositories in tmp
dirs, `$GITHUB_OUTPUT` parsing and a fake GitHub REST API (served by conftest's fixture)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from compat_checker.findings import Category, Change, RefInfo, Severity, Source, Verdict
from compat_checker.verdict import build_verdict

TOKEN = "test-token"
SARIF_SCHEMA = Path(__file__).resolve().parent / "sarif-schema-2.1.0.json"


def change(
    rule: str = "FIELD_REMOVED",
    element: str = "acme.v1.Task.title",
    *,
    breaking: bool = True,
    severity: Severity = Severity.HIGH,
    category: Category = Category.WIRE,
    file: str = "proto/acme/v1/task.proto",
    line: int = 3,
    column: int = 1,
    message: str = "field title (2) was removed",
    recommendation: str = "Deprecate it first.",
    suppressed: str | None = None,
    sources: tuple[Source, ...] = (Source.RULES,),
) -> Change:
    return Change(
        id=f"{rule}:{element}"[-12:],
        rule=rule,
        category=category,
        is_breaking=breaking,
        severity=severity,
        element=element,
        file=file,
        line=line,
        column=column,
        message=message,
        recommendation=recommendation,
        suppressed=suppressed,
        sources=list(sources),
    )


def verdict_of(changes: list[Change], fail_on: str = "breaking", **extra: Any) -> Verdict:
    verdict = build_verdict(
        changes,
        fail_on=fail_on,
        base=RefInfo(ref="main", sha="a" * 40),
        head=RefInfo(ref="HEAD", sha="b" * 40),
        files=[],
        layers=[],
        timings={},
        tool_version="0.1.0",
    )
    return verdict.model_copy(update=extra)


class GitRepo:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "--quiet", "--initial-branch=main")

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=self.path, check=True, capture_output=True, text=True
        ).stdout

    def write(self, rel: str, text: str) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")

    def commit(self, message: str) -> str:
        self.git("add", "--all")
        self.git("commit", "--quiet", "-m", message)
        return self.git("rev-parse", "HEAD").strip()


def parse_github_output(text: str) -> dict[str, str]:
    """Read a `$GITHUB_OUTPUT` file the way the runner does (both line forms)."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            for inner in lines:
                if inner == delimiter:
                    break
                value.append(inner)
            else:
                raise AssertionError(f"unterminated multiline output {name}")
            outputs[name] = "\n".join(value)
        elif line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


# ---------------------------------------------------------------- fake GitHub API


@dataclass
class FakeGitHub:
    """Issue comments of one repository, served like the REST API does."""

    url: str = ""
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    page_size: int = 100
    link_base: str = ""  # host named in pagination links (default: the server itself)
    status: int | None = None  # answer every request with this error status
    next_id: int = 100

    def add_comment(self, number: int, body: str) -> int:
        self.next_id += 1
        self.comments[self.next_id] = {
            "id": self.next_id,
            "issue": number,
            "body": body,
            "html_url": f"https://github.test/c/{self.next_id}",
        }
        return self.next_id

    def mutations(self) -> list[tuple[str, str, Any]]:
        return [r for r in self.requests if r[0] != "GET"]


_LIST_RE = re.compile(r"^/repos/[^/]+/[^/]+/issues/(\d+)/comments$")
_ONE_RE = re.compile(r"^/repos/[^/]+/[^/]+/issues/comments/(\d+)$")


def handler_for(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep pytest's output clean
            pass

        def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length)) if length else None

        def _handle(self, method: str) -> None:
            url = urlsplit(self.path)
            payload = self._body()
            fake.requests.append((method, self.path, payload))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._send(401, {"message": "Bad credentials"})
            if fake.status is not None:
                return self._send(
                    fake.status, {"message": "Resource not accessible by integration"}
                )
            listed = _LIST_RE.match(url.path)
            one = _ONE_RE.match(url.path)
            if method == "GET" and listed:
                number = int(listed.group(1))
                page = int(parse_qs(url.query).get("page", ["1"])[0])
                mine = [c for c in fake.comments.values() if c["issue"] == number]
                start = (page - 1) * fake.page_size
                headers = {}
                if start + fake.page_size < len(mine):
                    base = fake.link_base or fake.url
                    headers["Link"] = f'<{base}{url.path}?page={page + 1}>; rel="next"'
                return self._send(200, mine[start : start + fake.page_size], headers)
            if method == "POST" and listed:
                comment_id = fake.add_comment(int(listed.group(1)), payload["body"])
                return self._send(201, fake.comments[comment_id])
            if method == "PATCH" and one and int(one.group(1)) in fake.comments:
                fake.comments[int(one.group(1))]["body"] = payload["body"]
                return self._send(200, fake.comments[int(one.group(1))])
            return self._send(404, {"message": "Not Found"})

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PATCH(self) -> None:
            self._handle("PATCH")

    return Handler


# ---------------------------------------------------------------- running action.yml

REPO_ROOT = Path(__file__).resolve().parents[2]
ACTION_YML = REPO_ROOT / "action.yml"
EXPRESSION_RE = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load_action() -> dict[str, Any]:
    return yaml.safe_load(ACTION_YML.read_text(encoding="utf-8"))


def evaluate(template: str, context: dict[str, Any]) -> str:
    """The few `${{ }}` expressions action.yml may use; anything else fails the test, so
    the action stays simple enough to run here."""

    def value(match: re.Match[str]) -> str:
        parts = match.group(1).split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return context["inputs"][parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return context["steps"].get(parts[1], {}).get(parts[3], "")
        if parts == ["github", "token"]:
            return context["github_token"]
        raise AssertionError(
            f"action.yml uses an expression the test cannot evaluate: {match.group(0)}"
        )

    return EXPRESSION_RE.sub(value, template)


@dataclass
class ActionRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


def run_action_steps(
    inputs: dict[str, str], runner_env: dict[str, str], workspace: Path, tmp: Path
) -> ActionRun:
    """Run action.yml's steps the way the runner would, offline.

    `uses:` steps (setup-python) are replaced by this interpreter, and the install step by
    the protoguard already installed in it (installing needs the network); every `run:`
    step runs in bash with its `env:` evaluated, its own `$GITHUB_OUTPUT` file, and the
    workspace as working directory.
    """
    action = load_action()
    context: dict[str, Any] = {"steps": {}, "github_token": TOKEN}
    context["inputs"] = {
        name: evaluate(inputs.get(name, str(spec.get("default", ""))), context)
        for name, spec in action["inputs"].items()
    }
    summary = tmp / "step_summary.md"
    summary.touch()
    result = None
    for index, step in enumerate(action["runs"]["steps"]):
        if "uses" in step:
            assert step["uses"].startswith("actions/setup-python@")
            context["steps"][step["id"]] = {"python-path": sys.executable}
            continue
        if step["id"] == "install":
            context["steps"]["install"] = {"python": sys.executable}
            continue
        output_file = tmp / f"output_{index}"
        output_file.touch()
        env = {
            **runner_env,
            **{
                key: evaluate(str(value), context) for key, value in (step.get("env") or {}).items()
            },
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary),
        }
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        context["steps"][step["id"]] = parse_github_output(output_file.read_text(encoding="utf-8"))
        if result.returncode != 0:
            break
    assert result is not None
    outputs = {name: evaluate(spec["value"], context) for name, spec in action["outputs"].items()}
    return ActionRun(
        result.returncode,
        result.stdout,
        result.stderr,
        outputs,
        summary.read_text(encoding="utf-8"),
    )
