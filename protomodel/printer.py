"""Print a ``FileDescriptorProto`` back as ``.proto`` source.

Used to vendor option protos that a registry package ships only as a compiled descriptor
(protovalidate's ``buf/validate/validate.proto`` lives in its wheel only as the serialized
descriptor inside ``validate_pb.py``). The output compiles to the same descriptor as the
input (source info aside): declarations keep their descriptor order, custom options are
decoded through a descriptor pool that knows their extensions, and type names are printed
as short as the scoping rules allow. Comments are printed when the descriptor carries
``source_code_info``.

Command line (the generated module is read with ``ast``, never imported)::

    python -m protomodel.printer path/to/validate_pb.py --header "Generated from ..." \\
        > proto/buf/validate/validate.proto
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import click
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message
from google.protobuf.text_encoding import CEscape
from google.protobuf.unknown_fields import UnknownFieldSet

FDP = descriptor_pb2.FieldDescriptorProto

# Field numbers of FileDescriptorProto / DescriptorProto / … used in source_code_info paths.
_FILE_PACKAGE, _FILE_MESSAGE, _FILE_ENUM, _FILE_SERVICE, _FILE_EXTENSION = 2, 4, 5, 6, 7
_FILE_SYNTAX, _FILE_EDITION = 12, 14
_MSG_FIELD, _MSG_NESTED, _MSG_ENUM, _MSG_EXTENSION, _MSG_ONEOF = 2, 3, 4, 6, 8
_ENUM_VALUE, _SERVICE_METHOD = 2, 2

_MAX_FIELD_NUMBER = 536_870_911  # `max` in message reserved/extension ranges (end inclusive)
_MAX_ENUM_NUMBER = 2_147_483_647  # `max` in enum reserved ranges

_SCALAR_NAMES = {
    FDP.TYPE_DOUBLE: "double",
    FDP.TYPE_FLOAT: "float",
    FDP.TYPE_INT64: "int64",
    FDP.TYPE_UINT64: "uint64",
    FDP.TYPE_INT32: "int32",
    FDP.TYPE_FIXED64: "fixed64",
    FDP.TYPE_FIXED32: "fixed32",
    FDP.TYPE_BOOL: "bool",
    FDP.TYPE_STRING: "string",
    FDP.TYPE_BYTES: "bytes",
    FDP.TYPE_UINT32: "uint32",
    FDP.TYPE_SFIXED32: "sfixed32",
    FDP.TYPE_SFIXED64: "sfixed64",
    FDP.TYPE_SINT32: "sint32",
    FDP.TYPE_SINT64: "sint64",
}

_INDENT = "  "
_DESCRIPTOR_PROTO = "google/protobuf/descriptor.proto"
_MODULE_PATH = re.compile(r"[a-z_][a-z0-9_]*(/[a-z_][a-z0-9_]*)*\.proto")


class PrintError(ValueError):
    """The descriptor cannot be printed faithfully (missing import, undecodable option)."""


def build_pool(
    file: descriptor_pb2.FileDescriptorProto,
    deps: Iterable[descriptor_pb2.FileDescriptorProto] = (),
) -> descriptor_pool.DescriptorPool:
    """A fresh pool holding ``file`` and its transitive imports.

    Imports come from ``deps`` first, then from the Python runtime's default pool (which
    has the well-known types). The file itself is added too, because an option protos file
    may use its own extensions (protovalidate sets ``(buf.validate.predefined)`` on its own
    fields).
    """
    given = {d.name: d for d in deps}
    pool = descriptor_pool.DescriptorPool()
    added: set[str] = set()

    def add(proto: descriptor_pb2.FileDescriptorProto) -> None:
        if proto.name in added:
            return
        for name in proto.dependency:
            add(_find_dependency(name, given))
        pool.Add(proto)
        added.add(proto.name)

    # Options messages are decoded through the pool even when the file does not import
    # descriptor.proto itself (a file with only `option java_package = ...`).
    if file.name != _DESCRIPTOR_PROTO:
        add(_find_dependency(_DESCRIPTOR_PROTO, given))
    add(file)
    return pool


def _find_dependency(
    name: str, given: dict[str, descriptor_pb2.FileDescriptorProto]
) -> descriptor_pb2.FileDescriptorProto:
    if name in given:
        return given[name]
    # Installed generated modules (well-known types, googleapis-common-protos) register
    # their files in the default pool when imported: `google/api/http.proto` is
    # `google.api.http_pb2`.
    if _MODULE_PATH.fullmatch(name):
        with contextlib.suppress(ImportError):
            importlib.import_module(name.removesuffix(".proto").replace("/", ".") + "_pb2")
    try:
        found = descriptor_pool.Default().FindFileByName(name)
    except KeyError:
        raise PrintError(
            f"import {name!r} is unknown: pass its descriptor as a dependency"
        ) from None
    proto = descriptor_pb2.FileDescriptorProto()
    found.CopyToProto(proto)
    return proto


def print_file(
    file: descriptor_pb2.FileDescriptorProto,
    deps: Iterable[descriptor_pb2.FileDescriptorProto] = (),
    header: Sequence[str] = (),
) -> str:
    """The ``.proto`` source of ``file``; ``header`` lines become a leading ``//`` block."""
    pool = build_pool(file, deps)
    return _Printer(file, pool).render(header)


