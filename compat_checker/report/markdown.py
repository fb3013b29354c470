"""Markdown rendering of a verdict (PR comments, job summaries)."""

from __future__ import annotations

from compat_checker.findings import Change, Verdict


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _finding_row(change: Change) -> str:
    state = "suppressed" if change.suppressed else ("breaking" if change.is_breaking else "warning")
    return (
        f"| `{_cell(change.file)}:{change.line}` | {change.severity.value} {state} | "
        f"`{change.rule}` | `{_cell(change.element)}` | {_cell(change.message)} | "
        f"{_cell(change.recommendation)} |"
    )


def render_markdown(verdict: Verdict) -> str:
    summary = verdict.summary
    if verdict.can_deploy:
        head = "## ✅ protoguard: safe to deploy"
    else:
        head = f"## ❌ protoguard: blocked ({verdict.overall_severity.value})"
    lines = [
        head,
        "",
        f"`{verdict.base.ref}` → `{verdict.head.ref}` · {len(verdict.files)} changed .proto files · "
        f"{summary.breaking} breaking · {summary.warnings} warnings · {summary.suppressed} suppressed",
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
        lines += [f"Breaking changes allowed: {_cell(verdict.allow_breaking)}", ""]
    layer_text = ", ".join(f"{layer.name} {layer.status.value}" for layer in verdict.layers)
    lines += [f"<sub>layers: {layer_text}</sub>", ""]
    return "\n".join(lines)
