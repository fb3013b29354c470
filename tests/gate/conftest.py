"""Shared fixtures of the gate's end-to-end tests: the example API in a temp git repo."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from compat_checker.resources import asset_dir

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
    )
    return result.stdout


@pytest.fixture(scope="module")
def example_template(tmp_path_factory) -> Path:
    """The example API committed on main, copied per test (cheaper than re-committing)."""
    root = tmp_path_factory.mktemp("template") / "repo"
    shutil.copytree(asset_dir("proto"), root / "proto", ignore=shutil.ignore_patterns("examples"))
    git(root.parent, "init", "-q", "-b", "main", str(root))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    return root


@pytest.fixture
def example_repo(example_template, tmp_path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(example_template, repo, symlinks=True)
    return repo