class _Printer:
    def __init__(
        self, file: descriptor_pb2.FileDescriptorProto, pool: descriptor_pool.DescriptorPool
    ):
        self.file = file
        self.pool = pool
        self.editions = file.syntax == "editions"
        self.proto3 = file.syntax == "proto3"
        self.symbols = _symbols(pool, file)
        self.comments = {tuple(loc.path): loc for loc in file.source_code_info.location if loc.path}
        self.lines: list[str] = []

    # ---- output helpers ----
    def emit(self, depth: int, text: str) -> None:
        self.lines.append(f"{_INDENT * depth}{text}" if text else "")

    def emit_leading(self, depth: int, path: tuple[int, ...]) -> None:
        location = self.comments.get(path)
        if location is None:
            return
        for detached in location.leading_detached_comments:
            self._emit_comment(depth, detached)
            self.emit(depth, "")
        if location.HasField("leading_comments"):
            self._emit_comment(depth, location.leading_comments)

    def _emit_comment(self, depth: int, text: str) -> None:
        for line in text.rstrip("\n").split("\n"):
            self.emit(depth, f"//{line}" if line.startswith(" ") or not line else f"// {line}")

    def trailing(self, path: tuple[int, ...]) -> str:
        location = self.comments.get(path)
        if location is None or not location.HasField("trailing_comments"):
            return ""
        return " //" + location.trailing_comments.rstrip("\n").replace("\n", " ")

    # ---- file ----
    def render(self, header: Sequence[str]) -> str:
        file = self.file
        for line in header:
            self.emit(0, f"// {line}" if line else "//")
        if header:
            self.emit(0, "")
        if self.editions:
            self.emit_leading(0, (_FILE_EDITION,))
            edition = descriptor_pb2.Edition.Name(file.edition).removeprefix("EDITION_")
            self.emit(0, f'edition = "{edition}";')
        else:
            self.emit_leading(0, (_FILE_SYNTAX,))
            self.emit(0, f'syntax = "{file.syntax or "proto2"}";')
        self.emit(0, "")
        if file.package:
            self.emit_leading(0, (_FILE_PACKAGE,))
            self.emit(0, f"package {file.package};")
            self.emit(0, "")
        if file.dependency or file.option_dependency:
            public, weak = set(file.public_dependency), set(file.weak_dependency)
            for index, name in enumerate(file.dependency):
                modifier = "public " if index in public else "weak " if index in weak else ""
                self.emit(0, f'import {modifier}"{name}";')
            for name in file.option_dependency:
                self.emit(0, f'import option "{name}";')
            self.emit(0, "")
        if self.option_statements(0, file.options, file.package):
            self.emit(0, "")
        scope = file.package
        for index, message in enumerate(file.message_type):
            self.message(0, message, _join(scope, message.name), (_FILE_MESSAGE, index))
            self.emit(0, "")
        for index, enum in enumerate(file.enum_type):
            self.enum(0, enum, scope, (_FILE_ENUM, index))
            self.emit(0, "")
        if file.extension:
            self.extensions(0, file.extension, scope, (_FILE_EXTENSION,))
            self.emit(0, "")
        for index, service in enumerate(file.service):
            self.service(0, service, scope, (_FILE_SERVICE, index))
            self.emit(0, "")
        while self.lines and not self.lines[-1]:
            self.lines.pop()
        return "\n".join(self.lines) + "\n"

    # ---- messages ----
    def message(
        self,
        depth: int,
        message: descriptor_pb2.DescriptorProto,
        fqn: str,
        path: tuple[int, ...],
        group_field: str = "",
    ) -> None:
        """Print a message; ``group_field`` is the `label group Name = N [..]` head of a group."""
        self.emit_leading(depth, path)
        head = group_field or f"message {message.name}"
        self.emit(depth, f"{head} {{{self.trailing(path)}")
        self.message_body(depth + 1, message, fqn, path)
        self.emit(depth, "}")

    def message_body(
        self, depth: int, message: descriptor_pb2.DescriptorProto, fqn: str, path: tuple[int, ...]
    ) -> None:
        self.option_statements(depth, message.options, fqn)
        nested = {_join(fqn, n.name): n for n in message.nested_type}
        inlined: set[str] = set()  # map entries and groups, printed where their field is
        printed_oneofs: set[int] = set()
        for index, field in enumerate(message.field):
            field_path = (*path, _MSG_FIELD, index)
            if field.HasField("oneof_index") and not field.proto3_optional:
                if field.oneof_index in printed_oneofs:
                    continue
                printed_oneofs.add(field.oneof_index)
                self.oneof(depth, message, field.oneof_index, fqn, path, nested, inlined)
                continue
            self.field(depth, field, fqn, field_path, nested, inlined)
        for index, enum in enumerate(message.enum_type):
            self.enum(depth, enum, fqn, (*path, _MSG_ENUM, index))
        for index, nested_message in enumerate(message.nested_type):
            nested_fqn = _join(fqn, nested_message.name)
            if nested_fqn not in inlined:
                self.message(depth, nested_message, nested_fqn, (*path, _MSG_NESTED, index))
        if message.extension:
            self.extensions(depth, message.extension, fqn, (*path, _MSG_EXTENSION))
        for extension_range in message.extension_range:
            end = extension_range.end - 1
            numbers = _range_text(extension_range.start, end, _MAX_FIELD_NUMBER)
            options = self.option_list(extension_range.options, fqn)
            self.emit(depth, f"extensions {numbers}{_brackets(options, depth)};")
        self.reserved(
            depth,
            [(r.start, r.end - 1) for r in message.reserved_range],
            message.reserved_name,
            _MAX_FIELD_NUMBER,
        )

    def oneof(
        self,
        depth: int,
        message: descriptor_pb2.DescriptorProto,
        oneof_index: int,
        fqn: str,
        path: tuple[int, ...],
        nested: dict[str, descriptor_pb2.DescriptorProto],
        inlined: set[str],
    ) -> None:
        oneof = message.oneof_decl[oneof_index]
        oneof_path = (*path, _MSG_ONEOF, oneof_index)
        self.emit_leading(depth, oneof_path)
        self.emit(depth, f"oneof {oneof.name} {{{self.trailing(oneof_path)}")
        self.option_statements(depth + 1, oneof.options, fqn)
        for index, field in enumerate(message.field):
            if field.HasField("oneof_index") and field.oneof_index == oneof_index:
                self.field(depth + 1, field, fqn, (*path, _MSG_FIELD, index), nested, inlined)
        self.emit(depth, "}")

    # ---- fields ----
    def field(
        self,
        depth: int,
        field: descriptor_pb2.FieldDescriptorProto,
        scope: str,
        path: tuple[int, ...],
        nested: dict[str, descriptor_pb2.DescriptorProto],
        inlined: set[str],
    ) -> None:
        target = field.type_name.lstrip(".")
        entry = nested.get(target)
        options = self.field_option_list(field, scope)
        if entry is not None and entry.options.map_entry:
            inlined.add(target)
            key, value = entry.field[0], entry.field[1]
            type_text = f"map<{self.type_text(key, scope)}, {self.type_text(value, scope)}>"
            self.emit_leading(depth, path)
            self.emit(
                depth,
                f"{type_text} {field.name} = {field.number}{_brackets(options, depth)};"
                + self.trailing(path),
            )
            return
        label = self.label(field)
        if field.type == FDP.TYPE_GROUP and entry is not None and not self.editions:
            inlined.add(target)
            head = f"{label}group {entry.name} = {field.number}{_brackets(options, depth)}"
            self.message(depth, entry, target, path, group_field=head)
            return
        self.emit_leading(depth, path)
        self.emit(
            depth,
            f"{label}{self.type_text(field, scope)} {field.name} = {field.number}"
            f"{_brackets(options, depth)};{self.trailing(path)}",
        )

    def label(self, field: descriptor_pb2.FieldDescriptorProto) -> str:
        if field.label == FDP.LABEL_REPEATED:
            return "repeated "
        if field.HasField("oneof_index") and not field.proto3_optional:
            return ""
        if self.editions:
            return ""  # presence is a feature option in editions, never a keyword
        if self.proto3:
            return "optional " if field.proto3_optional else ""
        return "required " if field.label == FDP.LABEL_REQUIRED else "optional "

    def type_text(self, field: descriptor_pb2.FieldDescriptorProto, scope: str) -> str:
        if field.type in _SCALAR_NAMES:
            return _SCALAR_NAMES[field.type]
        return self.type_name(field.type_name, scope)

    def type_name(self, type_name: str, scope: str) -> str:
        """The shortest suffix of ``type_name`` that resolves back to it from ``scope``.

        Mirrors protoc's lookup: the first component is searched from the innermost scope
        outwards, and the first scope that defines it wins (even if the rest then fails).
        """
        target = type_name.lstrip(".")
        parts = target.split(".")
        for start in range(len(parts) - 1, -1, -1):
            candidate = parts[start:]
            if self.resolve(candidate, scope) == target:
                return ".".join(candidate)
        return "." + target

    def full_name(self, fqn: str, scope: str) -> str:
        """``fqn`` as written by people (``buf.validate.field``), dotted only if shadowed."""
        return fqn if self.resolve(fqn.split("."), scope) == fqn else "." + fqn

    def resolve(self, parts: list[str], scope: str) -> str | None:
        scopes = scope.split(".") if scope else []
        for depth in range(len(scopes), -1, -1):
            first = _join(".".join(scopes[:depth]), parts[0])
            if first in self.symbols:
                return _join(".".join(scopes[:depth]), ".".join(parts))
        return None

    def field_option_list(
        self, field: descriptor_pb2.FieldDescriptorProto, scope: str
    ) -> list[str]:
        items: list[str] = []
        if field.HasField("default_value"):
            items.append(f"default = {self.default_text(field, scope)}")
        if field.HasField("json_name") and field.json_name != _json_name(field.name):
            items.append(f"json_name = {_quote(field.json_name)}")
        items.extend(self.option_list(field.options, scope))
        return items

    def default_text(self, field: descriptor_pb2.FieldDescriptorProto, scope: str) -> str:
        value = field.default_value
        if field.type == FDP.TYPE_STRING:
            return _quote(value)
        if field.type == FDP.TYPE_BYTES:
            return f'"{value}"'  # the descriptor keeps bytes defaults C-escaped already
        return value  # numbers, inf/nan, true/false and enum value names print as stored

    # ---- enums ----
    def enum(
        self,
        depth: int,
        enum: descriptor_pb2.EnumDescriptorProto,
        scope: str,
        path: tuple[int, ...],
    ) -> None:
        fqn = _join(scope, enum.name)
        self.emit_leading(depth, path)
        self.emit(depth, f"enum {enum.name} {{{self.trailing(path)}")
        self.option_statements(depth + 1, enum.options, fqn)
        for index, value in enumerate(enum.value):
            value_path = (*path, _ENUM_VALUE, index)
            options = self.option_list(value.options, fqn)
            self.emit_leading(depth + 1, value_path)
            self.emit(
                depth + 1,
                f"{value.name} = {value.number}{_brackets(options, depth + 1)};"
                + self.trailing(value_path),
            )
        self.reserved(
            depth + 1,
            [(r.start, r.end) for r in enum.reserved_range],
            enum.reserved_name,
            _MAX_ENUM_NUMBER,
        )
        self.emit(depth, "}")

    def reserved(
        self, depth: int, ranges: list[tuple[int, int]], names: Sequence[str], maximum: int
    ) -> None:
        if ranges:
            numbers = ", ".join(_range_text(start, end, maximum) for start, end in ranges)
            self.emit(depth, f"reserved {numbers};")
        if names:
            # Editions reserve identifiers; proto2/proto3 reserve quoted strings.
            text = ", ".join(name if self.editions else _quote(name) for name in names)
            self.emit(depth, f"reserved {text};")

    # ---- extensions and services ----
    def extensions(
        self,
        depth: int,
        extensions: Sequence[descriptor_pb2.FieldDescriptorProto],
        scope: str,
        path: tuple[int, ...],
    ) -> None:
        """One ``extend`` block per run of extensions with the same extendee, in order."""
        index = 0
        while index < len(extensions):
            extendee = extensions[index].extendee
            self.emit(depth, f"extend {self.type_name(extendee, scope)} {{")
            while index < len(extensions) and extensions[index].extendee == extendee:
                self.field(depth + 1, extensions[index], scope, (*path, index), {}, set())
                index += 1
            self.emit(depth, "}")

    def service(
        self,
        depth: int,
        service: descriptor_pb2.ServiceDescriptorProto,
        scope: str,
        path: tuple[int, ...],
    ) -> None:
        fqn = _join(scope, service.name)
        self.emit_leading(depth, path)
        self.emit(depth, f"service {service.name} {{{self.trailing(path)}")
        self.option_statements(depth + 1, service.options, fqn)
        for index, method in enumerate(service.method):
            method_path = (*path, _SERVICE_METHOD, index)
            request = self.type_name(method.input_type, fqn)
            response = self.type_name(method.output_type, fqn)
            signature = (
                f"rpc {method.name}({'stream ' if method.client_streaming else ''}{request})"
                f" returns ({'stream ' if method.server_streaming else ''}{response})"
            )
            self.emit_leading(depth + 1, method_path)
            options = self.option_list(method.options, fqn)
            if not options:
                self.emit(depth + 1, f"{signature};{self.trailing(method_path)}")
                continue
            self.emit(depth + 1, f"{signature} {{{self.trailing(method_path)}")
            for option in options:
                self.emit_block(depth + 2, f"option {option};")
            self.emit(depth + 1, "}")
        self.emit(depth, "}")

    # ---- options ----
    def option_statements(self, depth: int, options: Message, scope: str) -> bool:
        items = self.option_list(options, scope)
        for item in items:
            self.emit_block(depth, f"option {item};")
        return bool(items)

    def emit_block(self, depth: int, text: str) -> None:
        # Continuation lines of an aggregate value are indented relative to its first line.
        for line in text.split("\n"):
            self.emit(depth, line)

    def option_list(self, options: Message, scope: str) -> list[str]:
        """``name = value`` for every option set, custom extensions decoded via the pool."""
        if not options.ByteSize():
            return []
        decoded = self.decode(options)
        items: list[str] = []
        for descriptor, value in decoded.ListFields():
            name = (
                f"({self.full_name(descriptor.full_name, scope)})"
                if descriptor.is_extension
                else descriptor.name
            )
            for item in value if _is_repeated(descriptor) else [value]:
                path = self.single_path(item, scope) if isinstance(item, Message) else None
                if path is not None:
                    # `(google.api.resource_reference).type = "..."` reads better than a
                    # one-field aggregate, and protoc merges it into the same message.
                    items.append(f"{name}.{path}")
                else:
                    items.append(f"{name} = {self.value_text(descriptor, item)}")
        return items

    def single_path(self, value: Message, scope: str) -> str | None:
        """``a.b = v`` when ``value`` sets exactly one singular leaf, else None."""
        fields = value.ListFields()
        if len(fields) != 1 or _is_repeated(fields[0][0]):
            return None
        descriptor, inner = fields[0]
        name = (
            f"({self.full_name(descriptor.full_name, scope)})"
            if descriptor.is_extension
            else descriptor.name
        )
        if isinstance(inner, Message):
            rest = self.single_path(inner, scope)
            return None if rest is None else f"{name}.{rest}"
        return f"{name} = {_scalar_text(descriptor, inner)}"

    def decode(self, options: Message) -> Message:
        """Re-parse an options message with the pool's classes so extensions are known."""
        cls = message_factory.GetMessageClass(
            self.pool.FindMessageTypeByName(options.DESCRIPTOR.full_name)
        )
        decoded = cls.FromString(options.SerializeToString())
        if len(UnknownFieldSet(decoded)):
            raise PrintError(
                f"{options.DESCRIPTOR.name} of {self.file.name} has options whose extension "
                "is not in any import: cannot print them"
            )
        return decoded

    def value_text(self, descriptor: FieldDescriptor, value: Any) -> str:
        if descriptor.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
            body = text_format.MessageToString(
                value, as_utf8=True, descriptor_pool=self.pool, indent=len(_INDENT)
            )
            if not body:
                return "{}"
            return "{\n" + _unescape_single_quotes(body.rstrip("\n")) + "\n}"
        return _scalar_text(descriptor, value)


