"""What one `protoguard check` run was asked to do (the CLI's flags, validated)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from compat_checker.config import Config
from compat_checker.config.llm import with_flags


class CheckOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repo: Path | None = None
    against: str | None = None
    head: str | None = None
    config: Path | None = None
    output: Path | None = None
    annotate_dir: Path | None = None
    no_buf: bool = False
    # Models of the whole schema instead of the declarations the change can affect
    # (compat_checker.scope): the same verdict, slower; for comparison and debugging.
    full_models: bool = False
    llm: str | None = None  # overrides llm.provider
    llm_required: bool = False
    no_cache: bool = False
    max_llm_calls: int | None = None
    max_llm_tokens: int | None = None
    allow_breaking: str | None = None
    allow_pii: str | None = None
    fail_on: Literal["breaking", "LOW", "MEDIUM", "HIGH", "CRITICAL"] | None = None
    pii_fail_on: Literal["LOW", "MEDIUM", "HIGH"] | None = None
    chroma_url: str | None = None
    no_incidents: bool = False
    incidents_required: bool = False
    record: bool = False

    def apply_overrides(self, config: Config) -> Config:
        """Flags win over protoguard.yaml."""
        updates: dict = {}
        if self.fail_on:
            updates["fail_on"] = self.fail_on
        if self.pii_fail_on:
            updates["pii"] = config.pii.model_copy(update={"fail_on": self.pii_fail_on})
        llm = with_flags(
            config.llm,
            provider=self.llm,
            max_calls=self.max_llm_calls,
            max_tokens=self.max_llm_tokens,
        )
        if llm is not config.llm:
            updates["llm"] = llm
        incidents_updates: dict = {}
        if self.chroma_url:
            incidents_updates["url"] = self.chroma_url
        if self.no_incidents:
            incidents_updates["enabled"] = False
        if self.incidents_required:
            incidents_updates["required"] = True
        if incidents_updates:
            updates["incidents"] = config.incidents.model_copy(update=incidents_updates)
        return config.model_copy(update=updates) if updates else config
