"""Which chat model to use (`--llm auto|none|vertex|<provider>:<model>`) and building it.

Vertex AI Gemini is the default cloud provider. langchain-google-vertexai 3.2 deprecated
`ChatVertexAI` (removal in 4.0) in favour of `langchain_google_genai.ChatGoogleGenerativeAI`,
which reaches Vertex AI with `vertexai=True` and whose `with_structured_output` defaults
to `method="json_schema"`: the Pydantic schema goes to Gemini as `response_json_schema`,
so decoding itself is constrained, not just the parsing.

Any other LangChain chat model works through `init_chat_model` when its integration
package is installed; `ollama`, `openai` and `anthropic` are the documented extras.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from compat_checker.config.llm import LlmConfig, apply_env, cache_directory
from compat_checker.errors import GateError
from compat_checker.llm.cache import AnswerCache
from compat_checker.llm.client import StructuredLlm
from compat_checker.llm.failures import describe_failure
from compat_checker.llm.review import LlmStatus

AUTO, NONE, VERTEX = "auto", "none", "vertex"
VERTEX_MODULE, VERTEX_PACKAGE = "langchain_google_genai", "langchain-google-genai"

# provider -> (integration module, how to install it)
OPTIONAL_PROVIDERS: dict[str, tuple[str, str]] = {
    "ollama": ("langchain_ollama", "pip install 'protoguard[ollama]'"),
    "openai": ("langchain_openai", "pip install 'protoguard[openai]'"),
    "anthropic": ("langchain_anthropic", "pip install 'protoguard[anthropic]'"),
}

# Environment hints that Google's metadata server can provide credentials (Cloud Run,
# GCE, GKE with a metadata host). Probing the server itself would be a network call.
_METADATA_HINTS = ("K_SERVICE", "CLOUD_RUN_JOB", "GCE_METADATA_HOST", "GCE_METADATA_IP")


@dataclass(frozen=True)
class ProviderChoice:
    setting: str  # as asked: "auto", "vertex", "ollama:llama3.1" …
    provider: str  # "vertex", "none", or an init_chat_model provider
    model: str | None
    reason: str  # why: shown in `layers` when the review is skipped
    project: str | None = None
    location: str | None = None

    @property
    def enabled(self) -> bool:
        return self.provider != NONE

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.model}" if self.model else self.provider


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def find_adc(env: Mapping[str, str]) -> tuple[str | None, str]:
    """(where application-default credentials are, or None; why not) — without network.

    Mirrors google.auth.default()'s local lookups: GOOGLE_APPLICATION_CREDENTIALS, then
    gcloud's well-known file; the metadata server is only assumed from environment hints
    because google.auth.default() would probe it over the network.
    """
    explicit = env.get("GOOGLE_APPLICATION_CREDENTIALS")
    if explicit:
        try:
            kind = json.loads(Path(explicit).read_text(encoding="utf-8")).get("type")
        except (OSError, ValueError, AttributeError):
            kind = None
        if not kind:
            return (
                None,
                f"GOOGLE_APPLICATION_CREDENTIALS={explicit} is not a readable credentials file",
            )
        return f"credentials {kind} from GOOGLE_APPLICATION_CREDENTIALS", ""
    if env.get("CLOUDSDK_CONFIG"):
        gcloud = Path(env["CLOUDSDK_CONFIG"])
    elif env.get("APPDATA"):  # Windows
        gcloud = Path(env["APPDATA"]) / "gcloud"
    else:
        gcloud = Path(env.get("HOME") or Path.home()) / ".config" / "gcloud"
    if (gcloud / "application_default_credentials.json").is_file():
        return "gcloud application-default credentials", ""
    hint = next((name for name in _METADATA_HINTS if env.get(name)), None)
    if hint:
        return f"metadata-server credentials ({hint} is set)", ""
    return None, (
        "no application-default credentials (set GOOGLE_APPLICATION_CREDENTIALS or run "
        "`gcloud auth application-default login`)"
    )


def resolve_provider(setting: str, config: LlmConfig, env: Mapping[str, str]) -> ProviderChoice:
    """Decide the provider. `auto` never fails (it falls back to none, with the reason);
    an explicit setting that cannot work is a usage error."""
    setting = setting.strip()
    project = config.project or env.get("GOOGLE_CLOUD_PROJECT") or None
    if setting == NONE:
        return ProviderChoice(setting, NONE, None, "LLM review disabled (--llm none)")
    if setting == AUTO:
        if not project:
            return ProviderChoice(
                setting,
                NONE,
                None,
                "no LLM configured: GOOGLE_CLOUD_PROJECT is not set "
                "(set it with application-default credentials, or use --llm <provider>:<model>)",
            )
        adc, why = find_adc(env)
        if adc is None:
            return ProviderChoice(setting, NONE, None, f"no LLM configured: {why}")
        if not _installed(VERTEX_MODULE):
            return ProviderChoice(
                setting, NONE, None, f"no LLM configured: {VERTEX_PACKAGE} is not installed"
            )
        reason = f"Vertex AI (project {project}, {config.location}; {adc})"
        return ProviderChoice(setting, VERTEX, config.model, reason, project, config.location)
    provider, _, model = setting.partition(":")
    if provider == VERTEX:
        if not project:
            raise GateError(
                f"--llm {setting} needs a Google Cloud project",
                hint="set GOOGLE_CLOUD_PROJECT or llm.project in protoguard.yaml",
            )
        if not _installed(VERTEX_MODULE):
            raise GateError(
                f"--llm {setting} needs {VERTEX_PACKAGE}", hint=f"pip install {VERTEX_PACKAGE}"
            )
        adc, why = find_adc(env)
        reason = f"Vertex AI (project {project}, {config.location}; {adc or why})"
        return ProviderChoice(
            setting, VERTEX, model or config.model, reason, project, config.location
        )
    if not provider or not model:
        raise GateError(
            f"--llm {setting!r}: expected auto, none, vertex[:model] or provider:model "
            "(e.g. ollama:llama3.1, openai:gpt-4.1-mini, anthropic:claude-sonnet-4-5)"
        )
    module, install = OPTIONAL_PROVIDERS.get(provider, (None, ""))
    if module is not None and not _installed(module):
        raise GateError(
            f"--llm {setting}: the {provider} integration is not installed", hint=install
        )
    return ProviderChoice(setting, provider, model, f"{provider} via init_chat_model")


def _limits(provider: str, config: LlmConfig) -> dict[str, Any]:
    """Per-request timeout and no client-side retries (ours count against the budget)."""
    if provider in ("openai", "anthropic", "mistralai", "groq", "deepseek", "xai"):
        return {"timeout": config.timeout_seconds, "max_retries": 0}
    if provider == "ollama":
        return {"client_kwargs": {"timeout": config.timeout_seconds}}
    return {}


def build_chat_model(choice: ProviderChoice, config: LlmConfig) -> BaseChatModel:
    """The LangChain chat model for a resolved choice (no network call is made here)."""
    if choice.provider == VERTEX:
        from langchain_google_genai import ChatGoogleGenerativeAI

        return ChatGoogleGenerativeAI(
            model=choice.model,
            vertexai=True,
            project=choice.project,
            location=choice.location,
            temperature=config.temperature,
            timeout=config.timeout_seconds,
            max_retries=1,  # google-genai counts attempts: 1 = no SDK retries, ours apply
            **({"base_url": config.endpoint} if config.endpoint else {}),
        )
    from langchain.chat_models import init_chat_model

    try:
        return init_chat_model(
            choice.model,
            model_provider=choice.provider,
            temperature=config.temperature,
            **_limits(choice.provider, config),
        )
    except ImportError as exc:
        raise GateError(f"--llm {choice.setting}: {exc}") from None
    except ValueError as exc:
        raise GateError(f"--llm {choice.setting}: {str(exc).splitlines()[0]}") from None


def _cache(
    config: LlmConfig, root: Path, env: Mapping[str, str], no_cache: bool
) -> AnswerCache | None:
    return None if no_cache or not config.cache else AnswerCache(cache_directory(config, root, env))


def open_llm(
    config: LlmConfig,
    env: Mapping[str, str],
    *,
    root: Path,
    setting: str | None = None,
    no_cache: bool = False,
    chat_model: BaseChatModel | None = None,
) -> tuple[StructuredLlm, None] | tuple[None, LlmStatus]:
    """The run's model client, or None and the status explaining why there is none.

    `setting` is `--llm` (default: PROTOGUARD_LLM, then `llm.provider`); the cache lives
    in `config.cache_directory` (outside the working tree by default). Raises GateError only for an explicit setting that
    cannot work; with `auto` a broken setup is a failed layer instead.
    """
    config = apply_env(config, env)
    if chat_model is not None:  # a model built by the caller (tests inject a fake here)
        cache = _cache(config, root, env, no_cache)
        name = str(getattr(chat_model, "model_name", None) or type(chat_model).__name__)
        return StructuredLlm(
            chat_model, provider="injected", model_name=name, config=config, cache=cache
        ), None
    setting = setting or config.provider
    choice = resolve_provider(setting, config, env)
    if not choice.enabled or choice.model is None:
        return None, LlmStatus.skipped(choice.reason)
    try:
        model = build_chat_model(choice, config)
    except Exception as exc:  # credentials or client setup; GateError from init_chat_model
        if setting.strip() != AUTO:
            if isinstance(exc, GateError):
                raise
            raise GateError(f"--llm {setting}: {describe_failure(exc)}") from None
        return None, LlmStatus.failed(describe_failure(exc), provider=choice.label)
    cache = _cache(config, root, env, no_cache)
    llm = StructuredLlm(
        model, provider=choice.provider, model_name=choice.model, config=config, cache=cache
    )
    return llm, None
