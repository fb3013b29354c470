"""The compatibility review layer: findings in, findings out, plus a status for `layers`.

`review_changes` never raises for a model failure: what it could not review keeps the
deterministic result, and the status says why (the CLI turns a non-complete status into
exit 2 under `--llm-required`). The one exception is a review running as an attempt of a
LangGraph node with a RetryPolicy (`attempt=`): before its last attempt, a transient
failure raises `TransientReviewFailure` so that the policy runs it again; the client
replays this run's answers and final failures, so only the files that failed with a
transient error are asked again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from compat_checker.findings import Change, Layer, LayerStatus
from compat_checker.llm.answers import CompatReview
from compat_checker.llm.changeset import (
    ReviewChunk,
    build_chunks,
    chunk_variables,
    unflagged_changes,
)
from compat_checker.llm.client import StructuredLlm
from compat_checker.llm.failures import TRANSIENT
from compat_checker.llm.merge import ReviewAnswer, looks_like_instructions, merge_review_with_notes
from compat_checker.llm.prompts import Prompt, Trusted, load_prompt, rule_docs
from compat_checker.llm.usage import CallRecord, UsageReport, estimate_tokens
from protomodel.model import ProtoTree

COMPAT_PROMPT = ("compat_review", 2)
LAYER_NAME = "llm"


class TransientReviewFailure(Exception):
    """Some files failed with a transient error; raised (from the first such error, which
    `failures.retry_on` classifies through `__cause__`) for the node's retry policy."""


@dataclass(frozen=True)
class NodeAttempt:
    """Which attempt of a retried graph node this review is (1-based)."""

    number: int
    of: int

    @property
    def last(self) -> bool:
        return self.number >= self.of


class LlmState(StrEnum):
    RAN = "ran"  # every chunk answered (from the model or the cache)
    PARTIAL = "partial"  # some answered; the rest failed or hit the budget
    FAILED = "failed"  # nothing answered
    SKIPPED = "skipped"  # no model configured (`--llm none`, or auto without credentials)


class LlmStatus(BaseModel):
    """What the LLM layer did; `model_dump()` is the verdict's `llm` section."""

    state: LlmState
    reason: str
    provider: str | None = None  # "vertex:gemini-2.5-flash"
    prompt: str | None = None  # "compat_review.v2": template name and version
    attempts: int = 1  # runs of the review node (its RetryPolicy retries transient failures)
    chunks: int = 0
    unflagged: int = 0  # changed elements without a finding shown to the model
    answered: int = 0
    cached: int = 0
    failures: dict[str, int] = Field(default_factory=dict)  # FailureKind -> chunks
    errors: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    assessments: list[dict[str, Any]] = Field(default_factory=list)  # advisory only
    usage: UsageReport | None = None

    @property
    def complete(self) -> bool:
        return self.state is LlmState.RAN

    @classmethod
    def skipped(cls, reason: str) -> LlmStatus:
        return cls(state=LlmState.SKIPPED, reason=reason)

    @classmethod
    def failed(cls, reason: str, *, provider: str | None = None) -> LlmStatus:
        return cls(state=LlmState.FAILED, reason=reason, provider=provider)

    def to_layer(self, name: str = LAYER_NAME) -> Layer:
        status = {
            LlmState.RAN: LayerStatus.RAN,
            LlmState.SKIPPED: LayerStatus.SKIPPED,
        }.get(self.state, LayerStatus.FAILED)
        return Layer(name=name, status=status, detail=self.reason)


