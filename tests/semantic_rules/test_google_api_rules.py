"""google.api rules through the diff engine: field_behavior, http routes, resource names."""

from __future__ import annotations

import pytest

from compat_checker.findings import Category, Severity
from compat_checker.rules._fixtures import ANNOTATIONS, FIELD_BEHAVIOR, RESOURCE

from ._harness import fired, proto, rules_fired

SERVICE = """
service TaskService {
  rpc CreateTask(CreateTaskRequest) returns (Task);
}
"""


def api(request: str = "string title = 1;", task: str = "string title = 1;") -> str:
    return proto(
        SERVICE
        + f"""
message CreateTaskRequest {{
  {request}
}}

message Task {{
  {task}
}}
""",
        FIELD_BEHAVIOR,
        RESOURCE,
    )


def behavior(*names: str) -> str:
    return "[" + ", ".join(f"(google.api.field_behavior) = {n}" for n in names) + "]"


REQ, TASK = "acme.v1.CreateTaskRequest", "acme.v1.Task"


# ---- field_behavior ----


def test_required_added_to_a_request_field_blocks() -> None:
    change = fired(api(), api(request=f"string title = 1 {behavior('REQUIRED')};"))[
        ("FIELD_BEHAVIOR_REQUIRED_ADDED", f"{REQ}.title")
    ]
    assert change.is_breaking and change.severity == Severity.HIGH
    assert change.category == Category.BEHAVIOR


def test_a_new_required_field_on_an_existing_request_blocks() -> None:
    after = api(request=f"string title = 1;\n  string owner = 2 {behavior('REQUIRED')};")
    assert ("FIELD_BEHAVIOR_REQUIRED_ADDED", f"{REQ}.owner") in fired(api(), after)


def test_required_on_a_response_only_message_is_quiet() -> None:
    assert "FIELD_BEHAVIOR_REQUIRED_ADDED" not in rules_fired(
        api(), api(task=f"string title = 1 {behavior('REQUIRED')};")
    )


def test_required_removed_from_a_response_field_blocks() -> None:
    before = api(task=f"string title = 1 {behavior('REQUIRED')};")
    change = fired(before, api())[("FIELD_BEHAVIOR_REQUIRED_REMOVED", f"{TASK}.title")]
    assert change.is_breaking and "may now receive it unset" in change.message


def test_required_removed_from_a_request_only_field_is_quiet() -> None:
    before = api(request=f"string title = 1 {behavior('REQUIRED')};")
    assert not rules_fired(before, api())


def test_immutable_added() -> None:
    found = fired(api(), api(request=f"string title = 1 {behavior('IMMUTABLE')};"))
    assert found[("FIELD_BEHAVIOR_IMMUTABLE_ADDED", f"{REQ}.title")].is_breaking
    assert "FIELD_BEHAVIOR_IMMUTABLE_ADDED" not in rules_fired(
        api(), api(task=f"string title = 1 {behavior('IMMUTABLE')};")
    )


@pytest.mark.parametrize(
    ("before", "after", "fires"),
    [
        (("OUTPUT_ONLY",), (), True),
        ((), ("OUTPUT_ONLY",), True),
        (("INPUT_ONLY",), ("OUTPUT_ONLY",), True),
        ((), ("INPUT_ONLY",), True),
        (("INPUT_ONLY",), (), False),  # the field is now echoed back: additive
        (("OUTPUT_ONLY",), ("IDENTIFIER",), False),  # AIP-122 `name`
        (("OUTPUT_ONLY",), ("OUTPUT_ONLY", "IMMUTABLE"), False),
    ],
)
def test_direction_changes(before: tuple[str, ...], after: tuple[str, ...], fires: bool) -> None:
    def task(names: tuple[str, ...]) -> str:
        return api(task=f"string title = 1 {behavior(*names)};" if names else "string title = 1;")

    assert ("FIELD_BEHAVIOR_DIRECTION_CHANGED" in rules_fired(task(before), task(after))) is fires


# ---- google.api.http ----


def rpc(binding: str) -> str:
    return proto(
        f"""
service TaskService {{
  rpc UpdateTask(UpdateTaskRequest) returns (Task) {{
    option (google.api.http) = {{
      {binding}
    }};
  }}
}}

message UpdateTaskRequest {{
  Task task = 1;
  string name = 2;
}}

message Task {{
  string name = 1;
}}
""",
        ANNOTATIONS,
    )


