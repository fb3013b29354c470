"""The audit's checks: what makes a proto tree at rest risky, one small function each.

Like `compat_checker/rules/`, but a check looks at the whole audited tree (with its PII
analysis and git history) instead of a pair of versions. A check is data (ID, default
severity, one-line doc, fix hint) plus a function of the `AuditContext` yielding
`AuditHit`s. `protoguard explain AUDIT_…` reads the same registry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from compat_checker.audit.history import History, NumberHistory, commit_label
from compat_checker.audit.model import Exposure, HistoryEvent, Severity
from pii_detector.levels import Sensitivity
from pii_detector.results import PiiAnalysis
from protomodel.model import (
    EnumModel,
    FileModel,
    MessageModel,
    iter_all_enums,
    iter_all_messages,
)

SEVERITY_RANK: dict[Severity, int] = {"ERROR": 0, "WARNING": 1, "INFO": 2}
_PII_SEVERITY: dict[Sensitivity, Severity] = {
    Sensitivity.HIGH: "ERROR",
    Sensitivity.MEDIUM: "WARNING",
    Sensitivity.LOW: "INFO",
}
# A zero value named like this says "not set" (`UNKNOWN = 0` alone is common in nested enums).
# Zero values that say "not set" in so many words (`STATUS_CODE_UNSET`, `FLAG_DO_NOT_USE`).
_ZERO_NAMES = ("UNSPECIFIED", "UNKNOWN", "UNSET", "NOT_SET", "NONE", "DO_NOT_USE", "INVALID")
_ZERO_SUFFIXES = tuple(f"_{name}" for name in _ZERO_NAMES)


@dataclass(frozen=True)
class AuditContext:
    files: list[FileModel]  # the audited files that parsed
    analysis: PiiAnalysis | None  # None: the pii section of protoguard.yaml disables it
    exposures: list[Exposure]
    history: History | None  # None: history skipped or unavailable


@dataclass(frozen=True)
class AuditHit:
    element: str
    file: str
    line: int
    message: str
    detail: str  # what, besides the rule and element, makes this finding distinct
    severity: Severity | None = None  # None: the check's default
    fix: str | None = None  # None: the check's fix hint
    history: tuple[HistoryEvent, ...] = ()


@dataclass(frozen=True)
class AuditCheck:
    id: str
    severity: Severity  # the default; a hit may set its own
    doc: str
    fix: str
    check: Callable[[AuditContext], Iterable[AuditHit]] = field(compare=False, repr=False)


_CHECKS: dict[str, AuditCheck] = {}


def audit_check(
    *, id: str, severity: Severity, doc: str, fix: str
) -> Callable[[Callable[[AuditContext], Iterable[AuditHit]]], Callable]:
    def register(fn: Callable[[AuditContext], Iterable[AuditHit]]) -> Callable:
        if id in _CHECKS:
            raise ValueError(f"audit check {id} registered twice")
        _CHECKS[id] = AuditCheck(id=id, severity=severity, doc=doc, fix=fix, check=fn)
        return fn

    return register


def all_checks() -> dict[str, AuditCheck]:
    return dict(sorted(_CHECKS.items()))


def finding_id(rule: str, element: str, detail: str) -> str:
    """Stable across runs, machines and line moves: what `--baseline` compares."""
    return hashlib.sha256(f"{rule}\0{element}\0{detail}".encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------- PII


@audit_check(
    id="AUDIT_PII_UNANNOTATED",
    severity="ERROR",
    doc="A field holds personal data but carries no PII annotation "
    "(HIGH is an error, MEDIUM a warning, LOW information).",
    fix="Add the suggested options to the field declaration.",
)
def pii_unannotated(ctx: AuditContext) -> Iterator[AuditHit]:
    if ctx.analysis is None:
        return
    for result in ctx.analysis.fields:
        if not result.sensitivity.is_pii or result.annotated:
            continue
        kind = f" ({result.pii_type.value})" if result.pii_type else ""
        yield AuditHit(
            element=result.element,
            file=result.file,
            line=result.line,
            message=f"{result.field_path} holds {result.sensitivity.value} personal data{kind} "
            f"without an annotation ({result.rule})",
            detail=result.sensitivity.value,
            severity=_PII_SEVERITY[result.sensitivity],
            fix=result.option_line,
        )


@audit_check(
    id="AUDIT_PII_UNDER_ANNOTATED",
    severity="ERROR",
    doc="A field's (pii.v1.sensitivity) is lower than the personal data it holds "
    "(an SSN marked LOW), so redaction and access rules keyed on the level miss it.",
    fix="Raise the annotation to the suggested level, or record a reviewed correction "
    "with `protoguard pii correct` if the classification is wrong.",
)
def pii_under_annotated(ctx: AuditContext) -> Iterator[AuditHit]:
    if ctx.analysis is None:
        return
    for result in ctx.analysis.fields:
        if not result.under_annotated or result.annotated_sensitivity is None:
            continue
        yield AuditHit(
            element=result.element,
            file=result.file,
            line=result.line,
            message=f"{result.field_path} is annotated {result.annotated_sensitivity.value} but "
            f"holds {result.sensitivity.value} personal data ({result.rule})",
            detail=result.sensitivity.value,
            severity=_PII_SEVERITY[result.sensitivity],
            fix=result.option_line,
        )


@audit_check(
    id="AUDIT_HIGH_EXPOSURE",
    severity="WARNING",
    doc="An RPC returns HIGH personal data without (pii.v1.audit_pii_access); "
    "an error when it returns many records per call (list, search, batch, streaming).",
    fix="Add `option (pii.v1.audit_pii_access) = true;` to the RPC and log every call, "
    "restrict who may call it, or return a redacted view.",
)
def high_exposure(ctx: AuditContext) -> Iterator[AuditHit]:
    for exposure in ctx.exposures:
        if exposure.audit_pii_access:
            continue
        many = "many records per call" if exposure.bulk else "a record per call"
        yield AuditHit(
            element=exposure.element,
            file=exposure.file,
            line=exposure.line,
            message=f"{exposure.service}.{exposure.method} returns HIGH data ({many}) "
            "and is not marked for access auditing",
            detail="bulk" if exposure.bulk else "single",
            severity="ERROR" if exposure.bulk else "WARNING",
        )


# ---------------------------------------------------------------------------- history


@audit_check(
    id="AUDIT_FIELD_NUMBER_REUSED",
    severity="ERROR",
    doc="A field number was deleted and later given to a field with another name or type: "
    "old data and old clients send the old field, which decodes as the new one.",
    fix="Move the new field to an unused number and reserve the old number and name; "
    "check what was written since the reuse.",
)
def field_number_reused(ctx: AuditContext) -> Iterator[AuditHit]:
    for file, message, numbers in _tracked(ctx, "messages"):
        for current in message.fields:
            entry = numbers.get(current.number)
            if entry is None or not entry.reused:
                continue
            old, new = _first_reuse(entry)
            yield AuditHit(
                element=current.fqn,
                file=file.repo_path,
                line=current.location.line,
                message=f"field number {current.number} of {message.name} held "
                f"{old.field} ({old.type}), deleted in {commit_label(old.commit)}, and was reused by "
                f"{new.field} ({new.type}) in {commit_label(new.commit)}",
                detail=str(current.number),
                history=tuple(entry.events),
            )


@audit_check(
    id="AUDIT_DELETED_FIELD_NOT_RESERVED",
    severity="WARNING",
    doc="A field was deleted without reserving its number and name: "
    "nothing stops the next change from reusing them.",
    fix="Add the suggested `reserved` statements to the message.",
)
def deleted_field_not_reserved(ctx: AuditContext) -> Iterator[AuditHit]:
    for file, message, numbers in _tracked(ctx, "messages"):
        live_names = {f.name for f in message.fields}
        for number, entry in sorted(numbers.items()):
            if message.field_by_number(number) is not None or entry.deleted_as is None:
                continue
            name = entry.deleted_as[0]
            hit = _not_reserved(file, message, number, [name], live_names, "field", entry)
            if hit is not None:
                yield hit


@audit_check(
    id="AUDIT_ENUM_VALUE_REUSED",
    severity="ERROR",
    doc="An enum number was deleted and later given to a value with another name: "
    "stored data and old clients mean the old value.",
    fix="Give the new value an unused number and reserve the old number and name.",
)
def enum_value_reused(ctx: AuditContext) -> Iterator[AuditHit]:
    for file, enum, numbers in _tracked(ctx, "enums"):
        seen: set[int] = set()
        for value in enum.values:
            entry = numbers.get(value.number)
            if entry is None or not entry.reused or value.number in seen:
                continue
            seen.add(value.number)
            old, new = _first_reuse(entry)
            yield AuditHit(
                element=value.fqn,
                file=file.repo_path,
                line=value.location.line,
                message=f"number {value.number} of enum {enum.name} meant {old.field}, deleted "
                f"in {commit_label(old.commit)}, and was reused by {new.field} in "
                f"{commit_label(new.commit)}",
                detail=str(value.number),
                history=tuple(entry.events),
            )


@audit_check(
    id="AUDIT_DELETED_ENUM_VALUE_NOT_RESERVED",
    severity="WARNING",
    doc="An enum value was deleted without reserving its number and name.",
    fix="Add the suggested `reserved` statements to the enum.",
)
def deleted_enum_value_not_reserved(ctx: AuditContext) -> Iterator[AuditHit]:
    for file, enum, numbers in _tracked(ctx, "enums"):
        live_numbers = {v.number for v in enum.values}
        live_names = {v.name for v in enum.values}
        for number, entry in sorted(numbers.items()):
            if number in live_numbers or entry.deleted_as is None:
                continue
            names = list(entry.deleted_as)
            hit = _not_reserved(file, enum, number, names, live_names, "value", entry)
            if hit is not None:
                yield hit


# ---------------------------------------------------------------------------- at rest


@audit_check(
    id="AUDIT_ENUM_ZERO_VALUE_MEANINGFUL",
    severity="WARNING",
    doc="The zero value of an open enum has a meaning: an unset field reads as it, "
    "and the meaning can never be changed safely.",
    fix="Add a zero value named `<ENUM>_UNSPECIFIED` and move the meaningful value to a new number "
    "(or, if that is too late, document that 0 also means 'not set').",
)
def enum_zero_value_meaningful(ctx: AuditContext) -> Iterator[AuditHit]:
    for file in ctx.files:
        for enum in iter_all_enums(file):
            zero = enum.value_by_number(0)
            if (
                enum.closed
                or zero is None
                or zero.name in _ZERO_NAMES
                or zero.name.endswith(_ZERO_SUFFIXES)
            ):
                continue
            yield AuditHit(
                element=zero.fqn,
                file=file.repo_path,
                line=zero.location.line,
                message=f"{enum.name}'s zero value is {zero.name}: every unset "
                f"{enum.name} field reads as {zero.name}",
                detail=zero.name,
            )


# ---------------------------------------------------------------------------- helpers


def _tracked(
    ctx: AuditContext, kind: str
) -> Iterator[tuple[FileModel, MessageModel | EnumModel, dict[int, NumberHistory]]]:
    """(audited file, one of its messages or enums, that one's number histories)."""
    if ctx.history is None:
        return
    histories = getattr(ctx.history, kind)
    for file in ctx.files:
        owners: Iterable[MessageModel | EnumModel] = (
            (m for m in iter_all_messages(file) if not m.is_map_entry)
            if kind == "messages"
            else iter_all_enums(file)
        )
        for owner in owners:
            numbers = histories.get(owner.fqn)
            if numbers:
                yield file, owner, numbers


def _first_reuse(entry: NumberHistory) -> tuple[HistoryEvent, HistoryEvent]:
    """The first reuse event and the deletion right before it."""
    for index, event in enumerate(entry.events):
        if event.event == "reused":
            deleted = next(e for e in reversed(entry.events[:index]) if e.event == "deleted")
            return deleted, event
    raise ValueError("no reuse in this history")


def _not_reserved(
    file: FileModel,
    owner: MessageModel | EnumModel,
    number: int,
    names: list[str],
    live_names: set[str],
    what: str,
    entry: NumberHistory,
) -> AuditHit | None:
    reserved_number = any(number in r for r in owner.reserved_ranges)
    # A name still in use (moved to another number) cannot be reserved.
    missing_names = [n for n in names if n not in owner.reserved_names and n not in live_names]
    if reserved_number and not missing_names:
        return None
    # Editions reserve names as identifiers; a string literal there does not compile.
    quote = "" if file.syntax == "editions" else '"'
    statements = ([f"reserved {number};"] if not reserved_number else []) + [
        f"reserved {quote}{n}{quote};" for n in missing_names
    ]
    deleted = next(e for e in reversed(entry.events) if e.event == "deleted")
    return AuditHit(
        element=owner.fqn,
        file=file.repo_path,
        line=owner.location.line,
        message=f"{what} {', '.join(names)} = {number} of {owner.name} was deleted in "
        f"{commit_label(deleted.commit)} without reserving "
        + " or ".join(
            (["its number"] if not reserved_number else [])
            + (["its name"] if missing_names else [])
        ),
        detail=str(number),
        fix=" ".join(statements),
        history=tuple(entry.events),
    )
