"""`protoguard audit`: real git repositories with history, through the CLI."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from compat_checker.audit.files import shard_of
from compat_checker.audit.history import read_blobs
from compat_checker.audit.model import AuditReport
from compat_checker.cli import main
from compat_checker.errors import GateError
from compat_checker.report.mdtext import literal

from .conftest import audit, by_rule, commit, git, proto

ORDER_V1 = proto(
    "shop.v1",
    "message Order {\n  string id = 1;\n  string coupon = 2;\n  int64 total_cents = 3;\n}",
)


# ---------------------------------------------------------------------------- history


def test_number_deleted_then_reused_is_an_error_with_its_history(repo: Path, tmp_path: Path):
    added = commit(repo, {"shop/v1/order.proto": ORDER_V1}, "order")
    deleted = commit(
        repo,
        {
            "shop/v1/order.proto": proto(
                "shop.v1", "message Order {\n  string id = 1;\n  int64 total_cents = 3;\n}"
            )
        },
        "drop coupon",
    )
    reused = commit(
        repo,
        {
            "shop/v1/order.proto": proto(
                "shop.v1",
                "message Order {\n  string id = 1;\n  int64 total_cents = 3;\n  bool gift = 2;\n}",
            )
        },
        "gift flag",
    )
    out = tmp_path / "a.json"
    code, report, _ = audit(str(repo), "--json", str(out), "--fail-on", "never")
    assert code == 0 and report is not None
    assert report.history == "ran" and report.commit == reused
    [finding] = by_rule(report, "AUDIT_FIELD_NUMBER_REUSED")
    assert finding.severity == "ERROR"
    assert finding.element == "shop.v1.Order.gift"
    assert (finding.file, finding.line) == ("shop/v1/order.proto", 7)
    assert "coupon" in finding.message and "gift" in finding.message
    assert [(e.event, e.commit, e.field, e.type) for e in finding.history] == [
        ("added", added, "coupon", "string"),
        ("deleted", deleted, "coupon", "string"),
        ("reused", reused, "gift", "bool"),
    ]
    # The number is live again: it is the reuse that is reported, not a missing reserve.
    assert by_rule(report, "AUDIT_DELETED_FIELD_NOT_RESERVED") == []
    # With a reuse the default --fail-on ERROR fails.
    assert audit(str(repo), "--no-history")[0] == 0
    assert audit(str(repo))[0] == 1


def test_deleted_field_without_reserved_is_reported_with_the_statements(repo: Path, tmp_path: Path):
    commit(repo, {"shop/v1/order.proto": ORDER_V1}, "order")
    commit(
        repo,
        {"shop/v1/order.proto": proto("shop.v1", "message Order {\n  string id = 1;\n}")},
        "drop two fields",
    )
    out = tmp_path / "a.json"
    _, report, _ = audit(str(repo), "--json", str(out), "--fail-on", "never")
    assert report is not None
    findings = by_rule(report, "AUDIT_DELETED_FIELD_NOT_RESERVED")
    assert sorted(f.fix for f in findings) == [
        'reserved 2; reserved "coupon";',
        'reserved 3; reserved "total_cents";',
    ]
    assert {f.severity for f in findings} == {"WARNING"}
    assert {f.element for f in findings} == {"shop.v1.Order"}
    assert len({f.id for f in findings}) == 2


def test_deleted_field_reserved_correctly_is_quiet(repo: Path, tmp_path: Path):
    commit(repo, {"shop/v1/order.proto": ORDER_V1}, "order")
    commit(
        repo,
        {
            "shop/v1/order.proto": proto(
                "shop.v1",
                'message Order {\n  reserved 2, 3;\n  reserved "coupon", "total_cents";\n'
                "  string id = 1;\n}",
            )
        },
        "drop, reserved",
    )
    out = tmp_path / "a.json"
    _, report, _ = audit(str(repo), "--json", str(out), "--fail-on", "never")
    assert report is not None
    assert by_rule(report, "AUDIT_DELETED_FIELD_NOT_RESERVED") == []
    assert by_rule(report, "AUDIT_FIELD_NUMBER_REUSED") == []


def test_editions_reserve_names_as_identifiers(repo: Path, tmp_path: Path):
    def edition(body: str) -> str:
        return f'edition = "2023";\npackage ed.v1;\n\nmessage M {{ {body} }}\n'

    commit(repo, {"ed.proto": edition("string a = 1; string b = 2;")}, "two fields")
    commit(repo, {"ed.proto": edition("string a = 1;")}, "drop b")
    _, report, _ = audit(str(repo), "--json", str(tmp_path / "a.json"))
    assert report is not None
    [finding] = by_rule(report, "AUDIT_DELETED_FIELD_NOT_RESERVED")
    # `reserved "b";` does not compile in editions ("cannot use string literals").
    assert finding.fix == "reserved 2; reserved b;"
    commit(repo, {"ed.proto": edition(f"string a = 1; {finding.fix}")}, "reserve")
    _, report, _ = audit(str(repo), "--json", str(tmp_path / "b.json"))
    assert report is not None and not by_rule(report, "AUDIT_DELETED_FIELD_NOT_RESERVED")


def test_history_ignores_the_log_settings_of_the_repository(repo: Path, tmp_path: Path):
    """With log.showRoot false, git log would not list the first commit's files."""
    commit(repo, {"shop/v1/order.proto": ORDER_V1}, "order")
    commit(repo, {"shop/v1/order.proto": ORDER_V1.replace("  string coupon = 2;\n", "")}, "drop")
    git(repo, "config", "log.showRoot", "false")
    git(repo, "config", "log.showSignature", "true")
    _, report, _ = audit(str(repo), "--json", str(tmp_path / "a.json"))
    assert report is not None
    assert len(by_rule(report, "AUDIT_DELETED_FIELD_NOT_RESERVED")) == 1


