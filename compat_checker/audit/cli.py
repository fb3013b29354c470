"""`protoguard audit [PATH]` and `protoguard audit merge a.json b.json …`."""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from compat_checker.audit.checks import SEVERITY_RANK
from compat_checker.audit.files import parse_shard
from compat_checker.audit.html import MAX_ROWS
from compat_checker.audit.model import AuditReport
from compat_checker.audit.pool import default_jobs
from compat_checker.audit.run import (
    AuditOptions,
    AuditRun,
    load_report,
    merge_reports,
    run_audit,
)
from compat_checker.errors import GateError
from compat_checker.io import OutputError, atomic_write_text

FAIL_ON = ("ERROR", "WARNING", "INFO", "never")
_STAGES = {
    "parse": "parsing files",
    "pii": "classifying fields",
    "history": "reading git history",
}


class _AuditGroup(click.Group):
    """`audit PATH …` runs the audit; `audit merge …` merges: the audit is the default."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _outputs(function: Callable) -> Callable:
    for option in reversed(
        [
            click.option(
                "--json",
                "json_path",
                type=click.Path(path_type=Path),
                help="Write the report as JSON (schema_version 1).",
            ),
            click.option(
                "--jsonl",
                "jsonl_path",
                type=click.Path(path_type=Path),
                help="Write every finding as JSON Lines: one JSON object per line, each with "
                "schema_version (for reports too large for one JSON document or the HTML page).",
            ),
            click.option(
                "--markdown",
                "markdown_path",
                type=click.Path(path_type=Path),
                help="Write a Markdown summary.",
            ),
            click.option(
                "--html",
                "html_path",
                type=click.Path(path_type=Path),
                help="Write the self-contained HTML report. Each table lists at most "
                "--html-max-rows rows and says where the rest are.",
            ),
            click.option(
                "--html-max-rows",
                type=click.IntRange(min=1),
                default=MAX_ROWS,
                show_default=True,
                help="Rows per table in the HTML report (findings: the most severe first); "
                "the counts always cover everything.",
            ),
            click.option(
                "--link-base",
                "--html-link-base",
                "link_base",
                metavar="URL",
                help="Prefix of the file:line links in the HTML and Markdown reports "
                "(URL + path#Lline). Default: in GitHub Actions "
                "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/blob/<audited commit>/, else links "
                "relative to the report (HTML) and no links (Markdown); '' forces relative.",
            ),
            click.option(
                "--fail-on",
                type=click.Choice(FAIL_ON, case_sensitive=False),
                default="ERROR",
                show_default=True,
                help="Exit 1 when a finding has this severity or a higher one.",
            ),
        ]
    ):
        function = option(function)
    return function


@click.group("audit", cls=_AuditGroup)
def audit() -> None:
    """Audit a whole repository at rest: `audit [PATH]`, or `audit merge` of shard reports.

    A directory named `merge` is audited as `audit ./merge`."""


@audit.command("run")
@click.argument("path", type=click.Path(path_type=Path), default=Path("."))
@_outputs
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    help="A previous audit JSON: report only findings that are not in it.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: all cores).",
)
@click.option(
    "--shard",
    "shard_spec",
    metavar="I/N",
    help="Audit only shard I of N (by a hash of each path); combine with `audit merge`.",
)
@click.option(
    "--no-history", is_flag=True, help="Skip the git history scan (number reuse, deleted fields)."
)
@click.option(
    "--skip-unparsable",
    is_flag=True,
    help="Audit the rest when a file does not parse, listing it (default: exit 2 naming it).",
)
@click.option(
    "--include-vendored",
    is_flag=True,
    help="Audit vendored dependency protos too (protoguard.yaml ignore_paths, buf excludes, "
    "third_party/ and vendor/ directories, copies of googleapis, protovalidate, PGV …).",
)
def run_command(
    path: Path,
    json_path: Path | None,
    jsonl_path: Path | None,
    markdown_path: Path | None,
    html_path: Path | None,
    html_max_rows: int,
    link_base: str | None,
    fail_on: str,
    baseline: Path | None,
    jobs: int | None,
    shard_spec: str | None,
    no_history: bool,
    skip_unparsable: bool,
    include_vendored: bool,
) -> None:
    """Audit every .proto file of the repository's own API under PATH: PII inventory,
    unannotated personal data, RPCs exposing HIGH data, field numbers reused or deleted
    without `reserved` (from git history), per package and service. Vendored dependency
    protos are left out unless --include-vendored. Exits 1 when a finding reaches --fail-on.

    Shard reports combine with `protoguard audit merge A.json B.json … --json OUT`;
    so a directory literally named `merge` must be given as `./merge`."""
    shard = None
    if shard_spec is not None:
        try:
            shard = parse_shard(shard_spec)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--shard") from None
    options = AuditOptions(
        root=path,
        jobs=jobs or default_jobs(),
        shard=shard,
        history=not no_history,
        baseline=baseline,
        include_vendored=include_vendored,
    )
    with _ProgressBar() as progress:
        run = run_audit(options, progress)
    errors = run.report.errors
    if errors and not skip_unparsable:
        first = errors[0]
        more = f" and {len(errors) - 1} more" if len(errors) > 1 else ""
        raise GateError(
            f"{len(errors)} file(s) could not be audited, so their personal data and numbers "
            f"were not checked: {first.file}: {first.message}{more}",
            hint="fix them, or pass --skip-unparsable to audit the rest and list them",
        )
    _finish(
        run,
        Outputs(json_path, jsonl_path, markdown_path, html_path, html_max_rows, link_base),
        fail_on,
    )


@audit.command("merge")
@click.argument("reports", nargs=-1, required=True, type=click.Path(path_type=Path))
@_outputs
def merge_command(
    reports: tuple[Path, ...],
    json_path: Path | None,
    jsonl_path: Path | None,
    markdown_path: Path | None,
    html_path: Path | None,
    html_max_rows: int,
    link_base: str | None,
    fail_on: str,
) -> None:
    """Combine the JSON reports of every shard of one `audit --shard I/N` run."""
    merged = merge_reports([load_report(path, "report") for path in reports])
    _finish(
        AuditRun(merged),
        Outputs(json_path, jsonl_path, markdown_path, html_path, html_max_rows, link_base),
        fail_on,
    )


@dataclass(frozen=True)
class Outputs:
    """The report files asked for on the command line."""

    json: Path | None
    jsonl: Path | None
    markdown: Path | None
    html: Path | None
    html_max_rows: int
    link_base: str | None


def _finish(run: AuditRun, outputs: Outputs, fail_on: str) -> None:
    report = run.report
    links = resolve_link_base(outputs.link_base, report.commit, os.environ)
    if outputs.json is not None:
        _write(outputs.json, report.model_dump_json(indent=2) + "\n")
    # Before the HTML, whose note on left-out findings names this file: it must exist.
    if outputs.jsonl is not None:
        from compat_checker.audit.jsonl import render_jsonl

        _write(outputs.jsonl, render_jsonl(report.findings))
    if outputs.markdown is not None:
        from compat_checker.audit.markdown import render_markdown

        _write(outputs.markdown, render_markdown(report, link_base=links))
    if outputs.html is not None:
        from compat_checker.audit.html import FullData, render_html

        full_data = FullData(
            jsonl=None if outputs.jsonl is None else str(outputs.jsonl),
            json=None if outputs.json is None else str(outputs.json),
        )
        html = render_html(
            report, link_base=links, max_rows=outputs.html_max_rows, full_data=full_data
        )
        _write(outputs.html, html)
    _print_summary(run)
    sys.exit(1 if failing(report, fail_on) else 0)


_LINK_SCHEMES = frozenset({"", "http", "https", "file"})


def resolve_link_base(given: str | None, commit: str | None, env: Mapping[str, str]) -> str | None:
    """The prefix of file links; None: relative links (HTML) or none (Markdown).

    Not given: in GitHub Actions ($GITHUB_SERVER_URL and $GITHUB_REPOSITORY set), the
    repository's blob view at the audited commit (else $GITHUB_SHA), so the links of a report
    uploaded as an artifact or a job summary open the right lines."""
    if given is None:
        server, repository = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
        sha = commit or env.get("GITHUB_SHA")
        if not (server and repository and sha):
            return None
        given = f"{server.rstrip('/')}/{repository}/blob/{sha}/"
    if given in ("", "./"):
        return None
    if urlsplit(given).scheme.lower() not in _LINK_SCHEMES:
        raise click.BadParameter(
            f"{given!r}: only http(s), file or relative links", param_hint="--link-base"
        )
    return given if given.endswith("/") else given + "/"


def _write(path: Path, text: str) -> None:
    try:
        atomic_write_text(path, text)
    except OutputError as exc:
        raise GateError(str(exc)) from None


def failing(report: AuditReport, fail_on: str) -> bool:
    if fail_on.lower() == "never":
        return False
    limit = SEVERITY_RANK[fail_on.upper()]  # type: ignore[index]
    return any(SEVERITY_RANK[f.severity] <= limit for f in report.findings)


def _print_summary(run: AuditRun) -> None:
    report = run.report
    # One line per message, however narrow the terminal: CI logs are read with grep. No
    # markup: paths and messages are the repository's text (a `[/x]` in one would raise).
    console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)
    if report.history == "partial":
        console.print(
            "warning: shallow clone: the git history stops at the clone's depth, so a field "
            "number deleted and reused before that is not seen; fetch the whole history "
            "(git fetch --unshallow, or actions/checkout fetch-depth: 0)",
        )
    if run.vendored:
        reasons = Counter(run.vendored.values())
        console.print(
            f"left out {len(run.vendored)} vendored files: "
            + ", ".join(f"{reason} ({n})" for reason, n in sorted(reasons.items()))
            + "; --include-vendored audits them",
        )
    for entry in report.skipped:
        console.print(f"warning: {entry.file}: {entry.message}")
    for entry in report.errors:
        console.print(f"warning: {entry.file}: not audited: {entry.message}")
    t = report.totals
    by_severity = ", ".join(f"{n} {s.lower()}" for s, n in t.findings_by_severity.items())
    console.print(
        f"audited {t.files} files ({len(report.errors)} did not parse), {t.fields} fields, "
        f"{t.pii_fields} with personal data, {t.exposures} HIGH exposures; "
        f"history {report.history}; findings: {by_severity}"
    )
    if report.baseline is not None:
        console.print(
            f"baseline {report.baseline.file}: {report.baseline.known} known findings left out, "
            f"{report.baseline.fixed} fixed"
        )
    for finding in report.findings[:20]:
        console.print(
            f"  {finding.severity:<7} {finding.rule}  {finding.file}:{finding.line}  "
            f"{finding.message}",
        )
    if len(report.findings) > 20:
        console.print(
            f"  … {len(report.findings) - 20} more (see --json/--jsonl/--markdown/--html)"
        )


class _ProgressBar:
    """A rich progress bar on stderr when it is a terminal; a no-op callback otherwise."""

    def __enter__(self) -> Callable[[str, int, int], None] | None:
        console = Console(stderr=True)
        if not console.is_terminal:
            self._bar = None
            return None
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._bar.start()
        self._tasks: dict[str, int] = {}
        return self._update

    def _update(self, stage: str, done: int, total: int) -> None:
        assert self._bar is not None
        task = self._tasks.get(stage)
        if task is None:
            task = self._tasks[stage] = self._bar.add_task(_STAGES.get(stage, stage), total=total)
        self._bar.update(task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
