"""Findings and the verdict: the public JSON contract of `protoguard check` (schema_version 1).

Change this file only on purpose: tests pin the schema, and the README and CHANGELOG
describe it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class Category(StrEnum):
    WIRE = "WIRE"  # binary wire format: old readers/writers misinterpret bytes
    JSON = "JSON"  # proto3 JSON mapping (field/enum names, json_name)
    SOURCE = "SOURCE"  # generated code stops compiling (renames, moves, packages)
    REST = "REST"  # google.api.http transcoding routes
    VALIDATION = "VALIDATION"  # protovalidate / protoc-gen-validate rules
    BEHAVIOR = "BEHAVIOR"  # defaults, presence, field_behavior, deprecation
    SEMANTIC = "SEMANTIC"  # documented meaning; potential, refined by review
    PII = "PII"  # personal data exposed without annotation
    HISTORY = "HISTORY"  # matches a past incident


class Severity(StrEnum):
    INFO = "INFO"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


class OverallSeverity(StrEnum):
    NONE = "NONE"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class Source(StrEnum):
    BUF = "buf"
    RULES = "rules"
    LLM = "llm"
    PII = "pii"
    INCIDENTS = "incidents"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Change(_Model):
    """One finding: a change between base and head judged by a rule."""

    id: str  # stable within a verdict: "<RULE>:<element>" hashed to 12 hex chars
    rule: str
    category: Category
    is_breaking: bool
    severity: Severity
    element: str  # FQN, or file path for file-level findings
    file: str  # repo-relative path in head (base path for deleted files)
    line: int = 0
    column: int = 0
    message: str
    recommendation: str = ""
    sources: list[Source] = Field(default_factory=list)
    suppressed: str | None = None
    kind: str = ""  # what changed, for de-duplication across sources (e.g. "field_removed")
    buf_rules: list[str] = Field(default_factory=list)
    before: str | None = None
    after: str | None = None
    potential: bool = False  # SEMANTIC / CEL findings that need review to confirm
    llm: dict[str, Any] | None = None  # what the LLM review said about this finding
    incidents: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def blocks(self) -> bool:
        return self.is_breaking and self.suppressed is None


class FileStatus(StrEnum):
    ADDED = "A"
    MODIFIED = "M"
    DELETED = "D"
    RENAMED = "R"


class ChangedFile(_Model):
    path: str
    status: FileStatus
    old_path: str | None = None


class RefInfo(_Model):
    ref: str  # as given (or "working tree", or a directory)
    sha: str | None = None  # commit SHA, None for the working tree or a directory
    kind: str = "commit"  # commit | worktree | directory


class LayerStatus(StrEnum):
    RAN = "ran"
    SKIPPED = "skipped"
    FAILED = "failed"


class Layer(_Model):
    name: str
    status: LayerStatus
    detail: str = ""  # one line; for a layer that did not run, why
    # A required layer (--llm-required, incidents.required) that did not run fails the run
    # (exit 2); any other layer that fails leaves the verdict to the layers that ran.
    required: bool = False

    @property
    def fails_run(self) -> bool:
        return self.required and self.status != LayerStatus.RAN


class Summary(_Model):
    """Counts of the findings. Each finding is counted once among `breaking`, `warnings`,
    `info`, `pii` and `suppressed` (they add up to `total`); `blocking` counts those that
    block the deploy, whatever their kind."""

    total: int = 0
    breaking: int = 0  # unsuppressed compatibility findings that block (is_breaking)
    blocking: int = 0
    warnings: int = 0
    info: int = 0
    suppressed: int = 0
    # Unsuppressed personal-data findings (category PII), blocking or not: they answer a
    # different question than a breaking change and have their own override (--allow-pii).
    pii: int = 0
    by_severity: dict[str, int] = Field(default_factory=dict)
    by_category: dict[str, int] = Field(default_factory=dict)


class Verdict(_Model):
    schema_version: int = SCHEMA_VERSION
    tool: str = "protoguard"
    tool_version: str = ""
    can_deploy: bool
    overall_severity: OverallSeverity
    fail_on: str
    summary: Summary
    base: RefInfo
    head: RefInfo
    files: list[ChangedFile] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)
    layers: list[Layer] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    pii: dict[str, Any] | None = None
    incidents: list[dict[str, Any]] = Field(default_factory=list)
    llm: dict[str, Any] | None = None
    allow_breaking: str | None = None
    allow_pii: str | None = None
