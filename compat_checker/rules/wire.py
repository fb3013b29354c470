"""WIRE rules: old and new peers decode the same bytes differently, or a call stops resolving.

Severity: CRITICAL when data is silently misread (a number or an encoding changes under
existing data), HIGH when something old peers rely on is gone or changes shape, MEDIUM
when the change only opens the door to a future misread (a reservation dropped).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from compat_checker.findings import Category, Severity
from compat_checker.rules.common import (
    Impact,
    cardinality_hits,
    deletion_hits,
    describe_label,
    describe_ranges,
    describe_type,
    enum_sides,
    field_sides,
    file_sides,
    message_sides,
    method_sides,
    name_reserved,
    number_reserved,
    proto2,
    proto3,
    same_type_name,
    service_sides,
    type_impact,
    uncovered,
    value_number_kept,
    value_sides,
)
from compat_checker.rules.registry import Hit, rule
from protomodel.model import (
    ElementKind,
    EnumModel,
    EnumValueModel,
    FieldModel,
    FileModel,
    Label,
    MessageModel,
    ReservedRange,
    iter_file_elements,
)

if TYPE_CHECKING:
    from compat_checker.diff import DiffContext, ElementPair

# buf's cardinality and type rules are FIELD_CARDINALITY_CLASS_CHANGED's and
# FIELD_TYPE_CLASS_CHANGED's to name, one finding each; the field rules name the rest.
_TYPE_ONLY = ("MESSAGE_NO_DELETE",)  # the type rules: FIELD_TYPE_CLASS_CHANGED's
_REQUIRED_ONLY = ("MESSAGE_SAME_REQUIRED_FIELDS",)
_ONEOF_ONLY = ("FIELD_SAME_ONEOF",)

# ---------------------------------------------------------------------------------------
# Files

_FILE_REMOVED_BEFORE = (
    proto3("message Task {\n  string title = 1;\n}")
    + "// file: acme/v1/labels.proto\n"
    + proto3("message Label {\n  string name = 1;\n}")
)
_FILE_REMOVED_AFTER = proto3("message Task {\n  string title = 1;\n}")


@rule(
    id="FILE_REMOVED",
    category=Category.WIRE,
    severity=Severity.HIGH,
    on=ElementKind.FILE,
    doc="A .proto file was deleted and some of what it declared exists nowhere else.",
    fix=(
        "Keep the file until no client uses its types or services: deprecate them, publish "
        "their replacements first, and delete the file in a later release."
    ),
    before=_FILE_REMOVED_BEFORE,
    after=_FILE_REMOVED_AFTER,
    buf_rules=("FILE_NO_DELETE", "PACKAGE_NO_DELETE"),
)
def file_removed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = file_sides(pair)
    if base is None or head is not None:
        return
    top_level = [*base.messages, *base.enums, *base.services, *base.extensions]
    lost = [element.fqn for element in top_level if ctx.head.find(element.fqn) is None]
    if lost or not top_level:
        what = ", ".join(lost) if lost else "nothing"
        yield Hit(
            message=f"file {base.repo_path} was deleted; gone with it: {what}",
            buf_rules=("FILE_NO_DELETE", *_package_gone_with(base, ctx)),
        )


def _package_gone_with(file: FileModel, ctx: DiffContext) -> tuple[str, ...]:
    """PACKAGE_NO_DELETE when `file` took the last of its package with it: buf reports a
    package gone once, with the first of its files by path."""
    if not ctx.package_gone(file.package):
        return ()
    first = min(f.name for f in ctx.base.files.values() if f.package == file.package)
    return ("PACKAGE_NO_DELETE",) if first == file.name else ()


@rule(
    id="FILE_PACKAGE_CHANGED",
    category=Category.WIRE,
    severity=Severity.HIGH,
    on=ElementKind.FILE,
    doc=(
        "A file's package changed: every FQN in it changes, so gRPC method paths "
        "(/pkg.Service/Method), Any type URLs and all generated code move."
    ),
    fix=(
        "Publish the new package as a new API version next to the old one (dual-publish), "
        "move clients over, then delete the old package."
    ),
    before=proto3("message Task {\n  string title = 1;\n}"),
    after=proto3("message Task {\n  string title = 1;\n}", package="acme.v2"),
    buf_rules=("FILE_SAME_PACKAGE",),
)
def file_package_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = file_sides(pair)
    if base is not None and head is not None and base.package != head.package:
        services = [e.fqn for e in iter_file_elements(base) if e.kind == ElementKind.SERVICE]
        paths = f"; RPC paths of {', '.join(services)} change" if services else ""
        yield Hit(
            message=(
                f"package of {head.repo_path} changed from {base.package or '(none)'} "
                f"to {head.package or '(none)'}{paths}"
            ),
            before=base.package,
            after=head.package,
            location=head.package_location,  # buf's place: the `package` statement
        )


# ---------------------------------------------------------------------------------------
# Services and RPCs

_SERVICE = """
message GetTaskRequest {
  string id = 1;
}

