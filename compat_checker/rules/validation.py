"""VALIDATION rules: the server starts rejecting requests it used to accept.

protoc-gen-validate and protovalidate rules are read into one set of constraints
(`_constraints`), so a tightening is found whichever library declares it, and moving a
rule from one library to the other unchanged is no change at all.

Where the rule sits decides the verdict (`_reach`): on a message reachable from an RPC
request a tightening is breaking (HIGH; MEDIUM when it is a CEL expression or a changed
pattern we cannot prove stricter); on a message only used in responses it is a LOW
warning; with no RPC in view it is judged as a request. Loosening is INFO.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from compat_checker.findings import Category, Severity
from compat_checker.rules._constraints import (
    Delta,
    Family,
    compare,
    field_constraints,
    message_constraints,
    message_validation_skipped,
    oneof_constraints,
)
from compat_checker.rules._fixtures import PGV, PROTOVALIDATE, with_service
from compat_checker.rules._reach import Side, pair_side, tightening_hit
from compat_checker.rules.common import field_sides, message_sides
from compat_checker.rules.registry import Hit, rule
from protomodel.model import ElementKind, FieldModel, MessageModel, OneofModel, Presence

if TYPE_CHECKING:
    from compat_checker.diff import DiffContext, ElementPair

# A tightening we cannot prove (CEL, a changed regex) still blocks, one notch lower.
_POTENTIAL_SEVERITY = Severity.MEDIUM
_POTENTIAL_NOTE = "potential: review whether every value accepted before still passes"

_NEW_VERSION_FIX = (
    "Old clients keep sending what used to pass. Ship the stricter rule in a new API "
    "version (or a new field/RPC that has it from the start), keep the old one accepting "
    "what it accepted, move clients over, then retire the old version."
)


# ---------------------------------------------------------------------------------------
# Shared


def _field_deltas(pair: ElementPair) -> list[Delta]:
    """Constraint differences of a field pair; nothing when the field is gone or its
    message no longer validates at all (the message-level rule reports that)."""
    base, head = field_sides(pair)
    if head is None or _validation_disabled(pair.parent_head):
        return []
    before = field_constraints(base) if base is not None else {}
    after = field_constraints(head)
    if not before and not after:
        return []
    return compare(before, after, head)


def _validation_disabled(message: object) -> bool:
    return isinstance(message, MessageModel) and message_validation_skipped(message)


def _family_tightened(
    pair: ElementPair, ctx: DiffContext, family: Family, what: str
) -> Iterator[Hit]:
    """One hit listing every tightening of ``family`` on an existing field."""
    base, head = field_sides(pair)
    if base is None or head is None:
        return  # new fields bind old clients only when they become required
    deltas = [d for d in _field_deltas(pair) if d.family == family and d.tightens]
    if deltas:
        yield _tightened_hit(pair, ctx, f"{what} of {head.fqn} tightened", deltas)


def _tightened_hit(pair: ElementPair, ctx: DiffContext, summary: str, deltas: list[Delta]) -> Hit:
    side = pair_side(ctx, pair)
    changes = "; ".join(d.describe() for d in deltas)
    note = f" ({_POTENTIAL_NOTE})" if any(d.potential for d in deltas) else ""
    hit = tightening_hit(
        f"{summary}: {changes}{note}",
        side,
        before="; ".join(d.before for d in deltas),
        after="; ".join(d.after for d in deltas),
    )
    if all(d.potential for d in deltas):
        hit = replace(hit, potential=True)
        if side != Side.RESPONSE:
            hit = replace(hit, severity=_POTENTIAL_SEVERITY)
    return hit


# ---------------------------------------------------------------------------------------
# Fixtures

_TASK_REQUEST = """
message CreateTaskRequest {{
  string title = 1{title};
  int32 priority = 2{priority};
  repeated string labels = 3{labels};
  Status status = 4{status};
}}

enum Status {{
  STATUS_UNSPECIFIED = 0;
  STATUS_OPEN = 1;
  STATUS_DONE = 2;
}}

