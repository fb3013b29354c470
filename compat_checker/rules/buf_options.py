"""Options buf's FILE category holds fixed: each is part of what generated code looks like.

A changed `java_package`, `go_package` or `csharp_namespace` moves every generated class; a
changed `optimize_for` or `*_generic_services` changes which classes and methods exist.
Nothing changes on the wire, so these break generated code (SOURCE), not data. buf reads
an option that is not written as its default (`optimize_for` not set is `SPEED`), so
writing the default out, or dropping it, is no change; the finding points where head sets
the option (the file when head no longer sets it), as buf does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from compat_checker.findings import Category, Severity
from compat_checker.rules.common import (
    enum_sides,
    field_sides,
    file_sides,
    message_sides,
    method_sides,
    proto2,
    proto3,
)
from compat_checker.rules.registry import Hit, rule
from protomodel.model import (
    Element,
    ElementKind,
    FieldModel,
    FileModel,
    Label,
    Location,
    MessageModel,
    OptionValue,
    Presence,
    ProtoTree,
    TypeKind,
)

if TYPE_CHECKING:
    from compat_checker.diff import DiffContext, ElementPair


def buf_field_sides(pair: ElementPair) -> tuple[FieldModel | None, FieldModel | None]:
    """The field pair as buf makes it: the head field with the base field of the same
    number in the same message (buf pairs fields by number, whatever their names)."""
    base, head = field_sides(pair)
    if head is None or head.extendee or not isinstance(pair.parent_base, MessageModel):
        return base, head
    same_number = [f for f in pair.parent_base.fields if f.number == head.number]
    return (same_number[0] if len(same_number) == 1 else None), head


@dataclass(frozen=True)
class _FileOption:
    name: str
    default: OptionValue
    before: str  # the option's value in the fixture before the change, as written
    after: str
    what: str  # what the option decides, for the rule's doc


_NAMING = Severity.HIGH  # generated code moves: every import of it breaks
_SHAPE = Severity.MEDIUM  # generated code gains or loses classes and methods

_FILE_OPTIONS: tuple[tuple[_FileOption, Severity], ...] = (
    (
        _FileOption("java_package", "", '"com.acme.v1"', '"com.acme.api.v1"', "the Java package"),
        _NAMING,
    ),
    (
        _FileOption(
            "java_outer_classname", "", '"TaskProto"', '"TasksProto"', "the Java outer class"
        ),
        _NAMING,
    ),
    (
        _FileOption(
            "java_multiple_files", False, "true", "false", "whether Java classes are top-level"
        ),
        _NAMING,
    ),
    (
        _FileOption(
            "go_package", "", '"acme/v1;acmev1"', '"acme/api/v1;acmev1"', "the Go import path"
        ),
        _NAMING,
    ),
    (
        _FileOption("objc_class_prefix", "", '"ACM"', '"ACME"', "the Objective-C class prefix"),
        _NAMING,
    ),
    (
        _FileOption("csharp_namespace", "", '"Acme.V1"', '"Acme.Api.V1"', "the C# namespace"),
        _NAMING,
    ),
    (_FileOption("swift_prefix", "", '"ACM"', '"ACME"', "the Swift type prefix"), _NAMING),
    (_FileOption("php_class_prefix", "", '"ACM"', '"ACME"', "the PHP class prefix"), _NAMING),
    (
        _FileOption(
            "php_namespace", "", '"Acme\\\\V1"', '"Acme\\\\Api\\\\V1"', "the PHP namespace"
        ),
        _NAMING,
    ),
    (
        _FileOption(
            "php_metadata_namespace",
            "",
            '"Acme\\\\V1\\\\Meta"',
            '"Acme\\\\Meta"',
            "the PHP metadata namespace",
        ),
        _NAMING,
    ),
    (_FileOption("ruby_package", "", '"Acme::V1"', '"Acme::Api::V1"', "the Ruby module"), _NAMING),
    (
        _FileOption(
            "optimize_for", "SPEED", "SPEED", "CODE_SIZE", "which C++/Java code is generated"
        ),
        _SHAPE,
    ),
    (
        _FileOption(
            "cc_generic_services", False, "true", "false", "whether C++ service stubs are generated"
        ),
        _SHAPE,
    ),
    (
        _FileOption(
            "java_generic_services",
            False,
            "true",
            "false",
            "whether Java service stubs are generated",
        ),
        _SHAPE,
    ),
    (
        _FileOption(
            "py_generic_services",
            False,
            "true",
            "false",
            "whether Python service stubs are generated",
        ),
        _SHAPE,
    ),
    (_FileOption("cc_enable_arenas", True, "true", "false", "C++ arena allocation"), _SHAPE),
)

_TASK = "message Task {\n  string id = 1;\n}"


def option_value(element: Element, name: str, default: OptionValue) -> OptionValue:
    """The option as buf reads it: the written value, else the option's default."""
    return element.options.get(name, default)


