"""`llm:` section of protoguard.yaml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class LlmConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: str = "auto"  # auto | none | vertex | <provider:model>
    model: str = "gemini-2.5-flash"
    location: str = "us-central1"
    temperature: float = 0.0
    timeout_seconds: float = 60.0
    max_retries: int = 2
    max_calls: int | None = None
    max_tokens: int | None = None
    cache_dir: str = ".protoguard/cache"