message Task {{
  string title = 1;
}}
"""


def _request(**options: str) -> str:
    """The request fixture, with validation options per field (``title``, ``priority``…)."""
    filled = {name: "" for name in ("title", "priority", "labels", "status")}
    filled.update({name: f" [{value}]" for name, value in options.items()})
    return with_service(_TASK_REQUEST.format(**filled), PGV, PROTOVALIDATE)


def _request_with_field(declaration: str) -> str:
    """The request fixture with one more field."""
    body = _TASK_REQUEST.format(title="", priority="", labels="", status="").replace(
        "  Status status = 4;\n", f"  Status status = 4;\n  {declaration};\n"
    )
    return with_service(body, PGV, PROTOVALIDATE)


_PLAIN = _request()


# ---------------------------------------------------------------------------------------
# Required


@rule(
    id="VALIDATION_REQUIRED_ADDED",
    category=Category.VALIDATION,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "A field became required by its validation rules (PGV `message.required`, "
        "protovalidate `required`, or any new rule its unset / empty value fails, such as "
        "`min_len: 1`, `min_items: 1` or `email: true`), or a new field on an existing "
        "message is: old clients that leave it unset are now rejected."
    ),
    fix=(
        "Keep the field optional and default it on the server, or add it as optional now "
        "and require it only in a new API version once every client sends it."
    ),
    before=_PLAIN,
    after=_request_with_field("Task metadata = 5 [(validate.rules).message.required = true]"),
    quiet_pairs=(
        # A new field whose rules accept its unset value.
        (_PLAIN, _request_with_field("string note = 5 [(validate.rules).string.max_len = 10]")),
        # A new field skipped when empty.
        (
            _PLAIN,
            _request_with_field(
                "string request_id = 5 [(buf.validate.field).string.uuid = true, "
                "(buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE]"
            ),
        ),
        # The same rule moved from protoc-gen-validate to protovalidate.
        (
            _request(title="(validate.rules).string.min_len = 1"),
            _request(title="(buf.validate.field).string.min_len = 1"),
        ),
        # Loosening.
        (_request(title="(buf.validate.field).required = true"), _PLAIN),
        # A new request message with required fields binds no old client.
        (
            _PLAIN,
            _PLAIN
            + "\nmessage ArchiveTaskRequest {\n"
            + "  string name = 1 [(buf.validate.field).required = true];\n}\n",
        ),
    ),
)
def validation_required_added(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if head is None:
        return
    deltas = [d for d in _field_deltas(pair) if d.family == Family.REQUIRED and d.tightens]
    if not deltas:
        return
    if base is None:
        summary = (
            f"new field {head.fqn} is required by its validation rules, old clients never set it"
        )
    else:
        summary = f"field {head.fqn} became required: its unset or empty value is now rejected"
    yield _tightened_hit(pair, ctx, summary, deltas)


# ---------------------------------------------------------------------------------------
# Tightening by kind of rule


@rule(
    id="VALIDATION_STRING_TIGHTENED",
    category=Category.VALIDATION,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "String or bytes rules of a field got stricter: min/max length or bytes, `len`, "
        "`pattern` added or changed, `prefix`/`suffix`/`contains`/`not_contains`, a "
        "well-known format (`email`, `uri`, `uuid`, `hostname`, `ip`…), `in` shrunk, "
        "`not_in` grown, `const` added."
    ),
    fix=_NEW_VERSION_FIX,
    before=_request(title="(validate.rules).string.max_len = 200"),
    after=_request(title="(validate.rules).string = {max_len: 100, pattern: '^[a-z ]*$'}"),
    quiet_pairs=(
        (
            _request(title="(validate.rules).string.max_len = 100"),
            _request(title="(validate.rules).string.max_len = 200"),
        ),
        (
            _request(title="(validate.rules).string.max_len = 100"),
            _request(title="(buf.validate.field).string.max_len = 100"),
        ),
    ),
)
def validation_string_tightened(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from _family_tightened(pair, ctx, Family.STRING, "string rules")


@rule(
    id="VALIDATION_NUMBER_TIGHTENED",
    category=Category.VALIDATION,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "Numeric, bool, duration or timestamp rules of a field got stricter: a range "
        "bound (`gt`/`gte`/`lt`/`lte`, `within`) moved inward or appeared, `in` shrunk, "
        "`not_in` grown, `const`, `finite`, `lt_now`/`gt_now` added."
    ),
    fix=_NEW_VERSION_FIX,
    before=_request(priority="(validate.rules).int32 = {gte: 0, lte: 10}"),
    after=_request(priority="(buf.validate.field).int32 = {gte: 0, lt: 5}"),
    quiet_pairs=(
        (
            _request(priority="(validate.rules).int32 = {gt: 0, lte: 5}"),
            _request(priority="(validate.rules).int32 = {gte: 1, lte: 10}"),
        ),
    ),
)
def validation_number_tightened(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from _family_tightened(pair, ctx, Family.NUMBER, "numeric rules")


@rule(
    id="VALIDATION_COLLECTION_TIGHTENED",
    category=Category.VALIDATION,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "Repeated or map rules of a field got stricter: `min_items`/`max_items`, "
        "`min_pairs`/`max_pairs`, `unique`, `no_sparse`, or the rules of its items, keys "
        "or values."
    ),
    fix=_NEW_VERSION_FIX,
    before=_request(labels="(validate.rules).repeated.max_items = 20"),
    after=_request(
        labels="(validate.rules).repeated = {max_items: 10, unique: true, items: {string: {max_len: 30}}}"
    ),
    quiet_pairs=(
        (
            _request(labels="(validate.rules).repeated.max_items = 10"),
            _request(labels="(validate.rules).repeated.max_items = 20"),
        ),
    ),
)
def validation_collection_tightened(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from _family_tightened(pair, ctx, Family.COLLECTION, "repeated/map rules")


@rule(
    id="VALIDATION_ENUM_TIGHTENED",
    category=Category.VALIDATION,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "Enum rules of a field got stricter (`defined_only` added, `in` shrunk, `not_in` "
        "grown, `const` added), or the allowed type URLs of an Any or paths of a FieldMask."
    ),
    fix=_NEW_VERSION_FIX,
    before=_request(status="(validate.rules).enum = {not_in: [2]}"),
    after=_request(status="(buf.validate.field).enum = {defined_only: true, not_in: [1, 2]}"),
    quiet_pairs=(
        (
            _request(status="(validate.rules).enum = {in: [1]}"),
            _request(status="(validate.rules).enum = {in: [1, 2]}"),
        ),
    ),
)
def validation_enum_tightened(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from _family_tightened(pair, ctx, Family.ENUM, "enum rules")


@rule(
    id="VALIDATION_EXEMPTION_NARROWED",
    category=Category.VALIDATION,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "A field's rules are skipped in fewer cases: protovalidate `ignore` removed or "
        "narrowed, PGV `ignore_empty` or `message.skip` removed, `strict: false` removed. "
        "Values that used to be skipped are now validated."
    ),
    fix=_NEW_VERSION_FIX,
    before=_request(
        title="(buf.validate.field).string.uuid = true, (buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE"
    ),
    after=_request(title="(buf.validate.field).string.uuid = true"),
    quiet_pairs=(
        (
            _request(title="(buf.validate.field).string.uuid = true"),
            _request(
                title="(buf.validate.field).string.uuid = true, (buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE"
            ),
        ),
    ),
)
def validation_exemption_narrowed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    yield from _family_tightened(pair, ctx, Family.EXEMPT, "validation skip conditions")


# ---------------------------------------------------------------------------------------
# CEL and predefined rules


@rule(
    id="VALIDATION_CEL_CHANGED",
    potential=True,
    category=Category.VALIDATION,
    severity=_POTENTIAL_SEVERITY,
    on=ElementKind.FIELD,
    doc=(
        "A field's CEL rule (`cel`, `cel_expression`) or predefined rule was added or "
        "changed. Whether it rejects values that used to pass cannot be decided from the "
        "schema, so this is a potential break for review."
    ),
    fix=(
        "Check the new expression against real traffic first (log violations without "
        "rejecting), then enforce it in a new API version or once no client sends failing "
        "values."
    ),
    before=_request(
        title='(buf.validate.field).cel = {id: "title.trimmed", expression: "this == this.trim()"}'
    ),
    after=_request(
        title='(buf.validate.field).cel = {id: "title.trimmed", expression: "this.size() < 50"}'
    ),
    quiet_pairs=(
        # Only the error message changed.
        (
            _request(
                title='(buf.validate.field).cel = {id: "t", message: "bad", expression: "this != \\"x\\""}'
            ),
            _request(
                title='(buf.validate.field).cel = {id: "t", message: "nope", expression: "this != \\"x\\""}'
            ),
        ),
        # A new message-typed field with CEL: unset, its rules are skipped.
        (
            _PLAIN,
            _request_with_field(
                'Task task = 5 [(buf.validate.field).cel = {id: "t", expression: "true"}]'
            ),
        ),
    ),
)
def validation_cel_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if head is None:
        return
    if base is None and not _unset_value_checked(head):
        return
    deltas = [d for d in _field_deltas(pair) if d.family == Family.CUSTOM and d.tightens]
    if deltas:
        what = "new field" if base is None else "field"
        yield _tightened_hit(
            pair, ctx, f"CEL/predefined rules of {what} {head.fqn} changed", deltas
        )


def _unset_value_checked(field_model: FieldModel) -> bool:
    """Whether rules see a field an old client never sets (explicit presence: skipped)."""
    return field_model.presence != Presence.EXPLICIT


# ---------------------------------------------------------------------------------------
# Loosening


@rule(
    id="VALIDATION_RULES_LOOSENED",
    category=Category.VALIDATION,
    severity=Severity.INFO,
    breaking=False,
    on=ElementKind.FIELD,
    doc="A field's validation rules got looser: everything accepted before still is.",
    fix=(
        "Nothing to do for compatibility; make sure the server and stored data can take "
        "the newly allowed values."
    ),
    before=_request(title="(validate.rules).string.max_len = 100"),
    after=_request(title="(validate.rules).string.max_len = 200"),
    quiet_pairs=(
        (
            _request(title="(validate.rules).string.max_len = 200"),
            _request(title="(validate.rules).string.max_len = 100"),
        ),
    ),
)
def validation_rules_loosened(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if base is None or head is None:
        return
    deltas = [d for d in _field_deltas(pair) if not d.tightens]
    if deltas:
        changes = "; ".join(d.describe() for d in deltas)
        yield Hit(message=f"validation rules of {head.fqn} loosened: {changes}")


# ---------------------------------------------------------------------------------------
# Oneofs

_ONEOF = """
message CreateTaskRequest {{
  oneof due {{{option}
    string due_date = 1;
    int64 due_epoch_seconds = 2;
  }}
}}

