"""Errors raised by the proto model builders."""

from __future__ import annotations


class ProtoParseError(Exception):
    """A .proto file could not be read or parsed.

    ``str(error)`` is one line in the compiler style ``path:line:column: detail``, e.g.
    ``api/todo.proto:12:5: syntax error: missing ';' at '}'``. ``line`` and ``column`` are
    1-based; 0 means the position is unknown (the whole file is at fault).
    """

    def __init__(self, path: str, line: int, column: int, detail: str) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.detail = detail
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.path}: {self.detail}"
        return f"{self.path}:{self.line}:{self.column}: {self.detail}"

    def __reduce__(self) -> tuple[type[ProtoParseError], tuple[str, int, int, str]]:
        # Exceptions with a custom __init__ need this to survive pickling (pytest-xdist,
        # multiprocessing pools).
        return (self.__class__, (self.path, self.line, self.column, self.detail))
