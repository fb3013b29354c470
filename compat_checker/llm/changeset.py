"""The structured change set the review sees, per file, packed into chunks that fit a
token budget: the findings of the deterministic checks, and the changed elements no check
reported (a comment that now documents other behaviour, an option whose meaning moved),
so that the review can find what the rules cannot. Pure functions over `Change` and the
two proto trees.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compat_checker.findings import Category, Change, Source
from compat_checker.llm.usage import estimate_tokens
from protomodel.model import (
    Element,
    EnumValueModel,
    FieldModel,
    Label,
    MethodModel,
    ProtoTree,
    TypeKind,
    iter_file_elements,
)

# What the compatibility review judges; PII and incident findings have their own layers.
REVIEWED_CATEGORIES = frozenset(Category) - {Category.PII, Category.HISTORY}
_TEXT_FIELDS = ("before", "after", "comments_before", "comments_after", "message")
_TRUNCATED = " …[truncated]"
# Attributes that are an element's children (reviewed as elements of their own), its place
# in the file, or how well a builder resolved it: none of them is a change of the element.
_NOT_OWN = frozenset(
    {
        "location",
        "option_locations",
        "fields",
        "oneofs",
        "messages",
        "enums",
        "extensions",
        "values",
        "methods",
        "field_names",
        "type_resolved",
        "input_resolved",
        "output_resolved",
    }
)


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


def _own(element: Element) -> dict[str, Any]:
    """What an element declares itself, comments normalised for whitespace (re-wrapping a
    comment changes nothing)."""
    own = element.model_dump(mode="json", exclude=set(_NOT_OWN))
    comments = own.pop("comments")
    own["comments"] = [
        " ".join(text.split())
        for text in (*comments["detached"], comments["leading"], comments["trailing"])
        if text.strip()
    ]
    return own


def declaration(element: Element) -> str:
    """A one-line proto declaration of `element` (its children elided)."""
    if isinstance(element, FieldModel):
        if element.type_kind == TypeKind.MAP:
            type_text = f"map<{element.map_key_type}, {element.map_value_type}>"
        else:
            type_text = element.type
        label = (
            "repeated "
            if element.label == Label.REPEATED and element.type_kind != TypeKind.MAP
            else "required "
            if element.label == Label.REQUIRED
            else "optional "
            if element.proto3_optional
            else ""
        )
        extras = [f'json_name = "{element.json_name}"'] if element.json_name else []
        if element.default is not None:
            extras.append(f"default = {element.default}")
        suffix = f" [{', '.join(extras)}]" if extras else ""
        oneof = f"  // in oneof {element.oneof}" if element.oneof else ""
        return f"{label}{type_text} {element.name} = {element.number}{suffix};{oneof}"
    if isinstance(element, EnumValueModel):
        return f"{element.name} = {element.number};"
    if isinstance(element, MethodModel):
        request = ("stream " if element.client_streaming else "") + element.input_type
        response = ("stream " if element.server_streaming else "") + element.output_type
        return f"rpc {element.name}({request}) returns ({response});"
    keyword = {"enum": "enum", "service": "service", "oneof": "oneof"}.get(element.kind, "message")
    return f"{keyword} {element.name} {{ … }}"


def unflagged_item(old: Element, new: Element, changed: Sequence[str]) -> dict[str, Any]:
    """A changed element no check reported, as the model sees it (untrusted data)."""
    item: dict[str, Any] = {
        "element": new.fqn,
        "kind": str(new.kind),
        "line": new.location.line,
        "changed": list(changed),
        "before": declaration(old),
        "after": declaration(new),
        "comments_before": _comments(old),
        "comments_after": _comments(new),
        "options_before": old.options or None,
        "options_after": new.options or None,
    }
    return {key: value for key, value in item.items() if value not in (None, "", [])}


def unflagged_changes(
    changes: Iterable[Change],
    base: ProtoTree,
    head: ProtoTree,
    *,
    files: Collection[str] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Per repo path, the elements that exist in base and head, changed, and have no
    compatibility finding: what only a reader of the meaning can judge.

    `files` (repo paths) limits the search to the changed files. Added and removed
    elements are left out: the rules report those themselves.
    """
    covered = {c.element for c in changes if c.category in REVIEWED_CATEGORIES}
    result: dict[str, list[dict[str, Any]]] = {}
    for file in head.reviewed_files():
        if files is not None and file.repo_path not in files:
            continue
        for new in iter_file_elements(file):
            if new.fqn in covered:
                continue
            old = base.find(new.fqn)
            if old is None or old.kind != new.kind:
                continue
            before, after = _own(old), _own(new)
            changed = sorted(
                key for key in before.keys() | after.keys() if before.get(key) != after.get(key)
            )
            if changed:
                result.setdefault(file.repo_path, []).append(unflagged_item(old, new, changed))
    return result


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
    """One model call's worth of one file: findings, and changed elements no check reported."""

    file: str
    part: int  # 1-based part of this file
    parts: int
    items: tuple[dict[str, Any], ...]  # findings (review_item)
    unflagged: tuple[dict[str, Any], ...] = ()  # changed elements without one (unflagged_item)

    @property
    def finding_ids(self) -> frozenset[str]:
        return frozenset(item["finding_id"] for item in self.items)

    @property
    def elements(self) -> frozenset[str]:
        return frozenset(item["element"] for item in (*self.items, *self.unflagged))

    @property
    def unflagged_lines(self) -> dict[str, int]:
        return {item["element"]: item.get("line", 0) for item in self.unflagged}

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
    unflagged: Mapping[str, Sequence[dict[str, Any]]] | None = None,
) -> list[ReviewChunk]:
    """Reviewable findings, then the file's unflagged changed elements (`unflagged_changes`),
    grouped per file and packed greedily into chunks.

    `budget_tokens` is for the items alone (the caller subtracts the prompt's own size).
    A single item larger than the budget is shortened, never dropped.
    """
    by_file: dict[str, list[tuple[bool, dict[str, Any]]]] = {}
    for change in changes:
        if reviewable(change):
            by_file.setdefault(change.file, []).append((True, review_item(change, base, head)))
    for file, items in (unflagged or {}).items():
        by_file.setdefault(file, []).extend((False, item) for item in items)
    chunks: list[ReviewChunk] = []
    for file in sorted(by_file):
        groups: list[list[tuple[bool, dict[str, Any]]]] = [[]]
        used = 0
        for is_finding, item in by_file[file]:
            item = _fit(item, budget_tokens)
            cost = _item_tokens(item)
            if groups[-1] and used + cost > budget_tokens:
                groups.append([])
                used = 0
            groups[-1].append((is_finding, item))
            used += cost
        chunks.extend(
            ReviewChunk(
                file=file,
                part=n,
                parts=len(groups),
                items=tuple(item for is_finding, item in group if is_finding),
                unflagged=tuple(item for is_finding, item in group if not is_finding),
            )
            for n, group in enumerate(groups, start=1)
        )
    return chunks


def chunk_variables(chunk: ReviewChunk) -> dict[str, Sequence[Any] | dict[str, Any]]:
    """The untrusted variables of compat_review (v2) for one chunk."""
    return {
        "file": {"path": chunk.file, "part": chunk.part, "parts": chunk.parts},
        "changes": list(chunk.items),
        "unflagged": list(chunk.unflagged),
    }
