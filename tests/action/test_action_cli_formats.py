"""`protoguard check --format github|sarif` (the CLI's use of the same renderers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema

from action.support import SARIF_SCHEMA, GitRepo

PROTOGUARD = Path(sys.executable).parent / "protoguard"

TASK = """
syntax = "proto3";

package acme.todo.v1;

message Task {
  string id = 1;
  string title = 2;
}
"""


def breaking_repo(repo: GitRepo) -> None:
    repo.write("proto/acme/todo/v1/task.proto", TASK)
    repo.commit("Task")
    repo.write("proto/acme/todo/v1/task.proto", TASK.replace("  string title = 2;\n", ""))
    repo.commit("drop title")


def check(repo: GitRepo, fmt: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PROTOGUARD), "check", "--against", "HEAD~1", "--head", "HEAD", "--format", fmt],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, **env},
    )


def test_format_github_prints_annotations_and_appends_the_job_summary(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    breaking_repo(git_repo)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    result = check(git_repo, "github", {"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("::error file=proto/acme/todo/v1/task.proto,line=", 0), (
        result.stdout
    )
    assert "title=FIELD_REMOVED::" in result.stdout
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## ❌ protoguard: blocked")


def test_format_sarif_is_valid(git_repo: GitRepo) -> None:
    breaking_repo(git_repo)
    result = check(git_repo, "sarif", {})
    assert result.returncode == 1, result.stderr
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).validate(log)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["FIELD_REMOVED"]
