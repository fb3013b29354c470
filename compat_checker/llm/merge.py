"""Merging the review into the findings: a pure function that can only make the verdict
stricter, with one narrow exception.

* A finding from buf or a deterministic rule is never removed, never made non-breaking
  and never lowered in severity. The review may raise its severity, and when it says a
  non-breaking finding does break clients, a separate LLM finding is added.
* A *potential* finding (SEMANTIC / CEL heuristics, `Change.potential`, not reported by
  buf) is what the review exists to judge, through the answer's structured `assessment`:
  `confirmed` (or an answer that calls it breaking) makes it breaking, `refuted` makes it
  non-breaking (kept in the list with the reason), `uncertain` leaves it as the rules
  made it. Refutation is the only way the review lowers anything, so it is refused when
  the reviewed text looks like it addresses the model, or when `llm.refute_potential` is
  off.
* New findings (source `llm`, rule LLM_REVIEW, `llm["llm_only"] = True`) must name an
  element the model was shown (a finding's element, an unflagged changed element, or
  its parent or a child of either); anything else is dropped as a hallucination.
  `llm["unflagged"]` marks those about a changed element no check reported.

The model's overall `risk` and `assessment` are reported, never used for the verdict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from compat_checker.diff import change_id
from compat_checker.findings import Category, Change, Severity, Source
from compat_checker.llm.answers import Assessment, ChangeReview, CompatReview
from compat_checker.llm.changeset import REVIEWED_CATEGORIES
from compat_checker.llm.prompts import DATA_BEGIN, DATA_END
from compat_checker.rules.catalogue import LLM_REVIEW

LLM_RULE = LLM_REVIEW
LLM_KIND = "llm_review"

# Text in a pull request that talks to a model rather than about an API. A heuristic: it
# only ever stops a refutation, so a false alarm costs nothing but a kept finding.
_INSTRUCTION_LIKE = re.compile(
    "|".join(
        (
            r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|prompts?|rules|guidelines|above|previous|prior)\b",
            r"\b(system|developer)\s+(prompt|message|instructions?)\b",
            r"\byou\s+are\s+(now\s+)?(an?|the)\s+\w+",
            r"\b(can_deploy|is_breaking|finding_id)\b",
            r"\b(mark|treat|report|classify|consider)\b.{0,30}\b(safe|not\s+breaking|non-breaking|harmless|no\s+risk)\b",
            r"^\s*(system|assistant|user)\s*:",
            r"prompt\s+injection|jailbreak",
            re.escape(DATA_BEGIN[0]) + "|" + re.escape(DATA_END[-1]),
        )
    ),
    re.IGNORECASE | re.MULTILINE,
)


def looks_like_instructions(text: str) -> bool:
    return _INSTRUCTION_LIKE.search(text) is not None


@dataclass(frozen=True)
class ReviewAnswer:
    """One validated review and what the model was shown to produce it."""

    file: str
    finding_ids: frozenset[str]  # findings in the chunk
    elements: frozenset[str]  # their elements and the unflagged elements shown
    review: CompatReview
    prompt: str  # "compat_review.v2"
    model: str  # "vertex:gemini-2.5-flash"
    instruction_like: bool = False  # the chunk's text (comments, options…) addresses a model
    unflagged_lines: Mapping[str, int] = field(default_factory=dict)  # element -> head line


def _change_text(change: Change) -> str:
    return "\n".join(filter(None, (change.element, change.message, change.before, change.after)))


def _related(element: str, shown: Iterable[str]) -> str | None:
    """The shown element that `element` is, contains directly, or lies under."""
    for candidate in sorted(shown):
        if element == candidate:
            return candidate
    for candidate in sorted(shown):
        if element.startswith(candidate + ".") or candidate.rsplit(".", 1)[0] == element:
            return candidate
    return None


def _target(review: ChangeReview, answer: ReviewAnswer, shown: Sequence[Change]) -> str | None:
    """The id of the shown finding a review entry is about; None for a new finding.

    A finding_id the model garbled still names a finding when exactly one shown finding
    is on the same element; a null finding_id is a new finding by the prompt's contract.
    """
    if review.finding_id is None:
        return None
    if review.finding_id in answer.finding_ids:
        return review.finding_id
    same = [c.id for c in shown if c.element == review.element]
    return same[0] if len(same) == 1 else None


def _review_info(review: ChangeReview, answer: ReviewAnswer, outcome: str) -> dict[str, Any]:
    return {
        "review": outcome,
        "assessment": str(review.assessment),
        "is_breaking": review.is_breaking,
        "severity": str(review.severity),
        "category": str(review.category),
        "reasoning": review.reasoning,
        "recommendation": review.recommendation,
        "migration_path": review.migration_path,
        "prompt": answer.prompt,
        "model": answer.model,
    }


def _llm_finding(review: ChangeReview, answer: ReviewAnswer, anchor: Change | None) -> Change:
    """A finding of the model's own; `anchor` is the shown finding it is about, if any."""
    category = review.category if review.category in REVIEWED_CATEGORIES else Category.SEMANTIC
    same_element = anchor is not None and anchor.element == review.element
    unflagged = review.element in answer.unflagged_lines
    info = _review_info(review, answer, "added")
    info["llm_only"] = True  # no check reported it: it exists (and blocks) because of the model
    if unflagged:
        info["unflagged"] = True
    line = answer.unflagged_lines.get(review.element, 0)
    source = "LLM review, no rule reported this change" if unflagged else "LLM review"
    return Change(
        id=change_id(LLM_RULE, review.element, LLM_KIND),
        rule=LLM_RULE,
        category=category,
        is_breaking=review.is_breaking,
        severity=review.severity,
        element=review.element,
        file=answer.file,
        line=anchor.line if same_element and anchor is not None else line,
        column=anchor.column if same_element and anchor is not None else 0,
        message=f"{source}: {review.reasoning.strip()[:500]}",
        recommendation=review.recommendation,
        sources=[Source.LLM],
        kind=LLM_KIND,
        llm=info,
    )


