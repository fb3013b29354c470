"""The primary builder: the proto model from a buf image (``buf build -o image.binpb``).

An image is a FileDescriptorSet whose files carry SourceCodeInfo. Custom options arrive
as unknown fields of the options messages. So the image is first split into its files
(read as raw bytes); the files that can extend descriptor.proto's options go into a fresh
descriptor pool, and each file is then parsed with that pool's own
``FileDescriptorProto`` class, which decodes every custom option (one file at a time,
so only one file's decoded form is alive while its model is built). Options become dicts by
walking ``ListFields()``: proto field names, extensions by full name, enums by name.

Parity with ``protomodel.parse``: map entries are hidden (the field is ``TypeKind.MAP``),
proto3 ``optional`` synthetic oneofs are dropped, comments go through the same
normalisation, and presence/labels come from ``protomodel.semantics``. ``json_name`` is
set only when it was written: buf always fills it in, but records a source location for
the ``json_name`` option only when the source has one; without source info, a name that
differs from the default counts as written. ``FileModel.sha256`` is the digest of the
file's descriptor bytes in the image (the source bytes are not in it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from sys import intern
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message

from protomodel.comments import make_comments
from protomodel.construct import construct, gc_paused, location, no_comments, place_option
from protomodel.errors import ProtoParseError
from protomodel.literals import decode_text
from protomodel.model import (
    BuildSource,
    Comments,
    Element,
    ElementKind,
    EnumModel,
    EnumValueModel,
    FieldModel,
    FileModel,
    Import,
    Label,
    Location,
    MessageModel,
    MethodModel,
    OneofModel,
    OptionValue,
    ProtoTree,
    ReservedRange,
    ServiceModel,
    TypeKind,
    to_json_name,
)
from protomodel.semantics import (
    EDITIONS,
    PROTO2,
    enum_is_closed,
    field_label,
    field_presence,
    resolved_feature,
)

_IMAGE_NAME = "<buf image>"
_DESCRIPTOR_PROTO = "google/protobuf/descriptor.proto"

# Field numbers of descriptor.proto, the steps of SourceCodeInfo paths.
_FILE_MESSAGES, _FILE_ENUMS, _FILE_SERVICES, _FILE_EXTENSIONS, _FILE_SYNTAX = 4, 5, 6, 7, 12
_FILE_PACKAGE = 2
_MESSAGE_FIELDS = 2
_MESSAGE_NESTED = 3
_MESSAGE_ENUMS = 4
_MESSAGE_EXTENSIONS = 6
_MESSAGE_ONEOFS = 8
_ENUM_VALUES = 2
_SERVICE_METHODS = 2
_FIELD_JSON_NAME = 10

_SCALAR_NAMES = {
    FieldDescriptor.TYPE_DOUBLE: "double",
    FieldDescriptor.TYPE_FLOAT: "float",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_UINT64: "uint64",
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_FIXED64: "fixed64",
    FieldDescriptor.TYPE_FIXED32: "fixed32",
    FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BYTES: "bytes",
    FieldDescriptor.TYPE_UINT32: "uint32",
    FieldDescriptor.TYPE_SFIXED32: "sfixed32",
    FieldDescriptor.TYPE_SFIXED64: "sfixed64",
    FieldDescriptor.TYPE_SINT32: "sint32",
    FieldDescriptor.TYPE_SINT64: "sint64",
}
_LABELS = {
    FieldDescriptor.LABEL_OPTIONAL: Label.OPTIONAL,
    FieldDescriptor.LABEL_REQUIRED: Label.REQUIRED,
    FieldDescriptor.LABEL_REPEATED: Label.REPEATED,
}
_MESSAGE_TYPES = (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP)
_TYPE_KINDS = {
    FieldDescriptor.TYPE_MESSAGE: TypeKind.MESSAGE,
    FieldDescriptor.TYPE_GROUP: TypeKind.GROUP,
    FieldDescriptor.TYPE_ENUM: TypeKind.ENUM,
}

Path = tuple[int, ...]


def tree_from_image(
    image: bytes,
    *,
    repo_paths: Mapping[str, str] | None = None,
    reviewed: Collection[str] | None = None,
    full_dependencies: bool = False,
) -> ProtoTree:
    """The model of every file in the image; files outside ``reviewed`` are dependencies.

    Without ``reviewed``, the files buf marked as imports are the dependencies. Dependency
    files keep their full structure, types and options but, unless ``full_dependencies``,
    no locations or comments: reading SourceCodeInfo is a third of the conversion cost, and
    dependencies are only there to resolve references.
    """
    with gc_paused():
        chunks = _split_file_set(image)
        file_class, summaries = _decoder_with_custom_options(chunks)
        repo_paths = repo_paths or {}
        files: dict[str, FileModel] = {}
        dependencies: list[str] = []
        for chunk, summary in zip(chunks, summaries, strict=True):
            # One file decoded at a time: its decoded form (most of it source info) is
            # freed once its model is built, instead of the whole image's staying alive.
            proto = _decode(file_class, chunk)
            is_dependency = (
                summary.is_buf_import if reviewed is None else proto.name not in reviewed
            )
            with_source_info = full_dependencies or not is_dependency
            repo_path = repo_paths.get(proto.name, proto.name)
            model = _FileConverter(proto, repo_path, chunk, with_source_info).convert()
            files[model.name] = model
            if is_dependency:
                dependencies.append(model.name)
    return construct(
        ProtoTree,
        files=files,
        source=BuildSource.DESCRIPTORS,
        dependency_files=sorted(dependencies),
    )


# --------------------------------------------------------------------------- decoding


def _split_file_set(image: bytes) -> list[bytes]:
    """The serialized FileDescriptorProtos of a FileDescriptorSet (field 1, repeated)."""
    chunks: list[bytes] = []
    for number, value in _wire_fields(image):
        if number != 1 or isinstance(value, int):
            raise ProtoParseError(_IMAGE_NAME, 0, 0, f"not a buf image (field {number})")
        chunks.append(bytes(value))
    return chunks


def _varint(data: bytes | memoryview, position: int) -> tuple[int, int]:
    value, shift = 0, 0
    while position < len(data):
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7
    raise ProtoParseError(_IMAGE_NAME, 0, 0, "not a buf image (truncated varint)")


@dataclass(slots=True)
class _FileSummary:
    """What the pool needs to know about one file, read from its bytes without parsing."""

    name: str = ""
    dependencies: list[str] = field(default_factory=list)
    public_dependencies: list[int] = field(default_factory=list)  # indexes in dependencies
    is_buf_import: bool = False

    def reexports(self, names: set[str]) -> bool:
        """Whether an ``import public`` of this file makes one of ``names`` visible."""
        return any(self.dependencies[i] in names for i in self.public_dependencies)


def _decoder_with_custom_options(chunks: list[bytes]) -> tuple[Any, list[_FileSummary]]:
    """The FileDescriptorProto class of a pool that knows the image's custom options.

    Custom options are extensions of descriptor.proto's options messages, so only the
    files that can see descriptor.proto (and their own imports, which define the option
    types) go into the pool: that is all decoding needs, and adding every file of a large
    image would cost more than the conversion itself.
    """
    summaries = [_summarize(chunk) for chunk in chunks]
    pool = descriptor_pool.DescriptorPool()
    try:
        if not any(summary.name == _DESCRIPTOR_PROTO for summary in summaries):
            pool.AddSerializedFile(descriptor_pb2.DESCRIPTOR.serialized_pb)
        for chunk in _chunks_defining_options(chunks, summaries):
            pool.AddSerializedFile(chunk)
        file_class = message_factory.GetMessageClass(
            pool.FindMessageTypeByName("google.protobuf.FileDescriptorProto")
        )
        return file_class, summaries
    except (DecodeError, TypeError, KeyError) as exc:
        raise ProtoParseError(_IMAGE_NAME, 0, 0, f"not a buf image ({exc})") from None


def _decode(file_class: Any, chunk: bytes) -> Any:
    try:
        return file_class.FromString(chunk)
    except DecodeError as exc:
        raise ProtoParseError(_IMAGE_NAME, 0, 0, f"not a buf image ({exc})") from None


def _chunks_defining_options(chunks: list[bytes], summaries: list[_FileSummary]) -> list[bytes]:
    """Files that can see descriptor.proto (so may extend its options), with their imports."""
    by_name = {summary.name: summary for summary in summaries}
    exporting = {_DESCRIPTOR_PROTO}  # descriptor.proto and files re-exporting it publicly
    while more := {s.name for s in summaries if s.name not in exporting and s.reexports(exporting)}:
        exporting |= more
    pending = [s.name for s in summaries if s.name in exporting or exporting & set(s.dependencies)]
    needed: set[str] = set()
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        needed.add(name)
        pending.extend(dep for dep in by_name[name].dependencies if dep in by_name)
    # The image is sorted topologically, so its order keeps imports first.
    return [
        chunk for chunk, summary in zip(chunks, summaries, strict=True) if summary.name in needed
    ]


def _summarize(chunk: bytes) -> _FileSummary:
    summary = _FileSummary()
    for number, value in _wire_fields(chunk):
        if number == 1:
            summary.name = bytes(value).decode("utf-8", errors="replace")
        elif number == 3:
            summary.dependencies.append(bytes(value).decode("utf-8", errors="replace"))
        elif number == 10:
            summary.public_dependencies.extend(_varints(value))
        elif number == 8042:
            # buf's ImageFileExtension: field 1 (is_import) comes first when set.
            summary.is_buf_import = bytes(value[:2]) == b"\x08\x01"
    return summary


def _varints(value: int | memoryview) -> list[int]:
    """A repeated integer field's value: one varint, or a packed run of them."""
    if isinstance(value, int):
        return [value]
    numbers, position = [], 0
    while position < len(value):
        number, position = _varint(value, position)
        numbers.append(number)
    return numbers


