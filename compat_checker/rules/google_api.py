"""google.api annotations: field behaviour (BEHAVIOR), HTTP routes and resource names (REST).

buf compares descriptors, not what these options promise: a REST client whose route moved,
or a client that never sent a field now annotated REQUIRED, breaks all the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from compat_checker.findings import Category, Severity
from compat_checker.rules._fixtures import (
    ANNOTATIONS,
    FIELD_BEHAVIOR,
    RESOURCE,
    proto3_file,
    with_service,
)
from compat_checker.rules._http import (
    HTTP_OPTION,
    RESOURCE_OPTION,
    RESOURCE_REFERENCE_OPTION,
    Binding,
    bindings,
    resource_patterns,
)
from compat_checker.rules._reach import Side, owning_message, pair_side, tightening_hit
from compat_checker.rules.common import field_sides, message_sides, method_sides
from compat_checker.rules.registry import Hit, rule
from protomodel.model import ElementKind, FieldModel

if TYPE_CHECKING:
    from compat_checker.diff import DiffContext, ElementPair

FIELD_BEHAVIOR_OPTION = "google.api.field_behavior"


def _behaviors(field_model: FieldModel | None) -> frozenset[str]:
    if field_model is None:
        return frozenset()
    value = field_model.options.get(FIELD_BEHAVIOR_OPTION, [])
    return frozenset(str(v) for v in (value if isinstance(value, list) else [value]))


# ---------------------------------------------------------------------------------------
# Fixtures

_FIELDS = """
message CreateTaskRequest {{
  string title = 1{request_title};
}}

