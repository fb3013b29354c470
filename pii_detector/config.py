"""`pii:` section of protoguard.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class PiiConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    fail_on: Literal["LOW", "MEDIUM", "HIGH"] = "HIGH"
    # A new unannotated field the rules are not sure about (needs review) is a warning;
    # true makes it block, for teams that want every personal-data field declared.
    fail_on_review: bool = False
    overrides_file: str = ".protoguard/pii-overrides.yaml"
    # The learned second opinion (pii_detector/learned.py) on fields the rules are unsure
    # of; false gives the rules alone.
    learned_model: bool = True
