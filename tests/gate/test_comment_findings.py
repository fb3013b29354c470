"""Comment-derived findings (SEMANTIC, potential) warn unless confirmed or opted into blocking.

A keyword cannot prove that behaviour changed, so `DOC_GUARANTEE_REMOVED` and its family
never block a pull request on their own: the LLM review must confirm them, or the
repository must ask for it with `rules.comment_findings: block` in protoguard.yaml.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from compat_checker.cli import main
from compat_checker.findings import Category, Change, Severity, Source
from compat_checker.verdict import COMMENT_FINDING_HELD, hold_comment_findings
from tests.gate.conftest import git

TASK = "proto/acme/todo/v1/task.proto"


def _drop_guarantee(repo: Path, config: str) -> None:
    (repo / "protoguard.yaml").write_text("version: 1\npii:\n  enabled: false\n" + config)
    git(repo, "add", "protoguard.yaml")
    git(repo, "commit", "-q", "-m", "config")
    target = repo / TASK
    text = target.read_text()
    old = "// When the task was created. Always set by the server."
    assert old in text
    target.write_text(text.replace(old, "// When the task was created. Set by the server.", 1))


def _check(repo: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["check", "--repo", str(repo), "--against", "HEAD", "--no-llm", "--format", "text"],
        catch_exceptions=False,
    )
    return result.exit_code, result.output


def test_a_removed_guarantee_warns_without_a_review(example_repo: Path) -> None:
    _drop_guarantee(example_repo, "")
    code, output = _check(example_repo)
    assert code == 0, output
    assert "DOC_GUARANTEE_REMOVED" in output and "acme.todo.v1.Task.create_time" in output


def test_a_repository_can_opt_into_blocking(example_repo: Path) -> None:
    _drop_guarantee(example_repo, "rules:\n  comment_findings: block\n")
    code, output = _check(example_repo)
    assert code == 1, output
    assert "DOC_GUARANTEE_REMOVED" in output


def _comment_finding(**update: object) -> Change:
    change = Change(
        id="c0ffee000000",
        rule="DOC_GUARANTEE_REMOVED",
        category=Category.SEMANTIC,
        is_breaking=True,
        severity=Severity.MEDIUM,
        element="acme.v1.Task.create_time",
        file="acme/v1/task.proto",
        message="documented guarantee removed",
        sources=[Source.RULES],
        potential=True,
    )
    return change.model_copy(update=update)


def test_only_a_confirmed_or_untrusted_review_keeps_it_blocking() -> None:
    unreviewed = _comment_finding()
    uncertain = _comment_finding(id="1", llm={"review": "uncertain"})
    confirmed = _comment_finding(id="2", llm={"review": "confirmed"})
    untrusted = _comment_finding(id="3", llm={"review": "refute_ignored", "instruction_like": True})
    from_buf = _comment_finding(id="4", sources=[Source.BUF, Source.RULES])
    cel = _comment_finding(id="5", category=Category.VALIDATION)
    held = hold_comment_findings(
        [unreviewed, uncertain, confirmed, untrusted, from_buf, cel], "warn"
    )
    assert [c.is_breaking for c in held] == [False, False, True, True, True, True]
    assert COMMENT_FINDING_HELD in held[0].message
    assert [c.is_breaking for c in hold_comment_findings([unreviewed], "block")] == [True]
