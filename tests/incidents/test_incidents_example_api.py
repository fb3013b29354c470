"""The example incidents against real findings of the rule engine on the bundled todo API.

This is the demo's story: edits to proto/acme/todo/v1 are judged by the registered rules,
then matched with proto/examples/incidents.yaml.
"""

from __future__ import annotations

from pathlib import Path

from compat_checker.config.incidents import IncidentsConfig
from compat_checker.diff import DiffContext, infer_changed_files, match_elements, run_rules
from compat_checker.findings import Change
from compat_checker.incidents import (
    HISTORICAL_RISK,
    IncidentMemory,
    apply_historical_risk,
    match_changes,
)
from compat_checker.rules.registry import all_rules
from protomodel.parse import build_tree

API = Path(__file__).resolve().parents[2] / "proto" / "acme" / "todo" / "v1"
EDITS = [
    (
        "task.proto",
        "  TASK_STATUS_CANCELLED = 5;\n",
        "  TASK_STATUS_CANCELLED = 5;\n  TASK_STATUS_ARCHIVED = 6;\n",
    ),
    (
        "task.proto",
        "  PRIORITY_URGENT = 4;\n",
        "  PRIORITY_URGENT = 4;\n  PRIORITY_CRITICAL = 5;\n",
    ),
    ("todo_service.proto", 'get: "/v1/tasks"}', 'get: "/v1/{parent=projects/*}/tasks"}'),
    ("todo_service.proto", "default of 50; at most 1000.", "default of 50; at most 200."),
]


def findings() -> list[Change]:
    base = {
        f"acme/todo/v1/{name}": (API / name).read_text()
        for name in ("task.proto", "todo_service.proto")
    }
    head = dict(base)
    for name, old, new in EDITS:
        path = f"acme/todo/v1/{name}"
        assert old in head[path], f"the example API changed: {old!r} not in {name}"
        head[path] = head[path].replace(old, new)
    base_tree, head_tree = build_tree(base), build_tree(head)
    changed = infer_changed_files(base_tree, head_tree)
    context = DiffContext(base=base_tree, head=head_tree, changed_files=changed)
    return run_rules(context, match_elements(base_tree, head_tree, changed), all_rules())


def test_example_incidents_raise_the_risky_warnings(filled_memory: IncidentMemory) -> None:
    changes = findings()
    by_element = {change.element: change for change in changes}
    archived = by_element["acme.todo.v1.TaskStatus.TASK_STATUS_ARCHIVED"]
    critical = by_element["acme.todo.v1.Priority.PRIORITY_CRITICAL"]
    page_size = by_element["acme.todo.v1.ListTasksRequest.page_size"]
    list_tasks = by_element["acme.todo.v1.TodoService.ListTasks"]
    assert not archived.is_breaking and not page_size.is_breaking and list_tasks.is_breaking

    config = IncidentsConfig()
    matches = match_changes(changes, filled_memory, config)
    result = apply_historical_risk(changes, matches, config.strong_threshold)
    raised = {c.element: c for c in result if c.rule == HISTORICAL_RISK}
    # A new value in the enum that crashed Android before, and the page_size limit that
    # truncated reports before, now block; a new Priority value resembles INC-2024-072 only by
    # its rule and stays a warning.
    assert set(raised) == {archived.element, page_size.element}
    assert raised[archived.element].incidents[0]["id"] == "INC-2024-072"
    assert raised[page_size.element].incidents[0]["id"] == "INC-2024-103"
    assert critical.id not in matches.by_change or all(
        m.score < config.strong_threshold for m in matches.by_change[critical.id]
    )
    # A finding that already blocks just carries its history.
    assert matches.by_change[list_tasks.id][0].id == "INC-2024-058"
