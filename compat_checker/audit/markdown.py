"""The Markdown audit report (`--markdown`): short enough for a job summary or an issue.

The full inventory lives in the JSON report (and, up to a cap, the HTML one); here only
the numbers, the findings, the fields that need review (the first `MAX_ROWS` of each
table) and the per-package summary.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from compat_checker.audit.model import AuditReport
from compat_checker.report.mdtext import code, literal, table

MAX_ROWS = 100


def _table(header: list[str], rows: list[list[object]], total: int) -> list[str]:
    lines = table(header, rows[:MAX_ROWS])
    if total > MAX_ROWS:
        # Not "in the HTML report": it caps its tables too (at a larger number).
        lines[-1:] = [f"\n… and {total - MAX_ROWS} more in the JSON report (`--json`).", ""]
    return lines


def _locator(link_base: str | None) -> Callable[[str, int | None], str]:
    """`file:line` as code, linked to ``link_base`` + path#Lline when there is a base. The
    path is percent-encoded, so a `)` or a space in a file name cannot end the link early."""

    def location(path: str, line: int | None) -> str:
        span = code(path if line is None else f"{path}:{line}")
        if link_base is None:
            return span
        anchor = "" if line is None else f"#L{line}"
        return f"[{span}]({link_base}{quote(path, safe='/')}{anchor})"

    return location


def render_markdown(report: AuditReport, *, link_base: str | None = None) -> str:
    """``link_base`` (e.g. `https://github.com/org/repo/blob/<sha>/`) turns locations into
    links; without it they are plain code, since a relative link in a job summary or an
    issue would not lead to the file."""
    location = _locator(link_base)
    t = report.totals
    scope = ""
    if report.shard is not None:
        scope = f" · shard {report.shard.index}/{report.shard.count}"
    elif report.merged_from:
        scope = f" · merged from {report.merged_from} shards"
    lines = [
        "## protoguard audit",
        "",
        code(report.root)
        + (f" at {code(report.commit[:12])}" if report.commit else "")
        + (" + uncommitted changes" if report.uncommitted else "")
        + scope
        + f" · git history: {report.history}",
        "",
        *(
            [
                "> **Shallow clone**: the git history stops at the clone's depth, so field "
                "numbers deleted and reused before it are not seen.",
                "",
            ]
            if report.history == "partial"
            else []
        ),
        f"**{t.files}** files · **{t.fields}** fields · **{t.pii_fields}** hold personal data "
        f"(HIGH {t.by_level['HIGH']}, MEDIUM {t.by_level['MEDIUM']}, LOW {t.by_level['LOW']}) · "
        f"unannotated: HIGH {t.unannotated['HIGH']}, MEDIUM {t.unannotated['MEDIUM']}, "
        f"LOW {t.unannotated['LOW']} · **{t.needs_review}** need review · "
        f"**{t.exposures}** RPCs expose HIGH data",
        "",
        "Findings: "
        + ", ".join(f"{n} {severity}" for severity, n in t.findings_by_severity.items())
        + (
            f" (baseline {code(report.baseline.file)}: {report.baseline.known} known left out, "
            f"{report.baseline.fixed} fixed)"
            if report.baseline
            else ""
        ),
        "",
    ]
    if report.findings:
        lines += ["### Findings", ""]
        lines += _table(
            ["severity", "rule", "location", "message", "fix"],
            [
                [f.severity, f.rule, location(f.file, f.line), literal(f.message), literal(f.fix)]
                for f in report.findings
            ],
            len(report.findings),
        )
    if report.exposures:
        lines += ["### RPCs exposing HIGH data", ""]
        lines += _table(
            ["method", "bulk", "audited", "location"],
            [
                [
                    code(f"{e.service}.{e.method}"),
                    "yes" if e.bulk else "no",
                    "yes" if e.audit_pii_access else "no",
                    location(e.file, e.line),
                ]
                for e in report.exposures
            ],
            len(report.exposures),
        )
    review = [i for i in report.inventory if i.needs_review]
    if review:
        lines += [
            "### Fields that need review",
            "",
            "The rules could not place these fields of records about people: decide each "
            f"with {code('protoguard pii correct')} or annotate it.",
            "",
        ]
        lines += _table(
            ["field", "level", "location", "why"],
            [
                [
                    code(i.element),
                    i.sensitivity,
                    location(i.file, i.line),
                    literal(i.review_reason or ""),
                ]
                for i in review
            ],
            len(review),
        )
    if report.packages:
        lines += ["### Packages", ""]
        lines += _table(
            ["package", "files", "fields", "HIGH", "MEDIUM", "LOW", "unannotated PII", "findings"],
            [
                [
                    literal(p.package or "(none)"),
                    p.files,
                    p.fields,
                    p.by_level["HIGH"],
                    p.by_level["MEDIUM"],
                    p.by_level["LOW"],
                    sum(p.unannotated.values()),
                    p.findings,
                ]
                for p in report.packages
            ],
            len(report.packages),
        )
    if report.errors:
        lines += ["### Files that did not parse", ""]
        lines += _table(
            ["file", "error"],
            [[location(e.file, None), literal(e.message)] for e in report.errors],
            len(report.errors),
        )
    return "\n".join(lines).rstrip() + "\n"
