"""SEMANTIC rules: the documented behaviour of an element changed (Hyrum's law).

The comments of every element of a changed file are compared with the same element's
comments in base, as sets of claims (`_claims`): units, guarantees, ordering,
nullability and limits. Rewording, re-wrapping, typo fixes and additions that take no
promise away change no claim and stay quiet.

These findings are *potential*: a keyword cannot prove the behaviour changed, so they
rank MEDIUM and the LLM review confirms or dismisses them. A removed guarantee or a
changed unit is breaking (clients were told something they may rely on); the rest warns.

The rules run on file pairs, one hit per element whose comment changed, so that one rule
ID covers fields, messages, enums, values, services and RPCs alike.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from compat_checker.findings import Category, Severity
from compat_checker.rules._claims import ClaimChanges, compare_claims, normalize, sentences
from compat_checker.rules._fixtures import proto3_file
from compat_checker.rules.common import file_sides
from compat_checker.rules.registry import Hit, rule
from protomodel.model import Element, ElementKind, FileModel, iter_file_elements

if TYPE_CHECKING:
    from compat_checker.diff import DiffContext, ElementPair

_REVIEW = (
    "If the behaviour really changed, ship it as a new field or RPC (or a new API version) "
    "with the new documentation, keep the old one behaving as documented during the "
    "migration, then deprecate and remove it. If only the wording changed, say so in the "
    "review (or `// protoguard:ignore RULE_ID reason`)."
)


_DEPRECATED_IN_PROSE = re.compile(r"\bdeprecated\b", re.IGNORECASE)


def _file_sentences(file: FileModel) -> dict[str, tuple[str, str]]:
    """normalised sentence -> (sentence, owner) over every comment of the file. A detached
    comment (a paragraph inside a message body) belongs to the enclosing element; the
    file's own comments belong to "" (everything's ancestor)."""
    found: dict[str, tuple[str, str]] = {}
    for element in (file, *iter_file_elements(file)):
        owner = "" if element is file else element.fqn
        parent = owner.rpartition(".")[0]
        placed = [(text, parent) for text in element.comments.detached]
        placed += [(element.comments.leading, owner), (element.comments.trailing, owner)]
        for text, where in placed:
            for sentence in sentences(text):
                found.setdefault(normalize(sentence), (sentence, where))
    return found


def _restates(added: str, kept: list[str]) -> bool:
    """Whether an added sentence is one of the element's old sentences, moved."""
    return any(
        added in old or old in added or difflib.SequenceMatcher(None, added, old).ratio() >= 0.85
        for old in kept
    )


def _moved_to(base: Element, head: Element, added: dict[str, tuple[str, str]]) -> str:
    """Text this change added to an enclosing element (message, file), or the element's
    own old sentences now found on another element: where its guarantees may have moved."""
    own = {normalize(sentence) for sentence in sentences(head.comments.text)}
    old = [normalize(sentence) for sentence in sentences(base.comments.text)]
    moved = []
    for key, (sentence, owner) in added.items():
        if key in own:
            continue
        enclosing = owner == "" or head.fqn.startswith(owner + ".")
        if enclosing or _restates(key, old):
            moved.append(sentence)
    return "\n".join(moved)


def _was_deprecated(base: Element) -> bool:
    """Deprecated before this change (option, or a comment that opens by saying so): its
    doc being trimmed as it moves out is no change of contract."""
    opening = sentences(base.comments.text)[:1]
    return base.deprecated or any(_DEPRECATED_IN_PROSE.search(s) for s in opening)


def _changed_comments(pair: ElementPair, ctx: DiffContext) -> list[tuple[Element, Element, str]]:
    """(base, head, text added elsewhere in the file) of every element of the file pair
    whose comment text changed; worked out once per file pair for all the comment rules.

    Elements are matched by FQN within the file pair: a renamed or moved element has no
    counterpart here (its rename or move is a finding of its own). The text added
    elsewhere (the enclosing message's or the file's comment, another element's) lets a
    guarantee that moved there count as kept.
    """
    return ctx.shared(("changed comments", id(pair)), lambda: list(_comment_changes(pair)))


