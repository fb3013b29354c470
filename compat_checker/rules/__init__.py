"""Rule modules. Each module registers its rules with `registry.rule` on import."""

from __future__ import annotations

import importlib

# One module per family of rules; a new family is added here once.
RULE_MODULES: tuple[str, ...] = (
    "wire",
    "json",
    "source",
    "validation",
    "google_api",
    "behavior",
    "semantic",
    "buf_options",
)


def load_rule_modules() -> None:
    for name in RULE_MODULES:
        importlib.import_module(f"compat_checker.rules.{name}")
