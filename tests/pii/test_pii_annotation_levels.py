"""Groups and extensions, several PII types per field, under-annotated fields and renamed
fields in the gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pii_helpers import buf_build, tree_of

from compat_checker.pii_gate import analyze_change, field_counterparts
from pii_detector.analysis import analyze_tree
from pii_detector.annotate import annotate_file
from pii_detector.cli import pii
from pii_detector.gate import gate_findings
from pii_detector.levels import PiiType, Sensitivity
from pii_detector.report import build_report, report_json
from protomodel.parse import build_tree

PATH = "acme/test/v1/legacy.proto"
PROTO2 = """syntax = "proto2";

package acme.test.v1;

import "google/protobuf/descriptor.proto";

// A customer of the legacy API.
message Customer {
  optional string id = 1;
  optional group Identity = 2 {
    optional string ssn = 3;
  }
  optional string email_or_phone = 4;
  extensions 100 to 200;
}

extend Customer {
  optional string passport_number = 100;
}

// Declares an option: schema metadata, not data about a person.
extend google.protobuf.FieldOptions {
  optional string secret_key = 50001;
}
"""


def analyzed(text: str, path: str = PATH):
    tree = build_tree({path: text})
    return tree, analyze_tree(tree)


def test_groups_and_extensions_are_classified_in_their_message() -> None:
    _, analysis = analyzed(PROTO2)
    levels = {f.element: f.sensitivity for f in analysis.fields}
    assert levels["acme.test.v1.Customer.Identity.ssn"] == Sensitivity.HIGH
    assert levels["acme.test.v1.Customer.identity"] == Sensitivity.HIGH  # the group field
    passport = analysis.field("acme.test.v1.passport_number")
    assert passport is not None and passport.message == "acme.test.v1.Customer"
    assert passport.pii_type == PiiType.PASSPORT
    assert "acme.test.v1.secret_key" not in levels  # an option declaration is not data
    messages = {m.element: m.sensitivity for m in analysis.messages}
    assert messages["acme.test.v1.Customer"] == Sensitivity.HIGH


def test_groups_and_extensions_are_annotated_idempotently_and_compile(tmp_path: Path) -> None:
    tree, analysis = analyzed(PROTO2)
    out = annotate_file(PROTO2, tree.files[PATH], analysis)
    assert out.skipped == []
    assert "optional group Identity = 2 [(pii.v1.sensitivity) = HIGH] {\n" in out.text
    assert "    option (pii.v1.message_sensitivity) = HIGH;\n    optional string ssn = 3 [" in (
        out.text
    )
    assert (
        "optional string passport_number = 100 "
        "[(pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = PASSPORT];"
    ) in out.text
    assert "optional string secret_key = 50001;\n" in out.text
    again_tree, again_analysis = analyzed(out.text)
    assert annotate_file(out.text, again_tree.files[PATH], again_analysis).text == out.text
    assert again_analysis.unannotated(Sensitivity.LOW) == []
    done = buf_build({PATH: out.text}, tmp_path)
    assert done.returncode == 0, done.stderr


def test_a_field_with_several_kinds_of_data_gets_every_type(tmp_path: Path) -> None:
    tree, analysis = analyzed(PROTO2)
    both = analysis.field("acme.test.v1.Customer.email_or_phone")
    assert both is not None
    assert (both.sensitivity, both.pii_type) == (Sensitivity.MEDIUM, PiiType.EMAIL_PERSONAL)
    assert both.pii_types == [PiiType.EMAIL_PERSONAL, PiiType.PHONE_PERSONAL]
    assert both.option_line == (
        "[(pii.v1.sensitivity) = MEDIUM, (pii.v1.pii_type) = EMAIL_PERSONAL, "
        "(pii.v1.pii_types) = EMAIL_PERSONAL, (pii.v1.pii_types) = PHONE_PERSONAL]"
    )
    entry = next(
        f for f in json.loads(report_json(build_report(analysis)))["fields"]
        if f["field_name"] == "email_or_phone"
    )  # fmt: skip
    assert entry["pii_types"] == ["EMAIL_PERSONAL", "PHONE_PERSONAL"]
    text = annotate_file(PROTO2, tree.files[PATH], analysis).text
    again = analyze_tree(build_tree({PATH: text})).field("acme.test.v1.Customer.email_or_phone")
    assert again is not None and again.annotated
    assert "(pii.v1.pii_types) = PHONE_PERSONAL" in (again.existing_annotation or "")


def test_a_single_kind_field_has_no_pii_types_key_in_the_report() -> None:
    _, analysis = analyzed(PROTO2)
    entry = next(
        f for f in json.loads(report_json(build_report(analysis)))["fields"]
        if f["field_name"] == "ssn"
    )  # fmt: skip
    assert not {"pii_types", "under_annotated", "annotated_sensitivity"} & set(entry)


UNDER = """syntax = "proto3";

package acme.test.v1;

import "pii/v1/pii.proto";

