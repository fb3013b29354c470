"""JSON rules: the binary encoding still agrees, but the proto3 JSON mapping does not.

ProtoJSON names fields by their JSON name (`json_name`, else lowerCamelCase of the field
name; parsers also accept the proto name), enum values by their names, writes 64-bit
integers as quoted strings and bytes as base64. A rename or a type change that the wire
shrugs off therefore breaks every JSON client (browsers, gRPC-gateway, Connect).
Severity: HIGH for what JSON clients hit at once, MEDIUM where the wire is already safe
and only the name still escapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from compat_checker.findings import Category, Severity
from compat_checker.rules.common import (
    Impact,
    cardinality_hits,
    describe_type,
    field_sides,
    name_reserved,
    number_reserved,
    proto2,
    proto3,
    type_impact,
    value_number_kept,
    value_sides,
)
from compat_checker.rules.registry import Hit, rule
from protomodel.model import ElementKind, EnumModel, EnumValueModel

if TYPE_CHECKING:
    from compat_checker.diff import DiffContext, ElementPair

_TASK = """
message Task {
  string id = 1;
  string title = 2;
  int32 priority = 3;
  repeated string labels = 4;
}
"""


@rule(
    id="FIELD_RENAMED",
    category=Category.JSON,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "A field kept its number but changed its name and JSON name: JSON clients send and "
        "expect the old key, and generated accessors change (the wire is unaffected)."
    ),
    fix=(
        "Restore the name. To rename, add a new field under a new number, write both, "
        "deprecate the old one; or keep the wire and JSON contract with "
        '`[json_name = "<oldJsonName>"]` and accept the source break.'
    ),
    before=proto3(_TASK),
    after=proto3(_TASK.replace("string title = 2", "string headline = 2")),
    buf_rules=("FIELD_SAME_NAME", "FIELD_SAME_JSON_NAME"),
    quiet_pairs=(
        (
            proto3(_TASK),
            proto3(_TASK.replace("string title = 2", 'string headline = 2 [json_name = "title"]')),
        ),
    ),
)
def field_renamed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if not pair.renamed or base is None or head is None or base.extendee:
        return  # an extension's name is EXTENSION_RENAMED's
    if base.effective_json_name != head.effective_json_name:
        yield Hit(
            message=(
                f"field {base.fqn} ({head.number}) was renamed to {head.name}; "
                f"its JSON name changed from {base.effective_json_name} to {head.effective_json_name}"
            ),
            before=base.name,
            after=head.name,
        )


_EXTENDED = """
message Task {
  optional string id = 1;
  extensions 100 to 199;
}

