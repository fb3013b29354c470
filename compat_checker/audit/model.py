"""The audit report (`protoguard audit --json`): a public interface, `schema_version` 1.

Everything protoguard knows about a repository at rest. The report is deterministic for a
given tree and history: no timestamps, lists sorted, ids stable across line moves so that
`--baseline` can tell what is new.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

AUDIT_SCHEMA_VERSION = 1

Level = Literal["PUBLIC", "LOW", "MEDIUM", "HIGH"]
Severity = Literal["ERROR", "WARNING", "INFO"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InventoryField(_Model):
    """One field of the PII inventory (every field of every audited file)."""

    element: str  # FQN
    file: str  # repo-relative path
    line: int
    package: str
    field_path: str  # Message.field / Outer.Inner.field
    type: str
    sensitivity: Level
    pii_type: str | None = None
    annotated: bool
    existing_annotation: str | None = None
    reasoning: str
    source: Literal["rules", "llm", "override"] = "rules"
    # The rules could not place the field (a record about a person): a human decides it,
    # with `protoguard pii correct`; `review_reason` says why it is doubtful.
    needs_review: bool = False
    review_reason: str | None = None


class Exposure(_Model):
    """An RPC that returns HIGH data; list/search endpoints (bulk reads) come first."""

    element: str  # method FQN
    service: str  # service FQN
    method: str
    file: str
    line: int
    sensitivity: Level
    bulk: bool  # list/search/batch/stream: many records per call
    audit_pii_access: bool  # the method carries (pii.v1.audit_pii_access) = true
    note: str


class HistoryEvent(_Model):
    commit: str  # full sha
    date: str  # ISO-8601 author date, from git
    event: Literal["added", "deleted", "reused"]
    field: str  # name of the field that held the number then
    type: str


class Finding(_Model):
    """Something to act on. `id` hashes rule + element + detail (never the line), so it
    survives unrelated edits and is what `--baseline` compares."""

    id: str
    rule: str  # AUDIT_PII_UNANNOTATED, AUDIT_HIGH_EXPOSURE, AUDIT_FIELD_NUMBER_REUSED, ...
    severity: Severity
    element: str
    file: str
    line: int
    message: str
    fix: str
    history: list[HistoryEvent] = Field(default_factory=list)


class PackageSummary(_Model):
    package: str
    files: int
    fields: int
    by_level: dict[Level, int]  # every level present, zeros included
    unannotated: dict[Level, int]  # PII fields (LOW and above) without an annotation
    findings: int


class ServiceSummary(_Model):
    service: str  # FQN
    package: str
    file: str
    methods: int
    max_sensitivity: Level
    exposures: int
    unaudited_pii_methods: int  # LOW+ methods without audit_pii_access


class FileError(_Model):
    file: str
    message: str  # one line


class Shard(_Model):
    index: int  # 1-based
    count: int


class BaselineInfo(_Model):
    file: str
    known: int  # findings present in the baseline, left out of `findings`
    fixed: int  # baseline findings that no longer occur


class Totals(_Model):
    files: int
    fields: int
    pii_fields: int
    by_level: dict[Level, int]
    unannotated: dict[Level, int]
    needs_review: int = 0  # inventory fields flagged `needs_review`
    exposures: int
    findings_by_rule: dict[str, int]
    findings_by_severity: dict[Severity, int]


class AuditReport(_Model):
    schema_version: Literal[1] = AUDIT_SCHEMA_VERSION
    tool: str  # "protoguard <version>"
    root: str  # the audited path as given
    commit: str | None = None  # HEAD sha when the path is in a git work tree
    uncommitted: bool = False  # the audited .proto files differ from that commit
    shard: Shard | None = None  # None: the whole repository
    merged_from: int = 0  # number of shard reports merged into this one (0: not merged)
    # git history scan for number reuse; "partial": a shallow clone, history cut at its boundary
    history: Literal["ran", "partial", "skipped", "unavailable"]
    files: list[str]  # audited files, sorted
    totals: Totals
    packages: list[PackageSummary]
    services: list[ServiceSummary]
    inventory: list[InventoryField]
    exposures: list[Exposure]
    findings: list[Finding]
    errors: list[FileError] = Field(default_factory=list)  # files that did not parse
    skipped: list[FileError] = Field(default_factory=list)  # entries that cannot be read (loops)
    baseline: BaselineInfo | None = None
