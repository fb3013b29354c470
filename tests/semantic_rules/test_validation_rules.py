"""VALIDATION rules on parsed protos through the diff engine: firing, quiet, and where the
rule sits (request, response only, no RPC in view)."""

from __future__ import annotations

import pytest

from compat_checker.findings import Severity
from compat_checker.rules._fixtures import PGV, PROTOVALIDATE

from ._harness import fired, proto, rules_fired

IMPORTS = (PGV, PROTOVALIDATE, "google/protobuf/duration.proto")

SERVICE = """
service TaskService {
  rpc CreateTask(CreateTaskRequest) returns (CreateTaskResponse);
}
"""


def api(request: str = "", response: str = "", task: str = "", extra: str = "") -> str:
    """A service whose request embeds Task; each message's body is given."""
    return proto(
        SERVICE
        + f"""
message CreateTaskRequest {{
  Task task = 1;
  {request}
}}

message CreateTaskResponse {{
  string id = 1;
  {response}
}}

message Task {{
  string title = 1;
  {task}
}}
{extra}
""",
        *IMPORTS,
    )


def without_service(body: str) -> str:
    return proto(body, *IMPORTS)


REQ = "acme.v1.CreateTaskRequest"
RESP = "acme.v1.CreateTaskResponse"
TASK = "acme.v1.Task"


# ---- where the rule sits ----


def test_tightening_in_a_request_blocks() -> None:
    found = fired(
        api(request="string note = 2 [(validate.rules).string.max_len = 100];"),
        api(request="string note = 2 [(validate.rules).string.max_len = 50];"),
    )
    change = found[("VALIDATION_STRING_TIGHTENED", f"{REQ}.note")]
    assert change.is_breaking and change.severity == Severity.HIGH
    assert "max_len: 100 → max_len: 50" in change.message


def test_tightening_reached_through_nested_messages_blocks() -> None:
    person = "message Person {{ string email = 1{rule}; }}"
    before = api(task="Person owner = 2;", extra=person.format(rule=""))
    after = api(
        task="Person owner = 2;",
        extra=person.format(rule=" [(buf.validate.field).string.max_len = 254]"),
    )
    change = fired(before, after)[("VALIDATION_STRING_TIGHTENED", "acme.v1.Person.email")]
    assert change.is_breaking


def test_tightening_only_in_responses_warns() -> None:
    found = fired(
        api(response="string note = 2 [(validate.rules).string.max_len = 100];"),
        api(response="string note = 2 [(validate.rules).string.max_len = 50];"),
    )
    change = found[("VALIDATION_STRING_TIGHTENED", f"{RESP}.note")]
    assert not change.is_breaking and change.severity == Severity.LOW
    assert "only in responses" in change.message


def test_tightening_with_no_rpc_in_view_is_judged_as_a_request() -> None:
    before = without_service("message Note { string text = 1; }")
    after = without_service(
        "message Note { string text = 1 [(buf.validate.field).string.max_len = 10]; }"
    )
    change = fired(before, after)[("VALIDATION_STRING_TIGHTENED", "acme.v1.Note.text")]
    assert change.is_breaking and change.severity == Severity.HIGH
    assert "no RPC in view" in change.message


# ---- required ----


def test_demo_new_required_field_on_an_existing_request_message() -> None:
    found = fired(
        api(),
        api(task="Task metadata = 2 [(validate.rules).message.required = true];"),
    )
    change = found[("VALIDATION_REQUIRED_ADDED", f"{TASK}.metadata")]
    assert change.is_breaking and change.severity == Severity.HIGH
    assert "new field" in change.message


@pytest.mark.parametrize(
    "declaration",
    [
        "string code = 2 [(buf.validate.field).required = true];",
        "string code = 2 [(validate.rules).string.min_len = 1];",
        "string code = 2 [(buf.validate.field).string.email = true];",
        'string code = 2 [(validate.rules).string.pattern = "^[a-z]+$"];',
        "repeated string codes = 2 [(validate.rules).repeated.min_items = 1];",
        "int32 count = 2 [(buf.validate.field).int32.gt = 0];",
    ],
)
def test_new_fields_whose_unset_value_fails_are_required(declaration: str) -> None:
    assert "VALIDATION_REQUIRED_ADDED" in rules_fired(api(), api(task=declaration))


@pytest.mark.parametrize(
    "declaration",
    [
        "string note = 2 [(validate.rules).string.max_len = 100];",
        "optional string note = 2 [(validate.rules).string.min_len = 1];",
        "Task parent = 2 [(validate.rules).message.skip = true];",
        "string request_id = 2 [(buf.validate.field).string.uuid = true, "
        "(buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE];",
        "string code = 2 [(validate.rules).string = {min_len: 1, ignore_empty: true}];",
        "repeated string tags = 2 [(validate.rules).repeated.max_items = 5];",
        "int32 count = 2 [(buf.validate.field).int32.gte = 0];",
    ],
)
def test_new_fields_whose_unset_value_passes_are_quiet(declaration: str) -> None:
    assert not rules_fired(api(), api(task=declaration)) & {
        "VALIDATION_REQUIRED_ADDED",
        "VALIDATION_STRING_TIGHTENED",
        "VALIDATION_NUMBER_TIGHTENED",
        "VALIDATION_COLLECTION_TIGHTENED",
        "VALIDATION_CEL_CHANGED",
    }


