"""The answer the compatibility review must give: a JSON schema the model is held to.

Descriptions are part of the schema sent to the model, so they say what to put where.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from compat_checker.findings import Category, OverallSeverity, Severity


class Assessment(StrEnum):
    CONFIRMED = "confirmed"
    REFUTED = "refuted"
    UNCERTAIN = "uncertain"


class ChangeReview(BaseModel):
    finding_id: str | None = Field(
        description="finding_id of the finding reviewed, copied exactly; null for a problem "
        "the checks did not report"
    )
    element: str = Field(description="fully-qualified name of the element, as in the data")
    assessment: Assessment = Field(
        description="your verdict on the finding: confirmed (it breaks consumers as "
        "reported), refuted (it does not; only when confident), uncertain (the data does "
        "not settle it); confirmed for a problem the checks did not report"
    )
    is_breaking: bool = Field(
        description="true if existing clients, servers or stored data break with this change"
    )
    severity: Severity
    category: Category
    reasoning: str = Field(description="why, in two or three sentences, citing the data")
    recommendation: str = Field(default="", description="how to ship the change safely")
    migration_path: str = Field(
        default="", description="steps for consumers and producers to migrate, if breaking"
    )


class CompatReview(BaseModel):
    changes: list[ChangeReview] = Field(
        description="one entry per finding in the data, plus one per problem the checks "
        "missed (finding_id null), including problems in the changed elements no check "
        "reported"
    )
    assessment: str = Field(description="overall assessment of the change in this file")
    risk: OverallSeverity = Field(description="overall risk of deploying this change")