extend Task {
  optional string owner = 100;
}
"""


@rule(
    id="EXTENSION_RENAMED",
    category=Category.JSON,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "An extension kept its extendee and number but changed its full name (renamed, or "
        "declared in another scope): JSON and text formats key it by that name, so old "
        "readers reject the new key; generated code changes too (the wire is unaffected)."
    ),
    fix=(
        "Restore the name and scope. To rename, declare a new extension under a new "
        "number, write both, deprecate the old one, and reserve its number once unused."
    ),
    before=proto2(_EXTENDED),
    after=proto2(_EXTENDED.replace("string owner", "string assignee")),
    buf_rules=("FIELD_SAME_NAME",),
)
def extension_renamed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if pair.renamed and base is not None and head is not None and base.extendee:
        yield Hit(
            message=(
                f"extension {base.fqn} of {head.extendee} ({head.number}) is now {head.fqn}; "
                f"its JSON key changed from [{base.fqn}] to [{head.fqn}]"
            ),
            before=base.fqn,
            after=head.fqn,
        )


@rule(
    id="FIELD_JSON_NAME_CHANGED",
    category=Category.JSON,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc="A field's JSON name changed (its `json_name` option); JSON clients send and expect the old key.",
    fix=(
        "Restore the JSON name. To change it, add a new field under a new number with the "
        "new name, write both, deprecate the old field and reserve it once unused."
    ),
    before=proto3(_TASK),
    after=proto3(_TASK.replace("string title = 2", 'string title = 2 [json_name = "name"]')),
    buf_rules=("FIELD_SAME_JSON_NAME",),
    quiet_pairs=(
        (
            proto3(_TASK),
            proto3(_TASK.replace("string title = 2", 'string title = 2 [json_name = "title"]')),
        ),
    ),
)
def field_json_name_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if pair.renamed or base is None or head is None:
        return  # a rename is FIELD_RENAMED's
    if base.effective_json_name != head.effective_json_name:
        yield Hit(
            message=(
                f"JSON name of field {head.fqn} changed from {base.effective_json_name} "
                f"to {head.effective_json_name}"
            ),
            before=base.effective_json_name,
            after=head.effective_json_name,
        )


@rule(
    id="FIELD_TYPE_CHANGED_JSON",
    category=Category.JSON,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "A field's type changed within one wire encoding but not one JSON form: int32→int64 "
        "turns a JSON number into a quoted string (and truncates large values for old binary "
        "readers), string↔bytes switches to base64, enum↔integer switches names for numbers. "
        "Generated code changes type as well."
    ),
    fix=(
        "Add a new field with the new type under a new number, write both during the "
        "migration, deprecate the old field, then remove it and reserve its number and name."
    ),
    before=proto3(_TASK),
    after=proto3(_TASK.replace("int32 priority", "int64 priority")),
    buf_rules=("FIELD_SAME_TYPE", "FIELD_WIRE_JSON_COMPATIBLE_TYPE"),
)
def field_type_changed_json(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if base is not None and head is not None and type_impact(ctx, base, head) == Impact.JSON:
        yield Hit(
            message=(
                f"field {head.fqn} changed type from {describe_type(base)} to "
                f"{describe_type(head)}: compatible on the wire, not in JSON or generated code"
            ),
            before=describe_type(base),
            after=describe_type(head),
            buf_rules=(),  # FIELD_TYPE_CLASS_CHANGED names buf's type rules
        )


@rule(
    id="FIELD_CARDINALITY_CHANGED_JSON",
    category=Category.JSON,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "A string, bytes or message field (or an unpacked scalar) switched between singular "
        "and repeated: the wire tolerates it (last one wins), but JSON turns a value into a "
        "list and generated code changes."
    ),
    fix=(
        "Add a new repeated (or singular) field under a new number, write both during the "
        "migration, deprecate the old field, then remove it and reserve its number and name."
    ),
    before=proto3(_TASK),
    after=proto3(_TASK.replace("repeated string labels", "string labels")),
    buf_rules=(
        "FIELD_SAME_CARDINALITY",
        "FIELD_SAME_LABEL",
        "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
    ),
)
def field_cardinality_changed_json(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from cardinality_hits(pair, Impact.JSON)


_REMOVED_AFTER = _TASK.replace("  int32 priority = 3;\n", "  reserved 3;\n")


@rule(
    id="FIELD_REMOVED_NUMBER_RESERVED",
    category=Category.JSON,
    severity=Severity.MEDIUM,
    on=ElementKind.FIELD,
    doc=(
        "A field was removed and its number reserved but not its name: the wire is safe, "
        "but JSON clients that still send the key get a parse error, and generated code "
        "loses the field."
    ),
    fix=(
        'Reserve the name as well (`reserved "<name>";`) so JSON parsers skip the old key; '
        "remove a field only after it has been deprecated and unused."
    ),
    before=proto3(_TASK),
    after=proto3(_REMOVED_AFTER),
    buf_rules=(
        "FIELD_NO_DELETE",
        "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
        "MESSAGE_SAME_REQUIRED_FIELDS",
    ),
    quiet_pairs=(
        (
            proto3(_TASK),
            proto3(_REMOVED_AFTER.replace("reserved 3;", 'reserved 3;\n  reserved "priority";')),
        ),
    ),
)
def field_removed_number_reserved(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if base is None or head is not None:
        return
    if number_reserved(pair.parent_head, base.number) and not name_reserved(
        pair.parent_head, base.name
    ):
        yield Hit(
            message=(
                f"field {base.fqn} ({base.number}) was removed; its number is reserved, "
                f'its name "{base.name}" is not'
            ),
            before=f"{describe_type(base)} {base.name} = {base.number}",
        )


_STATUS = """
enum Status {
  STATUS_UNSPECIFIED = 0;
  STATUS_OPEN = 1;
  STATUS_DONE = 2;
}
"""


@rule(
    id="ENUM_VALUE_RENAMED",
    category=Category.JSON,
    severity=Severity.HIGH,
    on=ElementKind.ENUM_VALUE,
    doc=(
        "An enum value kept its number but changed its name: JSON carries enum values by "
        "name, so old JSON clients send and expect the old one; generated constants change."
    ),
    fix=(
        "Restore the name. To rename, add the new name as an alias (`option allow_alias = "
        "true;`, same number), deprecate the old name, and remove it in a later release."
    ),
    before=proto3(_STATUS),
    after=proto3(_STATUS.replace("STATUS_DONE = 2", "STATUS_COMPLETED = 2")),
    buf_rules=("ENUM_VALUE_SAME_NAME",),
)
def enum_value_renamed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = value_sides(pair)
    if not (pair.renamed and base is not None and head is not None):
        return
    enum = pair.parent_head
    if isinstance(enum, EnumModel) and not ctx.type_is_used(enum.fqn):
        # A bitmask helper enum (`LogRecordFlags` beside a `fixed32 flags` field): JSON
        # never carries it, only the generated constants change.
        yield Hit(
            message=(
                f"enum value {base.fqn} ({head.number}) was renamed to {head.name}; no field "
                f"or RPC uses {enum.name}, so JSON is unaffected, but generated constants "
                "change (a source break)"
            ),
            severity=Severity.MEDIUM,
            before=base.name,
            after=head.name,
        )
        yield from _aliases_of_renamed(pair, head)
        return
    yield Hit(
        message=f"enum value {base.fqn} ({head.number}) was renamed to {head.name}",
        before=base.name,
        after=head.name,
    )
    yield from _aliases_of_renamed(pair, head)


def _aliases_of_renamed(pair: ElementPair, head: EnumValueModel) -> Iterator[Hit]:
    """buf reports a number whose old names are not all still there at every value that
    now has it: the renamed value's aliases get a note of their own (the rename blocks)."""
    enum = pair.parent_head
    if not isinstance(enum, EnumModel):
        return
    for alias in enum.values:
        if alias.number == head.number and alias.name != head.name:
            yield Hit(
                message=(
                    f"enum value {alias.fqn} ({alias.number}) is an alias of renamed "
                    f"{head.fqn}: the names of number {alias.number} changed"
                ),
                element=alias.fqn,
                location=alias.location,
                severity=Severity.LOW,
                is_breaking=False,
                kind="alias_of_renamed",
                buf_rules=("ENUM_VALUE_SAME_NAME",),
            )


