"""The PII report JSON (schema_version 1)."""

from __future__ import annotations

import json

from pii_helpers import analyze
from test_pii_learned import CLIMBING

from pii_detector import learned
from pii_detector.analysis import analyze_tree
from pii_detector.report import build_report, report_json
from protomodel.parse import build_tree

BODY = """
message Customer { string name = 1; string ssn = 2; Inner inner = 3; }
message Inner { int32 count = 1; }
service S { rpc ListCustomers(Inner) returns (Customer); }
"""


def test_single_file_report_has_exactly_the_documented_keys() -> None:
    data = json.loads(report_json(build_report(analyze(BODY))))
    assert list(data) == [
        "schema_version", "file", "total_fields", "pii_fields", "fields", "messages", "methods",
        "summary", "disagreements", "layers",
    ]  # fmt: skip
    assert data["schema_version"] == 1
    assert (data["file"], data["total_fields"], data["pii_fields"]) == (
        "acme/test/v1/test.proto",
        4,
        2,
    )
    assert data["summary"] == {"HIGH": 1, "MEDIUM": 0, "LOW": 1, "PUBLIC": 2}
    ssn = data["fields"][1]
    assert list(ssn) == [
        "field_path", "element", "field_name", "message", "line", "type", "sensitivity", "pii_type",
        "annotated", "existing_annotation", "reasoning", "source",
    ]  # fmt: skip
    assert ssn | {"reasoning": None} == {
        "field_path": "Customer.ssn",
        "element": "acme.test.v1.Customer.ssn",
        "field_name": "ssn",
        "message": "acme.test.v1.Customer",
        "line": 6,
        "type": "string",
        "sensitivity": "HIGH",
        "pii_type": "SSN",
        "annotated": False,
        "existing_annotation": None,
        "reasoning": None,
        "source": "rules",
    }
    assert data["messages"] == [
        {"name": "Customer", "element": "acme.test.v1.Customer", "sensitivity": "HIGH"},
        {"name": "Inner", "element": "acme.test.v1.Inner", "sensitivity": "PUBLIC"},
    ]
    (method,) = data["methods"]
    assert (method["service"], method["method"], method["sensitivity"], method["audit_pii_access"]) == (
        "S", "ListCustomers", "HIGH", True,
    )  # fmt: skip
    assert "Customer.ssn" in method["exposure"]


def test_several_files_give_one_report_each_and_a_total() -> None:
    tree = build_tree(
        {
            "a/v1/a.proto": 'syntax = "proto3";\npackage a.v1;\nmessage A { string email = 1; }\n',
            "b/v1/b.proto": 'syntax = "proto3";\npackage b.v1;\nmessage B { string sku = 1; }\n',
        }
    )
    data = json.loads(report_json(build_report(analyze_tree(tree))))
    assert list(data) == ["schema_version", "files", "total", "layers"]
    assert all("layers" not in each for each in data["files"])  # said once, at the top
    assert [f["file"] for f in data["files"]] == ["a/v1/a.proto", "b/v1/b.proto"]
    assert data["total"] == {
        "files": 2,
        "total_fields": 2,
        "pii_fields": 1,
        "summary": {"HIGH": 0, "MEDIUM": 1, "LOW": 0, "PUBLIC": 1},
    }


DOUBTFUL = """
message Customer { string email = 1; string first_name = 2; string aura_colour = 3; }
"""


def test_a_field_that_needs_review_carries_the_flag_and_its_reason() -> None:
    data = json.loads(report_json(build_report(analyze(DOUBTFUL))))
    fields = {f["field_name"]: f for f in data["fields"]}
    assert data["schema_version"] == 1  # optional keys: older readers never see them
    doubtful = fields["aura_colour"]
    assert doubtful["needs_review"] is True
    assert doubtful["review_reason"] == "no rule places this field of a record about a person"
    assert list(doubtful)[-2:] == ["needs_review", "review_reason"]
    assert "needs_review" not in fields["email"] and "review_reason" not in fields["email"]


def test_the_report_says_which_layers_ran() -> None:
    data = json.loads(report_json(build_report(analyze(BODY))))
    assert data["layers"] == [
        {"name": "rules", "status": "ran", "detail": "4 fields classified, 0 need review"},
        {"name": "learned", "status": "skipped", "detail": "turned off: the rules alone"},
        {"name": "llm", "status": "skipped", "detail": "no LLM review asked for"},
    ]


def test_report_in_parts_is_the_same_text(monkeypatch) -> None:
    """`pii scan` writes large reports in pieces: their concatenation is `report_json`,
    for one file, several, a file without fields and none at all, across chunks."""
    from pii_detector import report as report_module
    from pii_detector.report import report_json_parts
    from pii_detector.results import PiiAnalysis

    monkeypatch.setattr(report_module, "_FIELDS_CHUNK", 2)  # several chunks per file
    several = build_tree(
        {
            "a/v1/a.proto": 'syntax = "proto3";\npackage a.v1;\n' + BODY,
            "b/v1/b.proto": 'syntax = "proto3";\npackage b.v1;\nmessage Empty {}\n',
            "c/v1/c.proto": 'syntax = "proto3";\npackage c.v1;\n'
            'message Note { string text = 1; // a "quoted" \\n comment\n }\n',
        }
    )
    reports = [
        build_report(analyze(BODY)),
        build_report(analyze("message Empty {}")),
        build_report(analyze_tree(several)),
        build_report(PiiAnalysis()),
    ]
    for report in reports:
        parts = list(report_json_parts(report))
        assert "".join(parts) == report_json(report)
    assert len(list(report_json_parts(reports[0]))) > 3  # the fields came in chunks


def test_the_learned_layer_counts_what_the_second_opinion_signed() -> None:
    model = learned.shipped()
    analysis = analyze(CLIMBING, learned=model)
    raised = [f.field_name for f in analysis.fields if f.rule == "LEARNED"]
    flagged = [
        f.field_name
        for f in analysis.fields
        if f.rule != "LEARNED" and "learned model" in (f.review_reason or "")
    ]
    assert "vertigo_episodes" in raised and "tattoo_descriptions" in flagged
    layer = json.loads(report_json(build_report(analysis, learned=model)))["layers"][1]
    assert layer == {
        "name": "learned",
        "status": "ran",
        "detail": f"second opinion where the rules are unsure: {len(raised)} raised, "
        f"{len(flagged)} flagged for review (model trained on labels {model.labels_sha256[:12]})",
    }