def _apply(
    change: Change,
    review: ChangeReview,
    answer: ReviewAnswer,
    *,
    refute_potential: bool,
    suspicious: bool,
) -> tuple[Change, Change | None]:
    """The reviewed finding (a copy) and, when the review escalates it, a new LLM finding."""
    updated = change.model_copy(deep=True)
    changed: dict[str, list[Any]] = {}
    extra: Change | None = None
    note = ""
    judgeable = change.potential and Source.BUF not in change.sources
    # An answer that contradicts itself ("refuted" yet breaking) is read the strict way.
    confirms = review.assessment is Assessment.CONFIRMED or review.is_breaking
    if judgeable and confirms:
        outcome = "confirmed"
        if not change.is_breaking:
            updated.is_breaking = True
            changed["is_breaking"] = [False, True]
    elif judgeable and review.assessment is Assessment.REFUTED and change.is_breaking:
        if not refute_potential:
            outcome, note = "refute_ignored", "refuting potential findings is off"
        elif suspicious:
            outcome = "refute_ignored"
            note = "the reviewed text addresses the model; its refutation is not trusted"
        else:
            outcome = "refuted"
            updated.is_breaking = False
            changed["is_breaking"] = [True, False]
    elif judgeable and review.assessment is Assessment.REFUTED:
        outcome = "refuted"  # already non-breaking: nothing to change
    elif judgeable:
        outcome = "uncertain"  # the rules' decision stands
    elif review.is_breaking and not change.is_breaking:
        outcome = "escalated"
        extra = _llm_finding(review, answer, change)
    elif change.is_breaking and (not review.is_breaking or review.assessment is Assessment.REFUTED):
        outcome = "disputed"  # recorded for a human; the deterministic finding stands
    else:
        outcome = "agreed"
    if extra is None and review.severity.rank > updated.severity.rank:
        changed["severity"] = [str(updated.severity), str(review.severity)]
        updated.severity = review.severity
        if outcome == "agreed":
            outcome = "raised"
    info = _review_info(review, answer, outcome)
    if changed:
        info["changed"] = changed
    if note:
        info["note"] = note
    if judgeable and suspicious:
        # An untrusted review neither clears nor holds back a potential finding: the rules'
        # judgement stands, blocking included (see `verdict.hold_comment_findings`).
        info["instruction_like"] = True
    if extra is not None:
        info["llm_finding"] = extra.id
    if changed.get("is_breaking") == [False, True]:
        info["llm_only"] = True  # it blocks because the model confirmed it
    updated.llm = info
    return updated, extra


