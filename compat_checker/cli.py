"""`protoguard` command line. Exit codes: 0 safe to deploy, 1 blocked, 2 usage or tool error."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import click
from rich.console import Console

from compat_checker import __version__
from compat_checker.errors import GateError
from compat_checker.llm_flags import llm_flags

# Subcommand groups owned by other layers, imported only when used so that
# `protoguard check` does not pay for chromadb's or the LLM stack's import time.
LAZY_COMMANDS = {
    "pii": "compat_checker.pii_scan:pii",
    "incidents": "compat_checker.incidents.cli:incidents",
    "scenario": "compat_checker.scenarios:scenario",
    "hook": "compat_checker.hook:hook",
    "audit": "compat_checker.audit.cli:audit",
}

EXIT_SAFE, EXIT_BLOCKED, EXIT_ERROR = 0, 1, 2


class ProtoguardGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module_name, attr = LAZY_COMMANDS[name].split(":")
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GateError as exc:
            _fail(ctx, str(exc), exc)
        except OSError as exc:
            _fail(ctx, _os_error_line(exc), exc)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            _fail(ctx, "interrupted", None)
        except Exception as exc:  # the last line of defence: never a traceback by default
            _fail(ctx, f"internal error: {type(exc).__name__}: {_first_line(exc)}", exc)


def _os_error_line(exc: OSError) -> str:
    """An output that cannot be written (`OutputError` says which) or a file that cannot be
    read: one line naming the path; anything else is an internal error."""
    from pii_detector.fileio import OutputError

    if isinstance(exc, OutputError):
        return str(exc)
    if exc.filename is None and exc.strerror is None:
        return f"internal error: {type(exc).__name__}: {_first_line(exc)}"
    return f"{exc.strerror}: {exc.filename}" if exc.filename else str(exc.strerror)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def _fail(ctx: click.Context, message: str, exc: BaseException | None) -> None:
    debug = bool(ctx.find_root().params.get("debug"))
    if debug and exc is not None:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    hint = (
        "" if debug else " (run with --debug for details)" if message.startswith("internal") else ""
    )
    click.echo(f"protoguard: error: {message}{hint}", err=True)
    ctx.exit(EXIT_ERROR)


@click.group(cls=ProtoguardGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="protoguard")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def main(debug: bool) -> None:
    """protoguard: will this proto change break a consumer, and does it expose personal data?"""
    _exit_cleanly_on_sigterm()


def _exit_cleanly_on_sigterm() -> None:
    """SIGTERM (a CI job cancelled, a container stopped) unwinds like Ctrl-C does, so the
    temporary copies (`protoguard-*` under /dev/shm or $PROTOGUARD_TMPDIR) are removed;
    the default action would kill the process with them left behind."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def terminate(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)