message Task {
  string id = 1;
}

service TaskService {
  rpc GetTask(GetTaskRequest) returns (Task);
}
"""
_MESSAGES_ONLY = """
message GetTaskRequest {
  string id = 1;
}

message Task {
  string id = 1;
}
"""


@rule(
    id="SERVICE_REMOVED",
    category=Category.WIRE,
    severity=Severity.HIGH,
    on=ElementKind.SERVICE,
    doc="A service was removed; every call from existing clients fails with UNIMPLEMENTED.",
    fix=(
        "Keep serving it deprecated until traffic stops; to replace it, publish the new "
        "service first (dual-publish) and remove the old one in a later release."
    ),
    before=proto3(_SERVICE),
    after=proto3(_MESSAGES_ONLY),
    buf_rules=("SERVICE_NO_DELETE", "PACKAGE_SERVICE_NO_DELETE"),
)
def service_removed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = service_sides(pair)
    if base is not None and head is None:
        yield Hit(message=f"service {base.fqn} ({len(base.methods)} rpcs) was removed")


@rule(
    id="RPC_REMOVED",
    category=Category.WIRE,
    severity=Severity.HIGH,
    on=ElementKind.METHOD,
    doc="An RPC was removed; existing clients calling it get UNIMPLEMENTED.",
    fix=(
        "Mark the RPC `option deprecated = true;` and keep serving it until callers are "
        "gone; remove it in a later release."
    ),
    before=proto3(
        _SERVICE.replace(
            "returns (Task);\n",
            "returns (Task);\n  rpc DeleteTask(GetTaskRequest) returns (Task);\n",
        )
    ),
    after=proto3(_SERVICE),
    buf_rules=("RPC_NO_DELETE",),
)
def rpc_removed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = method_sides(pair)
    if base is not None and head is None:
        yield Hit(message=f"rpc {base.fqn} was removed")


@rule(
    id="RPC_REQUEST_TYPE_CHANGED",
    category=Category.WIRE,
    severity=Severity.HIGH,
    on=ElementKind.METHOD,
    doc="An RPC's request type changed; old clients send a message the server now reads with another schema.",
    fix=(
        "Add a new RPC with the new request type, move clients to it, deprecate the old "
        "RPC and remove it later; or evolve the existing request message compatibly."
    ),
    before=proto3(_SERVICE + "\nmessage TaskQuery {\n  string id = 1;\n}"),
    after=proto3(
        _SERVICE.replace("GetTask(GetTaskRequest)", "GetTask(TaskQuery)")
        + "\nmessage TaskQuery {\n  string id = 1;\n}"
    ),
    buf_rules=("RPC_SAME_REQUEST_TYPE",),
)
def rpc_request_type_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = method_sides(pair)
    if base is None or head is None:
        return
    if not same_type_name(
        ctx, base.input_type, base.input_resolved, head.input_type, head.input_resolved
    ):
        yield Hit(
            message=f"request type of rpc {head.fqn} changed from {base.input_type} to {head.input_type}",
            before=base.input_type,
            after=head.input_type,
        )


@rule(
    id="RPC_RESPONSE_TYPE_CHANGED",
    category=Category.WIRE,
    severity=Severity.HIGH,
    on=ElementKind.METHOD,
    doc="An RPC's response type changed; old clients decode the reply with the wrong schema.",
    fix=(
        "Add a new RPC with the new response type, move clients to it, deprecate the old "
        "RPC and remove it later; or evolve the existing response message compatibly."
    ),
    before=proto3(_SERVICE + "\nmessage TaskView {\n  string id = 1;\n}"),
    after=proto3(
        _SERVICE.replace("returns (Task)", "returns (TaskView)")
        + "\nmessage TaskView {\n  string id = 1;\n}"
    ),
    buf_rules=("RPC_SAME_RESPONSE_TYPE",),
)
def rpc_response_type_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = method_sides(pair)
    if base is None or head is None:
        return
    if not same_type_name(
        ctx, base.output_type, base.output_resolved, head.output_type, head.output_resolved
    ):
        yield Hit(
            message=f"response type of rpc {head.fqn} changed from {base.output_type} to {head.output_type}",
            before=base.output_type,
            after=head.output_type,
        )


def _streaming(flag: bool) -> str:
    return "streaming" if flag else "unary"


_STREAMING_FIX = (
    "Streaming is part of the call's shape: add a new RPC with the new streaming mode, "
    "move clients to it, deprecate the old RPC and remove it later."
)


@rule(
    id="RPC_CLIENT_STREAMING_CHANGED",
    category=Category.WIRE,
    severity=Severity.HIGH,
    on=ElementKind.METHOD,
    doc="An RPC's request side switched between unary and streaming; existing stubs make the wrong kind of call.",
    fix=_STREAMING_FIX,
    before=proto3(_SERVICE),
    after=proto3(_SERVICE.replace("GetTask(GetTaskRequest)", "GetTask(stream GetTaskRequest)")),
    buf_rules=("RPC_SAME_CLIENT_STREAMING",),
)
def rpc_client_streaming_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = method_sides(pair)
    if base is not None and head is not None and base.client_streaming != head.client_streaming:
        before, after = _streaming(base.client_streaming), _streaming(head.client_streaming)
        yield Hit(
            message=f"request of rpc {head.fqn} changed from {before} to {after}",
            before=before,
            after=after,
        )


@rule(
    id="RPC_SERVER_STREAMING_CHANGED",
    category=Category.WIRE,
    severity=Severity.HIGH,
    on=ElementKind.METHOD,
    doc="An RPC's response side switched between unary and streaming; existing stubs make the wrong kind of call.",
    fix=_STREAMING_FIX,
    before=proto3(_SERVICE),
    after=proto3(_SERVICE.replace("returns (Task)", "returns (stream Task)")),
    buf_rules=("RPC_SAME_SERVER_STREAMING",),
)
def rpc_server_streaming_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = method_sides(pair)
    if base is not None and head is not None and base.server_streaming != head.server_streaming:
        before, after = _streaming(base.server_streaming), _streaming(head.server_streaming)
        yield Hit(
            message=f"response of rpc {head.fqn} changed from {before} to {after}",
            before=before,
            after=after,
        )


# ---------------------------------------------------------------------------------------
# Fields

_TASK = """
message Task {
  string id = 1;
  string title = 2;
  int32 priority = 3;
}
"""


def _direction(ctx: DiffContext, message_fqn: str) -> str:
    """Who is hurt, from how the message is used by RPCs."""
    requests, responses = ctx.used_in_requests(message_fqn), ctx.used_in_responses(message_fqn)
    if requests and responses:
        return "; it is used in requests and responses"
    if requests:
        return "; it is used in requests: old clients still send it and the server drops it"
    if responses:
        return "; it is used in responses: old clients stop receiving it"
    return ""


@rule(
    id="FIELD_REMOVED",
    category=Category.WIRE,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "A field was removed and its number is not reserved: old peers' data for it is "
        "dropped, and a later field may reuse the number and misread old data."
    ),
    fix=(
        "Keep the field and mark it `[deprecated = true]`; once nobody reads or writes it, "
        'remove it and add `reserved <number>;` and `reserved "<name>";` in the same change.'
    ),
    before=proto3(_TASK),
    after=proto3(_TASK.replace("  int32 priority = 3;\n", "")),
    buf_rules=(
        "FIELD_NO_DELETE",
        "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
        "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
        "MESSAGE_SAME_REQUIRED_FIELDS",
        "EXTENSION_NO_DELETE",
        "PACKAGE_EXTENSION_NO_DELETE",
    ),
    quiet_pairs=(
        (proto3(_TASK), proto3(_TASK.replace("  int32 priority = 3;\n", "  reserved 3;\n"))),
    ),
)
def field_removed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if base is None or head is not None or number_reserved(pair.parent_head, base.number):
        return
    what = "extension" if base.extendee else "field"
    parent = pair.parent_head.fqn if pair.parent_head is not None else ""
    hit = Hit(
        message=(
            f"{what} {base.fqn} ({base.number}) was removed without reserving its number"
            f"{_direction(ctx, parent) if not base.extendee else ''}"
        ),
        before=f"{describe_type(base)} {base.name} = {base.number}",
        buf_rules=_deletion_buf_rules(base, pair.parent_head),
    )
    if base.extendee:  # buf's extension rules place it in the file it was declared in
        yield from deletion_hits(
            pair,
            ctx,
            base.fqn,
            replace(hit, kind="field_removed"),
            ("EXTENSION_NO_DELETE",),
            ("PACKAGE_EXTENSION_NO_DELETE",),
        )
    else:
        yield hit


def _deletion_buf_rules(base: FieldModel, parent_head: object) -> tuple[str, ...]:
    """The buf rules a deleted field whose number is not reserved breaks: buf's field rules
    for a message field (the name-reserved one unless its name is reserved, the required
    fields one for a required field), its extension rules for an extension."""
    if base.extendee:
        return ("EXTENSION_NO_DELETE", "PACKAGE_EXTENSION_NO_DELETE")
    rules = ["FIELD_NO_DELETE", "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"]
    if not name_reserved(parent_head, base.name):
        rules.append("FIELD_NO_DELETE_UNLESS_NAME_RESERVED")
    if base.label == Label.REQUIRED:
        rules.append("MESSAGE_SAME_REQUIRED_FIELDS")
    return tuple(rules)


@rule(
    id="FIELD_NUMBER_CHANGED",
    category=Category.WIRE,
    severity=Severity.CRITICAL,
    on=ElementKind.FIELD,
    doc="A field kept its name but changed its number: old and new peers read each other's value as unknown or as another field.",
    fix=(
        "Restore the number: it is the field's identity on the wire. To move to a new "
        "number, add a new field, write both, deprecate the old one, then remove and reserve it."
    ),
    before=proto3(_TASK),
    after=proto3(_TASK.replace("priority = 3", "priority = 4")),
    buf_rules=(
        "FIELD_NO_DELETE",
        "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
        "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
    ),
)
def field_number_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if base is not None and head is not None and base.number != head.number:
        yield Hit(
            message=f"field {head.fqn} changed number from {base.number} to {head.number}",
            before=str(base.number),
            after=str(head.number),
        )


_TYPE_FIX = (
    "Add a new field with the new type under a new number, write both during the "
    "migration, deprecate the old field, then remove it and reserve its number and name."
)


@rule(
    id="FIELD_TYPE_CHANGED",
    category=Category.WIRE,
    severity=Severity.CRITICAL,
    on=ElementKind.FIELD,
    doc=(
        "A field's type changed to one with another wire encoding (int32→string, "
        "sint32→int32, float→fixed32, one message→another): existing bytes are misread or rejected."
    ),
    fix=_TYPE_FIX,
    before=proto3(_TASK),
    after=proto3(_TASK.replace("int32 priority", "string priority")),
    # buf calls map ↔ non-map a cardinality change, and reports the map's synthetic entry
    # message as deleted.
    buf_rules=(
        "FIELD_SAME_TYPE",
        "FIELD_WIRE_COMPATIBLE_TYPE",
        "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
        "FIELD_SAME_CARDINALITY",
        "MESSAGE_NO_DELETE",
    ),
)
def field_type_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if base is not None and head is not None and type_impact(ctx, base, head) == Impact.WIRE:
        yield Hit(
            message=(
                f"field {head.fqn} changed type from {describe_type(base)} to "
                f"{describe_type(head)}; the encodings are incompatible"
            ),
            before=describe_type(base),
            after=describe_type(head),
            # a map that is no map any more drops its synthetic entry message
            buf_rules=_TYPE_ONLY if base.is_map and not head.is_map else (),
        )


@rule(
    id="FIELD_CARDINALITY_CHANGED",
    category=Category.WIRE,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "A numeric or enum field switched between singular and repeated: a packed list is "
        "one length-delimited record that a singular reader cannot decode."
    ),
    fix=(
        "Add a new repeated (or singular) field under a new number, write both during the "
        "migration, deprecate the old field, then remove it and reserve its number and name."
    ),
    before=proto3(_TASK),
    after=proto3(_TASK.replace("int32 priority", "repeated int32 priority")),
    buf_rules=(
        "FIELD_SAME_CARDINALITY",
        "FIELD_SAME_LABEL",
        "FIELD_WIRE_COMPATIBLE_CARDINALITY",
        "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
    ),
)
def field_cardinality_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from cardinality_hits(pair, Impact.WIRE)


_REQUIRED_BEFORE = proto2(
    "message Task {\n  required string id = 1;\n  optional string title = 2;\n}"
)


@rule(
    id="FIELD_REQUIRED_CHANGED",
    category=Category.WIRE,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "A proto2 `required` field was added, or a field became or stopped being required: "
        "a peer that does not send it makes the other side fail to parse the whole message."
    ),
    fix=(
        "Never add or remove `required`: make new fields `optional` and validate them in "
        "code (or with protovalidate); to retire a required field, keep sending it."
    ),
    before=_REQUIRED_BEFORE,
    after=_REQUIRED_BEFORE.replace("optional string title", "required string title"),
    buf_rules=("MESSAGE_SAME_REQUIRED_FIELDS", "FIELD_SAME_CARDINALITY", "FIELD_SAME_LABEL"),
    quiet_pairs=(
        (
            _REQUIRED_BEFORE,
            _REQUIRED_BEFORE.replace("}", "  optional string note = 3;\n}"),
        ),
    ),
)
def field_required_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if head is None:
        return  # a removed required field is FIELD_REMOVED's, with the same consequence
    was_required = base is not None and base.label == Label.REQUIRED
    is_required = head.label == Label.REQUIRED
    if base is None and is_required:
        yield Hit(
            message=f"required field {head.fqn} ({head.number}) was added",
            after="required",
            buf_rules=_REQUIRED_ONLY,
        )
    elif base is not None and was_required != is_required:
        change = "became required" if is_required else "is no longer required"
        yield Hit(
            message=f"field {head.fqn} {change}",
            before=describe_label(base),
            after=describe_label(head),
            buf_rules=_REQUIRED_ONLY,
        )


_ONEOF_BEFORE = proto3(
    """
