"""Merging buf's findings into the rules' findings, with findings written as buf reports them.

The buf findings below are `buf breaking --error-format json` output (buf 1.x, FILE
category) for exactly these sources, as `compat_checker.buf` turns them into findings
(a deleted file carries its path and no position).
"""

from __future__ import annotations

from compat_checker.diff import DiffContext, infer_changed_files, match_elements, run_rules
from compat_checker.findings import Category, Change, Severity, Source
from compat_checker.merge import buf_category, merge_findings
from compat_checker.rules.registry import all_rules

from ._harness import Finding, parse_fixture

BASE = """\
// file: a.proto
syntax = "proto3";
package acme.v1;

message M {
  string a = 1;
  int32 b = 2;
  string c = 3;
  int32 d = 4;
  optional int32 e = 5;
  repeated string f = 6;
  oneof choice {
    string g = 7;
    string h = 8;
  }
  string i = 9;
  string j = 10 [json_name = "jay"];
  reserved 20, 21;
  reserved "old";
}

enum E {
  E_UNSPECIFIED = 0;
  E_ONE = 1;
  E_TWO = 2;
  E_THREE = 3;
}

service S {
  rpc Get(M) returns (M);
  rpc List(M) returns (M);
  rpc Gone(M) returns (M);
}
message Dead {}
// file: gone.proto
syntax = "proto3";
package acme.v1;
message Gone {}
"""

HEAD = """\
// file: a.proto
syntax = "proto3";
package acme.v1;

message M {
  int32 b = 22;
  bytes c = 3;
  int64 d = 4;
  int32 e = 5;
  string f = 6;
  oneof choice {
    string g = 7;
    string h = 8;
    string i = 9;
  }
  string jj = 10 [json_name = "jay"];
  string kk = 1;
  reserved 20;
}

enum E {
  E_UNSPECIFIED = 0;
  E_UNO = 1;
  E_THREE = 33;
}

service S {
  rpc Get(M) returns (stream M);
  rpc List(E2) returns (M);
}
message E2 {}
"""


BUF = [
    Finding(
        "gone.proto",
        0,
        0,
        0,
        0,
        "FILE_NO_DELETE",
        'Previously present file "gone.proto" was deleted.',
    ),
    Finding(
        "a.proto",
        1,
        1,
        1,
        1,
        "MESSAGE_NO_DELETE",
        'Previously present message "Dead" was deleted from file.',
    ),
    Finding(
        "a.proto",
        4,
        1,
        18,
        2,
        "FIELD_NO_DELETE",
        'Previously present field "2" with name "b" on message "M" was deleted.',
    ),
    Finding(
        "a.proto",
        4,
        1,
        18,
        2,
        "RESERVED_MESSAGE_NO_DELETE",
        'Previously present reserved name "old" on message "M" was deleted.',
    ),
    Finding(
        "a.proto",
        4,
        1,
        18,
        2,
        "RESERVED_MESSAGE_NO_DELETE",
        'Previously present reserved range "[21]" on message "M" is missing values: [21] were removed.',
    ),
    Finding(
        "a.proto",
        6,
        3,
        6,
        8,
        "FIELD_SAME_TYPE",
        'Field "3" with name "c" on message "M" changed type from "string" to "bytes".',
    ),
    Finding(
        "a.proto",
        7,
        3,
        7,
        8,
        "FIELD_SAME_TYPE",
        'Field "4" with name "d" on message "M" changed type from "int32" to "int64".',
    ),
    Finding(
        "a.proto",
        8,
        3,
        8,
        15,
        "FIELD_SAME_CARDINALITY",
        'Field "5" with name "e" on message "M" changed cardinality from "optional with explicit presence" to "optional with implicit presence".',
    ),
    Finding(
        "a.proto",
        9,
        3,
        9,
        16,
        "FIELD_SAME_CARDINALITY",
        'Field "6" with name "f" on message "M" changed cardinality from "repeated" to "optional with implicit presence".',
    ),
    Finding(
        "a.proto",
        13,
        5,
        13,
        18,
        "FIELD_SAME_CARDINALITY",
        'Field "9" with name "i" on message "M" changed cardinality from "optional with implicit presence" to "optional with explicit presence".',
    ),
    Finding(
        "a.proto",
        13,
        5,
        13,
        18,
        "FIELD_SAME_ONEOF",
        'Field "9" with name "i" on message "M" moved from outside to inside a oneof.',
    ),
    Finding(
        "a.proto",
        15,
        10,
        15,
        12,
        "FIELD_SAME_NAME",
        'Field "10" on message "M" changed name from "j" to "jj".',
    ),
    Finding(
        "a.proto",
        16,
        3,
        16,
        17,
        "FIELD_SAME_JSON_NAME",
        'Field "1" with name "kk" on message "M" changed option "json_name" from "a" to "kk".',
    ),
    Finding(
        "a.proto",
        16,
        10,
        16,
        12,
        "FIELD_SAME_NAME",
        'Field "1" on message "M" changed name from "a" to "kk".',
    ),
    Finding(
        "a.proto",
        20,
        1,
        24,
        2,
        "ENUM_VALUE_NO_DELETE",
        'Previously present enum value "2" on enum "E" was deleted.',
    ),
    Finding(
        "a.proto",
        20,
        1,
        24,
        2,
        "ENUM_VALUE_NO_DELETE",
        'Previously present enum value "3" on enum "E" was deleted.',
    ),
    Finding(
        "a.proto",
        22,
        11,
        22,
        12,
        "ENUM_VALUE_SAME_NAME",
        'Enum value "1" on enum "E" changed name from "E_ONE" to "E_UNO".',
    ),
    Finding(
        "a.proto",
        26,
        1,
        29,
        2,
        "RPC_NO_DELETE",
        'Previously present RPC "Gone" on service "S" was deleted.',
    ),
    Finding(
        "a.proto",
        27,
        3,
        27,
        33,
        "RPC_SAME_SERVER_STREAMING",
        'RPC "Get" on service "S" changed from server unary to server streaming.',
    ),
    Finding(
        "a.proto",
        28,
        12,
        28,
        14,
        "RPC_SAME_REQUEST_TYPE",
        'RPC "List" on service "S" changed request type from "acme.v1.M" to "acme.v1.E2".',
    ),
]

