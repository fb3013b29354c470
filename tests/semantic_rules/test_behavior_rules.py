"""BEHAVIOR rules through the diff engine: defaults, enum zero values, new enum values in
responses, deprecations."""

from __future__ import annotations

import pytest

from compat_checker.findings import Severity
from compat_checker.rules.common import proto2

from ._harness import fired, proto, rules_fired

# ---- defaults ----


def defaults(declaration: str) -> str:
    return proto2(f"message Task {{\n  {declaration}\n}}")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("optional int32 n = 1 [default = 1];", "optional int32 n = 1 [default = 2];"),
        ("optional int32 n = 1;", "optional int32 n = 1 [default = 5];"),
        ("optional int32 n = 1 [default = 5];", "optional int32 n = 1;"),
        ('optional string s = 1 [default = "a"];', 'optional string s = 1 [default = "b"];'),
        ("optional bool b = 1 [default = true];", "optional bool b = 1 [default = false];"),
    ],
)
def test_default_changes_block(before: str, after: str) -> None:
    change = next(iter(fired(defaults(before), defaults(after)).values()))
    assert change.rule == "FIELD_DEFAULT_CHANGED" and change.is_breaking


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("optional double d = 1 [default = 1];", "optional double d = 1 [default = 1.0];"),
        ("optional int32 n = 1 [default = 16];", "optional int32 n = 1 [default = 0x10];"),
    ],
)
def test_the_same_default_written_differently_is_quiet(before: str, after: str) -> None:
    assert "FIELD_DEFAULT_CHANGED" not in rules_fired(defaults(before), defaults(after))


def test_editions_default_changed() -> None:
    def editions(default: str) -> str:
        return (
            'edition = "2023";\n\npackage acme.v1;\n\n'
            f"message Task {{\n  int32 n = 1 [default = {default}];\n}}\n"
        )

    assert "FIELD_DEFAULT_CHANGED" in rules_fired(editions("1"), editions("2"))


# ---- enums ----

SERVICE = """
service TaskService {
  rpc CreateTask(CreateTaskRequest) returns (Task);
}
"""


def status(values: str, *, in_response: bool = True) -> str:
    task_field = "Status status = 2;" if in_response else ""
    request_field = "" if in_response else "Status status = 2;"
    return proto(
        SERVICE
        + f"""
enum Status {{
  {values}
}}

message CreateTaskRequest {{
  string title = 1;
  {request_field}
}}

message Task {{
  string title = 1;
  {task_field}
}}
"""
    )


BASE = "STATUS_UNSPECIFIED = 0; STATUS_OPEN = 1;"


def test_zero_value_renamed() -> None:
    change = fired(status(BASE), status("STATUS_DRAFT = 0; STATUS_OPEN = 1;"))[
        ("ENUM_ZERO_VALUE_CHANGED", "acme.v1.Status")
    ]
    assert change.is_breaking and "renamed STATUS_DRAFT" in change.message


def test_zero_value_repurposed() -> None:
    after = status("STATUS_OPEN = 0; STATUS_UNSPECIFIED = 1;")
    change = fired(status(BASE), after)[("ENUM_ZERO_VALUE_CHANGED", "acme.v1.Status")]
    assert "moved to 1" in change.message and "real meaning" in change.message


def test_a_sentinel_renamed_to_another_sentinel_keeps_no_real_meaning() -> None:
    """Zero still means "not set": its meaning did not change (the new name is a JSON and
    source change, which ENUM_VALUE_RENAMED reports)."""
    before = status("STATUS_NONE = 0; STATUS_OPEN = 1;")
    after = status("STATUS_DO_NOT_USE = 0; STATUS_OPEN = 1;")
    assert "ENUM_ZERO_VALUE_CHANGED" not in rules_fired(before, after)
    assert "ENUM_VALUE_RENAMED" in rules_fired(before, after)


def test_renaming_another_value_is_not_a_zero_value_change() -> None:
    after = status("STATUS_UNSPECIFIED = 0; STATUS_ACTIVE = 1;")
    assert "ENUM_ZERO_VALUE_CHANGED" not in rules_fired(status(BASE), after)


def test_value_added_to_an_enum_in_responses_warns() -> None:
    after = status(BASE + " STATUS_DONE = 2;")
    change = fired(status(BASE), after)[
        ("ENUM_VALUE_ADDED_TO_RESPONSE", "acme.v1.Status.STATUS_DONE")
    ]
    assert not change.is_breaking and change.severity == Severity.LOW


def test_value_added_to_a_request_only_enum_is_quiet() -> None:
    before = status(BASE, in_response=False)
    after = status(BASE + " STATUS_DONE = 2;", in_response=False)
    assert not rules_fired(before, after)


# ---- deprecation ----


def deprecation(field: str = "", value: str = "", comment: str = "") -> str:
    return proto(
        f"""
service TaskService {{
  rpc CreateTask(CreateTaskRequest) returns (Task);
}}

message CreateTaskRequest {{
  {comment}
  string title = 1{field};
  string name = 2;
}}

enum Status {{
  STATUS_UNSPECIFIED = 0;
  STATUS_OPEN = 1{value};
}}

message Task {{
  string title = 1;
}}
"""
    )


def test_deprecating_a_field_warns_and_names_its_replacement() -> None:
    after = deprecation(field=" [deprecated = true]", comment="// Deprecated: use `name` instead.")
    change = fired(deprecation(), after)[("FIELD_DEPRECATED", "acme.v1.CreateTaskRequest.title")]
    assert not change.is_breaking and change.severity == Severity.LOW
    assert "points to name" in change.message and change.recommendation


def test_deprecating_an_enum_value_warns() -> None:
    after = deprecation(value=" [deprecated = true]")
    assert "ENUM_VALUE_DEPRECATED" in rules_fired(deprecation(), after)


def test_an_already_deprecated_element_is_quiet() -> None:
    deprecated = deprecation(field=" [deprecated = true]")
    assert not rules_fired(deprecated, deprecated)
    assert not rules_fired(deprecated, deprecation())  # un-deprecating is no warning either
