"""The PII gate: new or changed fields at or above ``fail_on`` without an annotation,
or annotated with a lower level than their classification (under-annotated), and new or
changed unannotated fields the rules flag *needs review*, whatever their level.

The gate (`compat_checker`) turns each `PiiGateFinding` into a blocking verdict change;
this module only decides which fields those are and what to add to each.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pii_detector.analysis import analyze_tree, iter_extensions
from pii_detector.annotate import declaration_with_options, options_to_add
from pii_detector.classifier import CERTAIN
from pii_detector.levels import PiiType, Sensitivity, parse_level
from pii_detector.overrides import Override
from pii_detector.results import FieldResult, PiiAnalysis, Source
from pii_detector.syntax import annotated_level, annotation_of, declaration
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
    # "unannotated": no annotation at all; "under_annotated": annotated below its level.
    problem: Literal["unannotated", "under_annotated"] = "unannotated"
    existing_annotation: str | None = None
    renamed_from: str | None = None  # the field's name in base, when the change renamed it
    # False: a warning, because the classification is a guess that needs a human
    # (`needs_review`, or a level below the certainty that blocks) or the level comes only
    # from the message type the field holds, whose own fields carry the annotations.
    blocking: bool = True
    why_not_blocking: str | None = None


Change = Literal["added", "changed"]


def gate_findings(
    base: ProtoTree | None,
    head: ProtoTree,
    changed_elements_or_files: Collection[str] | None,
    fail_on: Sensitivity | Literal["LOW", "MEDIUM", "HIGH"] = "HIGH",
    *,
    overrides: Mapping[str, Override] | None = None,
    analysis: PiiAnalysis | None = None,
    counterparts: Mapping[str, FieldModel] | None = None,
    fail_on_review: bool = False,
    source_of: Callable[[FileModel], str | None] | None = None,
) -> list[PiiGateFinding]:
    """Findings for fields added or changed by the change, sorted by file and line.

    A field blocks when it is at or above ``fail_on`` and carries no annotation, or an
    annotation with a lower level than its classification (under-annotated).

    ``changed_elements_or_files`` holds field FQNs (taken as changed), message FQNs and
    file paths (module or repo paths; their fields count when new or changed against
    ``base``). None means every reviewed file of ``head``. ``base`` None means everything
    is new. ``analysis`` of ``head`` may be passed in to avoid computing it twice.
    ``counterparts`` maps a head field's FQN to the base field the caller's diff paired
    it with (a rename keeps its number, a package rename or a move keeps its name): such
    a field is judged against that base field, not as new. ``source_of`` gives a file's
    text, so that the fix for a field with options of its own is the exact line to paste.
    """
    threshold = fail_on if isinstance(fail_on, Sensitivity) else parse_level(fail_on)
    head_analysis = analysis or analyze_tree(head, overrides=overrides)
    results = {f.element: f for f in head_analysis.fields}
    candidates = _candidates(base, head, changed_elements_or_files, counterparts or {})
    findings: list[PiiGateFinding] = []
    for file, field, change, before in candidates:
        result = results.get(field.fqn)
        if result is None:
            continue
        if result.annotated and not result.under_annotated:
            continue
        # A field the rules cannot place is declared whatever its guessed level: a
        # warning (a block under fail_on_review) with the option line that declares it.
        if not result.sensitivity.at_least(threshold) and not _undecided(result):
            continue
        renamed_from = before.name if before is not None and before.name != field.name else None
        finding = _finding(file, field, result, change, renamed_from, source_of)
        why_not = _why_not_blocking(result, fail_on_review)
        if why_not is not None:
            finding = finding.model_copy(update={"blocking": False, "why_not_blocking": why_not})
        findings.append(finding)
    return sorted(findings, key=lambda f: (f.file, f.line, f.element))


def _undecided(result: FieldResult) -> bool:
    """The rules flagged the field and neither a correction nor the LLM decided it."""
    return result.needs_review and result.source is Source.RULES and not result.annotated


def _why_not_blocking(result: FieldResult, fail_on_review: bool) -> str | None:
    """Why a finding on this field is a warning, or None when it blocks. Only what the
    classification is sure of blocks on its own: a doubtful guess that blocked pull
    requests would get the gate switched off."""
    if result.source is not Source.RULES:
        return None  # a correction or the LLM review decided
    if result.rule == "MESSAGE_CONTENT":
        return (
            "its level comes from the message type it holds, whose own fields carry the annotations"
        )
    if result.needs_review:
        if fail_on_review:
            return None
        reason = f": {result.review_reason}" if result.review_reason else ""
        return f"the rules are not sure{reason} (pii.fail_on_review: true makes it block)"
    if result.confidence < CERTAIN:
        return f"a guess (confidence {result.confidence:.2f}) that needs a human to confirm"
    return None


def _candidates(
    base: ProtoTree | None,
    head: ProtoTree,
    changed: Collection[str] | None,
    counterparts: Mapping[str, FieldModel],
) -> list[tuple[FileModel, FieldModel, Change, FieldModel | None]]:
    entries = set(changed) if changed is not None else None
    out: dict[str, tuple[FileModel, FieldModel, Change, FieldModel | None]] = {}
    for file in head.files.values():
        if file.name in head.dependency_files:
            continue
        whole_file = entries is None or file.name in entries or file.repo_path in entries
        for message_fqn, field in _fields(file):
            whole_message = whole_file or (entries is not None and message_fqn in entries)
            named = entries is not None and field.fqn in entries
            if not (named or whole_message):
                continue
            before = _before(base, field, counterparts)
            change = _change(before, field) if base is not None else "added"
            if change is None and named:
                change = "changed"  # the caller's diff says so
            if change is not None:
                out[field.fqn] = (file, field, change, before)
    return list(out.values())


def _fields(file: FileModel) -> Iterator[tuple[str, FieldModel]]:
    """(message FQN, field) of every field of the file, extensions under their extendee."""
    for message in iter_all_messages(file):
        for field in message.fields:
            yield message.fqn, field
    for extension in iter_extensions(file):
        yield (extension.extendee or "").lstrip("."), extension


def _before(
    base: ProtoTree | None, field: FieldModel, counterparts: Mapping[str, FieldModel]
) -> FieldModel | None:
    if field.fqn in counterparts:
        return counterparts[field.fqn]
    found = base.find(field.fqn) if base is not None else None
    return found if isinstance(found, FieldModel) else None


def _change(before: FieldModel | None, field: FieldModel) -> Change | None:
    if before is None:
        return "added"
    if before.name != field.name:
        return "changed"  # renamed: what it holds may have changed with its name
    declared = ("number", "type_kind", "label", "map_key_type")
    if any(getattr(before, name) != getattr(field, name) for name in declared):
        return "changed"
    if not _same_type(before.element_type, before.fqn, field.element_type, field.fqn):
        return "changed"
    if annotation_of(before.options) is not None and annotation_of(field.options) is None:
        return "changed"  # the annotation was removed
    was, now = annotated_level(before.options), annotated_level(field.options)
    if was is not None and now is not None and now.rank < was.rank:
        return "changed"  # the annotation was lowered
    return None


def _same_type(before: str, before_fqn: str, after: str, after_fqn: str) -> bool:
    """Equal types, also when the field's package moved with them (``a.v1.X`` → ``b.v1.X``)."""
    if before == after:
        return True
    old_parts, new_parts = before_fqn.split("."), after_fqn.split(".")
    while len(old_parts) > 1 and len(new_parts) > 1 and old_parts[-1] == new_parts[-1]:
        old_parts.pop()
        new_parts.pop()
    old_scope, new_scope = ".".join(old_parts), ".".join(new_parts)
    return before.startswith(old_scope + ".") and after == new_scope + before[len(old_scope) :]