def _wire_fields(data: bytes | memoryview) -> Iterator[tuple[int, Any]]:
    """(field number, value) of a serialized message: ints, or memoryviews for bytes."""
    view = memoryview(data)
    position, end = 0, len(view)
    while position < end:
        tag, position = _varint(view, position)
        wire_type = tag & 7
        if wire_type == 2:
            length, position = _varint(view, position)
            if position + length > end:
                raise ProtoParseError(_IMAGE_NAME, 0, 0, "not a buf image (truncated)")
            yield tag >> 3, view[position : position + length]
            position += length
        elif wire_type == 0:
            value, position = _varint(view, position)
            yield tag >> 3, value
        elif wire_type in (1, 5):
            position += 8 if wire_type == 1 else 4
        else:
            raise ProtoParseError(_IMAGE_NAME, 0, 0, f"not a buf image (wire type {wire_type})")


# --------------------------------------------------------------------------- conversion


@dataclass(slots=True)
class _MapEntry:
    key_type: str
    value_type: str
    value_kind: TypeKind


class _FileConverter:
    """One FileDescriptorProto (with source info) → FileModel."""

    def __init__(self, proto: Any, repo_path: str, chunk: bytes, with_source_info: bool) -> None:
        self._proto = proto
        self._path = proto.name
        self._repo_path = repo_path
        self._sha256 = hashlib.sha256(chunk).hexdigest()
        self._syntax = proto.syntax or PROTO2
        self._all_locations = proto.source_code_info.location if with_source_info else ()
        self._has_source_info = len(self._all_locations) > 0
        self._locations, self._settings = _placed_locations(self._all_locations)
        self._option_paths: dict[Path, list[tuple[tuple[str, ...], Any]]] | None = None
        self._nowhere = location(self._path, 0, 0, 0, 0)
        self._map_entries: dict[str, _MapEntry] = {}

    def convert(self) -> FileModel:
        proto = self._proto
        options = _options(proto)
        file = construct(
            FileModel,
            name=self._path,
            fqn=self._path,
            location=self._location(()),
            comments=self._comments((_FILE_SYNTAX,)),
            options=options,
            option_locations=self._option_locations((), options),
            kind=ElementKind.FILE,
            repo_path=self._repo_path,
            package=proto.package,
            package_location=self._location((_FILE_PACKAGE,)) if proto.package else None,
            syntax=self._syntax,
            edition=_edition(proto) if self._syntax == EDITIONS else None,
            imports=list(_imports(proto)),
            messages=[],
            enums=[],
            services=[],
            extensions=[],
            sha256=self._sha256,
        )
        owners: tuple[Element, ...] = (file,)
        for message in proto.message_type:
            self._collect_map_entries(message, proto.package)
        for index, message in enumerate(proto.message_type):
            file.messages.append(
                self._message(message, proto.package, (_FILE_MESSAGES, index), owners)
            )
        for index, enum in enumerate(proto.enum_type):
            file.enums.append(self._enum(enum, proto.package, (_FILE_ENUMS, index), owners))
        for index, service in enumerate(proto.service):
            file.services.append(self._service(service, proto.package, (_FILE_SERVICES, index)))
        for index, extension in enumerate(proto.extension):
            file.extensions.append(
                self._field(extension, proto.package, (_FILE_EXTENSIONS, index), owners, None)
            )
        return file

    # ---- messages

    def _collect_map_entries(self, message: Any, scope: str) -> None:
        fqn = _join(scope, message.name)
        for nested in message.nested_type:
            if nested.options.map_entry:
                key, value = nested.field[0], nested.field[1]
                value_type, value_kind = _field_type(value)
                self._map_entries[_join(fqn, nested.name)] = _MapEntry(
                    key_type=_SCALAR_NAMES[key.type], value_type=value_type, value_kind=value_kind
                )
            else:
                self._collect_map_entries(nested, fqn)

    def _message(
        self, proto: Any, scope: str, path: Path, owners: tuple[Element, ...]
    ) -> MessageModel:
        fqn = _join(scope, proto.name)
        options = _options(proto)
        message = construct(
            MessageModel,
            name=proto.name,
            fqn=fqn,
            location=self._location(path),
            comments=self._comments(path),
            options=options,
            option_locations=self._option_locations(path, options),
            kind=ElementKind.MESSAGE,
            fields=[],
            oneofs=[],
            messages=[],
            enums=[],
            extensions=[],
            reserved_ranges=[_range(r.start, r.end - 1) for r in proto.reserved_range],
            reserved_names=list(proto.reserved_name),
            extension_ranges=[_range(r.start, r.end - 1) for r in proto.extension_range],
            is_map_entry=False,
        )
        inner = (message, *owners)
        oneofs = self._oneofs(proto, fqn, path, inner)
        for index, field_proto in enumerate(proto.field):
            oneof = None
            if oneofs and field_proto.HasField("oneof_index"):
                oneof = oneofs.get(field_proto.oneof_index)
            field_path = (*path, _MESSAGE_FIELDS, index)
            field_owners = (oneof, *inner) if oneof is not None else inner
            message.fields.append(self._field(field_proto, fqn, field_path, field_owners, oneof))
            if oneof is not None:
                oneof.field_names.append(field_proto.name)
        message.oneofs.extend(oneofs.values())
        for index, nested in enumerate(proto.nested_type):
            if not nested.options.map_entry:
                nested_path = (*path, _MESSAGE_NESTED, index)
                message.messages.append(self._message(nested, fqn, nested_path, inner))
        for index, enum in enumerate(proto.enum_type):
            message.enums.append(self._enum(enum, fqn, (*path, _MESSAGE_ENUMS, index), inner))
        for index, extension in enumerate(proto.extension):
            extension_path = (*path, _MESSAGE_EXTENSIONS, index)
            message.extensions.append(self._field(extension, fqn, extension_path, inner, None))
        return message

    def _oneofs(
        self, proto: Any, fqn: str, path: Path, owners: tuple[Element, ...]
    ) -> dict[int, OneofModel]:
        """Real oneofs by index; proto3 `optional` synthetic oneofs are left out."""
        if not proto.oneof_decl:
            return {}
        synthetic = {f.oneof_index for f in proto.field if f.proto3_optional}
        oneofs: dict[int, OneofModel] = {}
        for index, oneof in enumerate(proto.oneof_decl):
            if index in synthetic:
                continue
            oneof_path = (*path, _MESSAGE_ONEOFS, index)
            options = _options(oneof)
            oneofs[index] = construct(
                OneofModel,
                name=oneof.name,
                fqn=f"{fqn}.{oneof.name}",
                location=self._location(oneof_path),
                comments=self._comments(oneof_path),
                options=options,
                option_locations=self._option_locations(oneof_path, options),
                kind=ElementKind.ONEOF,
                field_names=[],
            )
        return oneofs

    # ---- fields

    def _field(
        self,
        proto: Any,
        scope: str,
        path: Path,
        owners: tuple[Element, ...],
        oneof: OneofModel | None,
    ) -> FieldModel:
        type_name, type_kind = _field_type(proto)
        map_entry = self._map_entries.get(type_name) if type_kind == TypeKind.MESSAGE else None
        if map_entry is not None:
            type_name, type_kind = "map", TypeKind.MAP
        options = _options(proto)
        extendee = proto.extendee.lstrip(".") if proto.HasField("extendee") else None
        feature = None
        if self._syntax == EDITIONS:
            scopes = (options, *(owner.options for owner in owners))
            feature = resolved_feature("field_presence", scopes)
        label = field_label(_LABELS[proto.label], syntax=self._syntax, presence_feature=feature)
        presence = field_presence(
            syntax=self._syntax,
            label=label,
            type_kind=type_kind,
            explicit_optional=proto.proto3_optional,
            in_oneof=oneof is not None,
            is_extension=extendee is not None,
            presence_feature=feature,
        )
        name = intern(proto.name)  # field names repeat across messages: one string each
        return construct(
            FieldModel,
            name=name,
            fqn=_join(scope, name),
            location=self._location(path),
            comments=self._comments(path),
            options=options,
            option_locations=self._field_option_locations(path, options),
            kind=ElementKind.FIELD,
            number=proto.number,
            type=type_name,
            type_kind=type_kind,
            type_resolved=True,
            label=label,
            presence=presence,
            proto3_optional=proto.proto3_optional,
            map_key_type=map_entry.key_type if map_entry else None,
            map_value_type=map_entry.value_type if map_entry else None,
            map_value_kind=map_entry.value_kind if map_entry else None,
            oneof=oneof.name if oneof else None,
            json_name=self._written_json_name(proto, path),
            default=proto.default_value if proto.HasField("default_value") else None,
            extendee=extendee,
        )

    def _written_json_name(self, proto: Any, path: Path) -> str | None:
        if not proto.HasField("json_name"):
            return None
        if self._has_source_info:
            return proto.json_name if _FIELD_JSON_NAME in self._settings.get(path, ()) else None
        json_name = proto.json_name
        return json_name if json_name != _default_json_name(proto.name) else None

    # ---- enums and services

    def _enum(self, proto: Any, scope: str, path: Path, owners: tuple[Element, ...]) -> EnumModel:
        fqn = _join(scope, proto.name)
        options = _options(proto)
        feature = None
        if self._syntax == EDITIONS:
            feature = resolved_feature("enum_type", (options, *(o.options for o in owners)))
        return construct(
            EnumModel,
            name=proto.name,
            fqn=fqn,
            location=self._location(path),
            comments=self._comments(path),
            options=options,
            option_locations=self._option_locations(path, options),
            kind=ElementKind.ENUM,
            values=[
                self._enum_value(value, fqn, (*path, _ENUM_VALUES, index))
                for index, value in enumerate(proto.value)
            ],
            reserved_ranges=[_range(r.start, r.end) for r in proto.reserved_range],
            reserved_names=list(proto.reserved_name),
            closed=enum_is_closed(syntax=self._syntax, enum_type_feature=feature),
        )

    def _enum_value(self, proto: Any, enum_fqn: str, path: Path) -> EnumValueModel:
        options = _options(proto)
        return construct(
            EnumValueModel,
            name=proto.name,
            fqn=f"{enum_fqn}.{proto.name}",
            location=self._location(path),
            comments=self._comments(path),
            options=options,
            option_locations=self._option_locations(path, options),
            kind=ElementKind.ENUM_VALUE,
            number=proto.number,
        )

    def _service(self, proto: Any, scope: str, path: Path) -> ServiceModel:
        fqn = _join(scope, proto.name)
        options = _options(proto)
        return construct(
            ServiceModel,
            name=proto.name,
            fqn=fqn,
            location=self._location(path),
            comments=self._comments(path),
            options=options,
            option_locations=self._option_locations(path, options),
            kind=ElementKind.SERVICE,
            methods=[
                self._method(method, fqn, (*path, _SERVICE_METHODS, index))
                for index, method in enumerate(proto.method)
            ],
        )

    def _method(self, proto: Any, service_fqn: str, path: Path) -> MethodModel:
        options = _options(proto)
        return construct(
            MethodModel,
            name=proto.name,
            fqn=f"{service_fqn}.{proto.name}",
            location=self._location(path),
            comments=self._comments(path),
            options=options,
            option_locations=self._option_locations(path, options),
            kind=ElementKind.METHOD,
            input_type=proto.input_type.lstrip("."),
            output_type=proto.output_type.lstrip("."),
            input_resolved=True,
            output_resolved=True,
            client_streaming=proto.client_streaming,
            server_streaming=proto.server_streaming,
        )

    # ---- source info

    def _location(self, path: Path) -> Location:
        found = self._locations.get(path)
        return self._nowhere if found is None else self._location_of(found)

    def _option_locations(self, path: Path, options: dict[str, OptionValue]) -> dict[str, Location]:
        """Where each option of the element at ``path`` is set (`place_option`). Custom
        options (extensions) are left out: their numbers have no names here, so an element
        whose options hold no known option has none to place."""
        if not options:
            return _NO_OPTIONS
        return self._placed_options(path)

    def _field_option_locations(
        self, path: Path, options: dict[str, OptionValue]
    ) -> dict[str, Location]:
        """A field's also hold its `default` and `json_name` settings where written."""
        if not options and path not in self._settings:
            return _NO_OPTIONS
        return self._placed_options(path)

    def _placed_options(self, path: Path) -> dict[str, Location]:
        if self._option_paths is None:
            self._option_paths = _option_paths(self._all_locations)
        places: dict[str, Location] = {}
        for names, found in self._option_paths.get(path, ()):
            place_option(places, names, self._location_of(found))
        return places if places else _NO_OPTIONS

    def _location_of(self, found: Any) -> Location:
        span = found.span[:]
        line = span[0] + 1  # one int object for both ends of a one-line element
        end_line = span[2] + 1 if len(span) == 4 else line
        return location(self._path, line, span[1] + 1, end_line, span[-1])

    def _comments(self, path: Path) -> Comments:
        found = self._locations.get(path)
        if found is None:
            return _NO_COMMENTS
        leading, trailing = found.leading_comments, found.trailing_comments
        detached = found.leading_detached_comments
        if not (leading or trailing or detached):
            return _NO_COMMENTS
        return make_comments(leading, trailing, list(detached))


