"""Matching findings to incidents, HISTORICAL_RISK, and recording verdicts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from compat_checker.config.incidents import IncidentsConfig
from compat_checker.diff import change_id
from compat_checker.findings import Category, Change, Severity, Source
from compat_checker.incidents import (
    HISTORICAL_RISK,
    IncidentMatch,
    IncidentMatches,
    IncidentMemory,
    IncidentSource,
    MatchReason,
    apply_historical_risk,
    match_changes,
    record_verdict_changes,
)
from compat_checker.incidents.matching import (
    HISTORICAL_RISK_KIND,
    ElementTie,
    change_query_text,
    element_relation,
)

MemoryFactory = Callable[..., IncidentMemory]


def change(
    rule: str,
    element: str,
    message: str,
    *,
    category: Category = Category.BEHAVIOR,
    breaking: bool = False,
    severity: Severity = Severity.MEDIUM,
    **extra: object,
) -> Change:
    return Change(
        id=change_id(rule, element, str(extra.get("kind", ""))),
        rule=rule,
        category=category,
        is_breaking=breaking,
        severity=severity,
        element=element,
        file="acme/todo/v1/task.proto",
        line=12,
        column=3,
        message=message,
        **extra,
    )


# Findings worded as the rules word them on the bundled todo API.
REQUIRED_ESTIMATE = change(
    "VALIDATION_REQUIRED_ADDED",
    "acme.todo.v1.Task.estimate_minutes",
    "field acme.todo.v1.Task.estimate_minutes became required: its unset or empty value is "
    "now rejected",
    category=Category.VALIDATION,
    breaking=True,
    severity=Severity.HIGH,
)
STATUS_ADDED = change(
    "ENUM_VALUE_ADDED_TO_RESPONSE",
    "acme.todo.v1.TaskStatus.TASK_STATUS_ARCHIVED",
    "TASK_STATUS_ARCHIVED = 6 added to acme.todo.v1.TaskStatus, which RPC responses carry: "
    "clients with exhaustive switches meet a value they do not know",
    severity=Severity.LOW,
)
ORDERING = change(
    "DOC_ORDERING_CHANGED",
    "acme.todo.v1.SearchTasksResponse.results",
    "documented ordering of SearchTasksResponse.results changed from relevance to creation time",
    category=Category.SEMANTIC,
    severity=Severity.LOW,
    potential=True,
)


def test_query_text_reads_like_an_incident() -> None:
    text = change_query_text(
        change(
            "FIELD_REMOVED",
            "a.b.C.d",
            "field d removed",
            kind="field_removed",
            before="string d = 4;",
        )
    )
    assert text.splitlines() == [
        "field d removed",
        "rules: FIELD_REMOVED",
        "elements: a.b.C.d",
        "category: BEHAVIOR",
        "diff: - string d = 4; + ",
    ]


@pytest.mark.parametrize(
    ("finding", "incident", "relation"),
    [
        ("acme.todo.v1.Task.metadata", "acme.todo.v1.Task.metadata", "same"),
        ("acme.todo.v1.Task.metadata", "acme.todo.v1.Task", "parent"),
        ("acme.todo.v1.Task", "acme.todo.v1.Task.metadata", "child"),
        ("acme.todo.v1.Task.labels", "acme.todo.v1.Task.metadata", "sibling"),
        # Sharing only a package says nothing.
        ("acme.todo.v1.Task", "acme.todo.v1.Project", None),
        ("acme.todo.v1.Task.metadata", "acme.todo.v1", None),
        ("acme.todo.v1.Task.metadata", "acme.todo.v1.Project.metadata", None),
    ],
)
def test_element_relations(finding: str, incident: str, relation: str | None) -> None:
    assert element_relation(finding, incident) == relation


def test_match_changes_explains_why(filled_memory: IncidentMemory) -> None:
    config = IncidentsConfig()
    matches = match_changes([REQUIRED_ESTIMATE, STATUS_ADDED, ORDERING], filled_memory, config)
    assert matches.searched == 7
    assert matches.store == filled_memory.location
    assert matches.collection == "incidents__hashing_v1_384"
    required = matches.by_change[REQUIRED_ESTIMATE.id][0]
    assert required.id == "INC-2024-031"
    assert required.why.rules == ["VALIDATION_REQUIRED_ADDED"]
    assert required.why.elements == [
        ElementTie(element="acme.todo.v1.Task.estimate_minutes", relation="same")
    ]
    assert {"required", "rejected"} <= set(required.why.words)
    status = matches.by_change[STATUS_ADDED.id][0]
    assert status.id == "INC-2024-072"
    assert status.score >= config.strong_threshold
    assert status.why.rules == ["ENUM_VALUE_ADDED_TO_RESPONSE"]
    assert status.why.elements == [
        ElementTie(element="acme.todo.v1.TaskStatus.TASK_STATUS_BLOCKED", relation="sibling")
    ]
    # Nothing in the memory is about result ordering: no match, not a weak one.
    assert ORDERING.id not in matches.by_change
    for found in matches.by_change.values():
        assert all(match.score >= config.threshold for match in found)
        assert len(found) <= config.top_k


def test_match_changes_filters_by_severity_and_threshold(filled_memory: IncidentMemory) -> None:
    only_critical = IncidentsConfig(min_severity=Severity.CRITICAL, threshold=-1.0, top_k=5)
    matches = match_changes([STATUS_ADDED], filled_memory, only_critical)
    assert [m.id for m in matches.by_change[STATUS_ADDED.id]] == ["INC-2024-031"]
    strict = IncidentsConfig(threshold=0.99, strong_threshold=0.99)
    assert match_changes([STATUS_ADDED], filled_memory, strict).by_change == {}
    disabled = IncidentsConfig(enabled=False)
    assert match_changes([STATUS_ADDED], filled_memory, disabled).by_change == {}


def test_match_changes_on_an_empty_memory(memory_factory: MemoryFactory) -> None:
    matches = match_changes([REQUIRED_ESTIMATE], memory_factory(), IncidentsConfig())
    assert matches.by_change == {} and matches.searched == 0


def test_strong_match_raises_a_warning_to_breaking(filled_memory: IncidentMemory) -> None:
    config = IncidentsConfig()
    changes = [REQUIRED_ESTIMATE, STATUS_ADDED, ORDERING]
    matches = match_changes(changes, filled_memory, config)
    result = apply_historical_risk(changes, matches, config.strong_threshold)
    assert [c.id for c in result[:3]] == [c.id for c in changes]
    # The warning keeps its rule's judgement and gains the incidents...
    assert result[1].is_breaking is False
    assert result[1].incidents[0]["id"] == "INC-2024-072"
    assert result[1].incidents[0]["why"]["rules"] == ["ENUM_VALUE_ADDED_TO_RESPONSE"]
    # ...and one HISTORY finding carries the block.
    added = result[3:]
    assert len(added) == 1
    risk = added[0]
    assert risk.rule == HISTORICAL_RISK
    assert risk.category is Category.HISTORY
    assert risk.is_breaking and risk.blocks
    assert risk.severity is Severity.HIGH  # the incident's severity, not the warning's LOW
    assert risk.element == STATUS_ADDED.element
    assert (risk.file, risk.line, risk.column) == ("acme/todo/v1/task.proto", 12, 3)
    assert risk.id == change_id(HISTORICAL_RISK, STATUS_ADDED.element, HISTORICAL_RISK_KIND)
    assert risk.sources == [Source.INCIDENTS]
    assert "INC-2024-072" in risk.message
    assert "rule ENUM_VALUE_ADDED_TO_RESPONSE" in risk.message
    assert "announced a release ahead" in risk.recommendation
    # An already breaking finding only gets its incidents attached.
    assert result[0].incidents[0]["id"] == "INC-2024-031"
    assert result[0] == REQUIRED_ESTIMATE.model_copy(update={"incidents": result[0].incidents})
    assert result[2] == ORDERING
    # Deterministic, and applying it to its own output adds nothing.
    assert apply_historical_risk(changes, matches, config.strong_threshold) == result
    assert apply_historical_risk(result, matches, config.strong_threshold) == result


def hand_made(
    score: float, why: MatchReason, severity: Severity = Severity.HIGH
) -> IncidentMatches:
    match = IncidentMatch(
        id="INC-9", title="t", score=score, severity=severity, date=dt.date(2024, 1, 1), why=why
    )
    return IncidentMatches(by_change={STATUS_ADDED.id: [match]})


STRUCTURAL = MatchReason(rules=["ENUM_VALUE_ADDED_TO_RESPONSE"])


@pytest.mark.parametrize(
    ("score", "why", "raised"),
    [
        (0.9, STRUCTURAL, True),
        (0.5, STRUCTURAL, True),  # at the threshold
        (0.49, STRUCTURAL, False),
        (0.95, MatchReason(words=["enum", "value"]), False),  # wording alone never blocks
        (0.9, MatchReason(elements=[ElementTie(element="x.Y", relation="parent")]), True),
    ],
)
def test_what_counts_as_strong(score: float, why: MatchReason, raised: bool) -> None:
    result = apply_historical_risk([STATUS_ADDED], hand_made(score, why), 0.5)
    assert (len(result) == 2) is raised


def test_suppressed_and_breaking_findings_are_not_raised() -> None:
    suppressed = STATUS_ADDED.model_copy(update={"suppressed": "ignored in protoguard.yaml"})
    result = apply_historical_risk([suppressed], hand_made(0.9, STRUCTURAL), 0.5)
    assert len(result) == 1 and result[0].incidents
    breaking = STATUS_ADDED.model_copy(update={"is_breaking": True})
    assert len(apply_historical_risk([breaking], hand_made(0.9, STRUCTURAL), 0.5)) == 1


def test_one_historical_finding_per_element() -> None:
    other = change(
        "ENUM_VALUE_DEPRECATED",
        STATUS_ADDED.element,
        "TASK_STATUS_ARCHIVED is deprecated",
        severity=Severity.INFO,
    )
    matches = hand_made(0.8, STRUCTURAL, severity=Severity.MEDIUM)
    matches.by_change[other.id] = matches.by_change[STATUS_ADDED.id]
    result = apply_historical_risk([STATUS_ADDED, other], matches, 0.5)
    assert len(result) == 3
    assert "ENUM_VALUE_ADDED_TO_RESPONSE, ENUM_VALUE_DEPRECATED on" in result[2].message
    assert result[2].severity is Severity.MEDIUM


def test_verdict_incidents_lists_each_incident_once(filled_memory: IncidentMemory) -> None:
    changes = [REQUIRED_ESTIMATE, STATUS_ADDED]
    matches = match_changes(changes, filled_memory, IncidentsConfig(threshold=-1.0, top_k=7))
    listed = matches.verdict_incidents()
    ids = [entry["id"] for entry in listed]
    assert len(ids) == len(set(ids)) == 7
    top = max(found[0].score for found in matches.by_change.values())
    assert listed[0]["score"] == top  # each incident with its best score
    for entry in listed:
        assert entry["changes"] == sorted(
            finding
            for finding, found in matches.by_change.items()
            if any(match.id == entry["id"] for match in found)
        )
    assert [e["score"] for e in listed] == sorted((e["score"] for e in listed), reverse=True)


def test_record_verdict_changes(memory_factory: MemoryFactory) -> None:
    memory = memory_factory()
    risk = change(
        "HISTORICAL_RISK", "a.b.C", "resembles INC-1", category=Category.HISTORY, breaking=True
    )
    removed = change(
        "FIELD_REMOVED",
        "acme.todo.v1.Task.description",
        "field description (4) was removed",
        category=Category.WIRE,
        breaking=True,
        severity=Severity.HIGH,
        kind="field_removed",
        before="string description = 4;",
        recommendation="Reserve the number.",
    )
    ignored = removed.model_copy(update={"id": "x" * 12, "suppressed": "accepted"})
    warning = STATUS_ADDED
    changes = [warning, removed, ignored, risk]
    report = record_verdict_changes(
        changes,
        memory,
        service="todo-api",
        date=dt.date(2025, 2, 1),
        commit="0123456789abcdef",
        links=["https://ci/run/1"],
    )
    assert report.added == [f"gate-0123456789ab-{removed.id}"]
    stored = memory.get(report.added[0])
    assert stored is not None
    assert stored.source is IncidentSource.GATE
    assert stored.rules == ["FIELD_REMOVED", "field_removed"]
    assert stored.elements == ["acme.todo.v1.Task.description"]
    assert stored.diff == "- string description = 4;"
    assert stored.severity is Severity.HIGH
    assert stored.resolution == "Reserve the number."
    assert stored.links == ["https://ci/run/1"]
    assert "field description (4) was removed" in stored.impact
    again = record_verdict_changes(
        changes,
        memory,
        service="todo-api",
        date=dt.date(2025, 2, 1),
        commit="0123456789abcdef",
        links=["https://ci/run/1"],
    )
    assert again.unchanged == report.added and memory.count() == 1
    # The recorded incident is found for the same change next time.
    matches = match_changes([removed], memory, IncidentsConfig())
    assert matches.by_change[removed.id][0].id == report.added[0]
