"""google.api.http bindings and resource patterns, normalised for comparison."""

from __future__ import annotations

import pytest

from compat_checker.rules._http import bindings, parse_template, resource_patterns


@pytest.mark.parametrize(
    ("text", "shape", "variables"),
    [
        ("/v1/{name=tasks/*}", "/v1/tasks/*", ("name",)),
        ("/v1/tasks/{name}", "/v1/tasks/*", ("name",)),
        ("/v1/tasks/{name=*}/", "/v1/tasks/*", ("name",)),
        (" /v1/{ name = tasks/* } ", "/v1/tasks/*", ("name",)),
        ("/v1/{task.name=tasks/*}", "/v1/tasks/*", ("task.name",)),
        ("/v1/{name=tasks/*}:complete", "/v1/tasks/*:complete", ("name",)),
        ("/v1/{parent=projects/*}/tasks", "/v1/projects/*/tasks", ("parent",)),
        ("/v1/{name=files/**}", "/v1/files/**", ("name",)),
        ("/", "/", ()),
    ],
)
def test_parse_template(text: str, shape: str, variables: tuple[str, ...]) -> None:
    template = parse_template(text)
    assert (template.shape, template.variables) == (shape, variables)


def test_bindings_primary_first_then_additional() -> None:
    option = {
        "get": "/v1/{name=tasks/*}",
        "additional_bindings": [
            {"post": "/v1/tasks:get", "body": "*"},
            {"custom": {"kind": "HEAD", "path": "/v1/{name=tasks/*}"}},
        ],
    }
    found = bindings(option)
    assert [(b.verb, b.path.shape, b.body) for b in found] == [
        ("GET", "/v1/tasks/*", ""),
        ("POST", "/v1/tasks:get", "*"),
        ("HEAD", "/v1/tasks/*", ""),
    ]


def test_a_single_additional_binding_may_be_a_dict() -> None:
    option = {"get": "/a", "additional_bindings": {"get": "/b"}}
    assert [b.path.shape for b in bindings(option)] == ["/a", "/b"]


def test_no_option_no_bindings() -> None:
    assert bindings(None) == []


def test_resource_patterns_single_or_list() -> None:
    assert [p.shape for p in resource_patterns({"pattern": "tasks/{task}"})] == ["tasks/*"]
    listed = resource_patterns({"pattern": ["tasks/{task}", "projects/{p}/tasks/{task}"]})
    assert [p.variables for p in listed] == [("task",), ("p", "task")]