def test_half_reserved_asks_only_for_the_missing_name(repo: Path, tmp_path: Path):
    commit(repo, {"shop/v1/order.proto": ORDER_V1}, "order")
    commit(
        repo,
        {
            "shop/v1/order.proto": proto(
                "shop.v1",
                "message Order {\n  reserved 2;\n  string id = 1;\n  int64 total_cents = 3;\n}",
            )
        },
        "drop coupon, number only",
    )
    out = tmp_path / "a.json"
    _, report, _ = audit(str(repo), "--json", str(out), "--fail-on", "never")
    assert report is not None
    [finding] = by_rule(report, "AUDIT_DELETED_FIELD_NOT_RESERVED")
    assert finding.fix == 'reserved "coupon";'


def test_uncommitted_edit_is_the_last_step_of_the_history(repo: Path, tmp_path: Path):
    commit(repo, {"shop/v1/order.proto": ORDER_V1}, "order")
    (repo / "shop/v1/order.proto").write_text(
        proto("shop.v1", "message Order {\n  string id = 1;\n  int64 total_cents = 3;\n}")
    )
    out = tmp_path / "a.json"
    _, report, _ = audit(str(repo), "--json", str(out), "--fail-on", "never")
    assert report is not None
    [finding] = by_rule(report, "AUDIT_DELETED_FIELD_NOT_RESERVED")
    assert finding.history[-1].commit == "0" * 40


def test_no_history_skips_the_history_checks(repo: Path, tmp_path: Path):
    commit(repo, {"shop/v1/order.proto": ORDER_V1}, "order")
    commit(
        repo,
        {"shop/v1/order.proto": proto("shop.v1", "message Order {\n  string id = 1;\n}")},
        "drop",
    )
    out = tmp_path / "a.json"
    _, report, _ = audit(str(repo), "--no-history", "--json", str(out), "--fail-on", "never")
    assert report is not None and report.history == "skipped"
    assert not [f for f in report.findings if f.history]


def test_outside_git_history_is_unavailable(tmp_path: Path):
    root = tmp_path / "plain"
    (root / "shop/v1").mkdir(parents=True)
    (root / "shop/v1/order.proto").write_text(ORDER_V1)
    out = tmp_path / "a.json"
    code, report, _ = audit(str(root), "--json", str(out))
    assert code == 0 and report is not None
    assert report.history == "unavailable" and report.commit is None
    assert report.files == ["shop/v1/order.proto"]


# ---------------------------------------------------------------------------- PII and inventory

PEOPLE = proto(
    "people.v1",
    'import "pii/v1/pii.proto";\n\n'
    "message Person {\n  string id = 1;\n  int32 revision = 2;\n"
    "  string ssn = 3 [(pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = SSN];\n"
    "  string email = 4;\n}\n"
    "message SearchPeopleRequest { string query = 1; }\n"
    "message SearchPeopleResponse { repeated Person people = 1; }\n"
    "message GetPersonRequest { string id = 1; }\n"
    "service PeopleService {\n"
    "  rpc GetPerson(GetPersonRequest) returns (Person);\n"
    "  rpc SearchPeople(SearchPeopleRequest) returns (SearchPeopleResponse);\n}",
)


