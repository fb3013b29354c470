"""The standalone engine names buf's rules as buf reports them: which rule, in which file, at
which line, under the buf rules a configuration selects. Each case is a small before/after
pair written here for the behaviour buf's own breaking tests pin down."""

from __future__ import annotations

from compat_checker.bufconfig import BufBreakingConfig, obeying_breaking_config
from compat_checker.diff import DiffContext, infer_changed_files, match_elements, run_rules
from compat_checker.findings import ChangedFile, FileStatus
from compat_checker.rules.registry import all_rules
from protomodel.parse import build_tree

from ._harness import diff, parse_fixture


def named(before: str, after: str, *use: str) -> list[tuple[str, int, str]]:
    """(file, line, buf rule) of every buf rule the findings name under `use` (buf.yaml v2)."""
    config = BufBreakingConfig(use=list(use))
    kept = obeying_breaking_config(
        diff(before, after),
        {rule.id: rule.buf_rules for rule in all_rules().values()},
        lambda _path: (config, {}, "v2", ()),
        lambda _path: "a",
    )
    return sorted((c.file, c.line, rule) for c in kept for rule in c.buf_rules)


def rules_of(before: str, after: str, *use: str) -> list[str]:
    """The protoguard rules that still report under `use`."""
    config = BufBreakingConfig(use=list(use))
    kept = obeying_breaking_config(
        diff(before, after),
        {rule.id: rule.buf_rules for rule in all_rules().values()},
        lambda _path: (config, {}, "v2", ()),
        lambda _path: "a",
    )
    return sorted(c.rule for c in kept)


_FIELDS = """\
syntax = "proto2";
package a;
message Foo {
  optional int32 one = 1;
  optional int32 two = 2;
  extensions 10 to 100;
}
extend Foo {
  optional string label = 10;
}
"""


def test_a_deleted_field_with_its_name_reserved_is_no_name_reserved_break():
    after = _FIELDS.replace("  optional int32 two = 2;\n", '  reserved "two";\n')
    assert named(_FIELDS, after, "FIELD_NO_DELETE_UNLESS_NAME_RESERVED") == []
    assert rules_of(_FIELDS, after, "FIELD_NO_DELETE_UNLESS_NAME_RESERVED") == []
    assert named(_FIELDS, after, "FIELD_NO_DELETE") == [("fixture.proto", 3, "FIELD_NO_DELETE")]


def test_a_deleted_extension_is_an_extension_rule_not_a_field_rule():
    after = _FIELDS.replace("extend Foo {\n  optional string label = 10;\n}\n", "")
    assert named(_FIELDS, after, "FIELD_NO_DELETE") == []
    assert rules_of(_FIELDS, after, "FIELD_NO_DELETE") == []
    assert named(_FIELDS, after, "EXTENSION_NO_DELETE") == [
        ("fixture.proto", 1, "EXTENSION_NO_DELETE")
    ]


_ENUM = """\
syntax = "proto3";
package a;
enum Color {
  option allow_alias = true;
  COLOR_UNSPECIFIED = 0;
  COLOR_RED = 1;
  COLOR_CRIMSON = 1;
  COLOR_BLUE = 2;
}
"""


def test_a_deleted_enum_number_is_one_break_whatever_its_aliases():
    after = _ENUM.replace("  COLOR_RED = 1;\n  COLOR_CRIMSON = 1;\n", "")
    assert named(_ENUM, after, "ENUM_VALUE_NO_DELETE") == [
        ("fixture.proto", 3, "ENUM_VALUE_NO_DELETE")
    ]


def test_an_enum_number_is_deleted_unless_every_alias_name_is_reserved():
    one = _ENUM.replace("  COLOR_RED = 1;\n  COLOR_CRIMSON = 1;\n", '  reserved "COLOR_RED";\n')
    both = one.replace('"COLOR_RED"', '"COLOR_RED", "COLOR_CRIMSON"')
    rule = "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED"
    assert named(_ENUM, one, rule) == [("fixture.proto", 3, rule)]
    assert named(_ENUM, both, rule) == []


def test_a_renumbered_enum_value_deletes_its_old_number_at_the_enum():
    after = _ENUM.replace("COLOR_BLUE = 2", "COLOR_BLUE = 3")
    assert named(_ENUM, after, "ENUM_VALUE_NO_DELETE") == [
        ("fixture.proto", 3, "ENUM_VALUE_NO_DELETE")
    ]


_MOVE_BEFORE = """\
// file: a.proto
syntax = "proto2";
package a;
message Keep {
  optional int32 one = 1;
}
message Foo {
  extensions 10 to 100;
  message Bar {
    extend Foo {
      optional string label = 10;
    }
    enum Kind {
      KIND_UNSPECIFIED = 0;
    }
  }
}
// file: b.proto
syntax = "proto2";
package a;
message Other {
  optional int32 one = 1;
}
"""
_MOVE_AFTER = """\
// file: a.proto
syntax = "proto2";
package a;
message Keep {
  optional int32 one = 1;
}
// file: b.proto
syntax = "proto2";
package a;
message Other {
  optional int32 one = 1;
}
message Foo {
  extensions 10 to 100;
  message Bar {
    extend Foo {
      optional string label = 10;
    }
    enum Kind {
      KIND_UNSPECIFIED = 0;
    }
  }
}
"""