_VALUE_REMOVED_AFTER = _STATUS.replace("  STATUS_DONE = 2;\n", "  reserved 2;\n")


@rule(
    id="ENUM_VALUE_REMOVED_NUMBER_RESERVED",
    category=Category.JSON,
    severity=Severity.MEDIUM,
    on=ElementKind.ENUM_VALUE,
    doc=(
        "An enum value was removed and its number reserved but not its name: the wire is "
        "safe, but JSON clients that still send the name get a parse error."
    ),
    fix=(
        'Reserve the name as well (`reserved "<NAME>";`); remove a value only after it has '
        "been deprecated and unused."
    ),
    before=proto3(_STATUS),
    after=proto3(_VALUE_REMOVED_AFTER),
    buf_rules=("ENUM_VALUE_NO_DELETE", "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED"),
    quiet_pairs=(
        (
            proto3(_STATUS),
            proto3(
                _VALUE_REMOVED_AFTER.replace(
                    "reserved 2;", 'reserved 2;\n  reserved "STATUS_DONE";'
                )
            ),
        ),
    ),
)
def enum_value_removed_number_reserved(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = value_sides(pair)
    if base is None or head is not None:
        return
    if value_number_kept(pair.parent_head, base.number) and not name_reserved(
        pair.parent_head, base.name
    ):
        yield Hit(
            message=(
                f"enum value {base.fqn} ({base.number}) was removed; its number stays taken, "
                f'its name "{base.name}" is not'
            ),
            before=f"{base.name} = {base.number}",
        )
