"""The PII gate: new or changed fields at or above ``fail_on`` without an annotation.

The gate (`compat_checker`) turns each `PiiGateFinding` into a blocking verdict change;
this module only decides which fields those are and what to add to each.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pii_detector.analysis import analyze_tree
from pii_detector.levels import PiiType, Sensitivity, parse_level
from pii_detector.overrides import Override
from pii_detector.results import FieldResult, PiiAnalysis, Source
from pii_detector.syntax import annotation_of, declaration, has_option
from protomodel.model import FieldModel, FileModel, ProtoTree, iter_all_messages


class PiiGateFinding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    element: str  # field FQN
    file: str  # repo-relative path in head
    line: int
    column: int
    field_path: str
    change: Literal["added", "changed"]
    sensitivity: Sensitivity
    pii_type: PiiType | None
    source: Source
    reasoning: str
    option_line: str  # what to add: [(pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = SSN]
    suggestion: str  # the declaration with the options: string ssn = 4 [(pii.v1…) = HIGH, …];
    message: str  # one sentence for the verdict


def gate_findings(
    base: ProtoTree | None,
    head: ProtoTree,
    changed_elements_or_files: Collection[str] | None,
    fail_on: Sensitivity | Literal["LOW", "MEDIUM", "HIGH"] = "HIGH",
    *,
    overrides: Mapping[str, Override] | None = None,
    analysis: PiiAnalysis | None = None,
) -> list[PiiGateFinding]:
    """Findings for fields added or changed by the change, sorted by file and line.

    ``changed_elements_or_files`` holds field FQNs (taken as changed), message FQNs and
    file paths (module or repo paths; their fields count when new or changed against
    ``base``). None means every reviewed file of ``head``. ``base`` None means everything
    is new. ``analysis`` of ``head`` may be passed in to avoid computing it twice.
    """
    threshold = fail_on if isinstance(fail_on, Sensitivity) else parse_level(fail_on)
    head_analysis = analysis or analyze_tree(head, overrides=overrides)
    results = {f.element: f for f in head_analysis.fields}
    candidates = _candidates(base, head, changed_elements_or_files)
    findings: list[PiiGateFinding] = []
    for file, field, change in candidates:
        result = results.get(field.fqn)
        if result is None or result.annotated or not result.sensitivity.at_least(threshold):
            continue
        findings.append(_finding(file, field, result, change))
    return sorted(findings, key=lambda f: (f.file, f.line, f.element))


def _candidates(
    base: ProtoTree | None, head: ProtoTree, changed: Collection[str] | None
) -> list[tuple[FileModel, FieldModel, Literal["added", "changed"]]]:
    entries = set(changed) if changed is not None else None
    out: dict[str, tuple[FileModel, FieldModel, Literal["added", "changed"]]] = {}
    for file in head.files.values():
        if file.name in head.dependency_files:
            continue
        whole_file = entries is None or file.name in entries or file.repo_path in entries
        for message in iter_all_messages(file):
            whole_message = whole_file or (entries is not None and message.fqn in entries)
            for field in message.fields:
                named = entries is not None and field.fqn in entries
                if not (named or whole_message):
                    continue
                change = _change(base, field)
                if change is None and named:
                    change = "changed"  # the caller's diff says so
                if change is not None:
                    out[field.fqn] = (file, field, change)
    return list(out.values())


def _change(base: ProtoTree | None, field: FieldModel) -> Literal["added", "changed"] | None:
    if base is None:
        return "added"
    before = base.find(field.fqn)
    if not isinstance(before, FieldModel):
        return "added"
    declared = ("number", "type", "type_kind", "label", "map_key_type", "map_value_type")
    if any(getattr(before, name) != getattr(field, name) for name in declared):
        return "changed"
    if annotation_of(before.options) is not None and annotation_of(field.options) is None:
        return "changed"  # the annotation was removed
    return None


def _finding(
    file: FileModel, field: FieldModel, result: FieldResult, change: Literal["added", "changed"]
) -> PiiGateFinding:
    option_line = result.option_line
    base_declaration = declaration(field)[:-1]  # without ";"
    if field.options and not has_option(field.options, "pii.v1.sensitivity"):
        suggestion = f"{base_declaration} [<existing options>, {option_line[1:-1]}];"
    else:
        suggestion = f"{base_declaration} {option_line};"
    what = f"{result.sensitivity.value}" + (f"/{result.pii_type.value}" if result.pii_type else "")
    return PiiGateFinding(
        element=field.fqn,
        file=file.repo_path,
        line=field.location.line,
        column=field.location.column,
        field_path=result.field_path,
        change=change,
        sensitivity=result.sensitivity,
        pii_type=result.pii_type,
        source=result.source,
        reasoning=result.reasoning,
        option_line=option_line,
        suggestion=suggestion,
        message=(
            f"{'new' if change == 'added' else 'changed'} field {result.field_path} holds "
            f"{what} personal data without a PII annotation; add {option_line}"
        ),
    )
