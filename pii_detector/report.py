"""The PII report (JSON, ``schema_version: 1``); documented in pii_detector/README.md.

One file:   ``{"schema_version": 1, "file": …, "total_fields": …, "pii_fields": …,
              "fields": […], "messages": […], "methods": […], "summary": {…},
              "disagreements": […], "layers": […]}``
Several:    ``{"schema_version": 1, "files": [<one report per file>], "total": {…},
              "layers": […]}``
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from functools import cache, partial
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    model_serializer,
)

from pii_detector.learned import LEARNED_RULE, SIGNATURE, LearnedModel
from pii_detector.levels import PiiType, Sensitivity
from pii_detector.results import Disagreement, FieldResult, PiiAnalysis, Source
from protomodel.construct import construct, construct_from

SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Whether an optional key of a field is left out (`None is value`): a function of C, so
# serializing hundreds of thousands of fields never calls back into Python.
_absent = partial(operator.is_, None)


class FieldEntry(_Model):
    field_path: str
    element: str
    field_name: str
    message: str
    line: int
    type: str
    sensitivity: Sensitivity
    pii_type: PiiType | None
    annotated: bool
    existing_annotation: str | None
    reasoning: str
    source: Source
    # Optional keys, written only when they apply (older readers never see them):
    # every type of a field that holds several kinds of personal data …
    pii_types: list[PiiType] | None = Field(default=None, exclude_if=_absent)
    # … and, for a field annotated below its classification, `under_annotated: true` with
    # the level written in the proto (`sensitivity`/`reasoning` say what it should be).
    under_annotated: bool | None = Field(default=None, exclude_if=_absent)
    annotated_sensitivity: Sensitivity | None = Field(default=None, exclude_if=_absent)
    # … and, for a field the rules are not sure about, `needs_review: true` with the
    # reason: a human (`protoguard pii correct`) or the LLM review (`--llm`) decides it.
    needs_review: bool | None = Field(default=None, exclude_if=_absent)
    review_reason: str | None = Field(default=None, exclude_if=_absent)


class MessageEntry(_Model):
    name: str
    element: str
    sensitivity: Sensitivity


class MethodEntry(_Model):
    service: str
    method: str
    element: str
    sensitivity: Sensitivity
    audit_pii_access: bool
    exposure: str | None


class Summary(_Model):
    """Number of fields per level."""

    HIGH: int = 0
    MEDIUM: int = 0
    LOW: int = 0
    PUBLIC: int = 0


class ReportLayer(_Model):
    """One layer of the classification and what it did: `rules` always ran; `learned`
    (the shipped model's second opinion where the rules are unsure) ran or was turned
    off; `llm` ran (every file answered), was partial or failed (those files keep the
    rules' levels), or was skipped (no model configured, or not asked for)."""

    name: Literal["rules", "learned", "llm"]
    status: Literal["ran", "partial", "failed", "skipped"]
    detail: str


NO_LLM = ReportLayer(name="llm", status="skipped", detail="no LLM review asked for")


def learned_layer(analysis: PiiAnalysis, model: LearnedModel | None) -> ReportLayer:
    """The `learned` layer: what the second opinion changed, counted from the fields it
    signed (a level it raised, a review flag it added)."""
    if model is None:
        return ReportLayer(name="learned", status="skipped", detail="turned off: the rules alone")
    raised = sum(f.rule == LEARNED_RULE for f in analysis.fields)
    flagged = sum(
        f.rule != LEARNED_RULE and SIGNATURE in (f.review_reason or "") for f in analysis.fields
    )
    return ReportLayer(
        name="learned",
        status="ran",
        detail=f"second opinion where the rules are unsure: {raised} raised, {flagged} flagged"
        f" for review (model trained on labels {model.labels_sha256[:12]})",
    )


def layers_that_ran(*, learned: bool, llm: bool) -> str:
    """How the `pii` part of a verdict or a scan names the layers that decided the levels."""
    return "rules" + (" + learned" if learned else "") + (" + LLM" if llm else "")


class FileReport(_Model):
    schema_version: int = SCHEMA_VERSION
    file: str
    total_fields: int
    pii_fields: int
    fields: list[FieldEntry]
    messages: list[MessageEntry]
    methods: list[MethodEntry]
    summary: Summary
    disagreements: list[Disagreement] = Field(default_factory=list)
    # Which layers decided the levels: on the report itself, not on each file of a
    # several-file report (there the report's top level says it once).
    layers: list[ReportLayer] | None = None

    @model_serializer(mode="wrap")
    def _omit_layers_inside_a_multi_report(self, handler: SerializerFunctionWrapHandler) -> dict:
        data = handler(self)
        if data.get("layers") is None:
            data.pop("layers", None)
        return data


class Total(_Model):
    files: int
    total_fields: int
    pii_fields: int
    summary: Summary


class MultiReport(_Model):
    schema_version: int = SCHEMA_VERSION
    files: list[FileReport]
    total: Total
    layers: list[ReportLayer]


def file_report(analysis: PiiAnalysis, path: str) -> FileReport:
    """The report of one file; ``analysis`` may cover more files (only ``path`` is used)."""
    return _report(path, analysis.for_file(path))


def _report(path: str, part: PiiAnalysis) -> FileReport:
    counts = dict.fromkeys(Sensitivity, 0)
    for f in part.fields:
        counts[f.sensitivity] += 1
    return FileReport(
        file=path,
        total_fields=len(part.fields),
        pii_fields=len(part.fields) - counts[Sensitivity.PUBLIC],
        fields=[_entry(f) for f in part.fields],
        messages=[
            construct(MessageEntry, name=m.name, element=m.element, sensitivity=m.sensitivity)
            for m in part.messages
        ],
        methods=[
            construct(
                MethodEntry,
                service=m.service,
                method=m.method,
                element=m.element,
                sensitivity=m.sensitivity,
                audit_pii_access=m.audit_pii_access,
                exposure=m.exposure,
            )
            for m in part.methods
        ],
        summary=Summary(**{level.value: count for level, count in counts.items()}),
        disagreements=part.disagreements,
    )


def _entry(f: FieldResult) -> FieldEntry:
    """A field's entry, built without validation: every value comes from a result the
    analysis built from valid parts, and a large schema has hundreds of thousands. The
    values are read from the result's ``__dict__`` (where a model keeps its fields), once
    each: cheaper than as attributes."""
    values = f.__dict__
    under = f.under_annotated
    review = values["needs_review"]
    return construct_from(
        FieldEntry,
        {
            "field_path": values["field_path"],
            "element": values["element"],
            "field_name": values["field_name"],
            "message": values["message"],
            "line": values["line"],
            "type": values["type"],
            "sensitivity": values["sensitivity"],
            "pii_type": values["pii_type"],
            "annotated": values["annotated"],
            "existing_annotation": values["existing_annotation"],
            "reasoning": values["reasoning"],
            "source": values["source"],
            "pii_types": values["pii_types"] or None,
            "under_annotated": True if under else None,
            "annotated_sensitivity": values["annotated_sensitivity"] if under else None,
            "needs_review": True if review else None,
            "review_reason": values["review_reason"] if review else None,
        },
    )


def report_layers(
    analysis: PiiAnalysis, llm: ReportLayer, learned: LearnedModel | None
) -> list[ReportLayer]:
    """What each layer did: the rules, the `learned` second opinion, the LLM review."""
    review = sum(f.needs_review for f in analysis.fields)
    rules = ReportLayer(
        name="rules",
        status="ran",
        detail=f"{len(analysis.fields)} fields classified, {review} need review",
    )
    return [rules, learned_layer(analysis, learned), llm]


def build_report(
    analysis: PiiAnalysis, llm: ReportLayer = NO_LLM, learned: LearnedModel | None = None
) -> FileReport | MultiReport:
    """One report for one file, ``{"files": […], "total": …}`` for several; its `layers`
    say which layers decided the levels: the rules, the `learned` second opinion when its
    ``learned`` model took part, and `llm` (by default not asked for)."""
    layers = report_layers(analysis, llm, learned)
    parts = analysis.by_file()
    reports = [_report(path, part) for path, part in parts.items()]
    if len(reports) == 1:
        return reports[0].model_copy(update={"layers": layers})
    summary = Summary()
    for report in reports:
        for level in Sensitivity:
            setattr(
                summary,
                level.value,
                getattr(summary, level.value) + getattr(report.summary, level.value),
            )
    return MultiReport(
        files=reports,
        total=Total(
            files=len(reports),
            total_fields=sum(r.total_fields for r in reports),
            pii_fields=sum(r.pii_fields for r in reports),
            summary=summary,
        ),
        layers=layers,
    )


def report_json(report: FileReport | MultiReport) -> str:
    return report.model_dump_json(indent=2) + "\n"


# Fields serialized this many at a time by `report_json_parts`.
_FIELDS_CHUNK = 2000


@cache
def _fields_nested(depth: int) -> TypeAdapter[list]:
    """A list of fields inside ``depth - 1`` more lists: the serializer indents its items
    ``depth`` levels deep."""
    kind: Any = list[FieldEntry]
    for _ in range(depth - 1):
        kind = list[kind]
    return TypeAdapter(kind)


def _field_items(fields: list[FieldEntry], depth: int) -> str:
    """The fields' items as `report_json` writes them at ``depth`` levels of indentation:
    ``"\n    {…},\n    {…}"``. Serialized inside as many lists as it takes to sit that deep,
    so the serializer indents them, and the text between those lists' brackets is taken
    (not re-indented afterwards: a large report's fields are most of its text)."""
    nested: list = fields
    for _ in range(depth - 1):
        nested = [nested]
    text = _fields_nested(depth).dump_json(nested, indent=2).decode("utf-8")
    opening = "[" + "".join(f"\n{'  ' * level}[" for level in range(1, depth))
    closing = "".join(f"\n{'  ' * level}]" for level in reversed(range(depth)))
    return text[len(opening) : -len(closing)]


def report_json_parts(report: FileReport | MultiReport) -> Iterator[str]:
    """`report_json(report)` in pieces whose concatenation is the same text, so that a
    report of hundreds of thousands of fields can be written without holding it whole
    (the serializer's buffer, the string made from it and a copy with the final newline
    were three times the report): the fields are serialized a chunk at a time and spliced
    into the rest of the report, indented as they would be in place."""
    files = report.files if isinstance(report, MultiReport) else [report]
    if isinstance(report, MultiReport):
        pad = " " * 6  # {"files": [{"fields": …: the key sits three levels deep
        emptied: FileReport | MultiReport = report.model_copy(
            update={"files": [part.model_copy(update={"fields": []}) for part in files]}
        )
    else:
        pad = " " * 2
        emptied = report.model_copy(update={"fields": []})
    skeleton = report_json(emptied)
    # A key's quotes are never escaped, those inside a string value always are: the
    # marker only matches the `fields` keys, one per file report, in order.
    marker = f'\n{pad}"fields": [],'
    start = 0
    for part in files:
        at = skeleton.index(marker, start)
        if not part.fields:
            yield skeleton[start : at + len(marker)]
        else:
            yield skeleton[start:at] + f'\n{pad}"fields": ['
            for first in range(0, len(part.fields), _FIELDS_CHUNK):
                # The items sit one level deeper than the `fields` key.
                items = _field_items(part.fields[first : first + _FIELDS_CHUNK], len(pad) // 2 + 1)
                yield items if first == 0 else "," + items
            yield f"\n{pad}],"
        start = at + len(marker)
    yield skeleton[start:]