message Task {{
  string title = 1{task_title};
  string name = 2{task_name};
}}
"""


def _fields(request_title: str = "", task_title: str = "", task_name: str = "") -> str:
    options = {"request_title": request_title, "task_title": task_title, "task_name": task_name}
    filled = {key: f" [{value}]" if value else "" for key, value in options.items()}
    return with_service(_FIELDS.format(**filled), FIELD_BEHAVIOR, RESOURCE)


def _behavior(*names: str) -> str:
    return ", ".join(f"(google.api.field_behavior) = {name}" for name in names)


# ---------------------------------------------------------------------------------------
# field_behavior


@rule(
    id="FIELD_BEHAVIOR_REQUIRED_ADDED",
    category=Category.BEHAVIOR,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "`(google.api.field_behavior) = REQUIRED` was added to an existing request field, or "
        "a new field on an existing request message is REQUIRED: servers following AIP-203 "
        "reject requests without it, and old clients never send it."
    ),
    fix=(
        "Keep the field optional and default it on the server; make it REQUIRED only in a "
        "new API version, once every client sets it."
    ),
    before=_fields(),
    after=_fields(request_title=_behavior("REQUIRED")),
    quiet_pairs=(
        # On a message only used in responses REQUIRED is a promise, not a demand.
        (_fields(), _fields(task_title=_behavior("REQUIRED"))),
        (_fields(request_title=_behavior("REQUIRED")), _fields()),
    ),
)
def field_behavior_required_added(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if head is None or "REQUIRED" not in _behaviors(head) or "REQUIRED" in _behaviors(base):
        return
    side = pair_side(ctx, pair)
    if side == Side.RESPONSE:
        return
    what = "new field" if base is None else "field"
    yield tightening_hit(f"{what} {head.fqn} is now REQUIRED (google.api.field_behavior)", side)


@rule(
    id="FIELD_BEHAVIOR_REQUIRED_REMOVED",
    category=Category.BEHAVIOR,
    severity=Severity.MEDIUM,
    on=ElementKind.FIELD,
    doc=(
        "REQUIRED was removed from a field of a message that RPC responses carry: clients "
        "that rely on it always being set now meet unset values."
    ),
    fix=(
        "Keep the field populated in responses even if requests may omit it, and say so in "
        "its comment; or add a new field and deprecate the old one."
    ),
    before=_fields(task_title=_behavior("REQUIRED")),
    after=_fields(),
    quiet_pairs=(
        # On a request-only message this only loosens what the server accepts.
        (_fields(request_title=_behavior("REQUIRED")), _fields()),
    ),
)
def field_behavior_required_removed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if base is None or head is None:
        return
    if "REQUIRED" not in _behaviors(base) or "REQUIRED" in _behaviors(head):
        return
    message = owning_message(pair)
    if message is not None and ctx.used_in_responses(message.fqn):
        yield Hit(
            message=(
                f"field {head.fqn} is no longer REQUIRED, and {message.name} is returned by "
                "RPCs: clients may now receive it unset"
            )
        )


@rule(
    id="FIELD_BEHAVIOR_IMMUTABLE_ADDED",
    category=Category.BEHAVIOR,
    severity=Severity.MEDIUM,
    on=ElementKind.FIELD,
    doc=(
        "`IMMUTABLE` was added to an existing field: updates that change it, which used to "
        "succeed, are now rejected."
    ),
    fix=(
        "Keep the field mutable in this version and reject changes only in a new API "
        "version; or add a new immutable field and deprecate the old one."
    ),
    before=_fields(),
    after=_fields(request_title=_behavior("IMMUTABLE")),
    quiet_pairs=((_fields(), _fields(task_title=_behavior("IMMUTABLE"))),),
)
def field_behavior_immutable_added(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if base is None or head is None:
        return
    if "IMMUTABLE" not in _behaviors(head) or "IMMUTABLE" in _behaviors(base):
        return
    side = pair_side(ctx, pair)
    if side != Side.RESPONSE:
        yield tightening_hit(f"field {head.fqn} became IMMUTABLE", side)


def _direction(behaviors: frozenset[str]) -> str:
    """Which way a field travels. IDENTIFIER (AIP-122 `name`) is output on create and input
    afterwards, which is what OUTPUT_ONLY names used to mean: the two are interchangeable."""
    if "OUTPUT_ONLY" in behaviors or "IDENTIFIER" in behaviors:
        return "output"
    if "INPUT_ONLY" in behaviors:
        return "input"
    return "both"


_DIRECTION_EFFECTS = {
    ("output", "both"): "the server now reads the values clients send back (read-modify-write)",
    ("output", "input"): "the server now reads what clients send, and responses drop it",
    ("both", "output"): "values clients send are now ignored or rejected",
    ("input", "output"): "values clients send are now ignored or rejected",
    ("both", "input"): "responses no longer carry it",
}


@rule(
    id="FIELD_BEHAVIOR_DIRECTION_CHANGED",
    category=Category.BEHAVIOR,
    severity=Severity.HIGH,
    on=ElementKind.FIELD,
    doc=(
        "A field moved between OUTPUT_ONLY and input (or became INPUT_ONLY): clients either "
        "lose values they read, or see values they send ignored or suddenly honoured."
    ),
    fix=(
        "Add a new field with the new behaviour, fill both during the migration, deprecate "
        "the old field and remove it later."
    ),
    before=_fields(task_title=_behavior("OUTPUT_ONLY")),
    after=_fields(),
    quiet_pairs=(
        (_fields(task_name=_behavior("OUTPUT_ONLY")), _fields(task_name=_behavior("IDENTIFIER"))),
        (_fields(request_title=_behavior("INPUT_ONLY")), _fields()),
    ),
)
def field_behavior_direction_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if base is None or head is None:
        return
    before, after = _direction(_behaviors(base)), _direction(_behaviors(head))
    effect = _DIRECTION_EFFECTS.get((before, after))
    if effect:
        yield Hit(
            message=f"field {head.fqn} changed from {before} to {after}: {effect}",
            before=", ".join(sorted(_behaviors(base))) or "none",
            after=", ".join(sorted(_behaviors(head))) or "none",
        )


# ---------------------------------------------------------------------------------------
# google.api.http

_RPC = """
service TaskService {{
  rpc GetTask(GetTaskRequest) returns (Task) {{
    option (google.api.http) = {{
      {binding}
    }};
  }}
}}

message GetTaskRequest {{
  string name = 1;
  string parent = 2;
  Task task = 3;
}}

