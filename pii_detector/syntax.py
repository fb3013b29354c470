"""Small views of model elements as proto source: declarations, types, PII options."""

from __future__ import annotations

from collections.abc import Mapping

from protomodel.model import FieldModel, OptionValue


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
    normalized = {key.strip("()").lstrip("."): value for key, value in options.items()}
    found: list[str] = []
    if "pii.v1.sensitivity" in normalized:
        found.append(f"(pii.v1.sensitivity) = {normalized['pii.v1.sensitivity']}")
        if "pii.v1.pii_type" in normalized:
            found.append(f"(pii.v1.pii_type) = {normalized['pii.v1.pii_type']}")
    if normalized.get("debug_redact") is True:
        found.append("debug_redact = true")
    if normalized.get("udpa.annotations.sensitive") is True:
        found.append("(udpa.annotations.sensitive) = true")
    return ", ".join(found) or None