@main.command()
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    help="Repository (default: the one containing the current directory).",
)
@click.option(
    "--against",
    help="Base: a git ref or a directory (default: merge-base of HEAD with main/origin/main).",
)
@click.option("--head", help="Head ref (default: the working tree, uncommitted changes included).")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: protoguard.yaml at the repo root).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown", "github", "sarif"]),
    help="Report format (default: text on a terminal, json otherwise). github: workflow-command "
    "annotations, and the job summary appended to $GITHUB_STEP_SUMMARY; sarif: SARIF 2.1.0.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write the JSON verdict here, atomically ('-' for stdout).",
)
@click.option(
    "--no-buf",
    is_flag=True,
    help="Do not run buf; use protoguard's own rules on parsed files only.",
)
@click.option(
    "--full-models",
    is_flag=True,
    help="Model the whole schema, not only the declarations the change can affect "
    "(same verdict, slower; the PII report then covers the changed files).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["breaking", "LOW", "MEDIUM", "HIGH", "CRITICAL"]),
    help="Block on breaking changes at or above this severity (default: any breaking change).",
)
@click.option(
    "--allow-breaking",
    metavar="REASON",
    help="Let breaking changes through, recording why (they stay in the verdict, suppressed). "
    "PII findings are not covered: see --allow-pii.",
)
@click.option(
    "--allow-pii",
    metavar="REASON",
    help="Let new or changed fields with unannotated personal data through, recording why.",
)
@llm_flags(
    llm_help="LLM review (default: llm.provider in protoguard.yaml, else auto: Vertex AI when credentials are present)."
)
@click.option(
    "--pii-fail-on",
    type=click.Choice(["LOW", "MEDIUM", "HIGH"]),
    help="Block new or changed fields at/above this PII level that lack an annotation (default: pii.fail_on, HIGH).",
)
@click.option(
    "--annotate-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write PII-annotated versions of the changed .proto files here.",
)
@click.option(
    "--chroma-url",
    help="Incident memory on a Chroma server (default: incidents.url or the local store).",
)
@click.option(
    "--no-incidents",
    is_flag=True,
    help="Do not consult the incident memory.",
)
@click.option(
    "--incidents-required",
    is_flag=True,
    help="Fail closed: exit 2 when the incident memory cannot answer (default: the verdict "
    "comes from the other layers and `layers` says why).",
)
@click.option(
    "--record",
    is_flag=True,
    help="Store this verdict's blocking findings in the incident memory (main-branch CI).",
)
def check(
    repo: Path | None,
    against: str | None,
    head: str | None,
    config_path: Path | None,
    output_format: str | None,
    output: Path | None,
    no_buf: bool,
    full_models: bool,
    fail_on: str | None,
    allow_breaking: str | None,
    allow_pii: str | None,
    llm_setting: str | None,
    no_llm: bool,
    llm_required: bool,
    no_cache: bool,
    max_llm_calls: int | None,
    max_llm_tokens: int | None,
    pii_fail_on: str | None,
    annotate_dir: Path | None,
    chroma_url: str | None,
    no_incidents: bool,
    incidents_required: bool,
    record: bool,
) -> None:
    """Check the proto changes between a base and a head for breaking changes."""
    from compat_checker.options import CheckOptions
    from compat_checker.pipeline import run_check, verdict_json

    for flag, reason in (("--allow-breaking", allow_breaking), ("--allow-pii", allow_pii)):
        if reason is not None and not reason.strip():
            raise GateError(
                f"{flag} needs a reason, e.g. {flag} 'agreed with the consumers in #123'"
            )
    options = CheckOptions(
        repo=repo,
        against=against,
        head=head,
        config=config_path,
        output=output,
        no_buf=no_buf,
        full_models=full_models,
        fail_on=fail_on,
        allow_breaking=allow_breaking,
        allow_pii=allow_pii,
        llm="none" if no_llm else llm_setting,
        llm_required=llm_required,
        no_cache=no_cache,
        max_llm_calls=max_llm_calls,
        max_llm_tokens=max_llm_tokens,
        pii_fail_on=pii_fail_on,
        annotate_dir=annotate_dir,
        chroma_url=chroma_url,
        no_incidents=no_incidents,
        incidents_required=incidents_required,
        record=record,
    )
    if no_incidents and incidents_required:
        raise click.UsageError("--no-incidents and --incidents-required contradict each other")
    stdout = stdout_console()
    # The verdict file is written after the report, so that a path that cannot be written
    # costs the file only: the report is on stdout and the error is one line.
    write_to = output if output is not None and str(output) != "-" else None
    verdict = _run_with_progress(run_check, options.model_copy(update={"output": None}))
    if annotate_dir is not None:
        _warn_if_reviewed_next_time(annotate_dir, repo or Path.cwd())
    to_stdout = output is not None and str(output) == "-"
    fmt = "json" if to_stdout else output_format or ("text" if stdout.is_terminal else "json")
    if fmt == "json":
        click.echo(verdict_json(verdict), nl=False)
    elif fmt == "markdown":
        from compat_checker.report.markdown import render_markdown

        click.echo(render_markdown(verdict))
    elif fmt == "github":
        from compat_checker.report.github import (
            append_step_summary,
            render_github,
            render_step_summary,
        )

        click.echo(render_github(verdict), nl=False)
        append_step_summary(os.environ.get("GITHUB_STEP_SUMMARY"), render_step_summary(verdict))
    elif fmt == "sarif":
        import json

        from compat_checker.report.sarif import render_sarif
        from compat_checker.rules.registry import all_rules

        click.echo(json.dumps(render_sarif(verdict, all_rules()), indent=2))
    else:
        from compat_checker.report.text import render_text

        render_text(verdict, stdout)
    if write_to is not None:
        from compat_checker.io import atomic_write_text

        sys.stdout.flush()
        atomic_write_text(write_to, verdict_json(verdict))
    sys.exit(_exit_code(verdict))


