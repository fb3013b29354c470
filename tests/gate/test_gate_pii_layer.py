"""The PII layer inside `protoguard check`: new unannotated sensitive fields block."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from compat_checker.errors import GateError
from compat_checker.options import CheckOptions
from compat_checker.pipeline import run_check

PERSON = "message Person {"


def add_to_person(repo: Path, declaration: str) -> None:
    path = repo / "proto/acme/todo/v1/task.proto"
    text = path.read_text()
    assert PERSON in text
    path.write_text(text.replace(PERSON, f"{PERSON}\n  {declaration}", 1))


def test_new_ssn_field_blocks_with_the_option_line(example_repo):
    add_to_person(example_repo, "string ssn = 40;")
    verdict = run_check(CheckOptions(repo=example_repo, against="main", llm="none"))
    pii = [c for c in verdict.changes if c.rule == "PII_UNANNOTATED"]
    assert [c.element for c in pii] == ["acme.todo.v1.Person.ssn"]
    assert "(pii.v1.sensitivity) = HIGH" in pii[0].recommendation
    assert not verdict.can_deploy
    assert verdict.pii is not None


def test_annotated_field_passes_and_medium_needs_lower_threshold(example_repo):
    add_to_person(example_repo, "string home_postal_code = 41;")
    verdict = run_check(CheckOptions(repo=example_repo, against="main", llm="none"))
    assert verdict.can_deploy
    verdict = run_check(
        CheckOptions(repo=example_repo, against="main", llm="none", pii_fail_on="MEDIUM")
    )
    assert not verdict.can_deploy


def test_annotate_dir_output_compiles_with_buf(example_repo, tmp_path):
    add_to_person(example_repo, "string ssn = 40;")
    out = tmp_path / "annotated"
    run_check(CheckOptions(repo=example_repo, against="main", llm="none", annotate_dir=out))
    annotated = (out / "proto/acme/todo/v1/task.proto").read_text()
    assert "(pii.v1.sensitivity) = HIGH" in annotated
    assert 'import "pii/v1/pii.proto";' in annotated
    # compile the annotated file inside a copy of the example module
    module = tmp_path / "module"
    subprocess.run(["cp", "-r", str(example_repo / "proto"), str(module)], check=True)
    (module / "acme/todo/v1/task.proto").write_text(annotated)
    buf = Path(sys.executable).parent / "buf"
    result = subprocess.run([str(buf), "build", str(module)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_broken_overrides_file_is_a_one_line_error(example_repo):
    add_to_person(example_repo, "string ssn = 40;")
    overrides = example_repo / ".protoguard/pii-overrides.yaml"
    overrides.parent.mkdir(exist_ok=True)
    for content, expected in [
        (b"overrides: [\n", "pii-overrides.yaml:2: not valid YAML"),
        (b"\xff\xfe", "pii-overrides.yaml: not UTF-8 text"),
    ]:
        overrides.write_bytes(content)
        with pytest.raises(GateError, match=expected):
            run_check(CheckOptions(repo=example_repo, against="main", llm="none"))


def test_an_unwritable_annotate_dir_is_a_one_line_error(example_repo, tmp_path):
    add_to_person(example_repo, "string ssn = 40;")
    out = tmp_path / "annotated"
    out.mkdir()
    (out / "proto").write_text("a file where a directory must go")
    with pytest.raises(GateError, match=r"--annotate-dir: cannot write .*task\.proto"):
        run_check(CheckOptions(repo=example_repo, against="main", llm="none", annotate_dir=out))


def test_annotate_dir_inside_the_repo_warns_unless_git_ignores_it(example_repo, tmp_path):
    from click.testing import CliRunner

    from compat_checker.cli import main

    def warned(annotate_dir: Path) -> bool:
        args = ["check", "--repo", str(example_repo), "--against", "main", "--no-llm"]
        result = CliRunner().invoke(main, [*args, "--annotate-dir", str(annotate_dir)])
        assert result.exit_code in (0, 1), result.output
        return "next check reviews its copies" in result.stderr

    assert warned(example_repo / "out")
    (example_repo / ".gitignore").write_text("out/\n")
    assert not warned(example_repo / "out")
    assert not warned(tmp_path / "elsewhere")


def test_a_new_field_that_needs_review_warns_with_the_option_line_to_add(example_repo):
    """Below pii.fail_on too: the rules cannot place it, so the warning says how to declare
    it; `pii.fail_on_review: true` makes the same finding block."""
    add_to_person(example_repo, "string favourite_quark = 42;")
    verdict = run_check(CheckOptions(repo=example_repo, against="main", llm="none"))
    [finding] = [c for c in verdict.changes if c.element == "acme.todo.v1.Person.favourite_quark"]
    assert finding.rule == "PII_UNANNOTATED" and not finding.is_breaking
    assert "add [(pii.v1.sensitivity) = PUBLIC]" in finding.message
    assert "(a warning: the rules are not sure: " in finding.message
    assert "pii.fail_on_review: true makes it block" in finding.message
    assert "string favourite_quark = 42 [(pii.v1.sensitivity) = PUBLIC];" in (
        finding.recommendation or ""
    )
    assert verdict.can_deploy
    config = example_repo / "protoguard.yaml"
    config.write_text("version: 1\npii:\n  fail_on_review: true\n")
    verdict = run_check(CheckOptions(repo=example_repo, against="main", llm="none"))
    [finding] = [c for c in verdict.changes if c.element == "acme.todo.v1.Person.favourite_quark"]
    assert finding.is_breaking and not verdict.can_deploy
