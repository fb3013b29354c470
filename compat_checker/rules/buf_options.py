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
    proto3,
)
from compat_checker.rules.registry import Hit, rule
from protomodel.model import Element, ElementKind, Location, OptionValue, ProtoTree

if TYPE_CHECKING:
    from compat_checker.diff import DiffContext, ElementPair


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
    base, head = field_sides(pair)
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


def resolved_feature(tree: ProtoTree, element: Element, name: str) -> OptionValue | None:
    """An editions feature as it applies to the element: set on it, else on the nearest
    enclosing message, else on its file; None when nothing sets it (the syntax decides)."""
    fqn = element.fqn
    while fqn:
        holder = element if fqn == element.fqn else tree.find(fqn)
        features = holder.options.get("features") if holder is not None else None
        if isinstance(features, dict) and name in features:
            return features[name]
        fqn = fqn.rpartition(".")[0]
    file = tree.file_of(element.fqn)
    features = file.options.get("features") if file is not None else None
    if isinstance(features, dict):
        return features.get(name)
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
