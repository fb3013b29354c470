"""SEMANTIC rules through the diff engine: every kind of element, where findings point,
and the edits that must stay quiet."""

from __future__ import annotations

import pytest

from compat_checker.findings import Category, Severity

from ._harness import check, fired, proto

TEMPLATE = """
// Manages tasks.
service TaskService {{
  // {rpc}
  rpc ListTasks(ListTasksRequest) returns (ListTasksResponse);
}}

// {message}
message ListTasksRequest {{
  // {field}
  int32 page_size = 1;

  oneof filter {{
    // Only tasks with this label.
    string label = 2;
  }}
}}

message ListTasksResponse {{
  repeated string names = 1; // {trailing}
}}

// {enum}
enum Status {{
  // {value}
  STATUS_UNSPECIFIED = 0;
}}
"""

DEFAULTS = {
    "rpc": "Lists tasks, newest first.",
    "message": "Request of ListTasks. Always sent with a page size.",
    "field": "Page size; at most 100.",
    "trailing": "Timeout in seconds.",
    "enum": "Where a task is. Unique per task.",
    "value": "Not set. Never returned.",
}


def api(**comments: str) -> str:
    return proto(TEMPLATE.format(**{**DEFAULTS, **comments}))


@pytest.mark.parametrize(
    ("where", "new", "rule", "element"),
    [
        (
            "rpc",
            "Lists tasks, oldest first.",
            "DOC_ORDERING_CHANGED",
            "acme.v1.TaskService.ListTasks",
        ),
        (
            "message",
            "Request of ListTasks. Sent with a page size.",
            "DOC_GUARANTEE_REMOVED",
            "acme.v1.ListTasksRequest",
        ),
        (
            "field",
            "Page size; at most 50.",
            "DOC_LIMIT_CHANGED",
            "acme.v1.ListTasksRequest.page_size",
        ),
        (
            "trailing",
            "Timeout in milliseconds.",
            "DOC_UNIT_CHANGED",
            "acme.v1.ListTasksResponse.names",
        ),
        ("enum", "Where a task is.", "DOC_GUARANTEE_REMOVED", "acme.v1.Status"),
        (
            "value",
            "Not set. Returned for old tasks.",
            "DOC_GUARANTEE_REMOVED",
            "acme.v1.Status.STATUS_UNSPECIFIED",
        ),
        (
            "field",
            "Page size; at most 100. May be zero.",
            "DOC_NULLABILITY_CHANGED",
            "acme.v1.ListTasksRequest.page_size",
        ),
    ],
)
def test_every_kind_of_element(where: str, new: str, rule: str, element: str) -> None:
    found = fired(api(), api(**{where: new}))
    assert set(found) == {(rule, element)}
    change = found[(rule, element)]
    assert change.category == Category.SEMANTIC and change.severity == Severity.MEDIUM
    assert change.before == DEFAULTS[where] and change.after == new


def test_breaking_only_for_removed_guarantees_and_units() -> None:
    breaking = {
        c.rule: c.is_breaking
        for c in check(
            api(),
            api(
                rpc="Lists tasks, oldest first.",
                message="Request of ListTasks.",
                field="Page size; at most 50. May be zero.",
                trailing="Timeout in milliseconds.",
            ),
        )
    }
    assert breaking == {
        "DOC_ORDERING_CHANGED": False,
        "DOC_GUARANTEE_REMOVED": True,
        "DOC_LIMIT_CHANGED": False,
        "DOC_NULLABILITY_CHANGED": False,
        "DOC_UNIT_CHANGED": True,
    }


def test_findings_point_at_the_element() -> None:
    change = next(iter(fired(api(), api(field="Page size; at most 50.")).values()))
    assert change.file == "fixture.proto"
    assert change.line == api().splitlines().index("  int32 page_size = 1;") + 1


@pytest.mark.parametrize(
    "edits",
    [
        {"rpc": "Lists  tasks,   newest first."},  # whitespace
        {"message": "Request of ListTasks. Always sent with a page sise."},  # a typo
        {"rpc": "Lists the tasks, most recent first."},  # rewording
        {"field": "Page size; no more than 100 results."},
        {"enum": "Where a task is in its lifecycle. Unique per task."},  # an addition
        {"value": "Not set. Never returned.\n  // protoguard:ignore DOC_GUARANTEE_REMOVED ok"},
    ],
)
def test_quiet_edits(edits: dict[str, str]) -> None:
    assert not check(api(), api(**edits))


def test_a_comment_moving_from_leading_to_trailing_is_quiet() -> None:
    before = proto("message M {\n  // Timeout in seconds.\n  int32 t = 1;\n}")
    after = proto("message M {\n  int32 t = 1; // Timeout in seconds.\n}")
    assert not check(before, after)


def test_new_elements_have_nothing_to_compare() -> None:
    before = proto("message M {\n  int32 t = 1;\n}")
    after = proto("message M {\n  int32 t = 1;\n  // Always set, in seconds.\n  int32 u = 2;\n}")
    assert not check(before, after)
