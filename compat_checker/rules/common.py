"""Helpers shared by the rule modules: typed views of a pair, type and cardinality impact,
reserved-range arithmetic, fixture text.

Impact levels order the three layers a schema change can break. A change is judged by
the first layer where an old peer and a new peer disagree:

* WIRE: the same bytes decode to different values (or not at all);
* JSON: the binary encoding still agrees, but the proto3 JSON form differs;
* SOURCE: wire and JSON agree, but generated code changes (types, accessors, imports).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from enum import IntEnum
from typing import TYPE_CHECKING, TypeVar

from compat_checker.rules.registry import Hit
from protomodel.model import (
    EnumModel,
    EnumValueModel,
    FieldModel,
    FileModel,
    Label,
    Location,
    MessageModel,
    MethodModel,
    ReservedRange,
    ServiceModel,
    TypeKind,
    iter_all_messages,
)

if TYPE_CHECKING:
    from compat_checker.diff import DiffContext, ElementPair

_T = TypeVar("_T")

MAX_FIELD_NUMBER = 536_870_911  # 2^29 - 1, what `max` means in `reserved 5 to max`


class Impact(IntEnum):
    NONE = 0
    SOURCE = 1
    JSON = 2
    WIRE = 3


# ---- typed views of a pair (each rule declares `on=`, so the kinds are known) ----


def field_sides(pair: ElementPair) -> tuple[FieldModel | None, FieldModel | None]:
    return _as(pair.base, FieldModel), _as(pair.head, FieldModel)


def value_sides(pair: ElementPair) -> tuple[EnumValueModel | None, EnumValueModel | None]:
    return _as(pair.base, EnumValueModel), _as(pair.head, EnumValueModel)


def method_sides(pair: ElementPair) -> tuple[MethodModel | None, MethodModel | None]:
    return _as(pair.base, MethodModel), _as(pair.head, MethodModel)


def message_sides(pair: ElementPair) -> tuple[MessageModel | None, MessageModel | None]:
    return _as(pair.base, MessageModel), _as(pair.head, MessageModel)


def enum_sides(pair: ElementPair) -> tuple[EnumModel | None, EnumModel | None]:
    return _as(pair.base, EnumModel), _as(pair.head, EnumModel)


def service_sides(pair: ElementPair) -> tuple[ServiceModel | None, ServiceModel | None]:
    return _as(pair.base, ServiceModel), _as(pair.head, ServiceModel)


def file_sides(pair: ElementPair) -> tuple[FileModel | None, FileModel | None]:
    return _as(pair.base, FileModel), _as(pair.head, FileModel)


def _as(element: object, cls: type[_T]) -> _T | None:
    return element if isinstance(element, cls) else None


# ---- type names ----


def same_type_name(
    ctx: DiffContext, base_type: str, base_resolved: bool, head_type: str, head_resolved: bool
) -> bool:
    """Whether a base type reference names the same type as a head one.

    Resolved names compare as FQNs (through a package rename). An unresolved name is
    compared by its last component only: ``Task`` and ``v1.Task`` may well be the same
    type, so the rules stay quiet rather than guess.
    """
    if base_resolved and head_resolved:
        return ctx.head_fqn(base_type) == head_type
    return base_type.rsplit(".", 1)[-1] == head_type.rsplit(".", 1)[-1]


def describe_type(field: FieldModel) -> str:
    if field.is_map:
        return f"map<{field.map_key_type}, {field.map_value_type}>"
    return field.type


def describe_label(field: FieldModel) -> str:
    if field.is_map:
        return "map"
    if field.label == Label.REPEATED:
        return "repeated"
    if field.label == Label.REQUIRED:
        return "required"
    return "singular"


# ---- type impact ----

# Encoding families (protobuf "Updating a message type"): types within one family read
# each other's bytes, with C++-cast truncation where their ranges differ.
_WIRE_FAMILY = {
    "int32": "varint",
    "int64": "varint",
    "uint32": "varint",
    "uint64": "varint",
    "bool": "varint",
    "sint32": "zigzag",
    "sint64": "zigzag",
    "fixed32": "fixed32",
    "sfixed32": "fixed32",
    "fixed64": "fixed64",
    "sfixed64": "fixed64",
    "float": "float",
    "double": "double",
    "string": "len",
    "bytes": "len",
}

# The proto3 JSON form: 64-bit integers are quoted strings, bytes are base64, enums names.
_JSON_FORM = {
    "int32": "number",
    "uint32": "number",
    "sint32": "number",
    "fixed32": "number",
    "sfixed32": "number",
    "int64": "quoted",
    "uint64": "quoted",
    "sint64": "quoted",
    "fixed64": "quoted",
    "sfixed64": "quoted",
    "float": "number",
    "double": "number",
    "bool": "bool",
    "string": "string",
    "bytes": "base64",
}


def _shape(type_name: str, kind: TypeKind) -> tuple[str, str]:
    """(wire family, JSON form) of one value type."""
    if kind == TypeKind.ENUM:
        return "varint", "enum"
    if kind == TypeKind.MESSAGE:
        return "len", "object"
    if kind == TypeKind.GROUP:
        return "group", "object"
    return _WIRE_FAMILY.get(type_name, type_name), _JSON_FORM.get(type_name, type_name)


def _value_impact(
    ctx: DiffContext,
    base: tuple[str, TypeKind, bool],
    head: tuple[str, TypeKind, bool],
) -> Impact:
    (base_type, base_kind, base_resolved), (head_type, head_kind, head_resolved) = base, head
    named = {TypeKind.MESSAGE, TypeKind.ENUM, TypeKind.GROUP, TypeKind.UNKNOWN}
    if base_kind in named or head_kind in named:
        if same_type_name(ctx, base_type, base_resolved, head_type, head_resolved):
            return Impact.NONE
        if not (base_resolved and head_resolved) or base_kind == head_kind == TypeKind.MESSAGE:
            # Another message decodes the same bytes with another schema.
            return Impact.WIRE
        if base_kind == head_kind == TypeKind.ENUM:
            return Impact.JSON  # varint either way; the value names differ
        if TypeKind.MESSAGE in (base_kind, head_kind) and "bytes" not in (base_type, head_type):
            # Only bytes holding an encoded message read as that message (a string is
            # UTF-8 checked, a number is not length-delimited at all).
            return Impact.WIRE
    base_family, base_json = _shape(base_type, base_kind)
    head_family, head_json = _shape(head_type, head_kind)
    if base_family != head_family:
        return Impact.WIRE
    if base_json != head_json:
        return Impact.JSON
    return Impact.SOURCE if base_type != head_type else Impact.NONE


def type_impact(ctx: DiffContext, base: FieldModel, head: FieldModel) -> Impact:
    """How far a field's type change breaks (cardinality is judged separately)."""
    if base.is_map != head.is_map:
        # A map is an object in JSON and a repeated entry message on the wire.
        return Impact.WIRE
    if base.is_map:
        key = _value_impact(
            ctx,
            (base.map_key_type or "", TypeKind.SCALAR, True),
            (head.map_key_type or "", TypeKind.SCALAR, True),
        )
        value = _value_impact(ctx, _value_of(base), _value_of(head))
        return max(key, value)
    return _value_impact(ctx, _value_of(base), _value_of(head))