def _finding(
    file: FileModel,
    field: FieldModel,
    result: FieldResult,
    change: Change,
    renamed_from: str | None,
    source_of: Callable[[FileModel], str | None] | None = None,
) -> PiiGateFinding:
    under = result.under_annotated
    # Unannotated: only what is missing (a hand-written pii_type must not be set twice, which
    # buf rejects); under-annotated: the whole corrected annotation.
    adding = options_to_add(result, field)
    option_line = result.option_line if under else f"[{', '.join(adding)}]"
    base_declaration = declaration(field)[:-1]  # without ";"
    others = [key for key in field.options if not key.strip("()").startswith("pii.v1.")]
    as_written = None
    if field.options and not under and source_of is not None:
        text = source_of(file)
        as_written = None if text is None else declaration_with_options(text, field, adding)
    if as_written is not None:
        suggestion = as_written
    elif under and others:
        suggestion = f"{base_declaration} [<other existing options>, {option_line[1:-1]}];"
    elif field.options and not under:
        suggestion = f"{base_declaration} [<existing options>, {option_line[1:-1]}];"
    else:
        suggestion = f"{base_declaration} {option_line};"
    what = f"{result.sensitivity.value}" + (f"/{result.pii_type.value}" if result.pii_type else "")
    how = "new" if change == "added" else "changed"
    subject = (
        f"renamed field {result.field_path} (was `{renamed_from}`)"
        if renamed_from
        else f"{how} field {result.field_path}"
    )
    if under:
        assert result.annotated_sensitivity is not None
        message = (
            f"{subject} holds {what} personal data but is annotated "
            f"{result.annotated_sensitivity.value}; annotate it {option_line}"
        )
    elif not result.sensitivity.is_pii:
        message = (
            f"{subject} may hold personal data (the rules cannot place it) and has no PII "
            f"annotation; declare it: add {option_line}, or the level it holds"
        )
    else:
        where = f"{', '.join(adding)} to its options" if field.options else option_line
        message = f"{subject} holds {what} personal data without a PII annotation; add {where}"
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
        message=message,
        problem="under_annotated" if under else "unannotated",
        existing_annotation=result.existing_annotation,
        renamed_from=renamed_from,
    )
