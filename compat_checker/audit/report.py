"""From the analysed tree to the `AuditReport`: pure functions, sorted output.

Every list is sorted by its content alone, and every summary can be recomputed from
the lists, so that shard reports merge into exactly the report of an unsharded run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from compat_checker.audit.checks import (
    SEVERITY_RANK,
    AuditContext,
    all_checks,
    finding_id,
)
from compat_checker.audit.model import (
    AuditReport,
    BaselineInfo,
    Exposure,
    Finding,
    InventoryField,
    Level,
    PackageSummary,
    ServiceSummary,
    Severity,
    Totals,
)
from pii_detector import lexicon as lx
from pii_detector.levels import Sensitivity, max_level
from pii_detector.names import words
from pii_detector.results import MethodResult, PiiAnalysis
from protomodel.model import FileModel, MethodModel

LEVELS: tuple[Level, ...] = ("PUBLIC", "LOW", "MEDIUM", "HIGH")
PII_LEVELS: tuple[Level, ...] = ("LOW", "MEDIUM", "HIGH")
SEVERITIES: tuple[Severity, ...] = ("ERROR", "WARNING", "INFO")
AUDIT_OPTION = "pii.v1.audit_pii_access"


def inventory_of(analysis: PiiAnalysis | None, package_of: dict[str, str]) -> list[InventoryField]:
    if analysis is None:
        return []
    items = [
        InventoryField(
            element=f.element,
            file=f.file,
            line=f.line,
            package=package_of.get(f.file, ""),
            field_path=f.field_path,
            type=f.type,
            sensitivity=f.sensitivity.value,
            pii_type=f.pii_type.value if f.pii_type else None,
            annotated=f.annotated,
            existing_annotation=f.existing_annotation,
            reasoning=f.reasoning,
            source=f.source.value,
            needs_review=f.needs_review,
            review_reason=f.review_reason,
        )
        for f in analysis.fields
    ]
    return sorted(items, key=lambda i: (i.file, i.line, i.element))


def exposures_of(files: Iterable[FileModel], analysis: PiiAnalysis | None) -> list[Exposure]:
    """RPCs whose response holds HIGH data; bulk reads first, unaudited before audited."""
    if analysis is None:
        return []
    methods = _methods(files)
    found = []
    for result in analysis.methods:
        method = methods.get(result.element)
        if method is None or result.response_sensitivity != Sensitivity.HIGH:
            continue
        found.append(
            Exposure(
                element=result.element,
                service=result.element.rpartition(".")[0],
                method=result.method,
                file=result.file,
                line=result.line,
                sensitivity=result.response_sensitivity.value,
                bulk=_is_bulk(method),
                audit_pii_access=is_audited(method),
                note=result.exposure or f"{result.method} returns HIGH data ({result.response})",
            )
        )
    return sorted(found, key=exposure_key)


def exposure_key(e: Exposure) -> tuple[bool, bool, str, int, str]:
    return (not e.bulk, e.audit_pii_access, e.file, e.line, e.element)


def _is_bulk(method: MethodModel) -> bool:
    verb = words(method.name)[0] if method.name else ""
    return verb in lx.BULK_VERBS or method.server_streaming


def is_audited(method: MethodModel) -> bool:
    return any(
        key.strip("()").lstrip(".") == AUDIT_OPTION and value is True
        for key, value in method.options.items()
    )


def _methods(files: Iterable[FileModel]) -> dict[str, MethodModel]:
    return {m.fqn: m for file in files for service in file.services for m in service.methods}


def run_checks(ctx: AuditContext) -> list[Finding]:
    findings = []
    for check in all_checks().values():
        for hit in check.check(ctx):
            findings.append(
                Finding(
                    id=finding_id(check.id, hit.element, hit.detail),
                    rule=check.id,
                    severity=hit.severity or check.severity,
                    element=hit.element,
                    file=hit.file,
                    line=hit.line,
                    message=hit.message,
                    fix=hit.fix or check.fix,
                    history=list(hit.history),
                )
            )
    return sorted(findings, key=finding_key)


def finding_key(f: Finding) -> tuple[int, str, str, int, str, str]:
    return (SEVERITY_RANK[f.severity], f.rule, f.file, f.line, f.element, f.id)


def apply_baseline(
    findings: list[Finding],
    baseline: AuditReport,
    baseline_file: str,
    owned: Callable[[str], bool],
) -> tuple[list[Finding], BaselineInfo]:
    """Findings not in the baseline; ``owned`` says which baseline findings this run
    would see (a shard sees its own files), to count those that are fixed now."""
    known_ids = {f.id for f in baseline.findings}
    current_ids = {f.id for f in findings}
    kept = [f for f in findings if f.id not in known_ids]
    fixed = sum(1 for f in baseline.findings if f.id not in current_ids and owned(f.file))
    return kept, BaselineInfo(file=baseline_file, known=len(findings) - len(kept), fixed=fixed)


def package_summaries(
    package_of: dict[str, str], inventory: list[InventoryField], findings: list[Finding]
) -> list[PackageSummary]:
    files = Counter(package_of.values())
    by_level: dict[str, Counter[str]] = {p: Counter() for p in files}
    unannotated: dict[str, Counter[str]] = {p: Counter() for p in files}
    for item in inventory:
        by_level[item.package][item.sensitivity] += 1
        if item.sensitivity != "PUBLIC" and not item.annotated:
            unannotated[item.package][item.sensitivity] += 1
    found = Counter(package_of.get(f.file, "") for f in findings)
    return [
        PackageSummary(
            package=package,
            files=files[package],
            fields=sum(by_level[package].values()),
            by_level={level: by_level[package][level] for level in LEVELS},
            unannotated={level: unannotated[package][level] for level in PII_LEVELS},
            findings=found[package],
        )
        for package in sorted(files)
    ]


def service_summaries(
    files: Iterable[FileModel], analysis: PiiAnalysis | None, exposures: list[Exposure]
) -> list[ServiceSummary]:
    results: dict[str, MethodResult] = {m.element: m for m in analysis.methods} if analysis else {}
    exposed = Counter(e.service for e in exposures)
    summaries = []
    for file in files:
        for service in file.services:
            levels = [
                results[m.fqn].sensitivity if m.fqn in results else Sensitivity.PUBLIC
                for m in service.methods
            ]
            unaudited = sum(
                1
                for m, level in zip(service.methods, levels, strict=True)
                if level.is_pii and not is_audited(m)
            )
            summaries.append(
                ServiceSummary(
                    service=service.fqn,
                    package=file.package,
                    file=file.repo_path,
                    methods=len(service.methods),
                    max_sensitivity=max_level(*levels).value,
                    exposures=exposed[service.fqn],
                    unaudited_pii_methods=unaudited,
                )
            )
    return sorted(summaries, key=service_key)


def service_key(s: ServiceSummary) -> tuple[str, str]:
    # The file too: a service defined twice (two files, perhaps in two shards) sorts the same
    # way however the shard reports are merged.
    return s.service, s.file


def totals_of(
    files: list[str],
    inventory: list[InventoryField],
    exposures: list[Exposure],
    findings: list[Finding],
) -> Totals:
    levels = Counter(i.sensitivity for i in inventory)
    unannotated = Counter(i.sensitivity for i in inventory if not i.annotated)
    rules = Counter(f.rule for f in findings)
    severities = Counter(f.severity for f in findings)
    return Totals(
        files=len(files),
        fields=len(inventory),
        pii_fields=sum(levels[level] for level in PII_LEVELS),
        by_level={level: levels[level] for level in LEVELS},
        unannotated={level: unannotated[level] for level in PII_LEVELS},
        needs_review=sum(i.needs_review for i in inventory),
        exposures=len(exposures),
        findings_by_rule={rule: rules[rule] for rule in sorted({*all_checks(), *rules})},
        findings_by_severity={severity: severities[severity] for severity in SEVERITIES},
    )
