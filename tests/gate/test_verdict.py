"""Pure verdict logic: blocking, fail_on, suppressions (config, inline, flag, trailer)."""

from __future__ import annotations

from compat_checker.config import Config, ElementIgnore
from compat_checker.findings import Category, Change, RefInfo, Severity, Source
from compat_checker.verdict import (
    allow_breaking_reason,
    apply_suppressions,
    build_verdict,
)
from protomodel.model import (
    Comments,
    FieldModel,
    FileModel,
    Location,
    MessageModel,
    ProtoTree,
    TypeKind,
)


def make_change(
    rule="FIELD_REMOVED",
    element="acme.v1.Task.title",
    breaking=True,
    severity=Severity.HIGH,
    file="a.proto",
):
    return Change(
        id=rule[:4] + element[-4:],
        rule=rule,
        category=Category.WIRE,
        is_breaking=breaking,
        severity=severity,
        element=element,
        file=file,
        line=3,
        column=1,
        message="m",
        sources=[Source.RULES],
    )


def verdict_for(changes, fail_on="breaking"):
    ref = RefInfo(ref="x")
    return build_verdict(
        changes,
        fail_on=fail_on,
        base=ref,
        head=ref,
        files=[],
        layers=[],
        timings={},
        tool_version="t",
    )


def test_any_unsuppressed_breaking_change_blocks_by_default():
    verdict = verdict_for([make_change(severity=Severity.LOW)])
    assert not verdict.can_deploy
    assert verdict.overall_severity.value == "LOW"
    assert verdict.summary.blocking == 1


def test_warnings_never_block():
    verdict = verdict_for([make_change(breaking=False, severity=Severity.MEDIUM)])
    assert verdict.can_deploy
    assert verdict.summary.warnings == 1
    assert verdict.overall_severity.value == "MEDIUM"


def test_fail_on_threshold():
    changes = [make_change(severity=Severity.MEDIUM)]
    assert verdict_for(changes, fail_on="HIGH").can_deploy
    assert not verdict_for(changes, fail_on="MEDIUM").can_deploy


def test_config_ignore_suppresses_but_keeps_the_finding():
    config = Config(
        ignores=[
            ElementIgnore(
                element="acme.v1.Task.*", rule="FIELD_REMOVED", reason="planned v2 cleanup"
            )
        ]
    )
    changes = apply_suppressions([make_change()], config=config, head=None, allow_breaking=None)
    verdict = verdict_for(changes)
    assert verdict.can_deploy
    assert verdict.summary.suppressed == 1
    assert "planned v2 cleanup" in verdict.changes[0].suppressed


def test_ignore_for_another_rule_does_not_suppress():
    config = Config(
        ignores=[ElementIgnore(element="acme.v1.Task.title", rule="FIELD_SAME_TYPE", reason="x")]
    )
    changes = apply_suppressions([make_change()], config=config, head=None, allow_breaking=None)
    assert changes[0].suppressed is None


def test_ignore_paths():
    config = Config(ignore_paths=["third_party/**"])
    changes = apply_suppressions(
        [make_change(file="third_party/x/a.proto")], config=config, head=None, allow_breaking=None
    )
    assert changes[0].suppressed.startswith("path ignored")


def _tree_with_comment(comment: str) -> ProtoTree:
    loc = Location(file="a.proto", line=1, column=1)
    field = FieldModel(
        name="title",
        fqn="acme.v1.Task.title",
        location=loc,
        number=1,
        type="string",
        type_kind=TypeKind.SCALAR,
    )
    message = MessageModel(
        name="Task",
        fqn="acme.v1.Task",
        location=loc,
        comments=Comments(leading=comment),
        fields=[field],
    )
    file = FileModel(
        name="a.proto",
        fqn="a.proto",
        repo_path="a.proto",
        location=loc,
        package="acme.v1",
        messages=[message],
    )
    return ProtoTree(files={"a.proto": file})


def test_inline_ignore_on_enclosing_message():
    head = _tree_with_comment("protoguard:ignore FIELD_REMOVED nobody reads it since 2023")
    changes = apply_suppressions([make_change()], config=Config(), head=head, allow_breaking=None)
    assert "nobody reads it since 2023" in changes[0].suppressed


def test_inline_ignore_for_other_rule_is_not_a_blanket():
    head = _tree_with_comment("protoguard:ignore FIELD_SAME_TYPE reason")
    changes = apply_suppressions([make_change()], config=Config(), head=head, allow_breaking=None)
    assert changes[0].suppressed is None


def test_allow_breaking_flag_and_trailer():
    assert allow_breaking_reason("migration ticket 42", []) == "migration ticket 42"
    trailer = "Remove legacy field\n\nProtoguard-Allow-Breaking: all clients on v3\n"
    assert allow_breaking_reason(None, ["other", trailer]) == "all clients on v3 (commit trailer)"
    assert allow_breaking_reason(None, ["no trailer here"]) is None
    changes = apply_suppressions(
        [make_change(), make_change(breaking=False, rule="W")],
        config=Config(),
        head=None,
        allow_breaking="ok",
    )
    assert changes[0].suppressed == "allowed: ok"
    assert changes[1].suppressed is None


def test_personal_data_findings_are_counted_apart_from_breaking_changes():
    """An unannotated SSN blocks like a breaking change but is no compatibility break:
    `summary.pii` counts it, `summary.breaking` does not, and every finding is counted
    once among breaking, pii, warnings, info and suppressed."""
    pii = make_change(rule="PII_UNANNOTATED", element="acme.v1.Task.ssn").model_copy(
        update={"category": Category.PII}
    )
    pii_warning = make_change(
        rule="PII_UNANNOTATED", element="acme.v1.Task.note", breaking=False
    ).model_copy(update={"category": Category.PII})
    changes = [
        make_change(),
        make_change(element="acme.v1.Task.body", breaking=False, severity=Severity.LOW),
        make_change(element="acme.v1.Task.tag", breaking=False, severity=Severity.INFO),
        pii,
        pii_warning,
        make_change(element="acme.v1.Task.old").model_copy(update={"suppressed": "accepted"}),
    ]
    summary = verdict_for(changes).summary
    assert (summary.breaking, summary.pii, summary.warnings, summary.info) == (1, 2, 1, 1)
    assert (summary.blocking, summary.suppressed, summary.total) == (2, 1, 6)
    parts = summary.breaking + summary.pii + summary.warnings + summary.info
    assert parts + summary.suppressed == summary.total


def test_a_refusal_caused_only_by_personal_data_counts_no_breaking_change():
    pii = make_change(rule="PII_UNANNOTATED", element="acme.v1.Task.ssn").model_copy(
        update={"category": Category.PII}
    )
    verdict = verdict_for([pii])
    assert not verdict.can_deploy
    assert (verdict.summary.breaking, verdict.summary.pii, verdict.summary.blocking) == (0, 1, 1)
