"""Where the data shipped with protoguard lives: `proto/` (option definitions, example API)
and `prompts/` (LLM prompt templates)."""

from __future__ import annotations

from pathlib import Path

from compat_checker.errors import GateError

_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def asset_dir(name: str) -> Path:
    """The top-level data directory `name` of the protoguard checkout it runs from."""
    candidate = _SOURCE_ROOT / name
    if candidate.is_dir():
        return candidate
    raise GateError(
        f"protoguard's {name}/ directory is missing from {_SOURCE_ROOT}; reinstall protoguard"
    )
