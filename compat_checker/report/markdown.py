"""Markdown rendering of a verdict (PR comments, job summaries).

Names, messages and recommendations come from the pull request (or from an LLM reading it),
so they go through `mdtext`: shown as written, never as links, images, tags or mentions.
"""

from __future__ import annotations

from compat_checker.findings import Change, Layer, LayerStatus, Verdict
from compat_checker.report.mdtext import code, literal, one_line, table_cell
from compat_checker.verdict import override_hints


def _finding_row(change: Change) -> str:
    state = "suppressed" if change.suppressed else ("breaking" if change.is_breaking else "warning")
    cells = [
        code(f"{change.file}:{change.line}"),
        f"{change.severity.value} {state}",
        code(change.rule),
        code(change.element),
        literal(change.message),
        literal(change.recommendation),
    ]
    return "| " + " | ".join(table_cell(c, line_break="<br>") for c in cells) + " |"


def render_markdown(verdict: Verdict) -> str:
    summary = verdict.summary
    if verdict.can_deploy:
        head = "## ✅ protoguard: safe to deploy"
    else:
        head = f"## ❌ protoguard: blocked ({verdict.overall_severity.value})"
    lines = [
        head,
        "",
        f"{code(verdict.base.ref)} → {code(verdict.head.ref)} · "
        f"{len(verdict.files)} changed .proto files · {summary.breaking} breaking · "
        f"{summary.pii} personal data · {summary.warnings} warnings · "
        f"{summary.suppressed} suppressed",
        "",
    ]
    if verdict.changes:
        lines += [
            "| where | severity | rule | element | finding | how to ship it safely |",
            "|---|---|---|---|---|---|",
            *(_finding_row(c) for c in verdict.changes),
            "",
        ]
    if verdict.allow_breaking:
        reason = one_line(literal(verdict.allow_breaking), line_break="<br>")
        lines += [f"Breaking changes allowed: {reason}", ""]
    if verdict.allow_pii:
        reason = one_line(literal(verdict.allow_pii), line_break="<br>")
        lines += [f"Personal data allowed: {reason}", ""]
    if not verdict.can_deploy:
        lines += [
            f"To ship {hint}.<br>" for hint in override_hints(verdict.changes, verdict.fail_on)
        ]
        lines.append("")
    layer_text = ", ".join(f"{layer.name} {layer.status.value}" for layer in verdict.layers)
    lines += [f"<sub>layers: {layer_text}</sub>", ""]
    failures = [
        layer for layer in verdict.layers if layer.fails_run or layer.status is LayerStatus.FAILED
    ]
    lines += [f"- {one_line(literal(layer_failure_text(layer)))}" for layer in failures]
    return "\n".join(lines + ([""] if failures else []))


def layer_failure_text(layer: Layer) -> str:
    """One line for a layer that failed: required (the run fails) or advisory (it does not)."""
    if layer.fails_run:
        return f"{layer.name} required but did not run (exit 2): {layer.detail}"
    return f"{layer.name} failed, verdict from the other layers: {layer.detail}"
