"""Session-wide test setup.

The buf binary (from buf-bin) and the `protoguard` entry point live next to the
interpreter; CI runs `.venv/bin/python -m pytest` without activating the venv, so put
that directory first on PATH, as `compat_checker.buf` does when it looks for buf.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

_BIN = str(Path(sys.executable).parent)
if os.environ.get("PATH", "").split(os.pathsep)[0] != _BIN:
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture(autouse=True)
def user_cache_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The LLM answer cache defaults to the user's cache directory: give each test its own,
    so tests never share answers or write into the real home."""
    cache = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


@pytest.fixture
def isolated_git_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME of the test's own with no user or system git config: repositories the test
    builds, and the `protoguard` processes it starts, see only what the test sets."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return home