def test_inventory_exposures_and_summaries(repo: Path, tmp_path: Path):
    commit(repo, {"api/people/v1/people.proto": PEOPLE}, "people")
    out = tmp_path / "a.json"
    code, report, _ = audit(str(repo), "--json", str(out))
    assert code == 1 and report is not None
    inventory = {i.field_path: i for i in report.inventory}
    assert inventory["Person.ssn"].sensitivity == "HIGH" and inventory["Person.ssn"].annotated
    assert inventory["Person.email"].sensitivity != "PUBLIC"
    assert not inventory["Person.email"].annotated
    assert inventory["Person.revision"].sensitivity == "PUBLIC"
    unannotated = {f.element for f in by_rule(report, "AUDIT_PII_UNANNOTATED")}
    assert "people.v1.Person.email" in unannotated
    assert "people.v1.Person.ssn" not in unannotated
    # Bulk reads first.
    assert [(e.method, e.bulk) for e in report.exposures] == [
        ("SearchPeople", True),
        ("GetPerson", False),
    ]
    exposure_severity = {f.element: f.severity for f in by_rule(report, "AUDIT_HIGH_EXPOSURE")}
    assert exposure_severity == {
        "people.v1.PeopleService.SearchPeople": "ERROR",
        "people.v1.PeopleService.GetPerson": "WARNING",
    }
    [package] = report.packages
    assert package.package == "people.v1" and package.files == 1
    assert package.fields == len(report.inventory) == report.totals.fields
    assert package.by_level["HIGH"] >= 1
    [service] = report.services
    assert (service.service, service.methods, service.exposures) == (
        "people.v1.PeopleService",
        2,
        2,
    )
    assert service.max_sensitivity == "HIGH"
    assert report.totals.findings_by_rule["AUDIT_HIGH_EXPOSURE"] == 2


def test_a_field_annotated_below_its_level_is_under_annotated(repo: Path, tmp_path: Path):
    lowered = PEOPLE.replace("(pii.v1.sensitivity) = HIGH", "(pii.v1.sensitivity) = LOW")
    commit(repo, {"api/people/v1/people.proto": lowered}, "people")
    code, report, _ = audit(str(repo), "--json", str(tmp_path / "a.json"))
    assert code == 1 and report is not None
    [under] = by_rule(report, "AUDIT_PII_UNDER_ANNOTATED")
    assert (under.element, under.severity) == ("people.v1.Person.ssn", "ERROR")
    assert "annotated LOW but holds HIGH" in under.message
    assert "(pii.v1.sensitivity) = HIGH" in under.fix
    assert "people.v1.Person.ssn" not in {
        f.element for f in by_rule(report, "AUDIT_PII_UNANNOTATED")
    }


def test_two_versions_of_a_package_are_each_audited_as_written(repo: Path, tmp_path: Path):
    # googleapis keeps a copy of packages under preview/; the two copies differ.
    current = "message Person {\n  string email = 1;\n  string ssn = 2;\n  Address home = 3;\n}\n"
    current += "message Address {\n  string street = 1;\n}"
    preview = "message Person {\n  string email = 1;\n  Note note = 4;\n}\n"
    preview += "message Note {\n  string text = 1;\n}"
    commit(
        repo,
        {
            "api/people/v1/people.proto": proto("people.v1", current),
            "preview/people/v1/people.proto": proto("people.v1", preview),
        },
        "two versions",
    )
    code, report, err = audit(str(repo), "--no-history", "--json", str(tmp_path / "a.json"))
    assert code == 1 and report is not None, err
    fields = {(i.file, i.field_path): i.sensitivity for i in report.inventory}
    assert fields[("api/people/v1/people.proto", "Person.ssn")] == "HIGH"
    assert fields[("preview/people/v1/people.proto", "Person.note")] != "PUBLIC"
    assert ("preview/people/v1/people.proto", "Person.ssn") not in fields
    assert {file for file, _ in fields} == {
        "api/people/v1/people.proto",
        "preview/people/v1/people.proto",
    }