# Shared by every element that has none (most have neither options nor comments): the
# model is read-only once built, and one empty value per element adds up to a fifth of a
# large schema's model.
_NO_OPTIONS: dict[str, Any] = {}
_NO_COMMENTS = no_comments()


def _placed_locations(locations: Any) -> tuple[dict[Path, Any], dict[Path, set[int]]]:
    """The locations an element is looked up by (last one wins, as in a dict of them all):
    elements (even-length paths), the file's package and syntax statements, and a field's
    written `default` / `json_name`. Locations of an element's own parts (its name, number,
    type ...) are most of an image and are never looked up, so they are not indexed.
    Also: element path → the numbers of the settings written on it."""
    placed: dict[Path, Any] = {}
    settings: dict[Path, set[int]] = {}
    for found in locations:
        path = tuple(found.path[:])  # a slice first: a third faster than tuple() alone
        length = len(path)
        if length & 1 and length > 1:
            if path[-1] not in _FIELD_SETTINGS:
                continue
            settings.setdefault(path[:-1], set()).add(path[-1])
        placed[path] = found
    return placed, settings


def _option_paths(locations: Any) -> dict[Path, list[tuple[tuple[str, ...], Any]]]:
    """element path → (option names, location) of each option setting, in source order."""
    by_path = {tuple(found.path[:]): found for found in locations}
    options: dict[Path, list[tuple[tuple[str, ...], Any]]] = {}
    for loc_path, found in by_path.items():
        split = _option_path(loc_path)
        if split is not None:
            options.setdefault(split[0], []).append((split[1], found))
    return options