# (our rule, element, buf rules folded into it)
EXPECTED = {
    ("FILE_REMOVED", "gone.proto", ("FILE_NO_DELETE",)),
    ("MESSAGE_REMOVED", "acme.v1.Dead", ("MESSAGE_NO_DELETE",)),
    ("FIELD_NUMBER_CHANGED", "acme.v1.M.b", ("FIELD_NO_DELETE",)),
    ("MESSAGE_RESERVED_REMOVED", "acme.v1.M", ("RESERVED_MESSAGE_NO_DELETE",)),
    ("FIELD_TYPE_CHANGED_JSON", "acme.v1.M.c", ("FIELD_SAME_TYPE",)),
    ("FIELD_TYPE_CHANGED_JSON", "acme.v1.M.d", ("FIELD_SAME_TYPE",)),
    ("FIELD_PRESENCE_CHANGED", "acme.v1.M.e", ("FIELD_SAME_CARDINALITY",)),
    ("FIELD_CARDINALITY_CHANGED_JSON", "acme.v1.M.f", ("FIELD_SAME_CARDINALITY",)),
    ("FIELD_ONEOF_CHANGED", "acme.v1.M.i", ("FIELD_SAME_CARDINALITY", "FIELD_SAME_ONEOF")),
    ("FIELD_RENAMED_SOURCE", "acme.v1.M.jj", ("FIELD_SAME_NAME",)),
    ("FIELD_RENAMED", "acme.v1.M.kk", ("FIELD_SAME_JSON_NAME", "FIELD_SAME_NAME")),
    ("ENUM_VALUE_REMOVED", "acme.v1.E.E_TWO", ("ENUM_VALUE_NO_DELETE",)),
    ("ENUM_VALUE_NUMBER_CHANGED", "acme.v1.E.E_THREE", ("ENUM_VALUE_NO_DELETE",)),
    ("ENUM_VALUE_RENAMED", "acme.v1.E.E_UNO", ("ENUM_VALUE_SAME_NAME",)),
    ("RPC_REMOVED", "acme.v1.S.Gone", ("RPC_NO_DELETE",)),
    ("RPC_SERVER_STREAMING_CHANGED", "acme.v1.S.Get", ("RPC_SAME_SERVER_STREAMING",)),
    ("RPC_REQUEST_TYPE_CHANGED", "acme.v1.S.List", ("RPC_SAME_REQUEST_TYPE",)),
}

OURS = [
    r
    for r in all_rules().values()
    if r.check.__module__.rsplit(".", 1)[-1] in {"wire", "json", "source"}
]


def scenario() -> tuple[list[Change], object, object]:
    base, head = parse_fixture(BASE), parse_fixture(HEAD)
    changed = infer_changed_files(base, head)
    ctx = DiffContext(base=base, head=head, changed_files=changed)
    return run_rules(ctx, match_elements(base, head, changed), OURS), head, base