message Task {{
  string name = 1;
}}
"""

_GET = 'get: "/v1/{name=tasks/*}"'


def _rpc(binding: str = _GET) -> str:
    return proto3_file(_RPC.format(binding=binding), ANNOTATIONS)


def _primary_pair(pair: ElementPair) -> tuple[Binding, Binding] | None:
    base, head = method_sides(pair)
    if base is None or head is None:
        return None
    before, after = bindings(base.options.get(HTTP_OPTION)), bindings(head.options.get(HTTP_OPTION))
    if not before or not after:
        return None
    return before[0], after[0]


_REST_FIX = (
    "Keep the old route working: add the new one as an `additional_bindings` entry (or a "
    "new RPC), move REST clients over, then drop the old binding in a later version."
)


@rule(
    id="REST_HTTP_VERB_CHANGED",
    category=Category.REST,
    severity=Severity.HIGH,
    on=ElementKind.METHOD,
    doc="The HTTP verb of an RPC's google.api.http binding changed: REST clients get 404/405.",
    fix=_REST_FIX,
    before=_rpc(),
    after=_rpc('post: "/v1/{name=tasks/*}"\n      body: "*"'),
    quiet_pairs=((_rpc(), _rpc('get: "/v1/{ name = tasks/* }"')),),
)
def rest_http_verb_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    primary = _primary_pair(pair)
    if primary is not None and primary[0].verb != primary[1].verb:
        before, after = primary
        yield Hit(
            message=f"HTTP verb of {pair.element.fqn} changed: {before.describe()} → {after.describe()}",
            before=before.describe(),
            after=after.describe(),
        )


@rule(
    id="REST_HTTP_PATH_CHANGED",
    category=Category.REST,
    severity=Severity.HIGH,
    on=ElementKind.METHOD,
    doc=(
        "The path template of an RPC's google.api.http binding changed: the URL moved, or a "
        "path variable now binds another request field (`{name=…}` → `{parent=…}`)."
    ),
    fix=_REST_FIX,
    before=_rpc(),
    after=_rpc('get: "/v1/{parent=tasks/*}"'),
    quiet_pairs=((_rpc('get: "/v1/tasks/{name}"'), _rpc('get: "/v1/tasks/{name=*}/"')),),
)
def rest_http_path_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    primary = _primary_pair(pair)
    if primary is None:
        return
    before, after = primary
    if before.path.shape != after.path.shape:
        detail = "the URL moved"
    elif before.path.variables != after.path.variables:
        renamed = ", ".join(
            f"{old} → {new}"
            for old, new in zip(before.path.variables, after.path.variables, strict=False)
            if old != new
        )
        detail = f"path variables now bind other request fields ({renamed or 'count changed'})"
    else:
        return
    yield Hit(
        message=f"HTTP path of {pair.element.fqn} changed, {detail}: {before.path.text} → {after.path.text}",
        before=before.path.text,
        after=after.path.text,
    )


@rule(
    id="REST_HTTP_BODY_CHANGED",
    category=Category.REST,
    severity=Severity.HIGH,
    on=ElementKind.METHOD,
    doc=(
        "The `body` or `response_body` of an RPC's google.api.http binding changed: REST "
        "clients send or read JSON of another shape."
    ),
    fix=_REST_FIX,
    before=_rpc('post: "/v1/{name=tasks/*}"\n      body: "task"'),
    after=_rpc('post: "/v1/{name=tasks/*}"\n      body: "*"'),
)
def rest_http_body_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    primary = _primary_pair(pair)
    if primary is None:
        return
    before, after = primary
    changes = [
        f'{what} "{old}" → "{new}"'
        for what, old, new in (
            ("body", before.body, after.body),
            ("response_body", before.response_body, after.response_body),
        )
        if old != new
    ]
    if changes:
        yield Hit(
            message=f"HTTP binding of {pair.element.fqn} changed: {'; '.join(changes)}",
            before=f"body: {before.body!r}, response_body: {before.response_body!r}",
            after=f"body: {after.body!r}, response_body: {after.response_body!r}",
        )


@rule(
    id="REST_HTTP_BINDING_REMOVED",
    category=Category.REST,
    severity=Severity.HIGH,
    on=ElementKind.METHOD,
    doc=(
        "An RPC lost an HTTP route: an `additional_bindings` entry was removed, or the whole "
        "google.api.http option. REST clients of that route get 404."
    ),
    fix=_REST_FIX,
    before=_rpc(_GET + '\n      additional_bindings { get: "/v1/{parent=projects/*}/tasks" }'),
    after=_rpc(),
    quiet_pairs=(
        # The additional binding became the primary one: the route still exists.
        (
            _rpc(_GET + '\n      additional_bindings { get: "/v1/{parent=projects/*}/tasks" }'),
            _rpc(
                'get: "/v1/{parent=projects/*}/tasks"\n      additional_bindings { ' + _GET + " }"
            ),
        ),
    ),
)
def rest_http_binding_removed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = method_sides(pair)
    if base is None or head is None:
        return
    before, after = bindings(base.options.get(HTTP_OPTION)), bindings(head.options.get(HTTP_OPTION))
    if before and not after:
        yield Hit(message=f"{head.fqn} no longer has an HTTP binding ({before[0].describe()})")
        return
    routes = {binding.route for binding in after}
    # The primary binding is judged by the verb/path rules; look at the additional ones.
    gone = [binding for binding in before[1:] if binding.route not in routes]
    if gone:
        yield Hit(
            message=(f"HTTP routes of {head.fqn} removed: {', '.join(b.describe() for b in gone)}"),
            before=", ".join(b.describe() for b in gone),
        )


# ---------------------------------------------------------------------------------------
# google.api.resource / resource_reference

_RESOURCE = """
message CreateTaskRequest {{
  string parent = 1 [(google.api.resource_reference).{reference}];
}}

