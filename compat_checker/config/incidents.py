"""`incidents:` section of protoguard.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from compat_checker.findings import Severity


class IncidentsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    path: str = ".protoguard/incidents"  # persistent store, relative to the repository root
    url: str | None = None  # a shared Chroma server (`chroma run`); wins over `path`
    top_k: int = Field(default=3, ge=1, le=50)  # incidents attached to one finding at most
    threshold: float = Field(default=0.35, ge=-1.0, le=1.0)  # cosine similarity to report
    # A match at least this similar, sharing a rule or an element with the finding, raises a
    # warning-level finding to breaking (rule HISTORICAL_RISK).
    strong_threshold: float = Field(default=0.5, ge=-1.0, le=1.0)
    min_severity: Severity | None = None  # the gate consults only incidents this severe or worse
    embedding: Literal["hashing", "vertex"] = "hashing"  # hashing: offline, deterministic
    vertex_model: str = "text-embedding-005"
    vertex_project: str | None = None  # None: from the environment (gcloud / GOOGLE_CLOUD_PROJECT)
    vertex_location: str = "us-central1"
    lock_timeout_seconds: float = Field(default=30.0, ge=0.0)  # waiting for another writer
    # The incident memory is advice: when it cannot answer, the gate reports why in `layers`
    # and decides from the other layers. `required: true` (or --incidents-required) makes
    # that failure exit 2 instead.
    required: bool = False
    # Deadline for the whole lookup of one `check` (opening the store, counting, searching,
    # embedding the queries); past it the layer fails with the reason.
    timeout_seconds: float = Field(default=30.0, gt=0)
    # Per request to a Chroma server (`url`): establishing the connection, then waiting for
    # each response.
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    read_timeout_seconds: float = Field(default=20.0, gt=0)
    # Chroma server deployments. Credentials never come from this file (it is in the
    # repository): PROTOGUARD_CHROMA_TOKEN and PROTOGUARD_CHROMA_HEADERS (see README).
    tenant: str = "default_tenant"
    database: str = "default_database"
    token_header: Literal["Authorization", "X-Chroma-Token"] = "Authorization"
    tls_ca_file: str | None = None  # a CA bundle for an https `url` with a private CA

    @model_validator(mode="after")
    def _strong_above_threshold(self) -> IncidentsConfig:
        if self.strong_threshold < self.threshold:
            raise ValueError("strong_threshold must be at least threshold")
        return self