def _value_of(field: FieldModel) -> tuple[str, TypeKind, bool]:
    return field.element_type, field.element_type_kind, field.type_resolved


def cardinality_impact(
    base: FieldModel, head: FieldModel, *, base_syntax: str, head_syntax: str
) -> Impact:
    """How far a singular ↔ repeated change breaks (maps are judged by `type_impact`).

    Either direction puts a repeated writer in front of a singular reader somewhere, so
    what matters is how the repeated side encodes.
    """
    if base.is_map or head.is_map or base.is_repeated == head.is_repeated:
        return Impact.NONE
    repeated, syntax = (base, base_syntax) if base.is_repeated else (head, head_syntax)
    family, _ = _shape(repeated.element_type, repeated.element_type_kind)
    if family == "len" or not _packed(repeated, syntax):
        # One record per element: a singular reader keeps the last one. JSON still turns
        # a value into a list, and generated code changes.
        return Impact.JSON
    return Impact.WIRE  # a packed list is one record a singular reader cannot decode


def _packed(field: FieldModel, syntax: str) -> bool:
    explicit = field.options.get("packed")
    if explicit is not None:
        return bool(explicit)
    return syntax != "proto2"  # proto3 and editions pack repeated scalars by default


def cardinality_hits(pair: ElementPair, level: Impact) -> Iterator[Hit]:
    """A singular ↔ repeated hit when the change breaks exactly at ``level``."""
    base, head = field_sides(pair)
    if base is None or head is None:
        return
    syntaxes = {
        "base_syntax": pair.base_file.syntax if pair.base_file else "proto3",
        "head_syntax": pair.head_file.syntax if pair.head_file else "proto3",
    }
    if cardinality_impact(base, head, **syntaxes) == level:
        before, after = describe_label(base), describe_label(head)
        yield Hit(
            message=f"field {head.fqn} changed from {before} to {after}",
            before=before,
            after=after,
            buf_rules=(),  # buf's cardinality rules: FIELD_CARDINALITY_CLASS_CHANGED names them
        )


# ---- reserved numbers and names ----


