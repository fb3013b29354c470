"""Option dicts for the parser: assembling them as written, then normalising them.

The parser only sees text, so it builds each element's options as written:
``option (validate.rules).string.min_len = 1;`` becomes
``{"(validate.rules)": {"string": {"min_len": 1}}}``; extension names keep their
parentheses until they are resolved. A key set twice becomes a list.

``normalize_options`` then gives them the shape the descriptor builder produces: extension
keys become the extension's full name, and when the option's definition is in the tree
(its extension and message types were parsed) the values follow the schema: repeated
fields are always lists, float fields hold floats, enum numbers become names, booleans
written as identifiers become bools. Without a definition, options listed in
``REPEATED_OPTIONS`` are still made lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from protomodel.model import (
    REPEATED_OPTIONS,
    EnumModel,
    FieldModel,
    Label,
    MessageModel,
    OptionValue,
    TypeKind,
)
from protomodel.resolve import SymbolTable

_FLOAT_TYPES = frozenset({"float", "double"})
_FLOAT_WORDS = frozenset({"inf", "nan"})
_TRUE_WORDS = frozenset({"true", "True", "t"})
_FALSE_WORDS = frozenset({"false", "False", "f"})


def extension_key(written_name: str) -> str:
    """The key an extension option is stored under until it is resolved."""
    return f"({written_name})"


def add_option(options: dict[str, OptionValue], path: Sequence[str], value: OptionValue) -> None:
    """Set ``value`` at ``path`` (``["(validate.rules)", "string", "min_len"]``)."""
    target = options
    for key in path[:-1]:
        child = target.get(key)
        if isinstance(child, list) and child and isinstance(child[-1], dict):
            child = child[-1]  # a sub-field of the last element of a repeated message
        elif not isinstance(child, dict):
            child = {}
            target[key] = child
        target = child
    add_value(target, path[-1], value)


def add_value(target: dict[str, OptionValue], key: str, value: OptionValue) -> None:
    """Set ``key``; a key set again (a repeated field) accumulates into a list."""
    if key not in target:
        target[key] = value
        return
    existing = target[key]
    merged = list(existing) if isinstance(existing, list) else [existing]
    merged.extend(value if isinstance(value, list) else [value])
    target[key] = merged


@dataclass(frozen=True, slots=True)
class OptionSchema:
    """Where option definitions are looked up: the symbols and elements of the tree."""

    symbols: SymbolTable
    messages: Mapping[str, MessageModel]
    enums: Mapping[str, EnumModel]
    extensions: Mapping[str, FieldModel]


def normalize_options(
    options: Mapping[str, OptionValue], options_type: str, scope: str, schema: OptionSchema
) -> dict[str, OptionValue]:
    """Options of one element, as the descriptor builder would report them.

    ``options_type`` is the options message (``google.protobuf.FieldOptions``) and ``scope``
    the FQN extension names are resolved from.
    """
    return _normalize_message(options, schema.messages.get(options_type), scope, schema, True)


def _normalize_message(
    values: Mapping[str, OptionValue],
    message: MessageModel | None,
    scope: str,
    schema: OptionSchema,
    top_level: bool,
) -> dict[str, OptionValue]:
    normalized: dict[str, OptionValue] = {}
    for key, value in values.items():
        name, field = _resolve_key(key, message, scope, schema)
        if field is not None:
            converted = _normalize_field_value(value, field, scope, schema)
        else:
            converted = _normalize_unknown(value, scope, schema)
            if top_level and name in REPEATED_OPTIONS and not isinstance(converted, list):
                converted = [converted]
        if name in normalized:
            add_value(normalized, name, converted)
        else:
            normalized[name] = converted
    return normalized


def _resolve_key(
    key: str, message: MessageModel | None, scope: str, schema: OptionSchema
) -> tuple[str, FieldModel | None]:
    if key.startswith("("):
        written = key[1:-1]
        fqn = schema.symbols.resolve_extension(written, scope)
        if fqn is None:
            return written.lstrip("."), None
        return fqn, schema.extensions.get(fqn)
    if message is None:
        return key, None
    return key, message.field_by_name(key)


def _normalize_field_value(
    value: OptionValue, field: FieldModel, scope: str, schema: OptionSchema
) -> OptionValue:
    items = value if isinstance(value, list) else [value]
    converted = [_normalize_single(item, field, scope, schema) for item in items]
    if field.label == Label.REPEATED or len(converted) != 1:
        return converted
    return converted[0]


def _normalize_single(
    value: OptionValue, field: FieldModel, scope: str, schema: OptionSchema
) -> OptionValue:
    if isinstance(value, dict):
        message = schema.messages.get(field.type)
        return _normalize_message(value, message, scope, schema, False)
    if field.type_kind == TypeKind.ENUM and isinstance(value, int) and not isinstance(value, bool):
        enum = schema.enums.get(field.type)
        found = enum.value_by_number(value) if enum is not None else None
        return found.name if found is not None else value
    if field.type == "bool":
        return _as_bool(value)
    if field.type in _FLOAT_TYPES:
        return _as_float(value)
    return value


def _normalize_unknown(value: OptionValue, scope: str, schema: OptionSchema) -> Any:
    if isinstance(value, dict):
        return _normalize_message(value, None, scope, schema, False)
    if isinstance(value, list):
        return [_normalize_unknown(item, scope, schema) for item in value]
    return value


def _as_float(value: OptionValue) -> OptionValue:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) or value in _FLOAT_WORDS:
        return float(value)
    return value


def _as_bool(value: OptionValue) -> OptionValue:
    if value in _TRUE_WORDS or value == 1:
        return True
    if value in _FALSE_WORDS or value == 0:
        return False
    return value
