"""Issue 2's acceptance: every scenario in a real temp git repo, with buf and with --no-buf,
and the bad-input cases through the real CLI (exit codes, one-line errors, no traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compat_checker.cli import main
from compat_checker.options import CheckOptions
from compat_checker.pipeline import run_check
from compat_checker.scenarios import apply_scenario, list_scenarios

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


def apply(repo: Path, name: str) -> None:
    scenario = next(s for s in list_scenarios() if s.name == name)
    target = repo / "proto" / scenario.proto
    target.write_text(apply_scenario(name, target.read_text(), scenario.proto))


SCENARIOS = [s.name for s in list_scenarios()]


@pytest.mark.parametrize("no_buf", [False, True], ids=["buf", "no-buf"])
@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_verdict(example_repo, name, no_buf):
    scenario = next(s for s in list_scenarios() if s.name == name)
    apply(example_repo, name)
    verdict = run_check(CheckOptions(repo=example_repo, against="main", no_buf=no_buf, llm="none"))
    assert verdict.can_deploy == (scenario.verdict.value == "safe"), [
        (c.rule, c.element) for c in verdict.changes
    ]
    fired = {c.rule for c in verdict.changes}
    assert set(scenario.rules) <= fired
    if no_buf:
        assert all("buf" not in c.sources for c in verdict.changes)


def test_demo_change_names_both_elements(example_repo):
    apply(example_repo, "remove_description")
    apply(example_repo, "add_metadata_required")
    verdict = run_check(CheckOptions(repo=example_repo, against="main", llm="none"))
    breaking = {c.element: c for c in verdict.changes if c.is_breaking}
    assert "acme.todo.v1.Task.description" in breaking
    assert "acme.todo.v1.Task.metadata" in breaking
    assert set(breaking["acme.todo.v1.Task.description"].sources) == {"buf", "rules"}
    assert [s.value for s in breaking["acme.todo.v1.Task.metadata"].sources] == ["rules"]
    assert not verdict.can_deploy


SAFE_EDITS = {
    "comment edit": lambda t: t.replace("// ", "// Note: ", 1),
    "reformatting": lambda t: t.replace(";\n", " ;\n").replace("  ", "    "),
    "reordered declarations": None,  # handled below
}


def test_comment_and_format_edits_pass(example_repo):
    path = example_repo / "proto/acme/todo/v1/task.proto"
    text = path.read_text()
    path.write_text(SAFE_EDITS["reformatting"](SAFE_EDITS["comment edit"](text)))
    verdict = run_check(CheckOptions(repo=example_repo, against="main", llm="none"))
    assert verdict.can_deploy, [(c.rule, c.element, c.message) for c in verdict.changes]


def test_added_file_and_reserved_range_pass(example_repo):
    new = example_repo / "proto/acme/todo/v1/labels.proto"
    new.write_text(
        'syntax = "proto3";\npackage acme.todo.v1;\nmessage Label { string name = 1; }\n'
    )
    path = example_repo / "proto/acme/todo/v1/task.proto"
    text = path.read_text()
    marker = "message Person {"
    assert marker in text
    path.write_text(text.replace(marker, marker + "\n  reserved 900 to 910;", 1))
    verdict = run_check(CheckOptions(repo=example_repo, against="main", llm="none"))
    assert verdict.can_deploy, [(c.rule, c.element) for c in verdict.changes]
    assert {f.status.value for f in verdict.files} == {"A", "M"}


def test_file_deleted_blocks(example_repo):
    (example_repo / "proto/acme/todo/v1/todo_service.proto").unlink()
    verdict = run_check(CheckOptions(repo=example_repo, against="main", llm="none"))
    assert not verdict.can_deploy
    assert any(c.file.endswith("todo_service.proto") for c in verdict.changes if c.is_breaking)


def test_package_renamed_blocks(example_repo):
    path = example_repo / "proto/acme/todo/v1/task.proto"
    path.write_text(path.read_text().replace("package acme.todo.v1;", "package acme.tasks.v1;"))
    for no_buf in (False, True):
        verdict = run_check(
            CheckOptions(repo=example_repo, against="main", no_buf=no_buf, llm="none")
        )
        assert not verdict.can_deploy


# ---------------------------------------------------------------- CLI and bad input


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_exit_codes_and_output_file(example_repo, tmp_path):
    out = tmp_path / "verdict.json"
    result = cli(
        "check",
        "--repo",
        str(example_repo),
        "--against",
        "main",
        "--no-llm",
        "--output",
        str(out),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    assert '"can_deploy": true' in out.read_text()
    apply(example_repo, "remove_rpc")
    result = cli(
        "check", "--repo", str(example_repo), "--against", "main", "--no-llm", "--format", "text"
    )
    assert result.exit_code == 1
    assert "RPC_REMOVED" in result.output
    assert "BLOCKED" in result.output


def assert_clean_error(result, needle: str):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    err = result.stderr if hasattr(result, "stderr") else result.output
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert needle in lines[0], err


def test_not_a_git_repository(tmp_path):
    assert_clean_error(cli("check", "--repo", str(tmp_path)), "not a git repository")


def test_unknown_ref(example_repo):
    assert_clean_error(
        cli("check", "--repo", str(example_repo), "--against", "no-such-branch"), "no-such-branch"
    )


@pytest.mark.parametrize("no_buf", [False, True])
def test_syntax_error_in_head_blocks_with_a_verdict(example_repo, no_buf):
    path = example_repo / "proto/acme/todo/v1/task.proto"
    path.write_text(path.read_text().replace("message Task {", "message Task {{", 1))
    line = path.read_text().splitlines().index("message Task {{") + 1
    args = ["check", "--repo", str(example_repo), "--against", "main", "--no-llm"]
    result = cli(*args, "--format", "json", *(["--no-buf"] if no_buf else []))
    assert result.exit_code == 1, result.output
    verdict = json.loads(result.stdout)
    (error,) = [c for c in verdict["changes"] if c["rule"] == "HEAD_DOES_NOT_COMPILE"]
    assert (error["file"], error["line"], error["severity"]) == (
        "proto/acme/todo/v1/task.proto",
        line,
        "CRITICAL",
    )
    # Judged by its compile error alone: its elements do not look removed.
    assert [c["rule"] for c in verdict["changes"]] == ["HEAD_DOES_NOT_COMPILE"]


def test_binary_proto(example_repo):
    (example_repo / "proto/acme/todo/v1/blob.proto").write_bytes(b"\x00\x01\xffsyntax")
    result = cli("check", "--repo", str(example_repo), "--against", "main", "--no-llm")
    assert_clean_error(result, "blob.proto")


def test_non_utf8_proto(example_repo):
    (example_repo / "proto/acme/todo/v1/latin1.proto").write_bytes(
        b'syntax = "proto3";\npackage acme.todo.v1;\n// caf\xe9\nmessage Cafe {}\n'
    )
    result = cli("check", "--repo", str(example_repo), "--against", "main", "--no-llm")
    assert_clean_error(result, "latin1.proto")


def test_bad_config_is_exit_2(example_repo):
    (example_repo / "protoguard.yaml").write_text("rules:\n  disabel: [X]\n")
    assert_clean_error(cli("check", "--repo", str(example_repo), "--against", "main"), "disabel")


def test_large_proto(example_repo):
    """A 5 MB generated file (thousands of messages) goes through buf and the rules."""
    fields = "\n".join(f"  string field_{i} = {i};" for i in range(1, 26))
    messages = "\n".join(f"message Big{m} {{\n{fields}\n}}" for m in range(8_500))
    text = f'syntax = "proto3";\npackage acme.big.v1;\n{messages}\n'
    assert len(text) > 5_000_000
    big = example_repo / "proto/acme/big/v1/big.proto"
    big.parent.mkdir(parents=True)
    big.write_text(text)
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-q", "-m", "big")
    # the base commit holds the 5 MB file; the working tree removes one of its fields
    big.write_text(text.replace("message Big7 {\n  string field_1 = 1;\n", "message Big7 {\n", 1))
    verdict = run_check(CheckOptions(repo=example_repo, against="HEAD", llm="none"))
    assert any(c.element == "acme.big.v1.Big7.field_1" and c.is_breaking for c in verdict.changes)
    assert all(layer.status.value != "failed" for layer in verdict.layers if layer.name == "buf")


def test_deleted_then_readded_file(example_repo):
    path = example_repo / "proto/acme/todo/v1/task.proto"
    text = path.read_text()
    git(example_repo, "checkout", "-q", "-b", "feature")
    git(example_repo, "rm", "-q", "proto/acme/todo/v1/task.proto")
    git(example_repo, "commit", "-q", "-m", "delete")
    path.write_text(text)
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-q", "-m", "re-add")
    verdict = run_check(CheckOptions(repo=example_repo, against="main", head="HEAD", llm="none"))
    assert verdict.can_deploy


def test_renamed_and_changed_at_once(example_repo):
    git(example_repo, "checkout", "-q", "-b", "feature")
    git(example_repo, "mv", "proto/acme/todo/v1/task.proto", "proto/acme/todo/v1/tasks.proto")
    service = example_repo / "proto/acme/todo/v1/todo_service.proto"
    service.write_text(
        service.read_text().replace('"acme/todo/v1/task.proto"', '"acme/todo/v1/tasks.proto"')
    )
    path = example_repo / "proto/acme/todo/v1/tasks.proto"
    path.write_text(
        apply_scenario("remove_description", path.read_text(), "acme/todo/v1/tasks.proto")
    )
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-q", "-m", "rename and change")
    verdict = run_check(CheckOptions(repo=example_repo, against="main", head="HEAD", llm="none"))
    renamed = [f for f in verdict.files if f.status.value == "R"]
    assert renamed and renamed[0].old_path == "proto/acme/todo/v1/task.proto"
    assert any(
        c.element == "acme.todo.v1.Task.description" for c in verdict.changes if c.is_breaking
    )


def test_debug_flag_shows_traceback_only_on_request(tmp_path):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "protoguard"), "check", "--repo", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