def _scalar_text(descriptor: FieldDescriptor, value: Any) -> str:
    if descriptor.type == FieldDescriptor.TYPE_ENUM:
        enum_value = descriptor.enum_type.values_by_number.get(value)
        return enum_value.name if enum_value is not None else str(value)
    if descriptor.type == FieldDescriptor.TYPE_BOOL:
        return "true" if value else "false"
    if descriptor.type == FieldDescriptor.TYPE_STRING:
        return _quote(value)
    if descriptor.type == FieldDescriptor.TYPE_BYTES:
        return '"' + CEscape(value, as_utf8=False) + '"'
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    return str(value)


def _is_repeated(descriptor: FieldDescriptor) -> bool:
    # `is_repeated` appeared in newer protobuf releases; `label` is deprecated there.
    flag = getattr(descriptor, "is_repeated", None)
    if flag is not None:
        return bool(flag)
    return descriptor.label == FieldDescriptor.LABEL_REPEATED


def _brackets(items: list[str], depth: int) -> str:
    if not items:
        return ""
    text = ", ".join(items)
    # Indent continuation lines of aggregate values to the field's depth.
    return " [" + text.replace("\n", "\n" + _INDENT * depth) + "]"


def _range_text(start: int, end: int, maximum: int) -> str:
    if start == end:
        return str(start)
    return f"{start} to {'max' if end == maximum else end}"


