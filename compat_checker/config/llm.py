"""`llm:` section of protoguard.yaml, and the PROTOGUARD_LLM_* environment overrides.

Precedence, highest first: command-line flags (applied by the CLI), environment variables
(`apply_env`), protoguard.yaml, the defaults below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from compat_checker.errors import GateError


class ModelPrice(BaseModel):
    """USD per million tokens (text, standard on-demand tier, prompts up to 200k tokens)."""

    model_config = ConfigDict(extra="forbid")

    input_per_million: float = Field(ge=0)
    output_per_million: float = Field(ge=0)  # Gemini bills thinking tokens as output


# Defaults for cost estimates only (never for decisions). Source: Google's published Gemini
# price list (ai.google.dev/gemini-api/docs/pricing, which Vertex AI's standard tier matches
# for these models: cloud.google.com/vertex-ai/generative-ai/pricing), text input, prompts
# up to 200k tokens, as published in 2025-2026. Prices change: override them under
# `llm.prices` in protoguard.yaml; a model without a price gets no cost estimate.
DEFAULT_PRICES: dict[str, ModelPrice] = {
    "gemini-2.5-flash": ModelPrice(input_per_million=0.30, output_per_million=2.50),
    "gemini-2.5-flash-lite": ModelPrice(input_per_million=0.10, output_per_million=0.40),
    "gemini-2.5-pro": ModelPrice(input_per_million=1.25, output_per_million=10.00),
    "gemini-3-flash-preview": ModelPrice(input_per_million=0.50, output_per_million=3.00),
    "gemini-3.1-pro-preview": ModelPrice(input_per_million=2.00, output_per_million=12.00),
}


class LlmConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: str = "auto"  # auto | none | vertex | vertex:<model> | <provider>:<model>
    model: str = "gemini-2.5-flash"  # the Vertex model; `provider:model` names its own
    project: str | None = None  # Google Cloud project; None: GOOGLE_CLOUD_PROJECT
    location: str = "us-central1"
    # The Vertex AI endpoint (base URL), e.g. a regional or Private Service Connect one;
    # None: google-genai's default for `location`.
    endpoint: str | None = None
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    # Per model call: connecting, sending and each wait for the response (google-genai and
    # the init_chat_model providers apply it per request), with a hard backstop of the same
    # length around the whole call, token exchange included.
    timeout_seconds: float = Field(default=60.0, gt=0)
    # For every model call of one run together (the PII review and the compatibility review,
    # retries and backoff included). Past it nothing more is asked, and what was not
    # answered keeps its deterministic result; the layers say so.
    deadline_seconds: float = Field(default=120.0, gt=0)
    # Transient errors (rate limits, quota, server errors, timeouts): the review node's
    # LangGraph RetryPolicy makes max_retries + 1 attempts, waiting backoff_seconds, then
    # times backoff_factor each time, at most max_backoff_seconds (LangGraph's jitter adds
    # up to 1 s); other calls (the PII review) retry in place on the same schedule.
    max_retries: int = Field(default=2, ge=0)
    backoff_seconds: float = Field(default=1.0, ge=0)
    backoff_factor: float = Field(default=2.0, ge=1.0)
    max_backoff_seconds: float = Field(default=30.0, ge=0)
    jitter: bool = True
    max_calls: int | None = Field(default=None, ge=0)  # per run; None: unlimited
    max_tokens: int | None = Field(default=None, ge=0)  # input+output per run; None: unlimited
    chunk_tokens: int = Field(default=12_000, ge=1_000)  # input budget of one review call
    concurrency: int = Field(default=4, ge=1)  # review calls in flight at once
    cache: bool = True  # False (or --no-cache) disables the answer cache
    # None: the user's cache directory ($XDG_CACHE_HOME/protoguard, else ~/.cache/protoguard),
    # outside the working tree. A relative path is relative to the repository root.
    cache_dir: str | None = None
    # Let the review clear a *potential* (SEMANTIC/CEL) finding it judges harmless.
    # False keeps every rule finding as the rules made it (the LLM can only add or raise).
    refute_potential: bool = True
    # Also show the review the changed elements no rule reported (comments, options), so
    # it can add findings the rules cannot see. False: findings only (fewer tokens).
    review_unflagged: bool = True
    prices: dict[str, ModelPrice] = Field(default_factory=lambda: dict(DEFAULT_PRICES))

    @field_validator("prices")
    @classmethod
    def _on_top_of_defaults(cls, prices: dict[str, ModelPrice]) -> dict[str, ModelPrice]:
        # Pricing one model in protoguard.yaml must not drop the defaults of the others.
        return {**DEFAULT_PRICES, **prices}


def cache_directory(config: LlmConfig, root: Path, env: Mapping[str, str]) -> Path:
    """Where the answer cache lives: `cache_dir` (relative to the repository root), else the
    user's cache directory, so a run never writes into the working tree by default."""
    if config.cache_dir:
        return root / config.cache_dir
    xdg = env.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "protoguard"


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {value!r}")