message Task {
  string id = 1;
  string note = 2;
  oneof owner {
    string user_id = 3;
    string team_id = 4;
  }
}
"""
)


@rule(
    id="FIELD_ONEOF_CHANGED",
    category=Category.WIRE,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "A field moved into an existing oneof, out of a oneof, or between oneofs: setting a "
        "member now clears the others, so data old peers send together is silently dropped."
    ),
    fix=(
        "Leave existing fields where they are; add a new field inside (or outside) the "
        "oneof under a new number, migrate, deprecate the old field and reserve it."
    ),
    before=_ONEOF_BEFORE,
    after=_ONEOF_BEFORE.replace(
        "  string note = 2;\n  oneof owner {\n", "  oneof owner {\n    string note = 2;\n"
    ),
    buf_rules=("FIELD_SAME_ONEOF", "FIELD_SAME_CARDINALITY"),
    quiet_pairs=(
        (
            _ONEOF_BEFORE,
            _ONEOF_BEFORE.replace(
                "    string team_id = 4;\n", "    string team_id = 4;\n    string group_id = 5;\n"
            ),
        ),
    ),
)
def field_oneof_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if base is None or head is None or base.oneof == head.oneof:
        return
    old_members = _oneof_members(pair.parent_base, base.oneof)
    new_members = _oneof_members(pair.parent_head, head.oneof)
    before, after = base.oneof or "(none)", head.oneof or "(none)"
    if base.oneof and head.oneof and old_members == new_members:
        # The oneof was renamed around the same members: nothing moved on the wire, but
        # the generated case accessors change (ONEOF_REMOVED names the oneof itself).
        yield Hit(
            message=f"oneof of field {head.fqn} was renamed from {base.oneof} to {head.oneof}; wire-safe",
            severity=Severity.LOW,
            before=before,
            after=after,
            buf_rules=_ONEOF_ONLY,
        )
        return
    if base.oneof is None and new_members == {head.name}:
        # Alone in a brand-new oneof: nothing else can clear it; generated code changes.
        yield Hit(
            message=f"field {head.fqn} moved into a new oneof {head.oneof} of its own",
            severity=Severity.MEDIUM,
            before=before,
            after=after,
            buf_rules=_ONEOF_ONLY,
        )
        return
    if base.oneof is None:
        where = f"into oneof {head.oneof}"
    elif head.oneof is None:
        where = f"out of oneof {base.oneof}"
    else:
        where = f"from oneof {base.oneof} to oneof {head.oneof}"
    yield Hit(
        message=f"field {head.fqn} moved {where}", before=before, after=after, buf_rules=_ONEOF_ONLY
    )


def _oneof_members(message: object, oneof: str | None) -> set[str]:
    if oneof is None or not isinstance(message, MessageModel):
        return set()
    return {f.name for f in message.fields if f.oneof == oneof}


# ---------------------------------------------------------------------------------------
# Enum values

_STATUS = """
enum Status {
  STATUS_UNSPECIFIED = 0;
  STATUS_OPEN = 1;
  STATUS_DONE = 2;
}
"""


@rule(
    id="ENUM_VALUE_REMOVED",
    category=Category.WIRE,
    severity=Severity.HIGH,
    on=ElementKind.ENUM_VALUE,
    doc=(
        "An enum value was removed and its number is not reserved: old peers still send it, "
        "JSON parsers reject its name, and a later value may reuse the number."
    ),
    fix=(
        "Keep the value and mark it `[deprecated = true]`; once nobody sends it, remove it "
        'and add `reserved <number>;` and `reserved "<NAME>";` in the same change.'
    ),
    before=proto3(_STATUS),
    after=proto3(_STATUS.replace("  STATUS_DONE = 2;\n", "")),
    buf_rules=(
        "ENUM_VALUE_NO_DELETE",
        "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
        "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
    ),
    quiet_pairs=(
        (proto3(_STATUS), proto3(_STATUS.replace("  STATUS_DONE = 2;\n", "  reserved 2;\n"))),
    ),
)
def enum_value_removed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = value_sides(pair)
    if base is not None and head is None and not value_number_kept(pair.parent_head, base.number):
        yield Hit(
            message=f"enum value {base.fqn} ({base.number}) was removed without reserving its number",
            before=f"{base.name} = {base.number}",
            buf_rules=_value_deletion_buf_rules(base, pair.parent_base, pair.parent_head),
        )


def _value_deletion_buf_rules(
    base: EnumValueModel, enum_base: object, enum_head: object
) -> tuple[str, ...]:
    """buf's enum value rules count a number that left the enum once, whatever its aliases
    (the first of them names the rules); the name-reserved rule lets it go when every
    name it had is reserved."""
    aliases = [
        value.name
        for value in (enum_base.values if isinstance(enum_base, EnumModel) else [base])
        if value.number == base.number
    ]
    if aliases and aliases[0] != base.name:
        return ()
    rules = ["ENUM_VALUE_NO_DELETE", "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED"]
    if not all(name_reserved(enum_head, name) for name in aliases or [base.name]):
        rules.append("ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED")
    return tuple(rules)


@rule(
    id="ENUM_VALUE_NUMBER_CHANGED",
    category=Category.WIRE,
    severity=Severity.CRITICAL,
    on=ElementKind.ENUM_VALUE,
    doc="An enum value kept its name but changed its number: old peers read it as another or an unknown value.",
    fix=(
        "Restore the number. To change it, add a new value with a new name, deprecate the "
        "old one, and reserve its number and name once it is gone."
    ),
    before=proto3(_STATUS),
    after=proto3(_STATUS.replace("STATUS_DONE = 2", "STATUS_DONE = 3")),
    buf_rules=(
        "ENUM_VALUE_NO_DELETE",
        "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
        "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
    ),
)
def enum_value_number_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = value_sides(pair)
    if base is not None and head is not None and base.number != head.number:
        enum = pair.parent_head
        number_gone = not value_number_kept(enum, base.number)
        yield Hit(
            message=f"enum value {head.fqn} changed number from {base.number} to {head.number}",
            before=str(base.number),
            after=str(head.number),
            # buf sees the old number deleted from the enum, and says so at the enum
            location=enum.location if number_gone and enum is not None else None,
            buf_rules=_value_deletion_buf_rules(base, pair.parent_base, enum)
            if number_gone
            else (),
        )


# ---------------------------------------------------------------------------------------
# Reservations and extension ranges

_RESERVED_TASK = """
message Task {
  string id = 1;
  reserved 2, 4 to 6;
  reserved "title";
}
"""

_RESERVED_FIX = (
    "Restore the reservation: reserved numbers and names protect old data from being "
    "misread by a new field. Reservations are only ever added."
)


@rule(
    id="MESSAGE_RESERVED_REMOVED",
    category=Category.WIRE,
    severity=Severity.MEDIUM,
    on=ElementKind.MESSAGE,
    doc="A message dropped reserved numbers or names; a new field may now reuse them and misread old data.",
    fix=_RESERVED_FIX,
    before=proto3(_RESERVED_TASK),
    after=proto3(_RESERVED_TASK.replace("reserved 2, 4 to 6;", "reserved 2;")),
    buf_rules=("RESERVED_MESSAGE_NO_DELETE",),
    quiet_pairs=(
        (
            proto3(_RESERVED_TASK),
            proto3(_RESERVED_TASK.replace("reserved 2, 4 to 6;", "reserved 2, 4, 5 to 8;")),
        ),
    ),
)
def message_reserved_removed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = message_sides(pair)
    if base is not None and head is not None:
        yield from _reserved_hits(
            head.fqn,
            base.reserved_ranges,
            head.reserved_ranges,
            [n for n in base.reserved_names if n not in head.reserved_names],
            reused={f.number: f.name for f in head.fields},
        )


_RESERVED_STATUS = """
enum Status {
  STATUS_UNSPECIFIED = 0;
  reserved 1, 3 to 5;
  reserved "STATUS_OLD";
}
"""


@rule(
    id="ENUM_RESERVED_REMOVED",
    category=Category.WIRE,
    severity=Severity.MEDIUM,
    on=ElementKind.ENUM,
    doc="An enum dropped reserved numbers or names; a new value may now reuse them and misread old data.",
    fix=_RESERVED_FIX,
    before=proto3(_RESERVED_STATUS),
    after=proto3(_RESERVED_STATUS.replace('  reserved "STATUS_OLD";\n', "")),
    buf_rules=("RESERVED_ENUM_NO_DELETE",),
)
def enum_reserved_removed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = enum_sides(pair)
    if base is not None and head is not None:
        yield from _reserved_hits(
            head.fqn,
            base.reserved_ranges,
            head.reserved_ranges,
            [n for n in base.reserved_names if n not in head.reserved_names],
            reused={v.number: v.name for v in head.values},
        )


def _reserved_hits(
    fqn: str,
    before: list[ReservedRange],
    after: list[ReservedRange],
    names: list[str],
    *,
    reused: dict[int, str],
) -> Iterator[Hit]:
    """One hit per reserved range that lost numbers and per dropped name, as buf counts."""
    for reserved in before:
        missing = uncovered([reserved], after)
        if not missing:
            continue
        taken = [
            f"{name} = {number}"
            for number, name in sorted(reused.items())
            if any(number in r for r in missing)
        ]
        now = f"; now reused by {', '.join(taken)}" if taken else ""
        yield Hit(
            message=f"{fqn} no longer reserves numbers {describe_ranges(missing)}{now}",
            kind=f"reserved-range:{reserved.start}-{reserved.end}",
        )
    for name in names:
        yield Hit(
            message=f'{fqn} no longer reserves the name "{name}"', kind=f"reserved-name:{name}"
        )


_EXTENDABLE = proto2(
    """
message Task {
  optional string id = 1;
  extensions 100 to 199;
}
"""
)


@rule(
    id="MESSAGE_EXTENSION_RANGE_REMOVED",
    category=Category.WIRE,
    severity=Severity.HIGH,
    on=ElementKind.MESSAGE,
    doc="A message's extension ranges shrank; extensions declared in them no longer compile and their data reads as unknown.",
    fix="Keep extension ranges as they are; add a new range instead of moving one.",
    before=_EXTENDABLE,
    after=_EXTENDABLE.replace("100 to 199", "100 to 149"),
    buf_rules=("EXTENSION_MESSAGE_NO_DELETE",),
)
def message_extension_range_removed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = message_sides(pair)
    if base is None or head is None:
        return
    for extensions in base.extension_ranges:  # one hit per range that shrank, as buf counts
        missing = uncovered([extensions], head.extension_ranges)
        if missing:
            yield Hit(
                message=f"{head.fqn} no longer accepts extensions {describe_ranges(missing)}",
                kind=f"extension-range:{extensions.start}-{extensions.end}",
            )
