"""The rules on the bundled example API (proto/acme/todo/v1): the demo, every scenario's
verdict, and comment edits of the real file."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pytest

from compat_checker.demo import DEMO_SCENARIOS, EXPECTED_ELEMENTS
from compat_checker.diff import DiffContext, infer_changed_files, match_elements, run_rules
from compat_checker.findings import Change, Severity
from compat_checker.rules.registry import all_rules
from compat_checker.scenarios import SCENARIOS, TASK_PROTO, Verdict, apply_scenario
from protomodel.model import ProtoTree
from protomodel.parse import build_tree

from ._harness import PROTO, vendored

SERVICE_PROTO = "acme/todo/v1/todo_service.proto"
EXAMPLE = {path: (PROTO / path).read_text(encoding="utf-8") for path in (TASK_PROTO, SERVICE_PROTO)}
OUR_MODULES = ("validation", "google_api", "behavior", "semantic")


@cache
def _tree(sources: tuple[tuple[str, str], ...], with_vendored: bool) -> ProtoTree:
    return build_tree(dict(sources), import_resolver=vendored if with_vendored else None)


def check_edit(
    path: str, edit: Callable[[str], str], *, with_vendored: bool = True
) -> list[Change]:
    """Findings for one edit of the example. Comment edits do not need the option
    definitions (PGV, protovalidate), so they skip parsing them."""
    edited = {**EXAMPLE, path: edit(EXAMPLE[path])}
    base = _tree(tuple(sorted(EXAMPLE.items())), with_vendored)
    head = _tree(tuple(sorted(edited.items())), with_vendored)
    changed = infer_changed_files(base, head)
    ctx = DiffContext(base=base, head=head, changed_files=changed)
    return run_rules(ctx, match_elements(base, head, changed), all_rules())


def test_the_demo_names_both_changes() -> None:
    def demo(text: str) -> str:
        for name in DEMO_SCENARIOS:
            text = apply_scenario(name, text, TASK_PROTO)
        return text

    changes = check_edit(TASK_PROTO, demo)
    blocking = {(c.rule, c.element) for c in changes if c.is_breaking}
    assert blocking == {
        ("FIELD_REMOVED", EXPECTED_ELEMENTS[0]),
        ("VALIDATION_REQUIRED_ADDED", EXPECTED_ELEMENTS[1]),
    }
    metadata = next(c for c in changes if c.element == EXPECTED_ELEMENTS[1])
    assert metadata.severity == Severity.HIGH
    assert metadata.recommendation  # how to ship it safely


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_verdicts(name: str) -> None:
    scenario = SCENARIOS[name]
    changes = check_edit(
        scenario.proto, lambda text: apply_scenario(name, text, scenario.proto), with_vendored=False
    )
    blocked = any(c.is_breaking for c in changes)
    assert blocked == (scenario.verdict == Verdict.BLOCKED), [c.message for c in changes]


EXPECTED_SCENARIO_RULES = {
    "add_metadata_required": {"VALIDATION_REQUIRED_ADDED"},
    "add_required_field": {"VALIDATION_REQUIRED_ADDED"},
    "make_field_required": {"VALIDATION_REQUIRED_ADDED", "FIELD_BEHAVIOR_REQUIRED_ADDED"},
    "add_strict_validation": {"VALIDATION_STRING_TIGHTENED"},
    "add_enum_value": {"ENUM_VALUE_ADDED_TO_RESPONSE"},
    "add_optional_field": set(),
    "add_rpc": set(),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_SCENARIO_RULES))
def test_scenarios_judged_by_these_rules(name: str) -> None:
    scenario = SCENARIOS[name]
    changes = check_edit(scenario.proto, lambda text: apply_scenario(name, text, scenario.proto))
    ours = {
        c.rule
        for c in changes
        if all_rules()[c.rule].check.__module__.rsplit(".", 1)[-1] in OUR_MODULES
    }
    assert ours == EXPECTED_SCENARIO_RULES[name]


# ---- comment edits of the real file ----


@pytest.mark.parametrize(
    ("path", "old", "new", "rule", "element"),
    [
        (
            SERVICE_PROTO,
            "sorted by `create_time` descending (newest first)",
            "sorted by `create_time` ascending (oldest first)",
            "DOC_ORDERING_CHANGED",
            "acme.todo.v1.TodoService.ListTasks",
        ),
        (
            TASK_PROTO,
            "Estimated effort in minutes.",
            "Estimated effort in hours.",
            "DOC_UNIT_CHANGED",
            "acme.todo.v1.Task.estimate_minutes",
        ),
        (
            TASK_PROTO,
            "Always set by the server; equal to",
            "Set by the server; equal to",
            "DOC_GUARANTEE_REMOVED",
            "acme.todo.v1.Task.update_time",
        ),
        (
            TASK_PROTO,
            "Not set. Never returned by the server.",
            "Not set. Returned for tasks imported from v0.",
            "DOC_GUARANTEE_REMOVED",
            "acme.todo.v1.TaskStatus.TASK_STATUS_UNSPECIFIED",
        ),
        (
            TASK_PROTO,
            "sent to the assignee 24 hours before",
            "sent to the assignee 1 hour before",
            "DOC_LIMIT_CHANGED",
            "acme.todo.v1.Task.due_time",
        ),
        (
            TASK_PROTO,
            "// Work email address.",
            "// Work email address. May be empty.",
            "DOC_NULLABILITY_CHANGED",
            "acme.todo.v1.Person.email",
        ),
    ],
)
def test_comment_edits_that_fire(path: str, old: str, new: str, rule: str, element: str) -> None:
    assert old in EXAMPLE[path]
    changes = check_edit(path, lambda text: text.replace(old, new), with_vendored=False)
    found = {(c.rule, c.element): c for c in changes}
    assert (rule, element) in found, [c.message for c in changes]
    change = found[(rule, element)]
    assert change.category.value == "SEMANTIC" and change.severity == Severity.MEDIUM
    assert "potential" in change.message and change.before and change.after
    assert change.file == path and change.line > 0


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        # A typo fix.
        (TASK_PROTO, "A unit of work that a person", "A unit of work that a persn"),
        # Re-wrapping a comment.
        (
            TASK_PROTO,
            "// Free-form details in Markdown. May be empty. At most 10000 characters; longer\n"
            "  // text is rejected, never truncated.",
            "// Free-form details in Markdown.\n  // May be empty. At most 10000 characters; longer text is\n"
            "  // rejected, never truncated.",
        ),
        # Rewording without a change of meaning.
        (
            SERVICE_PROTO,
            "Results are ordered by\n  // relevance, best first; a page holds at most 100 tasks.",
            "Results are ordered by\n  // relevance, most relevant first; a page holds no more than 100 tasks.",
        ),
        # An added sentence that takes nothing away.
        (
            TASK_PROTO,
            "// How urgent the task is. Unset means PRIORITY_MEDIUM.",
            "// How urgent the task is. Unset means PRIORITY_MEDIUM. Shown as a colour in the UI.",
        ),
    ],
)
def test_comment_edits_that_stay_quiet(path: str, old: str, new: str) -> None:
    assert old in EXAMPLE[path]
    changes = check_edit(path, lambda text: text.replace(old, new), with_vendored=False)
    assert not changes, [c.message for c in changes]
