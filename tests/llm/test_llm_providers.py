"""Provider resolution (`--llm auto|none|vertex|provider:model`) and model construction.

No test reaches the network: credentials are detected from files and environment only,
and models are built but never invoked.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from compat_checker.config.llm import LlmConfig
from compat_checker.errors import GateError
from compat_checker.llm.providers import (
    build_chat_model,
    find_adc,
    open_llm,
    resolve_provider,
)
from compat_checker.llm.review import LlmState

HAS_GENAI = importlib.util.find_spec("langchain_google_genai") is not None
needs_genai = pytest.mark.skipif(not HAS_GENAI, reason="langchain-google-genai not installed")


@pytest.fixture
def creds(tmp_path: Path) -> Path:
    path = tmp_path / "sa.json"
    path.write_text(json.dumps({"type": "service_account", "project_id": "p"}))
    return path


def env_with(tmp_path: Path, **values: str) -> dict[str, str]:
    """An environment whose HOME has no gcloud credentials, plus `values`."""
    return {"HOME": str(tmp_path / "home"), **values}


def test_none_disables_the_review(tmp_path: Path) -> None:
    choice = resolve_provider("none", LlmConfig(), env_with(tmp_path))
    assert not choice.enabled and "disabled" in choice.reason


def test_auto_without_project_says_why(tmp_path: Path) -> None:
    choice = resolve_provider("auto", LlmConfig(), env_with(tmp_path))
    assert not choice.enabled and "GOOGLE_CLOUD_PROJECT" in choice.reason


def test_auto_without_credentials_says_how_to_get_them(tmp_path: Path) -> None:
    choice = resolve_provider("auto", LlmConfig(), env_with(tmp_path, GOOGLE_CLOUD_PROJECT="p"))
    assert not choice.enabled
    assert "gcloud auth application-default login" in choice.reason


def test_auto_with_a_broken_credentials_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("nope")
    env = env_with(tmp_path, GOOGLE_CLOUD_PROJECT="p", GOOGLE_APPLICATION_CREDENTIALS=str(bad))
    choice = resolve_provider("auto", LlmConfig(), env)
    assert not choice.enabled and "not a readable credentials file" in choice.reason


@needs_genai
def test_auto_uses_vertex_with_project_and_credentials_file(tmp_path: Path, creds: Path) -> None:
    env = env_with(tmp_path, GOOGLE_CLOUD_PROJECT="p", GOOGLE_APPLICATION_CREDENTIALS=str(creds))
    choice = resolve_provider("auto", LlmConfig(location="europe-west4"), env)
    assert choice.enabled and choice.provider == "vertex"
    assert (choice.model, choice.project, choice.location) == (
        "gemini-2.5-flash",
        "p",
        "europe-west4",
    )
    assert choice.label == "vertex:gemini-2.5-flash"


def test_gcloud_well_known_file_and_metadata_hints_count_as_adc(tmp_path: Path) -> None:
    gcloud = tmp_path / "home" / ".config" / "gcloud"
    gcloud.mkdir(parents=True)
    (gcloud / "application_default_credentials.json").write_text("{}")
    assert find_adc(env_with(tmp_path))[0] == "gcloud application-default credentials"
    found, _ = find_adc({"HOME": str(tmp_path / "elsewhere"), "K_SERVICE": "svc"})
    assert found is not None and "K_SERVICE" in found


def test_explicit_vertex_needs_a_project(tmp_path: Path) -> None:
    with pytest.raises(GateError, match="needs a Google Cloud project"):
        resolve_provider("vertex", LlmConfig(), env_with(tmp_path))


@needs_genai
def test_explicit_vertex_model_and_project_from_config(tmp_path: Path) -> None:
    choice = resolve_provider("vertex:gemini-2.5-pro", LlmConfig(project="cfg"), env_with(tmp_path))
    assert (choice.provider, choice.model, choice.project) == ("vertex", "gemini-2.5-pro", "cfg")


@pytest.mark.parametrize("setting", ["bogus", "ollama:", ":model"])
def test_malformed_settings_are_usage_errors(tmp_path: Path, setting: str) -> None:
    with pytest.raises(GateError, match="expected auto, none, vertex"):
        resolve_provider(setting, LlmConfig(), env_with(tmp_path))


@pytest.mark.parametrize(
    ("provider", "module"),
    [
        ("ollama", "langchain_ollama"),
        ("openai", "langchain_openai"),
        ("anthropic", "langchain_anthropic"),
    ],
)
def test_optional_providers_need_their_extra(tmp_path: Path, provider: str, module: str) -> None:
    if importlib.util.find_spec(module) is not None:
        choice = resolve_provider(f"{provider}:some-model", LlmConfig(), env_with(tmp_path))
        assert choice.provider == provider and choice.model == "some-model"
        return
    with pytest.raises(GateError, match=rf"protoguard\[{provider}\]"):
        resolve_provider(f"{provider}:some-model", LlmConfig(), env_with(tmp_path))


def test_provider_model_keeps_colons_in_the_model_name(tmp_path: Path) -> None:
    choice = resolve_provider("together:meta/llama:8b", LlmConfig(), env_with(tmp_path))
    assert (choice.provider, choice.model) == ("together", "meta/llama:8b")


def test_an_uninstalled_init_chat_model_provider_is_a_clear_error(tmp_path: Path) -> None:
    if importlib.util.find_spec("langchain_together") is not None:
        pytest.skip("langchain-together is installed here")
    choice = resolve_provider("together:meta/llama", LlmConfig(), env_with(tmp_path))
    with pytest.raises(GateError, match="together"):
        build_chat_model(choice, LlmConfig())


@needs_genai
def test_vertex_model_is_gemini_through_google_genai_on_vertex(tmp_path: Path, creds: Path) -> None:
    from langchain_google_genai import ChatGoogleGenerativeAI

    env = env_with(tmp_path, GOOGLE_CLOUD_PROJECT="p", GOOGLE_APPLICATION_CREDENTIALS=str(creds))
    config = LlmConfig(timeout_seconds=15)
    model = build_chat_model(resolve_provider("auto", config, env), config)
    assert isinstance(model, ChatGoogleGenerativeAI)
    assert model.vertexai is True and model.project == "p" and model.location == "us-central1"
    assert model.temperature == 0.0 and model.timeout == 15
    # The structured-output path sends the schema as Gemini's response_json_schema.
    from compat_checker.llm.answers import CompatReview

    bound = model.with_structured_output(CompatReview, method="json_schema").first
    assert bound.kwargs["response_mime_type"] == "application/json"
    assert bound.kwargs["response_json_schema"]["title"] == "CompatReview"


def test_open_llm_without_a_model_returns_a_skipped_status(tmp_path: Path) -> None:
    llm, status = open_llm(LlmConfig(), env_with(tmp_path), root=tmp_path)
    assert llm is None and status.state is LlmState.SKIPPED
    assert status.to_layer().status == "skipped"
    assert "GOOGLE_CLOUD_PROJECT" in status.to_layer().detail


def test_open_llm_reads_the_setting_from_the_environment(tmp_path: Path) -> None:
    llm, status = open_llm(LlmConfig(), env_with(tmp_path, PROTOGUARD_LLM="none"), root=tmp_path)
    assert llm is None and "disabled" in status.reason


@needs_genai
def test_open_llm_builds_a_cached_client(tmp_path: Path, creds: Path) -> None:
    env = env_with(
        tmp_path,
        GOOGLE_CLOUD_PROJECT="p",
        GOOGLE_APPLICATION_CREDENTIALS=str(creds),
        XDG_CACHE_HOME=str(tmp_path / "xdg"),
    )
    llm, status = open_llm(LlmConfig(max_calls=7), env, root=tmp_path)
    assert status is None and llm is not None
    assert llm.label == "vertex:gemini-2.5-flash" and llm.budget.max_calls == 7
    # outside the working tree by default: the user's cache directory
    assert llm.cache is not None and llm.cache.directory == tmp_path / "xdg/protoguard/llm"
    llm, _ = open_llm(LlmConfig(), env, root=tmp_path, no_cache=True)
    assert llm is not None and llm.cache is None
