"""GitHub Actions renderings of a verdict: workflow-command annotations and the job summary.

Annotations are the `::error file=…,line=…::message` lines the runner turns into marks on
the pull request's diff. GitHub keeps at most 10 errors and 10 warnings per step, so the
most important findings go first and the rest are counted and pointed at the job summary
(Markdown appended to `$GITHUB_STEP_SUMMARY`), which lists everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compat_checker.findings import Change, LayerStatus, Severity, Verdict
from compat_checker.report.markdown import layer_failure_text, render_markdown
from compat_checker.report.mdtext import code, literal, one_line, table
from compat_checker.verdict import blocks

# Rows per table in the job summary: GitHub refuses summaries over 1 MiB per step, and
# nobody reads thousands of rows; the verdict JSON keeps everything.
MAX_SUMMARY_FINDINGS = 500
MAX_SUMMARY_PII_FIELDS = 200

_PII_LEVELS = ("HIGH", "MEDIUM", "LOW")


def escape_data(text: str) -> str:
    """Escape a workflow command's message (GitHub's `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (GitHub's `escapeProperty`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties: str | int | None) -> str:
    """One `::command prop=value,…::message` line; empty/None/0 properties are left out."""
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value not in (None, "", 0)
    )
    return f"::{command}{' ' + props if props else ''}::{escape_data(message)}"


def importance(change: Change, fail_on: str) -> tuple[int, int, str, int, int, str]:
    """Sort key, most important first: blocking, then severity, then place in the tree."""
    return (
        0 if blocks(change, fail_on) else 1,
        -change.severity.rank,
        change.file,
        change.line,
        change.column,
        change.rule,
    )


def annotation_level(change: Change, fail_on: str) -> str | None:
    """`error` for what blocks, `warning` for other live findings; suppressed and INFO
    findings stay in the summary only (they would crowd out what needs action)."""
    if change.suppressed is not None:
        return None
    if blocks(change, fail_on):
        return "error"
    if change.severity == Severity.INFO:
        return None
    return "warning"


def finding_text(change: Change) -> str:
    """The message, naming the element unless the message already does."""
    if change.element and change.element not in change.message:
        return f"{change.message} ({change.element})"
    return change.message


def _annotation_text(change: Change) -> str:
    state = "breaking" if change.is_breaking else "warning"
    text = f"[{change.severity.value} {state}] {finding_text(change)}"
    if change.recommendation:
        text += f"\nHow to ship it safely: {change.recommendation}"
    return text


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render_github(
    verdict: Verdict, *, max_errors: int = 10, max_warnings: int = 10, path_prefix: str = ""
) -> str:
    """Workflow commands for the most important findings, one per line.

    `path_prefix` is the checked repository's directory relative to the workspace, since
    GitHub resolves `file=` against the workspace while findings are repo-relative.
    """
    limits = {"error": max_errors, "warning": max_warnings}
    shown = {"error": 0, "warning": 0}
    hidden = {"error": 0, "warning": 0}
    lines = []
    for change in sorted(verdict.changes, key=lambda c: importance(c, verdict.fail_on)):
        level = annotation_level(change, verdict.fail_on)
        if level is None:
            continue
        if shown[level] >= limits[level]:
            hidden[level] += 1
            continue
        shown[level] += 1
        lines.append(
            workflow_command(
                level,
                _annotation_text(change),
                file=_join(path_prefix, change.file),
                line=change.line,
                col=change.column if change.line else None,
                title=change.rule,
            )
        )
    if hidden["error"] or hidden["warning"]:
        more = " and ".join(
            _plural(count, f"more {level}") for level, count in hidden.items() if count
        )
        lines.append(
            workflow_command(
                "notice",
                f"{more} in the job summary (GitHub shows 10 of each per step)",
                title="protoguard",
            )
        )
    lines += [
        workflow_command(
            "error" if layer.fails_run else "warning",
            layer_failure_text(layer),
            title=f"protoguard {layer.name}",
        )
        for layer in verdict.layers
        if layer.fails_run or layer.status is LayerStatus.FAILED
    ]
    return "\n".join(lines) + ("\n" if lines else "")


def _join(prefix: str, path: str) -> str:
    prefix = prefix.strip("/")
    return f"{prefix}/{path}" if prefix and prefix != "." else path


# ---------------------------------------------------------------- job summary
# PII reasoning, incident records and the LLM's notes are untrusted text (an LLM answer can
# be steered by the proto comments it read): each value goes in through `literal` or `code`.


def _line(value: Any) -> str:
    """Untrusted text on one line of its own (a list item, a sentence)."""
    return one_line(literal(value), line_break="<br>")


def _pii_entries(pii: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    """The `fields` or `methods` of the PII report (pii_detector/report.py: one file's
    report, or `{"files": [...]}`), each with its file."""
    reports = pii.get("files") if isinstance(pii.get("files"), list) else [pii]
    entries = []
    for report in reports:
        if not isinstance(report, Mapping):
            continue
        for entry in report.get(key) or []:
            if isinstance(entry, Mapping):
                entries.append({"file": report.get("file", ""), **entry})
    return entries


def needs_review_fields(pii: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The fields of the PII report the rules flagged `needs_review` (each with its file)."""
    return [f for f in _pii_entries(pii or {}, "fields") if f.get("needs_review")]


def _pii_section(pii: Mapping[str, Any]) -> list[str]:
    # A field the rules could not place is listed whatever its guessed level: a human
    # decides it, so it must not hide among the PUBLIC fields.
    fields = [
        f
        for f in _pii_entries(pii, "fields")
        if str(f.get("sensitivity", "")).upper() in _PII_LEVELS or f.get("needs_review")
    ]
    if not fields:
        return ["### Personal data", "", "No field of the changed files holds personal data.", ""]
    ranks = (*_PII_LEVELS, "PUBLIC")
    fields.sort(
        key=lambda f: (
            ranks.index(str(f["sensitivity"]).upper())
            if str(f["sensitivity"]).upper() in ranks
            else 9,
            bool(f.get("annotated")),
            str(f.get("element") or f.get("field_path") or ""),
        )
    )
    personal = [f for f in fields if str(f.get("sensitivity", "")).upper() in _PII_LEVELS]
    unannotated = sum(not f.get("annotated") for f in personal)
    review = sum(bool(f.get("needs_review")) for f in fields)
    lines = [
        "### Personal data",
        "",
        f"{_plural(len(personal), 'field')} hold personal data, {unannotated} without an annotation"
        + (
            f"; {review} need review (the rules could not place them: decide each with "
            "`protoguard pii correct`, or annotate it)."
            if review
            else "."
        ),
        "",
    ]
    rows = [
        (
            code(f.get("element") or f.get("field_path") or f.get("field_name", "")),
            code(f"{f.get('file', '')}:{f.get('line', 0)}"),
            literal(f.get("sensitivity"))
            + (" · **needs review**" if f.get("needs_review") else ""),
            literal(f.get("pii_type") or ""),
            "yes" if f.get("annotated") else "**no**",
            literal(f.get("reasoning") or "")
            + (
                f"; needs review: {literal(f.get('review_reason') or '')}"
                if f.get("needs_review")
                else ""
            ),
        )
        for f in fields[:MAX_SUMMARY_PII_FIELDS]
    ]
    lines += table(("field", "where", "level", "type", "annotated", "why"), rows, line_break="<br>")
    if len(fields) > MAX_SUMMARY_PII_FIELDS:
        lines += [f"… and {len(fields) - MAX_SUMMARY_PII_FIELDS} more in the verdict JSON.", ""]
    exposures = [m for m in _pii_entries(pii, "methods") if m.get("exposure")]
    if exposures:
        lines += ["RPCs that expose personal data:", ""]
        lines += [
            f"- {code(m.get('element', ''))} ({literal(m.get('sensitivity', ''))}): "
            f"{_line(m['exposure'])}"
            for m in exposures
        ]
        lines.append("")
    return lines


def _incidents_section(verdict: Verdict) -> list[str]:
    by_id = {change.id: change for change in verdict.changes}
    rows = []
    for incident in verdict.incidents:
        matched = [by_id[i] for i in incident.get("changes", []) if i in by_id]
        score = incident.get("score")
        rows.append(
            (
                code(incident.get("id", "")),
                literal(incident.get("title", "")),
                f"{score:.2f}" if isinstance(score, int | float) else "",
                literal(incident.get("severity", "")),
                literal(incident.get("date", "")),
                ", ".join(f"{code(c.rule)} on {code(c.element)}" for c in matched),
                literal(incident.get("resolution", "")),
            )
        )
    return [
        "### Similar past incidents",
        "",
        *table(
            ("incident", "title", "similarity", "severity", "date", "matched", "resolution"),
            rows,
            line_break="<br>",
        ),
    ]


def _counts(usage: Mapping[str, Any]) -> list[str]:
    """Calls, cached, failed, input and output tokens, as shown (literal: the usage record
    is read back from the verdict JSON, which need not hold numbers)."""
    keys = ("calls", "cached", "failed", "input_tokens", "output_tokens")
    return [literal(usage.get(key, 0)) for key in keys]


def _cost(value: Any) -> str:
    return f"${value:.4f}" if isinstance(value, int | float) else "unknown (no price configured)"


def _llm_section(llm: Mapping[str, Any]) -> list[str]:
    state = llm.get("state", "")
    lines = ["### LLM review", "", f"**{literal(state)}**: {_line(llm.get('reason', ''))}", ""]
    facts = [
        (label, llm.get(key))
        for label, key in (("provider", "provider"), ("prompt", "prompt"))
        if llm.get(key)
    ]
    if facts:
        lines += [" · ".join(f"{label} {code(value)}" for label, value in facts), ""]
    usage = llm.get("usage")
    if isinstance(usage, Mapping):
        by_model = usage.get("by_model") or {}
        rows = [
            (
                code(name),
                *_counts(u),
                _cost(u.get("cost_usd")),
            )
            for name, u in by_model.items()
            if isinstance(u, Mapping)
        ]
        rows.append(
            (
                "**total**",
                *_counts(usage),
                _cost(usage.get("cost_usd")),
            )
        )
        lines += table(
            ("model", "calls", "cached", "failed", "input tokens", "output tokens", "cost"),
            rows,
            line_break="<br>",
        )
        if usage.get("budget_stop"):
            lines += [f"Budget reached: {_line(usage['budget_stop'])}", ""]
    for note in llm.get("notes") or []:
        lines.append(f"- {_line(note)}")
    if llm.get("notes"):
        lines.append("")
    return lines


def render_step_summary(verdict: Verdict, *, max_findings: int = MAX_SUMMARY_FINDINGS) -> str:
    """The job summary: verdict and findings, then PII, similar incidents and LLM usage."""
    shown = verdict
    omitted = 0
    if len(verdict.changes) > max_findings:
        keep = sorted(verdict.changes, key=lambda c: importance(c, verdict.fail_on))[:max_findings]
        omitted = len(verdict.changes) - max_findings
        shown = verdict.model_copy(update={"changes": keep})
    lines = [render_markdown(shown).rstrip("\n"), ""]
    if omitted:
        lines += [
            f"Only the {max_findings} most important findings are listed; "
            f"{omitted} more are in the verdict JSON.",
            "",
        ]
    if verdict.pii:
        lines += _pii_section(verdict.pii)
    if verdict.incidents:
        lines += _incidents_section(verdict)
    # A skipped review has nothing to report beyond the layers line.
    if verdict.llm and verdict.llm.get("state") != "skipped":
        lines += _llm_section(verdict.llm)
    return "\n".join(lines).rstrip("\n") + "\n"


def append_step_summary(path: str | None, markdown: str) -> None:
    """Append to `$GITHUB_STEP_SUMMARY` (no-op outside Actions). Appending, not an atomic
    replace: the runner collects the file after the step, with what earlier commands wrote."""
    if not path:
        return
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(markdown if markdown.endswith("\n") else markdown + "\n")
