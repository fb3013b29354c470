"""Helpers of the audit tests: real git repositories, and the CLI run in-process."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from compat_checker.audit.model import AuditReport
from compat_checker.cli import main

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": "/usr/bin:/bin",
}


GITHUB_VARS = ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True, text=True
    ).stdout


def commit(repo: Path, files: dict[str, str | None], message: str) -> str:
    """Write (or delete, for None) files and commit them; the new HEAD sha."""
    for path, text in files.items():
        target = repo / path
        if text is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    return root


def proto(package: str, body: str) -> str:
    return f'syntax = "proto3";\npackage {package};\n\n{body}\n'


def audit(*args: str) -> tuple[int, AuditReport | None, str]:
    """Run the CLI; (exit code, the JSON report when one was asked for, stderr)."""
    # Without the GitHub Actions variables, so links are the local default wherever this runs.
    result = CliRunner().invoke(main, ["audit", *args], env=dict.fromkeys(GITHUB_VARS))
    report = None
    if "--json" in args:
        path = Path(args[args.index("--json") + 1])
        if path.exists():
            report = AuditReport.model_validate_json(path.read_text())
    return result.exit_code, report, result.stderr


def by_rule(report: AuditReport, rule: str) -> list:
    return [f for f in report.findings if f.rule == rule]