@lru_cache(maxsize=8192)
def _default_json_name(name: str) -> str:
    """Field names repeat a lot across files; computing the camel case is not free."""
    return to_json_name(name)


def _field_type(proto: Any) -> tuple[str, TypeKind]:
    type_number = proto.type
    scalar = _SCALAR_NAMES.get(type_number)
    if scalar is not None:
        return scalar, TypeKind.SCALAR
    return intern(proto.type_name.lstrip(".")), _TYPE_KINDS[type_number]


def _imports(proto: Any) -> Iterator[Import]:
    public = set(proto.public_dependency)
    weak = set(proto.weak_dependency)
    for index, path in enumerate(proto.dependency):
        yield construct(Import, path=path, public=index in public, weak=index in weak)


def _edition(proto: Any) -> str:
    enum = proto.DESCRIPTOR.fields_by_name["edition"].enum_type
    name = enum.values_by_number[proto.edition].name
    return name.removeprefix("EDITION_")


def _range(start: int, end: int) -> ReservedRange:
    return construct(ReservedRange, start=start, end=end)


def _join(scope: str, name: str) -> str:
    return f"{scope}.{name}" if scope else name


# --------------------------------------------------------------------------- options


def _options(proto: Any) -> dict[str, OptionValue]:
    if not proto.HasField("options"):
        return _NO_OPTIONS
    return _message_dict(proto.options) or _NO_OPTIONS


