"""Failure classification and the retry predicate used by the client and LangGraph."""

from __future__ import annotations

import httpx
import pytest
from google.api_core import exceptions as gexc
from google.auth.exceptions import DefaultCredentialsError
from google.genai import errors as genai_errors
from langchain_core.exceptions import (
    ModelAuthenticationError,
    ModelInvalidRequestError,
    ModelRateLimitError,
    OutputParserException,
)
from langgraph.types import RetryPolicy

from compat_checker.config.llm import LlmConfig
from compat_checker.llm.failures import (
    FailureKind,
    LlmCallTimeout,
    classify_failure,
    describe_failure,
    retry_on,
    retry_policy,
)


def genai_error(code: int) -> genai_errors.APIError:
    return genai_errors.APIError(code, {"error": {"message": f"HTTP {code}", "status": "X"}})


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (gexc.ResourceExhausted("quota"), FailureKind.QUOTA),
        (gexc.TooManyRequests("slow down"), FailureKind.QUOTA),
        (gexc.ServiceUnavailable("down"), FailureKind.UNAVAILABLE),
        (gexc.InternalServerError("oops"), FailureKind.UNAVAILABLE),
        (gexc.DeadlineExceeded("late"), FailureKind.TIMEOUT),
        (gexc.PermissionDenied("no"), FailureKind.AUTH),
        (gexc.Unauthenticated("who"), FailureKind.AUTH),
        (gexc.InvalidArgument("bad"), FailureKind.ERROR),
        (genai_error(429), FailureKind.QUOTA),
        (genai_error(503), FailureKind.UNAVAILABLE),
        (genai_error(504), FailureKind.TIMEOUT),
        (genai_error(403), FailureKind.AUTH),
        (genai_error(400), FailureKind.ERROR),
        (ModelRateLimitError("429"), FailureKind.QUOTA),
        (ModelAuthenticationError("401"), FailureKind.AUTH),
        (ModelInvalidRequestError("400"), FailureKind.ERROR),
        (DefaultCredentialsError("no ADC"), FailureKind.AUTH),
        (LlmCallTimeout("60s"), FailureKind.TIMEOUT),
        (TimeoutError(), FailureKind.TIMEOUT),
        (httpx.ReadTimeout("slow"), FailureKind.TIMEOUT),
        (ConnectionResetError(), FailureKind.UNAVAILABLE),
        (OutputParserException("bad json"), FailureKind.ERROR),
        (ValueError("bug"), FailureKind.ERROR),
    ],
)
def test_classify_failure(exc: BaseException, kind: FailureKind) -> None:
    assert classify_failure(exc) is kind


def test_wrapped_errors_are_classified_by_their_cause() -> None:
    try:
        try:
            raise gexc.ResourceExhausted("quota")
        except gexc.ResourceExhausted as inner:
            raise RuntimeError("provider wrapper") from inner
    except RuntimeError as outer:
        assert classify_failure(outer) is FailureKind.QUOTA


def test_retry_on_only_transient_errors() -> None:
    for transient in (
        gexc.ResourceExhausted("q"),
        gexc.ServiceUnavailable("u"),
        gexc.DeadlineExceeded("d"),
        gexc.InternalServerError("i"),
        TimeoutError(),
    ):
        assert retry_on(transient), transient
    for permanent in (gexc.PermissionDenied("p"), gexc.InvalidArgument("i"), ValueError()):
        assert not retry_on(permanent), permanent


def test_retry_policy_for_langgraph_follows_the_config() -> None:
    policy = retry_policy(LlmConfig(max_retries=4, backoff_seconds=0.5, max_backoff_seconds=8))
    assert isinstance(policy, RetryPolicy)
    assert policy.max_attempts == 5 and policy.initial_interval == 0.5
    assert policy.max_interval == 8 and policy.retry_on is retry_on


def test_describe_failure_is_one_line() -> None:
    line = describe_failure(gexc.ResourceExhausted("Quota exceeded\nfor project x"))
    assert line.startswith("quota: ResourceExhausted: ")
    assert "\n" not in line
