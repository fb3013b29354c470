"""A real git repository with a safe proto change, and `protoguard check` run as a real
process against servers on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from compat_checker.findings import Verdict

PROTOGUARD = str(Path(sys.executable).parent / "protoguard")

BASE = """syntax = "proto3";

package acme.todo.v1;

// A task on a list.
message Task {
  string id = 1;
  string title = 2;
}
"""

# A new optional field and a reworded comment: safe for every consumer (the deterministic
# verdict is exit 0), and a changed element the compatibility review is asked about.
HEAD = BASE.replace(
    "  string title = 2;\n", "  string title = 2;\n  int32 priority = 3;\n"
).replace("// A task on a list.", "// A task on a list; its title is shown to other members.")

# A second file, so that a review has more than one file to ask about.
NOTES = """syntax = "proto3";

package acme.todo.v1;

message Note {
  string id = 1;
  string text = 2;
}
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, isolated_git_home: Path) -> Path:
    path = tmp_path / "repo"
    (path / "proto/acme/todo/v1").mkdir(parents=True)
    git(path, "init", "--quiet", "--initial-branch=main")
    git(path, "config", "user.email", "edge@example.com")
    git(path, "config", "user.name", "Edge Test")
    (path / "proto/acme/todo/v1/task.proto").write_text(BASE)
    (path / "proto/acme/todo/v1/note.proto").write_text(NOTES)
    git(path, "add", ".")
    git(path, "commit", "--quiet", "-m", "base")
    (path / "proto/acme/todo/v1/task.proto").write_text(HEAD)
    (path / "proto/acme/todo/v1/note.proto").write_text(
        NOTES.replace("message Note {", "// A note, kept for 30 days.\nmessage Note {")
    )
    return path


def write_config(repo: Path, **sections: dict) -> None:
    """protoguard.yaml outside the diff's .proto files (buf off: these tests are about the
    LLM and incident edges)."""
    config = {"buf": {"enabled": False}, **sections}
    (repo / "protoguard.yaml").write_text(yaml.safe_dump(config))


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float
    ended: float  # time.monotonic() when the process had exited

    @property
    def verdict(self) -> Verdict:
        return Verdict.model_validate_json(self.stdout)

    def layer(self, name: str):
        return next(layer for layer in self.verdict.layers if layer.name == name)

    def node_seconds(self, *nodes: str) -> float:
        """Seconds the verdict's `timings` give these pipeline steps: what a hung server
        costs, without the process start-up and the other layers, which a loaded CI
        machine stretches."""
        timings = self.verdict.timings
        return sum(timings[node] for node in nodes)

    @property
    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


Check = Callable[..., Run]


@pytest.fixture
def check(repo: Path, tmp_path: Path) -> Check:
    """`protoguard check --output -` in a process of its own; returns code, outputs, time."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 90) -> Run:
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("GOOGLE_", "PROTOGUARD_", "GEMINI_"))
            and key.upper() not in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
        }
        environment.update({"NO_PROXY": "127.0.0.1", "XDG_CACHE_HOME": str(tmp_path / "cache")})
        environment.update(env or {})
        started = time.monotonic()
        done = subprocess.run(
            [PROTOGUARD, "check", "--repo", str(repo), "--against", "main", "--output", "-", *args],
            capture_output=True,
            text=True,
            env=environment,
            timeout=timeout,
        )
        ended = time.monotonic()
        return Run(done.returncode, done.stdout, done.stderr, ended - started, ended)

    return run
