"""Scenarios: each applies to the example, compiles with the real buf, changes exactly the
elements it names (checked on the proto model) and is seen by buf exactly as declared."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from scenario_support import PROTO, breaking_rules, copy_proto, run_buf

from compat_checker.errors import GateError
from compat_checker.scenarios import (
    SCENARIOS,
    Verdict,
    add_field,
    add_field_options,
    apply_scenario,
    change_field_type,
    list_scenarios,
    remove_field,
    rename_field,
    scenario,
)
from protomodel.model import (
    Element,
    FileModel,
    Label,
    iter_all_enums,
    iter_all_messages,
)
from protomodel.parse import parse_file

T = "acme.todo.v1.Task"
S = "acme.todo.v1.TodoService"
FILE = "<file>"  # the file's own attributes (imports, options)


def _signature(element: Element, children: set[str]) -> dict[str, Any]:
    return element.model_dump(exclude={"location", "option_locations", *children})


def _flatten(file: FileModel) -> dict[str, dict[str, Any]]:
    """Every element by a stable key, without positions or child lists: a change to one
    element shows up on that element only. Enum values are keyed under their enum."""
    flat = {FILE: _signature(file, {"messages", "enums", "services", "extensions", "sha256"})}
    for message in iter_all_messages(file):
        flat[message.fqn] = _signature(
            message, {"fields", "oneofs", "messages", "enums", "extensions"}
        )
        for field in message.fields:
            flat[f"{message.fqn}.{field.name}"] = _signature(field, set())
    for enum in iter_all_enums(file):
        flat[enum.fqn] = _signature(enum, {"values"})
        for value in enum.values:
            flat[f"{enum.fqn}.{value.name}"] = _signature(value, set())
    for service in file.services:
        flat[service.fqn] = _signature(service, {"methods"})
        for method in service.methods:
            flat[f"{service.fqn}.{method.name}"] = _signature(method, set())
    return flat


def _field(file: FileModel, fqn: str):
    message_fqn, _, name = fqn.rpartition(".")
    message = next(m for m in iter_all_messages(file) if m.fqn == message_fqn)
    found = message.field_by_name(name)
    assert found is not None, fqn
    return found


def _method(file: FileModel, name: str):
    return next(m for s in file.services for m in s.methods if m.name == name)


# name -> (added, removed, changed) element keys, and a check of the new state where the
# element sets alone do not say what the change was.
Expectation = tuple[set[str], set[str], set[str], Callable[[FileModel], bool] | None]


def _metadata_check(fqn: str) -> Callable[[FileModel], bool]:
    def check(head: FileModel) -> bool:
        field = _field(head, fqn)
        return (
            field.type == "google.protobuf.Struct"
            and field.options["validate.rules"] == {"message": {"required": True}}
            and any(i.path == "google/protobuf/struct.proto" for i in head.imports)
        )

    return check


def _reserved_etag(head: FileModel) -> bool:
    task = next(m for m in iter_all_messages(head) if m.fqn == T)
    return task.is_reserved_number(15) and "etag" in task.reserved_names


def _value_archived(head: FileModel) -> bool:
    status = next(e for e in iter_all_enums(head) if e.fqn == "acme.todo.v1.TaskStatus")
    return status.values[-1].name == "TASK_STATUS_ARCHIVED" and status.values[-1].number == 6


def _complete_task(head: FileModel) -> bool:
    method = _method(head, "CompleteTask")
    return (
        method.input_type == "acme.todo.v1.CompleteTaskRequest"
        # Task lives in another file: parse_file alone leaves it as written, like GetTask's.
        and method.output_type == _method(head, "GetTask").output_type
        and method.options["google.api.http"]
        == {"post": "/v1/{name=tasks/*}:complete", "body": "*"}
    )


EXPECTED: dict[str, Expectation] = {
    "remove_description": (set(), {f"{T}.description"}, set(), None),
    "add_metadata_required": ({f"{T}.metadata"}, set(), {FILE}, _metadata_check(f"{T}.metadata")),
    "remove_field": (set(), {f"{T}.labels"}, set(), None),
    "remove_field_reserved": (set(), {f"{T}.etag"}, {T}, _reserved_etag),
    "change_field_type": (
        set(),
        set(),
        {f"{T}.estimate_minutes"},
        lambda head: _field(head, f"{T}.estimate_minutes").type == "int64",
    ),
    "change_field_number": (
        set(),
        set(),
        {f"{T}.priority"},
        lambda head: _field(head, f"{T}.priority").number == 17,
    ),
    "rename_field": (
        {f"{T}.deadline"},
        {f"{T}.due_time"},
        set(),
        lambda head: _field(head, f"{T}.deadline").number == 7,
    ),
    "set_json_name": (
        set(),
        set(),
        {f"{T}.due_time"},
        lambda head: _field(head, f"{T}.due_time").json_name == "dueAt",
    ),
    "make_field_repeated": (
        set(),
        set(),
        {f"{T}.assignee"},
        lambda head: _field(head, f"{T}.assignee").label == Label.REPEATED,
    ),
    "remove_enum_value": (
        set(),
        {"acme.todo.v1.TaskStatus.TASK_STATUS_BLOCKED"},
        set(),
        None,
    ),
    "rename_enum_value": (
        {"acme.todo.v1.Priority.PRIORITY_CRITICAL"},
        {"acme.todo.v1.Priority.PRIORITY_URGENT"},
        set(),
        None,
    ),
    "remove_rpc": (set(), {f"{S}.DeleteTask"}, set(), None),
    "change_rpc_signature": (
        set(),
        set(),
        {f"{S}.SearchTasks"},
        lambda head: _method(head, "SearchTasks").input_type == "acme.todo.v1.ListTasksRequest",
    ),
    "make_rpc_streaming": (
        set(),
        set(),
        {f"{S}.ListTasks"},
        lambda head: _method(head, "ListTasks").server_streaming,
    ),
    "add_required_field": (
        {"acme.todo.v1.CreateTaskRequest.metadata"},
        set(),
        {FILE},
        _metadata_check("acme.todo.v1.CreateTaskRequest.metadata"),
    ),
    "make_field_required": (
        set(),
        set(),
        {f"{T}.due_time", FILE},
        lambda head: (
            _field(head, f"{T}.due_time").options
            == {"google.api.field_behavior": ["REQUIRED"], "buf.validate.field": {"required": True}}
        ),
    ),
    "add_strict_validation": (
        set(),
        set(),
        {"acme.todo.v1.ListTasksRequest.filter"},
        lambda head: (
            _field(head, "acme.todo.v1.ListTasksRequest.filter").options
            == {"buf.validate.field": {"string": {"max_len": 64}}}
        ),
    ),
    "add_optional_field": (
        {f"{T}.pinned"},
        set(),
        set(),
        lambda head: _field(head, f"{T}.pinned").proto3_optional,
    ),
    "add_enum_value": (
        {"acme.todo.v1.TaskStatus.TASK_STATUS_ARCHIVED"},
        set(),
        set(),
        _value_archived,
    ),
    "add_rpc": (
        {
            f"{S}.CompleteTask",
            "acme.todo.v1.CompleteTaskRequest",
            "acme.todo.v1.CompleteTaskRequest.name",
        },
        set(),
        set(),
        _complete_task,
    ),
}


def test_every_scenario_has_an_expectation() -> None:
    assert set(EXPECTED) == set(SCENARIOS)
    required = {
        "remove_field",
        "change_field_type",
        "change_field_number",
        "rename_field",
        "remove_enum_value",
        "remove_rpc",
        "change_rpc_signature",
        "make_rpc_streaming",
        "add_required_field",
        "make_field_required",
        "add_strict_validation",
        "add_optional_field",
        "add_enum_value",
        "add_rpc",
        "remove_description",
        "add_metadata_required",
    }
    assert required <= set(SCENARIOS)
    safe = {s.name for s in list_scenarios() if s.verdict == Verdict.SAFE}
    assert safe == {"add_optional_field", "add_enum_value", "add_rpc"}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(name: str, tmp_path: Path) -> None:
    item = SCENARIOS[name]
    path = f"proto/{item.proto}"
    before = (PROTO / item.proto).read_text(encoding="utf-8")
    after = apply_scenario(name, before, path)
    assert apply_scenario(name, before, path) == after  # pure

    added, removed, changed, check = EXPECTED[name]
    old, new = _flatten(parse_file(before, path)), _flatten(parse_file(after, path))
    assert set(new) - set(old) == added
    assert set(old) - set(new) == removed
    assert {key for key in set(old) & set(new) if old[key] != new[key]} == changed
    if check is not None:
        assert check(parse_file(after, path))

    head = copy_proto(tmp_path, "head")
    (head / item.proto).write_text(after, encoding="utf-8")
    build = run_buf("build", head)
    assert build.returncode == 0, build.stderr
    assert breaking_rules(head, PROTO) == set(item.buf_rules)


def test_demo_changes_together(tmp_path: Path) -> None:
    """The README demo: both changes on task.proto; buf names only the first."""
    path = "proto/acme/todo/v1/task.proto"
    text = (PROTO / "acme/todo/v1/task.proto").read_text(encoding="utf-8")
    for name in ("remove_description", "add_metadata_required"):
        text = apply_scenario(name, text, path)
    head = copy_proto(tmp_path, "head")
    (head / "acme/todo/v1/task.proto").write_text(text, encoding="utf-8")
    assert breaking_rules(head, PROTO) == {"FIELD_NO_DELETE"}
    model = parse_file(text, path)
    task = next(m for m in iter_all_messages(model) if m.fqn == T)
    assert task.field_by_name("description") is None
    assert task.field_by_name("metadata") is not None


TRICKY = """\
syntax = "proto3";

