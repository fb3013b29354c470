"""BEHAVIOR rules: the bytes still decode, but what they mean to a reader changed.

Default values, the meaning of an enum's zero value, new enum values reaching clients
with exhaustive switches, and deprecations (warnings that tell clients to move).
Presence changes (`optional` added or removed) are FIELD_PRESENCE_CHANGED in `source.py`.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Iterator
from typing import TYPE_CHECKING

from compat_checker.findings import Category, Severity
from compat_checker.rules._fixtures import proto3_file, with_service
from compat_checker.rules.common import enum_sides, field_sides, proto2, value_sides
from compat_checker.rules.registry import Hit, rule
from protomodel.model import (
    Element,
    ElementKind,
    EnumModel,
    FieldModel,
    Label,
    ProtoTree,
    TypeKind,
)

if TYPE_CHECKING:
    from compat_checker.diff import DiffContext, ElementPair

# ---------------------------------------------------------------------------------------
# Default values

_DEFAULTS = """
message Task {{
  optional int32 priority = 1{default};
  optional string title = 2;
}}
"""


def _defaults(default: str = "") -> str:
    return proto2(_DEFAULTS.format(default=f" [default = {default}]" if default else ""))


_TEXT_TYPES = frozenset({"string", "bytes"})
_FLOAT32 = struct.Struct("<f")


def _effective_default(field: FieldModel, tree: ProtoTree) -> str | float | None:
    """The default a reader of an unset field sees, as buf compares it: text for string
    and bytes, a number for everything else (bool 0/1, an enum value by its number, the
    first value's when none is written); None when the field cannot have a default."""
    if field.label == Label.REPEATED or field.type_kind not in (TypeKind.SCALAR, TypeKind.ENUM):
        return None
    written = field.default
    if field.type in _TEXT_TYPES:
        return written or ""
    if field.type_kind == TypeKind.ENUM:
        enum = tree.enum(field.type)
        if enum is None or not enum.values:
            return None
        if written is None:
            return float(enum.values[0].number)
        value = next((v for v in enum.values if v.name == written), None)
        return float(value.number) if value is not None else None
    if written is None:
        return 0.0
    return _number(written, field.type)


def _number(text: str, type_name: str) -> float | None:
    cleaned = text.strip().lower()
    try:
        if cleaned in ("true", "false"):
            value = 1.0 if cleaned == "true" else 0.0
        elif cleaned.lstrip("-").startswith("0x"):
            value = float(int(cleaned, 16))
        else:
            value = float(cleaned)  # also inf, -inf, nan
    except ValueError:
        return None
    return _as_float32(value) if type_name == "float" else value  # what a float field holds


def _as_float32(value: float) -> float:
    if not math.isfinite(value):
        return value
    try:
        return _FLOAT32.unpack(_FLOAT32.pack(value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def _same_default(
    base: FieldModel, before: str | float, head: FieldModel, after: str | float
) -> bool:
    """buf's comparison: text with text; numbers (bool, enum, int, float) by value, float
    against double at float precision; NaN equals NaN. Text against a number differs."""
    if isinstance(before, str) or isinstance(after, str):
        return before == after
    if math.isnan(before) or math.isnan(after):
        return math.isnan(before) and math.isnan(after)
    if {base.type, head.type} == {"float", "double"}:
        return _as_float32(before) == _as_float32(after)
    return before == after


def _is_zero(value: str | float) -> bool:
    return value == "" or (not isinstance(value, str) and value == 0)


@rule(
    id="FIELD_DEFAULT_CHANGED",
    category=Category.BEHAVIOR,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "The default value of a proto2 / editions field was added, removed or changed: "
        "readers of messages where the field is unset now see another value, silently."
    ),
    fix=(
        "Keep the old default. To change it, add a new field with the new default, write "
        "both during the migration, deprecate the old field and remove it later."
    ),
    before=_defaults("1"),
    after=_defaults("2"),
    buf_rules=("FIELD_SAME_DEFAULT",),
    quiet_pairs=(
        (_defaults("1"), _defaults("1.0")),
        (_defaults(), _defaults("0")),  # an explicit zero is the default unset fields had
    ),
)
def field_default_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if base is None or head is None:
        return
    before = _effective_default(base, ctx.base)
    after = _effective_default(head, ctx.head)
    if before is None or after is None or (_is_zero(before) and _is_zero(after)):
        return
    if _same_default(base, before, head, after):
        return
    shown_before, shown_after = base.default or "(type default)", head.default or "(type default)"
    yield Hit(
        message=(
            f"default of {head.fqn} changed: {shown_before} → {shown_after}; unset fields "
            "now read differently"
        ),
        location=head.option_locations.get("default", head.location),
        before=shown_before,
        after=shown_after,
    )


# ---------------------------------------------------------------------------------------
# Enums

_STATUS = """
enum Status {{
  {zero} = 0;
  STATUS_OPEN = 1;
  STATUS_DONE = 2;{extra}
}}

message CreateTaskRequest {{
  string title = 1;
}}

message Task {{
  string title = 1;
  Status status = 2;
}}
"""


def _status(zero: str = "STATUS_UNSPECIFIED", extra: str = "") -> str:
    return with_service(_STATUS.format(zero=zero, extra=f"\n  {extra}" if extra else ""))


# Zero values that mean "no value": renaming one to another says nothing new about zero
# (FLAG_NONE → FLAG_DO_NOT_USE is still "not a real value"; so is PARENT_SPAN_UNKNOWN_REMOTE,
# where the not-set word sits inside the name).
_SENTINEL = re.compile(
    r"(?:^|_)(?:UNSPECIFIED|UNKNOWN|UNSET|NOT_SET|NONE|DEFAULT|DO_NOT_USE|INVALID)(?:_|$)"
)


@rule(
    id="ENUM_ZERO_VALUE_CHANGED",
    category=Category.BEHAVIOR,
    severity=Severity.HIGH,
    on=ElementKind.ENUM,
    doc=(
        "The zero value of an enum was renamed or repurposed. Zero is what every unset "
        "field reads as, so its meaning changes for every message that never set it."
    ),
    fix=(
        "Keep the zero value as it is (an `_UNSPECIFIED` sentinel); add the new meaning as "
        "a new value, deprecate the old one, and migrate."
    ),
    before=_status(),
    after=_status(zero="STATUS_NEW", extra="STATUS_UNSPECIFIED = 3;"),
)
def enum_zero_value_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = enum_sides(pair)
    if base is None or head is None:
        return
    old, new = base.value_by_number(0), head.value_by_number(0)
    if old is None or new is None or old.name == new.name:
        return
    if _SENTINEL.search(old.name) and _SENTINEL.search(new.name):
        return  # still "no value" (FLAG_NONE → FLAG_DO_NOT_USE): zero means what it meant
    if not ctx.type_is_used(head.fqn) and not ctx.type_is_used(base.fqn):
        return  # no field holds the enum, so no unset field reads its zero value
    moved = next((v for v in head.values if v.name == old.name), None)
    if moved is not None:
        detail = f"{old.name} moved to {moved.number} and 0 now means {new.name}"
    else:
        detail = f"{old.name} was renamed {new.name}"
    if _SENTINEL.search(old.name) and not _SENTINEL.search(new.name):
        detail += "; zero used to mean 'not set' and now has a real meaning"
    yield Hit(
        message=f"zero value of {head.fqn} changed: {detail}; every unset field reads as it",
        before=old.name,
        after=new.name,
    )


@rule(
    id="ENUM_VALUE_ADDED_TO_RESPONSE",
    category=Category.BEHAVIOR,
    severity=Severity.LOW,
    breaking=False,
    on=ElementKind.ENUM_VALUE,
    doc=(
        "A value was added to an enum that RPC responses carry: clients with exhaustive "
        "switches, or that map enums to closed types, meet a value they do not know."
    ),
    fix=(
        "Make sure clients handle unknown values (the enum's comment should say how), and "
        "announce the value before the server starts returning it."
    ),
    before=_status(),
    after=_status(extra="STATUS_BLOCKED = 3;"),
)
def enum_value_added_to_response(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = value_sides(pair)
    enum = pair.parent_head
    if base is not None or head is None or not isinstance(enum, EnumModel):
        return
    if ctx.used_in_responses(enum.fqn):
        yield Hit(
            message=(
                f"{head.name} = {head.number} added to {enum.fqn}, which RPC responses carry: "
                "clients with exhaustive switches meet an unknown value"
            )
        )


# ---------------------------------------------------------------------------------------
# Deprecation

_DEPRECATION = """
service TaskService {{
  rpc CreateTask(CreateTaskRequest) returns (Task) {{{rpc}}}{service}
}}

message CreateTaskRequest {{{message}
  string title = 1{field};
  Status status = 2;
}}

enum Status {{{enum}
  STATUS_UNSPECIFIED = 0;
  STATUS_OPEN = 1{value};
}}

message Task {{
  string title = 1;
}}
"""
_DEPRECATED_OPTION = "\n  option deprecated = true;"


def _deprecation(where: str = "") -> str:
    parts = {"rpc": "", "service": "", "message": "", "field": "", "enum": "", "value": ""}
    if where in ("field", "value"):
        parts[where] = " [deprecated = true]"
    elif where == "rpc":
        parts[where] = "\n    option deprecated = true;\n  "
    elif where:
        parts[where] = _DEPRECATED_OPTION
    return proto3_file(_DEPRECATION.format(**parts))


# Where a deprecation comment names the replacement: "Use `due_time` instead."
_REPLACEMENT = re.compile(
    r"\b(?:use|replaced by|superseded by|migrate to)\s+`?([A-Za-z_][\w.]*)`?", re.IGNORECASE
)


def _deprecated_now(pair: ElementPair) -> Element | None:
    """The head element when this change is what deprecated it."""
    if pair.base is None or pair.head is None:
        return None
    return pair.head if pair.head.deprecated and not pair.base.deprecated else None


def _deprecation_hit(element: Element, what: str) -> Hit:
    match = _REPLACEMENT.search(element.comments.text)
    replacement = f"; its comment points to {match.group(1)}" if match else ""
    return Hit(message=f"{what} {element.fqn} is now deprecated{replacement}")


_DEPRECATION_DOC = (
    " was marked `deprecated = true`: generated code warns, and clients should move off "
    "it. A warning, never a block."
)


@rule(
    id="FIELD_DEPRECATED",
    category=Category.BEHAVIOR,
    severity=Severity.LOW,
    breaking=False,
    on=ElementKind.FIELD,
    doc="A field" + _DEPRECATION_DOC,
    fix=(
        "Say in the field's comment what replaces it; keep reading and writing both fields "
        "until clients have moved, then remove the old one and reserve its number and name."
    ),
    before=_deprecation(),
    after=_deprecation("field"),
)
def field_deprecated(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    if (element := _deprecated_now(pair)) is not None:
        yield _deprecation_hit(element, "field")


@rule(
    id="ENUM_VALUE_DEPRECATED",
    category=Category.BEHAVIOR,
    severity=Severity.LOW,
    breaking=False,
    on=ElementKind.ENUM_VALUE,
    doc="An enum value" + _DEPRECATION_DOC,
    fix=(
        "Say in the comment which value replaces it; keep accepting it until clients stop "
        "sending it, then remove it and reserve its number and name."
    ),
    before=_deprecation(),
    after=_deprecation("value"),
)
def enum_value_deprecated(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    if (element := _deprecated_now(pair)) is not None:
        yield _deprecation_hit(element, "enum value")


@rule(
    id="MESSAGE_DEPRECATED",
    category=Category.BEHAVIOR,
    severity=Severity.LOW,
    breaking=False,
    on=ElementKind.MESSAGE,
    doc="A message" + _DEPRECATION_DOC,
    fix=(
        "Publish its replacement first and say so in the comment; keep it working until no "
        "field or RPC uses it, then remove it."
    ),
    before=_deprecation(),
    after=_deprecation("message"),
)
def message_deprecated(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    if (element := _deprecated_now(pair)) is not None:
        yield _deprecation_hit(element, "message")


@rule(
    id="ENUM_DEPRECATED",
    category=Category.BEHAVIOR,
    severity=Severity.LOW,
    breaking=False,
    on=ElementKind.ENUM,
    doc="An enum" + _DEPRECATION_DOC,
    fix=(
        "Publish its replacement first and say so in the comment; keep it working until no "
        "field uses it, then remove it."
    ),
    before=_deprecation(),
    after=_deprecation("enum"),
)
def enum_deprecated(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    if (element := _deprecated_now(pair)) is not None:
        yield _deprecation_hit(element, "enum")


@rule(
    id="RPC_DEPRECATED",
    category=Category.BEHAVIOR,
    severity=Severity.LOW,
    breaking=False,
    on=ElementKind.METHOD,
    doc="An RPC" + _DEPRECATION_DOC,
    fix=(
        "Serve the replacement RPC first and name it in the comment; keep serving the old "
        "one, watch its traffic, and remove it once callers are gone."
    ),
    before=_deprecation(),
    after=_deprecation("rpc"),
)
def rpc_deprecated(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    if (element := _deprecated_now(pair)) is not None:
        yield _deprecation_hit(element, "RPC")


@rule(
    id="SERVICE_DEPRECATED",
    category=Category.BEHAVIOR,
    severity=Severity.LOW,
    breaking=False,
    on=ElementKind.SERVICE,
    doc="A service" + _DEPRECATION_DOC,
    fix=(
        "Serve the replacement service (usually a new API version) next to it, name it in "
        "the comment, move clients over, then shut the old one down."
    ),
    before=_deprecation(),
    after=_deprecation("service"),
)
def service_deprecated(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    if (element := _deprecated_now(pair)) is not None:
        yield _deprecation_hit(element, "service")
