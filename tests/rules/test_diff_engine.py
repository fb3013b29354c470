"""The diff engine on hand-built trees: matching, renames, moves, reporting, configuration."""

from __future__ import annotations

import re

from compat_checker.config import RulesConfig
from compat_checker.diff import (
    DiffContext,
    ElementPair,
    infer_changed_files,
    match_elements,
    run_rules,
)
from compat_checker.findings import Category, ChangedFile, FileStatus, Severity, Source
from compat_checker.rules.registry import all_rules
from protomodel.model import ElementKind, Label, ProtoTree

from ._models import enum, field, message, proto_file, service, tree

M = "acme.v1.Task"


def modified(*paths: str) -> list[ChangedFile]:
    return [ChangedFile(path=p, status=FileStatus.MODIFIED) for p in paths]


def rules_fired(
    base: ProtoTree, head: ProtoTree, changed: list[ChangedFile] | None = None
) -> set[tuple[str, str]]:
    changed = changed if changed is not None else infer_changed_files(base, head)
    ctx = DiffContext(base=base, head=head, changed_files=changed)
    changes = run_rules(ctx, match_elements(base, head, changed), all_rules())
    return {(c.rule, c.element) for c in changes}


def one_file(*fields, **kwargs) -> ProtoTree:
    return tree(proto_file("a.proto", messages=[message(M, *fields)], **kwargs))


def pairs_of(kind: ElementKind, base: ProtoTree, head: ProtoTree) -> list[ElementPair]:
    return [
        p for p in match_elements(base, head, infer_changed_files(base, head)) if p.kind == kind
    ]


# ---- fields: name first, then number ----


def test_same_number_new_name_is_one_renamed_pair() -> None:
    base = one_file(field(M, "id", 1), field(M, "title", 2))
    head = one_file(field(M, "id", 1), field(M, "headline", 2))
    changed = [p for p in pairs_of(ElementKind.FIELD, base, head) if p.base != p.head]
    assert len(changed) == 1
    assert (
        changed[0].renamed
        and changed[0].base.name == "title"
        and changed[0].head.name == "headline"
    )
    assert rules_fired(base, head) == {("FIELD_RENAMED", f"{M}.headline")}


def test_same_name_new_number_is_a_number_change_not_a_rename() -> None:
    base = one_file(field(M, "id", 1), field(M, "title", 2))
    head = one_file(field(M, "id", 1), field(M, "title", 5))
    assert rules_fired(base, head) == {("FIELD_NUMBER_CHANGED", f"{M}.title")}


def test_swapped_numbers_are_two_number_changes() -> None:
    base = one_file(field(M, "a", 1), field(M, "b", 2))
    head = one_file(field(M, "a", 2), field(M, "b", 1))
    assert rules_fired(base, head) == {
        ("FIELD_NUMBER_CHANGED", f"{M}.a"),
        ("FIELD_NUMBER_CHANGED", f"{M}.b"),
    }


def test_removed_and_added_under_different_numbers_stay_apart() -> None:
    base = one_file(field(M, "id", 1), field(M, "title", 2))
    head = one_file(field(M, "id", 1), field(M, "headline", 3))
    assert rules_fired(base, head) == {("FIELD_REMOVED", f"{M}.title")}


def test_enum_value_rename_by_number_but_aliases_are_not_guessed() -> None:
    base = tree(proto_file("a.proto", enums=[enum("acme.v1.S", ("S_A", 0), ("S_B", 1))]))
    head = tree(proto_file("a.proto", enums=[enum("acme.v1.S", ("S_A", 0), ("S_C", 1))]))
    assert rules_fired(base, head) == {("ENUM_VALUE_RENAMED", "acme.v1.S.S_C")}
    # Two new names on the removed number: no rename is guessed; the old value is gone
    # but its number is still taken, so only JSON and source notice.
    head_alias = tree(
        proto_file("a.proto", enums=[enum("acme.v1.S", ("S_A", 0), ("S_C", 1), ("S_D", 1))])
    )
    assert rules_fired(base, head_alias) == {
        ("ENUM_VALUE_REMOVED_NUMBER_RESERVED", "acme.v1.S.S_B")
    }


# ---- containers: outermost only, moves, packages ----


def test_removed_message_is_reported_once_not_per_field() -> None:
    base = tree(
        proto_file(
            "a.proto",
            messages=[
                message(M, field(M, "id", 1)),
                message("acme.v1.Note", field("acme.v1.Note", "x", 1)),
            ],
        )
    )
    head = tree(proto_file("a.proto", messages=[message(M, field(M, "id", 1))]))
    assert rules_fired(base, head) == {("MESSAGE_REMOVED", "acme.v1.Note")}


