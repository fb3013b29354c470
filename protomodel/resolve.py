"""Name resolution with protobuf's scoping rules, over the model of a set of files.

A reference is looked up from the innermost scope outwards (``a.b.C`` tries ``a.b.C.X``,
``a.b.X``, ``a.X``, ``X``); a leading dot makes it absolute. For a dotted reference
``Foo.Bar`` the first scope where ``Foo`` names a package, message, enum or service wins,
and ``Bar`` must then be inside it (protoc reports an error instead of searching further;
here the reference stays unresolved). Non-type symbols are skipped, as protoc does when it
looks for a type.

Visibility is not checked: any file of the set may provide a symbol, not only the files
imported by the referencing file (buf would reject such a file anyway).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from protomodel.model import FileModel, MessageModel, TypeKind


class SymbolKind(Enum):
    PACKAGE = "package"
    MESSAGE = "message"
    ENUM = "enum"
    SERVICE = "service"
    EXTENSION = "extension"


_AGGREGATES = frozenset(
    {SymbolKind.PACKAGE, SymbolKind.MESSAGE, SymbolKind.ENUM, SymbolKind.SERVICE}
)
_TYPES = frozenset({SymbolKind.MESSAGE, SymbolKind.ENUM})
_TYPE_KINDS = {SymbolKind.MESSAGE: TypeKind.MESSAGE, SymbolKind.ENUM: TypeKind.ENUM}


class SymbolTable:
    """Fully-qualified names of the packages, types, services and extensions of a file set."""

    def __init__(self, files: Iterable[FileModel] = ()) -> None:
        self._kinds: dict[str, SymbolKind] = {}
        for file in files:
            self.add_file(file)

    def add_file(self, file: FileModel) -> None:
        parts = file.package.split(".") if file.package else []
        for end in range(1, len(parts) + 1):
            self._kinds.setdefault(".".join(parts[:end]), SymbolKind.PACKAGE)
        self._add_messages(file.messages)
        for enum in file.enums:
            self._kinds[enum.fqn] = SymbolKind.ENUM
        for service in file.services:
            self._kinds[service.fqn] = SymbolKind.SERVICE
        for extension in file.extensions:
            self._kinds.setdefault(extension.fqn, SymbolKind.EXTENSION)

    def resolve_type(self, name: str, scope: str) -> tuple[str, TypeKind] | None:
        """The FQN and kind (message or enum) ``name`` refers to from ``scope``."""
        fqn = self._lookup(name, scope, _TYPES)
        return None if fqn is None else (fqn, _TYPE_KINDS[self._kinds[fqn]])

    def resolve_extension(self, name: str, scope: str) -> str | None:
        """The FQN of the extension (custom option) ``name`` refers to from ``scope``."""
        return self._lookup(name, scope, frozenset({SymbolKind.EXTENSION}))

    def _add_messages(self, messages: Iterable[MessageModel]) -> None:
        for message in messages:
            self._kinds[message.fqn] = SymbolKind.MESSAGE
            for enum in message.enums:
                self._kinds[enum.fqn] = SymbolKind.ENUM
            for extension in message.extensions:
                self._kinds.setdefault(extension.fqn, SymbolKind.EXTENSION)
            self._add_messages(message.messages)

    def _lookup(self, name: str, scope: str, wanted: frozenset[SymbolKind]) -> str | None:
        if name.startswith("."):
            fqn = name[1:]
            return fqn if self._kinds.get(fqn) in wanted else None
        first, dot, rest = name.partition(".")
        scope_parts = scope.split(".") if scope else []
        for end in range(len(scope_parts), -1, -1):
            prefix = ".".join(scope_parts[:end])
            candidate = f"{prefix}.{first}" if prefix else first
            kind = self._kinds.get(candidate)
            if kind is None:
                continue
            if not dot:
                if kind in wanted:
                    return candidate
                continue
            if kind in _AGGREGATES:
                fqn = f"{candidate}.{rest}"
                return fqn if self._kinds.get(fqn) in wanted else None
        return None
