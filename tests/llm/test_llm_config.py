"""The `llm:` config section and its PROTOGUARD_LLM_* environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from compat_checker.config import Config
from compat_checker.config.llm import DEFAULT_PRICES, LlmConfig, apply_env, cache_directory
from compat_checker.errors import GateError


def test_defaults() -> None:
    config = LlmConfig()
    assert config.provider == "auto" and config.temperature == 0.0
    assert config.cache and config.cache_dir is None
    assert config.deadline_seconds == 120 and config.endpoint is None
    assert config.prices == DEFAULT_PRICES and config.model in config.prices


def test_the_cache_lives_outside_the_working_tree_by_default(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    home_cache = cache_directory(LlmConfig(), repo, {"XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert home_cache == tmp_path / "xdg" / "protoguard"
    assert cache_directory(LlmConfig(), repo, {}) == Path.home() / ".cache" / "protoguard"
    assert cache_directory(LlmConfig(), repo, {"XDG_CACHE_HOME": "relative"}) == (
        Path.home() / ".cache" / "protoguard"
    )  # the XDG spec ignores a relative path
    chosen = LlmConfig(cache_dir=".protoguard/cache")
    assert cache_directory(chosen, repo, {}) == repo / ".protoguard" / "cache"


def test_env_overrides_the_file() -> None:
    config = apply_env(
        LlmConfig(model="gemini-2.5-pro", max_calls=5),
        {
            "PROTOGUARD_LLM": "ollama:llama3.1",
            "PROTOGUARD_LLM_MODEL": "gemini-2.5-flash-lite",
            "PROTOGUARD_LLM_TIMEOUT": "12.5",
            "PROTOGUARD_LLM_MAX_CALLS": "unlimited",
            "PROTOGUARD_LLM_MAX_TOKENS": "20000",
            "PROTOGUARD_LLM_NO_CACHE": "1",
            "PROTOGUARD_LLM_LOCATION": "europe-west4",
            "UNRELATED": "x",
        },
    )
    assert config.provider == "ollama:llama3.1"
    assert config.model == "gemini-2.5-flash-lite" and config.timeout_seconds == 12.5
    assert config.max_calls is None and config.max_tokens == 20000
    assert config.cache is False and config.location == "europe-west4"


def test_no_env_returns_the_same_config() -> None:
    config = LlmConfig()
    assert apply_env(config, {}) is config


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PROTOGUARD_LLM_TIMEOUT", "soon", "PROTOGUARD_LLM_TIMEOUT='soon'"),
        ("PROTOGUARD_LLM_NO_CACHE", "maybe", "expected true/false"),
        ("PROTOGUARD_LLM_TEMPERATURE", "9", "PROTOGUARD_LLM_TEMPERATURE: "),
        ("PROTOGUARD_LLM_MAX_RETRIES", "-1", "PROTOGUARD_LLM_MAX_RETRIES: "),
    ],
)
def test_bad_env_values_are_one_line_errors(name: str, value: str, message: str) -> None:
    with pytest.raises(GateError, match=message) as info:
        apply_env(LlmConfig(), {name: value})
    assert "\n" not in str(info.value)


def test_yaml_section_accepts_prices_and_rejects_typos() -> None:
    config = Config.model_validate(
        {"llm": {"prices": {"my-model": {"input_per_million": 1, "output_per_million": 2}}}}
    )
    assert config.llm.prices["my-model"].output_per_million == 2
    assert set(DEFAULT_PRICES) < set(config.llm.prices)  # added to the defaults
    with pytest.raises(ValueError, match="extra"):
        Config.model_validate({"llm": {"max_call": 3}})