message Task {{
  option (google.api.resource) = {{
    type: "{type}"{patterns}
  }};
  string name = 1;
}}
"""
_TASK_PATTERN = "projects/{project}/tasks/{task}"


def _resource(
    *patterns: str,
    type_: str = "todo.acme.com/Task",
    reference: str = 'type = "todo.acme.com/Project"',
) -> str:
    listed = "".join(f'\n    pattern: "{p}"' for p in patterns or (_TASK_PATTERN,))
    body = _RESOURCE.format(patterns=listed, type=type_, reference=reference)
    return with_service(body, RESOURCE)


@rule(
    id="RESOURCE_PATTERN_CHANGED",
    category=Category.REST,
    severity=Severity.HIGH,
    on=ElementKind.MESSAGE,
    doc=(
        "A `google.api.resource` pattern was removed or changed, or its type changed: "
        "resource names clients stored or build no longer parse, and generated path "
        "helpers change. Renaming only the variables keeps names valid (a LOW warning)."
    ),
    fix=(
        "Keep the old pattern and add the new one next to it (a resource may have several), "
        "accept both during the migration, then drop the old one in a new API version."
    ),
    before=_resource(),
    after=_resource("tasks/{task}"),
    quiet_pairs=(
        # A second pattern next to the old one: old names still parse.
        (_resource(), _resource(_TASK_PATTERN, "tasks/{task}")),
    ),
)
def resource_pattern_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = message_sides(pair)
    if base is None or head is None:
        return
    old_option, new_option = base.options.get(RESOURCE_OPTION), head.options.get(RESOURCE_OPTION)
    if not isinstance(old_option, dict):
        return
    new_type = new_option.get("type") if isinstance(new_option, dict) else None
    if old_option.get("type") != new_type:
        yield Hit(
            message=f"resource type of {head.fqn} changed: {old_option.get('type')} → {new_type}",
            before=str(old_option.get("type")),
            after=str(new_type),
        )
        return
    before, after = resource_patterns(old_option), resource_patterns(new_option)
    shapes = {pattern.shape for pattern in after}
    gone = [pattern.text for pattern in before if pattern.shape not in shapes]
    if gone:
        yield Hit(
            message=f"resource patterns of {head.fqn} removed or changed: {', '.join(gone)}",
            before=", ".join(p.text for p in before),
            after=", ".join(p.text for p in after),
        )
    elif {(p.shape, p.variables) for p in before} - {(p.shape, p.variables) for p in after}:
        yield Hit(
            message=(
                f"resource pattern variables of {head.fqn} renamed: names still parse, "
                "generated path helpers change their parameter names"
            ),
            severity=Severity.LOW,
            is_breaking=False,
            before=", ".join(p.text for p in before),
            after=", ".join(p.text for p in after),
        )


@rule(
    id="RESOURCE_REFERENCE_CHANGED",
    category=Category.REST,
    severity=Severity.MEDIUM,
    on=ElementKind.FIELD,
    doc=(
        "The `google.api.resource_reference` of a field now points at another resource "
        "type (or switched between `type` and `child_type`): clients pass names of the old "
        "type."
    ),
    fix="Add a new field referencing the new type, deprecate the old one, migrate, remove.",
    before=_resource(),
    after=_resource(reference='child_type = "todo.acme.com/Task"'),
)
def resource_reference_changed(pair: ElementPair, ctx: DiffContext) -> Iterator[Hit]:
    base, head = field_sides(pair)
    if base is None or head is None:
        return
    before = base.options.get(RESOURCE_REFERENCE_OPTION)
    after = head.options.get(RESOURCE_REFERENCE_OPTION)
    if not isinstance(before, dict) or not isinstance(after, dict):
        return
    old = (before.get("type"), before.get("child_type"))
    new = (after.get("type"), after.get("child_type"))
    if old != new:
        yield Hit(
            message=f"resource reference of {head.fqn} changed: {_reference(old)} → {_reference(new)}",
            before=_reference(old),
            after=_reference(new),
        )


def _reference(reference: tuple[object, object]) -> str:
    type_, child_type = reference
    return f"type {type_}" if type_ else f"child_type {child_type}"