message Task {{
  string title = 1;
}}
"""


def _oneof_request(option: str = "") -> str:
    filled = f"\n    option {option};" if option else ""
    return with_service(_ONEOF.format(option=filled), PGV, PROTOVALIDATE)


@rule(
    id="VALIDATION_ONEOF_REQUIRED_ADDED",
    category=Category.VALIDATION,
    severity=Severity.HIGH,
    on=ElementKind.ONEOF,
    doc=(
        "A oneof became required (PGV `(validate.required)`, protovalidate "
        "`(buf.validate.oneof).required`), or a new required oneof appeared on an existing "
        "message: requests that set none of its fields are now rejected."
    ),
    fix=(
        "Keep the oneof optional and pick a server-side default when none is set; require "
        "it only in a new API version."
    ),
    before=_oneof_request(),
    after=_oneof_request("(validate.required) = true"),
    quiet_pairs=(
        (
            _oneof_request("(validate.required) = true"),
            _oneof_request("(buf.validate.oneof).required = true"),
        ),
        (_oneof_request("(validate.required) = true"), _oneof_request()),
    ),
)
def validation_oneof_required_added(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    head = pair.head
    if not isinstance(head, OneofModel) or not any(d.tightens for d in _oneof_deltas(pair)):
        return
    what = "new oneof" if pair.base is None else "oneof"
    members = ", ".join(head.field_names)
    yield tightening_hit(
        f"{what} {head.fqn} is now required: requests must set one of ({members})",
        pair_side(ctx, pair),
    )


@rule(
    id="VALIDATION_ONEOF_REQUIRED_REMOVED",
    category=Category.VALIDATION,
    severity=Severity.INFO,
    breaking=False,
    on=ElementKind.ONEOF,
    doc="A oneof is no longer required: requests that set none of its fields now pass.",
    fix="Nothing to do for compatibility; handle requests that set none of its fields.",
    before=_oneof_request("(buf.validate.oneof).required = true"),
    after=_oneof_request(),
)
def validation_oneof_required_removed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    if pair.base is None or pair.head is None:
        return
    if any(not d.tightens for d in _oneof_deltas(pair)):
        yield Hit(message=f"oneof {pair.head.fqn} is no longer required")


def _oneof_deltas(pair: ElementPair) -> list[Delta]:
    base, head = pair.base, pair.head
    if not isinstance(head, OneofModel) or _validation_disabled(pair.parent_head):
        return []
    before = oneof_constraints(base) if isinstance(base, OneofModel) else {}
    return compare(before, oneof_constraints(head))


# ---------------------------------------------------------------------------------------
# Message-level rules

_MESSAGE = """
message CreateTaskRequest {{{options}
  string title = 1;
  string description = 2;
}}