def option_location(element: Element, name: str) -> Location:
    """Where the element sets the option; the element itself when it does not."""
    return element.option_locations.get(name, element.location)


def _register_file_option(option: _FileOption, severity: Severity) -> None:
    buf_rule = f"FILE_SAME_{option.name.upper()}"

    def check(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
        base, head = file_sides(pair)
        if base is None or head is None:
            return
        before = option_value(base, option.name, option.default)
        after = option_value(head, option.name, option.default)
        if before != after:
            yield Hit(
                message=(
                    f"option {option.name} of {head.repo_path} changed from {before!r} to "
                    f"{after!r}; generated code changes with it"
                ),
                location=option_location(head, option.name),
                before=str(before),
                after=str(after),
            )

    rule(
        id=f"FILE_{option.name.upper()}_CHANGED",
        category=Category.SOURCE,
        severity=severity,
        on=ElementKind.FILE,
        doc=(
            f"The file option `{option.name}` ({option.what}) changed: code generated from "
            "the file changes, and code built on it stops compiling."
        ),
        fix=(
            f"Restore `option {option.name}`; to change it, publish the file under a new "
            "package version with the new option and move clients over."
        ),
        before=proto3(f"option {option.name} = {option.before};\n\n{_TASK}"),
        after=proto3(f"option {option.name} = {option.after};\n\n{_TASK}"),
        buf_rules=(buf_rule,),
        quiet_pairs=(
            # Writing out the default is no change.
            (
                proto3(_TASK),
                proto3(f"option {option.name} = {_literal(option.default)};\n\n{_TASK}"),
            ),
        ),
    )(check)


def _literal(value: OptionValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.isupper():
        return value  # an enum constant
    return f'"{value}"'


for _option, _severity in _FILE_OPTIONS:
    _register_file_option(_option, _severity)


# ---------------------------------------------------------------------------------------
# RPC options

_SERVICE = """
message GetTaskRequest {
  string id = 1;
}

message Task {
  string id = 1;
}

service TaskService {
  rpc GetTask(GetTaskRequest) returns (Task) {%s}
}
"""


@rule(
    id="RPC_IDEMPOTENCY_LEVEL_CHANGED",
    category=Category.SOURCE,
    severity=Severity.MEDIUM,
    on=ElementKind.METHOD,
    doc=(
        "An RPC's `idempotency_level` changed: generated clients choose GET or POST and "
        "retry policy from it, so calls change shape (gRPC-Web and Connect GET requests)."
    ),
    fix=(
        "Restore the idempotency level; to change it, add a new RPC with the new level, "
        "move clients over and deprecate the old one."
    ),
    before=proto3(_SERVICE % "\n    option idempotency_level = NO_SIDE_EFFECTS;\n  "),
    after=proto3(_SERVICE % "\n    option idempotency_level = IDEMPOTENT;\n  "),
    buf_rules=("RPC_SAME_IDEMPOTENCY_LEVEL",),
    quiet_pairs=(
        (
            proto3(_SERVICE % ""),
            proto3(_SERVICE % "\n    option idempotency_level = IDEMPOTENCY_UNKNOWN;\n  "),
        ),
    ),
)
def rpc_idempotency_level_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = method_sides(pair)
    if base is None or head is None:
        return
    name, default = "idempotency_level", "IDEMPOTENCY_UNKNOWN"
    before, after = option_value(base, name, default), option_value(head, name, default)
    if before != after:
        yield Hit(
            message=f"idempotency_level of rpc {head.fqn} changed from {before} to {after}",
            location=option_location(head, name),
            before=str(before),
            after=str(after),
        )


# ---------------------------------------------------------------------------------------
# Field options

_INT64_TYPES = frozenset({"int64", "uint64", "sint64", "fixed64", "sfixed64"})
_COUNTER = "message Counter {\n  int64 total = 1%s;\n}"


@rule(
    id="FIELD_JSTYPE_CHANGED",
    category=Category.SOURCE,
    severity=Severity.MEDIUM,
    on=ElementKind.FIELD,
    doc=(
        "A 64-bit integer field's `jstype` changed: generated JavaScript code now holds it "
        "as a string where it held a number (or the reverse), and code using it breaks."
    ),
    fix="Restore the field's `jstype`; to change it, add a new field and migrate readers.",
    before=proto3(_COUNTER % " [jstype = JS_STRING]"),
    after=proto3(_COUNTER % " [jstype = JS_NUMBER]"),
    buf_rules=("FIELD_SAME_JSTYPE",),
    quiet_pairs=((proto3(_COUNTER % ""), proto3(_COUNTER % " [jstype = JS_NORMAL]")),),
)
def field_jstype_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = buf_field_sides(pair)
    if base is None or head is None:
        return
    if base.type not in _INT64_TYPES or head.type not in _INT64_TYPES:
        return  # jstype only means something for 64-bit integers
    before = option_value(base, "jstype", "JS_NORMAL")
    after = option_value(head, "jstype", "JS_NORMAL")
    if before != after:
        yield Hit(
            message=f"jstype of {head.fqn} changed from {before} to {after}",
            location=option_location(head, "jstype"),
            before=str(before),
            after=str(after),
        )


# ---------------------------------------------------------------------------------------
# Messages and enums: generated-code and JSON options, editions features


def resolved_feature(tree: ProtoTree, element: Element, *name: str) -> OptionValue | None:
    """An editions feature (`utf8_validation`, or `pb.cpp`, `string_type`) as it applies
    to the element: set on it, else on the nearest enclosing message, else on its file;
    None when nothing sets it (the syntax or edition decides)."""
    holders: list[Element] = [element]
    fqn = element.fqn.rpartition(".")[0]
    while fqn:
        enclosing = tree.find(fqn)
        if enclosing is not None:
            holders.append(enclosing)
        fqn = fqn.rpartition(".")[0]
    file = tree.file_of(element.fqn)
    if file is not None:
        holders.append(file)
    for holder in holders:
        value: OptionValue = holder.options.get("features")
        for part in name:
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            return value
    return None


def _json_format(tree: ProtoTree, element: Element) -> str:
    """ALLOW or LEGACY_BEST_EFFORT: proto2 defaults to the latter, proto3 and editions to
    the former."""
    value = resolved_feature(tree, element, "json_format")
    if value is not None:
        return str(value)
    file = tree.file_of(element.fqn)
    return "LEGACY_BEST_EFFORT" if file is not None and file.syntax == "proto2" else "ALLOW"


def _json_format_hits(pair: ElementPair, ctx: DiffContext, what: str) -> Iterator[Hit]:
    base, head = pair.base, pair.head
    if base is None or head is None:
        return
    before, after = _json_format(ctx.base, base), _json_format(ctx.head, head)
    if before == "ALLOW" and after != "ALLOW":
        yield Hit(
            message=(
                f"{what} {head.fqn} no longer guarantees a JSON mapping (json_format "
                f"{before} → {after}); JSON clients may stop parsing it"
            ),
            location=option_location(head, "features"),
            before=before,
            after=after,
        )


_EDITION_ENUM = (
    'edition = "2023";\n\npackage acme.v1;\n\nenum Status {\n%s  STATUS_UNSPECIFIED = 0;\n}\n'
)
_EDITION_MESSAGE = (
    'edition = "2023";\n\npackage acme.v1;\n\nmessage Task {\n%s  string id = 1;\n}\n'
)
_LEGACY_JSON = "  option features.json_format = LEGACY_BEST_EFFORT;\n"


@rule(
    id="ENUM_JSON_FORMAT_CHANGED",
    category=Category.JSON,
    severity=Severity.MEDIUM,
    on=ElementKind.ENUM,
    doc=(
        "An enum's `json_format` feature went from ALLOW to LEGACY_BEST_EFFORT: its JSON "
        "mapping is no longer guaranteed to be valid, so JSON clients may break."
    ),
    fix="Keep `features.json_format = ALLOW` on the enum, its parents and its file.",
    before=_EDITION_ENUM % "",
    after=_EDITION_ENUM % _LEGACY_JSON,
    buf_rules=("ENUM_SAME_JSON_FORMAT",),
)
def enum_json_format_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from _json_format_hits(pair, ctx, "enum")


@rule(
    id="MESSAGE_JSON_FORMAT_CHANGED",
    category=Category.JSON,
    severity=Severity.MEDIUM,
    on=ElementKind.MESSAGE,
    doc=(
        "A message's `json_format` feature went from ALLOW to LEGACY_BEST_EFFORT: its JSON "
        "mapping is no longer guaranteed to be valid, so JSON clients may break."
    ),
    fix="Keep `features.json_format = ALLOW` on the message, its parents and its file.",
    before=_EDITION_MESSAGE % "",
    after=_EDITION_MESSAGE % _LEGACY_JSON,
    buf_rules=("MESSAGE_SAME_JSON_FORMAT",),
)
def message_json_format_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from _json_format_hits(pair, ctx, "message")


@rule(
    id="ENUM_OPENNESS_CHANGED",
    category=Category.WIRE,
    severity=Severity.HIGH,
    on=ElementKind.ENUM,
    doc=(
        "An enum switched between open and closed (proto2 ↔ proto3, or `features.enum_type`): "
        "a closed enum field keeps unknown numbers as unknown fields instead of its value, so "
        "old and new peers read the same bytes differently."
    ),
    fix="Restore the enum's type (open or closed); move it to a new enum to change it.",
    before=_EDITION_ENUM % "",
    after=_EDITION_ENUM % "  option features.enum_type = CLOSED;\n",
    buf_rules=("ENUM_SAME_TYPE",),
)
def enum_openness_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = enum_sides(pair)
    if base is None or head is None or base.closed == head.closed:
        return
    before, after = ("closed", "open") if base.closed else ("open", "closed")
    yield Hit(
        message=f"enum {head.fqn} changed from {before} to {after}",
        location=option_location(head, "features"),
        before=before,
        after=after,
    )


_ACCESSOR = "message Task {\n%s  string id = 1;\n}"


@rule(
    id="MESSAGE_DESCRIPTOR_ACCESSOR_REMOVED",
    category=Category.SOURCE,
    severity=Severity.MEDIUM,
    on=ElementKind.MESSAGE,
    doc=(
        "A message turned on `no_standard_descriptor_accessor`: its generated `descriptor()` "
        "accessor disappears, and code calling it stops compiling."
    ),
    fix="Remove `option no_standard_descriptor_accessor = true;` from the message.",
    before=proto3(_ACCESSOR % ""),
    after=proto3(_ACCESSOR % "  option no_standard_descriptor_accessor = true;\n"),
    buf_rules=("MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR",),
)
def message_descriptor_accessor_removed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = message_sides(pair)
    if base is None or head is None:
        return
    name = "no_standard_descriptor_accessor"
    if not option_value(base, name, False) and option_value(head, name, False):
        yield Hit(
            message=f"message {head.fqn} no longer has its standard descriptor accessor",
            location=option_location(head, name),
            before="false",
            after="true",
        )


# ---------------------------------------------------------------------------------------
# Strings: UTF-8 validation and the C++ string type

_PROTO2_TEXT = "message Note {\n  optional string text = 1%s;\n}"
_EDITION_TEXT = (
    'edition = "2023";\n\npackage acme.v1;\n%s\nmessage Note {\n  string text = 1%s;\n}\n'
)


def _string_components(field: FieldModel) -> list[str]:
    """The string-typed parts buf checks: the field, or a map's key and value entries."""
    if field.type_kind == TypeKind.MAP:
        return [
            part
            for part, type_name in (("key", field.map_key_type), ("value", field.map_value_type))
            if type_name == "string"
        ]
    return ["field"] if field.type == "string" else []


def _file_of(tree: ProtoTree, field: FieldModel) -> FileModel | None:
    return tree.file_of(field.fqn)


def _utf8_validation(tree: ProtoTree, field: FieldModel) -> str:
    """VERIFY or NONE: proto2 defaults to NONE, proto3 and editions to VERIFY."""
    value = resolved_feature(tree, field, "utf8_validation")
    if value is not None:
        return str(value)
    file = _file_of(tree, field)
    return "NONE" if file is not None and file.syntax == "proto2" else "VERIFY"


def _string_pairs(pair: ElementPair) -> Iterator[tuple[FieldModel, FieldModel, str]]:
    base, head = buf_field_sides(pair)
    if base is None or head is None:
        return
    base_parts, head_parts = _string_components(base), _string_components(head)
    for part in base_parts:
        if part in head_parts:
            yield base, head, part


@rule(
    id="FIELD_UTF8_VALIDATION_CHANGED",
    category=Category.WIRE,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "A string field's UTF-8 validation changed (proto2 ↔ proto3, or "
        "`features.utf8_validation`): a peer that validates rejects messages the other "
        "side accepts, so a whole message fails to parse over one invalid string."
    ),
    fix="Keep the field's UTF-8 validation as it was (set `features.utf8_validation`).",
    before=_EDITION_TEXT % ("", ""),
    after=_EDITION_TEXT % ("", " [features.utf8_validation = NONE]"),
    buf_rules=("FIELD_SAME_UTF8_VALIDATION",),
)
def field_utf8_validation_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    for base, head, part in _string_pairs(pair):
        before, after = _utf8_validation(ctx.base, base), _utf8_validation(ctx.head, head)
        if before != after:
            what = head.fqn if part == "field" else f"{head.fqn} (map {part})"
            yield Hit(
                message=f"UTF-8 validation of {what} changed from {before} to {after}",
                location=option_location(head, "features.utf8_validation"),
                kind=f"utf8-validation:{part}",
                before=before,
                after=after,
            )


def _java_utf8_validation(tree: ProtoTree, field: FieldModel) -> str:
    """What generated Java checks: `java_string_check_utf8` outside editions (or where the
    file sets it), else the `pb.java` feature; VERIFY either way, or the field's own."""
    default = _utf8_validation(tree, field)
    file = _file_of(tree, field)
    if file is not None and (file.syntax != "editions" or "java_string_check_utf8" in file.options):
        return "VERIFY" if file.options.get("java_string_check_utf8") else default
    if resolved_feature(tree, field, "pb.java", "utf8_validation") == "VERIFY":
        return "VERIFY"
    return default


def _java_utf8_location(tree: ProtoTree, field: FieldModel) -> Location:
    file = _file_of(tree, field)
    if file is not None and "java_string_check_utf8" in file.option_locations:
        return file.option_locations["java_string_check_utf8"]
    return option_location(field, "features.pb.java.utf8_validation")


@rule(
    id="FIELD_JAVA_UTF8_VALIDATION_CHANGED",
    category=Category.SOURCE,
    severity=Severity.MEDIUM,
    on=ElementKind.FIELD,
    doc=(
        "Generated Java code's UTF-8 check of a string field changed "
        "(`java_string_check_utf8`, `features.(pb.java).utf8_validation`): Java builders "
        "and parsers start or stop throwing on invalid strings."
    ),
    fix="Restore `java_string_check_utf8` (or the `pb.java` utf8_validation feature).",
    before=proto2(_PROTO2_TEXT % ""),
    after=proto2("option java_string_check_utf8 = true;\n\n" + _PROTO2_TEXT % ""),
    buf_rules=("FIELD_SAME_JAVA_UTF8_VALIDATION",),
)
def field_java_utf8_validation_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    for base, head, part in _string_pairs(pair):
        before = _java_utf8_validation(ctx.base, base)
        after = _java_utf8_validation(ctx.head, head)
        if before != after:
            what = head.fqn if part == "field" else f"{head.fqn} (map {part})"
            yield Hit(
                message=f"Java UTF-8 validation of {what} changed from {before} to {after}",
                location=_java_utf8_location(ctx.head, head),
                kind=f"java-utf8-validation:{part}",
                before=before,
                after=after,
            )


def _cpp_string_type(tree: ProtoTree, field: FieldModel) -> tuple[str, bool]:
    """(C++ string type, whether it is a STRING_PIECE) the way buf reads it: `ctype` before
    edition 2024, then the `pb.cpp` string_type feature (VIEW from 2024, else STRING)."""
    file = _file_of(tree, field)
    editions = file is not None and file.syntax == "editions"
    edition = (file.edition or "") if file is not None else ""
    if edition < "2024" and "ctype" in field.options:
        ctype = field.options["ctype"]
        if ctype == "CORD":
            return "CORD", False
        if ctype == "STRING_PIECE":
            return "STRING", True
        if ctype == "STRING" or not editions:
            return "STRING", False
    value = resolved_feature(tree, field, "pb.cpp", "string_type")
    if value is not None:
        return str(value), False
    return ("VIEW" if editions and edition >= "2024" else "STRING"), False


@rule(
    id="FIELD_CPP_STRING_TYPE_CHANGED",
    category=Category.SOURCE,
    severity=Severity.MEDIUM,
    on=ElementKind.FIELD,
    doc=(
        "A string or bytes field's C++ type changed (`ctype`, "
        "`features.(pb.cpp).string_type`: STRING, CORD, VIEW): generated C++ accessors "
        "return another type and code using them stops compiling."
    ),
    fix="Restore the field's `ctype` / `pb.cpp` string_type.",
    before=proto2(_PROTO2_TEXT % ""),
    after=proto2(_PROTO2_TEXT % " [ctype = CORD]"),
    buf_rules=("FIELD_SAME_CPP_STRING_TYPE",),
    quiet_pairs=((proto2(_PROTO2_TEXT % ""), proto2(_PROTO2_TEXT % " [ctype = STRING]")),),
)
def field_cpp_string_type_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = buf_field_sides(pair)
    if base is None or head is None:
        return
    if base.type not in ("string", "bytes") or head.type not in ("string", "bytes"):
        return  # map entries are left alone too: their type is fixed
    before, before_piece = _cpp_string_type(ctx.base, base)
    after, after_piece = _cpp_string_type(ctx.head, head)
    if (before, before_piece) == (after, after_piece) or (before_piece and after == "STRING"):
        return
    shown_before = "STRING_PIECE" if before_piece else before
    shown_after = "STRING_PIECE" if after_piece else after
    location = head.option_locations.get("ctype") or option_location(
        head, "features.pb.cpp.string_type"
    )
    yield Hit(
        message=f"C++ string type of {head.fqn} changed from {shown_before} to {shown_after}",
        location=location,
        before=shown_before,
        after=shown_after,
    )


# ---------------------------------------------------------------------------------------
# Cardinality as buf classes it

_CARDINALITY_RULES = (
    "FIELD_SAME_CARDINALITY",
    "FIELD_WIRE_COMPATIBLE_CARDINALITY",
    "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
)
# buf's groups: what the wire (and, for the second, JSON) cannot tell apart.
_WIRE_GROUP = {"explicit": 1, "implicit": 1, "required": 2, "repeated": 3, "map": 3}
_WIRE_JSON_GROUP = {"explicit": 1, "implicit": 1, "required": 2, "repeated": 3, "map": 4}


def buf_cardinality(field: FieldModel) -> str:
    """map, repeated, required, explicit or implicit (presence), as buf classes a field."""
    if field.type_kind == TypeKind.MAP:
        return "map"
    if field.label == Label.REPEATED:
        return "repeated"
    if field.label == Label.REQUIRED:
        return "required"
    return "implicit" if field.presence == Presence.IMPLICIT else "explicit"


def cardinality_buf_rules(base: FieldModel, head: FieldModel) -> tuple[str, ...]:
    """The cardinality rules buf reports for a field pair (matched by number)."""
    before, after = buf_cardinality(base), buf_cardinality(head)
    if before == after:
        return ()
    named = ["FIELD_SAME_CARDINALITY"]
    if _WIRE_GROUP[before] != _WIRE_GROUP[after]:
        named.append("FIELD_WIRE_COMPATIBLE_CARDINALITY")
    if _WIRE_JSON_GROUP[before] != _WIRE_JSON_GROUP[after]:
        named.append("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY")
    return tuple(named)


_CARDINALITY_TASK = "message Task {\n  %s priority = 1;\n}"


@rule(
    id="FIELD_CARDINALITY_CLASS_CHANGED",
    category=Category.SOURCE,
    severity=Severity.MEDIUM,
    on=ElementKind.FIELD,
    doc=(
        "A field changed cardinality as buf classes it (implicit or explicit presence, "
        "required, repeated, map): buf's FIELD_SAME_CARDINALITY, and its wire and wire+JSON "
        "variants where the two sides encode differently. The finding that says what breaks "
        "is the more specific rule next to it (FIELD_CARDINALITY_CHANGED, "
        "FIELD_PRESENCE_CHANGED, FIELD_REQUIRED_CHANGED, ...); this one names buf's rules."
    ),
    fix="Keep the field's cardinality; add a new field with the new one and migrate.",
    before=proto3(_CARDINALITY_TASK % "int32"),
    after=proto3(_CARDINALITY_TASK % "optional int32"),
    buf_rules=_CARDINALITY_RULES,
    joins_element_findings=True,
)
def field_cardinality_class_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = buf_field_sides(pair)
    if base is None or head is None:
        return
    named = cardinality_buf_rules(base, head)
    if named:
        before, after = buf_cardinality(base), buf_cardinality(head)
        yield Hit(
            message=f"field {head.fqn} changed cardinality from {before} to {after}",
            before=before,
            after=after,
            buf_rules=named,
        )


# ---------------------------------------------------------------------------------------
# Types as buf classes them

_INTEGER_WIRE = {"int32": 1, "int64": 1, "uint32": 1, "uint64": 1, "bool": 1, "sint32": 2}
_WIRE_TYPE_GROUP = {
    **_INTEGER_WIRE,
    "sint64": 2,
    "string": 3,
    "bytes": 4,
    "fixed32": 5,
    "sfixed32": 5,
    "fixed64": 6,
    "sfixed64": 6,
    "double": 7,
    "float": 8,
    "group": 9,
    "message": 10,
    "enum": 11,
}
_WIRE_JSON_TYPE_GROUP = {
    "int32": 1,
    "uint32": 1,
    "int64": 2,
    "uint64": 2,
    "fixed32": 3,
    "sfixed32": 3,
    "fixed64": 4,
    "sfixed64": 4,
    "bool": 5,
    "sint32": 6,
    "sint64": 7,
    "string": 8,
    "bytes": 9,
    "double": 10,
    "float": 11,
    "group": 12,
    "message": 13,
    "enum": 14,
}


def _kind_and_name(type_name: str, kind: TypeKind | None) -> tuple[str, str]:
    """(buf's kind, type name) of a field or map part: a scalar is its own kind."""
    if kind == TypeKind.ENUM:
        return "enum", type_name
    if kind in (TypeKind.MESSAGE, TypeKind.MAP):
        return "message", type_name
    if kind == TypeKind.GROUP:
        return "group", type_name
    return type_name, ""


def _enum_kept(ctx: DiffContext, before: str, after: str) -> bool:
    """buf's wire check of an enum swapped for another: same short name, and every old
    value still there with its number."""
    old, new = ctx.base.enum(before), ctx.head.enum(after)
    if old is None or new is None or old.name != new.name:
        return False
    numbers = {value.name: value.number for value in new.values}
    return all(numbers.get(value.name) == value.number for value in old.values)


def type_buf_rules(
    ctx: DiffContext, before: tuple[str, str], after: tuple[str, str]
) -> tuple[str, ...]:
    """The type rules buf reports for one (kind, type name) pair."""
    (old_kind, base_name), (new_kind, new_name) = before, after
    # a package rename is one finding of its own (FILE_PACKAGE_CHANGED)
    old_name = ctx.head_fqn(base_name) if base_name else base_name
    if old_kind == new_kind and old_name == new_name:
        return ()
    named = ["FIELD_SAME_TYPE"]
    for rule_id, groups in (
        ("FIELD_WIRE_COMPATIBLE_TYPE", _WIRE_TYPE_GROUP),
        ("FIELD_WIRE_JSON_COMPATIBLE_TYPE", _WIRE_JSON_TYPE_GROUP),
    ):
        if groups.get(old_kind) != groups.get(new_kind):
            if rule_id == "FIELD_WIRE_COMPATIBLE_TYPE" and (old_kind, new_kind) == (
                "string",
                "bytes",
            ):
                continue  # string → bytes is wire compatible; bytes → string is not
            named.append(rule_id)
        elif old_name != new_name:
            if old_kind == "enum" and _enum_kept(ctx, base_name, new_name):
                continue
            named.append(rule_id)
    return tuple(named)


def _field_kind(tree: ProtoTree, field: FieldModel) -> tuple[str, str]:
    """(buf's kind, type name) of a field: an editions message field encoded DELIMITED is a
    group, as in its descriptor."""
    kind, name = _kind_and_name(field.type, field.type_kind)
    if (
        field.type_kind == TypeKind.MESSAGE
        and resolved_feature(tree, field, "message_encoding") == "DELIMITED"
    ):
        return "group", name
    return kind, name


def _type_parts(tree: ProtoTree, field: FieldModel) -> list[tuple[str, tuple[str, str]]]:
    """The typed parts buf compares: a map is a message plus its key and value fields."""
    if field.type_kind != TypeKind.MAP:
        return [("field", _field_kind(tree, field))]
    return [
        ("key", _kind_and_name(field.map_key_type or "", TypeKind.SCALAR)),
        ("value", _kind_and_name(field.map_value_type or "", field.map_value_kind)),
    ]


_TYPED_TASK = "message Task {\n  %s priority = 1;\n}"


@rule(
    id="FIELD_TYPE_CLASS_CHANGED",
    category=Category.SOURCE,
    severity=Severity.MEDIUM,
    on=ElementKind.FIELD,
    doc=(
        "A field's type changed as buf compares types (the kind, or the message or enum it "
        "names; map keys and values on their own): buf's FIELD_SAME_TYPE, and its wire and "
        "wire+JSON variants where the encodings differ. The finding that says what breaks "
        "is the more specific rule next to it (FIELD_TYPE_CHANGED, _JSON, _SOURCE); this one "
        "names buf's rules."
    ),
    fix="Keep the field's type; add a new field with the new type and migrate.",
    before=proto3(_TYPED_TASK % "int32"),
    after=proto3(_TYPED_TASK % "uint32"),
    buf_rules=("FIELD_SAME_TYPE", "FIELD_WIRE_COMPATIBLE_TYPE", "FIELD_WIRE_JSON_COMPATIBLE_TYPE"),
    joins_element_findings=True,
)
def field_type_class_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = buf_field_sides(pair)
    if base is None or head is None:
        return
    if (base.type_kind == TypeKind.MAP) != (head.type_kind == TypeKind.MAP):
        old_parts = [("field", _field_kind(ctx.base, base))]
        new_parts = [("field", _field_kind(ctx.head, head))]
    else:
        old_parts, new_parts = _type_parts(ctx.base, base), _type_parts(ctx.head, head)
    for (part, before), (_, after) in zip(old_parts, new_parts, strict=True):
        named = type_buf_rules(ctx, before, after)
        if named:
            what = head.fqn if part == "field" else f"{head.fqn} (map {part})"
            old_type, new_type = before[1] or before[0], after[1] or after[0]
            if old_type == new_type:  # the same message, now a group (or the reverse)
                old_type, new_type = f"{before[0]} {old_type}", f"{after[0]} {new_type}"
            yield Hit(
                message=f"type of {what} changed from {old_type} to {new_type}",
                kind=f"type-class:{part}",
                before=before[1] or before[0],
                after=after[1] or after[0],
                buf_rules=named,
            )
