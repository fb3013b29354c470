"""A real local remote for the pre-push hook tests: a bare repository in tmp_path, a clone
to work in, and the venv's `protoguard` on PATH for the hook git runs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from hook.support import BIN_DIR, PROTOGUARD, TASK, Clone, run


@pytest.fixture(scope="session", autouse=True)
def _hook_group_mounted() -> None:
    """One clear failure instead of every test failing on `No such command 'hook'`."""
    found = subprocess.run(
        [str(PROTOGUARD), "hook", "--help"], capture_output=True, text=True, check=False
    )
    if found.returncode != 0:
        pytest.fail(
            f"`protoguard hook` does not run ({found.stderr.strip()}); it is mounted by "
            '"hook": "compat_checker.hook:hook" in LAZY_COMMANDS (compat_checker/cli.py)'
        )


@pytest.fixture(autouse=True)
def _isolated_git(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No user/system git config, a fixed identity, no inherited repository location;
    protoguard first on PATH so the hook script finds it."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{name}_NAME", "Hook Test")
        monkeypatch.setenv(f"GIT_{name}_EMAIL", "hook@example.com")
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(var, raising=False)
    # Never an LLM call from these tests, whatever credentials the machine has.
    monkeypatch.setenv("PROTOGUARD_LLM", "none")
    for var in list(os.environ):
        if var.startswith("PRE_COMMIT_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("PATH", f"{BIN_DIR}{os.pathsep}{os.environ['PATH']}")


@pytest.fixture
def clone(tmp_path: Path) -> Clone:
    """origin (bare) has main with the Task API; the clone tracks it (origin/HEAD set)."""
    remote = tmp_path / "remote.git"
    run(tmp_path, "git", "init", "--quiet", "--bare", "--initial-branch=main", remote)
    seed = Clone(tmp_path / "seed", remote)
    seed.path.mkdir()
    seed.git("init", "--quiet", "--initial-branch=main")
    seed.write("proto/acme/todo/v1/task.proto", TASK)
    seed.write("README.md", "todo API\n")
    seed.commit("Task API")
    seed.git("push", "--quiet", str(remote), "main")
    work = tmp_path / "work"
    run(tmp_path, "git", "clone", "--quiet", remote, work)
    return Clone(work, remote)


@pytest.fixture
def hooked(clone: Clone) -> Clone:
    result = clone.protoguard("hook", "install")
    assert result.returncode == 0, result.stdout + result.stderr
    return clone
