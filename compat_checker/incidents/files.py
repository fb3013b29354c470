"""Incident files: YAML (a list, or `incidents:` with a list) and JSON Lines (one per line).

`export` writes either format (JSON Lines by default, YAML for a .yaml/.yml file): one
incident per entry in the model's field order, oldest first, so an export diff reads well in
review and `export | import | export` is byte-identical in both formats.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from compat_checker.config import describe_validation_error
from compat_checker.errors import GateError
from compat_checker.incidents._errors import first_line
from compat_checker.incidents.model import Incident

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
YAML_SUFFIXES = (".yaml", ".yml")


class _IncidentLoader(yaml.SafeLoader):
    """Safe YAML where an impossible date (2024-13-45) stays text: the model then rejects
    it naming the incident, instead of PyYAML failing with a bare ValueError."""


def _date_or_text(loader: _IncidentLoader, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_IncidentLoader.add_constructor("tag:yaml.org,2002:timestamp", _date_or_text)


def read_incidents(path: Path) -> list[Incident]:
    """Parse and validate every incident in the file; any problem names the file and entry."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GateError(f"incident file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GateError(f"{path}: cannot read: {first_line(exc)}") from None
    entries = _jsonl_entries(path, text) if _is_jsonl(path, text) else _yaml_entries(path, text)
    incidents = []
    seen: set[str] = set()
    for where, entry in entries:
        if not isinstance(entry, dict):
            raise GateError(f"{path}: {where}: expected a mapping, got {type(entry).__name__}")
        try:
            incident = Incident.model_validate(entry)
        except ValidationError as exc:
            label = f"{where} (id {entry['id']})" if isinstance(entry.get("id"), str) else where
            raise GateError(f"{path}: {label}: {describe_validation_error(exc)}") from None
        if incident.id in seen:
            raise GateError(f"{path}: {where}: id {incident.id} appears twice")
        seen.add(incident.id)
        incidents.append(incident)
    return incidents


def _is_jsonl(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return True
    if suffix in YAML_SUFFIXES:
        return False
    # Unknown suffix: JSON Lines starts with an object, YAML with a key or a list item.
    return text.lstrip().startswith("{")


def _jsonl_entries(path: Path, text: str) -> list[tuple[str, Any]]:
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append((f"line {number}", json.loads(line)))
        except json.JSONDecodeError as exc:
            raise GateError(f"{path}: line {number}: not valid JSON: {exc.msg}") from None
    return entries


def _yaml_entries(path: Path, text: str) -> list[tuple[str, Any]]:
    try:
        raw = yaml.load(text, Loader=_IncidentLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise GateError(f"{path}: not valid YAML: {first_line(exc)}") from None
    if raw is None:
        return []
    if isinstance(raw, dict) and set(raw) == {"incidents"}:
        raw = raw["incidents"] or []
    if not isinstance(raw, list):
        raise GateError(f"{path}: expected a list of incidents (or `incidents:` with a list)")
    return [(f"incident {number}", entry) for number, entry in enumerate(raw, start=1)]


def to_jsonl(incidents: Sequence[Incident]) -> str:
    return "".join(incident.to_json() + "\n" for incident in incidents)


def to_yaml(incidents: Sequence[Incident]) -> str:
    """`incidents:` with one mapping per incident; dates as strings so they read back as text."""
    if not incidents:
        return "incidents: []\n"
    entries = [incident.model_dump(mode="json") for incident in incidents]
    return yaml.safe_dump(
        {"incidents": entries}, sort_keys=False, allow_unicode=True, default_flow_style=False
    )


def export_format(path: Path | None, requested: str | None) -> str:
    """`jsonl` or `yaml`: as asked, else by the file's suffix, else JSON Lines."""
    if requested is not None:
        return requested
    if path is not None and path.suffix.lower() in YAML_SUFFIXES:
        return "yaml"
    return "jsonl"
