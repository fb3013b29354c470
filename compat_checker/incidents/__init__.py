"""Incident memory: past breaking changes in Chroma, consulted by the gate.

Modules: `model` (Incident, filters), `text` (features), `embedding` (Chroma embedding
functions, registered on import), `store` (IncidentMemory), `matching` (match_changes,
apply_historical_risk, record_verdict_changes), `files` (YAML / JSON Lines), `cli`.

Names are re-exported lazily: Chroma takes seconds to import, and only `embedding` and
`store` need it, so `from compat_checker.incidents import apply_historical_risk` stays cheap.
A process that opens a collection with a plain Chroma client must import
`compat_checker.incidents.embedding` first to register protoguard's embedding functions.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compat_checker.incidents.embedding import (
        HashingEmbeddingFunction,
        VertexTextEmbeddingFunction,
        embedding_for,
    )
    from compat_checker.incidents.files import read_incidents, to_jsonl
    from compat_checker.incidents.matching import (
        HISTORICAL_RISK,
        IncidentMatch,
        IncidentMatches,
        MatchReason,
        apply_historical_risk,
        change_query_text,
        match_changes,
        record_verdict_changes,
    )
    from compat_checker.incidents.model import Incident, IncidentSource, incident_filter
    from compat_checker.incidents.store import IncidentMemory, SearchHit, UpsertReport

_EXPORTS = {
    "HashingEmbeddingFunction": "embedding",
    "VertexTextEmbeddingFunction": "embedding",
    "embedding_for": "embedding",
    "read_incidents": "files",
    "to_jsonl": "files",
    "HISTORICAL_RISK": "matching",
    "IncidentMatch": "matching",
    "IncidentMatches": "matching",
    "MatchReason": "matching",
    "apply_historical_risk": "matching",
    "change_query_text": "matching",
    "match_changes": "matching",
    "record_verdict_changes": "matching",
    "Incident": "model",
    "IncidentSource": "model",
    "incident_filter": "model",
    "IncidentMemory": "store",
    "SearchHit": "store",
    "UpsertReport": "store",
}

__all__ = [
    "HISTORICAL_RISK",
    "HashingEmbeddingFunction",
    "Incident",
    "IncidentMatch",
    "IncidentMatches",
    "IncidentMemory",
    "IncidentSource",
    "MatchReason",
    "SearchHit",
    "UpsertReport",
    "VertexTextEmbeddingFunction",
    "apply_historical_risk",
    "change_query_text",
    "embedding_for",
    "incident_filter",
    "match_changes",
    "read_incidents",
    "record_verdict_changes",
    "to_jsonl",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
