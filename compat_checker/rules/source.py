"""SOURCE rules: wire and JSON still agree, but generated code stops compiling.

Types, accessors and import paths are what generated code is made of: a removed message,
a type that moved to another file (C++ includes, Python modules, Java outer classes), a
field whose generated type or presence API changed. Severity: HIGH when a whole type is
gone, MEDIUM for what a code change on the client side fixes, LOW for the last step of a
correct deprecation (the field is gone, its number and name are reserved).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from compat_checker.findings import Category, Severity
from compat_checker.rules.common import (
    Impact,
    deletion_hits,
    describe_type,
    enum_sides,
    field_sides,
    file_sides,
    message_sides,
    name_reserved,
    number_reserved,
    proto3,
    type_impact,
    value_number_kept,
    value_sides,
)
from compat_checker.rules.registry import Hit, rule
from protomodel.model import (
    Element,
    ElementKind,
    FileModel,
    Label,
    MessageModel,
    OneofModel,
    Presence,
)

if TYPE_CHECKING:
    from compat_checker.diff import DiffContext, ElementPair

# ---------------------------------------------------------------------------------------
# Files and moves

_TASK_FILE = proto3("message Task {\n  string id = 1;\n}")


@rule(
    id="FILE_MOVED",
    category=Category.SOURCE,
    severity=Severity.MEDIUM,
    on=ElementKind.FILE,
    doc=(
        "A .proto file was renamed, or deleted with everything it declared now declared "
        "elsewhere: the wire is unchanged, but every `import` of it and the generated "
        "modules, headers and outer classes named after it break."
    ),
    fix=(
        'Keep the old file as a forwarding shim (`import public "<new path>";`) for a '
        "release, move importers to the new path, then delete it."
    ),
    before="// file: acme/v1/task.proto\n" + _TASK_FILE,
    after="// file: acme/v1/tasks.proto\n" + _TASK_FILE,
    buf_rules=("FILE_NO_DELETE",),
)
def file_moved(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = file_sides(pair)
    if base is None:
        return
    if head is not None:
        # A file whose import path stayed (a v1beta1 `roots:` directory that became the
        # module root) moved nowhere an importer or buf can see.
        if pair.renamed and base.name != head.name:
            yield Hit(
                message=f"file {base.repo_path} was renamed to {head.repo_path}",
                element=base.repo_path,  # what importers name, and what buf reports
                before=base.repo_path,
                after=head.repo_path,
            )
        return
    top_level = [*base.messages, *base.enums, *base.services, *base.extensions]
    homes = [ctx.head.file_of(element.fqn) for element in top_level]
    if top_level and all(home is not None for home in homes):
        where = sorted({home.repo_path for home in homes if home is not None})
        yield Hit(
            message=f"file {base.repo_path} was deleted; its declarations moved to {', '.join(where)}",
            before=base.repo_path,
            after=", ".join(where),
        )


_SYNTAX_BODY = "message Task {\n  Note note = 1;\n}\n\nmessage Note {\n  string text = 1;\n}"


@rule(
    id="FILE_SYNTAX_CHANGED",
    category=Category.SOURCE,
    severity=Severity.MEDIUM,
    on=ElementKind.FILE,
    doc=(
        "A file's syntax or edition changed: defaults for presence, packing, UTF-8 checks "
        "and enum openness change with it, and so does the generated code."
    ),
    fix=(
        "Migrate syntax or editions on its own, with a change that keeps each field's "
        "behaviour (explicit features or options), and check the field-level findings."
    ),
    before=proto3(_SYNTAX_BODY),
    after=proto3(_SYNTAX_BODY).replace('syntax = "proto3";', 'edition = "2023";'),
    buf_rules=("FILE_SAME_SYNTAX",),
)
def file_syntax_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = file_sides(pair)
    if base is None or head is None:
        return
    before, after = _syntax(base), _syntax(head)
    if before != after:
        yield Hit(
            message=f"{head.repo_path} changed from {before} to {after}",
            before=before,
            after=after,
        )


def _syntax(file: FileModel) -> str:
    return f"edition {file.edition}" if file.syntax == "editions" else file.syntax


_MOVE_BEFORE = (
    "// file: acme/v1/task.proto\n"
    + proto3(
        "message Task {\n  string id = 1;\n}\n\n"
        "message Note {\n  string text = 1;\n}\n\n"
        "enum Status {\n  STATUS_UNSPECIFIED = 0;\n}\n\n"
        "service TaskService {\n  rpc GetTask(Task) returns (Task);\n}"
    )
    + "// file: acme/v1/other.proto\n"
    + proto3('import "acme/v1/task.proto";\n\nmessage Other {\n  Task task = 1;\n}')
)
_MOVE_AFTER = (
    "// file: acme/v1/task.proto\n"
    + proto3("message Task {\n  string id = 1;\n}")
    + "// file: acme/v1/other.proto\n"
    + proto3(
        'import "acme/v1/task.proto";\n\nmessage Other {\n  Task task = 1;\n}\n\n'
        "message Note {\n  string text = 1;\n}\n\n"
        "enum Status {\n  STATUS_UNSPECIFIED = 0;\n}\n\n"
        "service TaskService {\n  rpc GetTask(Task) returns (Task);\n}"
    )
)
_MOVE_FIX = (
    "Declare new types in the file where they belong from the start; to move one, add it "
    "under a new name (or new package version) in the new file, migrate users, then "
    "remove the old one."
)


def _moved_hit(pair: ElementPair, ctx: DiffContext, what: str) -> Iterator[Hit]:
    """The move, reported as buf reports it: in the file that lost the type (it survives,
    else this is no move), at file level, once for the type and once for each message, enum
    and extension declared inside it (buf's *_NO_DELETE rules compare each file's nested
    names)."""
    if not (pair.moved and pair.base_file is not None and pair.head_file is not None):
        return
    old_path, new_path = pair.base_file.repo_path, pair.head_file.repo_path
    lost_from = next((f for f in ctx.head.files.values() if f.repo_path == old_path), None)
    place = lost_from.location if lost_from is not None else None
    yield Hit(
        message=f"{what} {pair.element.fqn} moved from {old_path} to {new_path}",
        location=place,
        repo_path=old_path,
        before=old_path,
        after=new_path,
        buf_rules=(f"{what.upper()}_NO_DELETE",),
    )
    if not isinstance(pair.element, MessageModel):
        return
    for inner, buf_rule in _declared_inside(pair.element):
        yield Hit(
            message=(
                f"{inner.fqn} moved with {what} {pair.element.fqn} from {old_path} to {new_path}"
            ),
            element=inner.fqn,
            location=place,
            repo_path=old_path,
            severity=Severity.LOW,
            is_breaking=False,  # a note next to the move, which blocks
            kind=f"moved_inside:{buf_rule}",
            before=old_path,
            after=new_path,
            buf_rules=(buf_rule,),
        )


def _declared_inside(message: MessageModel) -> Iterator[tuple[Element, str]]:
    """Every message, enum and extension declared in `message` (at any depth), with the buf
    rule that reports it deleted from its file."""
    for extension in message.extensions:
        yield extension, "EXTENSION_NO_DELETE"
    for enum in message.enums:
        yield enum, "ENUM_NO_DELETE"
    for nested in message.messages:
        yield nested, "MESSAGE_NO_DELETE"
        yield from _declared_inside(nested)


@rule(
    id="MESSAGE_MOVED",
    category=Category.SOURCE,
    severity=Severity.MEDIUM,
    on=ElementKind.MESSAGE,
    doc="A message moved to another file: same FQN and wire, but generated code's file, include and import change.",
    fix=_MOVE_FIX,
    before=_MOVE_BEFORE,
    after=_MOVE_AFTER,
    buf_rules=("MESSAGE_NO_DELETE", "ENUM_NO_DELETE", "EXTENSION_NO_DELETE"),
)
def message_moved(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from _moved_hit(pair, ctx, "message")


@rule(
    id="ENUM_MOVED",
    category=Category.SOURCE,
    severity=Severity.MEDIUM,
    on=ElementKind.ENUM,
    doc="An enum moved to another file: same FQN and wire, but generated code's file, include and import change.",
    fix=_MOVE_FIX,
    before=_MOVE_BEFORE,
    after=_MOVE_AFTER,
    buf_rules=("ENUM_NO_DELETE",),
)
def enum_moved(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from _moved_hit(pair, ctx, "enum")


@rule(
    id="SERVICE_MOVED",
    category=Category.SOURCE,
    severity=Severity.MEDIUM,
    on=ElementKind.SERVICE,
    doc="A service moved to another file: same RPC paths, but generated stubs' file, include and import change.",
    fix=_MOVE_FIX,
    before=_MOVE_BEFORE,
    after=_MOVE_AFTER,
    buf_rules=("SERVICE_NO_DELETE",),
)
def service_moved(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from _moved_hit(pair, ctx, "service")


# ---------------------------------------------------------------------------------------
# Messages and enums

_TYPES = """
message Task {
  string id = 1;
}

