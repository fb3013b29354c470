"""SARIF 2.1.0 rendering of a verdict, for GitHub code scanning (`upload-sarif`).

One `reportingDescriptor` per rule that has a result, described from the rule catalogue
(`compat_checker.rules.catalogue`: the registry's diff rules and the IDs the gate's other
layers use, `BUF_<RULE>` included), with the text `protoguard explain` shows. Suppressed
findings are kept, with a SARIF `suppressions` entry carrying the reason, so code scanning
shows them as dismissed instead of losing them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compat_checker.findings import Category, Change, Severity, Verdict
from compat_checker.report.github import finding_text
from compat_checker.rules.catalogue import RuleDoc, describe_rule, help_markdown
from compat_checker.rules.registry import Rule
from compat_checker.verdict import blocks

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
# Code scanning ranks alerts tagged `security` by this score (0-10); PII exposure is the
# security-relevant part of what protoguard reports.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
# A stable per-finding fingerprint (rule + element, hashed), so an alert survives the
# field moving a few lines.
FINGERPRINT_KEY = "protoguardFindingId/v1"


def result_level(change: Change, fail_on: str) -> str:
    """`error` for what blocks the deploy (or would, were it not suppressed), `warning`
    for the rest, `note` for INFO."""
    if blocks(change.model_copy(update={"suppressed": None}), fail_on):
        return "error"
    return "note" if change.severity == Severity.INFO else "warning"


def _tags(category: Category, breaking: bool) -> list[str]:
    tags = ["protobuf", category.value.lower(), "breaking-change" if breaking else "warning"]
    if category == Category.PII:
        tags += ["security", "privacy"]
    return tags


def _descriptor(rule_id: str, doc: RuleDoc | None, example: Change, fail_on: str) -> dict[str, Any]:
    if doc is not None:
        category, severity, breaking = doc.category, doc.severity, doc.breaking
        descriptor: dict[str, Any] = {
            "id": rule_id,
            "name": rule_id,
            "shortDescription": {"text": doc.doc},
            "fullDescription": {"text": f"{doc.doc} {doc.explanation}".strip()},
            "help": {
                "text": f"{doc.doc}\n\nHow to ship it safely: {doc.fix}",
                "markdown": help_markdown(doc),
            },
        }
    else:
        # An ID no catalogue knows (a `rules` mapping without it): describe it from the
        # finding itself, which is all there is to go on.
        category, severity, breaking = example.category, example.severity, example.is_breaking
        origin = "+".join(source.value for source in example.sources) or "protoguard"
        text = f"{category.value} finding reported by {origin}"
        descriptor = {"id": rule_id, "name": rule_id, "shortDescription": {"text": text}}
        if example.recommendation:
            descriptor["help"] = {"text": example.recommendation}
    breaks = breaking and (fail_on == "breaking" or severity.at_least(Severity(fail_on)))
    level = "error" if breaks else ("note" if severity == Severity.INFO else "warning")
    descriptor["defaultConfiguration"] = {"level": level}
    properties: dict[str, Any] = {
        "category": category.value,
        "severity": severity.value,
        "breaking": breaking,
        "tags": _tags(category, breaking),
    }
    if category == Category.PII:
        properties["security-severity"] = _SECURITY_SEVERITY[severity]
    descriptor["properties"] = properties
    return descriptor


def _location(change: Change, path_prefix: str) -> dict[str, Any]:
    prefix = path_prefix.strip("/")
    uri = f"{prefix}/{change.file}" if prefix and prefix != "." else change.file
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}
    # Code scanning needs a region; a file-level finding (line 0) points at the file's top.
    region: dict[str, Any] = {"startLine": max(change.line, 1)}
    if change.line and change.column:
        region["startColumn"] = change.column
    physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if change.element:
        location["logicalLocations"] = [{"fullyQualifiedName": change.element}]
    return location


def _result(change: Change, rule_index: int, fail_on: str, path_prefix: str) -> dict[str, Any]:
    text = finding_text(change)
    if change.recommendation:
        text += f"\nHow to ship it safely: {change.recommendation}"
    result: dict[str, Any] = {
        "ruleId": change.rule,
        "ruleIndex": rule_index,
        "level": result_level(change, fail_on),
        "message": {"text": text},
        "locations": [_location(change, path_prefix)],
        "partialFingerprints": {FINGERPRINT_KEY: change.id},
        "properties": {
            "severity": change.severity.value,
            "category": change.category.value,
            "breaking": change.is_breaking,
            "element": change.element,
            "sources": [source.value for source in change.sources],
            "potential": change.potential,
        },
    }
    if change.suppressed is not None:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": change.suppressed}
        ]
    return result


def render_sarif(
    verdict: Verdict, rules: Mapping[str, Rule], *, path_prefix: str = ""
) -> dict[str, Any]:
    """The SARIF log (a JSON-ready dict) for one verdict.

    `rules` is `compat_checker.rules.registry.all_rules()` (the gate's own rule IDs come
    from the catalogue next to it); `path_prefix` is the checked repository's directory
    relative to the uploaded checkout (findings are repo-relative).
    """
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results = []
    for change in verdict.changes:
        if change.rule not in index:
            index[change.rule] = len(descriptors)
            descriptors.append(
                _descriptor(change.rule, describe_rule(change.rule, rules), change, verdict.fail_on)
            )
        results.append(_result(change, index[change.rule], verdict.fail_on, path_prefix))
    driver: dict[str, Any] = {"name": verdict.tool, "rules": descriptors}
    if verdict.tool_version:
        driver["version"] = verdict.tool_version
        driver["semanticVersion"] = verdict.tool_version
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": "protoguard/"},
        "invocations": [{"executionSuccessful": True}],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {
            "canDeploy": verdict.can_deploy,
            "overallSeverity": verdict.overall_severity.value,
            "failOn": verdict.fail_on,
            "base": verdict.base.model_dump(mode="json"),
            "head": verdict.head.model_dump(mode="json"),
        },
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}
