"""`StructuredLlm.ask`: one validated answer from a prompt template, the one way protoguard
calls a model (the compatibility review and the PII review both go through it).

Per ask: render the template, serve what this run already has (an answer, or a failure
that asking again cannot fix) or the cache has, check the budget, call with a hard
deadline and retries with exponential backoff on transient errors (unless the caller
retries itself: the review runs under a LangGraph RetryPolicy), validate the answer
against a Pydantic schema, retry once with the validation errors when it does not fit,
then cache it. Nothing here raises for a model
failure: the CallRecord says what happened (and keeps the exception for a caller that
retries) and the caller keeps its deterministic result.
"""

from __future__ import annotations

import contextvars
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel, ValidationError

from compat_checker.config.llm import LlmConfig
from compat_checker.llm.cache import AnswerCache, cache_key
from compat_checker.llm.failures import (
    FailureKind,
    LlmCallTimeout,
    LlmRunDeadline,
    classify_failure,
    describe_failure,
    retry_on,
)
from compat_checker.llm.prompts import Prompt, load_prompt, render
from compat_checker.llm.usage import Budget, CallRecord, UsageMeter, UsageReport, estimate_tokens

AnswerT = TypeVar("AnswerT", bound=BaseModel)


class _BudgetStop(Exception):
    pass


# Failures that asking the same question again in this run cannot fix.
_FINAL = frozenset({FailureKind.INVALID_ANSWER, FailureKind.ERROR, FailureKind.DEADLINE})


def _call_with_deadline(fn: Callable[[], Any], seconds: float) -> Any:
    """Run `fn` in a daemon thread and give up after `seconds`.

    The provider's own timeout should end the request first; this is the backstop for
    a client that hangs anyway. A daemon thread (not a pool worker) so that a call
    stuck in the network can never keep the process from exiting.
    """
    outcome: dict[str, Any] = {}
    context = contextvars.copy_context()  # LangChain callbacks live in context vars

    def target() -> None:
        try:
            outcome["value"] = context.run(fn)
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=target, name="protoguard-llm-call", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise LlmCallTimeout(f"no answer within {seconds:g}s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _describe_invalid(error: BaseException | None) -> str:
    """What was wrong with an answer, without echoing its content.

    The model's text may quote untrusted input; only field paths and messages go back
    into the conversation.
    """
    current: BaseException | None = error
    while current is not None:
        if isinstance(current, ValidationError):
            return "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
                for e in current.errors()[:10]
            )
        current = current.__cause__ or current.__context__
    if error is None:
        return "the reply contained no structured answer"
    return "the reply was not JSON matching the schema"


def _token_counts(raw: Any, messages: Sequence[BaseMessage]) -> tuple[int, int]:
    """Input/output tokens from usage_metadata; estimated when the provider gives none."""
    usage = getattr(raw, "usage_metadata", None)
    if usage:
        return int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))
    input_tokens = sum(estimate_tokens(str(m.content)) for m in messages)
    output = str(raw.content) if isinstance(raw, AIMessage) else str(raw)
    if isinstance(raw, AIMessage) and raw.tool_calls:
        output += str([call["args"] for call in raw.tool_calls])
    return input_tokens, estimate_tokens(output)