message Customer {
  string tax_id = 1 [(pii.v1.sensitivity) = LOW];
  string email = 2 [(pii.v1.sensitivity) = HIGH];
  string ssn = 3 [debug_redact = true];
}
"""


def test_an_annotation_below_the_classified_level_is_under_annotated() -> None:
    _, analysis = analyzed(UNDER)
    tax_id = analysis.field("acme.test.v1.Customer.tax_id")
    email = analysis.field("acme.test.v1.Customer.email")
    ssn = analysis.field("acme.test.v1.Customer.ssn")
    assert tax_id is not None and email is not None and ssn is not None
    assert tax_id.annotated and tax_id.under_annotated
    assert tax_id.annotated_sensitivity == Sensitivity.LOW
    assert not email.under_annotated  # annotated higher than needed: fine
    assert not ssn.under_annotated  # debug_redact states no level
    assert [f.field_name for f in analysis.under_annotated(Sensitivity.HIGH)] == ["tax_id"]
    report = json.loads(report_json(build_report(analysis)))
    assert report["schema_version"] == 1
    entry = next(f for f in report["fields"] if f["field_name"] == "tax_id")
    assert (entry["under_annotated"], entry["annotated_sensitivity"]) == (True, "LOW")
    assert entry["sensitivity"] == "HIGH"


def test_check_fails_on_an_under_annotated_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "customer.proto").write_text(UNDER)
    outcome = CliRunner().invoke(pii, ["scan", "customer.proto", "--check"])
    assert outcome.exit_code == 1
    assert "acme.test.v1.Customer.tax_id is HIGH but annotated LOW" in outcome.stderr
    fixed = UNDER.replace(
        "tax_id = 1 [(pii.v1.sensitivity) = LOW]", "tax_id = 1 [debug_redact = true]"
    )
    (tmp_path / "customer.proto").write_text(fixed)
    assert CliRunner().invoke(pii, ["scan", "customer.proto", "--check"]).exit_code == 0


def test_the_gate_blocks_a_new_under_annotated_field_at_or_above_fail_on() -> None:
    base = tree_of("message Customer { string name = 1; }\n")
    head = tree_of(
        'import "pii/v1/pii.proto";\n'
        "message Customer {\n"
        "  string name = 1;\n"
        "  string tax_id = 2 [(pii.v1.sensitivity) = LOW, deprecated = true];\n"
        "  string email = 3 [(pii.v1.sensitivity) = LOW];\n"
        "}\n"
    )
    (finding,) = gate_findings(base, head, None, "HIGH")
    assert (finding.field_path, finding.problem) == ("Customer.tax_id", "under_annotated")
    assert finding.existing_annotation == "(pii.v1.sensitivity) = LOW"
    assert "annotated LOW" in finding.message
    assert finding.suggestion == (
        "string tax_id = 2 [<other existing options>, "
        "(pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = TAX_ID];"
    )
    medium = gate_findings(base, head, None, "MEDIUM")
    assert {f.field_path for f in medium} == {"Customer.tax_id", "Customer.email"}


def test_lowering_an_annotation_is_a_change_the_gate_sees() -> None:
    base = tree_of(
        'import "pii/v1/pii.proto";\n'
        "message Customer { string tax_id = 1 [(pii.v1.sensitivity) = HIGH]; }\n"
    )
    head = tree_of(
        'import "pii/v1/pii.proto";\n'
        "message Customer { string tax_id = 1 [(pii.v1.sensitivity) = MEDIUM]; }\n"
    )
    (finding,) = gate_findings(base, head, [PATH.replace("legacy", "test")], "HIGH")
    assert (finding.change, finding.problem) == ("changed", "under_annotated")


RENAME_BASE = """
import "pii/v1/pii.proto";
message Customer {
  string ssn = 1 [(pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = SSN];
  string note = 2;
}
"""


def test_a_renamed_annotated_field_keeps_its_annotation_status(tmp_path: Path) -> None:
    base = tree_of(RENAME_BASE)
    head = tree_of(
        RENAME_BASE.replace("string ssn = 1", "string social_security_number = 1").replace(
            "string note = 2", "string tax_id = 2"
        )
    )
    counterparts = field_counterparts(base, head)
    assert counterparts["acme.test.v1.Customer.social_security_number"].name == "ssn"
    assert counterparts["acme.test.v1.Customer.tax_id"].name == "note"
    analysis, changes = analyze_change(
        base, head, fail_on="HIGH", overrides_file=tmp_path / "none.yaml", ask=None
    )
    assert analysis.field("acme.test.v1.Customer.social_security_number").annotated  # type: ignore[union-attr]
    (change,) = changes  # the renamed annotated field does not block; the renamed note does
    assert change.element == "acme.test.v1.Customer.tax_id"
    assert change.rule == "PII_UNANNOTATED"
    assert "renamed field Customer.tax_id (was `note`)" in change.message


def test_a_renamed_field_that_loses_its_annotation_blocks_as_changed() -> None:
    base = tree_of(RENAME_BASE)
    head = tree_of(
        RENAME_BASE.replace(
            "string ssn = 1 [(pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = SSN];",
            "string national_id = 1;",
        )
    )
    findings = gate_findings(base, head, None, "HIGH", counterparts=field_counterparts(base, head))
    (finding,) = findings
    assert (finding.field_path, finding.change, finding.renamed_from) == (
        "Customer.national_id", "changed", "ssn",
    )  # fmt: skip
