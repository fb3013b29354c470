"""What went wrong with a model call, and whether trying again can help.

Providers raise very different exception types (google.api_core for the older Google
clients, google.genai for the current one, LangChain's `ModelError` family that
integrations now map their errors onto, httpx/requests for plain HTTP). Everything
here classifies by type where the type is importable, so a missing optional package
never breaks the classification of the others.
"""

from __future__ import annotations

from enum import StrEnum

from langchain_core.exceptions import (
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)
from langgraph.types import RetryPolicy

from compat_checker.config.llm import LlmConfig


class FailureKind(StrEnum):
    TIMEOUT = "timeout"
    QUOTA = "quota"  # rate limit or quota exhausted
    AUTH = "auth"  # missing/invalid credentials or no permission
    UNAVAILABLE = "unavailable"  # server error, connection failure
    INVALID_ANSWER = "invalid_answer"  # answer did not validate, even after one retry
    BUDGET = "budget"  # max_calls / max_tokens reached before the call
    ABORTED = "aborted"  # not attempted: an earlier call failed with an auth error
    DEADLINE = "deadline"  # llm.deadline_seconds for the run's model calls ran out
    ERROR = "error"  # anything else


TRANSIENT = frozenset({FailureKind.TIMEOUT, FailureKind.QUOTA, FailureKind.UNAVAILABLE})


class LlmCallTimeout(TimeoutError):
    """A model call ran past its per-call deadline (raised by the client's own guard)."""


class LlmRunDeadline(Exception):
    """The run's deadline for model calls (`llm.deadline_seconds`) ran out: final, never
    retried, whatever the call was doing when it was cut short."""


class MalformedResponse(Exception):
    """The provider answered with a body that is not the API's JSON (a proxy's error page,
    a truncated response): transient, asked again like a server error."""


def _google_api_core_kind(exc: BaseException) -> FailureKind | None:
    try:
        from google.api_core import exceptions as gexc
    except ImportError:  # pragma: no cover - google-api-core comes with the Vertex deps
        return None
    table: tuple[tuple[tuple[type[BaseException], ...], FailureKind], ...] = (
        ((gexc.DeadlineExceeded, gexc.GatewayTimeout), FailureKind.TIMEOUT),
        ((gexc.ResourceExhausted, gexc.TooManyRequests), FailureKind.QUOTA),
        (
            (gexc.Unauthenticated, gexc.Unauthorized, gexc.PermissionDenied, gexc.Forbidden),
            FailureKind.AUTH,
        ),
        (
            (gexc.ServiceUnavailable, gexc.InternalServerError, gexc.BadGateway),
            FailureKind.UNAVAILABLE,
        ),
    )
    for types, kind in table:
        if isinstance(exc, types):
            return kind
    return None


def _google_genai_kind(exc: BaseException) -> FailureKind | None:
    try:
        from google.genai import errors as genai_errors
    except ImportError:
        return None
    if not isinstance(exc, genai_errors.APIError):
        return None
    code = getattr(exc, "code", 0) or 0
    if code in (408, 504):
        return FailureKind.TIMEOUT
    if code == 429:
        return FailureKind.QUOTA
    if code in (401, 403):
        return FailureKind.AUTH
    if code >= 500:
        return FailureKind.UNAVAILABLE
    return FailureKind.ERROR


def _google_auth_kind(exc: BaseException) -> FailureKind | None:
    try:
        from google.auth import exceptions as auth_errors
    except ImportError:  # pragma: no cover - google-auth comes with the Vertex deps
        return None
    if isinstance(exc, auth_errors.TransportError):
        return FailureKind.UNAVAILABLE  # could not reach the token endpoint
    if isinstance(exc, auth_errors.GoogleAuthError):
        return FailureKind.AUTH
    return None


def _http_timeout_kind(exc: BaseException) -> FailureKind | None:
    try:
        import httpx
    except ImportError:  # pragma: no cover - httpx comes with langchain
        httpx = None  # type: ignore[assignment]
    if httpx is not None and isinstance(exc, httpx.TimeoutException):
        return FailureKind.TIMEOUT
    try:
        import requests
    except ImportError:  # pragma: no cover - requests comes with google-auth
        return None
    if isinstance(exc, requests.Timeout):
        return FailureKind.TIMEOUT
    if isinstance(exc, requests.ConnectionError):
        return FailureKind.UNAVAILABLE
    return None


def classify_failure(exc: BaseException) -> FailureKind:
    """The kind of failure `exc` represents (causes are followed: SDKs wrap errors)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = _classify_one(current)
        if kind is not FailureKind.ERROR:
            return kind
        current = current.__cause__ or current.__context__
    return FailureKind.ERROR


def _classify_one(exc: BaseException) -> FailureKind:
    if isinstance(exc, LlmRunDeadline):
        return FailureKind.DEADLINE
    if isinstance(exc, MalformedResponse):
        return FailureKind.UNAVAILABLE
    # LangChain's own classification first: integrations map provider errors onto it.
    if isinstance(exc, ModelError):
        if isinstance(exc, ModelTimeoutError):
            return FailureKind.TIMEOUT
        if isinstance(exc, ModelRateLimitError):
            return FailureKind.QUOTA
        if isinstance(exc, (ModelAuthenticationError, ModelPermissionDeniedError)):
            return FailureKind.AUTH
        if isinstance(exc, (ModelAPIError, ModelConnectionError)) or exc.is_retryable:
            return FailureKind.UNAVAILABLE
    for probe in (_google_api_core_kind, _google_genai_kind, _google_auth_kind, _http_timeout_kind):
        kind = probe(exc)
        if kind is not None:
            return kind
    if isinstance(exc, TimeoutError):  # includes socket.timeout and LlmCallTimeout
        return FailureKind.TIMEOUT
    if isinstance(exc, ConnectionError):
        return FailureKind.UNAVAILABLE
    return FailureKind.ERROR


def retry_on(exc: BaseException) -> bool:
    """True for errors worth another attempt: rate limits and quota (google.api_core's
    ResourceExhausted / TooManyRequests, HTTP 429), server errors (ServiceUnavailable,
    InternalServerError, BadGateway, 5xx), deadlines and timeouts (DeadlineExceeded,
    GatewayTimeout, our own per-call deadline), and LangChain's equivalents; causes are
    followed, so a wrapped transient error counts.

    The `retry_on` of the review node's LangGraph RetryPolicy, and the test of the
    client's own per-call retry loop.
    """
    return classify_failure(exc) in TRANSIENT


def retry_policy(config: LlmConfig) -> RetryPolicy:
    """The LangGraph retry policy of a node that calls a model, from the `llm` config:
    max_retries + 1 attempts, exponential backoff from backoff_seconds by backoff_factor up
    to max_backoff_seconds, with LangGraph's jitter when `jitter` is on."""
    return RetryPolicy(
        initial_interval=config.backoff_seconds,
        backoff_factor=config.backoff_factor,
        max_interval=config.max_backoff_seconds,
        max_attempts=config.max_retries + 1,
        jitter=config.jitter,
        retry_on=retry_on,
    )


def describe_failure(exc: BaseException) -> str:
    """One line for the verdict: the kind, the exception type and its first line."""
    text = str(exc).strip().splitlines()
    detail = text[0][:200] if text else ""
    return f"{classify_failure(exc)}: {type(exc).__name__}" + (f": {detail}" if detail else "")