def _exit_code(verdict) -> int:
    """The deterministic verdict decides, unless a required layer did not run (exit 2).

    Every layer that failed gets one line on stderr, whatever the output format: a failed
    advisory layer is a warning (the verdict stands without it), a required one an error.
    """
    if announce_layer_failures(verdict.layers):
        return EXIT_ERROR
    return EXIT_SAFE if verdict.can_deploy else EXIT_BLOCKED


def announce_layer_failures(layers, *, fallback: str = "verdict from the other layers") -> bool:
    """One line on stderr per layer that did not run; True when a required one is among
    them (the run exits 2)."""
    failed_required = False
    for layer in layers:
        if layer.fails_run:
            failed_required = True
            click.echo(
                f"protoguard: error: required layer {layer.name} did not run: {layer.detail}",
                err=True,
            )
        elif layer.status.value == "failed":
            click.echo(
                f"protoguard: warning: {layer.name} failed, {fallback}: {layer.detail}",
                err=True,
            )
    return failed_required


def _warn_if_reviewed_next_time(annotate_dir: Path, repo: Path) -> None:
    from compat_checker.gitsource import reviewed_on_next_check

    if reviewed_on_next_check(annotate_dir, repo):
        click.echo(
            f"warning: --annotate-dir {annotate_dir} is inside the repository and not ignored "
            "by git: the next check reviews its copies as added files; add it to .gitignore "
            "or write outside the repository",
            err=True,
        )


def stdout_console() -> Console:
    """Wrapped to the terminal's width on a terminal; in a pipe or a CI log one line per
    line, whatever the width, so grep and log viewers see whole messages."""
    console = Console(soft_wrap=False)
    return console if console.is_terminal else Console(soft_wrap=True)


def _run_with_progress(run, options):
    """Show the current pipeline step on stderr when it is a terminal."""
    stderr = Console(stderr=True)
    if not stderr.is_terminal:
        return run(options)
    with stderr.status("protoguard: starting") as status:
        return run(
            options, progress=lambda step: status.update(f"protoguard: {step.replace('_', ' ')}")
        )


