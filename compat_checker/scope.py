"""Scope a pair of buf images to what a change can affect, for the models `check` builds.

A one-line change to a 5 MB generated file does not need a model of its 17,000 unchanged
messages: no rule and no PII judgement of the change reads them. This module leaves out
of both images every top-level message, enum and service that cannot influence a
verdict, and keeps everything any consumer reads:

- **Changed declarations** (the seeds): a top-level declaration that is not byte-for-byte
  the same in the same file on both sides, or whose comments differ (rules and the PII
  classifier read comments; inline `protoguard:ignore` lives in them). A file whose
  header differs (package, syntax/edition, options, imports, file-level extensions,
  header comments) or that exists on one side only is changed as a whole.
- **Everything connected to them** through type references, in either direction and on
  either side: a field's type, an extension's extendee, an RPC's request and response.
  Forward references resolve the types a changed element names (and carry the PII level
  a message field inherits). Reverse references reach the context rules and the PII
  classifier read about an element: the services whose RPCs (and `google.api.http`
  routes) use a changed request, whether a type is reachable from any request or
  response, whether an enum is used at all, the RPCs that carry a message and the
  messages that hold it (PII record context and links). Closing over both directions
  keeps the whole connected component, so every one of those facts is computed from
  the same declarations as in the full model.
- **PII links by name**: a field `cycle_id` links its message to a message of the same
  file whose name holds `cycle`, or whose initials are `cycle` (`pcr_id` →
  `PatientCareReport`; pii_detector `link_records`); such pairs are connected too.
- **A package's person-like messages** (`Client` with a name, an e-mail and a phone): the
  PII classifier reads their nouns for every message of the package
  (`own_person_noun`). Every message of a package in scope that could be one (two or
  more person evidence fields, the classifier's own precondition) is kept, with what it
  references.
- **A file's possibly sensitive records**: a message with too little topic evidence of
  its own takes the sensitive domain (health, criminal justice, social services,
  beliefs) that two records of its file share (`classifier.file_domain`). Every
  declaration of a file in scope whose names, field names and types, RPCs or comments
  hold a topic word of those domains is kept (all of them when the file's package or
  name does), with what it references.

Files buf imported (well-known types, googleapis, BSR dependencies) are kept whole: the
model decodes custom options with them. Files themselves are never left out (file lists, packages and headers stay complete);
only their unaffected top-level declarations are. `Scope` says what was kept and which
declarations changed (the PII report covers those).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from google.protobuf import descriptor_pb2
from google.protobuf.message import DecodeError

from compat_checker.buf_images import _DECLARATION_LISTS, Key, _owner, _references
from pii_detector.classifier import _PERSON_EVIDENCE, _head_concept_keys
from pii_detector.names import initials, words
from pii_detector.records import DOMAIN_WORDS, SENSITIVE_DOMAINS
from protomodel.descriptors import _split_file_set, _summarize, _varint, _wire_fields
from protomodel.errors import ProtoParseError

_SOURCE_CODE_INFO = 9  # FileDescriptorProto.source_code_info
_BOOL = descriptor_pb2.FieldDescriptorProto.TYPE_BOOL
# Tags in a serialized SourceCodeInfo: location (1), and a location's path (1) and span (2),
# both packed.
_LOCATION_TAG = _PACKED_PATH_TAG = 0x0A
_PACKED_SPAN_TAG = 0x12

_ID_WORDS = (("id",), ("ids",))


@dataclass(frozen=True)
class Scope:
    """What the scoped models hold, by module path."""

    # module path → package, for the files whose top-level declarations changed
    packages: dict[str, str]
    # module path → names (relative to the package) of its changed top-level declarations
    changed: dict[str, frozenset[str]]
    # files changed as a whole (new, deleted, or a different header)
    whole_files: frozenset[str]
    # fully qualified names of the top-level declarations left out (either side)
    left_out: frozenset[str]
    kept: int  # top-level declarations kept (head and base counted once per key)
    total: int

    @property
    def changed_declarations(self) -> int:
        return sum(len(names) for names in self.changed.values())

    def covers(self, module_path: str, element: str) -> bool:
        """Whether an element (FQN) of a file lies in a changed declaration or file."""
        if module_path in self.whole_files:
            return True
        names = self.changed.get(module_path)
        if not names:
            return False
        package = self.packages.get(module_path, "")
        relative = element[len(package) + 1 :] if package else element
        return relative.split(".", 1)[0] in names

    def is_left_out(self, element: str) -> bool:
        """Whether an element (FQN) belongs to a declaration left out of the models."""
        name = element.lstrip(".")
        while name:
            if name in self.left_out:
                return True
            name = name.rpartition(".")[0]
        return False

    def summary(self) -> str:
        return (
            f"scoped to {self.kept} of {self.total} top-level declarations "
            f"({self.changed_declarations} changed, the rest connected to them)"
        )


@dataclass(frozen=True)
class ScopedImages:
    head: bytes
    base: bytes
    scope: Scope


def scoped_images(head: bytes, base: bytes) -> ScopedImages | None:
    """Both images with the declarations the change cannot affect left out, or None when
    the images do not decode (the caller builds the full models)."""
    try:
        sides = (_Side(head), _Side(base))
    except (DecodeError, ProtoParseError):
        return None
    seeds, whole_files = _changed(*sides)
    keys = set(sides[0].declarations) | set(sides[1].declarations)
    kept = _connected(seeds, sides, keys)
    kept |= _person_like_of_packages(kept, sides)
    kept |= _sensitive_records_of_files(kept, sides)
    kept |= _forward_closure(
        _extensions(sides) | sides[0].imported | sides[1].imported, sides, kept
    )
    left_out = keys - kept
    packages = {name: side.package_of[name] for side in sides for name in side.package_of}
    changed: dict[str, set[str]] = defaultdict(set)
    for file_name, fqn in seeds:
        package = packages.get(file_name, "")
        changed[file_name].add(fqn[len(package) + 1 :] if package else fqn)
    scope = Scope(
        packages={name: packages[name] for name in changed},
        changed={name: frozenset(names) for name, names in changed.items()},
        whole_files=frozenset(whole_files),
        left_out=frozenset(fqn for _, fqn in left_out),
        kept=len(kept),
        total=len(keys),
    )
    if not left_out:
        return ScopedImages(head=head, base=base, scope=scope)
    return ScopedImages(
        head=sides[0].without(left_out), base=sides[1].without(left_out), scope=scope
    )


class _Side:
    """One image's top-level declarations, their signatures and their files' headers."""

    def __init__(self, image: bytes) -> None:
        self.file_set = descriptor_pb2.FileDescriptorSet.FromString(image)
        self.declarations: dict[Key, Any] = {}
        self.package_of: dict[str, str] = {}
        self.headers: dict[str, tuple] = {}
        self.comments: dict[Key, list[tuple]] = defaultdict(list)
        self.owner_of: dict[str, Key] = {}
        # The declarations of the files buf imported (not the repository's): kept whole,
        # the model decodes custom options with them (descriptor.proto itself among them).
        self.imported: set[Key] = set()
        # file name → the declaration (list number, index) each location belongs to, or
        # None for the file's own locations
        self.location_owner: dict[str, list[tuple[int, int] | None]] = {}
        for file, chunk in zip(self.file_set.file, _split_file_set(image), strict=True):
            self.package_of[file.name] = file.package
            imported = _summarize(chunk).is_buf_import
            index_key: dict[tuple[int, int], Key] = {}
            for number, attribute in _DECLARATION_LISTS.items():
                for index, declaration in enumerate(getattr(file, attribute)):
                    key = (file.name, _fqn(file.package, declaration.name))
                    index_key[(number, index)] = key
                    self.declarations[key] = declaration
                    self.owner_of[key[1]] = key
                    if imported:
                        self.imported.add(key)
            header: list = []
            source_info = b""
            for number, value in _wire_fields(chunk):
                if number == _SOURCE_CODE_INFO:
                    source_info = bytes(value)
                elif number not in _DECLARATION_LISTS:
                    header.append((number, value if isinstance(value, int) else bytes(value)))
            owners, commented = _location_owners(source_info)
            locations = file.source_code_info.location
            for index in commented:
                location = locations[index]
                path = tuple(location.path)
                said = (
                    path,
                    location.leading_comments,
                    location.trailing_comments,
                    tuple(location.leading_detached_comments),
                )
                owner = owners[index]
                if owner is None:
                    header.append(said)
                else:
                    self.comments[index_key[owner]].append(said)
            self.location_owner[file.name] = owners
            self.headers[file.name] = tuple(header)

    def signature(self, key: Key) -> tuple[bytes, list[tuple]]:
        declaration = self.declarations[key]
        return declaration.SerializeToString(deterministic=True), self.comments.get(key, [])

    def references(self) -> Iterator[tuple[Key, str]]:
        """(declaration, type name it refers to) for every reference, file-level
        extensions included (as references of their extendee's declaration)."""
        for key, declaration in self.declarations.items():
            for reference in _references(declaration):
                yield key, reference
        for file in self.file_set.file:
            for extension in file.extension:
                extendee = _owner(extension.extendee, self.owner_of)
                if extendee is not None and extension.type_name:
                    yield extendee, extension.type_name

    def without(self, left_out: set[Key]) -> bytes:
        """The image with the declarations ``left_out`` removed, locations renumbered."""
        for file in self.file_set.file:
            new_index: dict[int, dict[int, int]] = {}
            for number, attribute in _DECLARATION_LISTS.items():
                declarations = getattr(file, attribute)
                keep = [
                    index
                    for index, declaration in enumerate(declarations)
                    if (file.name, _fqn(file.package, declaration.name)) not in left_out
                ]
                if len(keep) == len(declarations):
                    continue
                new_index[number] = {old: new for new, old in enumerate(keep)}
                kept = [declarations[index].SerializeToString() for index in keep]
                file.ClearField(attribute)
                for data in kept:
                    getattr(file, attribute).add().MergeFromString(data)
            if not new_index or not file.HasField("source_code_info"):
                continue
            locations = file.source_code_info.location
            kept_locations = []
            for index, owner in enumerate(self.location_owner[file.name]):
                if owner is None or owner[0] not in new_index:
                    kept_locations.append((index, None))
                elif owner[1] in new_index[owner[0]]:
                    kept_locations.append((index, new_index[owner[0]][owner[1]]))
            copies = []
            for index, renumbered in kept_locations:
                copy = descriptor_pb2.SourceCodeInfo.Location()
                copy.CopyFrom(locations[index])
                if renumbered is not None:
                    copy.path[1] = renumbered
                copies.append(copy)
            file.source_code_info.ClearField("location")
            file.source_code_info.location.extend(copies)
        return self.file_set.SerializeToString()


def _location_owners(source_info: bytes) -> tuple[list[tuple[int, int] | None], list[int]]:
    """(the declaration (list number, index) each location belongs to, or None for the
    file's own; the indexes of the locations that carry comments), read from the
    serialized SourceCodeInfo: half a million locations are too many to visit as
    objects. A Location is path (1, packed), span (2), then only comments (3, 4, 6)."""
    owners: list[tuple[int, int] | None] = []
    commented: list[int] = []
    data = source_info
    position, end = 0, len(data)
    # Varints are read inline when they fit one byte (nearly all): a call per varint
    # would triple the cost.
    while position < end:
        if data[position] != _LOCATION_TAG:
            raise ProtoParseError("image", 0, 0, "unexpected SourceCodeInfo layout")
        length = data[position + 1]
        if length < 0x80:
            position += 2
        else:
            length, position = _varint(data, position + 1)
        stop = position + length
        owner = None
        if position < stop and data[position] == _PACKED_PATH_TAG:
            path_length = data[position + 1]
            cursor = position + 2
            if path_length >= 0x80:
                path_length, cursor = _varint(data, position + 1)
            path_end = cursor + path_length
            if path_length >= 2 and data[cursor] in _DECLARATION_LISTS:
                index = data[cursor + 1]
                if index >= 0x80:
                    second = data[cursor + 2]
                    if second < 0x80:
                        index = (index & 0x7F) | (second << 7)
                    else:
                        index = _varint(data, cursor + 1)[0]
                owner = (data[cursor], index)
            position = path_end
        if position < stop and data[position] == _PACKED_SPAN_TAG:
            span_length = data[position + 1]
            if span_length < 0x80:
                position += 2 + span_length
            else:
                span_length, cursor = _varint(data, position + 1)
                position = cursor + span_length
        if position < stop:
            commented.append(len(owners))
        owners.append(owner)
        position = stop
    return owners, commented


def _fqn(package: str, name: str) -> str:
    return f"{package}.{name}" if package else name


def _changed(head: _Side, base: _Side) -> tuple[set[Key], set[str]]:
    """(changed declarations, files changed as a whole)."""
    whole_files = {
        name
        for name in set(head.headers) | set(base.headers)
        if head.headers.get(name) != base.headers.get(name)
    }
    seeds: set[Key] = set()
    for one, other in ((head, base), (base, head)):
        for key in one.declarations:
            if key[0] in whole_files or key not in other.declarations:
                seeds.add(key)
    for key in set(head.declarations) & set(base.declarations):
        if key not in seeds and head.signature(key) != base.signature(key):
            seeds.add(key)
    return seeds, whole_files


def _connected(seeds: set[Key], sides: Iterable[_Side], keys: set[Key]) -> set[Key]:
    """The seeds and every declaration connected to them: type references either way, on
    either side, and PII's `<noun>_id` links from a kept message to its file's messages."""
    sides = list(sides)
    neighbours: dict[Key, set[Key]] = defaultdict(set)
    for side in sides:
        for key, reference in side.references():
            target = _owner(reference, side.owner_of)
            if target is not None and target != key:
                neighbours[key].add(target)
                neighbours[target].add(key)
    links = [_IdLinks(side) for side in sides]
    kept = set(seeds)
    pending = list(seeds)
    while pending:
        key = pending.pop()
        for neighbour in (
            *neighbours.get(key, ()),
            *(t for each in links for t in each.targets(key)),
        ):
            if neighbour not in kept and neighbour in keys:
                kept.add(neighbour)
                pending.append(neighbour)
    return kept


class _IdLinks:
    """A message's field `<noun>_id` links it to the messages of its file whose name holds
    that noun (pii_detector `link_records`): more pairs than the classifier links, never
    fewer. The words of a file's message names are read only when a kept message of that
    file has such a field."""

    def __init__(self, side: _Side) -> None:
        self.side = side
        self.by_word: dict[str, dict[str, set[Key]]] = {}

    def targets(self, key: Key) -> set[Key]:
        declaration = self.side.declarations.get(key)
        if not isinstance(declaration, descriptor_pb2.DescriptorProto):
            return set()
        nouns = {
            tokens[-2]
            for message in _messages(declaration)
            for field in message.field
            if (tokens := _words(field.name))[-1:] in _ID_WORDS and len(tokens) >= 2
        }
        if not nouns:
            return set()
        by_word = self._index(key[0])
        return {target for noun in nouns for target in by_word.get(noun, ())} - {key}

    def _index(self, file_name: str) -> dict[str, set[Key]]:
        if file_name not in self.by_word:
            index: dict[str, set[Key]] = defaultdict(set)
            for key, declaration in self.side.declarations.items():
                if key[0] == file_name and isinstance(declaration, descriptor_pb2.DescriptorProto):
                    for message in _messages(declaration):
                        for word in (*_words(message.name), initials(message.name)):
                            index[word].add(key)
            self.by_word[file_name] = index
        return self.by_word[file_name]


@lru_cache(maxsize=65536)
def _words(name: str) -> tuple[str, ...]:
    return words(name)


def _messages(message: descriptor_pb2.DescriptorProto) -> Iterator[descriptor_pb2.DescriptorProto]:
    yield message
    for nested in message.nested_type:
        yield from _messages(nested)


def _person_like_of_packages(kept: set[Key], sides: Iterable[_Side]) -> set[Key]:
    """The declarations of the kept declarations' packages that may hold a person-like
    message, and what they reference (to resolve)."""
    sides = list(sides)
    packages = {
        side.package_of[key[0]] for side in sides for key in kept if key in side.declarations
    }
    added: set[Key] = set()
    for side in sides:
        for key, declaration in side.declarations.items():
            if key in kept or key in added or side.package_of[key[0]] not in packages:
                continue
            if isinstance(declaration, descriptor_pb2.DescriptorProto) and any(
                _may_be_person_like(m) for m in _messages(declaration)
            ):
                added.add(key)
    return _forward_closure(added, sides, kept)


def _sensitive_records_of_files(kept: set[Key], sides: Iterable[_Side]) -> set[Key]:
    """The declarations of the kept declarations' files that may be records of a sensitive
    domain (health, criminal justice, social services, beliefs), and what they reference.

    The PII classifier gives a message with too little topic evidence of its own the
    sensitive domain that two records of its file share (`classifier.file_domain`), so such
    records are context for every kept message of the file. A declaration counts when a
    topic word of those domains is in its name, a nested message's or enum's name, a
    field's name or type, an RPC's name or types, or its comments; a file whose package or
    name has one keeps all its declarations."""
    sides = list(sides)
    files = {key[0] for key in kept}
    added: set[Key] = set()
    for side in sides:
        whole = {
            name
            for name in files
            if _names_a_sensitive_topic((side.package_of.get(name, ""), name))
        }
        for key, declaration in side.declarations.items():
            if key in kept or key in added or key[0] not in files:
                continue
            if key[0] in whole or _names_a_sensitive_topic(
                _declaration_words(declaration, side.comments.get(key, ()))
            ):
                added.add(key)
    return _forward_closure(added, sides, kept)


_SENSITIVE_TOPIC_WORDS = frozenset().union(*(DOMAIN_WORDS[d] for d in SENSITIVE_DOMAINS))


def _names_a_sensitive_topic(names: Iterable[str]) -> bool:
    return any(
        word in _SENSITIVE_TOPIC_WORDS
        for name in names
        for part in re.split(r"[./\\]", name)
        for word in _words(part)
    )


def _declaration_words(declaration: Any, comments: Iterable[tuple]) -> Iterator[str]:
    yield declaration.name
    for said in comments:
        yield from re.findall(r"[A-Za-z][A-Za-z0-9_]*", " ".join((said[1], said[2], *said[3])))
    if isinstance(declaration, descriptor_pb2.ServiceDescriptorProto):
        for method in declaration.method:
            yield from (method.name, method.input_type, method.output_type)
        return
    if isinstance(declaration, descriptor_pb2.EnumDescriptorProto):
        return
    for message in _messages(declaration):
        yield message.name
        yield from (enum.name for enum in message.enum_type)
        for field in message.field:
            yield from (field.name, field.type_name)


def _extensions(sides: Iterable[_Side]) -> set[Key]:
    """Declarations extensions need: the types and extendees of file-level extensions,
    and the declarations that hold extensions of their own. Custom options are
    extensions, and the model decodes options with every option definition in the image."""
    needed: set[Key] = set()
    for side in sides:
        for file in side.file_set.file:
            for extension in file.extension:
                for reference in (extension.extendee, extension.type_name):
                    owner = _owner(reference, side.owner_of) if reference else None
                    if owner is not None:
                        needed.add(owner)
        for key, declaration in side.declarations.items():
            if isinstance(declaration, descriptor_pb2.DescriptorProto) and any(
                message.extension for message in _messages(declaration)
            ):
                needed.add(key)
    return needed


def _forward_closure(roots: set[Key], sides: Iterable[_Side], kept: set[Key]) -> set[Key]:
    """``roots`` and what they reference, transitively, on either side (beyond ``kept``)."""
    sides = list(sides)
    added = set(roots) - kept
    pending = list(added)
    while pending:
        key = pending.pop()
        for side in sides:
            declaration = side.declarations.get(key)
            if declaration is None:
                continue
            for reference in _references(declaration):
                target = _owner(reference, side.owner_of)
                if target is not None and target not in kept and target not in added:
                    added.add(target)
                    pending.append(target)
    return added


def _may_be_person_like(message: descriptor_pb2.DescriptorProto) -> bool:
    """The classifier's precondition for a message person-like by its fields
    (`own_person_noun`): two or more kinds of person evidence among its non-bool fields."""
    if message.options.map_entry:
        return False
    evidence: set[str] = set()
    for field in message.field:
        if field.type != _BOOL:
            evidence |= _person_evidence(field.name)
    return len(evidence) >= 2


@lru_cache(maxsize=65536)
def _person_evidence(field_name: str) -> frozenset[str]:
    return frozenset(_head_concept_keys(_words(field_name)) & _PERSON_EVIDENCE)
