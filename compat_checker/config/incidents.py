"""`incidents:` section of protoguard.yaml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class IncidentsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    path: str = ".protoguard/incidents"
    url: str | None = None
    top_k: int = 3
    threshold: float = 0.35
    embedding: str = "hashing"  # hashing (offline, default) | vertex
