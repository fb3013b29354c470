"""Where the data shipped with protoguard lives: `proto/` (option definitions, example API)
and `prompts/` (LLM prompt templates).

A checkout or editable install reads them beside the packages; a regular install carries
copies in `compat_checker/_assets/` (see setup.py).
"""

from __future__ import annotations

from pathlib import Path

from compat_checker.errors import GateError

_PACKAGE_DIR = Path(__file__).resolve().parent
ASSET_ROOTS = (_PACKAGE_DIR.parent, _PACKAGE_DIR / "_assets")


def asset_dir(name: str) -> Path:
    """The shipped data directory `name` (`proto` or `prompts`)."""
    for root in ASSET_ROOTS:
        candidate = root / name
        if candidate.is_dir():
            return candidate
    raise GateError(
        f"protoguard's {name}/ directory is missing (looked in "
        f"{', '.join(str(root) for root in ASSET_ROOTS)}); reinstall protoguard"
    )
