"""Language rules both builders apply the same way: presence, labels, enum openness.

Keeping them here (instead of in each builder) is what makes the two builders agree:
the descriptor builder and the parser feed the same facts in and get the same answer.
Editions features are read from the model's option dicts (``{"features": {...}}``), from
the innermost element outwards, like protoc resolves them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from protomodel.model import Label, Presence, TypeKind

EDITIONS = "editions"
PROTO2 = "proto2"
PROTO3 = "proto3"

# Largest field number (`max` in ranges) and largest enum value.
MAX_FIELD_NUMBER = 536870911
MAX_ENUM_NUMBER = 2147483647


def resolved_feature(name: str, option_scopes: Iterable[Mapping[str, Any]]) -> str | None:
    """The value of editions feature ``name`` from the innermost scope that sets it."""
    for options in option_scopes:
        features = options.get("features")
        if isinstance(features, Mapping) and name in features:
            return str(features[name])
    return None


def field_label(written: Label, *, syntax: str, presence_feature: str | None) -> Label:
    """Editions spell `required` as the LEGACY_REQUIRED presence feature."""
    if syntax == EDITIONS and written == Label.OPTIONAL and presence_feature == "LEGACY_REQUIRED":
        return Label.REQUIRED
    return written


def field_presence(
    *,
    syntax: str,
    label: Label,
    type_kind: TypeKind,
    explicit_optional: bool,
    in_oneof: bool,
    is_extension: bool,
    presence_feature: str | None,
) -> Presence:
    """Whether a field tracks presence, per syntax (see model.Presence)."""
    if label == Label.REPEATED:
        return Presence.NONE
    if label == Label.REQUIRED:
        return Presence.REQUIRED
    if in_oneof or is_extension or type_kind in (TypeKind.MESSAGE, TypeKind.GROUP):
        return Presence.EXPLICIT
    if syntax == PROTO3:
        return Presence.EXPLICIT if explicit_optional else Presence.IMPLICIT
    if syntax == EDITIONS and presence_feature == "IMPLICIT":
        return Presence.IMPLICIT
    return Presence.EXPLICIT


def enum_is_closed(*, syntax: str, enum_type_feature: str | None) -> bool:
    if syntax == EDITIONS:
        return enum_type_feature == "CLOSED"
    return syntax == PROTO2
