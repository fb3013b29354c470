"""build_tree: several files, their imports, and resolution across them."""

from __future__ import annotations

from typing import Any

import pytest

from protomodel.bundled import bundled_import
from protomodel.errors import ProtoParseError
from protomodel.model import BuildSource, FieldModel, ProtoTree, TypeKind, declaration_layers
from protomodel.parse import build_tree

TODO = "acme/todo/v1/todo.proto"
TODO_TEXT = """syntax = "proto3";
package acme.todo.v1;

import "acme/common/v1/common.proto";
import "google/api/annotations.proto";
import "google/api/field_behavior.proto";
import "google/protobuf/timestamp.proto";

message Task {
  string name = 1 [(google.api.field_behavior) = REQUIRED];
  acme.common.v1.Owner owner = 2;
  common.v1.Owner relative_owner = 3;
  google.protobuf.Timestamp due = 4;
  map<string, acme.common.v1.Owner> watchers = 5;
  Missing.Type missing = 6;
  common.v1.Owner.Role role = 7;
}

service Tasks {
  rpc Get(Task) returns (acme.common.v1.Owner) {
    option (google.api.http) = {get: "/v1/{name=tasks/*}" additional_bindings {get: "/v1/x"}};
  }
}
"""
COMMON = "acme/common/v1/common.proto"
COMMON_TEXT = """syntax = "proto3";
package acme.common.v1;
message Owner {
  string email = 1;
  enum Role { ROLE_UNSPECIFIED = 0; }
}
"""


def _field(tree: ProtoTree, fqn: str) -> FieldModel:
    element = tree.find(fqn)
    assert isinstance(element, FieldModel), fqn
    return element


def _tree(**kwargs: Any) -> ProtoTree:
    resolver = {COMMON: COMMON_TEXT}.get
    return build_tree({TODO: TODO_TEXT}, import_resolver=resolver, **kwargs)


def test_imports_are_followed_through_the_resolver_then_the_bundled_protos() -> None:
    tree = _tree()
    assert tree.source == BuildSource.PARSER
    assert set(tree.files) == {
        TODO,
        COMMON,
        "google/api/annotations.proto",
        "google/api/http.proto",
        "google/api/field_behavior.proto",
        "google/protobuf/descriptor.proto",
        "google/protobuf/timestamp.proto",
    }
    assert tree.dependency_files == sorted(set(tree.files) - {TODO})
    assert [f.name for f in tree.reviewed_files()] == [TODO]


def test_types_resolve_across_files_with_protobuf_scoping() -> None:
    tree = _tree()
    assert _field(tree, "acme.todo.v1.Task.owner").type == "acme.common.v1.Owner"
    # `common.v1.Owner` from acme.todo.v1: `common` is found as acme.common.
    relative = _field(tree, "acme.todo.v1.Task.relative_owner")
    assert (relative.type, relative.type_kind) == ("acme.common.v1.Owner", TypeKind.MESSAGE)
    assert _field(tree, "acme.todo.v1.Task.due").type == "google.protobuf.Timestamp"
    watchers = _field(tree, "acme.todo.v1.Task.watchers")
    assert (watchers.map_value_type, watchers.map_value_kind) == (
        "acme.common.v1.Owner",
        TypeKind.MESSAGE,
    )
    role = _field(tree, "acme.todo.v1.Task.role")
    assert (role.type, role.type_kind) == ("acme.common.v1.Owner.Role", TypeKind.ENUM)
    method = tree.files[TODO].services[0].methods[0]
    assert (method.input_type, method.output_type) == ("acme.todo.v1.Task", "acme.common.v1.Owner")
    assert tree.message("acme.common.v1.Owner") is not None


def test_unresolved_references_keep_their_text() -> None:
    tree = build_tree({TODO: TODO_TEXT})  # common.proto cannot be found
    owner = _field(tree, "acme.todo.v1.Task.owner")
    assert (owner.type, owner.type_kind, owner.type_resolved) == (
        "acme.common.v1.Owner",
        TypeKind.UNKNOWN,
        False,
    )
    watchers = _field(tree, "acme.todo.v1.Task.watchers")
    assert not watchers.type_resolved and watchers.map_value_type == "acme.common.v1.Owner"
    assert _field(tree, "acme.todo.v1.Task.missing").type == "Missing.Type"
    method = tree.files[TODO].services[0].methods[0]
    assert method.input_resolved and not method.output_resolved
    assert COMMON not in tree.files


def test_option_definitions_in_the_tree_shape_the_option_values() -> None:
    tree = _tree()
    task = tree.files[TODO]
    http = task.services[0].methods[0].options["google.api.http"]
    # additional_bindings is repeated in google/api/http.proto: a list even for one.
    assert http == {"get": "/v1/{name=tasks/*}", "additional_bindings": [{"get": "/v1/x"}]}
    assert task.messages[0].fields[0].options == {"google.api.field_behavior": ["REQUIRED"]}


def test_innermost_scope_wins_and_a_leading_dot_is_absolute() -> None:
    text = """syntax = "proto3";
    package a.b;
    message Thing {}
    message Outer {
      message Thing {}
      Thing inner = 1;
      .a.b.Thing outer = 2;
      b.Thing via_package = 3;
    }"""
    tree = build_tree({"a/b/x.proto": text})
    assert _field(tree, "a.b.Outer.inner").type == "a.b.Outer.Thing"
    assert _field(tree, "a.b.Outer.outer").type == "a.b.Thing"
    assert _field(tree, "a.b.Outer.via_package").type == "a.b.Thing"