PATCH = 'patch: "/v1/{task.name=tasks/*}"\n      body: "task"'
METHOD = "acme.v1.TaskService.UpdateTask"


@pytest.mark.parametrize(
    ("after", "rule"),
    [
        ('put: "/v1/{task.name=tasks/*}"\n      body: "task"', "REST_HTTP_VERB_CHANGED"),
        ('patch: "/v2/{task.name=tasks/*}"\n      body: "task"', "REST_HTTP_PATH_CHANGED"),
        ('patch: "/v1/{name=tasks/*}"\n      body: "task"', "REST_HTTP_PATH_CHANGED"),
        ('patch: "/v1/{task.name=tasks/*}"\n      body: "*"', "REST_HTTP_BODY_CHANGED"),
        (
            'patch: "/v1/{task.name=tasks/*}"\n      body: "task"\n      response_body: "name"',
            "REST_HTTP_BODY_CHANGED",
        ),
    ],
)
def test_http_changes_block_rest_clients(after: str, rule: str) -> None:
    change = fired(rpc(PATCH), rpc(after))[(rule, METHOD)]
    assert change.category == Category.REST and change.is_breaking


def test_a_renamed_path_variable_is_named() -> None:
    after = rpc('patch: "/v1/{name=tasks/*}"\n      body: "task"')
    change = fired(rpc(PATCH), after)[("REST_HTTP_PATH_CHANGED", METHOD)]
    assert "task.name → name" in change.message


def test_rewriting_a_template_without_changing_it_is_quiet() -> None:
    before = rpc('get: "/v1/tasks/{name}"')
    after = rpc('get: "/v1/tasks/{name=*}"')
    assert not rules_fired(before, after)


def test_removed_bindings() -> None:
    extra = (
        '\n      additional_bindings { patch: "/v1/{task.name=projects/*/tasks/*}" body: "task" }'
    )
    found = fired(rpc(PATCH + extra), rpc(PATCH))
    assert "projects/*/tasks/*" in found[("REST_HTTP_BINDING_REMOVED", METHOD)].message
    without_http = rpc(PATCH).replace(
        "{\n    option (google.api.http) = {\n      " + PATCH + "\n    };\n  }", "{}"
    )
    assert ("REST_HTTP_BINDING_REMOVED", METHOD) in fired(rpc(PATCH), without_http)


def test_adding_a_binding_is_quiet() -> None:
    extra = (
        '\n      additional_bindings { patch: "/v1/{task.name=projects/*/tasks/*}" body: "task" }'
    )
    assert not rules_fired(rpc(PATCH), rpc(PATCH + extra))


# ---- resources ----


def resource(*patterns: str, type_: str = "todo.acme.com/Task", reference: str = "type") -> str:
    listed = "".join(f'\n    pattern: "{p}"' for p in patterns)
    return proto(
        SERVICE
        + f"""
message CreateTaskRequest {{
  string parent = 1 [(google.api.resource_reference).{reference} = "todo.acme.com/Task"];
}}

message Task {{
  option (google.api.resource) = {{
    type: "{type_}"{listed}
  }};
  string name = 1;
}}
""",
        RESOURCE,
    )


OLD = "projects/{project}/tasks/{task}"


def test_resource_pattern_changed() -> None:
    change = fired(resource(OLD), resource("tasks/{task}"))[("RESOURCE_PATTERN_CHANGED", TASK)]
    assert change.is_breaking and OLD in change.message


def test_resource_type_changed() -> None:
    found = fired(resource(OLD), resource(OLD, type_="todo.acme.com/Todo"))
    assert "todo.acme.com/Todo" in found[("RESOURCE_PATTERN_CHANGED", TASK)].message


def test_resource_pattern_added_is_quiet() -> None:
    assert not rules_fired(resource(OLD), resource(OLD, "tasks/{task}"))


def test_resource_variables_renamed_warn() -> None:
    change = fired(resource(OLD), resource("projects/{project_id}/tasks/{task_id}"))[
        ("RESOURCE_PATTERN_CHANGED", TASK)
    ]
    assert not change.is_breaking and change.severity == Severity.LOW


def test_resource_reference_changed() -> None:
    found = fired(resource(OLD), resource(OLD, reference="child_type"))
    assert found[("RESOURCE_REFERENCE_CHANGED", f"{REQ}.parent")].is_breaking
