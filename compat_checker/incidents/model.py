"""The incident record, and how it is laid out in Chroma (document text and metadata)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from compat_checker.findings import Severity

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"

# Metadata keys. `incident` holds the whole record as JSON so that `export` reproduces
# exactly what was imported; the others exist for `where` filters.
META_INCIDENT = "incident"
META_SEVERITY = "severity"
META_SEVERITY_RANK = "severity_rank"
META_SERVICE = "service"
META_SOURCE = "source"
META_DATE = "date"
META_DATE_NUM = "date_num"  # YYYYMMDD as an int: Chroma compares only numbers with $gte


class IncidentSource(StrEnum):
    MANUAL = "manual"  # written by a person (`incidents add` / `import`)
    GATE = "gate"  # recorded by `protoguard check --record`


class Incident(BaseModel):
    """A past breaking change and what it did: the unit of the incident memory."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    date: dt.date
    service: str = ""
    rules: list[str] = Field(default_factory=list)  # rule IDs or change kinds
    elements: list[str] = Field(default_factory=list)  # FQNs
    diff: str = ""  # excerpt of the offending change
    impact: str = Field(min_length=1)  # what broke, for whom
    resolution: str = ""
    severity: Severity
    caught_before_prod: bool = False
    source: IncidentSource = IncidentSource.MANUAL
    links: list[str] = Field(default_factory=list)

    @field_validator("title", "impact")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("rules", "elements")
    @classmethod
    def _no_blank_items(cls, values: list[str]) -> list[str]:
        if any(not value.strip() for value in values):
            raise ValueError("must not contain blank entries")
        return values

    def document(self) -> str:
        """The text that is embedded: what a similar future change would talk about."""
        parts = [self.title]
        if self.rules:
            # Upper case: a change kind (field_removed) then hashes like a rule ID.
            parts.append("rules: " + " ".join(rule.upper() for rule in self.rules))
        if self.elements:
            parts.append("elements: " + " ".join(self.elements))
        parts.append("impact: " + self.impact)
        if self.diff:
            parts.append("diff: " + self.diff)
        return "\n".join(parts)

    def metadata(self) -> dict[str, str | int | bool]:
        return {
            META_INCIDENT: self.to_json(),
            META_SEVERITY: self.severity.value,
            META_SEVERITY_RANK: self.severity.rank,
            META_SERVICE: self.service,
            META_SOURCE: self.source.value,
            META_DATE: self.date.isoformat(),
            META_DATE_NUM: date_number(self.date),
        }

    def to_json(self) -> str:
        # Field order is the model's and never sorted, so export output is stable.
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False)

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any]) -> Incident:
        return cls.model_validate_json(metadata[META_INCIDENT])


def date_number(date: dt.date) -> int:
    return date.year * 10000 + date.month * 100 + date.day


def new_incident_id(title: str, date: dt.date, elements: list[str]) -> str:
    """A readable id for `incidents add`; deterministic, so repeating an add is idempotent."""
    digest = hashlib.sha256("\n".join([title, date.isoformat(), *elements]).encode()).hexdigest()
    return f"INC-{date.isoformat()}-{digest[:6]}"


def incident_filter(
    *,
    severities: Sequence[Severity] = (),
    min_severity: Severity | None = None,
    service: str | None = None,
    source: IncidentSource | None = None,
    since: dt.date | None = None,
) -> dict[str, Any] | None:
    """A Chroma `where` over the incident metadata; None when nothing is filtered."""
    clauses: list[dict[str, Any]] = []
    if severities:
        clauses.append({META_SEVERITY: {"$in": [s.value for s in severities]}})
    if min_severity is not None:
        clauses.append({META_SEVERITY_RANK: {"$gte": min_severity.rank}})
    if service:
        clauses.append({META_SERVICE: service})
    if source is not None:
        clauses.append({META_SOURCE: source.value})
    if since is not None:
        clauses.append({META_DATE_NUM: {"$gte": date_number(since)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