def test_finding_ids_survive_line_moves(repo: Path, tmp_path: Path):
    commit(repo, {"api/people/v1/people.proto": PEOPLE}, "people")
    _, before, _ = audit(str(repo), "--json", str(tmp_path / "a.json"))
    moved = PEOPLE.replace("message Person {", "// People.\n// More words.\nmessage Person {")
    commit(repo, {"api/people/v1/people.proto": moved}, "comments")
    _, after, _ = audit(str(repo), "--json", str(tmp_path / "b.json"))
    assert before is not None and after is not None
    assert [f.line for f in before.findings] != [f.line for f in after.findings]
    assert sorted(f.id for f in before.findings) == sorted(f.id for f in after.findings)


def test_a_file_that_does_not_parse_stops_the_audit_unless_skipped(repo: Path, tmp_path: Path):
    commit(
        repo,
        {
            "api/people/v1/people.proto": PEOPLE,
            "api/broken/v1/broken.proto": 'syntax = "proto3";\npackage broken.v1;\nmessage {',
        },
        "two files",
    )
    out = tmp_path / "a.json"
    code, report, _ = audit(str(repo), "--json", str(out), "--fail-on", "never")
    assert code == 2 and report is None  # its personal data would go unaudited
    code, report, _ = audit(
        str(repo), "--json", str(out), "--fail-on", "never", "--skip-unparsable"
    )
    assert code == 0 and report is not None
    assert [e.file for e in report.errors] == ["api/broken/v1/broken.proto"]
    assert "syntax error" in report.errors[0].message
    assert report.files == ["api/broken/v1/broken.proto", "api/people/v1/people.proto"]
    assert report.inventory


def test_subdirectory_paths_are_repository_relative(repo: Path, tmp_path: Path):
    commit(repo, {"api/people/v1/people.proto": PEOPLE}, "people")
    _, report, _ = audit(str(repo / "api"), "--json", str(tmp_path / "a.json"))
    assert report is not None
    assert report.files == ["api/people/v1/people.proto"]
    assert {i.file for i in report.inventory} == {"api/people/v1/people.proto"}


def test_markdown_and_html_outputs(repo: Path, tmp_path: Path):
    commit(repo, {"api/people/v1/people.proto": PEOPLE}, "people")
    md, html = tmp_path / "a.md", tmp_path / "a.html"
    audit(str(repo), "--markdown", str(md), "--html", str(html))
    text = md.read_text()
    assert "## protoguard audit" in text and "AUDIT_HIGH_EXPOSURE" in text
    assert "people.v1.PeopleService.SearchPeople" in text
    assert html.read_text().lstrip().lower().startswith("<!doctype html>")


def test_markdown_shows_names_and_parse_errors_as_text(repo: Path, tmp_path: Path):
    """A job summary renders Markdown and some HTML: what a file says must not turn into a
    tag, a link or emphasis, and the check's own `<ENUM>` must survive."""
    hostile = "<img src=x onerror=alert(1)> [click](https://evil.example) **b**"
    commit(
        repo,
        {
            "api/color.proto": proto("q.v1", "enum Color { RED = 0; }"),
            "api/bad`name|x.proto": proto("q.v1", f'message C {{ "{hostile}" }}'),
        },
        "hostile",
    )
    md = tmp_path / "a.md"
    audit(str(repo), "--skip-unparsable", "--markdown", str(md), "--no-history")
    text = md.read_text()
    assert "<img" not in text and "[click](" not in text and "**b**" not in text
    assert "&lt;img src=x onerror=alert(1)&gt; \\[click\\](https://evil.example)" in text
    assert "named `<ENUM>_UNSPECIFIED`" in text
    assert "| `api/badname\\|x.proto` |" in text


def test_markdown_text_keeps_code_spans_as_code():
    assert literal("Add `option (a.b_c) = true;` to <the> RPC_NAME") == (
        "Add `option (a.b_c) = true;` to &lt;the&gt; RPC\\_NAME"
    )
    assert literal("a stray ` backtick <b>") == "a stray \\` backtick &lt;b&gt;"


# ---------------------------------------------------------------------------- shards


