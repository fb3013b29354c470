"""The annotation writer: insertions only, merged options, one import, idempotent, compiles."""

from __future__ import annotations

from pathlib import Path

from pii_helpers import OPTIONS_PROTO, buf_build, split_sources

from pii_detector.analysis import analyze_tree
from pii_detector.annotate import annotate_file, declaration_with_options, options_proto_text
from pii_detector.levels import Sensitivity
from protomodel.parse import build_tree

PATH = "acme/crm/v1/crm.proto"

SOURCE = """// CRM API.
syntax = "proto3";

package acme.crm.v1;

import "google/protobuf/timestamp.proto"; // for created_at

option java_multiple_files = true;

// A person we sell to.
message Customer {
  // Server-assigned.
  string id = 1;

  string email = 2; // primary contact
  string ssn = 3 [
    deprecated = true // moving to Identity
  ];
  string password = 4 [debug_redact = true];
  google.protobuf.Timestamp created_at = 5;
  /* The customer's nickname; "name = 9" in a comment must not match. */
  string nickname = 6;
  oneof contact {
    string home_phone = 7;
    string work_phone = 8;
  }
  map<string, string> labels = 9;
  repeated string emails = 10 [json_name = "allEmails"];

  message Note {
    string text = 1;
  }
}

message Empty {}

service Crm {
  // Look one up.
  rpc GetCustomer(GetCustomerRequest) returns (Customer); // trailing
  rpc Ping(Empty) returns (Empty);
  rpc ListCustomers(GetCustomerRequest) returns (stream Customer) {
    option deprecated = true;
  }
}

message GetCustomerRequest {
  string name = 1;
}
"""


def annotate(text: str, path: str = PATH) -> str:
    tree = build_tree({path: text})
    return annotate_file(text, tree.files[path], analyze_tree(tree)).text


def test_fields_get_options_and_existing_lists_are_merged() -> None:
    out = annotate(SOURCE)
    assert "string id = 1 [(pii.v1.sensitivity) = LOW, (pii.v1.pii_type) = CUSTOMER_ID];" in out
    assert (
        "string email = 2 [(pii.v1.sensitivity) = MEDIUM, (pii.v1.pii_type) = EMAIL_PERSONAL];"
        " // primary contact" in out
    )
    # An existing multi-line list is extended after its last option, before the comment.
    assert (
        "    deprecated = true, (pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = SSN // moving to Identity\n  ];"
        in out
    )
    assert "[debug_redact = true, (pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = PASSWORD]" in out
    assert (
        'repeated string emails = 10 [json_name = "allEmails", (pii.v1.sensitivity) = MEDIUM,'
        " (pii.v1.pii_type) = EMAIL_PERSONAL];" in out
    )
    assert "string home_phone = 7 [(pii.v1.sensitivity) = MEDIUM" in out
    assert (
        "string work_phone = 8 [(pii.v1.sensitivity) = LOW, (pii.v1.pii_type) = PHONE_WORK];" in out
    )
    assert "google.protobuf.Timestamp created_at = 5;" in out
    # Policy v2: a free-form map on a person is free text about them.
    assert (
        "map<string, string> labels = 9 [(pii.v1.sensitivity) = MEDIUM,"
        " (pii.v1.pii_type) = FREE_TEXT];" in out
    )
    assert '"name = 9" in a comment must not match. */' in out


def test_messages_and_methods_get_their_options() -> None:
    out = annotate(SOURCE)
    assert (
        "message Customer {\n  option (pii.v1.message_sensitivity) = HIGH;\n  // Server-assigned.\n"
        in out
    )
    assert "message Empty {}" in out  # PUBLIC: untouched
    assert (
        "  rpc GetCustomer(GetCustomerRequest) returns (Customer) {\n"
        "    option (pii.v1.method_sensitivity) = HIGH;\n"
        "    option (pii.v1.audit_pii_access) = true;\n"
        "  } // trailing\n" in out
    )
    assert "rpc Ping(Empty) returns (Empty);" in out
    assert (
        "returns (stream Customer) {\n"
        "    option (pii.v1.method_sensitivity) = HIGH;\n"
        "    option (pii.v1.audit_pii_access) = true;\n"
        "    option deprecated = true;\n" in out
    )