def _comment_changes(pair: ElementPair) -> Iterator[tuple[Element, Element, str]]:
    base_file, head_file = file_sides(pair)
    if base_file is None or head_file is None:
        return
    base_elements = {element.fqn: element for element in iter_file_elements(base_file)}
    added: dict[str, tuple[str, str]] | None = None
    for head in iter_file_elements(head_file):
        base = base_elements.get(head.fqn)
        if base is None or base.kind != head.kind:
            continue
        if _same_comment(base, head) or _was_deprecated(base):
            continue
        if added is None:
            before = _file_sentences(base_file)
            added = {k: v for k, v in _file_sentences(head_file).items() if k not in before}
        yield base, head, _moved_to(base, head, added)


def _same_comment(base: Element, head: Element) -> bool:
    old, new = base.comments, head.comments
    if old.leading == new.leading and old.trailing == new.trailing:
        return True
    return old.text == new.text


def _excerpt(text: str, index: int) -> str:
    """The sentence at `index` with the one before and the one after."""
    parts = sentences(text)
    return " ".join(parts[max(0, index - 1) : index + 2])


def _where(
    base_text: str, head_text: str, pick: Callable[[ClaimChanges], tuple[str, ...]]
) -> tuple[str, str]:
    """The sentences a finding is about: in base, the first sentence whose claim the head
    comment no longer makes; in head, the sentence most like it; each with its neighbours."""
    base_parts = sentences(base_text)
    index = next(
        (n for n, part in enumerate(base_parts) if pick(compare_claims(part, head_text))),
        None,
    )
    if index is None:
        return base_text, head_text
    head_parts = sentences(head_text)
    if not head_parts:
        return _excerpt(base_text, index), head_text
    closest = max(
        range(len(head_parts)),
        key=lambda n: difflib.SequenceMatcher(
            None, normalize(base_parts[index]), normalize(head_parts[n])
        ).ratio(),
    )
    return _excerpt(base_text, index), _excerpt(head_text, closest)


def _claim_hits(
    pair: ElementPair,
    ctx: DiffContext,
    pick: Callable[[ClaimChanges], tuple[str, ...]],
    describe: Callable[[str, str], str],
) -> Iterator[Hit]:
    for base, head, elsewhere in _changed_comments(pair, ctx):
        changes = pick(compare_claims(base.comments.text, head.comments.text, elsewhere))
        if changes:
            before, after = _where(base.comments.text, head.comments.text, pick)
            yield Hit(
                message=describe(head.fqn, "; ".join(changes)) + " (potential: review)",
                element=head.fqn,
                location=head.location,
                before=before,
                after=after,
            )


# ---------------------------------------------------------------------------------------
# Fixtures


def _documented(comment: str) -> str:
    """A file whose field `timeout` carries ``comment`` (one `//` line per line)."""
    lines = "\n".join(f"  // {line}" for line in comment.splitlines())
    return proto3_file(
        f"message RetryPolicy {{\n{lines}\n  int64 timeout = 1;\n  int32 attempts = 2;\n}}\n"
    )


_TIMEOUT = "How long to wait, in seconds. Always set by the server.\nAt most 30 seconds."


@rule(
    id="DOC_UNIT_CHANGED",
    potential=True,
    category=Category.SEMANTIC,
    severity=Severity.MEDIUM,
    on=ElementKind.FILE,
    doc=(
        "The unit an element's comment declares changed (seconds ↔ milliseconds, cents ↔ "
        "dollars, bytes ↔ KB, UTC ↔ local time…): clients keep sending and reading the old "
        "unit, off by a factor, silently."
    ),
    fix=(
        "Never change the unit of an existing field: add a new field named with its unit "
        "(`timeout_ms`), write both during the migration, deprecate the old one, then "
        "remove it."
    ),
    before=_documented(_TIMEOUT),
    after=_documented(_TIMEOUT.replace("in seconds", "in milliseconds")),
    quiet_pairs=(
        # Rewording and re-wrapping keep the unit.
        (
            _documented(_TIMEOUT),
            _documented(
                "How long to wait,\nin seconds. Always set by the server. At most 30 seconds."
            ),
        ),
    ),
)
def doc_unit_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from _claim_hits(
        pair,
        ctx,
        lambda changes: changes.units,
        lambda element, what: f"documented unit of {element} changed: {what}",
    )