@dataclass(frozen=True)
class ReviewResult:
    changes: list[Change]
    status: LlmStatus
    records: list[CallRecord]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _items_budget(prompt: Prompt, chunk_tokens: int) -> int:
    """What is left of a call's budget for findings once the prompt itself is counted.

    All rule docs are counted, an upper bound of what one chunk carries.
    """
    overhead = estimate_tokens(prompt.text) + estimate_tokens(rule_docs())
    return max(chunk_tokens // 4, chunk_tokens - overhead)


def _review_chunk(
    llm: StructuredLlm, prompt: Prompt, chunk: ReviewChunk, retry_transient: bool
) -> tuple[CompatReview | None, CallRecord]:
    variables = {"rule_docs": Trusted(rule_docs(chunk.rule_ids)), **chunk_variables(chunk)}
    return llm.ask_prompt(prompt, variables, CompatReview, retry_transient=retry_transient)


def _summary(
    chunks: Sequence[ReviewChunk],
    records: Sequence[CallRecord],
    usage: UsageReport,
    attempts: int,
) -> tuple[LlmState, str, Counter[str]]:
    failures = Counter(str(r.failure) for r in records if r.failure is not None)
    answered = len(records) - sum(failures.values())
    files = len({c.file for c in chunks})
    spend = f"{usage.calls} call(s), {usage.cached} cached"
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if not failures:
        reason = f"reviewed {answered} chunk(s) of {files} file(s){tries}: {spend}"
        return LlmState.RAN, reason, failures
    why = ", ".join(f"{count} {kind}" for kind, count in sorted(failures.items()))
    first = next(r.error for r in records if r.error)
    if answered == 0:
        return LlmState.FAILED, f"LLM review failed ({why}){tries}: {first}", failures
    return (
        LlmState.PARTIAL,
        f"reviewed {answered} of {len(records)} chunk(s) ({why}{tries}; first: {first}); {spend}",
        failures,
    )


def _retry_pause(llm: StructuredLlm, attempt: NodeAttempt) -> float:
    """The longest the node's RetryPolicy waits before the next attempt (LangGraph's jitter
    adds up to 1 s): a retry that would start after the run's deadline is not worth it."""
    config = llm.config
    pause = min(
        config.max_backoff_seconds,
        config.backoff_seconds * config.backoff_factor ** (attempt.number - 1),
    )
    return pause + (1.0 if config.jitter else 0.0)


def _raise_for_retry(records: Sequence[CallRecord]) -> None:
    """Raise for the node's retry policy when a file failed with a transient error."""
    transient = [r for r in records if r.failure in TRANSIENT and r.exception is not None]
    if transient:
        files = len(transient)
        raise TransientReviewFailure(
            f"{files} chunk(s) failed with a transient error, first: {transient[0].error}"
        ) from transient[0].exception


def review_changes(
    changes: Sequence[Change],
    llm: StructuredLlm,
    *,
    base: ProtoTree | None = None,
    head: ProtoTree | None = None,
    files: Collection[str] | None = None,
    attempt: NodeAttempt | None = None,
) -> ReviewResult:
    """Review the change with the model, file by file in parallel, and merge the answers.

    `base`/`head` (optional) add each element's comments and options to what the model
    sees and, with `llm.review_unflagged`, the changed elements of `files` (repo paths;
    None: every reviewed file) that no check reported. Findings that were not reviewed
    (failure, budget) are returned unchanged.

    Standalone (`attempt` None) each call retries transient errors in place. As an attempt
    of a retried node, each call is made once and, unless this is the last attempt, a
    transient failure raises TransientReviewFailure (see the module doc).
    """
    prompt = load_prompt(*COMPAT_PROMPT)
    unflagged = (
        unflagged_changes(changes, base, head, files=files)
        if llm.config.review_unflagged and base is not None and head is not None
        else {}
    )
    chunks = build_chunks(
        changes,
        budget_tokens=_items_budget(prompt, llm.config.chunk_tokens),
        base=base,
        head=head,
        unflagged=unflagged,
    )
    attempts = attempt.number if attempt is not None else 1
    if not chunks:
        status = LlmStatus(
            state=LlmState.RAN,
            reason="nothing to review: no findings and no changed elements",
            provider=llm.label,
            prompt=prompt.id,
            usage=llm.usage(),
        )
        return ReviewResult(changes=list(changes), status=status, records=[])
    workers = min(llm.review_concurrency, len(chunks))
    retry_in_place = attempt is None
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="protoguard-review") as pool:
        # map keeps the chunks' order: answers merge in the same order however calls finish
        outcomes = list(
            pool.map(lambda chunk: _review_chunk(llm, prompt, chunk, retry_in_place), chunks)
        )
    records = [record for _, record in outcomes]
    if attempt is not None and not attempt.last and llm.remaining() > _retry_pause(llm, attempt):
        _raise_for_retry(records)
    answers = [
        ReviewAnswer(
            file=chunk.file,
            finding_ids=chunk.finding_ids,
            elements=chunk.elements,
            review=review,
            prompt=prompt.id,
            model=llm.label,
            instruction_like=any(
                looks_like_instructions(s) for s in _strings([*chunk.items, *chunk.unflagged])
            ),
            unflagged_lines=chunk.unflagged_lines,
        )
        for chunk, (review, _) in zip(chunks, outcomes, strict=True)
        if review is not None
    ]
    merged, notes = merge_review_with_notes(
        changes, answers, refute_potential=llm.config.refute_potential
    )
    usage = llm.usage()
    state, reason, failures = _summary(chunks, records, usage, attempts)
    status = LlmStatus(
        state=state,
        reason=reason,
        provider=llm.label,
        prompt=prompt.id,
        attempts=attempts,
        chunks=len(chunks),
        unflagged=sum(len(c.unflagged) for c in chunks),
        answered=len(answers),
        cached=sum(r.cached for r in records),
        failures=dict(failures),
        errors=[
            f"{c.file} (part {c.part}/{c.parts}): {r.error}"
            for c, r in zip(chunks, records, strict=True)
            if r.error
        ],
        notes=notes,
        assessments=[
            {"file": a.file, "risk": str(a.review.risk), "assessment": a.review.assessment}
            for a in answers
        ],
        usage=usage,
    )
    return ReviewResult(changes=merged, status=status, records=records)