def _strictness(review: ChangeReview) -> tuple[bool, bool, int]:
    """Order of several reviews of one finding: confirming, then not refuting, then severity
    (an "uncertain" entry must win over a "refuted" one, whatever their severities)."""
    confirms = review.is_breaking or review.assessment is Assessment.CONFIRMED
    return confirms, review.assessment is not Assessment.REFUTED, review.severity.rank


def _stricter(a: Change, b: Change) -> Change:
    return max((a, b), key=lambda c: (c.is_breaking, c.severity.rank))


def merge_review_with_notes(
    changes: Sequence[Change],
    answers: Iterable[ReviewAnswer],
    *,
    refute_potential: bool = True,
) -> tuple[list[Change], list[str]]:
    """`merge_review`, plus notes on what was dropped or ignored and why."""
    index = {change.id: n for n, change in enumerate(changes)}
    merged = list(changes)
    added: dict[str, Change] = {}
    notes: list[str] = []

    def add(finding: Change) -> None:
        previous = added.get(finding.id)
        added[finding.id] = finding if previous is None else _stricter(previous, finding)

    for answer in answers:
        shown = [changes[index[fid]] for fid in sorted(answer.finding_ids) if fid in index]
        suspicious = answer.instruction_like or any(
            looks_like_instructions(_change_text(c)) for c in shown
        )
        reviews: dict[str, list[ChangeReview]] = {}
        new: list[ChangeReview] = []
        for review in answer.review.changes:
            target = _target(review, answer, shown)
            if target is not None and target in index:
                reviews.setdefault(target, []).append(review)
            else:
                new.append(review)
        for fid, group in reviews.items():
            strictest = max(group, key=_strictness)
            n = index[fid]
            merged[n], extra = _apply(
                changes[n],
                strictest,
                answer,
                refute_potential=refute_potential,
                suspicious=suspicious,
            )
            if extra is not None:
                add(extra)
        for review in new:
            anchor_element = _related(review.element, answer.elements)
            if anchor_element is None:
                notes.append(
                    f"{answer.file}: dropped a finding on {review.element!r}: "
                    "not an element the review was shown"
                )
                continue
            same = [c for c in shown if c.element == review.element]
            if any(c.is_breaking for c in same):
                continue  # already blocking through a deterministic finding
            if not review.is_breaking and review.severity.rank < Severity.MEDIUM.rank:
                continue  # a minor remark: not worth a finding
            anchor = next((c for c in shown if c.element == anchor_element), None)
            add(_llm_finding(review, answer, anchor))
    extra_findings = sorted(added.values(), key=lambda c: (c.file, c.line, c.element))
    return merged + extra_findings, notes


def merge_review(
    changes: Sequence[Change],
    answers: Iterable[ReviewAnswer],
    *,
    refute_potential: bool = True,
) -> list[Change]:
    """The findings with the review applied (see the module doc for what it may change).

    Pure: `changes` are not modified; reviewed findings are copies carrying `llm`.
    """
    return merge_review_with_notes(changes, answers, refute_potential=refute_potential)[0]