class StructuredLlm:
    """A chat model plus the run's cache, budget, retries and usage meter."""

    def __init__(
        self,
        model: BaseChatModel,
        *,
        provider: str,
        model_name: str,
        config: LlmConfig,
        cache: AnswerCache | None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model = model
        self.provider = provider
        self.model_name = model_name
        self.config = config
        self.cache = cache
        self.budget = Budget(config.max_calls, config.max_tokens)
        self.meter = UsageMeter()
        self._sleep = sleep
        self._clock = clock
        # One deadline for every model call of the run (both reviews, retries, backoff).
        self._deadline_at = clock() + config.deadline_seconds
        self._structured: dict[type[BaseModel], Runnable[Any, Any]] = {}
        self._lock = threading.Lock()
        self._aborted: str | None = None  # set by an auth failure: later calls would fail too
        # Outcomes of this run by cache key, cache or not, so that a retried graph node (or a
        # second layer asking the same question) never pays twice: the answers, and the
        # failures that asking again cannot fix (an answer that did not validate after its
        # one retry, a request the provider rejects).
        self._answered: dict[str, BaseModel] = {}
        self._given_up: dict[str, CallRecord] = {}

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.model_name}"

    @property
    def review_concurrency(self) -> int:
        """Calls in flight at once for a review. Under a call or token budget, which calls
        get answered before it runs out must not depend on which thread reserves first:
        a budgeted review asks one at a time."""
        budgeted = self.config.max_calls is not None or self.config.max_tokens is not None
        return 1 if budgeted else self.config.concurrency

    def remaining(self) -> float:
        """Seconds left before `llm.deadline_seconds` ends this run's model calls."""
        return self._deadline_at - self._clock()

    def _deadline_passed(self) -> str:
        return f"llm.deadline_seconds ({self.config.deadline_seconds:g}s) reached"

    def usage(self) -> UsageReport:
        return self.meter.report(self.config.prices, self.budget)

    def ask(
        self,
        prompt_name: str,
        prompt_version: int,
        variables: Mapping[str, Any],
        schema: type[AnswerT],
    ) -> tuple[AnswerT | None, CallRecord]:
        """A validated answer to the prompt, or None with the reason in the record.

        Variables are untrusted data unless wrapped in `prompts.Trusted`.
        """
        return self.ask_prompt(load_prompt(prompt_name, prompt_version), variables, schema)

    def ask_prompt(
        self,
        prompt: Prompt,
        variables: Mapping[str, Any],
        schema: type[AnswerT],
        *,
        retry_transient: bool = True,
    ) -> tuple[AnswerT | None, CallRecord]:
        """`ask` with a loaded prompt. `retry_transient=False` makes one attempt per call
        (plus the validation retry) for a caller whose own retry policy asks again."""
        messages = render(prompt, variables)
        key = cache_key(
            provider=self.provider,
            model=self.model_name,
            temperature=self.config.temperature,
            prompt_id=prompt.id,
            schema=schema,
            messages=messages,
        )
        record = CallRecord(
            prompt=prompt.id, provider=self.provider, model=self.model_name, cache_key=key
        )
        started = time.monotonic()
        answer = self._earlier(key, schema, record)
        if answer is None and not record.reused:
            answer = self._cached(key, schema, record)
        if answer is None and not record.reused:
            answer = self._ask_model(messages, schema, record, retry_transient)
            with self._lock:
                if answer is not None:
                    self._answered[key] = answer
                elif record.failure in _FINAL:
                    self._given_up[key] = record
            if answer is not None and self.cache is not None:
                try:
                    self.cache.put(
                        key,
                        prompt_id=prompt.id,
                        provider=self.provider,
                        model=self.model_name,
                        answer=answer,
                        input_tokens=record.input_tokens,
                        output_tokens=record.output_tokens,
                    )
                except OSError as exc:  # a read-only or full disk costs a re-ask, not the run
                    record.cache_error = f"{type(exc).__name__}: {exc}"
        record.seconds = round(time.monotonic() - started, 3)
        self.meter.record(record)
        return answer, record

    def _earlier(self, key: str, schema: type[AnswerT], record: CallRecord) -> AnswerT | None:
        """This run's earlier outcome for `key`: its answer, or (with `record` saying so and
        `reused` set) its final failure; None with `reused` unset when there is none."""
        with self._lock:
            answer = self._answered.get(key)
            failed = self._given_up.get(key)
        if isinstance(answer, schema):
            record.reused = True
            return answer
        if failed is not None:
            record.reused = True
            record.failure, record.error = failed.failure, failed.error
            record.validation_errors = list(failed.validation_errors)
        return None

    def _cached(self, key: str, schema: type[AnswerT], record: CallRecord) -> AnswerT | None:
        if self.cache is None:
            return None
        entry = self.cache.get(key)
        if entry is None:
            return None
        try:
            answer = schema.model_validate(entry["answer"])
        except (KeyError, ValidationError):
            return None  # written by an older schema: ask again
        record.cached = True
        return answer

    def _ask_model(
        self,
        messages: list[BaseMessage],
        schema: type[AnswerT],
        record: CallRecord,
        retry_transient: bool,
    ) -> AnswerT | None:
        if self._aborted is not None:
            record.failure = FailureKind.ABORTED
            record.error = f"not attempted after an earlier failure ({self._aborted})"
            return None
        if self.remaining() <= 0:
            record.failure = FailureKind.DEADLINE
            record.error = f"deadline: not asked, {self._deadline_passed()}"
            return None
        runnable = self._structured_runnable(schema)
        for attempt in range(2):  # the answer, then one retry with the validation errors
            try:
                result = self._invoke(runnable, messages, record, retry_transient)
            except _BudgetStop as stop:
                record.failure = FailureKind.BUDGET
                record.error = f"budget: {stop}"
                return None
            except Exception as exc:
                record.failure = classify_failure(exc)
                record.error = describe_failure(exc)
                record._exception = exc
                if record.failure is FailureKind.AUTH:
                    self._aborted = record.error
                return None
            parsed = result.get("parsed")
            if isinstance(parsed, dict):  # providers that return dicts for a model schema
                try:
                    parsed = schema.model_validate(parsed)
                except ValidationError as exc:
                    result["parsing_error"], parsed = exc, None
            if isinstance(parsed, schema):
                return parsed
            problem = _describe_invalid(result.get("parsing_error"))
            record.validation_errors.append(problem)
            if attempt == 0:
                messages = [
                    *messages,
                    HumanMessage(
                        content="Your previous answer could not be used: "
                        f"{problem}. Answer again, with JSON that matches the schema exactly."
                    ),
                ]
        record.failure = FailureKind.INVALID_ANSWER
        record.error = f"answer did not validate after one retry: {record.validation_errors[-1]}"
        return None

    def _structured_runnable(self, schema: type[BaseModel]) -> Runnable[Any, Any]:
        with self._lock:
            runnable = self._structured.get(schema)
            if runnable is None:
                try:
                    # Native JSON-schema output constrains decoding (Gemini's
                    # response_json_schema, OpenAI's strict schemas, Ollama's format).
                    runnable = self.model.with_structured_output(
                        schema, method="json_schema", include_raw=True
                    )
                except (NotImplementedError, ValueError, TypeError):
                    # A provider without it: its default (usually tool calling).
                    runnable = self.model.with_structured_output(schema, include_raw=True)
                self._structured[schema] = runnable
            return runnable

    def _invoke(
        self,
        runnable: Runnable[Any, Any],
        messages: list[BaseMessage],
        record: CallRecord,
        retry_transient: bool,
    ) -> dict[str, Any]:
        estimated = sum(estimate_tokens(str(m.content)) for m in messages)
        max_retries = self.config.max_retries if retry_transient else 0
        retries = 0
        while True:
            refusal = self.budget.reserve(estimated)
            if refusal is not None:
                raise _BudgetStop(refusal)
            remaining = self.remaining()
            if remaining <= 0:
                self.budget.settle(estimated, 0)
                raise LlmRunDeadline(self._deadline_passed())
            record.calls += 1
            cut_short = remaining < self.config.timeout_seconds
            try:
                result = _call_with_deadline(
                    lambda: runnable.invoke(messages),
                    min(self.config.timeout_seconds, remaining),
                )
            except LlmCallTimeout as exc:
                self.budget.settle(estimated, 0)
                if cut_short:  # the run's deadline, not this call's timeout, ended it
                    raise LlmRunDeadline(self._deadline_passed()) from exc
                if retries < max_retries and self._pause(retries):
                    retries += 1
                    continue
                raise
            except Exception as exc:
                self.budget.settle(estimated, 0)
                if retries < max_retries and retry_on(exc) and self._pause(retries):
                    retries += 1
                    continue
                raise
            input_tokens, output_tokens = _token_counts(result.get("raw"), messages)
            record.input_tokens += input_tokens
            record.output_tokens += output_tokens
            self.budget.settle(estimated, input_tokens + output_tokens)
            return result

    def _pause(self, retries: int) -> bool:
        """Wait before retry number `retries + 1`; False when the run's deadline would pass
        first (the failure then stands as it is)."""
        pause = self._backoff(retries)
        if pause >= self.remaining():
            return False
        self._sleep(pause)
        return True

    def _backoff(self, retries: int) -> float:
        """Exponential backoff, jittered so that parallel callers do not retry in step."""
        ceiling = min(
            self.config.max_backoff_seconds,
            self.config.backoff_seconds * self.config.backoff_factor**retries,
        )
        return random.uniform(ceiling / 2, ceiling) if self.config.jitter else ceiling