@main.command("demo")
@click.option(
    "--results",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the verdict and reports (default: the checkout's results/, or "
    "./results when protoguard is installed from a wheel).",
)
@click.option("--keep", is_flag=True, help="Keep the temporary demo repository and print its path.")
def demo_command(results: Path | None, keep: bool) -> None:
    """Run the gate on the bundled example: two risky edits to acme.todo.v1.Task."""
    import json
    import shutil

    from compat_checker.audit.html import render_html
    from compat_checker.audit.run import AuditOptions, run_audit
    from compat_checker.demo import (
        DEMO_FILE,
        DEMO_SCENARIOS,
        build_demo_repo,
        demo_options,
        make_workdir,
        missing_elements,
        sample_text,
        sample_verdict,
    )
    from compat_checker.io import atomic_write_text
    from compat_checker.pipeline import run_check, verdict_json
    from compat_checker.report.markdown import render_markdown
    from compat_checker.report.sarif import render_sarif
    from compat_checker.report.text import render_text
    from compat_checker.resources import ASSET_ROOTS
    from compat_checker.rules.registry import all_rules

    console = stdout_console()
    checkout_results = ASSET_ROOTS[0] / "results"
    results = results or (checkout_results if checkout_results.is_dir() else Path("results"))
    workdir = make_workdir()
    try:
        repo = build_demo_repo(workdir)
        console.print(
            f"[bold]demo:[/] example API committed on main in {repo}; "
            f"uncommitted edits to {DEMO_FILE}: {', '.join(DEMO_SCENARIOS)}\n"
        )
        verdict = _run_with_progress(run_check, demo_options(repo, results))
        sample = sample_verdict(verdict)
        outputs = {
            "verdict.json": verdict_json(sample),
            "report.md": render_markdown(sample),
            "verdict.sarif": json.dumps(render_sarif(sample, all_rules()), indent=2) + "\n",
        }
        render_text(verdict, console)
        audit = run_audit(AuditOptions(root=repo, jobs=1)).report
        outputs["audit.json"] = audit.model_dump_json(indent=2) + "\n"
        outputs["audit.html"] = render_html(audit)
        for name, text in outputs.items():
            atomic_write_text(results / name, sample_text(text, repo))
    finally:
        if keep:
            console.print(f"demo repository kept at {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    missing = missing_elements({c.element for c in verdict.changes if c.is_breaking})
    console.print(
        f"\nwritten to {results}: verdict.json, report.md, verdict.sarif, annotated/ "
        "(the changed protos with PII options), audit.json and audit.html (whole-repo audit)"
    )
    if verdict.can_deploy or missing:
        raise GateError(
            f"demo: expected a blocked verdict naming both changes; missing: {', '.join(missing) or 'block'}"
        )
    console.print(
        "[green]demo: the gate blocked the change and named both problems, as expected[/]"
    )


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
def rules_command(output_format: str) -> None:
    """List every rule ID a verdict can carry: ID, category, severity, what it checks.

    The diff rules first, then the IDs the gate's other layers use (source "gate"), then (in
    the text listing) the checks of `protoguard audit`."""
    from compat_checker.rules.catalogue import RuleSource, rule_catalogue

    docs = rule_catalogue()
    if output_format == "json":
        import json

        click.echo(json.dumps([doc.as_json() for doc in docs.values()], indent=2))
        return
    console = Console()
    sections = [
        (RuleSource.RULE, None),
        (RuleSource.GATE, "Findings from the gate's other layers (buf, PII, incidents, LLM)"),
    ]
    rows_by_section = []
    for source, title in sections:
        rows = []
        for doc in docs.values():
            if doc.source != source:
                continue
            severity = doc.severity.value + ("" if doc.breaking else " (warning)")
            if "severity" in doc.per_finding:
                severity += " (varies)"
            rows.append((doc.id, doc.category.value, severity, doc.doc))
        rows_by_section.append((title, ("rule", "category", "severity", "what it checks"), rows))
    from compat_checker.audit.checks import all_checks

    rows_by_section.append(
        (
            "Checks of `protoguard audit` (whole repository)",
            ("check", "severity", "what it checks"),
            [(check.id, check.severity, check.doc) for check in all_checks().values()],
        )
    )
    for title, columns, rows in rows_by_section:
        _print_rows(console, title, columns, rows)


def _print_rows(
    console: Console, title: str | None, columns: tuple[str, ...], rows: list[tuple[str, ...]]
) -> None:
    """A table on a terminal; one line per row otherwise (a pipe, a file, a CI log), where
    a table wrapped at 80 columns turns a hundred rules into hundreds of lines."""
    if console.is_terminal:
        from rich.table import Table

        table = Table(box=None, header_style="bold", title=title, title_justify="left")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return
    widths = [max(len(row[i]) for row in [columns, *rows]) for i in range(len(columns) - 1)]
    if title:
        click.echo(f"\n{title}")
    for row in [columns, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]))


@main.command("explain")
@click.argument("rule_id")
def explain_command(rule_id: str) -> None:
    """Explain one rule ID from a verdict, with a before/after example where one helps."""
    from rich.markdown import Markdown

    from compat_checker.rules.catalogue import RuleSource, describe_rule, help_markdown

    if rule_id.upper().startswith("AUDIT_"):
        _explain_audit_check(rule_id.upper())
        return
    doc = describe_rule(rule_id.upper())
    if doc is None:
        from compat_checker.rules.catalogue import rule_catalogue

        close = [known for known in rule_catalogue() if rule_id.upper() in known]
        suggestion = (
            f"; did you mean {', '.join(close[:3])}?" if close else "; see `protoguard rules`"
        )
        raise GateError(f"unknown rule {rule_id}{suggestion}")
    breaking = "breaking" if doc.breaking else "warning (never blocks on its own)"
    origin = "" if doc.source == RuleSource.RULE else f" · reported by the {doc.reported_by} layer"
    text = (
        f"# {doc.id}\n\n**{doc.category.value}** · default severity **{doc.severity.value}**"
        f" · {breaking}{origin}\n\n{help_markdown(doc)}"
    )
    Console().print(Markdown(text))


def _explain_audit_check(check_id: str) -> None:
    """The `protoguard audit` checks live in their own registry (whole tree, not a diff)."""
    from rich.markdown import Markdown

    from compat_checker.audit.checks import all_checks

    checks = all_checks()
    check = checks.get(check_id)
    if check is None:
        close = [c for c in checks if check_id in c] or list(checks)
        raise GateError(f"unknown audit check {check_id}; did you mean {', '.join(close[:3])}?")
    text = (
        f"# {check.id}\n\n**protoguard audit** · default severity **{check.severity}**\n\n"
        f"{check.doc}\n\n**Fix:** {check.fix}\n"
    )
    Console().print(Markdown(text))


if __name__ == "__main__":
    main()
