"""Helpers for the pre-push hook tests: the venv's protoguard, and a clone of a local bare
remote with helpers to edit, commit and push."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

BIN_DIR = Path(sys.executable).parent
PROTOGUARD = BIN_DIR / "protoguard"

TASK = """
syntax = "proto3";

package acme.todo.v1;

message Task {
  string id = 1;
  string title = 2;
  string description = 3;
}
"""


def run(
    cwd: Path, *args: str | Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


class Clone:
    """A working clone of a bare remote, with helpers to edit, commit and push."""

    def __init__(self, path: Path, remote: Path) -> None:
        self.path = path
        self.remote = remote

    def git(self, *args: str) -> str:
        result = run(self.path, "git", *args)
        assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
        return result.stdout

    def push(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return run(self.path, "git", "push", "origin", *args, env=env)

    def protoguard(self, *args: str, **kwargs) -> subprocess.CompletedProcess[str]:
        return run(self.path, PROTOGUARD, *args, **kwargs)

    def write(self, rel: str, text: str) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")

    def edit_task(self, old: str, new: str) -> None:
        path = self.path / "proto/acme/todo/v1/task.proto"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")

    def commit(self, message: str) -> str:
        self.git("add", "--all")
        self.git("commit", "--quiet", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def remote_sha(self, branch: str) -> str | None:
        result = run(self.remote, "git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}")
        return result.stdout.strip() or None
