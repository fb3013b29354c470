"""Small views of model elements as proto source: declarations, types, PII options."""

from __future__ import annotations

from collections.abc import Mapping

from pii_detector.levels import Sensitivity
from protomodel.model import FieldModel, OptionValue

# `pii.v1.SensitivityLevel` numbers, for options decoded as numbers rather than names.
_LEVEL_BY_NUMBER = {level.number: level for level in Sensitivity}


def declared_type(field: FieldModel) -> str:
    """The type as declared: ``string``, ``repeated acme.v1.Address``, ``map<string, int32>``."""
    if field.is_map:
        return f"map<{field.map_key_type}, {field.map_value_type}>"
    return f"repeated {field.type}" if field.is_repeated else field.type


def declaration(field: FieldModel) -> str:
    """The field as a one-line declaration without options: ``repeated string emails = 3;``."""
    if field.is_map:
        return f"map<{field.map_key_type}, {field.map_value_type}> {field.name} = {field.number};"
    label = "repeated " if field.is_repeated else "optional " if field.proto3_optional else ""
    return f"{label}{field.type} {field.name} = {field.number};"


def has_option(options: Mapping[str, OptionValue], name: str) -> bool:
    """Whether ``options`` sets ``name`` (written with or without parentheses)."""
    return any(key.strip("()").lstrip(".") == name for key in options)


def annotation_of(options: Mapping[str, OptionValue]) -> str | None:
    """The existing PII annotation of a field as option text, or None when unannotated.

    ``(pii.v1.sensitivity)``, ``debug_redact = true`` and ``(udpa.annotations.sensitive) =
    true`` all count as annotated.
    """
    normalized = _normalized(options)
    found: list[str] = []
    if "pii.v1.sensitivity" in normalized:
        found.append(f"(pii.v1.sensitivity) = {normalized['pii.v1.sensitivity']}")
        if "pii.v1.pii_type" in normalized:
            found.append(f"(pii.v1.pii_type) = {normalized['pii.v1.pii_type']}")
        types = normalized.get("pii.v1.pii_types")
        for each in types if isinstance(types, list) else [types] if types else []:
            found.append(f"(pii.v1.pii_types) = {each}")
    if normalized.get("debug_redact") is True:
        found.append("debug_redact = true")
    if normalized.get("udpa.annotations.sensitive") is True:
        found.append("(udpa.annotations.sensitive) = true")
    return ", ".join(found) or None


def annotated_level(options: Mapping[str, OptionValue]) -> Sensitivity | None:
    """The level written in ``(pii.v1.sensitivity)``, or None without one.

    ``debug_redact``/``udpa.annotations.sensitive`` state no level (they ask for the
    strongest handling), so they never make a field under-annotated.
    ``SENSITIVITY_UNSPECIFIED`` states nothing either, and counts as PUBLIC: below every
    level of personal data.
    """
    value = _normalized(options).get("pii.v1.sensitivity")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _LEVEL_BY_NUMBER.get(value, Sensitivity.PUBLIC if value == 0 else None)
    if isinstance(value, str) and value.upper() in Sensitivity.__members__:
        return Sensitivity(value.upper())
    if value == "SENSITIVITY_UNSPECIFIED":
        return Sensitivity.PUBLIC
    return None  # a value this version does not know


def _normalized(options: Mapping[str, OptionValue]) -> dict[str, OptionValue]:
    return {key.strip("()").lstrip("."): value for key, value in options.items()}
