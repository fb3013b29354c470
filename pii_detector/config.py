"""`pii:` section of protoguard.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class PiiConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    fail_on: Literal["LOW", "MEDIUM", "HIGH"] = "HIGH"
    overrides_file: str = ".protoguard/pii-overrides.yaml"