def _optional_int(value: str) -> int | None:
    return None if value.strip().lower() in {"", "none", "unlimited"} else int(value)


# env var -> (config key, parser). PROTOGUARD_LLM_NO_CACHE inverts `cache`.
ENV_VARS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "PROTOGUARD_LLM": ("provider", str.strip),
    "PROTOGUARD_LLM_MODEL": ("model", str.strip),
    "PROTOGUARD_LLM_PROJECT": ("project", str.strip),
    "PROTOGUARD_LLM_LOCATION": ("location", str.strip),
    "PROTOGUARD_LLM_TEMPERATURE": ("temperature", float),
    "PROTOGUARD_LLM_ENDPOINT": ("endpoint", str.strip),
    "PROTOGUARD_LLM_TIMEOUT": ("timeout_seconds", float),
    "PROTOGUARD_LLM_DEADLINE": ("deadline_seconds", float),
    "PROTOGUARD_LLM_MAX_RETRIES": ("max_retries", int),
    "PROTOGUARD_LLM_MAX_CALLS": ("max_calls", _optional_int),
    "PROTOGUARD_LLM_MAX_TOKENS": ("max_tokens", _optional_int),
    "PROTOGUARD_LLM_CHUNK_TOKENS": ("chunk_tokens", int),
    "PROTOGUARD_LLM_CONCURRENCY": ("concurrency", int),
    "PROTOGUARD_LLM_CACHE_DIR": ("cache_dir", str.strip),
    "PROTOGUARD_LLM_NO_CACHE": ("cache", lambda v: not _flag(v)),
}


def apply_env(config: LlmConfig, env: Mapping[str, str]) -> LlmConfig:
    """Return `config` with the PROTOGUARD_LLM_* variables set in `env` applied."""
    updates: dict[str, Any] = {}
    for name, (key, parse) in ENV_VARS.items():
        raw = env.get(name)
        if raw is None:
            continue
        try:
            updates[key] = parse(raw)
        except ValueError as exc:
            raise GateError(f"{name}={raw!r}: {exc}") from None
    if not updates:
        return config
    try:
        # Re-validate so the same bounds apply to env values as to protoguard.yaml.
        return LlmConfig.model_validate({**config.model_dump(), **updates})
    except ValidationError as exc:
        error = exc.errors()[0]
        name = next(n for n, (key, _) in ENV_VARS.items() if key == error["loc"][0])
        raise GateError(f"{name}: {error['msg']}") from None


def with_flags(
    config: LlmConfig,
    *,
    provider: str | None = None,
    max_calls: int | None = None,
    max_tokens: int | None = None,
) -> LlmConfig:
    """`config` with the command-line LLM flags that were given (they win over the file)."""
    updates = {
        key: value
        for key, value in (
            ("provider", provider),
            ("max_calls", max_calls),
            ("max_tokens", max_tokens),
        )
        if value is not None
    }
    return config.model_copy(update=updates) if updates else config
