"""The review node's LangGraph RetryPolicy: transient errors re-run the review, answers
already given are reused, and exhausted retries end with the deterministic findings."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from google.api_core.exceptions import (
    DeadlineExceeded,
    InternalServerError,
    ResourceExhausted,
    ServiceUnavailable,
)

from compat_checker.config.llm import LlmConfig
from compat_checker.findings import Change, Severity
from compat_checker.llm.failures import retry_on, retry_policy
from compat_checker.llm.graph import review_graph, review_with_retries
from compat_checker.llm.review import (
    LlmState,
    NodeAttempt,
    TransientReviewFailure,
    review_changes,
)
from compat_checker.llm.testing import FakeRequest, compat_responder

from .conftest import MakeChange, MakeLlm

NO_WAIT = {"backoff_seconds": 0.0, "jitter": False}


class Flaky:
    """Raises `error` for the first `failures` requests about `path`, then answers."""

    def __init__(self, path: str, failures: int, error: Exception | None = None) -> None:
        self.path, self.failures = path, failures
        self.error = error or ResourceExhausted("429 quota exceeded")
        self.seen: dict[str, int] = {}
        self.lock = threading.Lock()
        self.answer = compat_responder(lambda item: {"severity": "CRITICAL"})

    def __call__(self, request: FakeRequest) -> Any:
        path = request.data[0]["path"]
        with self.lock:
            self.seen[path] = self.seen.get(path, 0) + 1
            count = self.seen[path]
        if path == self.path and count <= self.failures:
            return self.error
        return self.answer(request)


@pytest.fixture
def two_files(make_change: MakeChange) -> list[Change]:
    return [
        make_change(element="acme.a.v1.M.x", file="a.proto"),
        make_change(element="acme.b.v1.M.x", file="b.proto"),
    ]


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_resource_exhausted_twice_then_answered(
    make_llm: MakeLlm, two_files: list[Change], cache: bool
) -> None:
    flaky = Flaky("b.proto", failures=2)
    llm, _ = make_llm(flaky, cache=cache, max_retries=2, **NO_WAIT)
    result = review_with_retries(two_files, llm)
    # b.proto took three attempts of the node; a.proto's answer was not asked again.
    assert flaky.seen == {"a.proto": 1, "b.proto": 3}
    assert [c.severity for c in result.changes] == [Severity.CRITICAL, Severity.CRITICAL]
    status = result.status
    assert status.state is LlmState.RAN and status.attempts == 3
    assert "after 3 attempts" in status.reason
    assert status.usage is not None and status.usage.calls == 4 and status.usage.cached == 0


@pytest.mark.parametrize(
    "error",
    [
        ResourceExhausted("429 Resource has been exhausted (e.g. check quota)."),
        ServiceUnavailable("503 The service is currently unavailable."),
        DeadlineExceeded("504 Deadline Exceeded"),
        InternalServerError("500 Internal error encountered."),
    ],
    ids=lambda error: type(error).__name__,
)
def test_each_transient_google_error_is_retried_by_the_policy_then_answered(
    make_llm: MakeLlm, two_files: list[Change], error: Exception
) -> None:
    flaky = Flaky("b.proto", failures=1, error=error)
    llm, _ = make_llm(flaky, max_retries=1, **NO_WAIT)
    result = review_with_retries(two_files, llm)
    assert flaky.seen == {"a.proto": 1, "b.proto": 2}
    assert result.status.state is LlmState.RAN and result.status.attempts == 2
    assert result.status.errors == []
    assert [c.severity for c in result.changes] == [Severity.CRITICAL, Severity.CRITICAL]


def test_a_malformed_answer_is_not_asked_again_when_another_file_is_retried(
    make_llm: MakeLlm, two_files: list[Change]
) -> None:
    seen: dict[str, int] = {}
    flaky = Flaky("b.proto", failures=2)

    def respond(request: FakeRequest) -> Any:
        path = request.data[0]["path"]
        if path == "a.proto":
            seen[path] = seen.get(path, 0) + 1
            return "not JSON at all"
        return flaky(request)

    llm, _ = make_llm(respond, max_retries=2, **NO_WAIT)
    result = review_with_retries(two_files, llm)
    # a.proto: its answer and the one validation retry, in the first attempt only.
    assert seen == {"a.proto": 2} and flaky.seen == {"b.proto": 3}
    status = result.status
    assert status.attempts == 3 and status.state is LlmState.PARTIAL
    assert status.failures == {"invalid_answer": 1}
    # Failed asks: a.proto's once (replayed, not re-counted), b.proto's two rate limits.
    assert status.usage is not None and status.usage.failed == 3 and status.usage.calls == 5
    assert result.changes[0] == two_files[0]


def test_exhausted_retries_keep_the_deterministic_findings(
    make_llm: MakeLlm, two_files: list[Change]
) -> None:
    flaky = Flaky("b.proto", failures=99, error=ServiceUnavailable("503 backend down"))
    llm, _ = make_llm(flaky, max_retries=1, **NO_WAIT)
    result = review_with_retries(two_files, llm)  # does not raise
    assert flaky.seen == {"a.proto": 1, "b.proto": 2}
    assert result.changes[1] == two_files[1]  # unreviewed: as the checks made it
    assert result.changes[0].severity == Severity.CRITICAL  # a.proto's answer still counts
    status = result.status
    assert status.state is LlmState.PARTIAL and status.failures == {"unavailable": 1}
    assert status.attempts == 2 and "after 2 attempts" in status.reason
    assert "ServiceUnavailable" in status.errors[0]


def test_errors_that_retrying_cannot_fix_are_not_retried(
    make_llm: MakeLlm, two_files: list[Change]
) -> None:
    flaky = Flaky("b.proto", failures=99, error=ValueError("bad request"))
    llm, _ = make_llm(flaky, max_retries=3, **NO_WAIT)
    result = review_with_retries(two_files, llm)
    assert flaky.seen == {"a.proto": 1, "b.proto": 1}
    assert result.status.attempts == 1 and result.status.failures == {"error": 1}


def test_an_attempt_before_the_last_raises_for_the_policy(
    make_llm: MakeLlm, two_files: list[Change]
) -> None:
    llm, fake = make_llm(Flaky("b.proto", failures=99), max_retries=5)
    with pytest.raises(TransientReviewFailure) as raised:
        review_changes(two_files, llm, attempt=NodeAttempt(1, 3))
    assert isinstance(raised.value.__cause__, ResourceExhausted)
    assert retry_on(raised.value)  # what the RetryPolicy asks
    assert len(fake.requests) == 2  # one call per file: no retries in place under a policy
    result = review_changes(two_files, llm, attempt=NodeAttempt(3, 3))
    assert result.status.state is LlmState.PARTIAL


def test_standalone_review_retries_each_call_in_place(
    make_llm: MakeLlm, two_files: list[Change]
) -> None:
    flaky = Flaky("b.proto", failures=1)
    llm, _ = make_llm(flaky, max_retries=1)
    result = review_changes(two_files, llm)
    assert flaky.seen == {"a.proto": 1, "b.proto": 2}
    assert result.status.state is LlmState.RAN and result.status.attempts == 1


def test_the_policy_follows_the_llm_config() -> None:
    config = LlmConfig(
        max_retries=3,
        backoff_seconds=0.25,
        backoff_factor=3.0,
        max_backoff_seconds=9,
        jitter=False,
    )
    policy = retry_policy(config)
    assert (policy.max_attempts, policy.initial_interval, policy.backoff_factor) == (4, 0.25, 3.0)
    assert policy.max_interval == 9 and policy.jitter is False and policy.retry_on is retry_on
    graph = review_graph(policy)
    assert graph is review_graph(retry_policy(config))  # compiled once per policy
    node = graph.builder.nodes["review"]
    assert node.retry_policy == policy


def test_an_answer_is_not_asked_twice_in_one_run_even_without_cache(
    make_llm: MakeLlm, two_files: list[Change]
) -> None:
    llm, fake = make_llm(compat_responder(lambda item: {}), cache=False)
    review_changes(two_files, llm)
    again = review_changes(two_files, llm)
    assert len(fake.requests) == 2
    usage = again.status.usage
    assert usage is not None and usage.calls == 2 and usage.cached == 0
    assert usage.prompts == {"compat_review.v2": 2}