def test_a_partial_match_stops_the_search_like_protoc() -> None:
    # From package foo.bar, `bar.Msg` binds `bar` to foo.bar, which has no Msg: protoc
    # reports an error rather than looking for a top-level package `bar`.
    files = {
        "bar/msg.proto": 'syntax = "proto3"; package bar; message Msg {}',
        "foo/bar/x.proto": (
            'syntax = "proto3"; package foo.bar; import "bar/msg.proto";'
            " message X { bar.Msg m = 1; .bar.Msg absolute = 2; }"
        ),
    }
    tree = build_tree(files)
    assert not _field(tree, "foo.bar.X.m").type_resolved
    assert _field(tree, "foo.bar.X.absolute").type == "bar.Msg"


def test_custom_option_names_resolve_relative_to_the_package() -> None:
    files = {
        "acme/opts/v1/opts.proto": """syntax = "proto3";
            package acme.opts.v1;
            import "google/protobuf/descriptor.proto";
            message Rule { repeated string tags = 1; double weight = 2; Level level = 3; }
            enum Level { LEVEL_UNSPECIFIED = 0; HIGH = 1; }
            extend google.protobuf.FieldOptions { Rule rule = 50000; }""",
        "acme/opts/v1/use.proto": """syntax = "proto3";
            package acme.opts.v1;
            import "acme/opts/v1/opts.proto";
            message M { string a = 1 [(rule) = {tags: "x" weight: 2 level: 1}]; }""",
    }
    tree = build_tree(files, reviewed=["acme/opts/v1/use.proto"])
    assert _field(tree, "acme.opts.v1.M.a").options == {
        "acme.opts.v1.rule": {"tags": ["x"], "weight": 2.0, "level": "HIGH"}
    }
    assert tree.dependency_files == [
        "acme/opts/v1/opts.proto",
        "google/protobuf/descriptor.proto",
    ]


def test_repo_paths_and_reviewed_subset() -> None:
    tree = build_tree(
        {TODO: TODO_TEXT, COMMON: COMMON_TEXT},
        repo_paths={TODO: "proto/" + TODO},
        reviewed=[TODO],
    )
    assert tree.files[TODO].repo_path == "proto/" + TODO
    assert tree.files[COMMON].repo_path == COMMON
    assert COMMON in tree.dependency_files


@pytest.mark.parametrize(
    "path",
    [
        "../../etc/passwd.proto",
        "/etc/x.proto",
        "google/protobuf/../../../x.proto",
        "a\\\\b.proto",  # a backslash once unescaped
        "a\\bb.proto",  # a control character (\b) once unescaped
    ],
)
def test_unsafe_import_paths_are_not_followed(path: str) -> None:
    asked: list[str] = []

    def resolver(requested: str) -> str | None:
        asked.append(requested)
        return 'syntax = "proto3";'

    tree = build_tree({"a.proto": f'syntax = "proto3"; import "{path}";'}, import_resolver=resolver)
    assert asked == [] and set(tree.files) == {"a.proto"}


def test_a_syntax_error_in_an_imported_file_names_that_file() -> None:
    with pytest.raises(ProtoParseError) as caught:
        build_tree({TODO: TODO_TEXT}, import_resolver={COMMON: "message {"}.get)
    assert caught.value.path == COMMON


@pytest.mark.parametrize(
    "path",
    [
        "google/protobuf/timestamp.proto",
        "google/protobuf/descriptor.proto",
        "google/api/http.proto",
        "google/type/date.proto",
        "google/rpc/status.proto",
    ],
)
def test_bundled_imports_come_from_installed_packages(path: str) -> None:
    text = bundled_import(path)
    assert text is not None and "package google." in text


@pytest.mark.parametrize(
    "path",
    ["google/protobuf/nope.proto", "acme/x.proto", "google/api/../../../../etc/passwd"],
)
def test_bundled_import_refuses_unknown_or_escaping_paths(path: str) -> None:
    assert bundled_import(path) is None


def test_declaration_layers_give_each_version_of_a_package_its_own_tree() -> None:
    head = 'syntax = "proto3";\npackage a.v1;\n'
    tree = build_tree(
        {
            "a/v1/shared.proto": head + "message Shared { string id = 1; }",
            "a/v1/x.proto": head + "message Person { string ssn = 1; }",
            "preview/a/v1/x.proto": head + 'import "a/v1/shared.proto";\n'
            "message Person { Shared shared = 2; }",
        }
    )
    first, second = declaration_layers(tree)
    assert sorted(f.name for f in first.reviewed_files()) == ["a/v1/shared.proto", "a/v1/x.proto"]
    # The preview copy is reviewed alone, with what it does not redeclare to resolve against.
    assert [f.name for f in second.reviewed_files()] == ["preview/a/v1/x.proto"]
    assert second.dependency_files == ["a/v1/shared.proto"]
    assert [f.name for f in second.message("a.v1.Person").fields] == ["shared"]
    assert first.message("a.v1.Person").fields[0].name == "ssn"


def test_a_tree_without_clashes_is_one_layer() -> None:
    tree = build_tree({"a.proto": 'syntax = "proto3";\nmessage A { string id = 1; }'})
    assert declaration_layers(tree) == [tree]
    assert declaration_layers(ProtoTree()) == [ProtoTree()]
