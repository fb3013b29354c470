"""`protoguard pii scan` and `protoguard pii correct` (the click group on its own)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pii_helpers import buf_build

from pii_detector.cli import pii

ACCOUNT = """syntax = "proto3";

package acme.accounts.v1;

import "acme/common/v1/address.proto";

// An account holder.
message Account {
  string id = 1;
  string nickname = 2;
  string ssn = 3;
  acme.common.v1.Address home = 4;
}

message ListAccountsRequest { int32 page_size = 1; }
message ListAccountsResponse { repeated Account accounts = 1; }

service Accounts {
  rpc ListAccounts(ListAccountsRequest) returns (ListAccountsResponse);
}
"""
ADDRESS = """syntax = "proto3";

package acme.common.v1;

message Address {
  string street = 1;
  string city = 2;
}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    api = tmp_path / "api"
    (api / "acme" / "accounts" / "v1").mkdir(parents=True)
    (api / "acme" / "common" / "v1").mkdir(parents=True)
    (api / "buf.yaml").write_text("version: v2\n")
    (api / "acme" / "accounts" / "v1" / "account.proto").write_text(ACCOUNT)
    (api / "acme" / "common" / "v1" / "address.proto").write_text(ADDRESS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("USER", "tester")
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    outcome = CliRunner().invoke(pii, list(args))
    return outcome.exit_code, outcome.stdout, outcome.stderr


ACCOUNT_PATH = "api/acme/accounts/v1/account.proto"


def test_scan_one_file_writes_report_and_annotated_output(repo: Path) -> None:
    code, out, _ = run("scan", ACCOUNT_PATH, "--json", "report.json", "--output", "annotated.proto")
    assert code == 0
    assert "Account.ssn" in out
    report = json.loads((repo / "report.json").read_text())
    assert report["file"] == ACCOUNT_PATH and report["schema_version"] == 1
    fields = {f["field_path"]: f for f in report["fields"]}
    assert fields["Account.home"]["sensitivity"] == "MEDIUM"  # imported message resolved
    annotated = (repo / "annotated.proto").read_text()
    assert "string ssn = 3 [(pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = SSN];" in annotated
    assert 'import "acme/common/v1/address.proto";\nimport "pii/v1/pii.proto";\n' in annotated


def test_scan_a_directory_with_annotate_dir_compiles_with_buf(repo: Path, tmp_path: Path) -> None:
    code, out, _ = run("scan", "api", "--annotate-dir", "out", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [f["file"] for f in data["files"]] == [ACCOUNT_PATH, "api/acme/common/v1/address.proto"]
    written = {
        p.relative_to(repo / "out").as_posix(): p.read_text()
        for p in (repo / "out").rglob("*.proto")
    }
    assert set(written) == {
        "acme/accounts/v1/account.proto", "acme/common/v1/address.proto", "pii/v1/pii.proto",
    }  # fmt: skip
    done = buf_build({k: v for k, v in written.items() if k != "pii/v1/pii.proto"}, tmp_path / "b")
    assert done.returncode == 0, done.stderr


def test_check_exits_1_on_unannotated_fields_at_or_above_fail_on(repo: Path) -> None:
    code, _, err = run("scan", ACCOUNT_PATH, "--check")
    assert code == 1
    assert "acme.accounts.v1.Account.ssn is HIGH without annotation" in err
    run("scan", ACCOUNT_PATH, "--output", ACCOUNT_PATH)  # annotate in place
    assert run("scan", ACCOUNT_PATH, "--check")[0] == 0
    assert run("scan", "api", "--check", "--fail-on", "MEDIUM")[0] == 1  # Address.street


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("scan", "missing.proto"), "Error: missing.proto: no such file or directory"),
        (("scan",), "Error: give at least one .proto file or directory to scan"),
        (
            ("scan", ACCOUNT_PATH, "--fail-on", "SEVERE"),
            "Error: --fail-on: unknown sensitivity 'SEVERE'",
        ),
        (
            ("scan", ACCOUNT_PATH, "--fail-on", "PUBLIC"),
            "Error: --fail-on must be LOW, MEDIUM or HIGH",
        ),
        (
            ("scan", ACCOUNT_PATH, "--format", "xml"),
            "Error: --format must be text or json, not 'xml'",
        ),
        (("scan", "api", "--output", "x.proto"), "Error: --output needs exactly one input file"),
        (("correct", "acme.X.y", "--sensitivity", "LOW"), "Error: --reason is required"),
        (
            ("correct", "acme.X.y", "--sensitivity", "SECRET", "--reason", "r"),
            "Error: --sensitivity: unknown",
        ),
        (
            ("correct", "acme.X.y", "--sensitivity", "LOW", "--type", "NAMES", "--reason", "r"),
            "Error: --type: unknown",
        ),
        (
            ("correct", "not a name", "--sensitivity", "LOW", "--reason", "r"),
            "is not a fully-qualified field name",
        ),
        (
            ("correct", "acme.X.y", "--sensitivity", "PUBLIC", "--type", "NAME", "--reason", "r"),
            "a PUBLIC field",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(repo: Path, args: tuple[str, ...], message: str) -> None:
    code, _, err = run(*args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1, err


def test_a_syntax_error_is_one_line_with_the_position(repo: Path) -> None:
    (repo / "bad.proto").write_text('syntax = "proto3";\nmessage A { string a = 1 }\n')
    code, _, err = run("scan", "bad.proto")
    assert code == 2
    assert err.startswith("Error: bad.proto:2:") and len(err.strip().splitlines()) == 1


def test_two_copies_of_a_package_in_one_scan_are_each_classified(repo: Path) -> None:
    # googleapis keeps copies of its packages under preview/; the copies differ.
    for folder, extra in (("google/x/v1", "string ssn = 2;"), ("preview/google/x/v1", "")):
        (repo / folder).mkdir(parents=True)
        (repo / folder / "user.proto").write_text(
            f'syntax = "proto3";\npackage x.v1;\nmessage User {{ string email = 1; {extra} }}\n'
        )
    code, out, err = run("scan", ".", "--format", "json")
    assert code == 0, err
    fields = {
        (report["file"], field["field_path"]): field["sensitivity"]
        for report in json.loads(out)["files"]
        for field in report["fields"]
        if report["file"].endswith("x/v1/user.proto")
    }
    assert fields == {
        ("google/x/v1/user.proto", "User.email"): "MEDIUM",
        ("google/x/v1/user.proto", "User.ssn"): "HIGH",
        ("preview/google/x/v1/user.proto", "User.email"): "MEDIUM",
    }
    # An override of a field only one copy has is used, though the other copy lacks it.
    assert run("correct", "x.v1.User.ssn", "--sensitivity", "high", "--reason", "r")[0] == 0
    code, out, _ = run("scan", "google", "preview")
    assert code == 0 and "matches no field" not in out


def test_correct_records_an_override_that_wins(repo: Path) -> None:
    code, out, _ = run(
        "correct", "acme.accounts.v1.Account.nickname", "--sensitivity", "public", "--reason", "display only",
        "--who", "Jane",
    )  # fmt: skip
    assert code == 0 and "recorded acme.accounts.v1.Account.nickname → PUBLIC (Jane)" in out
    stored = yaml.safe_load((repo / ".protoguard" / "pii-overrides.yaml").read_text())
    entry = stored["overrides"]["acme.accounts.v1.Account.nickname"]
    assert (entry["sensitivity"], entry["pii_type"], entry["reason"], entry["who"]) == (
        "PUBLIC", None, "display only", "Jane",
    )  # fmt: skip
    code, out, _ = run("scan", ACCOUNT_PATH, "--format", "json")
    nickname = next(f for f in json.loads(out)["fields"] if f["field_name"] == "nickname")
    assert (nickname["sensitivity"], nickname["source"]) == ("PUBLIC", "override")


def test_a_corrupt_overrides_file_is_one_line(repo: Path) -> None:
    (repo / ".protoguard").mkdir()
    (repo / ".protoguard" / "pii-overrides.yaml").write_text("overrides: [unclosed\n")
    code, _, err = run("scan", ACCOUNT_PATH)
    assert code == 2 and "pii-overrides.yaml:" in err and "not valid YAML" in err
    # Bytes that are not UTF-8 used to escape as an internal UnicodeDecodeError.
    (repo / ".protoguard" / "pii-overrides.yaml").write_bytes(b"\xff\xfe")
    for args in (("scan", ACCOUNT_PATH), ("correct", "acme.accounts.v1.Account.ssn")):
        extra = ("--sensitivity", "HIGH", "--reason", "r") if args[0] == "correct" else ()
        code, _, err = run(*args, *extra)
        assert code == 2 and "pii-overrides.yaml: not UTF-8 text" in err


def test_scan_text_lists_the_first_rows_and_says_how_many_more(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A generated API lists tens of thousands of fields: the text table stops at
    TABLE_ROWS (most sensitive first) and says where the rest are."""
    from pii_detector import cli as pii_cli

    monkeypatch.setenv("COLUMNS", "240")  # one table row per line
    monkeypatch.setattr(pii_cli, "TABLE_ROWS", 1)
    people = repo / "api" / "acme" / "accounts" / "v1" / "person.proto"
    people.write_text(
        'syntax = "proto3";\npackage acme.accounts.v1;\n'
        "message Person { string email = 1; string ssn = 2; string phone_number = 3; }\n"
    )
    code, out, _ = run("scan", "api/acme/accounts/v1/person.proto")
    assert code == 0
    assert "Person.ssn" in out  # HIGH first
    assert "Person.email" not in out and "Person.phone_number" not in out
    assert "2 more fields not listed" in out and "--format json" in out
    code, out, _ = run("scan", "api/acme/accounts/v1/person.proto", "--format", "json")
    assert {f["field_name"] for f in json.loads(out)["fields"]} == {"email", "ssn", "phone_number"}


def test_scan_text_lists_a_field_that_needs_review_with_its_reason(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "240")  # one table row per line
    doubtful = repo / "api" / "acme" / "accounts" / "v1" / "customer.proto"
    doubtful.write_text(
        'syntax = "proto3";\npackage acme.accounts.v1;\n'
        "message Customer { string email = 1; string first_name = 2; string aura_colour = 3; }\n"
    )
    code, out, _ = run("scan", "api/acme/accounts/v1/customer.proto")
    assert code == 0
    row = next(line for line in out.splitlines() if "Customer.aura_colour" in line)
    assert "needs review: no rule places this field of a record about a person" in row
    assert "1 need review" in out
