"""The terminal report: findings grouped by file, then the verdict line."""

from __future__ import annotations

from itertools import groupby

from rich.console import Console, Group
from rich.markup import escape
from rich.text import Text

from compat_checker.findings import Change, LayerStatus, Severity, Verdict
from compat_checker.report.markdown import layer_failure_text
from compat_checker.verdict import override_hints

_SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def _kind_label(change: Change) -> Text:
    if change.suppressed:
        return Text("suppressed", style="dim")
    if change.is_breaking:
        return Text("breaking", style="bold red")
    return Text("warning" if change.severity != Severity.INFO else "info", style="yellow")


def _finding_block(change: Change) -> Text:
    """One finding as a few short lines: readable at any terminal width and in CI logs."""
    block = Text("  ")
    block.append(f"{change.file}:{change.line}:{change.column}", style="bold")
    block.append("  ")
    block.append(change.severity.value, style=_SEVERITY_STYLE[change.severity])
    block.append(" ")
    block.append_text(_kind_label(change))
    block.append(f"  {change.rule}", style="bold")
    sources = "+".join(s.value for s in change.sources)
    block.append(f" ({change.category.value} · {sources})", style="dim")
    block.append(f"\n    {change.element}", style="cyan")
    block.append(f"\n    {change.message}")
    if change.recommendation:
        block.append("\n    fix: ", style="green")
        block.append(change.recommendation)
    if change.suppressed:
        block.append(f"\n    suppressed: {change.suppressed}", style="dim")
    if change.incidents:
        ids = ", ".join(str(i.get("id")) for i in change.incidents)
        block.append(f"\n    similar incidents: {ids}", style="magenta")
    return block


def verdict_line(verdict: Verdict) -> Text:
    summary = verdict.summary
    counts = (
        f"{summary.breaking} breaking, {summary.pii} personal data, {summary.warnings} warnings, "
        f"{summary.info} info, {summary.suppressed} suppressed"
    )
    if verdict.can_deploy:
        return Text(f"✔ SAFE TO DEPLOY — {counts}", style="bold green")
    return Text(
        f"✘ BLOCKED ({verdict.overall_severity.value}) — {summary.blocking} blocking; {counts}",
        style="bold red",
    )


def render_text(verdict: Verdict, console: Console) -> None:
    header = Text()
    header.append("protoguard ", style="bold")
    header.append(f"{verdict.base.ref} ({(verdict.base.sha or verdict.base.kind)[:12]})")
    header.append(" → ")
    header.append(f"{verdict.head.ref} ({(verdict.head.sha or verdict.head.kind)[:12]})")
    console.print(header)
    status = {f.path: f for f in verdict.files}
    if not verdict.changes:
        console.print(Text(f"{len(verdict.files)} changed .proto files, no findings", style="dim"))
    for path, group in groupby(verdict.changes, key=lambda c: c.file):
        changed = status.get(path)
        title = Text(f"\n{escape(path)}", style="bold underline")
        if changed is not None:
            title.append(f"  [{changed.status.value}]", style="dim")
            if changed.old_path:
                title.append(f" from {changed.old_path}", style="dim")
        console.print(Group(title, *(_finding_block(c) for c in group)))
    layers = []
    for layer in verdict.layers:
        mark = {"ran": "✔", "skipped": "–", "failed": "✘"}[layer.status.value]
        layers.append(f"{mark} {layer.name}")
    console.print(Text("\nlayers: " + "  ".join(layers), style="dim"))
    for layer in verdict.layers:
        if layer.fails_run or layer.status is LayerStatus.FAILED:
            style = "bold red" if layer.fails_run else "yellow"
            console.print(Text(f"  {layer_failure_text(layer)}", style=style))
        elif layer.status != LayerStatus.RAN and layer.detail:
            console.print(Text(f"  {layer.name}: {layer.detail}", style="dim"))
    console.print(verdict_line(verdict))
    for label, reason in (
        ("breaking changes allowed", verdict.allow_breaking),
        ("personal data allowed", verdict.allow_pii),
    ):
        if reason:
            console.print(Text(f"{label}: {reason}", style="dim"))
    if not verdict.can_deploy:
        for hint in override_hints(verdict.changes, verdict.fail_on):
            console.print(Text(f"to ship {hint}", style="dim"))
