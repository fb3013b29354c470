"""The two builders must produce equal models for the same source (the model contract).

buf compiles the realistic corpus in tests/protomodel/protos (messages, nested types,
enums, services with google.api.http, PGV and protovalidate rules, field_behavior, maps,
oneofs, proto3 optional, proto2 defaults and groups, extensions, editions, reserved,
comments of every shape, tabs/CRLF/unicode) and the repository's own proto module; the
parser builds the same files. Every file both trees hold must be equal, dependencies
included, except google/protobuf/*: buf compiles its own copies of the well-known types.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from protomodel_support import (
    REPO_PROTO,
    build_image,
    comparable_files,
    corpus_files,
    model_differences,
    module_resolver,
    write_module,
)

from protomodel.descriptors import tree_from_image
from protomodel.model import BuildSource, ProtoTree
from protomodel.parse import build_tree


def _assert_same_files(from_image: ProtoTree, from_text: ProtoTree) -> None:
    shared = sorted(
        name
        for name in set(from_image.files) & set(from_text.files)
        if not name.startswith("google/protobuf/")
    )
    assert shared, "no file in common"
    image_files = comparable_files(from_image, shared)
    text_files = comparable_files(from_text, shared)
    differences = [
        difference
        for name in shared
        for difference in model_differences(image_files[name], text_files[name], name)
    ]
    assert not differences, "\n".join(differences[:40])


def _both_trees(root: Path, reviewed: list[str]) -> tuple[ProtoTree, ProtoTree]:
    image = build_image(root)
    from_image = tree_from_image(image, reviewed=set(reviewed), full_dependencies=True)
    sources = {path: (root / path).read_bytes() for path in reviewed}
    from_text = build_tree(sources, import_resolver=module_resolver(root))
    return from_image, from_text


def test_corpus_builds_the_same_model_from_descriptors_and_from_text(tmp_path: Path) -> None:
    files = corpus_files()
    root = write_module(tmp_path / "module", files)
    from_image, from_text = _both_trees(root, sorted(files))

    assert from_image.source == BuildSource.DESCRIPTORS
    assert from_text.source == BuildSource.PARSER
    assert {file.name for file in from_text.reviewed_files()} == set(files)
    _assert_same_files(from_image, from_text)


def test_repository_proto_module_builds_the_same_model(tmp_path: Path) -> None:
    files = {
        path.relative_to(REPO_PROTO).as_posix(): path.read_bytes()
        for path in sorted(REPO_PROTO.rglob("*.proto"))
    }
    if not any(path.startswith("acme/") for path in files):
        pytest.skip("the repository's example API is not there")
    root = write_module(tmp_path / "module", files)
    from_image, from_text = _both_trees(root, sorted(files))
    _assert_same_files(from_image, from_text)


def test_dependencies_without_source_info_keep_structure_types_and_options(
    tmp_path: Path,
) -> None:
    files = corpus_files()
    root = write_module(tmp_path / "module", files)
    image = build_image(root)
    library, dependency = "acme/library/v1/library.proto", "acme/rules/v1/rules.proto"
    light = tree_from_image(image, reviewed={library})
    full = tree_from_image(image, reviewed={library}, full_dependencies=True)

    assert light.files[library] == full.files[library]
    assert dependency in light.dependency_files
    light_dump = comparable_files(light, [dependency])[dependency]
    full_dump = comparable_files(full, [dependency])[dependency]
    differences = list(model_differences(light_dump, full_dump))
    assert differences
    assert all(
        ".location" in d or ".package_location" in d or ".comments" in d for d in differences
    )