@rule(
    id="DOC_GUARANTEE_REMOVED",
    potential=True,
    category=Category.SEMANTIC,
    severity=Severity.MEDIUM,
    on=ElementKind.FILE,
    doc=(
        "An element's comment no longer makes a promise it made (always, never, unique, "
        "only when, guaranteed, idempotent, immutable, at most / at least N…), or now "
        "negates it. Clients written against the promise break when it stops holding."
    ),
    fix=_REVIEW,
    before=_documented(_TIMEOUT),
    after=_documented(_TIMEOUT.replace("Always set", "Set")),
    quiet_pairs=(
        # A typo fix.
        (
            _documented(_TIMEOUT.replace("Always", "Alwasy").replace("server", "sever")),
            _documented(_TIMEOUT.replace("Always", "Alwasy")),
        ),
        # An added sentence that takes nothing away.
        (_documented(_TIMEOUT), _documented(_TIMEOUT + "\nRetries reuse the same deadline.")),
    ),
)
def doc_guarantee_removed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from _claim_hits(
        pair,
        ctx,
        lambda changes: changes.guarantees_removed,
        lambda element, what: f"documented guarantee of {element} removed: {what}",
    )


_LISTED = "Tasks, sorted by create_time descending (newest first)."


@rule(
    id="DOC_ORDERING_CHANGED",
    potential=True,
    category=Category.SEMANTIC,
    severity=Severity.MEDIUM,
    breaking=False,
    on=ElementKind.FILE,
    doc=(
        'The documented order of results changed or is no longer stated ("sorted by …", '
        '"newest first", "in the order given"): clients that page, merge or show the first '
        "item rely on it."
    ),
    fix=_REVIEW,
    before=_documented(_LISTED),
    after=_documented("Tasks, sorted by relevance."),
    quiet_pairs=(
        (
            _documented(_LISTED),
            _documented("Tasks, newest first (sorted by create_time descending)."),
        ),
    ),
)
def doc_ordering_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from _claim_hits(
        pair,
        ctx,
        lambda changes: changes.ordering,
        lambda element, what: f"documented ordering of {element} changed: {what}",
    )


@rule(
    id="DOC_NULLABILITY_CHANGED",
    potential=True,
    category=Category.SEMANTIC,
    severity=Severity.MEDIUM,
    breaking=False,
    on=ElementKind.FILE,
    doc=(
        "An element's comment changed what it says about being empty, null, unset or "
        "optional: clients that assumed a value is always there (or never) read it wrong."
    ),
    fix=_REVIEW,
    before=_documented("Where to send reminders."),
    after=_documented("Where to send reminders. May be empty."),
    quiet_pairs=(
        (
            _documented("Where to send reminders. May be empty."),
            _documented("Where to send reminders; may be empty."),
        ),
    ),
)
def doc_nullability_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from _claim_hits(
        pair,
        ctx,
        lambda changes: changes.nullability,
        lambda element, what: f"documented nullability of {element} changed: {what}",
    )


@rule(
    id="DOC_LIMIT_CHANGED",
    potential=True,
    category=Category.SEMANTIC,
    severity=Severity.MEDIUM,
    breaking=False,
    on=ElementKind.FILE,
    doc=(
        'A documented limit, amount or default changed ("at most 100" → "at most 50", '
        '"24 hours before" → "1 hour before", "defaults to 50" dropped).'
    ),
    fix=_REVIEW,
    before=_documented(_TIMEOUT),
    after=_documented(_TIMEOUT.replace("At most 30 seconds", "At most 10 seconds")),
    quiet_pairs=(
        (
            _documented("Sent 24 hours before the deadline."),
            _documented("Sent 1 day before the deadline."),
        ),
        (_documented("At most 30 seconds."), _documented("Up to thirty seconds.")),
    ),
)
def doc_limit_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from _claim_hits(
        pair,
        ctx,
        lambda changes: changes.limits,
        lambda element, what: f"documented limit of {element} changed: {what}",
    )
