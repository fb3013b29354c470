"""A team's first hour with protoguard on its own repository (issue #16): every suggested
fix works the first time, and every bad input is one line with exit code 2.

Each test runs the real `protoguard` command in a real git repository in a tmp dir, with
the real buf."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROTOGUARD = str(Path(sys.executable).parent / "protoguard")
BUF = str(Path(sys.executable).parent / "buf")

BUF_YAML = "version: v2\nmodules:\n  - path: proto\n"
CUSTOMER = """syntax = "proto3";

package shop.v1;

import "google/api/annotations.proto";

// A customer of the shop.
message Customer {
  string id = 1;
  string display_name = 2;
}

message GetCustomerRequest {
  string id = 1;
}

service CustomerService {
  rpc GetCustomer(GetCustomerRequest) returns (Customer) {
    option (google.api.http) = {get: "/v1/customers/{id}"};
  }
}
"""
CUSTOMER_PATH = "proto/shop/v1/customer.proto"


def run(cwd: Path, *args: str, command: str = PROTOGUARD) -> subprocess.CompletedProcess[str]:
    return subprocess.run([command, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    return lines[0]


def add_tax_id(repo: Path, declaration: str = "  string tax_id = 3;") -> None:
    text = (repo / CUSTOMER_PATH).read_text()
    (repo / CUSTOMER_PATH).write_text(
        text.replace("  string display_name = 2;\n", f"  string display_name = 2;\n{declaration}\n")
    )


def verdict(done: subprocess.CompletedProcess[str]) -> dict:
    return json.loads(done.stdout)


# ---- the PII fix works the first time ---------------------------------------------------


def test_the_suggested_pii_fix_compiles_without_vendoring_the_options(repo: Path) -> None:
    add_tax_id(repo)
    blocked = run(repo, "check", "--against", "main", "--no-llm", "--format", "json")
    assert blocked.returncode == 1
    [finding] = [c for c in verdict(blocked)["changes"] if c["rule"] == "PII_UNANNOTATED"]
    assert 'import "pii/v1/pii.proto";' in finding["recommendation"]
    assert "protoguard pii init" in finding["recommendation"]

    # Do what the fix says, and nothing else: no copy of pii.proto in the repository.
    text = (repo / CUSTOMER_PATH).read_text()
    text = text.replace(
        'import "google/api/annotations.proto";',
        'import "google/api/annotations.proto";\nimport "pii/v1/pii.proto";',
    ).replace("  string tax_id = 3;", "  " + finding["after"])
    (repo / CUSTOMER_PATH).write_text(text)
    fixed = run(repo, "check", "--against", "main", "--no-llm", "--format", "json")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    layers = {layer["name"]: layer["status"] for layer in verdict(fixed)["layers"]}
    assert layers["buf"] == "ran"  # built with the bundled options, not a parser fallback
    assert not any(c["rule"] == "HEAD_DOES_NOT_COMPILE" for c in verdict(fixed)["changes"])


def test_the_pii_fix_for_a_field_with_options_is_the_exact_line_to_paste(repo: Path) -> None:
    declared = "string tax_id = 3 [(google.api.field_behavior) = OPTIONAL];"
    add_tax_id(repo, "  " + declared)
    text = (repo / CUSTOMER_PATH).read_text()
    (repo / CUSTOMER_PATH).write_text(
        text.replace(
            'import "google/api/annotations.proto";',
            'import "google/api/annotations.proto";\nimport "google/api/field_behavior.proto";',
        )
    )
    blocked = run(repo, "check", "--against", "main", "--no-llm", "--format", "json")
    assert blocked.returncode == 1
    [finding] = [c for c in verdict(blocked)["changes"] if c["rule"] == "PII_UNANNOTATED"]
    assert finding["after"] == (
        "string tax_id = 3 [(google.api.field_behavior) = OPTIONAL, "
        "(pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = TAX_ID];"
    )
    assert "to its options" in finding["message"] and "<existing" not in finding["recommendation"]

    text = (repo / CUSTOMER_PATH).read_text()
    (repo / CUSTOMER_PATH).write_text(
        text.replace(
            'import "google/api/annotations.proto";',
            'import "google/api/annotations.proto";\nimport "pii/v1/pii.proto";',
        ).replace(declared, finding["after"])
    )
    fixed = run(repo, "check", "--against", "main", "--no-llm", "--format", "json")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert {layer["name"]: layer["status"] for layer in verdict(fixed)["layers"]}["buf"] == "ran"


def test_pii_init_writes_the_options_at_the_module_root(repo: Path) -> None:
    done = run(repo, "pii", "init")
    assert done.returncode == 0, done.stderr
    written = repo / "proto/pii/v1/pii.proto"
    assert written.is_file()
    assert "git add proto/pii/v1/pii.proto" in done.stdout
    again = run(repo, "pii", "init")
    assert again.returncode == 0 and "nothing to do" in again.stdout

    written.write_text(written.read_text() + "// edited\n")
    line = one_error_line(run(repo, "pii", "init"))
    assert "differs from protoguard's PII options" in line and "--force" in line
    assert run(repo, "pii", "init", "--force").returncode == 0
    assert "// edited" not in written.read_text()


def test_the_file_pii_scan_annotates_compiles_as_written(repo: Path) -> None:
    add_tax_id(repo)
    done = run(repo, "pii", "scan", CUSTOMER_PATH, "--output", CUSTOMER_PATH)
    assert done.returncode == 0, done.stderr
    assert "(pii.v1.pii_type) = TAX_ID" in (repo / CUSTOMER_PATH).read_text()
    assert (repo / "proto/pii/v1/pii.proto").is_file()  # what the annotations import
    # googleapis is a remote dep in real repositories; give plain buf a local copy here.
    from protomodel.bundled import bundled_import

    for imported in (
        "google/api/annotations.proto",
        "google/api/http.proto",
    ):
        target = repo / "proto" / imported
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(bundled_import(imported) or "")
    built = run(repo, "build", command=BUF)
    assert built.returncode == 0, built.stderr


def test_pii_scan_keeps_crlf_line_endings_and_a_bom(repo: Path) -> None:
    source = "\ufeff" + CUSTOMER.replace(
        "  string id = 1;\n}", "  string id = 1;\n  string ssn = 9;\n}", 1
    )
    path = repo / CUSTOMER_PATH
    path.write_bytes(source.replace("\n", "\r\n").encode("utf-8"))
    done = run(repo, "pii", "scan", CUSTOMER_PATH, "--output", CUSTOMER_PATH)
    assert done.returncode == 0, done.stderr
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"(pii.v1.pii_type) = SSN" in data
    assert data.count(b"\n") == data.count(b"\r\n")  # no line lost its CR
    for line in ('syntax = "proto3";', "package shop.v1;", "  rpc GetCustomer("):
        assert line.encode() in data  # untouched lines keep their bytes and their CR
    assert b'\xef\xbb\xbfsyntax = "proto3";\r\n' in data


# ---- bad input: one line, exit 2 ---------------------------------------------------------


def test_pii_scan_of_a_file_that_is_not_utf8(repo: Path) -> None:
    (repo / "proto/latin1.proto").write_bytes(b'syntax = "proto3";\n// caf\xe9\nmessage A {}\n')
    line = one_error_line(run(repo, "pii", "scan", "proto/latin1.proto"))
    assert "proto/latin1.proto: not UTF-8 text (byte 0xe9 at offset 25)" in line


def test_against_a_missing_directory(repo: Path) -> None:
    line = one_error_line(run(repo, "check", "--against", "./old-tree", "--no-llm"))
    assert line == "protoguard: error: --against ./old-tree: no such directory"


def test_against_the_proto_root_as_with_buf(repo: Path, tmp_path: Path) -> None:
    """`--against old/proto` (the module, as one passes it to buf) lines up with `proto/`."""
    old = tmp_path / "old"
    old.mkdir()
    archive = subprocess.run(
        ["git", "archive", "main"], cwd=repo, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
    add_tax_id(repo, "  string nickname = 3;")
    for against in (str(old), str(old / "proto")):
        done = run(repo, "check", "--against", against, "--no-llm", "--format", "json")
        assert done.returncode == 0, done.stdout + done.stderr
        rules = {c["rule"] for c in verdict(done)["changes"]}
        assert not rules & {"FILE_MOVED", "FILE_REMOVED", "FILE_ADDED"}, rules
        assert [f["path"] for f in verdict(done)["files"]] == [CUSTOMER_PATH]


def test_one_symlink_loop_does_not_stop_an_audit_or_a_scan(repo: Path) -> None:
    (repo / "proto/a.proto").symlink_to("b.proto")
    (repo / "proto/b.proto").symlink_to("a.proto")
    add_tax_id(repo)
    audit = run(repo, "audit", "proto", "--json", "audit.json", "--no-history")
    assert audit.returncode in (0, 1), audit.stderr
    assert "warning: proto/a.proto: a symlink loop: skipped" in audit.stderr
    report = json.loads((repo / "audit.json").read_text())
    assert report["files"] == [CUSTOMER_PATH]
    assert {entry["file"] for entry in report["skipped"]} == {"proto/a.proto", "proto/b.proto"}
    scan = run(repo, "pii", "scan", "proto")
    assert scan.returncode == 0, scan.stderr
    assert "TAX_ID" in scan.stdout
    assert "symlink loop" in scan.stderr


def test_audit_fails_on_a_file_it_cannot_parse_unless_told_to_skip_it(repo: Path) -> None:
    (repo / "proto/broken.proto").write_text('syntax = "proto3";\nmessage {}\n')
    line = one_error_line(run(repo, "audit", "proto", "--no-history"))
    assert "1 file(s) could not be audited" in line and "proto/broken.proto: 2:" in line
    assert "--skip-unparsable" in line
    skipped = run(repo, "audit", "proto", "--no-history", "--skip-unparsable", "--json", "a.json")
    assert skipped.returncode == 0, skipped.stderr
    assert "warning: proto/broken.proto: not audited:" in skipped.stderr
    assert [e["file"] for e in json.loads((repo / "a.json").read_text())["errors"]] == [
        "proto/broken.proto"
    ]


def test_an_inline_ignore_without_a_reason_lets_nothing_through(repo: Path) -> None:
    text = (repo / CUSTOMER_PATH).read_text()
    (repo / CUSTOMER_PATH).write_text(
        text.replace(
            "// A customer of the shop.\nmessage Customer {\n  string id = 1;\n  string display_name = 2;\n}",
            "// A customer of the shop.\n// protoguard:ignore FIELD_REMOVED\nmessage Customer {\n  string id = 1;\n}",
        )
    )
    done = run(repo, "check", "--against", "main", "--no-llm", "--no-buf", "--format", "json")
    assert done.returncode == 1, done.stdout + done.stderr
    [removed] = [c for c in verdict(done)["changes"] if c["rule"] == "FIELD_REMOVED"]
    assert removed["suppressed"] is None
    assert "has no reason, so it does not apply" in removed["recommendation"]

    (repo / CUSTOMER_PATH).write_text(
        (repo / CUSTOMER_PATH)
        .read_text()
        .replace(
            "protoguard:ignore FIELD_REMOVED", "protoguard:ignore FIELD_REMOVED no client reads it"
        )
    )
    allowed = run(repo, "check", "--against", "main", "--no-llm", "--no-buf", "--format", "json")
    assert allowed.returncode == 0, allowed.stdout
    [removed] = [c for c in verdict(allowed)["changes"] if c["rule"] == "FIELD_REMOVED"]
    assert removed["suppressed"].startswith("no client reads it (inline protoguard:ignore")


def test_a_working_tree_audit_names_no_fake_commit(repo: Path) -> None:
    text = (repo / CUSTOMER_PATH).read_text()
    (repo / CUSTOMER_PATH).write_text(text.replace("  string display_name = 2;\n", ""))
    git(repo, "commit", "--quiet", "-am", "drop display_name")
    # The number taken again, uncommitted: the finding must not say "000000000000".
    (repo / CUSTOMER_PATH).write_text(
        text.replace("  string display_name = 2;\n", "  int64 loyalty_points = 2;\n")
    )
    done = run(repo, "audit", "proto", "--json", "a.json")
    report = json.loads((repo / "a.json").read_text())
    assert report["uncommitted"] is True
    messages = " ".join(f["message"] for f in report["findings"])
    assert "000000000000" not in messages + done.stderr
    assert "the working tree (uncommitted)" in messages


def test_text_output_is_not_wrapped_in_a_pipe(repo: Path) -> None:
    add_tax_id(repo)
    done = run(repo, "check", "--against", "main", "--no-llm", "--format", "text")
    assert done.returncode == 1
    fix = [line for line in done.stdout.splitlines() if line.strip().startswith("fix: Annotate")]
    assert len(fix) == 1 and fix[0].rstrip().endswith("for other tools)")
    env_width = os.environ.get("COLUMNS")
    assert env_width is None or len(fix[0]) > int(env_width)


def test_pii_scan_summary_is_not_wrapped_in_a_pipe(repo: Path) -> None:
    add_tax_id(repo, "  string tax_id = 3;\n  string home_address_line = 4;")
    done = run(repo, "pii", "scan", CUSTOMER_PATH, "--format", "text")
    assert done.returncode == 0, done.stderr
    [summary] = [line for line in done.stdout.splitlines() if " fields: " in line]
    assert summary.endswith("need review"), done.stdout