def uncovered(before: list[ReservedRange], after: list[ReservedRange]) -> list[ReservedRange]:
    """The parts of the ``before`` ranges that no ``after`` range covers."""
    covering = sorted((r.start, r.end) for r in after)
    missing: list[ReservedRange] = []
    for wanted in sorted(before, key=lambda r: (r.start, r.end)):
        start = wanted.start
        for low, high in covering:
            if high < start or low > wanted.end:
                continue
            if low > start:
                missing.append(ReservedRange(start=start, end=low - 1))
            start = max(start, high + 1)
            if start > wanted.end:
                break
        if start <= wanted.end:
            missing.append(ReservedRange(start=start, end=wanted.end))
    return missing


def describe_ranges(ranges: list[ReservedRange]) -> str:
    def one(r: ReservedRange) -> str:
        end = "max" if r.end >= MAX_FIELD_NUMBER else str(r.end)
        return str(r.start) if r.start == r.end else f"{r.start} to {end}"

    return ", ".join(one(r) for r in ranges)


def number_reserved(parent: object, number: int) -> bool:
    if isinstance(parent, MessageModel | EnumModel):
        return any(number in r for r in parent.reserved_ranges)
    return False


def name_reserved(parent: object, name: str) -> bool:
    if isinstance(parent, MessageModel | EnumModel):
        return name in parent.reserved_names
    return False


def value_number_kept(enum: object, number: int) -> bool:
    """Whether an enum number stays safe from reuse: reserved, or still another value's (alias)."""
    if not isinstance(enum, EnumModel):
        return False
    return number_reserved(enum, number) or enum.value_by_number(number) is not None


# ---- fixtures ----


def proto3(body: str, package: str = "acme.v1") -> str:
    """A complete proto3 fixture file around ``body``."""
    return f'syntax = "proto3";\n\npackage {package};\n\n{body.strip()}\n'


def proto2(body: str, package: str = "acme.v1") -> str:
    """A complete proto2 fixture file (for required fields and extension ranges)."""
    return f'syntax = "proto2";\n\npackage {package};\n\n{body.strip()}\n'


# ---- where buf reports a deletion ----


def lost_from(pair: ElementPair, ctx: DiffContext) -> FileModel | None:
    """The head file at the path a removed element was declared in (None: the file went)."""
    if pair.base_file is None:
        return None
    path = pair.base_file.repo_path
    return next((f for f in ctx.head.files.values() if f.repo_path == path), None)


def _enclosing_fqns(fqn: str) -> Iterator[str]:
    while "." in fqn:
        fqn = fqn.rpartition(".")[0]
        yield fqn


def file_deletion_place(file: FileModel, fqn: str) -> Location:
    """buf's place for an element deleted from `file` (its *_NO_DELETE rules): the nearest
    enclosing message still in that file, else the file itself."""
    messages = {message.fqn: message for message in iter_all_messages(file)}
    for enclosing in _enclosing_fqns(fqn):
        if enclosing in messages:
            return messages[enclosing].location
    return file.location


def package_deletion_place(ctx: DiffContext, file: FileModel, fqn: str) -> tuple[str, Location]:
    """buf's place for a message deleted from its package (PACKAGE_MESSAGE_NO_DELETE): the
    nearest enclosing message still in the package, whichever file holds it, else `file`."""
    for enclosing in _enclosing_fqns(fqn):
        message = ctx.head.message(enclosing)
        home = ctx.head.file_of(enclosing) if message is not None else None
        if message is not None and home is not None:
            return home.repo_path, message.location
    return file.repo_path, file.location


def deletion_hits(
    pair: ElementPair,
    ctx: DiffContext,
    fqn: str,
    hit: Hit,
    file_rules: tuple[str, ...],
    package_rules: tuple[str, ...],
    *,
    package_anywhere: bool = False,
) -> Iterator[Hit]:
    """`hit` placed as buf places the deletion of `fqn`: its file rules in the file it was
    declared in, its package rules there too, or (`package_anywhere`: messages) at the
    nearest enclosing message left in the package. Two hits when the places differ."""
    file = lost_from(pair, ctx)
    if file is None:
        yield replace(hit, buf_rules=(*file_rules, *package_rules))
        return
    file_place = (file.repo_path, file_deletion_place(file, fqn))
    package_place = package_deletion_place(ctx, file, fqn) if package_anywhere else file_place
    if package_place == file_place:
        yield replace(
            hit,
            repo_path=file_place[0],
            location=file_place[1],
            buf_rules=(*file_rules, *package_rules),
        )
        return
    kind = hit.kind or ""
    for (path, location), rules, scope in (
        (file_place, file_rules, "file"),
        (package_place, package_rules, "package"),
    ):
        yield replace(
            hit, repo_path=path, location=location, buf_rules=rules, kind=f"{kind}:{scope}"
        )