def test_a_message_that_became_an_enum_is_removed() -> None:
    base = tree(proto_file("a.proto", messages=[message("acme.v1.Kind")]))
    head = tree(proto_file("a.proto", enums=[enum("acme.v1.Kind", ("KIND_UNSPECIFIED", 0))]))
    assert rules_fired(base, head) == {("MESSAGE_REMOVED", "acme.v1.Kind")}


def test_added_elements_are_quiet() -> None:
    base = one_file(field(M, "id", 1))
    head = tree(
        proto_file(
            "a.proto",
            messages=[message(M, field(M, "id", 1), field(M, "title", 2)), message("acme.v1.Note")],
            services=[service("acme.v1.Svc", ("Get", M, M))],
        ),
        proto_file("b.proto", messages=[message("acme.v1.Other")]),
    )
    assert rules_fired(base, head) == set()


def test_deleted_file_is_one_finding() -> None:
    base = tree(
        proto_file("a.proto", messages=[message(M, field(M, "id", 1))]),
        proto_file("b.proto", messages=[message("acme.v1.B", field("acme.v1.B", "x", 1))]),
    )
    head = tree(proto_file("a.proto", messages=[message(M, field(M, "id", 1))]))
    assert rules_fired(base, head) == {("FILE_REMOVED", "b.proto")}


def test_message_moved_to_another_file_is_a_source_move_not_a_removal() -> None:
    task = message(M, field(M, "id", 1))
    base = tree(
        proto_file("a.proto", messages=[task, message("acme.v1.Keep")]), proto_file("b.proto")
    )
    head = tree(
        proto_file("a.proto", messages=[message("acme.v1.Keep")]),
        proto_file("b.proto", messages=[task]),
    )
    (pair,) = [p for p in pairs_of(ElementKind.MESSAGE, base, head) if p.base and p.base.fqn == M]
    assert (
        pair.moved
        and pair.base_file.repo_path == "a.proto"
        and pair.head_file.repo_path == "b.proto"
    )
    assert rules_fired(base, head) == {("MESSAGE_MOVED", M)}


def test_file_deleted_with_its_content_moved_is_a_file_move() -> None:
    task = message(M, field(M, "id", 1))
    base = tree(proto_file("a.proto", messages=[task]), proto_file("b.proto"))
    head = tree(proto_file("b.proto", messages=[task]))
    assert rules_fired(base, head) == {("FILE_MOVED", "a.proto")}


def test_git_rename_pairs_the_file_and_keeps_its_elements() -> None:
    task = message(M, field(M, "id", 1))
    base = tree(proto_file("old.proto", messages=[task]))
    head = tree(proto_file("new.proto", messages=[message(M, field(M, "id", 1), field(M, "x", 2))]))
    changed = [ChangedFile(path="new.proto", status=FileStatus.RENAMED, old_path="old.proto")]
    pairs = match_elements(base, head, changed)
    (file_pair,) = [p for p in pairs if p.kind == ElementKind.FILE]
    assert file_pair.renamed
    (message_pair,) = [p for p in pairs if p.kind == ElementKind.MESSAGE]
    assert not message_pair.moved  # the whole file moved: one file-level finding covers it
    assert rules_fired(base, head, changed) == {("FILE_MOVED", "old.proto")}


def test_package_rename_is_one_finding_and_types_follow_it() -> None:
    def version(package: str) -> ProtoTree:
        task, note = f"{package}.Task", f"{package}.Note"
        return tree(
            proto_file(
                "a.proto",
                package,
                messages=[message(task, field(task, "note", 1, note)), message(note)],
                services=[service(f"{package}.Svc", ("Get", task, task))],
            )
        )

    assert rules_fired(version("acme.v1"), version("acme.v2")) == {
        ("FILE_PACKAGE_CHANGED", "a.proto")
    }


def test_unchanged_files_are_not_walked() -> None:
    base = tree(proto_file("a.proto", messages=[message(M, field(M, "id", 1))]))
    head = tree(proto_file("a.proto", messages=[message(M)]))
    assert rules_fired(base, head, changed=[]) == set()
    assert rules_fired(base, head, changed=modified("a.proto")) == {("FIELD_REMOVED", f"{M}.id")}


def test_changed_files_outside_the_trees_are_ignored() -> None:
    base = one_file(field(M, "id", 1))
    changed = [ChangedFile(path="README.md", status=FileStatus.MODIFIED)]
    assert match_elements(base, base, changed) == []


# ---- reporting ----


