"""Shrink a pair of buf images to what `buf breaking` can find differences in.

`buf breaking` compares two images element by element, and its memory grows with their
size (a 5 MB generated file: 2.8 GB). A top-level message, enum or service that is
byte-for-byte the same in the same file on both sides cannot produce a finding: every
breaking rule compares an element with its counterpart (by name, in the same file or
package), and an identical pair has no difference to report. Dropping such pairs from
both images leaves buf the same findings at a fraction of the cost, on the condition
that what stays still resolves: a declaration that a kept one refers to (a field's type,
an RPC's request, an extension's extendee) is kept too.

Locations in `SourceCodeInfo` address top-level declarations by index, so they are
renumbered; everything else in the images (file options, imports, extensions, buf's own
fields) is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from google.protobuf import descriptor_pb2
from google.protobuf.message import DecodeError

# FileDescriptorProto field numbers of the top-level declaration lists.
_MESSAGES, _ENUMS, _SERVICES = 4, 5, 6
_DECLARATION_LISTS = {_MESSAGES: "message_type", _ENUMS: "enum_type", _SERVICES: "service"}


def without_unchanged_declarations(head: bytes, base: bytes) -> tuple[bytes, bytes]:
    """(head, base) with the top-level declarations identical on both sides left out.

    Images that do not decode are returned unchanged (buf will say what is wrong).
    """
    try:
        head_set = descriptor_pb2.FileDescriptorSet.FromString(head)
        base_set = descriptor_pb2.FileDescriptorSet.FromString(base)
        unchanged = _identical_declarations(head_set, base_set)
        unchanged -= _referenced_from_kept(head_set, unchanged) | _referenced_from_kept(
            base_set, unchanged
        )
        if not unchanged:
            return head, base
        for file_set in (head_set, base_set):
            for file in file_set.file:
                _drop(file, unchanged)
        return head_set.SerializeToString(), base_set.SerializeToString()
    except (DecodeError, IndexError):
        return head, base


# A top-level declaration: (file name, fully qualified name).
Key = tuple[str, str]


def _key(file: descriptor_pb2.FileDescriptorProto, declaration: Any) -> Key:
    return file.name, f"{file.package}.{declaration.name}" if file.package else declaration.name


def _top_level(file: descriptor_pb2.FileDescriptorProto) -> Iterator[tuple[Key, Any]]:
    """Each top-level message, enum and service of ``file`` with its key."""
    for attribute in _DECLARATION_LISTS.values():
        for declaration in getattr(file, attribute):
            yield _key(file, declaration), declaration


def _identical_declarations(
    head: descriptor_pb2.FileDescriptorSet, base: descriptor_pb2.FileDescriptorSet
) -> set[Key]:
    """The declarations that are the same, byte for byte, in the same file on both sides."""
    base_files = {file.name: file for file in base.file}
    identical: set[Key] = set()
    for file in head.file:
        counterpart = base_files.get(file.name)
        if counterpart is None or counterpart.package != file.package:
            continue
        before = {key: _serialized(declaration) for key, declaration in _top_level(counterpart)}
        identical.update(
            key
            for key, declaration in _top_level(file)
            if before.get(key) == _serialized(declaration)
        )
    return identical


def _serialized(declaration: Any) -> bytes:
    return declaration.SerializeToString(deterministic=True)


def _referenced_from_kept(
    file_set: descriptor_pb2.FileDescriptorSet, unchanged: set[Key]
) -> set[Key]:
    """The unchanged declarations that kept declarations need, directly or through others."""
    owner_of: dict[str, Key] = {}
    declaration_of: dict[Key, Any] = {}
    roots: list[str] = []
    for file in file_set.file:
        roots.extend(_field_references(file.extension))
        for key, declaration in _top_level(file):
            owner_of[key[1]] = key
            if key in unchanged:
                declaration_of[key] = declaration
            else:
                roots.extend(_references(declaration))
    needed: set[Key] = set()
    pending = roots
    while pending:
        key = _owner(pending.pop(), owner_of)
        if key is None or key in needed or key not in unchanged:
            continue
        needed.add(key)
        pending.extend(_references(declaration_of[key]))
    return needed


def _owner(reference: str, owner_of: dict[str, Key]) -> Key | None:
    """The top-level declaration that defines a type name (``.pkg.Outer.Inner``)."""
    name = reference.lstrip(".")
    while name:
        if name in owner_of:
            return owner_of[name]
        name = name.rpartition(".")[0]
    return None


def _references(declaration: Any) -> Iterator[str]:
    if isinstance(declaration, descriptor_pb2.DescriptorProto):
        yield from _field_references(declaration.field)
        yield from _field_references(declaration.extension)
        for nested in declaration.nested_type:
            yield from _references(nested)
    elif isinstance(declaration, descriptor_pb2.ServiceDescriptorProto):
        for method in declaration.method:
            yield method.input_type
            yield method.output_type


def _field_references(fields: Iterable[descriptor_pb2.FieldDescriptorProto]) -> Iterator[str]:
    for field in fields:
        if field.type_name:
            yield field.type_name
        if field.extendee:
            yield field.extendee


def _drop(file: descriptor_pb2.FileDescriptorProto, unchanged: set[Key]) -> None:
    """Remove the unchanged declarations from ``file`` and renumber its locations."""
    new_index: dict[int, dict[int, int]] = {}
    for number, attribute in _DECLARATION_LISTS.items():
        declarations = getattr(file, attribute)
        kept: list[bytes] = []
        mapping: dict[int, int] = {}
        for index, declaration in enumerate(declarations):
            if _key(file, declaration) not in unchanged:
                mapping[index] = len(kept)
                kept.append(declaration.SerializeToString())
        if len(kept) == len(declarations):
            continue
        new_index[number] = mapping
        del declarations[:]
        for data in kept:
            declarations.add().MergeFromString(data)
    if not new_index or not file.HasField("source_code_info"):
        return
    renumbered = descriptor_pb2.SourceCodeInfo()
    for location in file.source_code_info.location:
        path = location.path
        if len(path) < 2 or path[0] not in new_index:
            renumbered.location.add().CopyFrom(location)
            continue
        index = new_index[path[0]].get(path[1])
        if index is not None:
            copy = renumbered.location.add()
            copy.CopyFrom(location)
            copy.path[1] = index
    file.source_code_info.CopyFrom(renumbered)