message Note {
  string text = 1;
}

enum Status {
  STATUS_UNSPECIFIED = 0;
}
"""


@rule(
    id="MESSAGE_REMOVED",
    category=Category.SOURCE,
    severity=Severity.HIGH,
    on=ElementKind.MESSAGE,
    doc=(
        "A message was removed: code that uses its generated class stops compiling, and "
        "Any values or stored data of that type can no longer be decoded by name."
    ),
    fix=(
        "Deprecate the message (`option deprecated = true;`) and stop referencing it; "
        "remove it in a later release once no client uses it."
    ),
    before=proto3(_TYPES),
    after=proto3(_TYPES.replace("message Note {\n  string text = 1;\n}\n\n", "")),
    buf_rules=(
        "MESSAGE_NO_DELETE",
        "PACKAGE_MESSAGE_NO_DELETE",
        "ENUM_NO_DELETE",
        "PACKAGE_ENUM_NO_DELETE",
        "EXTENSION_NO_DELETE",
        "PACKAGE_EXTENSION_NO_DELETE",
    ),
)
def message_removed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = message_sides(pair)
    if base is None or head is not None:
        return
    yield from deletion_hits(
        pair,
        ctx,
        base.fqn,
        Hit(message=f"message {base.fqn} was removed", kind="message_removed"),
        ("MESSAGE_NO_DELETE",),
        ("PACKAGE_MESSAGE_NO_DELETE",),
        package_anywhere=True,
    )
    # buf reports each message, enum and extension declared inside as deleted too: notes
    # next to the finding that blocks
    for inner, file_rule in _declared_inside(base):
        yield from deletion_hits(
            pair,
            ctx,
            inner.fqn,
            Hit(
                message=f"{inner.fqn} went with message {base.fqn}",
                element=inner.fqn,
                severity=Severity.LOW,
                is_breaking=False,
                kind="removed_inside",
            ),
            (file_rule,),
            (f"PACKAGE_{file_rule}",),
            package_anywhere=isinstance(inner, MessageModel),
        )


@rule(
    id="ENUM_REMOVED",
    category=Category.SOURCE,
    severity=Severity.HIGH,
    on=ElementKind.ENUM,
    doc="An enum was removed: code that uses its generated type and constants stops compiling.",
    fix=(
        "Deprecate the enum (`option deprecated = true;`) and stop referencing it; remove "
        "it in a later release once no client uses it."
    ),
    before=proto3(_TYPES),
    after=proto3(_TYPES.replace("\n\nenum Status {\n  STATUS_UNSPECIFIED = 0;\n}", "")),
    buf_rules=("ENUM_NO_DELETE", "PACKAGE_ENUM_NO_DELETE"),
)
def enum_removed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = enum_sides(pair)
    if base is not None and head is None:
        yield from deletion_hits(
            pair,
            ctx,
            base.fqn,
            Hit(message=f"enum {base.fqn} was removed", kind="enum_removed"),
            ("ENUM_NO_DELETE",),
            ("PACKAGE_ENUM_NO_DELETE",),
        )


_ONEOF = """
message Task {
  string id = 1;
  oneof owner {
    string user_id = 2;
    string team_id = 3;
  }
}
"""


@rule(
    id="ONEOF_REMOVED",
    category=Category.SOURCE,
    severity=Severity.MEDIUM,
    on=ElementKind.ONEOF,
    doc="A oneof was removed or renamed: its generated case enum and accessors disappear.",
    fix=(
        "Keep the oneof and its name; deprecate its members instead, and add new fields "
        "elsewhere when the shape must change."
    ),
    before=proto3(_ONEOF),
    after=proto3(_ONEOF.replace("oneof owner", "oneof assignee")),
    buf_rules=("ONEOF_NO_DELETE",),
)
def oneof_removed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    if pair.base is None or pair.head is not None:
        return
    members = _members(pair.parent_base, pair.base.name)
    renamed_to = next(
        (
            oneof.name
            for oneof in _oneofs(pair.parent_head)
            if members and _members(pair.parent_head, oneof.name) == members
        ),
        None,
    )
    if renamed_to is not None:
        yield Hit(message=f"oneof {pair.base.fqn} was renamed to {renamed_to}")
    else:
        yield Hit(message=f"oneof {pair.base.fqn} was removed")


def _oneofs(message: Element | None) -> list[OneofModel]:
    return message.oneofs if isinstance(message, MessageModel) else []


def _members(message: Element | None, oneof: str) -> set[str]:
    if not isinstance(message, MessageModel):
        return set()
    return {f.name for f in message.fields if f.oneof == oneof}


# ---------------------------------------------------------------------------------------
# Fields

_TASK = """
message Task {
  string id = 1;
  string title = 2;
  int32 priority = 3;
}
"""


@rule(
    id="FIELD_RENAMED_SOURCE",
    category=Category.SOURCE,
    severity=Severity.MEDIUM,
    on=ElementKind.FIELD,
    doc=(
        "A field was renamed but kept its JSON name (via `json_name`): wire and JSON "
        "output agree, but generated accessors change (and JSON input using the proto name breaks)."
    ),
    fix=(
        "Keep the old name; if the new one matters, add a new field, write both, "
        "deprecate the old one and reserve it once unused."
    ),
    before=proto3(_TASK),
    after=proto3(_TASK.replace("string title = 2", 'string headline = 2 [json_name = "title"]')),
    buf_rules=("FIELD_SAME_NAME",),
)
def field_renamed_source(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if not pair.renamed or base is None or head is None or base.extendee:
        return  # an extension's name is EXTENSION_RENAMED's
    if base.effective_json_name == head.effective_json_name:
        yield Hit(
            message=(
                f"field {base.fqn} ({head.number}) was renamed to {head.name}; "
                f"its JSON name {head.effective_json_name} is kept"
            ),
            before=base.name,
            after=head.name,
        )


@rule(
    id="FIELD_TYPE_CHANGED_SOURCE",
    category=Category.SOURCE,
    severity=Severity.MEDIUM,
    on=ElementKind.FIELD,
    doc=(
        "A field's type changed within one wire encoding and one JSON form (int32↔uint32, "
        "fixed32↔sfixed32): bytes still decode, though values outside the shared range "
        "change sign; generated code changes type."
    ),
    fix=(
        "Add a new field with the new type under a new number, write both during the "
        "migration, deprecate the old field, then remove it and reserve its number and name."
    ),
    before=proto3(_TASK),
    after=proto3(_TASK.replace("int32 priority", "uint32 priority")),
    buf_rules=("FIELD_SAME_TYPE",),
)
def field_type_changed_source(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if base is not None and head is not None and type_impact(ctx, base, head) == Impact.SOURCE:
        yield Hit(
            message=(
                f"field {head.fqn} changed type from {describe_type(base)} to "
                f"{describe_type(head)}: wire and JSON compatible, generated code is not"
            ),
            before=describe_type(base),
            after=describe_type(head),
            buf_rules=(),  # FIELD_TYPE_CLASS_CHANGED names buf's type rules
        )


_PRESENCE_KINDS = {Presence.EXPLICIT, Presence.IMPLICIT}


@rule(
    id="FIELD_PRESENCE_CHANGED",
    category=Category.SOURCE,
    severity=Severity.MEDIUM,
    on=ElementKind.FIELD,
    doc=(
        "A singular field switched between implicit and explicit presence (proto3 "
        "`optional` added or removed): the bytes are the same, but has-accessors appear or "
        "vanish (Go switches to pointers), and a zero value is now sent or dropped."
    ),
    fix=(
        "Keep the field's presence; if presence is needed, add a new `optional` field under "
        "a new number, migrate, deprecate the old field and reserve it."
    ),
    before=proto3(_TASK),
    after=proto3(_TASK.replace("int32 priority", "optional int32 priority")),
    buf_rules=("FIELD_SAME_CARDINALITY",),
)
def field_presence_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if base is None or head is None or base.oneof != head.oneof:
        return  # a oneof move changes presence too: FIELD_ONEOF_CHANGED's
    if Label.REPEATED in (base.label, head.label):
        return
    if {base.presence, head.presence} == _PRESENCE_KINDS:
        yield Hit(
            message=(
                f"field {head.fqn} changed from {base.presence.value} to "
                f"{head.presence.value} presence"
            ),
            before=base.presence.value,
            after=head.presence.value,
            buf_rules=(),  # FIELD_SAME_CARDINALITY: FIELD_CARDINALITY_CLASS_CHANGED names it
        )


_RESERVED_AFTER = _TASK.replace(
    "  int32 priority = 3;\n", '  reserved 3;\n  reserved "priority";\n'
)


@rule(
    id="FIELD_REMOVED_RESERVED",
    category=Category.SOURCE,
    severity=Severity.LOW,
    on=ElementKind.FIELD,
    doc=(
        "A field was removed with its number and name reserved: the wire and JSON are "
        "safe, but generated code that still uses the field stops compiling."
    ),
    fix=(
        "This is the last step of a deprecation: ship it once no client code uses the "
        "field (it was deprecated for at least a release), with an approved breaking change."
    ),
    before=proto3(_TASK),
    after=proto3(_RESERVED_AFTER),
    buf_rules=("FIELD_NO_DELETE", "MESSAGE_SAME_REQUIRED_FIELDS"),
)
def field_removed_reserved(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if base is None or head is not None:
        return
    if number_reserved(pair.parent_head, base.number) and name_reserved(
        pair.parent_head, base.name
    ):
        deprecated = " (it was deprecated)" if base.deprecated else ""
        yield Hit(
            message=f"field {base.fqn} ({base.number}) was removed; its number and name are reserved{deprecated}",
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
    id="ENUM_VALUE_REMOVED_RESERVED",
    category=Category.SOURCE,
    severity=Severity.LOW,
    on=ElementKind.ENUM_VALUE,
    doc=(
        "An enum value was removed with its number and name reserved: the wire and JSON "
        "are safe, but generated code that still uses the constant stops compiling."
    ),
    fix=(
        "This is the last step of a deprecation: ship it once no client code uses the "
        "value (it was deprecated for at least a release), with an approved breaking change."
    ),
    before=proto3(_STATUS),
    after=proto3(
        _STATUS.replace("  STATUS_DONE = 2;\n", '  reserved 2;\n  reserved "STATUS_DONE";\n')
    ),
    buf_rules=("ENUM_VALUE_NO_DELETE",),
)
def enum_value_removed_reserved(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = value_sides(pair)
    if base is None or head is not None:
        return
    if value_number_kept(pair.parent_head, base.number) and name_reserved(
        pair.parent_head, base.name
    ):
        yield Hit(
            message=f"enum value {base.fqn} ({base.number}) was removed; its number and name are reserved",
            before=f"{base.name} = {base.number}",
        )
