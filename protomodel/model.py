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


def declaration_layers(tree: ProtoTree) -> list[ProtoTree]:
    """``tree`` split into trees in none of which two files declare the same name.

    A tree normally is one already (a compiler refuses anything else), but a directory read
    file by file may hold two versions of a package (googleapis keeps copies under
    `preview/`), and the index keeps only the first declaration of a name. Each file joins
    the first layer where its names are new. A later layer also holds every file of the
    first that declares none of its names, as dependencies, so its references resolve;
    it reviews only its own files. Returns ``[tree]`` when nothing is declared twice.
    """
    layers: list[tuple[dict[str, FileModel], set[str]]] = []
    for path, file in sorted(tree.files.items()):
        names = {element.fqn for element in iter_file_elements(file)}
        home = next((layer for layer in layers if layer[1].isdisjoint(names)), None)
        if home is None:
            home = ({}, set())
            layers.append(home)
        home[0][path] = file
        home[1].update(names)
    if len(layers) <= 1:
        return [tree]
    dependencies = set(tree.dependency_files)
    first_files = layers[0][0]
    trees = [_subtree(tree, first_files, dependencies)]
    for own, names in layers[1:]:
        if own.keys() <= dependencies:
            continue  # only dependencies were declared twice: nothing of this layer is reviewed
        around = {
            path: file
            for path, file in first_files.items()
            if names.isdisjoint(element.fqn for element in iter_file_elements(file))
        }
        trees.append(_subtree(tree, {**around, **own}, dependencies | around.keys()))
    return trees


def _subtree(tree: ProtoTree, files: dict[str, FileModel], dependencies: set[str]) -> ProtoTree:
    # A new model, not a copy: a copy would carry the whole tree's cached indexes.
    return ProtoTree(
        files=files,
        source=tree.source,
        dependency_files=sorted(path for path in files if path in dependencies),
    )


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