def test_required_fields_of_a_new_request_message_are_quiet() -> None:
    new_rpc = api().replace(
        "returns (CreateTaskResponse);",
        "returns (CreateTaskResponse);\n  rpc ArchiveTask(ArchiveTaskRequest) returns (Task);",
    ) + (
        "\nmessage ArchiveTaskRequest {\n"
        "  string name = 1 [(buf.validate.field).required = true];\n"
        "  repeated string tags = 2 [(validate.rules).repeated.min_items = 1];\n}\n"
    )
    assert not {r for r in rules_fired(api(), new_rpc) if r.startswith("VALIDATION_")}


def test_existing_field_becomes_required() -> None:
    found = fired(
        api(),
        api().replace(
            "string title = 1;", "string title = 1 [(validate.rules).string.min_len = 1];"
        ),
    )
    change = found[("VALIDATION_REQUIRED_ADDED", f"{TASK}.title")]
    assert "became required" in change.message and "min_len: 1" in change.message
    assert ("VALIDATION_STRING_TIGHTENED", f"{TASK}.title") not in found  # reported once


def test_required_on_a_field_whose_empty_value_already_failed_is_no_news() -> None:
    before = api(request="string code = 2 [(validate.rules).string.min_len = 1];")
    after = api(
        request="string code = 2 [(validate.rules).string.min_len = 1, "
        "(buf.validate.field).required = true];"
    )
    assert "VALIDATION_REQUIRED_ADDED" not in rules_fired(before, after)


# ---- kinds of rules ----


@pytest.mark.parametrize(
    ("before", "after", "rule"),
    [
        (
            "string s = 2 [(validate.rules).string.max_len = 10];",
            'string s = 2 [(validate.rules).string = {max_len: 10, prefix: "x"}];',
            "VALIDATION_REQUIRED_ADDED",  # "" has no prefix "x": empty now fails
        ),
        (
            "string s = 2 [(validate.rules).string.min_len = 1];",
            "string s = 2 [(buf.validate.field).string = {min_len: 1, hostname: true}];",
            "VALIDATION_STRING_TIGHTENED",
        ),
        (
            'string s = 2 [(validate.rules).string = {not_in: ["a"]}];',
            'string s = 2 [(validate.rules).string = {not_in: ["a", "b"]}];',
            "VALIDATION_STRING_TIGHTENED",
        ),
        (
            "bytes b = 2 [(validate.rules).bytes.max_len = 10];",
            "bytes b = 2 [(validate.rules).bytes.max_len = 8];",
            "VALIDATION_STRING_TIGHTENED",
        ),
        (
            "uint64 n = 2 [(validate.rules).uint64.lte = 100];",
            "uint64 n = 2 [(buf.validate.field).uint64.lt = 100];",
            "VALIDATION_NUMBER_TIGHTENED",
        ),
        (
            "double d = 2 [(validate.rules).double = {gte: 0, lte: 1}];",
            "double d = 2 [(validate.rules).double = {gte: 0, lt: 1}];",
            "VALIDATION_NUMBER_TIGHTENED",
        ),
        (
            "google.protobuf.Duration ttl = 2 [(validate.rules).duration.lte = {seconds: 3600}];",
            "google.protobuf.Duration ttl = 2 [(validate.rules).duration.lte = {seconds: 60}];",
            "VALIDATION_NUMBER_TIGHTENED",
        ),
        (
            "map<string, string> attrs = 2 [(validate.rules).map.max_pairs = 10];",
            "map<string, string> attrs = 2 [(validate.rules).map = {max_pairs: 10, keys: {string: {max_len: 8}}}];",
            "VALIDATION_COLLECTION_TIGHTENED",
        ),
        (
            "repeated string tags = 2;",
            "repeated string tags = 2 [(buf.validate.field).repeated.unique = true];",
            "VALIDATION_COLLECTION_TIGHTENED",
        ),
        (
            "Task.Kind kind = 2;",
            "Task.Kind kind = 2 [(validate.rules).enum.defined_only = true];",
            "VALIDATION_ENUM_TIGHTENED",
        ),
        (
            "string s = 2;",
            'string s = 2 [(buf.validate.field).cel = {id: "s.lower", expression: "this == this.lowerAscii()"}];',
            "VALIDATION_CEL_CHANGED",
        ),
        (
            "string s = 2 [(buf.validate.field).string.uuid = true, (buf.validate.field).ignore = IGNORE_ALWAYS];",
            "string s = 2 [(buf.validate.field).string.uuid = true, (buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE];",
            "VALIDATION_EXEMPTION_NARROWED",
        ),
    ],
)
def test_tightenings(before: str, after: str, rule: str) -> None:
    task_with_kind = "enum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1; }"
    found = rules_fired(
        api(request=before, task=task_with_kind), api(request=after, task=task_with_kind)
    )
    assert rule in found
    assert "VALIDATION_RULES_LOOSENED" not in found


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "string s = 2 [(buf.validate.field).string.uuid = true, (buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE];",
            "string s = 2 [(buf.validate.field).string.uuid = true];",
        ),
        (
            'string s = 2 [(validate.rules).string = {in: ["a", "b"]}];',
            'string s = 2 [(validate.rules).string = {in: ["a"]}];',
        ),
        (
            "google.protobuf.Duration ttl = 2 [(buf.validate.field).duration.lt = {seconds: 60}];",
            "google.protobuf.Duration ttl = 2 [(buf.validate.field).duration.lt = {seconds: 30}];",
        ),
    ],
)
def test_findings_do_not_depend_on_the_option_definitions(before: str, after: str) -> None:
    """With the vendored PGV/protovalidate protos the parser normalises option values
    (lists, enum names); without them (BSR dependencies) it keeps them as written."""
    plain = rules_fired(api(request=before), api(request=after))
    assert plain and plain == rules_fired(
        api(request=before), api(request=after), with_vendored=True
    )


