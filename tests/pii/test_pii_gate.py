"""The PII gate: new or changed fields at/above fail_on without an annotation."""

from __future__ import annotations

from pii_helpers import tree_of

from pii_detector.gate import gate_findings
from pii_detector.levels import Sensitivity

BASE = """
message Customer {
  string id = 1;
  string email = 2;
  int32 age_years = 3;
}
"""
HEAD = """
import "pii/v1/pii.proto";
message Customer {
  string id = 1;
  string email = 2;
  string age_years = 3;
  string ssn = 4;
  string passport_number = 5 [(pii.v1.sensitivity) = HIGH];
  string nickname = 6;
  string iban = 7 [deprecated = true];
}
"""
FILE = "acme/test/v1/test.proto"


def test_a_new_high_field_without_annotation_blocks_with_the_option_line() -> None:
    findings = gate_findings(tree_of(BASE), tree_of(HEAD), [FILE], "HIGH")
    assert [f.field_path for f in findings] == ["Customer.ssn", "Customer.iban"]
    ssn = findings[0]
    assert ssn.change == "added"
    assert ssn.option_line == "[(pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = SSN]"
    assert (
        ssn.suggestion == "string ssn = 4 [(pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = SSN];"
    )
    assert (ssn.file, ssn.line, ssn.element) == (FILE, 11, "acme.test.v1.Customer.ssn")
    assert "add [(pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = SSN]" in ssn.message
    iban = findings[1]
    assert iban.suggestion == (
        "string iban = 7 [<existing options>, (pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = BANK_ACCOUNT];"
    )


def test_a_hand_written_pii_type_is_not_suggested_twice() -> None:
    # `(pii.v1.pii_type)` is not repeated: suggesting it again gave a file buf rejects.
    head = HEAD.replace("string ssn = 4;", "string ssn = 4 [(pii.v1.pii_type) = SSN];")
    ssn = gate_findings(tree_of(BASE), tree_of(head), [FILE], "HIGH")[0]
    assert ssn.field_path == "Customer.ssn"
    assert ssn.option_line == "[(pii.v1.sensitivity) = HIGH]"
    assert ssn.suggestion == "string ssn = 4 [<existing options>, (pii.v1.sensitivity) = HIGH];"


def test_fail_on_lower_levels_includes_changed_fields() -> None:
    findings = gate_findings(tree_of(BASE), tree_of(HEAD), [FILE], Sensitivity.MEDIUM)
    by_path = {f.field_path: f.change for f in findings}
    assert by_path == {
        "Customer.age_years": "changed",
        "Customer.ssn": "added",
        "Customer.iban": "added",
    }
    low = {f.field_path for f in gate_findings(tree_of(BASE), tree_of(HEAD), [FILE], "LOW")}
    assert "Customer.nickname" in low and "Customer.id" not in low  # id is unchanged


def test_explicit_field_elements_count_as_changed() -> None:
    findings = gate_findings(
        tree_of(BASE), tree_of(HEAD), ["acme.test.v1.Customer.email"], "MEDIUM"
    )
    assert [(f.field_path, f.change) for f in findings] == [("Customer.email", "changed")]


def test_a_removed_annotation_is_a_change() -> None:
    base = (
        'import "pii/v1/pii.proto";\nmessage U { string ssn = 1 [(pii.v1.sensitivity) = HIGH]; }\n'
    )
    head = "message U { string ssn = 1; }\n"
    findings = gate_findings(tree_of(base), tree_of(head), [FILE], "HIGH")
    assert [(f.field_path, f.change) for f in findings] == [("U.ssn", "changed")]


def test_no_base_means_everything_is_new_and_none_means_every_file() -> None:
    findings = gate_findings(None, tree_of(HEAD), None, "HIGH")
    assert {f.change for f in findings} == {"added"}
    assert len(findings) == 2


def test_unrelated_files_and_messages_are_ignored() -> None:
    assert gate_findings(tree_of(BASE), tree_of(HEAD), ["other/file.proto"], "HIGH") == []
    assert gate_findings(tree_of(BASE), tree_of(HEAD), ["acme.test.v1.Other"], "HIGH") == []
    by_message = gate_findings(tree_of(BASE), tree_of(HEAD), ["acme.test.v1.Customer"], "HIGH")
    assert len(by_message) == 2


# ---- only what the classification is sure of blocks --------------------------------------

DOUBTFUL_BASE = """
message Patient {
  string first_name = 1;
  string mrn = 2;
}
message Credentials {
  string password = 1;
}
message Sink {
  string name = 1;
}
"""
DOUBTFUL_HEAD = """
message Patient {
  string first_name = 1;
  string mrn = 2;
  string qtc_interval = 3;
  string ssn = 4;
}
message Credentials {
  string password = 1;
}
message Sink {
  string name = 1;
  Credentials credentials = 2;
}
"""


def _by_path(findings):  # type: ignore[no-untyped-def]
    return {f.field_path: f for f in findings}


def test_a_doubtful_guess_is_a_warning_and_a_certain_one_blocks() -> None:
    found = _by_path(gate_findings(tree_of(DOUBTFUL_BASE), tree_of(DOUBTFUL_HEAD), [FILE], "HIGH"))
    assert found["Patient.ssn"].blocking
    # An unfamiliar clinical term in a patient record: HIGH, but the rules are not sure.
    clinical = found["Patient.qtc_interval"]
    assert not clinical.blocking and "not sure" in (clinical.why_not_blocking or "")
    assert "pii.fail_on_review" in (clinical.why_not_blocking or "")


def test_fail_on_review_makes_a_doubtful_new_field_block() -> None:
    findings = gate_findings(
        tree_of(DOUBTFUL_BASE), tree_of(DOUBTFUL_HEAD), [FILE], "HIGH", fail_on_review=True
    )
    assert _by_path(findings)["Patient.qtc_interval"].blocking


def test_a_field_holding_a_message_with_secrets_inside_does_not_block() -> None:
    """`Sink.credentials` adds no personal-data field: `Credentials.password` is where the
    annotation belongs, and it is judged on its own when it is added."""
    found = _by_path(gate_findings(tree_of(DOUBTFUL_BASE), tree_of(DOUBTFUL_HEAD), [FILE], "HIGH"))
    inherited = found.get("Sink.credentials")
    assert inherited is None or not inherited.blocking
    if inherited is not None:
        assert "message type it holds" in (inherited.why_not_blocking or "")


def test_a_needs_review_field_below_fail_on_is_a_warning_that_says_how_to_declare_it() -> None:
    base = tree_of("message Customer { string customer_id = 1; }")
    head = tree_of("message Customer { string customer_id = 1; string favourite_quark = 2; }")
    [warning] = gate_findings(base, head, [FILE], "HIGH")
    assert warning.field_path == "Customer.favourite_quark" and not warning.blocking
    assert warning.option_line == "[(pii.v1.sensitivity) = PUBLIC]"
    assert f"add {warning.option_line}" in warning.message
    assert "pii.fail_on_review: true makes it block" in (warning.why_not_blocking or "")
    [blocking] = gate_findings(base, head, [FILE], "HIGH", fail_on_review=True)
    assert blocking.blocking
    declared = tree_of(
        'import "pii/v1/pii.proto";\nmessage Customer { string customer_id = 1; '
        "string favourite_quark = 2 [(pii.v1.sensitivity) = PUBLIC]; }"
    )
    assert gate_findings(base, declared, [FILE], "HIGH", fail_on_review=True) == []
