"""Run the diff engine on .proto text: fixtures in, findings out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from compat_checker.diff import DiffContext, infer_changed_files, match_elements, run_rules
from compat_checker.findings import Change, ChangedFile
from compat_checker.rules.registry import Rule, all_rules, fixture_files
from protomodel.model import ProtoTree
from protomodel.parse import build_tree


def parse_fixture(text: str) -> ProtoTree:
    return build_tree(fixture_files(text))


def diff(
    before: str,
    after: str,
    *,
    rules: Iterable[Rule] | None = None,
    changed: list[ChangedFile] | None = None,
) -> list[Change]:
    """Every finding of ``rules`` (default: the registry) between two fixtures."""
    base, head = parse_fixture(before), parse_fixture(after)
    changed = infer_changed_files(base, head) if changed is None else changed
    ctx = DiffContext(base=base, head=head, changed_files=changed)
    return run_rules(
        ctx, match_elements(base, head, changed), all_rules() if rules is None else rules
    )


def fired(before: str, after: str, **kwargs: object) -> set[tuple[str, str]]:
    """(rule, element) of every finding."""
    return {(c.rule, c.element) for c in diff(before, after, **kwargs)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class Finding:
    """A buf finding as `compat_checker.buf` reports it (what `merge_findings` reads)."""

    repo_path: str
    line: int
    column: int
    end_line: int
    end_column: int
    rule: str
    message: str