def test_cel_is_potential_and_ranks_medium() -> None:
    rule = '[(buf.validate.field).cel = {{id: "n", expression: "{}"}}]'
    found = fired(
        api(request=f"int32 n = 2 {rule.format('this < 100')};"),
        api(request=f"int32 n = 2 {rule.format('this < 50')};"),
    )
    change = found[("VALIDATION_CEL_CHANGED", f"{REQ}.n")]
    assert change.severity == Severity.MEDIUM and change.is_breaking
    assert "potential" in change.message


def test_loosening_is_info_only() -> None:
    found = fired(
        api(request="int32 n = 2 [(validate.rules).int32 = {gte: 1, lte: 10}];"),
        api(request="int32 n = 2 [(buf.validate.field).int32 = {gte: 0, lte: 100}];"),
    )
    assert set(found) == {("VALIDATION_RULES_LOOSENED", f"{REQ}.n")}
    change = found[("VALIDATION_RULES_LOOSENED", f"{REQ}.n")]
    assert not change.is_breaking and change.severity == Severity.INFO


def test_moving_rules_from_pgv_to_protovalidate_is_quiet() -> None:
    before = api(
        request='string s = 2 [(validate.rules).string = {min_len: 1, max_len: 9, pattern: "^[a-z]+$"}];'
    )
    after = api(
        request='string s = 2 [(buf.validate.field).string = {min_len: 1, max_len: 9, pattern: "^[a-z]+$"}];'
    )
    assert not rules_fired(before, after)


def test_reformatting_rules_is_quiet() -> None:
    before = api(
        request="string s = 2 [(validate.rules).string.min_len = 1, (validate.rules).string.max_len = 9];"
    )
    after = api(
        request="string s = 2 [(validate.rules).string = {\n    max_len: 9\n    min_len: 1\n  }];"
    )
    assert not rules_fired(before, after)


# ---- oneofs and messages ----


def test_new_required_oneof_on_an_existing_request_message() -> None:
    oneof = "oneof due {{{option} string due_date = 3; int64 due_epoch = 4; }}"
    before = api()
    after = api(request=oneof.format(option=" option (buf.validate.oneof).required = true;"))
    change = fired(before, after)[("VALIDATION_ONEOF_REQUIRED_ADDED", f"{REQ}.due")]
    assert change.is_breaking and "due_date, due_epoch" in change.message
    assert "VALIDATION_ONEOF_REQUIRED_ADDED" not in rules_fired(
        before, api(request=oneof.format(option=""))
    )


def test_message_cel_rule_added_is_a_potential_break() -> None:
    before = api()
    after = api(
        request='option (buf.validate.message).cel = {id: "t", expression: "has(this.task)"};'
    )
    change = fired(before, after)[("VALIDATION_MESSAGE_RULES_TIGHTENED", REQ)]
    assert change.is_breaking and change.severity == Severity.MEDIUM


def test_message_oneof_rule_added_blocks() -> None:
    after = api(
        request='string a = 2; string b = 3;\n  option (buf.validate.message).oneof = {fields: ["a", "b"]};'
    )
    change = fired(api(request="string a = 2; string b = 3;"), after)[
        ("VALIDATION_MESSAGE_RULES_TIGHTENED", REQ)
    ]
    assert change.severity == Severity.HIGH and "at most one of (a, b)" in change.message


def test_disabling_validation_silences_field_rules_and_reports_the_loosening() -> None:
    before = api(request="string s = 2 [(validate.rules).string.max_len = 10];")
    after = api(
        request="option (validate.disabled) = true;\n  string s = 2 [(validate.rules).string.max_len = 5];"
    )
    assert rules_fired(before, after) == {"VALIDATION_MESSAGE_RULES_LOOSENED"}