def test_every_buf_finding_joins_the_rule_finding_for_the_same_problem() -> None:
    rule_changes, head, base = scenario()
    merged = merge_findings(rule_changes, BUF, head, base)
    assert {(c.rule, c.element, tuple(c.buf_rules)) for c in merged} == EXPECTED
    assert len(merged) == len(rule_changes)  # nothing new, nothing lost
    assert all(c.sources == [Source.BUF, Source.RULES] for c in merged)


def test_merge_keeps_the_rules_finding_and_does_not_touch_its_input() -> None:
    rule_changes, head, base = scenario()
    before = [c.model_copy(deep=True) for c in rule_changes]
    merged = merge_findings(rule_changes, BUF, head, base)
    assert rule_changes == before
    by_id = {c.id: c for c in merged}
    for original in rule_changes:
        kept = by_id[original.id]
        assert (kept.rule, kept.line, kept.message, kept.severity) == (
            original.rule,
            original.line,
            original.message,
            original.severity,
        )


def test_buf_findings_without_a_rule_become_their_own_changes() -> None:
    _, head, base = scenario()
    merged = merge_findings([], BUF, head, base)
    assert all(c.rule.startswith("BUF_") and c.sources == [Source.BUF] for c in merged)
    assert all(c.is_breaking and c.severity == Severity.HIGH for c in merged)
    by_key = {(c.rule, c.element): c for c in merged}
    # located on the element buf means, not on the parent it points at
    removed = by_key[("BUF_FIELD_NO_DELETE", "acme.v1.M.b")]
    assert (removed.file, removed.line, removed.column) == ("a.proto", 4, 1)
    assert removed.category == Category.WIRE
    # FIELD_SAME_NAME and FIELD_SAME_JSON_NAME both mean "renamed": one change
    (renamed,) = [c for c in merged if c.element == "acme.v1.M.kk"]
    assert renamed.buf_rules == ["FIELD_SAME_JSON_NAME", "FIELD_SAME_NAME"]
    assert renamed.category == Category.JSON
    assert ("BUF_RPC_NO_DELETE", "acme.v1.S.Gone") in by_key
    assert ("BUF_MESSAGE_NO_DELETE", "acme.v1.Dead") in by_key
    assert ("BUF_FILE_NO_DELETE", "gone.proto") in by_key
    # Two findings of one problem (the two removed reservations of M) are one change.
    (reserved,) = [c for c in merged if c.rule == "BUF_RESERVED_MESSAGE_NO_DELETE"]
    assert reserved.element == "acme.v1.M"
    # cardinality (presence) and oneof both mean "moved into a oneof": one change
    (moved,) = [c for c in merged if c.element == "acme.v1.M.i"]
    assert moved.buf_rules == ["FIELD_SAME_CARDINALITY", "FIELD_SAME_ONEOF"]


def test_unknown_buf_rule_and_unlocatable_finding() -> None:
    _, head, base = scenario()
    odd = [
        Finding(
            "", 0, 0, 0, 0, "PACKAGE_NO_DELETE", 'Previously present package "old.v1" was deleted.'
        ),
        Finding(
            "a.proto",
            27,
            3,
            27,
            33,
            "RPC_SAME_IDEMPOTENCY_LEVEL",
            'RPC "Get" on service "S" changed option "idempotency_level".',
        ),
    ]
    merged = merge_findings([], odd, head, base)
    assert [(c.rule, c.element, c.file, c.category) for c in merged] == [
        ("BUF_PACKAGE_NO_DELETE", "old.v1", "", Category.SOURCE),
        ("BUF_RPC_SAME_IDEMPOTENCY_LEVEL", "acme.v1.S.Get", "a.proto", Category.WIRE),
    ]


def test_order_is_stable_whatever_the_input_order() -> None:
    rule_changes, head, base = scenario()
    forward = merge_findings(rule_changes, BUF, head, base)
    backward = merge_findings(list(reversed(rule_changes)), list(reversed(BUF)), head, base)
    assert [c.model_dump() for c in forward] == [c.model_dump() for c in backward]
    keys = [(c.file, c.line, c.column, c.rule) for c in forward]
    assert keys == sorted(keys)


def test_buf_category_table() -> None:
    assert buf_category("FIELD_SAME_TYPE") == Category.WIRE
    assert buf_category("ENUM_VALUE_SAME_NAME") == Category.JSON
    assert buf_category("FILE_SAME_GO_PACKAGE") == Category.SOURCE