package tricky.v1;

message A {
  // A brace in a comment: }
  string s = 1 [(validate.rules).string.pattern = "^[}{;]+$"]; // trailing }
  message Inner {
    int32 x = 1;
  }
  int32 a = 2; // about a
  int32 b = 3;
  int32 c = 4; int32 d = 5;
  map<string, int32> m = 6;
  repeated
    string split = 7;
}

message Empty {}
"""


def test_extent_comes_from_tokens_not_the_first_brace() -> None:
    path = "tricky/v1/a.proto"
    after = remove_field(TRICKY, path, field="tricky.v1.A.s")
    assert "A brace in a comment" not in after and "trailing }" not in after
    assert "  message Inner {\n    int32 x = 1;\n  }\n" in after

    after = remove_field(TRICKY, path, field="tricky.v1.A.b")
    assert "  int32 a = 2; // about a\n  int32 c = 4;" in after

    after = remove_field(TRICKY, path, field="tricky.v1.A.c")
    assert "  int32 b = 3;\n  int32 d = 5;\n" in after

    after = remove_field(TRICKY, path, field="tricky.v1.A.split")
    assert "split" not in after and "repeated" not in after

    after = rename_field(TRICKY, path, field="tricky.v1.A.split", new_name="joined")
    assert "  repeated\n    string joined = 7;" in after


def test_insertions() -> None:
    path = "tricky/v1/a.proto"
    after = add_field(TRICKY, path, message="tricky.v1.Empty", declaration="bool flag")
    assert "message Empty {\n  bool flag = 1;\n}" in after

    after = add_field_options(
        TRICKY,
        path,
        field="tricky.v1.A.s",
        options=("deprecated = true",),
        imports=("validate/validate.proto",),
    )
    assert '"^[}{;]+$", deprecated = true]; // trailing }' in after
    assert 'package tricky.v1;\n\nimport "validate/validate.proto";\n' in after
    assert parse_file(after, path).imports[0].path == "validate/validate.proto"

    with pytest.raises(GateError, match="map field"):
        change_field_type(TRICKY, path, field="tricky.v1.A.m", new_type="string")
    with pytest.raises(GateError, match=r"tricky\.v1\.A\.nope"):
        remove_field(TRICKY, path, field="tricky.v1.A.nope")


def test_tabs_and_wide_characters() -> None:
    """Positions are display columns (tabs to multiples of 4, CJK two wide), like buf."""
    text = (
        'syntax = "proto3";\npackage p;\nmessage A {\n'
        "\t// 注释\n\tstring s = 1; /* 注释 */ int32 b = 2;\n\tint32 c = 3;\n}\n"
    )
    assert "int32 b" not in remove_field(text, "a.proto", field="p.A.b")
    assert "\tint32 d = 3;" in rename_field(text, "a.proto", field="p.A.c", new_name="d")
    added = add_field(text, "a.proto", message="p.A", declaration="bool x")
    assert added.endswith("\tint32 c = 3;\n\tbool x = 4;\n}\n")


def test_cli_list_and_apply(tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(scenario, ["list"])
    assert listed.exit_code == 0, listed.output
    assert all(name in listed.output for name in SCENARIOS)

    module = copy_proto(tmp_path)
    target = module / "acme/todo/v1/task.proto"
    original = target.read_text(encoding="utf-8")

    printed = runner.invoke(scenario, ["apply", "remove_description", "--proto", str(target)])
    assert printed.exit_code == 0, printed.output
    assert "string description" not in printed.output
    assert target.read_text(encoding="utf-8") == original

    out = tmp_path / "out.proto"
    written = runner.invoke(
        scenario, ["apply", "add_enum_value", "--proto", str(target), "--output", str(out)]
    )
    assert written.exit_code == 0, written.output
    assert "TASK_STATUS_ARCHIVED = 6;" in out.read_text(encoding="utf-8")

    in_place = runner.invoke(
        scenario, ["apply", "remove_description", "--proto", str(target), "--in-place"]
    )
    assert in_place.exit_code == 0, in_place.output
    assert "string description" not in target.read_text(encoding="utf-8")

    both = runner.invoke(scenario, ["apply", "remove_field", "--in-place", "--output", str(out)])
    assert both.exit_code == 2

    unknown = runner.invoke(scenario, ["apply", "no_such_scenario"])
    assert isinstance(unknown.exception, GateError)


def test_default_file_is_the_bundled_example() -> None:
    result = CliRunner().invoke(scenario, ["apply", "add_rpc"])
    assert result.exit_code == 0, result.output
    assert "rpc CompleteTask(CompleteTaskRequest) returns (Task) {" in result.output


def test_expected_rules_exist_in_the_registry() -> None:
    # The validation rules register on import, whether or not RULE_MODULES lists them yet.
    import compat_checker.rules.validation  # noqa: F401
    from compat_checker.rules.registry import all_rules

    registered = set(all_rules())
    for item in list_scenarios():
        assert set(item.rules) <= registered, item.name
        assert bool(item.rules) == (item.verdict == Verdict.BLOCKED), item.name
