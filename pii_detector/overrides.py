"""Human corrections (``.protoguard/pii-overrides.yaml``): reviewable, and they win.

``protoguard pii correct ELEMENT --sensitivity L --type T --reason R`` records one
correction per field FQN with who made it and when. The file is meant to be committed and
reviewed like code; later runs apply it before the rules and the LLM are consulted, and
the LLM review receives the corrections as examples.

Writes are atomic (a temporary file in the same directory, then ``os.replace``), so a
crash never leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from pii_detector.fileio import atomic_write_text
from pii_detector.levels import PiiType, Sensitivity

OVERRIDES_FILE = ".protoguard/pii-overrides.yaml"
_HEADER = (
    "# PII classification corrections recorded with `protoguard pii correct`.\n"
    "# They win over the rules and the LLM review. Review changes to this file like code.\n"
)
_FQN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")


class OverridesError(ValueError):
    """The overrides file cannot be read or an override is invalid (one line)."""


class Override(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sensitivity: Sensitivity
    pii_type: PiiType | None = None
    reason: str
    who: str
    when: str  # ISO 8601, UTC


Overrides = dict[str, Override]  # element FQN → correction


def validate_element(element: str) -> str:
    """A field FQN without a leading dot; raises OverridesError when malformed."""
    cleaned = element.strip().lstrip(".")
    if not _FQN.match(cleaned):
        raise OverridesError(
            f"{element!r} is not a fully-qualified field name (like acme.v1.Customer.email)"
        )
    return cleaned


def load_overrides(path: Path | str) -> Overrides:
    """The corrections in ``path``; an absent file means none."""
    target = Path(path)
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise OverridesError(f"cannot read {target}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise OverridesError(f"cannot read {target}: not UTF-8 text") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise OverridesError(f"{target}{where}: not valid YAML") from None
    # Entries at the top level (no `overrides:`) would otherwise be ignored without a word,
    # silently switching every correction off.
    entries = (
        data.get("overrides", {})
        if isinstance(data, dict) and data.keys() <= {"overrides"}
        else None
    )
    if not isinstance(entries, dict):
        raise OverridesError(f"{target}: expected a mapping `overrides: {{FQN: {{...}}}}`")
    result: Overrides = {}
    for element, raw in entries.items():
        try:
            result[validate_element(str(element))] = Override.model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise OverridesError(f"{target}: {element}: {where}: {first['msg']}") from None
    return result


def dump_overrides(overrides: Mapping[str, Override]) -> str:
    body = {
        "overrides": {
            element: overrides[element].model_dump(mode="json") for element in sorted(overrides)
        }
    }
    return _HEADER + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)


def save_overrides(path: Path | str, overrides: Mapping[str, Override]) -> None:
    atomic_write_text(Path(path), dump_overrides(overrides))


def record_override(
    path: Path | str,
    element: str,
    *,
    sensitivity: Sensitivity,
    pii_type: PiiType | None,
    reason: str,
    who: str | None = None,
    now: datetime | None = None,
) -> Override:
    """Add or replace the correction for ``element`` in the file at ``path``."""
    if not reason.strip():
        raise OverridesError("a correction needs a reason (--reason)")
    if not sensitivity.is_pii and pii_type is not None:
        raise OverridesError("a PUBLIC field has no PII type (use --type NONE)")
    element = validate_element(element)
    overrides = load_overrides(path)
    override = Override(
        sensitivity=sensitivity,
        pii_type=pii_type,
        reason=reason.strip(),
        who=who or current_user(),
        when=(now or datetime.now(UTC)).replace(microsecond=0).isoformat(),
    )
    overrides[element] = override
    save_overrides(path, overrides)
    return override


def current_user() -> str:
    """``git config user.name`` (and e-mail), else $USER, else "unknown"."""
    parts: list[str] = []
    for key in ("user.name", "user.email"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(
                ["git", "config", "--get", key],
                capture_output=True, text=True, timeout=5, check=False,
            )  # fmt: skip
            if done.returncode == 0 and done.stdout.strip():
                parts.append(done.stdout.strip())
    if parts:
        return parts[0] if len(parts) == 1 else f"{parts[0]} <{parts[1]}>"
    return os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"