def _message_dict(message: Message) -> dict[str, OptionValue]:
    """A decoded message as a dict: proto field names, extensions by full name."""
    values: dict[str, OptionValue] = {}
    for descriptor, value in message.ListFields():
        key = descriptor.full_name if descriptor.is_extension else descriptor.name
        if descriptor.is_repeated:
            values[key] = [_value(descriptor, item) for item in value]
        else:
            values[key] = _value(descriptor, value)
    return values


def _value(descriptor: FieldDescriptor, value: Any) -> OptionValue:
    if descriptor.type in _MESSAGE_TYPES:
        return _message_dict(value)
    if descriptor.type == FieldDescriptor.TYPE_ENUM:
        found = descriptor.enum_type.values_by_number.get(value)
        return found.name if found is not None else value
    if descriptor.type == FieldDescriptor.TYPE_BYTES:
        return decode_text(value)
    return value


# SourceCodeInfo paths: which fields of each descriptor hold child elements, and which
# holds its options (descriptor.proto's field numbers).
_CHILDREN: dict[str, dict[int, str]] = {
    "file": {4: "message", 5: "enum", 6: "service", 7: "field"},
    "message": {2: "field", 3: "message", 4: "enum", 6: "field", 8: "oneof"},
    "enum": {2: "value"},
    "service": {2: "method"},
    "field": {},
    "value": {},
    "method": {},
    "oneof": {},
}
_OPTIONS_FIELD: dict[str, tuple[int, Any]] = {
    "file": (8, descriptor_pb2.FileOptions.DESCRIPTOR),
    "message": (7, descriptor_pb2.MessageOptions.DESCRIPTOR),
    "enum": (3, descriptor_pb2.EnumOptions.DESCRIPTOR),
    "value": (3, descriptor_pb2.EnumValueOptions.DESCRIPTOR),
    "service": (3, descriptor_pb2.ServiceOptions.DESCRIPTOR),
    "method": (4, descriptor_pb2.MethodOptions.DESCRIPTOR),
    "field": (8, descriptor_pb2.FieldOptions.DESCRIPTOR),
    "oneof": (2, descriptor_pb2.OneofOptions.DESCRIPTOR),
}
# Field settings written as options in the source (`[default = 1, json_name = "x"]`).
_FIELD_SETTINGS = {7: "default", 10: "json_name"}


def _option_path(path: Path) -> tuple[Path, tuple[str, ...]] | None:
    """(element path, option names) for a location of an option setting, else None."""
    kind, index = "file", 0
    while index < len(path):
        number = path[index]
        options_number, options = _OPTIONS_FIELD[kind]
        if number == options_number:
            names = _option_names(options, path[index + 1 :])
            return (path[:index], names) if names else None
        if kind == "field" and number in _FIELD_SETTINGS and index + 1 == len(path):
            return path[:index], (_FIELD_SETTINGS[number],)
        child = _CHILDREN[kind].get(number)
        if child is None or index + 1 >= len(path):
            return None
        kind, index = child, index + 2
    return None


def _option_names(options: Any, numbers: Path) -> tuple[str, ...]:
    names: list[str] = []
    message = options
    for number in numbers:
        found = message.fields_by_number.get(number) if message is not None else None
        if found is None:
            break  # an extension: a custom option
        names.append(found.name)
        if found.is_repeated or found.message_type is None:
            break
        message = found.message_type
    return tuple(names)
