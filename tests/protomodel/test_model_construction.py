"""Builders assemble models without validation; the result must still be a valid model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from protomodel_support import build_image, corpus_files, module_resolver, write_module
from pydantic import BaseModel

from protomodel.descriptors import tree_from_image
from protomodel.model import ProtoTree
from protomodel.parse import build_tree


def _models(value: object) -> Iterator[BaseModel]:
    if isinstance(value, BaseModel):
        yield value
        for name in type(value).model_fields:
            yield from _models(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _models(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _models(item)


def _assert_complete_and_valid(tree: ProtoTree) -> None:
    for model in _models(tree):
        assert set(model.__dict__) == set(type(model).model_fields), type(model).__name__
    revalidated = ProtoTree.model_validate(tree.model_dump())
    assert revalidated == tree
    assert ProtoTree.model_validate_json(tree.model_dump_json()) == tree


def test_every_built_object_has_exactly_its_fields_and_validates(tmp_path: Path) -> None:
    files = corpus_files()
    root = write_module(tmp_path / "module", files)
    _assert_complete_and_valid(tree_from_image(build_image(root), reviewed=set(files)))
    _assert_complete_and_valid(build_tree(files, import_resolver=module_resolver(root)))


def test_attribute_assignment_still_works_on_built_models(tmp_path: Path) -> None:
    tree = build_tree({"a.proto": 'syntax = "proto3"; message A { int32 x = 1; }'})
    field = tree.files["a.proto"].messages[0].fields[0]
    field.name = "renamed"
    assert field.model_dump()["name"] == "renamed"
    other = build_tree({"b.proto": 'syntax = "proto3"; message B { int32 y = 1; }'})
    assert other.files["b.proto"].messages[0].fields[0].name == "y"