def _many_packages(repo: Path) -> None:
    """A repo where shards share packages and import across shards."""
    files: dict[str, str] = {}
    for n in range(12):
        package = f"svc{n % 4}.v1"
        directory = f"api/svc{n % 4}/v1"
        imports = f'import "svc{(n + 1) % 4}/v1/common{(n + 1) % 4}.proto";\n' if n < 4 else ""
        files[f"{directory}/file{n}.proto"] = proto(
            package,
            f"{imports}message Thing{n} {{\n  string id = 1;\n  string email = 2;\n"
            f"  string legacy = 3;\n"
            + (f"  svc{(n + 1) % 4}.v1.Common{(n + 1) % 4} common = 4;\n" if n < 4 else "")
            + "}\n"
            f"service Svc{n} {{ rpc ListThings{n}(Thing{n}) returns (Thing{n}); }}",
        )
    for k in range(4):
        files[f"api/svc{k}/v1/common{k}.proto"] = proto(
            f"svc{k}.v1", f"message Common{k} {{ string phone_number = 1; string ssn = 2; }}"
        )
    commit(repo, files, "many")
    # Delete `legacy` everywhere, then reuse its number in some files.
    dropped = {path: text.replace("  string legacy = 3;\n", "") for path, text in files.items()}
    commit(repo, dropped, "drop legacy")
    reused = {
        path: text.replace("}\nservice", "  int32 reused = 3;\n}\nservice")
        for i, (path, text) in enumerate(sorted(dropped.items()))
        if i % 3 == 0
    }
    reused["api/svc0/v1/broken.proto"] = 'syntax = "proto3";\nmessage {'
    commit(repo, reused, "reuse 3")


def _comparable(report: AuditReport) -> dict:
    return report.model_dump(mode="json", exclude={"shard", "merged_from"})


def test_merged_shards_equal_the_unsharded_report(repo: Path, tmp_path: Path):
    _many_packages(repo)
    whole = tmp_path / "whole.json"
    code, report, _ = audit(
        str(repo), "--skip-unparsable", "--json", str(whole), "--jobs", "1", "--fail-on", "never"
    )
    assert code == 0 and report is not None
    assert report.shard is None and report.merged_from == 0
    assert by_rule(report, "AUDIT_FIELD_NUMBER_REUSED")
    assert by_rule(report, "AUDIT_DELETED_FIELD_NOT_RESERVED")
    assert report.errors
    shards = []
    for index in (1, 2, 3):
        out = tmp_path / f"shard{index}.json"
        _, part, _ = audit(
            str(repo),
            "--skip-unparsable",
            "--shard",
            f"{index}/3",
            "--json",
            str(out),
            "--fail-on",
            "never",
        )
        assert part is not None and part.shard is not None
        assert part.shard.index == index
        assert all(shard_of(f, 3) == index for f in part.files)
        shards.append(out)
    assert sorted(f for s in shards for f in json.loads(s.read_text())["files"]) == report.files
    merged_path = tmp_path / "merged.json"
    # Order of the arguments does not matter.
    result = CliRunner().invoke(
        main,
        [
            "audit",
            "merge",
            *map(str, reversed(shards)),
            "--json",
            str(merged_path),
            "--fail-on",
            "never",
        ],
    )
    assert result.exit_code == 0, result.output
    merged = AuditReport.model_validate_json(merged_path.read_text())
    assert merged.merged_from == 3 and merged.shard is None
    assert _comparable(merged) == _comparable(report)


def test_merge_orders_a_service_defined_twice_as_an_unsharded_run(repo: Path, tmp_path: Path):
    files = {
        f"api/{name}.proto": proto(
            "dup.v1",
            f"message R{name} {{ string id = 1; }}\nservice S {{ rpc Get{name}(R{name}) returns (R{name}); }}",
        )
        for name in ("a", "b")
    }
    assert [shard_of(path, 2) for path in files] == [1, 2]
    commit(repo, files, "one service in two files")
    _, whole, _ = audit(str(repo), "--json", str(tmp_path / "whole.json"))
    for index in (1, 2):
        out = tmp_path / f"s{index}.json"
        audit(str(repo), "--shard", f"{index}/2", "--json", str(out), "--fail-on", "never")
    merged_out = tmp_path / "merged.json"
    shards_reversed = [str(tmp_path / "s2.json"), str(tmp_path / "s1.json")]
    result = CliRunner().invoke(
        main, ["audit", "merge", *shards_reversed, "--json", str(merged_out)]
    )
    assert result.exit_code == 0, result.output
    merged = AuditReport.model_validate_json(merged_out.read_text())
    assert whole is not None
    assert [s.file for s in whole.services] == ["api/a.proto", "api/b.proto"]
    assert _comparable(merged) == _comparable(whole)


