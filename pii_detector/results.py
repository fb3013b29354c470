"""Results of the PII analysis (Pydantic models): per field, per message, per RPC."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from pii_detector.levels import PiiType, Sensitivity
from pii_detector.records import Domain, Subject


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(StrEnum):
    RULES = "rules"
    LLM = "llm"
    OVERRIDE = "override"


class FieldResult(_Model):
    element: str  # FQN of the field
    field_path: str  # Message.field, Outer.Inner.field (FQN without the package)
    field_name: str
    message: str  # FQN of the enclosing message
    file: str  # repo-relative path
    module_path: str  # import path of the file
    line: int
    column: int = 0
    type: str  # as declared: "string", "repeated acme.v1.Address", "map<string, int32>"
    sensitivity: Sensitivity
    pii_type: PiiType | None = None
    # Every type when the field holds several kinds of personal data (`email_or_phone`);
    # empty otherwise. `pii_type` is then the one that decides the level.
    pii_types: list[PiiType] = Field(default_factory=list)
    annotated: bool = False
    existing_annotation: str | None = None  # e.g. "(pii.v1.sensitivity) = HIGH"
    # The level written in `(pii.v1.sensitivity)`, when the field carries one.
    annotated_sensitivity: Sensitivity | None = None
    reasoning: str
    source: Source = Source.RULES
    rule: str  # the id of the rule that decided (also the start of `reasoning`)
    confidence: float = 1.0
    needs_review: bool = False
    review_reason: str | None = None

    @property
    def under_annotated(self) -> bool:
        """Annotated with a lower level than the classification (an SSN marked LOW)."""
        return (
            self.annotated_sensitivity is not None
            and self.annotated_sensitivity.rank < self.sensitivity.rank
        )

    @property
    def option_line(self) -> str:
        """The options the declaration should carry: ``[(pii.v1.sensitivity) = HIGH, …]``."""
        return f"[{', '.join(field_options(self.sensitivity, self.pii_type, self.pii_types))}]"


class MessageResult(_Model):
    element: str
    name: str  # Message or Outer.Inner
    file: str
    module_path: str
    line: int
    sensitivity: Sensitivity
    reasoning: str
    annotated: bool = False  # carries (pii.v1.message_sensitivity)
    # What the message is about (records.py), decided before its fields: the LLM review
    # sees it, so that it judges a field the way the rules did, from its record.
    subject: Subject = Subject.THING
    domain: Domain = Domain.GENERAL
    record_evidence: str = ""


class MethodResult(_Model):
    element: str
    service: str
    method: str
    file: str
    module_path: str
    line: int
    request: str
    response: str
    request_sensitivity: Sensitivity
    response_sensitivity: Sensitivity
    sensitivity: Sensitivity
    audit_pii_access: bool  # every RPC at LOW or above should audit personal-data access
    exposure: str | None = None  # set for list/search RPCs that return HIGH data in bulk
    annotated: bool = False  # carries (pii.v1.method_sensitivity)


class Disagreement(_Model):
    """An LLM opinion that differs from the rules (or an override) for one field."""

    element: str
    file: str
    line: int
    rules_sensitivity: Sensitivity
    rules_pii_type: PiiType | None
    llm_sensitivity: Sensitivity
    llm_pii_type: PiiType | None
    llm_reasoning: str
    resolved_sensitivity: Sensitivity
    resolved_pii_type: PiiType | None
    resolution: str  # "llm is higher: taken", "rules are higher: kept", "override wins", …


class PiiAnalysis(_Model):
    fields: list[FieldResult] = Field(default_factory=list)
    messages: list[MessageResult] = Field(default_factory=list)
    methods: list[MethodResult] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    unused_overrides: list[str] = Field(default_factory=list)  # elements not in the tree
    llm_errors: list[str] = Field(default_factory=list)

    @classmethod
    def merged(cls, analyses: Sequence[PiiAnalysis]) -> PiiAnalysis:
        """One analysis of several trees analysed apart; an override is unused only when no
        tree had its element."""
        if len(analyses) == 1:
            return analyses[0]
        unused = set(analyses[0].unused_overrides).intersection(
            *(a.unused_overrides for a in analyses[1:])
        )
        return cls(
            fields=[f for a in analyses for f in a.fields],
            messages=[m for a in analyses for m in a.messages],
            methods=[m for a in analyses for m in a.methods],
            disagreements=[d for a in analyses for d in a.disagreements],
            unused_overrides=sorted(unused),
            llm_errors=[e for a in analyses for e in a.llm_errors],
        )

    def field(self, element: str) -> FieldResult | None:
        return next((f for f in self.fields if f.element == element), None)

    def files(self) -> list[str]:
        """Repo paths that have results, in order."""
        seen = {r.file: None for r in (*self.fields, *self.messages, *self.methods)}
        return sorted(seen)

    def for_file(self, path: str) -> PiiAnalysis:
        """The part of the analysis about one file (repo or module path)."""

        def mine(item: FieldResult | MessageResult | MethodResult) -> bool:
            return path in (item.file, item.module_path)

        return PiiAnalysis(
            fields=[f for f in self.fields if mine(f)],
            messages=[m for m in self.messages if mine(m)],
            methods=[m for m in self.methods if mine(m)],
            disagreements=[
                d
                for d in self.disagreements
                if any(f.element == d.element for f in self.fields if mine(f))
            ],
        )

    def by_file(self) -> dict[str, PiiAnalysis]:
        """`for_file` for every file at once (one pass, for reports over many files)."""
        groups: dict[str, PiiAnalysis] = {}
        # Kind by kind (each list keeps its order): a large schema has hundreds of
        # thousands of fields, and most scans one file, whose part is looked up again
        # only when the file changes.
        for kind in ("fields", "messages", "methods"):
            path, items = None, []
            for item in getattr(self, kind):
                if item.file != path:
                    path = item.file
                    items = getattr(groups.setdefault(path, PiiAnalysis()), kind)
                items.append(item)
        files_of = {f.element: f.file for f in self.fields} if self.disagreements else {}
        for disagreement in self.disagreements:
            path = files_of.get(disagreement.element)
            if path in groups:
                groups[path].disagreements.append(disagreement)
        return dict(sorted(groups.items()))

    def unannotated(self, fail_on: Sensitivity) -> list[FieldResult]:
        """Fields at or above ``fail_on`` that carry no annotation."""
        return [f for f in self.fields if f.sensitivity.at_least(fail_on) and not f.annotated]

    def under_annotated(self, fail_on: Sensitivity) -> list[FieldResult]:
        """Fields at or above ``fail_on`` annotated with a lower level than that."""
        return [f for f in self.fields if f.sensitivity.at_least(fail_on) and f.under_annotated]


def field_options(
    sensitivity: Sensitivity, pii_type: PiiType | None, pii_types: Sequence[PiiType] = ()
) -> list[str]:
    """``(pii.v1.sensitivity)``, the main ``(pii.v1.pii_type)`` and, for a field holding
    several kinds of data, every kind as the repeated ``(pii.v1.pii_types)``."""
    options = [f"(pii.v1.sensitivity) = {sensitivity.value}"]
    if pii_type is not None:
        options.append(f"(pii.v1.pii_type) = {pii_type.value}")
    if len(pii_types) > 1:
        options.extend(f"(pii.v1.pii_types) = {each.value}" for each in pii_types)
    return options
