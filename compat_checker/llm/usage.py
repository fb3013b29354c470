"""Budgets, per-call records and the usage/cost report of a run. Thread-safe."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping

from pydantic import BaseModel, Field, PrivateAttr

from compat_checker.config.llm import ModelPrice
from compat_checker.llm.failures import FailureKind


def estimate_tokens(text: str) -> int:
    """About four characters per token: good enough for budgets and chunking."""
    return math.ceil(len(text) / 4)


class CallRecord(BaseModel):
    """What one `StructuredLlm.ask` did: the verdict's trace of a model answer."""

    prompt: str  # "<name>.v<version>"
    provider: str
    model: str
    cache_key: str
    cached: bool = False  # served from the on-disk cache
    reused: bool = False  # outcome (answer or final failure) from earlier in this run
    calls: int = 0  # model invocations (retries included); 0 for a cache hit
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0
    failure: FailureKind | None = None
    error: str | None = None
    validation_errors: list[str] = Field(default_factory=list)
    cache_error: str | None = None  # the answer could not be written to the cache
    _exception: BaseException | None = PrivateAttr(default=None)  # what failed, for retries

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def exception(self) -> BaseException | None:
        """The exception behind `failure`, kept out of the verdict (it may not serialise)."""
        return self._exception


class Budget:
    """max_calls / max_tokens for a run, shared by every concurrent call.

    A call reserves its estimated input tokens before it starts (so parallel calls
    cannot all slip under the limit together) and settles the real count afterwards.
    """

    def __init__(self, max_calls: int | None, max_tokens: int | None) -> None:
        self.max_calls = max_calls
        self.max_tokens = max_tokens
        self._calls = 0
        self._tokens = 0
        self._lock = threading.Lock()
        self.stopped: str | None = None  # why calls were refused, once they were

    def reserve(self, estimated_tokens: int) -> str | None:
        """Count one call; return why not instead when the budget does not allow it."""
        with self._lock:
            refusal = None
            if self.max_calls is not None and self._calls >= self.max_calls:
                refusal = f"max_calls={self.max_calls} reached"
            elif self.max_tokens is not None and self._tokens + estimated_tokens > self.max_tokens:
                refusal = (
                    f"max_tokens={self.max_tokens} reached "
                    f"({self._tokens} used, next call needs ~{estimated_tokens})"
                )
            if refusal is not None:
                self.stopped = self.stopped or refusal
                return refusal
            self._calls += 1
            self._tokens += estimated_tokens
            return None

    def settle(self, estimated_tokens: int, actual_tokens: int) -> None:
        with self._lock:
            self._tokens += actual_tokens - estimated_tokens


class ModelUsage(BaseModel):
    calls: int = 0
    cached: int = 0  # answers served from the cache
    failed: int = 0  # asks that ended without an answer
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None  # None: no price configured for this model


class UsageReport(BaseModel):
    calls: int = 0
    cached: int = 0
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None  # None when any model used has no price
    by_model: dict[str, ModelUsage] = Field(default_factory=dict)
    prompts: dict[str, int] = Field(default_factory=dict)  # "compat_review.v2" -> answers asked
    budget_stop: str | None = None


class UsageMeter:
    """Adds up CallRecords per model."""

    def __init__(self) -> None:
        self._by_model: dict[str, ModelUsage] = {}
        self._prompts: dict[str, int] = {}
        self._lock = threading.Lock()

    def record(self, record: CallRecord) -> None:
        if record.reused:
            return  # counted when it was first asked
        with self._lock:
            self._prompts[record.prompt] = self._prompts.get(record.prompt, 0) + 1
            usage = self._by_model.setdefault(record.model, ModelUsage())
            usage.calls += record.calls
            usage.cached += int(record.cached)
            usage.failed += int(not record.ok)
            usage.input_tokens += record.input_tokens
            usage.output_tokens += record.output_tokens

    def report(self, prices: Mapping[str, ModelPrice], budget: Budget) -> UsageReport:
        with self._lock:
            by_model = {name: usage.model_copy() for name, usage in self._by_model.items()}
            prompts = dict(sorted(self._prompts.items()))
        for name, usage in by_model.items():
            price = prices.get(name)
            if price is not None:
                usage.cost_usd = round(
                    usage.input_tokens * price.input_per_million / 1e6
                    + usage.output_tokens * price.output_per_million / 1e6,
                    6,
                )
        costs = [u.cost_usd for u in by_model.values() if u.calls]
        return UsageReport(
            calls=sum(u.calls for u in by_model.values()),
            cached=sum(u.cached for u in by_model.values()),
            failed=sum(u.failed for u in by_model.values()),
            input_tokens=sum(u.input_tokens for u in by_model.values()),
            output_tokens=sum(u.output_tokens for u in by_model.values()),
            cost_usd=None if None in costs else round(sum(c for c in costs if c is not None), 6),
            by_model=by_model,
            prompts=prompts,
            budget_stop=budget.stopped,
        )