message Task {{
  string title = 1;
}}
"""


def _message_request(*options: str) -> str:
    filled = "".join(f"\n  option {option};" for option in options)
    return with_service(_MESSAGE.format(options=filled), PGV, PROTOVALIDATE)


@rule(
    id="VALIDATION_MESSAGE_RULES_TIGHTENED",
    category=Category.VALIDATION,
    severity=Severity.HIGH,
    on=ElementKind.MESSAGE,
    doc=(
        "Message-level validation got stricter: a message CEL rule added or changed "
        "(potential), a protovalidate message `oneof` rule added, or PGV "
        "`(validate.disabled)` / `(validate.ignored)` removed so its field rules now apply."
    ),
    fix=_NEW_VERSION_FIX,
    before=_message_request("(validate.disabled) = true"),
    after=_message_request(),
    quiet_pairs=((_message_request(), _message_request("(validate.disabled) = true")),),
)
def validation_message_rules_tightened(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    tightened = [d for d in _message_deltas(pair) if d.tightens]
    if tightened:
        assert pair.head is not None
        yield _tightened_hit(
            pair, ctx, f"validation of message {pair.head.fqn} tightened", tightened
        )


@rule(
    id="VALIDATION_MESSAGE_RULES_LOOSENED",
    category=Category.VALIDATION,
    severity=Severity.INFO,
    breaking=False,
    on=ElementKind.MESSAGE,
    doc="Message-level validation got looser (a CEL or oneof rule removed, validation disabled).",
    fix="Nothing to do for compatibility; make sure the server can take the newly allowed messages.",
    before=_message_request(
        '(buf.validate.message).oneof = {fields: ["title", "description"], required: true}'
    ),
    after=_message_request(),
)
def validation_message_rules_loosened(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    loosened = [d for d in _message_deltas(pair) if not d.tightens]
    if loosened:
        assert pair.head is not None
        changes = "; ".join(d.describe() for d in loosened)
        yield Hit(message=f"validation of message {pair.head.fqn} loosened: {changes}")


def _message_deltas(pair: ElementPair) -> list[Delta]:
    base, head = message_sides(pair)
    if base is None or head is None:
        return []  # a new message binds no old client
    return compare(message_constraints(base), message_constraints(head))
