"""A head that buf cannot compile blocks with HEAD_DOES_NOT_COMPILE at the error's place."""

from __future__ import annotations

from pathlib import Path

from compat_checker.buf import BufFinding
from compat_checker.merge import HEAD_COMPILE_RULE, compile_error_changes
from compat_checker.options import CheckOptions
from compat_checker.pipeline import run_check

TODO = Path("proto/acme/todo/v1/task.proto")


def _edit(repo: Path, old: str, new: str) -> None:
    path = repo / TODO
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_unresolved_type_in_head_blocks_at_its_line(example_repo):
    _edit(example_repo, "message Task {", "message Task {\n  NoSuchType broken = 999;")
    verdict = run_check(CheckOptions(repo=example_repo, against="main", llm="none"))
    compile_errors = [c for c in verdict.changes if c.rule == HEAD_COMPILE_RULE]
    assert not verdict.can_deploy
    assert len(compile_errors) == 1
    error = compile_errors[0]
    assert (error.file, error.is_breaking) == (TODO.as_posix(), True)
    line = (example_repo / TODO).read_text().splitlines()[error.line - 1]
    assert "NoSuchType" in line
    assert "NoSuchType" in error.message
    # The broken file is left out of buf's build, the others are still compared by buf.
    buf_layer = next(layer for layer in verdict.layers if layer.name == "buf")
    assert buf_layer.status == "ran" and "files left out (see model:head)" in buf_layer.detail


def test_a_compiling_head_has_no_compile_finding(example_repo):
    _edit(example_repo, "message Task {", "// a comment\nmessage Task {")
    verdict = run_check(CheckOptions(repo=example_repo, against="main", llm="none"))
    assert verdict.can_deploy
    assert not [c for c in verdict.changes if c.rule == HEAD_COMPILE_RULE]


def _error(path: str, message: str, line: int = 3) -> BufFinding:
    return BufFinding(repo_path=path, line=line, column=1, rule="COMPILE", message=message)


def test_errors_the_base_already_had_are_not_the_changes_doing():
    known = _error("a.proto", "cannot find `X` in this scope")
    changes = compile_error_changes([known], [_error("a.proto", known.message, line=9)], ["a.proto"],
                                    remote_deps=False)  # fmt: skip
    assert changes == []


def test_errors_outside_the_files_under_review_are_left_out():
    error = _error("other.proto", "syntax error")
    assert compile_error_changes([error], [], ["a.proto"], remote_deps=False) == []


def test_missing_imports_of_remote_dependencies_are_an_offline_limit_not_a_finding():
    missing = _error("a.proto", "imported file does not exist")
    assert compile_error_changes([missing], [], ["a.proto"], remote_deps=True) == []
    (change,) = compile_error_changes([missing], [], ["a.proto"], remote_deps=False)
    assert change.rule == HEAD_COMPILE_RULE and change.blocks


def _missing(path: str, imported: str) -> BufFinding:
    return BufFinding(
        repo_path=path, line=3, column=1, rule="COMPILE", message="imported file does not exist",
        imported=imported,
    )  # fmt: skip


def test_what_follows_from_a_remote_import_does_not_block_but_own_symbols_do():
    errors = [
        _missing("a.proto", "validate/validate.proto"),
        _error("a.proto", "cannot find `validate.rules` in this scope", line=7),
        _error("a.proto", "cannot find `acme.v1.Gone` in this scope", line=8),
        _error("a.proto", "cannot find `Gone` in this scope", line=9),
        _error("a.proto", "field number `4` used more than once", line=10),
    ]
    changes = compile_error_changes(
        errors, [], ["a.proto"], remote_deps=True, own_packages={"acme.v1"}
    )
    assert [c.line for c in changes] == [8, 9, 10]


def test_a_missing_import_the_repository_should_provide_blocks_despite_remote_deps():
    missing = _missing("a.proto", "acme/v1/typo.proto")
    (change,) = compile_error_changes(
        [missing], [], ["a.proto"], remote_deps=True, own_import_dirs={"acme/v1"}
    )
    assert change.blocks
