"""Outputs that scale: the HTML report's row cap and its notes, and `--jsonl`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from compat_checker.audit.html import CHART_BARS, FullData, render_html
from compat_checker.audit.jsonl import render_jsonl
from compat_checker.audit.model import AUDIT_SCHEMA_VERSION, Finding
from compat_checker.cli import main

from .conftest import GITHUB_VARS, audit, commit, proto
from .test_audit_html import assemble, body_rows, field, large_report, parse, sample_report

CONTACTS = proto(
    "crm.v1",
    "message Contact {\n  string id = 1;\n  string email = 2;\n  string phone_number = 3;\n"
    "  string home_address = 4;\n  string date_of_birth = 5;\n}",
)
LEADS = proto(
    "crm.v1",
    "message Lead {\n  string id = 1;\n  string email = 2;\n  string phone_number = 3;\n}",
)


def notes(dom) -> list[str]:
    return [p.text() for p in dom.find_all("p") if p.has_class("capped")]


# ---------------------------------------------------------------------------- the HTML cap


def test_a_capped_table_lists_the_most_severe_first_and_says_what_it_left_out():
    report = large_report(200)  # 100 findings: ERROR for HIGH fields, WARNING below
    dom = parse(render_html(report, max_rows=10, full_data=FullData(jsonl="out/audit.jsonl")))

    rows = body_rows(dom, "findings-table")
    assert len(rows) == 10
    errors = sum(f.severity == "ERROR" for f in report.findings)
    assert errors >= 10
    assert [r.attrs["data-severity"] for r in rows] == ["ERROR"] * 10
    # The section still counts every finding, and its note says how many are missing and where.
    findings = dom.find("section", id="findings")
    assert findings.find("h2").text() == f"Findings {len(report.findings)}"
    note = next(p for p in findings.find_all("p") if p.has_class("capped")).text()
    assert f"Showing the first 10 of {len(report.findings)} findings" in note
    assert f"{len(report.findings) - 10} are left out" in note
    assert "out/audit.jsonl" in note and "--jsonl FILE" not in note
    # The inventory is capped as well, most sensitive first, and points to the JSON report.
    inventory = body_rows(dom, "inventory-table")
    assert len(inventory) == 10
    assert {r.attrs["data-level"] for r in inventory} == {"HIGH"}
    inventory_note = next(
        p for p in dom.find("section", id="inventory").find_all("p") if p.has_class("capped")
    ).text()
    assert "Showing the first 10 of 200 fields" in inventory_note
    assert "--json FILE" in inventory_note
    # One banner at the top names everything that was left out.
    banner = next(p for p in dom.find_all("p") if p.has_class("banner")).text()
    assert "at most 10 rows" in banner
    assert f"{len(report.findings) - 10} findings" in banner and "190 fields" in banner


def test_the_note_asks_for_jsonl_when_no_file_holds_every_finding():
    report = large_report(40)
    note = next(
        n for n in notes(parse(render_html(report, max_rows=3))) if "findings (" in n
    )  # the findings table's note
    assert "Run the audit with --jsonl FILE to keep every finding" in note
    with_json = notes(parse(render_html(report, max_rows=3, full_data=FullData(json="a.json"))))
    assert any("--jsonl FILE" in n and "a.json" in n for n in with_json)
    assert any("Every field is in the JSON report a.json" in n for n in with_json)


def test_counts_by_rule_and_by_file_cover_every_finding_however_few_rows_are_listed():
    report = sample_report()
    dom = parse(render_html(report, max_rows=1))
    by_rule = {r.find("code").text(): r for r in body_rows(dom, "rules-table")}
    assert set(by_rule) == {f.rule for f in report.findings}
    for rule, row in by_rule.items():
        mine = [f for f in report.findings if f.rule == rule]
        cells = [td.text() for td in row.find_all("td")]
        severities = Counter(f.severity for f in mine)
        assert cells[1:] == [
            *(str(severities[s]) for s in ("ERROR", "WARNING", "INFO")),
            str(len(mine)),
            str(len({f.file for f in mine})),
        ]
    files = body_rows(dom, "files-table")
    assert len(files) == 1  # capped like every list
    per_file = Counter(f.file for f in report.findings if f.severity == "ERROR")
    most_errors = max(per_file.values())
    assert files[0].find_all("td")[1].text() == str(most_errors)
    assert dom.find("section", id="files").find("h2").text() == (
        f"Findings by file {len({f.file for f in report.findings})}"
    )


def test_the_chart_draws_the_packages_with_the_most_high_fields_only():
    inventory = [
        field(
            f"p{i:03d}.v1",
            "M.email",
            "string",
            "HIGH" if i % 2 else "LOW",
            file=f"p{i}.proto",
            line=3,
        )
        for i in range(CHART_BARS + 20)
    ]
    dom = parse(render_html(assemble(inventory)))
    bars = [g for g in dom.find("svg").find_all("g") if g.has_class("bar")]
    assert len(bars) == CHART_BARS
    assert all(g.attrs["data-package"] for g in bars[:60])
    assert {g.attrs["data-package"] for g in bars[:60]} == {
        f"p{i:03d}.v1" for i in range(1, 120, 2)
    }
    intro = dom.find("section", id="chart").find("p").text()
    assert f"The {CHART_BARS} packages with the most HIGH fields, of {CHART_BARS + 20}" in intro
    assert len(body_rows(dom, "packages-table")) == CHART_BARS + 20  # under the row cap


def test_an_uncapped_report_has_no_notes():
    dom = parse(render_html(sample_report()))
    assert notes(dom) == []
    assert len(body_rows(dom, "findings-table")) == len(sample_report().findings)


def test_the_page_stays_small_when_findings_grow():
    """Rows are capped, so ten times the findings adds only the sorting, not the page."""
    small = len(render_html(large_report(4_000), max_rows=500).encode())
    large = len(render_html(large_report(40_000), max_rows=500).encode())
    assert large < small * 1.2


def test_paths_in_the_note_are_escaped():
    hostile = '"><script>alert(1)</script>.jsonl'
    document = render_html(large_report(40), max_rows=2, full_data=FullData(jsonl=hostile))
    assert "<script>alert(1)" not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.jsonl" in document


# ---------------------------------------------------------------------------- JSON Lines


def test_jsonl_has_one_self_contained_finding_per_line():
    report = large_report(100)
    text = render_jsonl(report.findings)
    lines = text.splitlines()
    assert text.endswith("\n") and len(lines) == len(report.findings)
    for line, finding in zip(lines, report.findings, strict=True):
        record = json.loads(line)
        assert next(iter(record)) == "schema_version"
        assert record.pop("schema_version") == AUDIT_SCHEMA_VERSION
        assert Finding.model_validate(record) == finding
    assert render_jsonl([]) == ""


def test_cli_jsonl_round_trips_the_json_reports_findings(repo: Path, tmp_path: Path):
    commit(repo, {"crm/v1/contact.proto": CONTACTS, "crm/v1/lead.proto": LEADS}, "crm")
    out_json, out_jsonl = tmp_path / "audit.json", tmp_path / "audit.jsonl"
    code, report, stderr = audit(str(repo), "--json", str(out_json), "--jsonl", str(out_jsonl))
    assert code in (0, 1), stderr
    assert report is not None and len(report.findings) >= 4
    lines = out_jsonl.read_text("utf-8").splitlines()
    assert len(lines) == len(report.findings)
    records = [json.loads(line) for line in lines]
    assert all(r.pop("schema_version") == 1 for r in records)
    assert [Finding.model_validate(r) for r in records] == report.findings
    # The JSON report is the same with or without the other outputs.
    alone = tmp_path / "alone.json"
    audit(str(repo), "--json", str(alone))
    assert alone.read_bytes() == out_json.read_bytes()


def test_cli_html_cap_names_the_jsonl_file_or_asks_for_it(repo: Path, tmp_path: Path):
    commit(repo, {"crm/v1/contact.proto": CONTACTS, "crm/v1/lead.proto": LEADS}, "crm")
    html, jsonl = tmp_path / "audit.html", tmp_path / "audit.jsonl"
    audit(str(repo), "--html", str(html), "--html-max-rows", "1", "--jsonl", str(jsonl))
    findings_note = next(n for n in notes(parse(html.read_text())) if "findings (" in n)
    assert "Showing the first 1 of" in findings_note and str(jsonl) in findings_note

    audit(str(repo), "--html", str(html), "--html-max-rows", "1")
    findings_note = next(n for n in notes(parse(html.read_text())) if "findings (" in n)
    assert "--jsonl FILE" in findings_note

    audit(str(repo), "--html", str(html))  # the default cap is far above a small repository
    assert notes(parse(html.read_text())) == []


def test_merge_writes_jsonl_too(repo: Path, tmp_path: Path):
    commit(repo, {"crm/v1/contact.proto": CONTACTS, "crm/v1/lead.proto": LEADS}, "crm")
    shards = [tmp_path / f"s{i}.json" for i in (1, 2)]
    for i, shard in enumerate(shards, 1):
        audit(str(repo), "--shard", f"{i}/2", "--json", str(shard), "--fail-on", "never")
    merged, jsonl = tmp_path / "m.json", tmp_path / "m.jsonl"
    _, report, _ = audit("merge", *map(str, shards), "--json", str(merged), "--jsonl", str(jsonl))
    assert report is not None
    assert len(jsonl.read_text().splitlines()) == len(report.findings) >= 4


def test_jsonl_to_an_unwritable_path_is_one_line_and_exit_2(repo: Path, tmp_path: Path):
    commit(repo, {"crm/v1/contact.proto": CONTACTS}, "crm")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    target = blocker / "audit.jsonl"
    result = CliRunner().invoke(
        main, ["audit", str(repo), "--jsonl", str(target)], env=dict.fromkeys(GITHUB_VARS)
    )
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot write" in lines[0] and str(target) in lines[0]
    assert "Traceback" not in result.output


def test_jsonl_to_a_symlink_writes_through_it(repo: Path, tmp_path: Path):
    commit(repo, {"crm/v1/contact.proto": CONTACTS}, "crm")
    real = tmp_path / "real.jsonl"
    real.write_text("")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    audit(str(repo), "--jsonl", str(link))
    assert link.is_symlink()
    assert len(real.read_text().splitlines()) >= 3