def test_a_type_moved_to_another_file_is_deleted_from_the_file_that_lost_it():
    found = named(_MOVE_BEFORE, _MOVE_AFTER, "FILE")
    assert found == [
        ("a.proto", 1, "ENUM_NO_DELETE"),
        ("a.proto", 1, "EXTENSION_NO_DELETE"),
        ("a.proto", 1, "MESSAGE_NO_DELETE"),
        ("a.proto", 1, "MESSAGE_NO_DELETE"),
    ]
    assert named(_MOVE_BEFORE, _MOVE_AFTER, "PACKAGE") == []
    blocking = [c.element for c in diff(_MOVE_BEFORE, _MOVE_AFTER) if c.is_breaking]
    assert "a.Foo" in blocking
    assert not {"a.Foo.Bar", "a.Foo.Bar.Kind", "a.Foo.Bar.label"} & set(blocking)


def test_a_message_field_retyped_to_another_message_deletes_no_message():
    before = 'syntax = "proto3";\npackage a;\nmessage A {\n  A a = 1;\n}\nmessage B {}\n'
    after = before.replace("  A a = 1;", "  B a = 1;")
    assert named(before, after, "FILE") == [("fixture.proto", 4, "FIELD_SAME_TYPE")]


def test_a_package_change_is_reported_at_the_package_statement():
    before = 'syntax = "proto3";\n\npackage a;\n\nmessage A {}\n'
    assert named(before, before.replace("package a;", "package b;"), "FILE") == [
        ("fixture.proto", 3, "FILE_SAME_PACKAGE")
    ]
    unpackaged = 'syntax = "proto3";\n\nmessage A {}\n'
    assert named(unpackaged, before, "FILE") == [("fixture.proto", 3, "FILE_SAME_PACKAGE")]


def test_a_file_whose_import_path_stayed_did_not_move():
    """A v1beta1 `roots: [root]` module that became a v1 module at the repository root: git
    sees root/a/a.proto renamed to a/a.proto, importers and buf see a/a.proto both times."""
    text = 'syntax = "proto3";\npackage a;\nmessage A {\n  string id = 1;\n}\n'
    base = build_tree({"a/a.proto": text}, repo_paths={"a/a.proto": "root/a/a.proto"})
    head = build_tree({"a/a.proto": text + "message B {}\n"})
    changed = [ChangedFile(path="a/a.proto", old_path="root/a/a.proto", status=FileStatus.RENAMED)]
    ctx = DiffContext(base=base, head=head, changed_files=changed)
    found = run_rules(ctx, match_elements(base, head, changed), all_rules())
    assert [c.rule for c in found if c.rule == "FILE_MOVED"] == []
    moved = build_tree({"b/a.proto": text + "message B {}\n"})
    changed = [ChangedFile(path="b/a.proto", old_path="root/a/a.proto", status=FileStatus.RENAMED)]
    ctx = DiffContext(base=base, head=moved, changed_files=changed)
    found = run_rules(ctx, match_elements(base, moved, changed), all_rules())
    assert [c.rule for c in found if c.rule == "FILE_MOVED"] == ["FILE_MOVED"]


_SCOPES_BEFORE = """\
// file: a.proto
syntax = "proto2";
package a;
message Target {
  extensions 100 to 199;
}
message Holder {
  extend Target {
    optional string label = 100;
  }
}
extend Target {
  optional int32 size = 101;
}
// file: b.proto
syntax = "proto2";
package a;
import "a.proto";
message Other {
  optional int32 one = 1;
}
"""


def test_extensions_pair_by_extendee_and_number_across_scopes_and_files():
    """buf pairs extensions by extendee and number: one declared in another scope is a new
    name (FIELD_SAME_NAME), one moved to another file with a new type a type change."""
    after = (
        _SCOPES_BEFORE.replace(
            "message Holder {\n  extend Target {\n    optional string label = 100;\n  }\n}\n",
            "message Holder {}\n",
        )
        .replace("extend Target {\n  optional int32 size = 101;\n}\n", "")
        .replace(
            "message Other {\n  optional int32 one = 1;\n}\n",
            "message Other {\n  optional int32 one = 1;\n  extend Target {\n"
            "    optional string label = 100;\n  }\n}\n"
            "extend Target {\n  optional string size = 101;\n}\n",
        )
    )
    found = named(_SCOPES_BEFORE, after, "FIELD_SAME_NAME", "FIELD_SAME_TYPE")
    assert found == [("b.proto", 7, "FIELD_SAME_NAME"), ("b.proto", 11, "FIELD_SAME_TYPE")]


def test_an_unchanged_extension_in_its_place_pairs_with_nothing_new():
    after = _SCOPES_BEFORE.replace("optional int32 one = 1;", "optional int64 one = 1;")
    assert [r for r in rules_of(_SCOPES_BEFORE, after, "FILE") if "EXTENSION" in r] == []


