"""`protoguard incidents …`: manage the incident memory from the command line.

The group is mounted under `protoguard` by the main CLI. If the parent command has already
loaded the configuration it passes `ctx.obj = {"config": Config, "repo_root": Path}`;
otherwise the group loads `protoguard.yaml` from the repository that contains the current
directory. GateErrors propagate to the main CLI (one line, exit 2).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from compat_checker.config import Config, describe_validation_error, load_config
from compat_checker.config.incidents import IncidentsConfig
from compat_checker.errors import GateError
from compat_checker.findings import Severity
from compat_checker.incidents.files import export_format, read_incidents, to_jsonl, to_yaml
from compat_checker.incidents.model import (
    Incident,
    IncidentSource,
    incident_filter,
    new_incident_id,
)
from compat_checker.io import atomic_write_text

if TYPE_CHECKING:
    from compat_checker.incidents.store import IncidentMemory

_META_KEY = "protoguard.incidents"
_SEVERITIES = click.Choice([s.value for s in Severity], case_sensitive=False)
_SOURCES = click.Choice([s.value for s in IncidentSource])


class _Settings:
    def __init__(self, config: IncidentsConfig, repo_root: Path) -> None:
        self.config = config
        self.repo_root = repo_root

    def memory(self) -> IncidentMemory:
        # Imported here: Chroma takes seconds to import, and `protoguard --help` or any other
        # command must not pay for it.
        from compat_checker.incidents.store import IncidentMemory

        return IncidentMemory.open(self.config, self.repo_root)


def _repo_root(start: Path) -> Path:
    """The nearest directory with `.git` (a directory, or a file in worktrees); else `start`."""
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def _parent_settings(ctx: click.Context) -> tuple[Config, Path]:
    given = ctx.obj if isinstance(ctx.obj, dict) else {}
    if isinstance(given.get("config"), Config) and isinstance(given.get("repo_root"), Path):
        return given["config"], given["repo_root"]
    repo_root = _repo_root(Path.cwd())
    config, _ = load_config(None, repo_root)
    return config, repo_root


def _settings(ctx: click.Context) -> _Settings:
    return ctx.meta[_META_KEY]


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2024-03-31") from None


def _where(
    severities: Sequence[str], service: str | None, source: str | None, since: str | None
) -> dict[str, Any] | None:
    return incident_filter(
        severities=[Severity(s.upper()) for s in severities],
        service=service,
        source=IncidentSource(source) if source else None,
        since=_date(since),
    )


@click.group("incidents")
@click.option(
    "--store",
    type=click.Path(path_type=Path, file_okay=False),
    help="Incident store directory (default: incidents.path in protoguard.yaml).",
)
@click.option("--chroma-url", metavar="URL", help="Use a Chroma server, e.g. http://chroma:8000.")
@click.pass_context
def incidents(ctx: click.Context, store: Path | None, chroma_url: str | None) -> None:
    """The incident memory: past breaking changes the gate compares new ones with."""
    config, repo_root = _parent_settings(ctx)
    section = config.incidents
    if store is not None:
        section = section.model_copy(update={"path": str(store.resolve()), "url": None})
    if chroma_url is not None:
        section = section.model_copy(update={"url": chroma_url})
    ctx.meta[_META_KEY] = _Settings(section, repo_root)


@incidents.command("add")
@click.option("--title", required=True)
@click.option("--severity", required=True, type=_SEVERITIES)
@click.option("--impact", required=True, help="What broke, for whom.")
@click.option("--resolution", default="")
@click.option("--element", "elements", multiple=True, help="FQN of an element involved.")
@click.option("--rule", "rules", multiple=True, help="Rule ID or change kind.")
@click.option("--service", default="")
@click.option("--date", "date_text", help="YYYY-MM-DD (default: today).")
@click.option("--diff", default="", help="Excerpt of the offending change.")
@click.option("--link", "links", multiple=True)
@click.option("--caught-before-prod", is_flag=True)
@click.option("--id", "incident_id", help="Default: derived from title, date and elements.")
@click.pass_context
def add_command(
    ctx: click.Context,
    title: str,
    severity: str,
    impact: str,
    resolution: str,
    elements: tuple[str, ...],
    rules: tuple[str, ...],
    service: str,
    date_text: str | None,
    diff: str,
    links: tuple[str, ...],
    caught_before_prod: bool,
    incident_id: str | None,
) -> None:
    """Record one incident."""
    date = _date(date_text) or dt.date.today()
    try:
        incident = Incident(
            id=incident_id or new_incident_id(title, date, list(elements)),
            title=title,
            date=date,
            service=service,
            rules=list(rules),
            elements=list(elements),
            diff=diff,
            impact=impact,
            resolution=resolution,
            severity=Severity(severity.upper()),
            caught_before_prod=caught_before_prod,
            links=list(links),
        )
    except ValidationError as exc:
        raise GateError(f"incident: {describe_validation_error(exc)}") from None
    memory = _settings(ctx).memory()
    report = memory.upsert([incident])
    outcome = "added" if report.added else "updated" if report.updated else "unchanged"
    click.echo(f"{outcome} {incident.id} in {memory.location}")


@incidents.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
def import_command(ctx: click.Context, file: Path) -> None:
    """Import incidents from YAML or JSON Lines (by id: re-importing changes nothing)."""
    loaded = read_incidents(file)
    memory = _settings(ctx).memory()
    report = memory.upsert(loaded)
    click.echo(
        f"imported {len(loaded)} incidents from {file} into {memory.location}: "
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged"
    )


@incidents.command("search")
@click.argument("text")
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option("--severity", "severities", multiple=True, type=_SEVERITIES)
@click.option("--service")
@click.option("--source", type=_SOURCES, help="manual, or gate (recorded by check --record).")
@click.option("--since", help="Only incidents on or after YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def search_command(
    ctx: click.Context,
    text: str,
    k: int,
    severities: tuple[str, ...],
    service: str | None,
    source: str | None,
    since: str | None,
    as_json: bool,
) -> None:
    """Incidents most similar to TEXT, best first, with cosine similarity scores."""
    memory = _settings(ctx).memory()
    hits = memory.search(text, k=k, where=_where(severities, service, source, since))
    if as_json:
        payload = {
            "store": memory.location,
            "collection": memory.collection_name,
            "query": text,
            "results": [
                {"rank": rank, "score": hit.score, "incident": hit.incident.model_dump(mode="json")}
                for rank, hit in enumerate(hits, start=1)
            ],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo(f"no matching incidents in {memory.location} ({memory.count()} stored)")
        return
    table = Table(title=f"incidents like {text!r}")
    for column in ("#", "score", "id", "severity", "date"):
        # Ids and scores are what users copy: never wrapped, only the title wraps.
        table.add_column(
            column, justify="right" if column in ("#", "score") else "left", no_wrap=True
        )
    table.add_column("title")
    for rank, hit in enumerate(hits, start=1):
        incident = hit.incident
        table.add_row(
            str(rank),
            f"{hit.score:.3f}",
            incident.id,
            incident.severity.value,
            incident.date.isoformat(),
            incident.title,
        )
    Console().print(table)


@incidents.command("list")
@click.option("--severity", "severities", multiple=True, type=_SEVERITIES)
@click.option("--service")
@click.option("--source", type=_SOURCES, help="manual, or gate (recorded by check --record).")
@click.option("--since", help="Only incidents on or after YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, as `export` writes.")
@click.pass_context
def list_command(
    ctx: click.Context,
    severities: tuple[str, ...],
    service: str | None,
    source: str | None,
    since: str | None,
    as_json: bool,
) -> None:
    """Stored incidents, oldest first."""
    memory = _settings(ctx).memory()
    stored = memory.all(where=_where(severities, service, source, since))
    if as_json:
        click.echo(to_jsonl(stored), nl=False)
        return
    if not stored:
        click.echo(f"no incidents in {memory.location}")
        return
    table = Table(title=f"{len(stored)} incidents in {memory.location}")
    for column in ("id", "date", "severity", "service", "source"):
        table.add_column(column, no_wrap=True)
    table.add_column("title")
    for incident in stored:
        table.add_row(
            incident.id,
            incident.date.isoformat(),
            incident.severity.value,
            incident.service,
            incident.source.value,
            incident.title,
        )
    Console().print(table)


@incidents.command("export")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["jsonl", "yaml"]),
    help="Default: yaml for a .yaml/.yml FILE, else JSON Lines.",
)
@click.pass_context
def export_command(ctx: click.Context, file: Path | None, file_format: str | None) -> None:
    """Write every incident to FILE (default: standard output); `import` reads it back."""
    memory = _settings(ctx).memory()
    stored = memory.all()
    text = to_yaml(stored) if export_format(file, file_format) == "yaml" else to_jsonl(stored)
    if file is None:
        click.echo(text, nl=False)
        return
    atomic_write_text(file, text)
    click.echo(f"exported {len(stored)} incidents to {file}", err=True)


@incidents.command("remove")
@click.argument("incident_id", metavar="ID")
@click.pass_context
def remove_command(ctx: click.Context, incident_id: str) -> None:
    """Delete one incident."""
    memory = _settings(ctx).memory()
    if not memory.remove(incident_id):
        raise GateError(f"no incident {incident_id} in {memory.location}")
    click.echo(f"removed {incident_id} from {memory.location}")
