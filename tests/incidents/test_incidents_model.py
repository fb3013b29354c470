"""The Incident model and its Chroma layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from compat_checker.config import load_config
from compat_checker.config.incidents import IncidentsConfig
from compat_checker.errors import GateError
from compat_checker.findings import Severity
from compat_checker.incidents import Incident, IncidentSource
from compat_checker.incidents.model import META_DATE_NUM, META_SEVERITY_RANK, new_incident_id


def make(**overrides: object) -> Incident:
    fields: dict[str, object] = {
        "id": "INC-1",
        "title": "Required field on Task crashed the app",
        "date": dt.date(2024, 3, 12),
        "rules": ["VALIDATION_REQUIRED_ADDED", "field_behavior_required_added"],
        "elements": ["acme.todo.v1.Task.metadata"],
        "impact": "mobile app crashed",
        "severity": Severity.CRITICAL,
        "diff": "+ map<string, string> metadata = 9;",
    }
    fields.update(overrides)
    return Incident.model_validate(fields)


def test_defaults_and_source() -> None:
    incident = make()
    assert incident.source is IncidentSource.MANUAL
    assert incident.caught_before_prod is False
    assert incident.links == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"id": "has space"},
        {"id": ""},
        {"title": "   "},
        {"impact": ""},
        {"severity": "SEVERE"},
        {"elements": ["acme.todo.v1.Task", " "]},
        {"unknown": 1},
        {"date": "yesterday"},
    ],
)
def test_invalid_incidents_are_rejected(overrides: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        make(**overrides)


def test_document_holds_what_is_embedded() -> None:
    document = make().document()
    assert document.splitlines()[0] == "Required field on Task crashed the app"
    # Change kinds are written like rule IDs so they hash alike.
    assert "rules: VALIDATION_REQUIRED_ADDED FIELD_BEHAVIOR_REQUIRED_ADDED" in document
    assert "elements: acme.todo.v1.Task.metadata" in document
    assert "impact: mobile app crashed" in document
    assert "diff: + map<string, string> metadata = 9;" in document


def test_metadata_round_trips_and_filters() -> None:
    incident = make(service="todo-api", links=["https://wiki/1"])
    metadata = incident.metadata()
    assert Incident.from_metadata(metadata) == incident
    assert metadata[META_SEVERITY_RANK] == Severity.CRITICAL.rank
    assert metadata[META_DATE_NUM] == 20240312
    assert metadata["service"] == "todo-api"
    assert all(isinstance(value, str | int | bool) for value in metadata.values())


def test_generated_ids_are_deterministic_and_valid() -> None:
    first = new_incident_id("t", dt.date(2024, 1, 2), ["a.B"])
    assert first == new_incident_id("t", dt.date(2024, 1, 2), ["a.B"])
    assert first != new_incident_id("t", dt.date(2024, 1, 2), ["a.C"])
    assert first.startswith("INC-2024-01-02-")
    make(id=first)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("embedding: openai", "incidents.embedding"),
        ("top_k: 0", "incidents.top_k"),
        ("threshold: 0.7", "strong_threshold must be at least threshold"),
        ("min_severity: SEVERE", "incidents.min_severity"),
        ("pth: x", "incidents.pth: unknown key"),
    ],
)
def test_config_section_is_validated(tmp_path: Path, section: str, message: str) -> None:
    config_file = tmp_path / "protoguard.yaml"
    config_file.write_text(f"incidents:\n  {section}\n")
    with pytest.raises(GateError, match=message):
        load_config(config_file, tmp_path)


def test_config_defaults() -> None:
    config = IncidentsConfig()
    assert (config.path, config.url, config.embedding) == (".protoguard/incidents", None, "hashing")
    assert config.threshold < config.strong_threshold