def test_change_points_at_head_element_or_at_the_parent_for_removals() -> None:
    base = tree(
        proto_file(
            "a.proto",
            messages=[
                message(
                    M,
                    field(M, "id", 1, "int32", line=4),
                    field(M, "title", 2, line=5),
                    line=3,
                    end_line=6,
                )
            ],
            repo_path="proto/a.proto",
        )
    )
    head = tree(
        proto_file(
            "a.proto",
            messages=[message(M, field(M, "id", 1, "int64", line=5), line=4, end_line=6)],
            repo_path="proto/a.proto",
        )
    )
    ctx = DiffContext(base=base, head=head, changed_files=modified("proto/a.proto"))
    changes = {
        c.rule: c
        for c in run_rules(ctx, match_elements(base, head, ctx.changed_files), all_rules())
    }
    removed, retyped = changes["FIELD_REMOVED"], changes["FIELD_TYPE_CHANGED_JSON"]
    assert (removed.element, removed.file, removed.line) == (f"{M}.title", "proto/a.proto", 4)
    assert (retyped.element, retyped.line, retyped.column) == (f"{M}.id", 5, 3)
    assert (retyped.before, retyped.after) == ("int32", "int64")
    assert removed.sources == [Source.RULES] and removed.kind == "field_removed"
    assert removed.recommendation == all_rules()["FIELD_REMOVED"].fix
    assert re.fullmatch(r"[0-9a-f]{12}", removed.id)
    again = run_rules(ctx, match_elements(base, head, ctx.changed_files), all_rules())
    assert sorted(c.id for c in again) == sorted(c.id for c in changes.values())


def test_rules_config_disables_enables_and_overrides() -> None:
    base = one_file(field(M, "id", 1), field(M, "title", 2), field(M, "n", 3, "int32"))
    head = one_file(field(M, "id", 1), field(M, "name", 2), field(M, "n", 3, "int64"))
    ctx = DiffContext(base=base, head=head, changed_files=modified("a.proto"))
    pairs = match_elements(base, head, ctx.changed_files)

    def fired(config: RulesConfig) -> dict[str, Severity]:
        return {c.rule: c.severity for c in run_rules(ctx, pairs, all_rules(), config)}

    assert fired(RulesConfig()) == {
        "FIELD_RENAMED": Severity.HIGH,
        "FIELD_TYPE_CHANGED_JSON": Severity.HIGH,
    }
    assert fired(RulesConfig(disable=["FIELD_RENAMED"])) == {
        "FIELD_TYPE_CHANGED_JSON": Severity.HIGH
    }
    # what is left names buf's type rules (generated code changes type): a SOURCE rule
    assert fired(RulesConfig(disable=[Category.JSON.value])) == {
        "FIELD_TYPE_CLASS_CHANGED": Severity.MEDIUM
    }
    assert fired(RulesConfig(disable=["JSON"], enable=["FIELD_RENAMED"])) == {
        "FIELD_RENAMED": Severity.HIGH,
        "FIELD_TYPE_CLASS_CHANGED": Severity.MEDIUM,
    }
    assert (
        fired(RulesConfig(severity={"FIELD_RENAMED": Severity.LOW}))["FIELD_RENAMED"]
        == Severity.LOW
    )


# ---- context helpers ----


def test_request_and_response_reachability_is_transitive_through_fields() -> None:
    req, resp, inner, deep, lone = (
        f"acme.v1.{n}" for n in ("Req", "Resp", "Inner", "Deep", "Lone")
    )
    head = tree(
        proto_file(
            "a.proto",
            messages=[
                message(req, field(req, "inner", 1, inner, label=Label.REPEATED)),
                message(inner, field(inner, "deep", 1, deep)),
                message(deep, field(deep, "x", 1)),
                message(resp),
                message(lone),
            ],
            services=[service("acme.v1.Svc", ("Get", req, resp))],
        )
    )
    ctx = DiffContext(base=tree(), head=head)
    assert all(ctx.used_in_requests(t) for t in (req, inner, deep))
    assert not ctx.used_in_responses(inner) and ctx.used_in_responses(resp)
    assert not ctx.used_in_requests(lone) and not ctx.used_in_responses(lone)
    assert ctx.used_in_requests("." + deep)  # a leading dot is tolerated


def test_infer_changed_files() -> None:
    a, b = proto_file("a.proto", messages=[message(M)]), proto_file("b.proto")
    changed = infer_changed_files(tree(a, b), tree(a, proto_file("c.proto")))
    assert [(c.path, c.status) for c in changed] == [
        ("b.proto", FileStatus.DELETED),
        ("c.proto", FileStatus.ADDED),
    ]