def _quote(text: str) -> str:
    return '"' + _unescape_single_quotes(CEscape(text, as_utf8=True)) + '"'


def _unescape_single_quotes(escaped: str) -> str:
    # CEscape also escapes `'`, which double-quoted proto strings (CEL!) do not need. Every
    # `'` in its output is preceded by exactly its own backslash, so this stays exact.
    return escaped.replace("\\'", "'")


def _join(scope: str, name: str) -> str:
    return f"{scope}.{name}" if scope else name


def _json_name(name: str) -> str:
    parts = name.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def _symbols(
    pool: descriptor_pool.DescriptorPool, file: descriptor_pb2.FileDescriptorProto
) -> set[str]:
    """Every name that type lookup can hit from ``file``: packages and all declarations in
    the file and its transitive imports (fields too: protoc stops at them)."""
    symbols: set[str] = set()
    seen: set[str] = set()

    def add_package(package: str) -> None:
        parts = package.split(".") if package else []
        for end in range(1, len(parts) + 1):
            symbols.add(".".join(parts[:end]))

    def add_file(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        proto = descriptor_pb2.FileDescriptorProto()
        pool.FindFileByName(name).CopyToProto(proto)
        add_package(proto.package)
        symbols.update(_declared_names(proto))
        for dependency in proto.dependency:
            add_file(dependency)

    add_file(file.name)
    return symbols


def _declared_names(file: descriptor_pb2.FileDescriptorProto) -> Iterator[str]:
    def enum_names(enum: descriptor_pb2.EnumDescriptorProto, scope: str) -> Iterator[str]:
        yield _join(scope, enum.name)
        # Enum values are siblings of their enum (C++ scoping rules).
        yield from (_join(scope, value.name) for value in enum.value)

    def message_names(message: descriptor_pb2.DescriptorProto, scope: str) -> Iterator[str]:
        fqn = _join(scope, message.name)
        yield fqn
        yield from (_join(fqn, f.name) for f in (*message.field, *message.extension))
        yield from (_join(fqn, o.name) for o in message.oneof_decl)
        for enum in message.enum_type:
            yield from enum_names(enum, fqn)
        for nested in message.nested_type:
            yield from message_names(nested, fqn)

    scope = file.package
    for message in file.message_type:
        yield from message_names(message, scope)
    for enum in file.enum_type:
        yield from enum_names(enum, scope)
    for service in file.service:
        yield _join(scope, service.name)
        yield from (_join(scope, f"{service.name}.{m.name}") for m in service.method)
    yield from (_join(scope, extension.name) for extension in file.extension)


def descriptor_from_generated_module(source: str) -> descriptor_pb2.FileDescriptorProto:
    """The serialized ``FileDescriptorProto`` embedded in a generated Python module.

    Works for protoc's ``*_pb2.py`` (``AddSerializedFile(b"...")``) and for Buf's
    ``*_pb.py`` (``file_desc(b"...", ...)``): the longest bytes literal that parses as a
    named descriptor wins. The module is parsed, never executed.
    """
    best: descriptor_pb2.FileDescriptorProto | None = None
    best_size = -1
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, bytes)):
            continue
        if len(node.value) <= best_size:
            continue
        try:
            candidate = descriptor_pb2.FileDescriptorProto.FromString(node.value)
        except DecodeError:
            continue
        if candidate.name.endswith(".proto"):
            best, best_size = candidate, len(node.value)
    if best is None:
        raise PrintError("no serialized FileDescriptorProto found in the module")
    return best


