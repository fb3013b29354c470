"""The team's repository the adoption tests work in: a buf v2 module with one API file."""

from __future__ import annotations

from pathlib import Path

import pytest

from adoption.test_first_hour import BUF_YAML, CUSTOMER, CUSTOMER_PATH, git


@pytest.fixture
def repo(tmp_path: Path, isolated_git_home: Path) -> Path:
    path = tmp_path / "team"
    (path / "proto/shop/v1").mkdir(parents=True)
    git(path, "init", "--quiet", "--initial-branch=main")
    git(path, "config", "user.email", "team@example.com")
    git(path, "config", "user.name", "Team")
    (path / "buf.yaml").write_text(BUF_YAML)
    (path / CUSTOMER_PATH).write_text(CUSTOMER)
    git(path, "add", ".")
    git(path, "commit", "--quiet", "-m", "customer api")
    return path
