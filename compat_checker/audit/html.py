"""The self-contained HTML audit report (`protoguard audit --html`).

One file a security reviewer can open from disk or a CI artifact: inline CSS and JS only,
no network, deterministic for a given report. Every string in the report (field names,
comments, messages, file paths) comes from pull requests, so all of it is escaped, links
are built from percent-encoded paths, and a Content-Security-Policy allows only the one
inline script (by hash) as a second line of defence.

Tables are plain HTML, so the page is readable with JavaScript off; the small script adds
click-to-sort, filters, and shows long tables a page at a time so that an inventory of tens
of thousands of fields stays responsive.

The page stays small enough for a browser however large the repository: counts come from
every finding (by rule, severity, file and package), but each long table lists at most
`max_rows` rows, the first ones in its display order (findings most severe first), and
says how many it left out and where they are: the JSON Lines file of `--jsonl` for
findings, the JSON report of `--json` for the rest. A 3,000-file tree with 250k findings
gave a 300 MB page before, which no browser opens.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape
from operator import attrgetter
from typing import TypeVar
from urllib.parse import quote

from compat_checker.audit.history import commit_label
from compat_checker.audit.model import (
    AuditReport,
    Exposure,
    FileError,
    Finding,
    InventoryField,
    PackageSummary,
    ServiceSummary,
)

LEVELS = ("HIGH", "MEDIUM", "LOW", "PUBLIC")  # most sensitive first: the order of every display
PII_LEVELS = ("HIGH", "MEDIUM", "LOW")
SEVERITIES = ("ERROR", "WARNING", "INFO")
PAGE_ROWS = 500  # rows shown per page in long tables; the rest wait behind "Show more"
# Rows written per table (~600 bytes each): the page stays a few MB at 250k findings.
MAX_ROWS = 2000
CHART_BARS = 100  # packages drawn in the chart; more bars than this are not read anyway

_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}
_HISTORY_TEXT = {
    "ran": ("git history scanned for reused field numbers", "ok"),
    "partial": (
        "shallow clone: history scanned only back to the clone's depth; older reuse not seen",
        "warn",
    ),
    "skipped": ("history scan skipped: reused field numbers were not checked", "warn"),
    "unavailable": ("no git history: reused field numbers were not checked", "warn"),
}

Linker = Callable[[str, int | None], str]
T = TypeVar("T")


@dataclass(frozen=True)
class FullData:
    """Where the rows a capped table leaves out can be found: the output paths as the user
    gave them (None: not written this run, so the note says which option writes them)."""

    jsonl: str | None = None  # --jsonl: every finding, one per line
    json: str | None = None  # --json: the whole report


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _n(number: int) -> str:
    return f"{number:,}"


def _package_name(package: str) -> str:
    return package or "(no package)"


def _linker(link_base: str | None) -> Linker:
    """`file:line` hrefs. The path is percent-encoded, so a hostile name cannot smuggle a
    scheme (`javascript:` becomes `javascript%3A`) or a query; relative links start with
    `./` so that a leading `//` cannot turn into a link to another host."""
    prefix = link_base or "./"

    def href(path: str, line: int | None) -> str:
        encoded = quote(path, safe="/")
        return f"{prefix}{encoded}" if line is None else f"{prefix}{encoded}#L{line}"

    return href


_BACKTICKED = re.compile(r"`([^`]+)`")


def _prose(text: str) -> str:
    """Escaped, with `backticked` spans (how messages and fixes quote proto syntax) shown as
    code. The markup is added after escaping, so the text cannot inject any of its own."""
    return _BACKTICKED.sub(r'<code class="q">\1</code>', _e(text))


def _breakable(text: str, separator: str = ".") -> str:
    """Escaped, with line-break opportunities after each separator, so long names and paths
    wrap between their parts rather than mid-word."""
    return _e(text).replace(separator, separator + "<wbr>")


def _location(link: Linker, path: str, line: int | None) -> str:
    text = _breakable(path, "/") + ("" if line is None else f":{line}")
    return f'<a class="loc" href="{_e(link(path, line))}">{text}</a>'


def _level_badge(level: str) -> str:
    css = level if level in _LEVEL_RANK else "PUBLIC"
    return f'<span class="badge lv-{css}">{_e(level)}</span>'


def _severity_badge(severity: str) -> str:
    css = severity if severity in _SEVERITY_RANK else "INFO"
    return f'<span class="badge sev-{css}">{_e(severity)}</span>'


# ---------------------------------------------------------------------------------------------
# tables


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False  # sort by the cells' data-sort (or text) as numbers


@dataclass(frozen=True)
class Choice:
    """A drop-down filter: keeps the rows whose `data-<attr>` equals the chosen value."""

    attr: str
    label: str
    options: Sequence[tuple[str, str]]  # (value, text)


def _table(
    table_id: str,
    label: str,
    columns: Sequence[Column],
    rows: Sequence[str],
    *,
    empty: str,
    choices: Sequence[Choice] = (),
    scroll: bool = False,
    left_out: str = "",
) -> str:
    """`left_out`: the note of a capped table (`_left_out`), shown above it."""
    if not rows:
        return f'<p class="empty">{_e(empty)}</p>'
    selects = "".join(
        f'<label class="choice">{_e(choice.label)} <select data-attr="{_e(choice.attr)}">'
        '<option value="">all</option>'
        + "".join(f'<option value="{_e(v)}">{_e(t)}</option>' for v, t in choice.options)
        + "</select></label>"
        for choice in choices
    )
    toolbar = (
        f'<div class="toolbar" data-for="{table_id}">'
        f'<input type="search" placeholder="Filter {_e(label)}…" aria-label="Filter {_e(label)}">'
        f"{selects}"
        f'<span class="count" aria-live="polite">{_n(len(rows))} rows</span>'
        '<button type="button" class="more" hidden>Show more</button>'
        '<button type="button" class="all" hidden>Show all</button>'
        "</div>"
    )
    head = "".join(
        f'<th scope="col" data-col="{c.key}"{" data-type=num" if c.numeric else ""}'
        f' aria-sort="none"><button type="button">{_e(c.label)}</button></th>'
        for c in columns
    )
    table = (
        f'<table id="{table_id}" class="sortable" data-page="{PAGE_ROWS}" aria-label="{_e(label)}">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return left_out + toolbar + f'<div class="{"scroll" if scroll else "table-x"}">{table}</div>'


def _left_out(total: int, shown: int, noun: str, order: str, where: str) -> str:
    """The note of a table that lists `shown` of `total` rows; '' when nothing is left out."""
    if shown >= total:
        return ""
    return (
        f'<p class="capped" role="note"><b>Showing the first {_n(shown)} of {_n(total)} {noun}</b> '
        f"({order}): {_n(total - shown)} are left out so that this page opens in a browser; "
        f"sorting and filters apply to the rows shown. {where}</p>"
    )


def _where_findings(full: FullData) -> str:
    if full.jsonl is not None:
        return (
            f"Every finding is in the JSON Lines file <code>{_e(full.jsonl)}</code>, "
            "one JSON object per line."
        )
    also = f" (or read the JSON report <code>{_e(full.json)}</code>)" if full.json else ""
    return (
        "Run the audit with <code>--jsonl FILE</code> to keep every finding, one JSON object "
        f"per line{also}."
    )


def _where_report(full: FullData, noun: str) -> str:
    if full.json is not None:
        return f"Every {noun} is in the JSON report <code>{_e(full.json)}</code>."
    return f"Run the audit with <code>--json FILE</code> to keep every {noun}."


def _finding_row(finding: Finding, link: Linker) -> str:
    history = ""
    if finding.history:
        events = "".join(
            f'<li><code title="{_e(h.commit)}">{_e(commit_label(h.commit))}</code> {_e(h.date[:10])} '
            f"<b>{_e(h.event)}</b> <code>{_e(h.field)}</code> ({_e(h.type)})</li>"
            for h in finding.history
        )
        history = (
            f"<details><summary>history: {len(finding.history)} events</summary>"
            f"<ol>{events}</ol></details>"
        )
    return (
        f'<tr data-severity="{_e(finding.severity)}" data-id="{_e(finding.id)}">'
        f'<td data-sort="{_SEVERITY_RANK.get(finding.severity, 9)}">{_severity_badge(finding.severity)}</td>'
        f'<td><code class="rule">{_e(finding.rule)}</code></td>'
        f'<td class="mono">{_breakable(finding.element)}</td>'
        f"<td>{_location(link, finding.file, finding.line)}</td>"
        f'<td class="prose">{_prose(finding.message)}{history}</td>'
        f'<td class="fix">{_prose(finding.fix)}</td></tr>'
    )


def _exposure_row(exposure: Exposure, link: Linker) -> str:
    bulk = '<span class="tag tag-bulk">bulk</span>' if exposure.bulk else "single"
    logged = "yes" if exposure.audit_pii_access else '<span class="tag tag-miss">no</span>'
    return (
        f'<tr data-level="{_e(exposure.sensitivity)}">'
        f'<td class="mono"><b>{_e(exposure.method)}</b></td>'
        f'<td class="mono">{_breakable(exposure.service)}</td>'
        f'<td data-sort="{_LEVEL_RANK.get(exposure.sensitivity, 9)}">{_level_badge(exposure.sensitivity)}</td>'
        f'<td data-sort="{0 if exposure.bulk else 1}">{bulk}</td>'
        f'<td data-sort="{1 if exposure.audit_pii_access else 0}">{logged}</td>'
        f"<td>{_location(link, exposure.file, exposure.line)}</td>"
        f'<td class="prose">{_prose(exposure.note)}</td></tr>'
    )


def _level_cells(counts: dict[str, int], levels: Sequence[str]) -> str:
    return "".join(
        f'<td class="num {f"n-{level}" if counts.get(level) else "zero"}">{_n(counts.get(level, 0))}</td>'
        for level in levels
    )


def _package_row(package: PackageSummary) -> str:
    return (
        f'<tr><td class="mono">{_breakable(_package_name(package.package))}</td>'
        f'<td class="num">{_n(package.files)}</td><td class="num">{_n(package.fields)}</td>'
        f"{_level_cells(package.by_level, LEVELS)}"
        f"{_level_cells(package.unannotated, PII_LEVELS)}"
        f'<td class="num">{_n(package.findings)}</td></tr>'
    )


def _service_row(service: ServiceSummary, link: Linker) -> str:
    return (
        f'<tr data-level="{_e(service.max_sensitivity)}">'
        f'<td class="mono">{_breakable(service.service)}</td>'
        f'<td class="mono">{_breakable(_package_name(service.package))}</td>'
        f"<td>{_location(link, service.file, None)}</td>"
        f'<td class="num">{_n(service.methods)}</td>'
        f'<td data-sort="{_LEVEL_RANK.get(service.max_sensitivity, 9)}">{_level_badge(service.max_sensitivity)}</td>'
        f'<td class="num">{_n(service.exposures)}</td>'
        f'<td class="num">{_n(service.unaudited_pii_methods)}</td></tr>'
    )


def _inventory_row(field: InventoryField, link: Linker) -> str:
    missing = not field.annotated and field.sensitivity != "PUBLIC"
    if field.annotated:
        annotation = _e(field.existing_annotation or "yes")
    elif missing:
        annotation = '<span class="tag tag-miss">missing</span>'
    else:
        annotation = "—"
    return (
        f'<tr data-level="{_e(field.sensitivity)}" data-annotated="{"yes" if field.annotated else "no"}">'
        f'<td class="mono name field" title="{_e(field.element)}">{_breakable(field.field_path)}</td>'
        f'<td class="mono name">{_breakable(_package_name(field.package))}</td>'
        f'<td class="mono">{_breakable(field.type)}</td>'
        f'<td data-sort="{_LEVEL_RANK.get(field.sensitivity, 9)}">{_level_badge(field.sensitivity)}</td>'
        f"<td>{_e(field.pii_type or '—')}</td>"
        f'<td data-sort="{"0" if missing else "1"}">{annotation}</td>'
        f"<td>{_e(field.source)}</td>"
        f"<td>{_location(link, field.file, field.line)}</td>"
        f'<td class="why">{_e(field.reasoning)}</td></tr>'
    )


def _error_row(error: FileError, link: Linker) -> str:
    return f"<tr><td>{_location(link, error.file, None)}</td><td>{_e(error.message)}</td></tr>"


# ---------------------------------------------------------------------------------------------
# header, summary and chart


def _header(report: AuditReport) -> str:
    if report.merged_from:
        scope = f"merged from {report.merged_from} shard reports"
    elif report.shard is not None:
        scope = f"shard {report.shard.index} of {report.shard.count}: a partial view"
    else:
        scope = "whole repository"
    history_text, history_state = _HISTORY_TEXT.get(report.history, (report.history, "warn"))
    commit = (
        f'<code title="{_e(report.commit)}">{_e(report.commit[:12])}</code>'
        + (" + uncommitted changes" if report.uncommitted else "")
        if report.commit
        else "not a git work tree"
    )
    if report.baseline is None:
        baseline = "none: every finding is shown"
    else:
        b = report.baseline
        baseline = (
            f"<code>{_e(b.file)}</code>: only new findings shown; "
            f"{_n(b.known)} already known (hidden), {_n(b.fixed)} fixed since"
        )
    meta = [
        ("Root", f"<code>{_e(report.root)}</code>"),
        ("Commit", commit),
        ("Scope", _e(scope)),
        ("History", f'<span class="state-{history_state}">{_e(history_text)}</span>'),
        ("Baseline", baseline),
        ("Tool", f"{_e(report.tool)} · schema {report.schema_version}"),
    ]
    items = "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in meta)
    return (
        '<header class="top"><div class="wrap">'
        f"<h1>Protobuf API audit <span>{_e(report.root)}</span></h1>"
        f'<dl class="meta">{items}</dl></div></header>'
    )


def _breakdown(counts: dict[str, int], keys: Sequence[str], css: str) -> str:
    return " ".join(
        f'<span class="pill {css}-{key}">{key} <b>{_n(counts.get(key, 0))}</b></span>'
        for key in keys
    )


def _summary(report: AuditReport) -> str:
    totals = report.totals
    findings_total = sum(totals.findings_by_severity.values())
    unannotated_total = sum(totals.unannotated.get(level, 0) for level in PII_LEVELS)
    bulk = sum(1 for exposure in report.exposures if exposure.bulk)
    cards = [
        ("files", "Files audited", totals.files, f"{_n(len(report.errors))} could not be parsed"),
        ("fields", "Fields", totals.fields, _breakdown(totals.by_level, LEVELS, "lv")),
        ("pii", "PII fields", totals.pii_fields, "sensitivity LOW and above"),
        (
            "unannotated",
            "Unannotated PII",
            unannotated_total,
            _breakdown(totals.unannotated, PII_LEVELS, "lv"),
        ),
        ("review", "Need review", totals.needs_review, "fields the rules could not place"),
        ("exposures", "HIGH-data RPCs", totals.exposures, f"{_n(bulk)} bulk (list/search/batch)"),
        (
            "findings",
            "Findings",
            findings_total,
            _breakdown(totals.findings_by_severity, SEVERITIES, "sev"),
        ),
    ]
    body = "".join(
        f'<div class="card" data-stat="{key}"><div class="label">{label}</div>'
        f'<div class="value">{_n(value)}</div><div class="sub">{sub}</div></div>'
        for key, label, value, sub in cards
    )
    return f'<section class="cards" aria-label="Summary">{body}</section>'


def _nice_step(maximum: int, ticks: int = 5) -> int:
    raw = max(maximum, 1) / ticks
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    return next(int(m * magnitude) for m in (1, 2, 5, 10) if m * magnitude >= raw)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chart(packages: Sequence[PackageSummary], by_level: dict[str, int]) -> str:
    if not packages:
        return '<p class="empty">No packages were audited.</p>'
    ordered = sorted(
        packages, key=lambda p: (*(-p.by_level.get(level, 0) for level in LEVELS), p.package)
    )[:CHART_BARS]
    label_w, bar_w, count_w, row_h, bar_h, top = 270, 900, 60, 26, 16, 26
    width = label_w + bar_w + count_w
    height = top + row_h * len(ordered) + 6
    biggest = max(sum(p.by_level.get(level, 0) for level in LEVELS) for p in ordered)
    step = _nice_step(biggest)
    axis_max = step * max(1, math.ceil(biggest / step))
    scale = bar_w / axis_max
    grid = "".join(
        f'<line class="grid" x1="{label_w + t * scale:.1f}" x2="{label_w + t * scale:.1f}" '
        f'y1="{top - 6}" y2="{height - 4}"/>'
        f'<text class="tick" x="{label_w + t * scale:.1f}" y="{top - 10}">{_n(t)}</text>'
        for t in range(0, axis_max + 1, step)
    )
    groups = []
    for row, package in enumerate(ordered):
        name = _package_name(package.package)
        counts = {level: package.by_level.get(level, 0) for level in LEVELS}
        total = sum(counts.values())
        detail = ", ".join(f"{level} {_n(counts[level])}" for level in LEVELS)
        y = top + row * row_h
        x = float(label_w)
        segments = []
        for level in LEVELS:
            if counts[level]:
                w = counts[level] * scale
                segments.append(
                    f'<rect class="seg-{level}" x="{x:.1f}" y="{y + (row_h - bar_h) / 2:.1f}" '
                    f'width="{w:.1f}" height="{bar_h}"><title>{_e(name)}: {level} {_n(counts[level])}'
                    "</title></rect>"
                )
                x += w
        groups.append(
            f'<g class="bar" data-package="{_e(package.package)}">'
            f"<title>{_e(name)}: {_n(total)} fields ({detail})</title>"
            f'<text class="name" x="{label_w - 10}" y="{y + row_h / 2:.1f}">{_e(_truncate(name, 36))}</text>'
            f"{''.join(segments)}"
            f'<text class="total" x="{x + 6:.1f}" y="{y + row_h / 2:.1f}">{_n(total)}</text></g>'
        )
    legend = "".join(
        f'<span class="key"><i class="sw lv-{level}"></i>{level} <b>{_n(by_level.get(level, 0))}</b></span>'
        for level in LEVELS
    )
    svg = (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'role="img" aria-labelledby="chart-title chart-desc">'
        '<title id="chart-title">Fields by sensitivity level per package</title>'
        f'<desc id="chart-desc">Stacked horizontal bars, one per package ({len(ordered)}), '
        "most HIGH fields first; segments HIGH, MEDIUM, LOW, PUBLIC.</desc>"
        f"{grid}{''.join(groups)}</svg>"
    )
    return f'<div class="legend">{legend}</div><div class="chart-box">{svg}</div>'


# ---------------------------------------------------------------------------------------------
# the page


def _section(section_id: str, title: str, count: int | None, intro: str, body: str) -> str:
    badge = f' <span class="n">{_n(count)}</span>' if count is not None else ""
    return (
        f'<section id="{section_id}" class="panel"><h2>{_e(title)}{badge}</h2>'
        f'<p class="intro">{intro}</p>{body}</section>'
    )


# Display orders, as sort keys: a capped table takes its first rows without sorting the rest.


def _finding_order(f: Finding) -> tuple:
    return (_SEVERITY_RANK.get(f.severity, 9), f.rule, f.file, f.line, f.element)


def _review_row(field: InventoryField, link: Linker) -> str:
    return (
        f'<tr data-level="{_e(field.sensitivity)}">'
        f'<td class="mono name field" title="{_e(field.element)}">{_breakable(field.field_path)}</td>'
        f'<td data-sort="{_LEVEL_RANK.get(field.sensitivity, 9)}">{_level_badge(field.sensitivity)}</td>'
        f"<td>{_location(link, field.file, field.line)}</td>"
        f'<td class="why">{_e(field.review_reason or "")}</td></tr>'
    )


def _exposure_order(x: Exposure) -> tuple:
    return (not x.bulk, _LEVEL_RANK.get(x.sensitivity, 9), x.audit_pii_access, x.element)


def _inventory_order(f: InventoryField) -> tuple:
    return (_LEVEL_RANK.get(f.sensitivity, 9), f.annotated, f.file, f.line, f.element)


Tally = tuple[str, dict[str, int]]  # a rule or a file, and its findings per severity


def _most_severe_order(tally: Tally) -> tuple:
    name, counts = tally
    return (-counts["ERROR"], -counts["WARNING"], -counts["INFO"], name)


def _tally(findings: Iterable[Finding], key: Callable[[Finding], str]) -> list[Tally]:
    """Findings per severity for each value of `key` (a rule, a file), in no order."""
    # One C-level count over (key, severity) pairs: a Counter per key costs seconds at 250k.
    pairs = Counter((key(finding), finding.severity) for finding in findings)
    tallies: dict[str, dict[str, int]] = {}
    for (name, severity), n in pairs.items():
        tallies.setdefault(name, dict.fromkeys(SEVERITIES, 0))[severity] = n
    return list(tallies.items())


LEVEL_CHOICE = Choice("level", "Level", [(level, level) for level in LEVELS])


def _rule_row(rule: str, counts: dict[str, int], files: int) -> str:
    return (
        f'<tr><td><code class="rule">{_e(rule)}</code></td>'
        f"{_level_cells(counts, SEVERITIES)}"
        f'<td class="num">{_n(sum(counts.values()))}</td><td class="num">{_n(files)}</td></tr>'
    )


def _file_row(path: str, counts: dict[str, int], link: Linker) -> str:
    return (
        f"<tr><td>{_location(link, path, None)}</td>"
        f"{_level_cells(counts, SEVERITIES)}"
        f'<td class="num">{_n(sum(counts.values()))}</td></tr>'
    )


SEVERITY_COLUMNS = [Column(f"severity-{s}", s, numeric=True) for s in SEVERITIES]


def render_html(
    report: AuditReport,
    *,
    link_base: str | None = None,
    max_rows: int = MAX_ROWS,
    full_data: FullData = FullData(),
) -> str:
    """The whole report as one HTML document. `link_base` (e.g.
    `https://github.com/org/repo/blob/<sha>/`) prefixes file links; without it links are
    relative to the report's directory, which suits a report written at the repository root.

    Each table lists at most `max_rows` rows and says how many it left out and where
    `full_data` keeps them; the counts always cover every finding and field."""
    link = _linker(link_base)
    left_out: list[str] = []  # "12,000 findings", for the banner at the top

    def capped(
        items: Sequence[T], key: Callable[[T], tuple] | None, noun: str, order: str, where: str
    ) -> tuple[list[T], str]:
        """The first `max_rows` items by `key` (None: as given), and the note saying what
        was left out."""
        if len(items) > max_rows:
            left_out.append(f"{_n(len(items) - max_rows)} {noun}")
        shown = list(items[:max_rows]) if key is None else heapq.nsmallest(max_rows, items, key)
        return shown, _left_out(len(items), len(shown), noun, order, where)

    rule_tallies = _tally(report.findings, attrgetter("rule"))
    files_per_rule: dict[str, set[str]] = {}
    for finding in report.findings:
        files_per_rule.setdefault(finding.rule, set()).add(finding.file)
    by_rule = _table(
        "rules-table",
        "rules",
        [
            Column("rule", "Rule"),
            *SEVERITY_COLUMNS,
            Column("total", "Total", numeric=True),
            Column("files", "Files", numeric=True),
        ],
        [
            _rule_row(rule, counts, len(files_per_rule[rule]))
            for rule, counts in sorted(rule_tallies, key=_most_severe_order)
        ],
        empty="No findings.",
    )
    all_file_tallies = _tally(report.findings, attrgetter("file"))
    file_tallies, file_note = capped(
        all_file_tallies,
        _most_severe_order,
        "files with findings",
        "most errors first",
        _where_findings(full_data),
    )
    by_file = _table(
        "files-table",
        "files",
        [Column("file", "File"), *SEVERITY_COLUMNS, Column("total", "Total", numeric=True)],
        [_file_row(path, counts, link) for path, counts in file_tallies],
        empty="No findings.",
        left_out=file_note,
    )
    finding_rows, findings_note = capped(
        report.findings,
        _finding_order,
        "findings",
        "most severe first",
        _where_findings(full_data),
    )
    findings = _table(
        "findings-table",
        "findings",
        [
            Column("severity", "Severity", numeric=True),
            Column("rule", "Rule"),
            Column("element", "Element"),
            Column("location", "Location"),
            Column("message", "Finding"),
            Column("fix", "Fix"),
        ],
        [_finding_row(f, link) for f in finding_rows],
        empty="No findings." if report.baseline is None else "No new findings since the baseline.",
        choices=[Choice("severity", "Severity", [(s, s) for s in SEVERITIES])],
        left_out=findings_note,
    )
    exposure_rows, exposures_note = capped(
        report.exposures,
        _exposure_order,
        "exposures",
        "bulk reads first",
        _where_report(full_data, "exposure"),
    )
    exposures = _table(
        "exposures-table",
        "exposures",
        [
            Column("method", "Method"),
            Column("service", "Service"),
            Column("level", "Level", numeric=True),
            Column("bulk", "Reads", numeric=True),
            Column("audited", "Access audited", numeric=True),
            Column("location", "Location"),
            Column("note", "Note"),
        ],
        [_exposure_row(x, link) for x in exposure_rows],
        empty="No RPC returns HIGH data.",
        left_out=exposures_note,
    )
    package_rows, packages_note = capped(
        report.packages, None, "packages", "by name", _where_report(full_data, "package")
    )
    packages = _table(
        "packages-table",
        "packages",
        [
            Column("package", "Package"),
            Column("files", "Files", numeric=True),
            Column("fields", "Fields", numeric=True),
            *(Column(f"level-{level}", level, numeric=True) for level in LEVELS),
            *(
                Column(f"unannotated-{level}", f"Unannotated {level}", numeric=True)
                for level in PII_LEVELS
            ),
            Column("findings", "Findings", numeric=True),
        ],
        [_package_row(p) for p in package_rows],
        empty="No packages were audited.",
        left_out=packages_note,
    )
    service_rows, services_note = capped(
        report.services, None, "services", "by name", _where_report(full_data, "service")
    )
    services = _table(
        "services-table",
        "services",
        [
            Column("service", "Service"),
            Column("package", "Package"),
            Column("file", "File"),
            Column("methods", "Methods", numeric=True),
            Column("level", "Max level", numeric=True),
            Column("exposures", "HIGH exposures", numeric=True),
            Column("unaudited", "PII methods not audited", numeric=True),
        ],
        [_service_row(s, link) for s in service_rows],
        empty="No services were found.",
        choices=[LEVEL_CHOICE],
        left_out=services_note,
    )
    inventory_rows, inventory_note = capped(
        report.inventory,
        _inventory_order,
        "fields",
        "most sensitive and unannotated first",
        _where_report(full_data, "field"),
    )
    inventory = _table(
        "inventory-table",
        "inventory",
        [
            Column("field", "Field"),
            Column("package", "Package"),
            Column("type", "Type"),
            Column("level", "Level", numeric=True),
            Column("pii", "PII type"),
            Column("annotation", "Annotation", numeric=True),
            Column("source", "Source"),
            Column("location", "Location"),
            Column("reasoning", "Why"),
        ],
        [_inventory_row(f, link) for f in inventory_rows],
        empty="No fields were found.",
        choices=[LEVEL_CHOICE, Choice("annotated", "Annotated", [("yes", "yes"), ("no", "no")])],
        scroll=True,
        left_out=inventory_note,
    )
    error_rows, errors_note = capped(
        report.errors,
        None,
        "files that could not be audited",
        "by path",
        _where_report(full_data, "error"),
    )
    review_rows, review_note = capped(
        [f for f in report.inventory if f.needs_review],
        _inventory_order,
        "fields that need review",
        "most sensitive first",
        _where_report(full_data, "field"),
    )
    review = _table(
        "review-table",
        "review",
        [
            Column("field", "Field"),
            Column("level", "Level", numeric=True),
            Column("location", "Location"),
            Column("reason", "Why it needs review"),
        ],
        [_review_row(f, link) for f in review_rows],
        empty="The rules placed every field.",
        left_out=review_note,
    )
    errors = _table(
        "errors-table",
        "errors",
        [Column("file", "File"), Column("message", "Error")],
        [_error_row(err, link) for err in error_rows],
        empty="Every file was parsed.",
        left_out=errors_note,
    )
    chart_intro = "Packages with the most HIGH fields first. Hover a bar for its counts."
    if len(report.packages) > CHART_BARS:
        chart_intro = (
            f"The {CHART_BARS} packages with the most HIGH fields, of {_n(len(report.packages))}; "
            "the Packages table lists the others. Hover a bar for its counts."
        )
    sections = [
        _section(
            "chart",
            "Fields by sensitivity, per package",
            len(report.packages),
            chart_intro,
            _chart(report.packages, report.totals.by_level),
        ),
        _section(
            "rules",
            "Findings by rule",
            len(rule_tallies),
            "How many findings each check raised, and in how many files.",
            by_rule,
        ),
        _section(
            "files",
            "Findings by file",
            len(all_file_tallies),
            "The files with the most errors first: where fixing starts.",
            by_file,
        ),
        _section(
            "findings",
            "Findings",
            len(report.findings),
            "What to act on, most severe first. Reused field numbers carry their git history.",
            findings,
        ),
        _section(
            "exposures",
            "RPCs that return HIGH data",
            len(report.exposures),
            "Bulk reads (list, search, batch, streams) first: they leak many records per call.",
            exposures,
        ),
        _section(
            "packages",
            "Packages",
            len(report.packages),
            "Fields and findings per package.",
            packages,
        ),
        _section(
            "services",
            "Services",
            len(report.services),
            "The most sensitive data each service returns, and PII methods without access auditing.",
            services,
        ),
        _section(
            "review",
            "Fields that need review",
            report.totals.needs_review,
            "Fields of records about people that no rule places: decide each with "
            "<code>protoguard pii correct</code> or annotate it.",
            review,
        ),
        _section(
            "inventory",
            "PII inventory",
            len(report.inventory),
            "Every field of every audited file with its sensitivity; missing annotations are flagged.",
            inventory,
        ),
        _section(
            "errors", "Errors", len(report.errors), "Files that could not be audited.", errors
        ),
    ]
    nav = "".join(
        f'<a href="#{sid}">{label}</a>'
        for sid, label in [
            ("chart", "Chart"),
            ("rules", "By rule"),
            ("files", "By file"),
            ("findings", "Findings"),
            ("exposures", "Exposures"),
            ("packages", "Packages"),
            ("services", "Services"),
            ("review", "Needs review"),
            ("inventory", "Inventory"),
            ("errors", "Errors"),
        ]
    )
    banner = (
        f'<p class="capped banner" role="note"><b>A large report:</b> each table lists at most '
        f"{_n(max_rows)} rows; left out of this page: {', '.join(left_out)}. The summary "
        "above and the findings-by-rule table count everything; each capped table says where "
        "its full list is.</p>"
        if left_out
        else ""
    )
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>protoguard audit: {_e(report.root)}</title>",
            f"<style>{_CSS}</style>",
            f"<noscript><style>{_NOSCRIPT_CSS}</style></noscript>",
            "</head><body>",
            _header(report),
            f'<nav class="wrap">{nav}</nav><main class="wrap">',
            _summary(report),
            banner,
            *sections,
            "</main>",
            f'<footer class="wrap">Generated by {_e(report.tool)} from audit schema '
            f"{report.schema_version}. Self-contained: no network access.</footer>",
            f"<script>{_JS}</script></body></html>\n",
        ]
    )


_CSS = """
:root{--ink:#1f2933;--muted:#5f6b7a;--line:#e3e7ed;--bg:#f5f7fa;--card:#fff;
--high:#c81e1e;--high-bg:#fde8e8;--med:#d97706;--med-bg:#fef3c7;--med-ink:#8a4b06;
--low:#0e7fb0;--low-bg:#e0f2fe;--low-ink:#075985;--pub:#9aa5b1;--pub-bg:#eef1f4;--pub-ink:#3e4c59;
--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 -apple-system,BlinkMacSystemFont,
"Segoe UI",Roboto,"Helvetica Neue","Liberation Sans",Arial,sans-serif}
[hidden]{display:none!important}
.wrap{max-width:1360px;margin:0 auto;padding:0 24px}
code,.mono{font-family:var(--mono);font-size:12.5px}
.top{background:#16202c;color:#e9eef4;padding:22px 0 18px}
.top h1{margin:0 0 12px;font-size:22px;font-weight:650;letter-spacing:-.01em}
.top h1 span{font-family:var(--mono);font-size:15px;font-weight:400;color:#9fb3c8;margin-left:10px}
.meta{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:6px 28px;margin:0}
.meta div{display:flex;gap:10px;min-width:0}
.meta dt{flex:0 0 70px;color:#8da2b8;font-size:12px;text-transform:uppercase;letter-spacing:.06em;padding-top:2px}
.meta dd{margin:0;min-width:0;overflow-wrap:anywhere}
.meta code{color:#fff}
.state-ok{color:#7ee2a8}.state-warn{color:#ffc86b}
nav{display:flex;gap:4px;padding-top:14px;padding-bottom:2px;flex-wrap:wrap}
nav a{color:var(--muted);text-decoration:none;padding:4px 10px;border-radius:6px;font-weight:500}
nav a:hover{background:#e6ebf1;color:var(--ink)}
.cards{display:grid;grid-template-columns:repeat(6,1fr);gap:14px;margin:12px 0 18px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px;min-width:0}
.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.06em;font-weight:600}
.card .value{font-size:30px;font-weight:700;letter-spacing:-.02em;line-height:1.2;margin:4px 0 6px}
.card .sub{color:var(--muted);font-size:12px;display:flex;flex-wrap:wrap;gap:4px}
.card[data-stat=unannotated] .value{color:var(--high)}
.pill{border-radius:999px;padding:0 7px;font-size:11px;white-space:nowrap}
.panel{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px 18px;margin:0 0 18px}
.panel h2{margin:0;font-size:17px;font-weight:650}
.panel h2 .n{font-size:12px;font-weight:600;color:var(--muted);background:var(--pub-bg);border-radius:999px;
padding:1px 9px;vertical-align:2px;margin-left:4px}
.intro{margin:2px 0 12px;color:var(--muted)}
.empty{color:var(--muted);font-style:italic;margin:4px 0}
.badge{display:inline-block;min-width:64px;text-align:center;border-radius:4px;padding:1px 6px;font-size:11px;
font-weight:700;letter-spacing:.04em}
.lv-HIGH{background:var(--high-bg);color:var(--high)}
.lv-MEDIUM{background:var(--med-bg);color:var(--med-ink)}
.lv-LOW{background:var(--low-bg);color:var(--low-ink)}
.lv-PUBLIC{background:var(--pub-bg);color:var(--pub-ink)}
.sev-ERROR{background:var(--high-bg);color:var(--high)}
.sev-WARNING{background:var(--med-bg);color:var(--med-ink)}
.sev-INFO{background:var(--low-bg);color:var(--low-ink)}
.tag{border-radius:4px;padding:0 6px;font-size:11px;font-weight:600}
.tag-bulk{background:#16202c;color:#fff}
.tag-miss{background:var(--high-bg);color:var(--high)}
.legend{display:flex;gap:18px;margin:0 0 8px;flex-wrap:wrap}
.key{display:inline-flex;align-items:center;gap:6px;font-size:12.5px;color:var(--muted)}
.key b{color:var(--ink)}
.sw{display:inline-block;width:12px;height:12px;border-radius:3px}
.sw.lv-HIGH{background:var(--high)}.sw.lv-MEDIUM{background:var(--med)}
.sw.lv-LOW{background:var(--low)}.sw.lv-PUBLIC{background:var(--pub)}
.chart-box{max-height:620px;overflow:auto}
.chart{max-width:100%;height:auto;display:block;font-size:12px}
.chart .grid{stroke:#e6eaef;stroke-width:1}
.chart .tick{fill:#7b8794;text-anchor:middle;font-size:11px}
.chart .name{fill:var(--ink);text-anchor:end;dominant-baseline:central;font-family:var(--mono);font-size:11.5px}
.chart .total{fill:var(--muted);dominant-baseline:central;font-size:11px}
.chart .bar:hover .name{font-weight:700}
.seg-HIGH{fill:var(--high)}.seg-MEDIUM{fill:var(--med)}.seg-LOW{fill:var(--low)}.seg-PUBLIC{fill:var(--pub)}
.chart rect{stroke:#fff;stroke-width:1}
.toolbar{display:flex;align-items:center;gap:10px;margin:0 0 8px;flex-wrap:wrap}
.toolbar input{font:inherit;border:1px solid #cbd2d9;border-radius:6px;padding:5px 10px;width:260px}
.toolbar select{font:inherit;border:1px solid #cbd2d9;border-radius:6px;padding:4px 6px;background:#fff}
.choice{color:var(--muted);font-size:12.5px}
.count{color:var(--muted);font-size:12.5px;margin-left:auto}
.toolbar button{font:inherit;font-size:12.5px;border:1px solid #cbd2d9;background:#fff;border-radius:6px;
padding:4px 10px;cursor:pointer}
.scroll{max-height:75vh;overflow:auto;border:1px solid var(--line);border-radius:8px}
table{border-collapse:separate;border-spacing:0;width:100%;font-size:13px}
th{position:sticky;top:0;background:#f8fafc;border-bottom:1px solid #d5dbe2;text-align:left;padding:0;
white-space:nowrap;z-index:1}
th button{all:unset;display:block;cursor:pointer;padding:7px 10px;font-size:12px;font-weight:650;color:#3e4c59;
text-transform:uppercase;letter-spacing:.04em}
th button:focus-visible{outline:2px solid var(--low)}
th button::after{content:"\\2195";color:#b8c2cc;margin-left:5px;font-size:11px}
th[aria-sort=ascending] button::after{content:"\\25B2";color:var(--ink)}
th[aria-sort=descending] button::after{content:"\\25BC";color:var(--ink)}
td{padding:6px 10px;border-bottom:1px solid #eef1f4;vertical-align:top;overflow-wrap:break-word}
/* long words in prose may break anywhere, so narrow windows squeeze text, not the page */
td.prose,td.fix,td.why{overflow-wrap:anywhere;min-width:13em}
.rule{white-space:nowrap}
.q{background:#eef1f4;border-radius:3px;padding:0 3px;font-size:12px;overflow-wrap:anywhere}
/* short names stay on one line; long ones still wrap at their dots */
td.name{min-width:19ch}td.field{min-width:27ch}
tbody tr:hover td{background:#f8fafc}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.zero{color:#b8c2cc}
td.n-HIGH,td.n-ERROR{color:var(--high);font-weight:650}
td.n-MEDIUM,td.n-WARNING{color:var(--med-ink);font-weight:600}
.capped{background:var(--med-bg);border:1px solid #f5d48a;border-radius:8px;padding:8px 12px;margin:0 0 10px;
color:var(--med-ink)}
.capped code{color:var(--ink)}
.capped.banner{margin:0 0 18px}
td.fix,td.why{color:#3e4c59;font-size:12.5px}
a.loc{color:#0b5cad;font-family:var(--mono);font-size:12px;text-decoration:none}
a.loc:hover{text-decoration:underline}
details{margin-top:4px}
summary{cursor:pointer;color:#0b5cad;font-size:12px}
details ol{margin:4px 0 0;padding-left:18px;font-size:12px}
footer{color:var(--muted);font-size:12px;padding-bottom:28px}
@media (max-width:1100px){.cards{grid-template-columns:repeat(3,1fr)}}
/* Wide tables scroll sideways inside their panel on narrow windows. Only there: a scroll
container would pin the sticky headers to it instead of to the page. */
@media (max-width:1280px){.table-x{overflow-x:auto}}
"""
# Before the script has run, keep long tables to their first page so they lay out quickly.
_CSS += (
    f"body:not([data-ready]) table[data-page]>tbody>tr:nth-child(n+{PAGE_ROWS + 1}){{display:none}}"
)

# Without JavaScript nothing pages the long tables, so show every row.
_NOSCRIPT_CSS = "table[data-page] > tbody > tr{display:table-row!important}.toolbar{display:none}"

_JS = """
(function () {
  "use strict";
  var collator = new Intl.Collator("en", {numeric: true, sensitivity: "base"});
  var fmt = new Intl.NumberFormat("en-US");

  function key(row, col, numeric) {
    var cell = row.cells[col];
    var text = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
    if (!numeric) return text.trim();
    var n = parseFloat(text.replace(/,/g, ""));
    return isNaN(n) ? Infinity : n;
  }

  function refresh(state) {
    var query = state.input.value.trim().toLowerCase();
    var rows = state.table.tBodies[0].rows;
    var matching = 0, shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i], ok = true;
      for (var j = 0; ok && j < state.selects.length; j++) {
        var s = state.selects[j];
        if (s.value && row.getAttribute("data-" + s.getAttribute("data-attr")) !== s.value) ok = false;
      }
      if (ok && query) {
        if (row._text === undefined) row._text = row.textContent.toLowerCase();
        ok = row._text.indexOf(query) >= 0;
      }
      if (ok) matching++;
      var visible = ok && matching <= state.limit;
      if (visible) shown++;
      if (row.hidden === visible) row.hidden = !visible;
    }
    var filtered = matching !== rows.length;
    var text = filtered ? fmt.format(matching) + " of " + fmt.format(rows.length) + " rows match"
                        : fmt.format(rows.length) + " rows";
    if (shown < matching) text += " \\u00b7 showing the first " + fmt.format(shown);
    state.count.textContent = text;
    state.more.hidden = state.all.hidden = shown >= matching;
  }

  function sort(state, th) {
    var ths = state.table.tHead.rows[0].cells;
    var col = Array.prototype.indexOf.call(ths, th);
    var numeric = th.getAttribute("data-type") === "num";
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    var body = state.table.tBodies[0];
    var keyed = Array.prototype.map.call(body.rows, function (row, i) {
      return {row: row, key: key(row, col, numeric), i: i};
    });
    keyed.sort(function (a, b) {
      var c = numeric ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : collator.compare(a.key, b.key);
      return c * dir || a.i - b.i;
    });
    var frag = document.createDocumentFragment();
    for (var i = 0; i < keyed.length; i++) frag.appendChild(keyed[i].row);
    body.appendChild(frag);
    for (var k = 0; k < ths.length; k++) ths[k].setAttribute("aria-sort", "none");
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    refresh(state);
  }

  var toolbars = document.querySelectorAll(".toolbar[data-for]");
  for (var t = 0; t < toolbars.length; t++) {
    (function (bar) {
      var table = document.getElementById(bar.getAttribute("data-for"));
      var page = parseInt(table.getAttribute("data-page"), 10) || Infinity;
      var state = {
        table: table, limit: page, input: bar.querySelector("input"),
        selects: bar.querySelectorAll("select"), count: bar.querySelector(".count"),
        more: bar.querySelector(".more"), all: bar.querySelector(".all")
      };
      var pending;
      state.input.addEventListener("input", function () {
        clearTimeout(pending);
        pending = setTimeout(function () { state.limit = page; refresh(state); }, 120);
      });
      for (var s = 0; s < state.selects.length; s++) {
        state.selects[s].addEventListener("change", function () { state.limit = page; refresh(state); });
      }
      state.more.addEventListener("click", function () { state.limit += page; refresh(state); });
      state.all.addEventListener("click", function () { state.limit = Infinity; refresh(state); });
      table.tHead.addEventListener("click", function (event) {
        var th = event.target.closest("th");
        if (th) sort(state, th);
      });
      refresh(state);
    })(toolbars[t]);
  }
  document.body.setAttribute("data-ready", "1");
})();
"""

_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_JS.encode()).digest()).decode()
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src 'sha256-{_SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"
)
