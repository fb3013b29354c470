"""The Action end to end, offline: action.yml's steps run as scripts with a simulated runner
(`GITHUB_*` variables, a pull_request event payload, output and summary files) against a
real git repository with a breaking change, and a fake GitHub API for the PR comment."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from action.support import (
    REPO_ROOT,
    SARIF_SCHEMA,
    ActionRun,
    FakeGitHub,
    GitRepo,
    run_action_steps,
)
from compat_checker.github.comment import MARKER

TASK_V1 = """
syntax = "proto3";

package acme.todo.v1;

message Task {
  string id = 1;
  string title = 2;
  string description = 3;
}
"""

# main moves on after the PR branched: a new file the PR branch does not have.
TAG_MAIN = """
syntax = "proto3";

package acme.todo.v1;

message Tag {
  string name = 1;
}
"""

# the PR: drops `description` (breaking) and adds a field (safe).
TASK_PR = TASK_V1.replace("  string description = 3;\n", "  bool done = 5;\n")


@pytest.fixture
def pr_repo(git_repo: GitRepo) -> dict[str, Any]:
    git_repo.write("proto/acme/todo/v1/task.proto", TASK_V1)
    fork_point = git_repo.commit("Task v1")
    git_repo.git("switch", "--quiet", "-c", "feature")
    git_repo.write("proto/acme/todo/v1/task.proto", TASK_PR)
    head = git_repo.commit("drop description, add done")
    git_repo.git("switch", "--quiet", "main")
    git_repo.write("proto/acme/todo/v1/tag.proto", TAG_MAIN)
    base = git_repo.commit("add Tag")
    git_repo.git("switch", "--quiet", "feature")
    return {"repo": git_repo, "fork_point": fork_point, "base": base, "head": head}


def runner_env(
    tmp_path: Path, workspace: Path, fake: FakeGitHub, event: dict[str, Any]
) -> dict[str, str]:
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    runner_temp = tmp_path / "runner_temp"
    runner_temp.mkdir(exist_ok=True)
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_BASE_REF": "main",
        "GITHUB_HEAD_REF": "feature",
        "GITHUB_REPOSITORY": "acme/api",
        "GITHUB_RUN_ID": "42",
        "GITHUB_SERVER_URL": "https://github.test",
        "GITHUB_API_URL": fake.url,
        "GITHUB_ACTION_PATH": str(REPO_ROOT),
        "RUNNER_TEMP": str(runner_temp),
    }


def pr_event(base: str, head: str, labels: list[str]) -> dict[str, Any]:
    return {
        "action": "synchronize",
        "number": 5,
        "pull_request": {
            "number": 5,
            "base": {"ref": "main", "sha": base},
            "head": {"ref": "feature", "sha": head},
            "labels": [{"name": name} for name in labels],
        },
        "repository": {"full_name": "acme/api"},
    }


def run(
    tmp_path: Path, pr: dict[str, Any], fake: FakeGitHub, labels: list[str], **inputs: str
) -> ActionRun:
    workspace = pr["repo"].path
    env = runner_env(tmp_path, workspace, fake, pr_event(pr["base"], pr["head"], labels))
    return run_action_steps({"llm": "none", **inputs}, env, workspace, tmp_path)


def test_breaking_pull_request_is_blocked_with_annotations_summary_outputs_sarif_and_comment(
    tmp_path: Path, pr_repo: dict[str, Any], fake_github: FakeGitHub
) -> None:
    result = run(tmp_path, pr_repo, fake_github, ["bug"], sarif="protoguard.sarif")
    assert result.returncode == 1, result.stdout + result.stderr

    # annotations: the removed field, as an error on the file; the text report is fenced
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1, result.stdout
    assert errors[0].startswith("::error file=proto/acme/todo/v1/task.proto,line=")
    assert "title=FIELD_REMOVED::" in errors[0] and "acme.todo.v1.Task.description" in errors[0]
    assert "::stop-commands::" in result.stdout

    # compared with where the PR branched, not main's tip: main's new file is not "removed"
    verdict = json.loads(result.outputs["verdict"])
    assert verdict["base"]["sha"] == pr_repo["fork_point"]
    assert verdict["head"]["sha"] == pr_repo["head"]
    assert not any("tag" in change["file"] for change in verdict["changes"])
    assert result.outputs["can-deploy"] == "false"
    assert result.outputs["breaking-count"] == "1"
    assert result.outputs["pii-count"] == "0"

    assert result.summary.startswith("## ❌ protoguard: blocked (HIGH)")
    assert "`acme.todo.v1.Task.description`" in result.summary

    sarif = json.loads((pr_repo["repo"].path / "protoguard.sarif").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).validate(sarif)
    [sarif_result] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "FIELD_REMOVED"]
    assert sarif_result["level"] == "error"

    [(method, path, payload)] = fake_github.mutations()
    assert (method, path) == ("POST", "/repos/acme/api/issues/5/comments")
    assert payload["body"].startswith(MARKER + "\n## ❌ protoguard: blocked")


def test_allow_label_lets_it_through_and_the_comment_is_updated_in_place(
    tmp_path: Path, pr_repo: dict[str, Any], fake_github: FakeGitHub
) -> None:
    first = run(tmp_path, pr_repo, fake_github, [])
    assert first.returncode == 1
    second = run(tmp_path, pr_repo, fake_github, ["protoguard:allow-breaking"])
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.outputs["can-deploy"] == "true"
    assert second.outputs["breaking-count"] == "0"
    verdict = json.loads(second.outputs["verdict"])
    assert verdict["allow_breaking"] == "pull request #5 has the label 'protoguard:allow-breaking'"
    assert not [line for line in second.stdout.splitlines() if line.startswith("::error")]
    assert [m[0] for m in fake_github.mutations()] == ["POST", "PATCH"]
    [comment] = fake_github.comments.values()
    assert comment["body"].startswith(MARKER + "\n## ✅ protoguard: safe to deploy")


def test_the_breaking_label_does_not_let_personal_data_through(
    tmp_path: Path, pr_repo: dict[str, Any], fake_github: FakeGitHub
) -> None:
    """Two labels for two risks, read as `check` reads the two trailers."""
    repo: GitRepo = pr_repo["repo"]
    repo.write(
        "proto/acme/todo/v1/task.proto", TASK_PR.replace("  bool done = 5;", "  string ssn = 6;")
    )
    pr_repo["head"] = repo.commit("drop description, add ssn")
    labels = ["protoguard:allow-breaking"]
    blocked = run(tmp_path, pr_repo, fake_github, labels, comment="false")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert blocked.outputs["pii-count"] == "1"
    suppressed = {
        c["rule"]: c["suppressed"] for c in json.loads(blocked.outputs["verdict"])["changes"]
    }
    assert suppressed["FIELD_REMOVED"] is not None and suppressed["PII_UNANNOTATED"] is None
    [error] = [line for line in blocked.stdout.splitlines() if line.startswith("::error")]
    assert "title=PII_UNANNOTATED::" in error
    assert "Protoguard-Allow-PII" in blocked.summary and "allow-pii label" in blocked.summary

    allowed = run(
        tmp_path, pr_repo, fake_github, [*labels, "protoguard:allow-pii"], comment="false"
    )
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    verdict = json.loads(allowed.outputs["verdict"])
    assert verdict["allow_pii"] == "pull request #5 has the label 'protoguard:allow-pii'"
    assert {c["rule"]: c["suppressed"] is not None for c in verdict["changes"]} == {
        "FIELD_REMOVED": True,
        "PII_UNANNOTATED": True,
    }


def test_github_merge_commit_checkout_compares_with_the_base_tip(
    tmp_path: Path, pr_repo: dict[str, Any], fake_github: FakeGitHub
) -> None:
    # actions/checkout's default for pull_request: the merge of the PR into the base.
    repo: GitRepo = pr_repo["repo"]
    repo.git("switch", "--quiet", "--detach", pr_repo["base"])
    repo.git("merge", "--quiet", "--no-ff", "-m", "Merge feature", "feature")
    result = run(tmp_path, pr_repo, fake_github, [], comment="false")
    assert result.returncode == 1, result.stdout + result.stderr
    verdict = json.loads(result.outputs["verdict"])
    assert verdict["base"]["sha"] == pr_repo["base"]
    assert [c["element"] for c in verdict["changes"] if c["is_breaking"]] == [
        "acme.todo.v1.Task.description"
    ]
    assert fake_github.requests == []


def test_no_comment_permission_is_a_warning_and_the_gate_still_decides(
    tmp_path: Path, pr_repo: dict[str, Any], fake_github: FakeGitHub
) -> None:
    fake_github.status = 403
    result = run(tmp_path, pr_repo, fake_github, [])
    assert result.returncode == 1
    warnings = [line for line in result.stdout.splitlines() if line.startswith("::warning")]
    assert any("pull-requests: write" in line for line in warnings), result.stdout


def test_a_bad_input_is_one_error_and_exit_2(
    tmp_path: Path, pr_repo: dict[str, Any], fake_github: FakeGitHub
) -> None:
    result = run(tmp_path, pr_repo, fake_github, [], **{"fail-on": "SEVERE"})
    assert result.returncode == 2
    [error] = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert error.startswith("::error title=protoguard::bad input: fail-on")
    assert result.outputs["can-deploy"] == "false"
    assert "protoguard could not run" in result.summary
