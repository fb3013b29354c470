"""The structured change set the review sees: findings per file, packed into chunks that
fit a token budget. Pure functions over `Change` (and optionally the two proto trees,
for the comments and options of each element).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from compat_checker.findings import Category, Change, Source
from compat_checker.llm.usage import estimate_tokens
from protomodel.model import Element, ProtoTree

# What the compatibility review judges; PII and incident findings have their own layers.
REVIEWED_CATEGORIES = frozenset(Category) - {Category.PII, Category.HISTORY}
_TEXT_FIELDS = ("before", "after", "comments_before", "comments_after", "message")
_TRUNCATED = " …[truncated]"


def reviewable(change: Change) -> bool:
    """Findings worth a review: unsuppressed compatibility findings of buf or our rules
    (a finding with no sources recorded counts as deterministic)."""
    deterministic = not change.sources or bool({Source.BUF, Source.RULES} & set(change.sources))
    return change.suppressed is None and change.category in REVIEWED_CATEGORIES and deterministic


def _comments(element: Element | None) -> str | None:
    if element is None:
        return None
    parts = [*element.comments.detached, element.comments.leading, element.comments.trailing]
    return "\n".join(p for p in parts if p) or None


def review_item(change: Change, base: ProtoTree | None, head: ProtoTree | None) -> dict[str, Any]:
    """One finding as the model sees it (every string in it is untrusted data)."""
    old = base.find(change.element) if base is not None else None
    new = head.find(change.element) if head is not None else None
    item: dict[str, Any] = {
        "finding_id": change.id,
        "rule": change.rule,
        "buf_rules": change.buf_rules,
        "sources": [str(s) for s in change.sources],
        "category": str(change.category),
        "severity": str(change.severity),
        "is_breaking": change.is_breaking,
        "potential": change.potential,
        "element": change.element,
        "line": change.line,
        "kind": change.kind,
        "message": change.message,
        "before": change.before,
        "after": change.after,
        "comments_before": _comments(old),
        "comments_after": _comments(new),
        "options_before": old.options if old is not None and old.options else None,
        "options_after": new.options if new is not None and new.options else None,
    }
    return {key: value for key, value in item.items() if value not in (None, "", [])}


def _item_tokens(item: dict[str, Any]) -> int:
    return estimate_tokens(json.dumps(item, ensure_ascii=True, default=str)) + 2


def _fit(item: dict[str, Any], budget: int) -> dict[str, Any]:
    """Shorten the free-text fields of one oversized item so that it fits `budget`."""
    if _item_tokens(item) <= budget:
        return item
    texts = [f for f in _TEXT_FIELDS if isinstance(item.get(f), str)]
    fixed = _item_tokens({k: v for k, v in item.items() if k not in texts})
    # ~4 chars a token; ensure_ascii can inflate non-ASCII, hence the margin.
    share = max(40, (budget - fixed) * 3 // max(1, len(texts)))
    fitted = dict(item)
    for field in texts:
        if len(fitted[field]) > share:
            fitted[field] = fitted[field][:share] + _TRUNCATED
    fitted["truncated"] = True
    return fitted


@dataclass(frozen=True)
class ReviewChunk:
    """One model call's worth of findings, all from one file."""

    file: str
    part: int  # 1-based part of this file
    parts: int
    items: tuple[dict[str, Any], ...]

    @property
    def finding_ids(self) -> frozenset[str]:
        return frozenset(item["finding_id"] for item in self.items)

    @property
    def elements(self) -> frozenset[str]:
        return frozenset(item["element"] for item in self.items)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        ids = {item["rule"] for item in self.items}
        ids.update(rule for item in self.items for rule in item.get("buf_rules", ()))
        return tuple(sorted(ids))


def build_chunks(
    changes: Iterable[Change],
    *,
    budget_tokens: int,
    base: ProtoTree | None = None,
    head: ProtoTree | None = None,
) -> list[ReviewChunk]:
    """Reviewable findings grouped per file and packed greedily into chunks.

    `budget_tokens` is for the findings alone (the caller subtracts the prompt's own
    size). A single finding larger than the budget is shortened, never dropped.
    """
    by_file: dict[str, list[dict[str, Any]]] = {}
    for change in changes:
        if reviewable(change):
            by_file.setdefault(change.file, []).append(review_item(change, base, head))
    chunks: list[ReviewChunk] = []
    for file in sorted(by_file):
        groups: list[list[dict[str, Any]]] = [[]]
        used = 0
        for item in (_fit(i, budget_tokens) for i in by_file[file]):
            cost = _item_tokens(item)
            if groups[-1] and used + cost > budget_tokens:
                groups.append([])
                used = 0
            groups[-1].append(item)
            used += cost
        chunks.extend(
            ReviewChunk(file=file, part=n, parts=len(groups), items=tuple(group))
            for n, group in enumerate(groups, start=1)
        )
    return chunks


def chunk_variables(chunk: ReviewChunk) -> dict[str, Sequence[Any] | dict[str, Any]]:
    """The untrusted variables of compat_review for one chunk."""
    return {
        "file": {"path": chunk.file, "part": chunk.part, "parts": chunk.parts},
        "changes": list(chunk.items),
    }