_EDITION = """\
edition = "2023";
package a;
message M {
  M plain = 1;
  M grouped = 2 [features.message_encoding = DELIMITED];
}
"""


def test_a_delimited_message_field_is_a_group_to_buf():
    swapped = _EDITION.replace(
        "  M plain = 1;\n  M grouped = 2 [features.message_encoding = DELIMITED];\n",
        "  M plain = 1 [features.message_encoding = DELIMITED];\n  M grouped = 2;\n",
    )
    assert named(_EDITION, swapped, "FIELD_WIRE_COMPATIBLE_TYPE") == [
        ("fixture.proto", 4, "FIELD_WIRE_COMPATIBLE_TYPE"),
        ("fixture.proto", 5, "FIELD_WIRE_COMPATIBLE_TYPE"),
    ]
    file_wide = _EDITION.replace(
        "package a;\n", "package a;\noption features.message_encoding = DELIMITED;\n"
    ).replace(" [features.message_encoding = DELIMITED]", "")
    assert named(_EDITION, file_wide, "FIELD_SAME_TYPE") == [
        ("fixture.proto", 5, "FIELD_SAME_TYPE")
    ]


def test_a_renamed_enum_value_names_its_aliases_too_without_blocking_on_them():
    after = _ENUM.replace("COLOR_CRIMSON = 1", "COLOR_SCARLET = 1")
    assert named(_ENUM, after, "ENUM_VALUE_SAME_NAME") == [
        ("fixture.proto", 6, "ENUM_VALUE_SAME_NAME"),
        ("fixture.proto", 7, "ENUM_VALUE_SAME_NAME"),
    ]
    alias = next(c for c in diff(_ENUM, after) if c.element == "a.Color.COLOR_RED")
    assert not alias.is_breaking


_PACKAGE_BEFORE = """\
// file: a1.proto
syntax = "proto3";
package a;
message Outer {
  message Inner {
    enum Kind {
      KIND_UNSPECIFIED = 0;
    }
  }
}
enum Top {
  TOP_UNSPECIFIED = 0;
}
// file: a2.proto
syntax = "proto3";
package a;
message Other {}
"""
_PACKAGE_AFTER = """\
// file: a1.proto
syntax = "proto3";
package a;
// file: a2.proto
syntax = "proto3";
package a;
message Other {}
message Outer {}
"""


def test_deletions_from_a_package_are_placed_as_buf_places_them():
    """A message at the nearest enclosing message left in the package (another file here),
    an enum in the file it was declared in; what a removed message held is reported too."""
    assert named(_PACKAGE_BEFORE, _PACKAGE_AFTER, "PACKAGE") == [
        ("a1.proto", 1, "PACKAGE_ENUM_NO_DELETE"),
        ("a1.proto", 1, "PACKAGE_ENUM_NO_DELETE"),
        ("a2.proto", 4, "PACKAGE_MESSAGE_NO_DELETE"),
    ]
    assert named(_PACKAGE_BEFORE, _PACKAGE_AFTER, "ENUM_NO_DELETE", "MESSAGE_NO_DELETE") == [
        ("a1.proto", 1, "ENUM_NO_DELETE"),
        ("a1.proto", 1, "ENUM_NO_DELETE"),
        ("a1.proto", 1, "MESSAGE_NO_DELETE"),
        ("a1.proto", 1, "MESSAGE_NO_DELETE"),
    ]
    notes = [c for c in diff(_PACKAGE_BEFORE, _PACKAGE_AFTER) if c.kind == "removed_inside"]
    assert [c.element for c in notes] == ["a.Outer.Inner.Kind"]
    assert not any(c.is_breaking for c in notes)


def test_the_last_file_of_a_package_deleted_is_package_no_delete_once():
    before = (
        '// file: c1.proto\nsyntax = "proto3";\npackage c;\n'
        '// file: c2.proto\nsyntax = "proto3";\npackage c;\n'
        '// file: d.proto\nsyntax = "proto3";\npackage d;\n'
    )
    after = '// file: d.proto\nsyntax = "proto3";\npackage d;\nmessage D {}\n'
    base, head = parse_fixture(before), parse_fixture(after)
    changed = infer_changed_files(base, head)

    def package_rules(head_packages: set[str] | None) -> list[tuple[str, list[str]]]:
        ctx = DiffContext(
            base=base,
            head=head,
            changed_files=changed,
            list_head_packages=None if head_packages is None else lambda: head_packages,
        )
        found = run_rules(ctx, match_elements(base, head, changed), all_rules())
        return [(c.file, c.buf_rules) for c in found if c.rule == "FILE_REMOVED"]

    assert package_rules({"d"}) == [
        ("c1.proto", ["FILE_NO_DELETE", "PACKAGE_NO_DELETE"]),
        ("c2.proto", ["FILE_NO_DELETE"]),
    ]
    unknown = [("c1.proto", ["FILE_NO_DELETE"]), ("c2.proto", ["FILE_NO_DELETE"])]
    assert package_rules(None) == unknown
    assert package_rules({"c", "d"}) == unknown