def test_the_import_is_added_once_after_the_last_import() -> None:
    out = annotate(SOURCE)
    assert out.count('import "pii/v1/pii.proto";') == 1
    assert (
        'import "google/protobuf/timestamp.proto"; // for created_at\nimport "pii/v1/pii.proto";'
        in out
    )
    assert annotate(out) == out


def test_only_insertions_are_made() -> None:
    out = annotate(SOURCE)
    # Removing what was inserted gives back the original, character for character.
    remaining = iter(out)
    assert all(ch in remaining for ch in SOURCE)
    assert len(out.splitlines()) > len(SOURCE.splitlines())


def test_annotating_twice_changes_nothing() -> None:
    once = annotate(SOURCE)
    assert annotate(once) == once


def test_import_goes_after_package_or_syntax_when_there_are_no_imports() -> None:
    with_package = 'syntax = "proto3";\npackage acme.crm.v1;\nmessage U { string ssn = 1; }\n'
    assert annotate(with_package).startswith(
        'syntax = "proto3";\npackage acme.crm.v1;\n\nimport "pii/v1/pii.proto";\nmessage U {'
    )
    no_package = 'syntax = "proto3";\n\nmessage U { string ssn = 1; }\n'
    out = annotate(no_package)
    assert out.startswith('syntax = "proto3";\n\nimport "pii/v1/pii.proto";\n\nmessage U {')
    assert "message U { option (pii.v1.message_sensitivity) = HIGH; string ssn = 1 [" in out


def test_an_existing_import_is_not_duplicated() -> None:
    text = 'syntax = "proto3";\npackage acme.crm.v1;\nimport "pii/v1/pii.proto";\nmessage U { string ssn = 1; }\n'
    assert annotate(text).count('import "pii/v1/pii.proto"') == 1


def test_nothing_to_annotate_leaves_the_file_untouched() -> None:
    text = 'syntax = "proto3";\npackage acme.crm.v1;\nmessage Product { string sku = 1; }\n'
    assert annotate(text) == text


def test_tabs_and_crlf_are_kept() -> None:
    text = 'syntax = "proto3";\r\npackage acme.crm.v1;\r\nmessage U {\r\n\tstring ssn = 1;\r\n}\r\n'
    out = annotate(text)
    assert "\r\n\toption (pii.v1.message_sensitivity) = HIGH;\r\n\tstring ssn = 1 [" in out
    assert "\n" not in out.replace("\r\n", "")


def test_annotated_output_compiles_with_buf(tmp_path: Path) -> None:
    out = annotate(SOURCE)
    done = buf_build({PATH: out}, tmp_path)
    assert done.returncode == 0, done.stderr


def test_eval_apis_compile_after_annotation(tmp_path: Path) -> None:
    sources = split_sources("dev")
    tree = build_tree(sources)
    analysis = analyze_tree(tree)
    annotated = {}
    for path, text in sources.items():
        result = annotate_file(text, tree.files[path], analysis.for_file(path))
        assert result.skipped == [], result.skipped
        annotated[path] = result.text
    done = buf_build(annotated, tmp_path)
    assert done.returncode == 0, done.stderr
    again = build_tree(annotated)
    reanalysis = analyze_tree(again)
    assert reanalysis.unannotated(Sensitivity.LOW) == []


def test_the_packaged_options_proto_is_the_repository_one() -> None:
    assert options_proto_text() == OPTIONS_PROTO.read_text()


def test_a_declaration_with_its_own_options_gets_the_exact_line_or_nothing() -> None:
    text = (
        'syntax = "proto3";\r\npackage acme.v1;\r\nmessage M {\r\n'
        "  string a = 1 [deprecated = true /* old */];\r\n"
        "  string b = 2 [\r\n    deprecated = true\r\n  ];\r\n"
        "  string d = 4; string c = 3 [deprecated = true];\r\n}\r\n"
    )
    fields = {f.name: f for f in build_tree({"m.proto": text}).files["m.proto"].messages[0].fields}
    add = ["(pii.v1.sensitivity) = HIGH"]
    assert (
        declaration_with_options(text, fields["a"], add)
        == "string a = 1 [deprecated = true, (pii.v1.sensitivity) = HIGH /* old */];"
    )
    assert declaration_with_options(text, fields["b"], add) is None  # spans lines
    assert (  # the declaration alone, where another shares its line
        declaration_with_options(text, fields["c"], add)
        == "string c = 3 [deprecated = true, (pii.v1.sensitivity) = HIGH];"
    )