def load_descriptor(path: Path, name: str | None = None) -> descriptor_pb2.FileDescriptorProto:
    """A file descriptor from a generated module (``.py``) or from a FileDescriptorSet
    (``buf build --as-file-descriptor-set``, ``protoc --descriptor_set_out``), where
    ``name`` picks the file (the last one, the target of the build, by default)."""
    if path.suffix == ".py":
        return descriptor_from_generated_module(path.read_text(encoding="utf-8"))
    try:
        files = descriptor_pb2.FileDescriptorSet.FromString(path.read_bytes()).file
    except DecodeError:
        raise PrintError(f"{path} is not a FileDescriptorSet") from None
    if not files:
        raise PrintError(f"{path} holds no file")
    if name is None:
        return files[-1]
    for file in files:
        if file.name == name:
            return file
    raise PrintError(f"{name} is not in {path}")


@click.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="File to print when SOURCE is a FileDescriptorSet.")
@click.option(
    "--deps",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="FileDescriptorSet with imports that the Python runtime does not know.",
)
@click.option("--header", multiple=True, help="A line of the leading comment (repeatable).")
def main(source: Path, name: str | None, deps: Path | None, header: tuple[str, ...]) -> None:
    """Print SOURCE (a generated *_pb2.py / *_pb.py, or a FileDescriptorSet) as .proto
    source on stdout."""
    try:
        file = load_descriptor(source, name)
        dependencies = (
            list(descriptor_pb2.FileDescriptorSet.FromString(deps.read_bytes()).file)
            if deps
            else []
        )
        text = print_file(file, dependencies, header)
    except PrintError as error:
        raise click.ClickException(str(error)) from None
    click.echo(text, nl=False)


if __name__ == "__main__":
    main()
