"""Run the diff engine and every registered rule on two versions of proto text."""

from __future__ import annotations

from pathlib import Path

from compat_checker.diff import DiffContext, infer_changed_files, match_elements, run_rules
from compat_checker.findings import Change
from compat_checker.rules._fixtures import proto3_file
from compat_checker.rules.registry import all_rules, fixture_files
from protomodel.model import ProtoTree
from protomodel.parse import build_tree

REPO = Path(__file__).resolve().parents[2]
PROTO = REPO / "proto"


def vendored(path: str) -> str | None:
    """Imports from protoguard's proto/ (PGV and protovalidate are vendored there)."""
    candidate = PROTO / path
    return candidate.read_text(encoding="utf-8") if candidate.is_file() else None


def tree(text: str, *, with_vendored: bool = False) -> ProtoTree:
    """The parsed fixture. Without the vendored option definitions (the default, and what
    the gate sees when PGV/protovalidate come from the BSR) options keep the shape they
    are written in; with them they are normalised. Both must give the same findings."""
    return build_tree(fixture_files(text), import_resolver=vendored if with_vendored else None)


def check(before: str, after: str, *, with_vendored: bool = False) -> list[Change]:
    """Every finding of every registered rule between two fixtures."""
    base = tree(before, with_vendored=with_vendored)
    head = tree(after, with_vendored=with_vendored)
    changed = infer_changed_files(base, head)
    ctx = DiffContext(base=base, head=head, changed_files=changed)
    return run_rules(ctx, match_elements(base, head, changed), all_rules())


def fired(before: str, after: str, *, with_vendored: bool = False) -> dict[tuple[str, str], Change]:
    """(rule ID, element) → finding."""
    return {(c.rule, c.element): c for c in check(before, after, with_vendored=with_vendored)}


def rules_fired(before: str, after: str, *, with_vendored: bool = False) -> set[str]:
    return {c.rule for c in check(before, after, with_vendored=with_vendored)}


def proto(body: str, *imports: str) -> str:
    return proto3_file(body, *imports)