def test_merge_refuses_an_incomplete_set(repo: Path, tmp_path: Path):
    _many_packages(repo)
    one = tmp_path / "one.json"
    audit(
        str(repo), "--skip-unparsable", "--shard", "1/3", "--json", str(one), "--fail-on", "never"
    )
    result = CliRunner().invoke(
        main, ["audit", "merge", str(one), "--json", str(tmp_path / "m.json")]
    )
    assert result.exit_code == 2
    assert "missing shard 2, 3 of 3" in result.stderr


# ---------------------------------------------------------------------------- baseline


def test_baseline_reports_only_new_findings(repo: Path, tmp_path: Path):
    commit(repo, {"api/people/v1/people.proto": PEOPLE}, "people")
    first = tmp_path / "first.json"
    code, baseline, _ = audit(str(repo), "--json", str(first))
    assert code == 1 and baseline is not None and baseline.findings
    # Nothing new: exit 0 even with findings in the tree.
    code, again, _ = audit(str(repo), "--baseline", str(first), "--json", str(tmp_path / "b.json"))
    assert code == 0 and again is not None
    assert again.findings == []
    assert again.baseline is not None
    assert (again.baseline.known, again.baseline.fixed) == (len(baseline.findings), 0)
    # One fixed (email annotated), one new (phone_number).
    changed = PEOPLE.replace(
        "string email = 4;",
        "string email = 4 [(pii.v1.sensitivity) = MEDIUM, (pii.v1.pii_type) = EMAIL_PERSONAL];\n"
        "  string phone_number = 5;",
    )
    commit(repo, {"api/people/v1/people.proto": changed}, "annotate email, add phone")
    _, third, _ = audit(
        str(repo),
        "--baseline",
        str(first),
        "--json",
        str(tmp_path / "c.json"),
        "--fail-on",
        "never",
    )
    assert third is not None and third.baseline is not None
    assert [f.element for f in third.findings] == ["people.v1.Person.phone_number"]
    assert third.baseline.fixed == 1
    assert third.baseline.known == len(baseline.findings) - 1
    assert third.totals.findings_by_rule["AUDIT_PII_UNANNOTATED"] == 1


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "args, message",
    [
        (["{missing}"], "not a directory"),
        (["{repo}", "--shard", "3/2"], "between 1 and N"),
        (["{repo}", "--shard", "one"], "I/N"),
        (["{repo}", "--shard", "\u00b2/4"], "I/N"),  # str.isdigit() says yes, int() no
        (["{repo}", "--baseline", "{missing}"], "cannot read baseline"),
        (["{repo}", "--baseline", "{garbage}"], "not a protoguard audit report"),
        (["{repo}", "--jobs", "0"], "--jobs"),
        (["{repo}", "--json", "{garbage}/out.json"], "cannot write"),
    ],
)
def test_bad_input_exits_2_with_one_line(repo: Path, tmp_path: Path, args: list[str], message: str):
    commit(repo, {"shop/v1/order.proto": ORDER_V1}, "order")
    garbage = tmp_path / "garbage.json"
    garbage.write_text('{"schema_version": 7}')
    paths = {"repo": repo, "missing": tmp_path / "nope", "garbage": garbage}
    result = CliRunner().invoke(main, ["audit", *(a.format(**paths) for a in args)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_baseline_path_that_looks_like_markup_is_printed_as_is(repo: Path, tmp_path: Path):
    commit(repo, {"shop/v1/order.proto": ORDER_V1}, "order")
    baseline = tmp_path / "b[" / "x].json"
    baseline.parent.mkdir()
    audit(str(repo), "--json", str(baseline), "--fail-on", "never")
    code, _, stderr = audit(str(repo), "--baseline", str(baseline))
    assert code == 0
    assert f"baseline {baseline}: " in stderr


def test_only_an_open_enum_with_a_meaningful_zero_is_reported(repo: Path, tmp_path: Path):
    enums = {
        "Meaningful": "ACTIVE = 0; GONE = 1;",
        "Prefixed": "PREFIXED_UNSPECIFIED = 0; ON = 1;",
        "Bare": "UNKNOWN = 0; OFF = 1;",
        "BareUnspecified": "UNSPECIFIED = 0; HIGH = 1;",
    }
    body = "\n".join(f"message {n}Holder {{ enum {n} {{ {v} }} }}" for n, v in enums.items())
    closed = 'syntax = "proto2";\npackage z.v1;\nenum Closed { OPEN = 0; SHUT = 1; }\n'
    commit(repo, {"z/open.proto": proto("z.v1", body), "z/closed.proto": closed}, "enums")
    _, report, _ = audit(str(repo), "--no-history", "--json", str(tmp_path / "a.json"))
    assert report is not None
    found = by_rule(report, "AUDIT_ENUM_ZERO_VALUE_MEANINGFUL")
    assert [f.element for f in found] == ["z.v1.MeaningfulHolder.Meaningful.ACTIVE"]


def test_a_symlink_out_of_the_tree_is_not_read(repo: Path, tmp_path: Path):
    secret = tmp_path / "token.txt"
    secret.write_text("ghp_not_for_the_report\n")
    commit(repo, {"shop/v1/order.proto": ORDER_V1}, "order")
    (repo / "shop/v1/leak.proto").symlink_to(secret)
    (repo / "shop/v1/alias.proto").symlink_to("order.proto")
    out = tmp_path / "a.json"
    _, report, _ = audit(str(repo), "--no-history", "--json", str(out))
    assert report is not None
    assert report.files == ["shop/v1/alias.proto", "shop/v1/order.proto"]
    assert "ghp_not_for_the_report" not in out.read_text()


def test_a_blobless_clone_fails_with_one_line_instead_of_fetching(repo: Path, tmp_path: Path):
    commit(repo, {"shop/v1/order.proto": ORDER_V1}, "order")
    commit(repo, {"shop/v1/order.proto": ORDER_V1.replace("string", "bytes", 1)}, "bytes")
    git(repo, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--filter=blob:none", f"file://{repo}", str(clone))
    code, _, stderr = audit(str(clone))
    assert code == 2
    assert "partial clone" in stderr and "--no-history" in stderr
    assert "Traceback" not in stderr


def test_reading_blobs_stops_cleanly_when_git_cannot_serve_them(repo: Path):
    """Thousands of unreadable blobs: git keeps answering after the first error, which must
    not leave git and the thread feeding it blocked on full pipes."""
    commit(repo, {"shop/v1/order.proto": ORDER_V1}, "order")
    outcome: list[str] = []

    def read() -> None:
        try:
            list(read_blobs(repo, [f"{n:040x}" for n in range(1, 5000)]))
        except GateError as exc:
            outcome.append(str(exc))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=60)
    assert not reader.is_alive(), "read_blobs hung"
    assert outcome and "cannot read blob" in outcome[0]


def test_explain_knows_the_audit_checks():
    result = CliRunner().invoke(main, ["explain", "audit_field_number_reused"])
    assert result.exit_code == 0
    assert "AUDIT_FIELD_NUMBER_REUSED" in result.stdout and "reserve" in result.stdout
    # A placeholder in a fix is code, not an HTML tag that Markdown renderers drop.
    result = CliRunner().invoke(main, ["explain", "AUDIT_ENUM_ZERO_VALUE_MEANINGFUL"])
    assert "<ENUM>_UNSPECIFIED" in result.stdout
    result = CliRunner().invoke(main, ["explain", "AUDIT_NOPE"])
    assert result.exit_code == 2


def test_parallel_jobs_give_the_same_report(repo: Path, tmp_path: Path):
    files = {
        f"api/bulk{n % 5}/v1/f{n}.proto": proto(
            f"bulk{n % 5}.v1", f"message M{n} {{ string id = 1; string email = 2; }}"
        )
        for n in range(40)
    }
    commit(repo, files, "forty files")
    commit(
        repo,
        {path: text.replace(" string email = 2;", "") for path, text in files.items()},
        "drop email",
    )
    _, one, _ = audit(str(repo), "--jobs", "1", "--json", str(tmp_path / "1.json"))
    _, two, _ = audit(str(repo), "--jobs", "2", "--json", str(tmp_path / "2.json"))
    assert one is not None and two is not None
    assert len(by_rule(one, "AUDIT_DELETED_FIELD_NOT_RESERVED")) == 40
    assert one == two


def test_enum_value_number_reused(repo: Path, tmp_path: Path):
    status = (
        "enum Status {\n  STATUS_UNSPECIFIED = 0;\n  STATUS_ACTIVE = 1;\n  STATUS_BANNED = 2;\n}"
    )
    commit(repo, {"shop/v1/status.proto": proto("shop.v1", status)}, "status")
    commit(
        repo,
        {"shop/v1/status.proto": proto("shop.v1", status.replace("  STATUS_BANNED = 2;\n", ""))},
        "drop banned",
    )
    commit(
        repo,
        {
            "shop/v1/status.proto": proto(
                "shop.v1", status.replace("STATUS_BANNED = 2", "STATUS_VIP = 2")
            )
        },
        "vip",
    )
    _, report, _ = audit(str(repo), "--json", str(tmp_path / "a.json"), "--fail-on", "never")
    assert report is not None
    [finding] = by_rule(report, "AUDIT_ENUM_VALUE_REUSED")
    assert finding.element == "shop.v1.Status.STATUS_VIP"
    assert [e.event for e in finding.history] == ["added", "deleted", "reused"]


def test_moving_a_message_to_another_file_is_no_deletion(repo: Path, tmp_path: Path):
    commit(repo, {"shop/v1/order.proto": ORDER_V1}, "order")
    commit(
        repo,
        {"shop/v1/order.proto": None, "shop/v1/orders.proto": ORDER_V1},
        "rename the file",
    )
    _, report, _ = audit(str(repo), "--json", str(tmp_path / "a.json"), "--fail-on", "never")
    assert report is not None and report.files == ["shop/v1/orders.proto"]
    assert not [f for f in report.findings if f.history]


def test_history_follows_the_first_parent_through_merges(repo: Path, tmp_path: Path):
    commit(repo, {"shop/v1/order.proto": ORDER_V1}, "order")
    git(repo, "checkout", "-q", "-b", "topic")
    commit(
        repo,
        {"shop/v1/order.proto": proto("shop.v1", "message Order {\n  string id = 1;\n}")},
        "drop on a branch",
    )
    git(repo, "checkout", "-q", "main")
    commit(repo, {"shop/v1/other.proto": proto("shop.v1", "message Other {}")}, "elsewhere")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge topic", "topic")
    merge = git(repo, "rev-parse", "HEAD").strip()
    _, report, _ = audit(str(repo), "--json", str(tmp_path / "a.json"), "--fail-on", "never")
    assert report is not None
    findings = by_rule(report, "AUDIT_DELETED_FIELD_NOT_RESERVED")
    assert len(findings) == 2
    # The mainline saw the deletion when the branch was merged.
    assert {f.history[-1].commit for f in findings} == {merge}


def test_protoguard_yaml_pii_disabled_and_invalid(repo: Path, tmp_path: Path):
    commit(
        repo,
        {"api/people/v1/people.proto": PEOPLE, "protoguard.yaml": "pii:\n  enabled: false\n"},
        "people, pii off",
    )
    code, report, _ = audit(str(repo), "--json", str(tmp_path / "a.json"))
    assert code == 0 and report is not None
    assert report.inventory == [] and report.exposures == []
    assert not by_rule(report, "AUDIT_PII_UNANNOTATED")
    (repo / "protoguard.yaml").write_text("pii:\n  enabeld: false\n")
    code, _, stderr = audit(str(repo))
    assert code == 2 and "pii.enabeld: unknown key" in stderr


DOUBTFUL = proto(
    "crm.v1",
    """message Customer {
  string customer_id = 1;
  string email = 2;
  string favourite_quark = 3;
}""",
)


def test_fields_that_need_review_are_counted_and_listed_with_their_reason(
    repo: Path, tmp_path: Path
):
    commit(repo, {"api/crm/v1/customer.proto": DOUBTFUL}, "crm")
    out, md, html = tmp_path / "a.json", tmp_path / "a.md", tmp_path / "a.html"
    audit(str(repo), "--json", str(out), "--markdown", str(md), "--html", str(html))
    report = AuditReport.model_validate_json(out.read_text())
    inventory = {i.field_path: i for i in report.inventory}
    quark = inventory["Customer.favourite_quark"]
    assert (quark.sensitivity, quark.needs_review) == ("PUBLIC", True)
    reason = "no rule places this field of a record about a person"
    assert quark.review_reason == reason
    assert not inventory["Customer.email"].needs_review
    assert inventory["Customer.email"].review_reason is None
    assert report.totals.needs_review == 1
    text = md.read_text()
    assert "**1** need review" in text
    section = text[text.index("### Fields that need review") :]
    assert "`crm.v1.Customer.favourite_quark`" in section and reason in section
    page = html.read_text()
    assert 'data-stat="review"' in page and 'id="review-table"' in page
    review = page[page.index('<section id="review"') :]
    review = review[: review.index("</section>")]
    assert "favourite_quark" in review and reason in review and "email" not in review
