"""One typed model of a proto tree, shared by the gate, the rules and the PII detector.

Both builders (buf-compiled descriptors and the proto-schema-parser fallback) produce
exactly these objects, so every consumer is written once. Conventions:

* Fully-qualified names (FQNs) never carry a leading dot: ``acme.todo.v1.Task.title``.
* Type references of fields and methods are resolved to FQNs where the builder could
  resolve them; an unresolved reference keeps the text as written and sets
  ``type_resolved = False`` so rules can stay quiet instead of guessing.
* Locations are 1-based (line and column), relative to the file's path as seen by the
  compiler (the module-relative import path), plus ``repo_path`` on the file for reporting.
* Options are plain JSON-like values keyed by option name without parentheses:
  ``{"deprecated": True, "validate.rules": {"string": {"min_len": 1}}}``. Nested option
  messages are dicts with proto (snake_case) field names; enum values are their names;
  64-bit integers stay ints. Options known to be repeated are always lists.
* A built model is read-only: the descriptor builder shares one empty ``Comments``,
  options dict and location among all the elements that have none (most elements of a
  large schema), so changing one in place would change them all. Replace, never mutate.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

OptionValue = Any  # str | int | float | bool | dict[str, OptionValue] | list[OptionValue]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Location(_Model):
    file: str
    line: int = 0
    column: int = 0
    end_line: int = 0  # last line of the element's declaration (its closing brace / semicolon)
    end_column: int = 0


class Comments(_Model):
    leading: str = ""
    trailing: str = ""
    detached: list[str] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(part for part in (self.leading, self.trailing) if part)


class ElementKind(StrEnum):
    FILE = "file"
    MESSAGE = "message"
    FIELD = "field"
    ONEOF = "oneof"
    ENUM = "enum"
    ENUM_VALUE = "enum_value"
    SERVICE = "service"
    METHOD = "method"


class Element(_Model):
    """Anything with a name, a place, comments and options."""

    name: str
    fqn: str
    location: Location
    comments: Comments = Field(default_factory=Comments)
    options: dict[str, OptionValue] = Field(default_factory=dict)
    # Where each option is set, by the first component of its name (`java_package`,
    # `(google.api.http)`): buf reports an option's change there. Parser builds only
    # (descriptor builds leave it empty); a place, like `location`, so no content change.
    option_locations: dict[str, Location] = Field(default_factory=dict)

    kind: ElementKind

    @property
    def deprecated(self) -> bool:
        return bool(self.options.get("deprecated", False))


class TypeKind(StrEnum):
    SCALAR = "scalar"
    MESSAGE = "message"
    ENUM = "enum"
    MAP = "map"
    GROUP = "group"
    UNKNOWN = "unknown"


class Label(StrEnum):
    OPTIONAL = "optional"  # singular (proto3 implicit, proto3 `optional`, proto2 `optional`)
    REQUIRED = "required"  # proto2 `required` or editions LEGACY_REQUIRED
    REPEATED = "repeated"  # includes maps


class Presence(StrEnum):
    EXPLICIT = "explicit"  # has-bit: proto2 optional, proto3 `optional`, messages, oneof members
    IMPLICIT = "implicit"  # proto3 singular scalar without `optional`
    REQUIRED = "required"  # proto2 required / LEGACY_REQUIRED
    NONE = "none"  # repeated and map fields have no presence


SCALAR_TYPES = frozenset(
    {
        "double",
        "float",
        "int32",
        "int64",
        "uint32",
        "uint64",
        "sint32",
        "sint64",
        "fixed32",
        "fixed64",
        "sfixed32",
        "sfixed64",
        "bool",
        "string",
        "bytes",
    }
)


class FieldModel(Element):
    kind: ElementKind = ElementKind.FIELD
    number: int
    type: str  # scalar name, or FQN of message/enum (no leading dot), or "map"
    type_kind: TypeKind
    type_resolved: bool = True
    label: Label = Label.OPTIONAL
    presence: Presence = Presence.IMPLICIT
    proto3_optional: bool = False
    map_key_type: str | None = None
    map_value_type: str | None = None  # FQN or scalar
    map_value_kind: TypeKind | None = None
    oneof: str | None = None  # name of the (real, non-synthetic) oneof it belongs to
    json_name: str | None = None  # explicit `json_name` option only
    default: str | None = None  # proto2/editions default as written (text form)
    extendee: str | None = None  # set for extension fields

    @property
    def is_repeated(self) -> bool:
        return self.label == Label.REPEATED

    @property
    def is_map(self) -> bool:
        return self.type_kind == TypeKind.MAP

    @property
    def effective_json_name(self) -> str:
        return self.json_name or to_json_name(self.name)

    @property
    def element_type(self) -> str:
        """The type of one element: the map value for maps, the type otherwise."""
        if self.type_kind == TypeKind.MAP and self.map_value_type:
            return self.map_value_type
        return self.type

    @property
    def element_type_kind(self) -> TypeKind:
        if self.type_kind == TypeKind.MAP and self.map_value_kind:
            return self.map_value_kind
        return self.type_kind


class OneofModel(Element):
    kind: ElementKind = ElementKind.ONEOF
    field_names: list[str] = Field(default_factory=list)


class ReservedRange(_Model):
    start: int
    end: int  # inclusive; 536870911 for `max`

    def __contains__(self, number: int) -> bool:
        return self.start <= number <= self.end


class EnumValueModel(Element):
    kind: ElementKind = ElementKind.ENUM_VALUE
    number: int


class EnumModel(Element):
    kind: ElementKind = ElementKind.ENUM
    values: list[EnumValueModel] = Field(default_factory=list)
    reserved_ranges: list[ReservedRange] = Field(default_factory=list)
    reserved_names: list[str] = Field(default_factory=list)
    closed: bool = False  # proto2 enums are closed

    def value_by_number(self, number: int) -> EnumValueModel | None:
        return next((v for v in self.values if v.number == number), None)


class MessageModel(Element):
    kind: ElementKind = ElementKind.MESSAGE
    fields: list[FieldModel] = Field(default_factory=list)
    oneofs: list[OneofModel] = Field(default_factory=list)
    messages: list[MessageModel] = Field(default_factory=list)
    enums: list[EnumModel] = Field(default_factory=list)
    extensions: list[FieldModel] = Field(default_factory=list)
    reserved_ranges: list[ReservedRange] = Field(default_factory=list)
    reserved_names: list[str] = Field(default_factory=list)
    extension_ranges: list[ReservedRange] = Field(default_factory=list)
    is_map_entry: bool = False

    def field_by_name(self, name: str) -> FieldModel | None:
        return next((f for f in self.fields if f.name == name), None)

    def field_by_number(self, number: int) -> FieldModel | None:
        return next((f for f in self.fields if f.number == number), None)

    def is_reserved_number(self, number: int) -> bool:
        return any(number in r for r in self.reserved_ranges)


class MethodModel(Element):
    kind: ElementKind = ElementKind.METHOD
    input_type: str
    output_type: str
    input_resolved: bool = True
    output_resolved: bool = True
    client_streaming: bool = False
    server_streaming: bool = False


class ServiceModel(Element):
    kind: ElementKind = ElementKind.SERVICE
    methods: list[MethodModel] = Field(default_factory=list)


class Import(_Model):
    path: str
    public: bool = False
    weak: bool = False


class FileModel(Element):
    """A .proto file. ``name``/``fqn`` are its module-relative path."""

    kind: ElementKind = ElementKind.FILE
    repo_path: str  # path relative to the repository (or --against directory) root
    package: str = ""
    package_location: Location | None = None  # the `package` statement; None without one
    syntax: str = "proto2"  # proto2 | proto3 | editions
    edition: str | None = None
    imports: list[Import] = Field(default_factory=list)
    messages: list[MessageModel] = Field(default_factory=list)
    enums: list[EnumModel] = Field(default_factory=list)
    services: list[ServiceModel] = Field(default_factory=list)
    extensions: list[FieldModel] = Field(default_factory=list)
    sha256: str = ""  # of the file's bytes, for caching


class BuildSource(StrEnum):
    DESCRIPTORS = "descriptors"  # buf-compiled FileDescriptorSet with source info
    PARSER = "parser"  # proto-schema-parser fallback


class ProtoTree(_Model):
    """One version (base or head) of the proto sources that matter for a change."""

    files: dict[str, FileModel] = Field(default_factory=dict)  # keyed by module path
    source: BuildSource = BuildSource.PARSER
    # Files that were loaded only to resolve references (imports), not under review.
    dependency_files: list[str] = Field(default_factory=list)

    # ---- indexes (computed lazily, not serialised) ----
    def elements(self) -> Iterator[Element]:
        for file in self.files.values():
            yield file
            yield from iter_file_elements(file)

    def index(self) -> dict[str, Element]:
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {}
            for element in self.elements():
                if element.kind == ElementKind.FILE:
                    continue
                cached.setdefault(element.fqn, element)
            self.__dict__["_index"] = cached
        return cached

    def find(self, fqn: str) -> Element | None:
        return self.index().get(fqn.lstrip("."))

    def message(self, fqn: str) -> MessageModel | None:
        element = self.find(fqn)
        return element if isinstance(element, MessageModel) else None

    def enum(self, fqn: str) -> EnumModel | None:
        element = self.find(fqn)
        return element if isinstance(element, EnumModel) else None

    def file_of(self, fqn: str) -> FileModel | None:
        owners = self.__dict__.get("_owners")
        if owners is None:
            owners = {}
            for file in self.files.values():
                for element in iter_file_elements(file):
                    owners.setdefault(element.fqn, file)
            self.__dict__["_owners"] = owners
        return owners.get(fqn.lstrip("."))

    def reviewed_files(self) -> list[FileModel]:
        skip = set(self.dependency_files)
        return [f for path, f in sorted(self.files.items()) if path not in skip]


def iter_message_elements(message: MessageModel) -> Iterator[Element]:
    yield message
    yield from message.fields
    yield from message.oneofs
    yield from message.extensions
    for enum in message.enums:
        yield enum
        yield from enum.values
    for nested in message.messages:
        yield from iter_message_elements(nested)


def iter_messages(messages: list[MessageModel]) -> Iterator[MessageModel]:
    for message in messages:
        yield message
        yield from iter_messages(message.messages)


def iter_file_elements(file: FileModel) -> Iterator[Element]:
    for message in file.messages:
        yield from iter_message_elements(message)
    for enum in file.enums:
        yield enum
        yield from enum.values
    for service in file.services:
        yield service
        yield from service.methods
    yield from file.extensions


def iter_all_messages(file: FileModel) -> Iterator[MessageModel]:
    return iter_messages(file.messages)


def iter_all_enums(file: FileModel) -> Iterator[EnumModel]:
    yield from file.enums
    for message in iter_messages(file.messages):
        yield from message.enums


def to_json_name(name: str) -> str:
    """protoc's default JSON name: lowerCamelCase of the field name."""
    out: list[str] = []
    upper_next = False
    for ch in name:
        if ch == "_":
            upper_next = True
        elif upper_next:
            out.append(ch.upper())
            upper_next = False
        else:
            out.append(ch)
    return "".join(out)


# Options whose extension is declared `repeated`; a single occurrence is still a list.
REPEATED_OPTIONS = frozenset({"google.api.field_behavior", "google.api.method_signature"})
