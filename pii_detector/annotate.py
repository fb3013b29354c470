"""Write PII annotations into .proto text: the original file with options inserted.

Only insertions are made — nothing is reformatted, reordered or removed, so comments,
blank lines and layout survive. Declarations are found from the model's locations (the
element's first line) and then by their own tokens (``name = number`` for a field,
``message Name {`` for a message, ``rpc Name (`` for a method) in a copy of the text
whose comments and string contents are blanked out, so nothing inside a comment or a
string is ever matched. Columns are not trusted (tab width and wide characters differ
between builders); lines and tokens are.

* A field at LOW or above without ``(pii.v1.sensitivity)`` gets
  ``[(pii.v1.sensitivity) = LEVEL, (pii.v1.pii_type) = TYPE]``; an existing ``[...]``
  list is extended instead (``[deprecated = true, (pii.v1.sensitivity) = HIGH]``).
* A message at LOW or above gets ``option (pii.v1.message_sensitivity) = LEVEL;`` as the
  first line of its body.
* An RPC at LOW or above gets ``option (pii.v1.method_sensitivity) = LEVEL;`` and
  ``option (pii.v1.audit_pii_access) = true;`` (``rpc X(A) returns (B);`` becomes a block).
* ``import "pii/v1/pii.proto";`` is added once, after the last import (else after the
  package, else after the syntax line), when anything was added.

Elements that already carry the option are left alone, which makes the writer
idempotent: annotating its own output changes nothing.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from pii_detector.analysis import iter_extensions
from pii_detector.results import FieldResult, PiiAnalysis, field_options
from pii_detector.syntax import has_option
from protomodel.model import FieldModel, FileModel, TypeKind, iter_all_messages

OPTIONS_IMPORT = "pii/v1/pii.proto"
OPTIONS_PACKAGE = "pii.v1"


def options_proto_text() -> str:
    """The options proto (``pii/v1/pii.proto``) as shipped in the package.

    A byte-for-byte copy of ``proto/pii/v1/pii.proto`` (a test keeps them equal), so an
    installed protoguard can write it next to annotated files that import it.
    """
    return importlib.resources.files("pii_detector").joinpath("pii.proto").read_text("utf-8")


@dataclass
class AnnotationResult:
    text: str
    added: list[str] = field(default_factory=list)  # element FQNs annotated
    skipped: list[str] = field(default_factory=list)  # "FQN: why" for elements not found

    @property
    def changed(self) -> bool:
        return bool(self.added)


@dataclass(frozen=True, order=True)
class _Edit:
    start: int
    end: int  # == start for a pure insertion
    text: str


def annotate_file(text: str, file: FileModel, analysis: PiiAnalysis) -> AnnotationResult:
    """Annotate one file; ``file`` must be the model parsed from ``text``."""
    if file.package == OPTIONS_PACKAGE:
        return AnnotationResult(text)  # the options proto itself
    doc = _Document(text)
    result = AnnotationResult(text)
    edits: list[_Edit] = []
    fields = {f.element: f for f in analysis.fields}
    messages = {m.element: m for m in analysis.messages}
    methods = {m.element: m for m in analysis.methods}

    groups = {
        f.type.lstrip("."): f
        for message in iter_all_messages(file)
        for f in message.fields
        if f.type_kind == TypeKind.GROUP
    }
    for model_field in _declared_fields(file):
        found = fields.get(model_field.fqn)
        if found is None or not found.sensitivity.is_pii:
            continue
        if has_option(model_field.options, "pii.v1.sensitivity"):
            continue  # annotated (an under-annotation is reported, never rewritten)
        group = model_field.type_kind == TypeKind.GROUP
        edit = doc.field_edit(
            model_field.type.rsplit(".", 1)[-1] if group else model_field.name,
            model_field.number,
            model_field.location.line,
            options_to_add(found, model_field),
            group=group,
        )
        _collect(result, edits, model_field.fqn, edit)
    for message in iter_all_messages(file):
        summary = messages.get(message.fqn)
        if (
            summary is not None
            and summary.sensitivity.is_pii
            and not has_option(message.options, "pii.v1.message_sensitivity")
        ):
            option = f"option (pii.v1.message_sensitivity) = {summary.sensitivity.value};"
            group_field = groups.get(message.fqn)
            edit = (
                doc.group_edit(message.name, group_field.number, message.location.line, option)
                if group_field is not None
                else doc.message_edit(message.name, message.location.line, option)
            )
            _collect(result, edits, message.fqn, edit)

    for service in file.services:
        for method in service.methods:
            summary = methods.get(method.fqn)
            if summary is None or not summary.sensitivity.is_pii:
                continue
            if has_option(method.options, "pii.v1.method_sensitivity"):
                continue
            options = [f"option (pii.v1.method_sensitivity) = {summary.sensitivity.value};"]
            if not has_option(method.options, "pii.v1.audit_pii_access"):
                options.append("option (pii.v1.audit_pii_access) = true;")
            _collect(
                result,
                edits,
                method.fqn,
                doc.method_edit(method.name, method.location.line, options),
            )

    if edits and not any(imp.path.endswith(OPTIONS_IMPORT) for imp in file.imports):
        edits.append(doc.import_edit(OPTIONS_IMPORT))
    result.text = doc.apply(edits)
    return result


def declaration_with_options(text: str, field: FieldModel, options: list[str]) -> str | None:
    """The field's declaration as written in ``text`` with ``options`` added to its own,
    when it sits on one line (the exact text to paste over it); None when it cannot be
    found, is a group, or spans lines (a comment inside would not survive being joined)."""
    if field.type_kind == TypeKind.GROUP:
        return None
    doc = _document(text)
    edit = doc.field_edit(field.name, field.number, field.location.line, options)
    if isinstance(edit, str):
        return None
    line_start = doc.offset(field.location.line)
    line_end = text.find("\n", line_start)
    line = text[line_start : len(text) if line_end == -1 else line_end].rstrip("\r")
    if not line_start <= edit.start <= line_start + len(line):
        return None
    column = field.location.column
    start = line_start + (column - 1 if column > 0 else len(line) - len(line.lstrip()))
    end = doc.masked.find(";", edit.end, line_start + len(line))
    if end == -1 or not start <= edit.start or doc.masked.find(";", start, edit.start) != -1:
        return None
    return text[start : edit.start] + edit.text + text[edit.end : end + 1]


@lru_cache(maxsize=4)
def _document(text: str) -> _Document:
    """One masked copy per file text: the gate asks for the fix of each of a file's fields
    (a _Document is never changed; `apply` returns new text)."""
    return _Document(text)


def _declared_fields(file: FileModel) -> Iterator[FieldModel]:
    """Fields of messages (groups' included) and extensions, as declared in the file."""
    for message in iter_all_messages(file):
        yield from message.fields
    yield from iter_extensions(file)


def options_to_add(found: FieldResult, model_field: FieldModel) -> list[str]:
    """The options to add; a type or types already written by hand are kept as they are."""
    typed = has_option(model_field.options, "pii.v1.pii_type")
    several = has_option(model_field.options, "pii.v1.pii_types")
    return field_options(
        found.sensitivity,
        None if typed else found.pii_type,
        () if several or typed else found.pii_types,
    )


def _collect(result: AnnotationResult, edits: list[_Edit], fqn: str, edit: _Edit | str) -> None:
    if isinstance(edit, str):
        result.skipped.append(f"{fqn}: {edit}")
    else:
        edits.append(edit)
        result.added.append(fqn)


# ---- the text -------------------------------------------------------------------------

_CLOSE = {"(": ")", "[": "]", "{": "}", "<": ">"}


class _Document:
    """The source text plus a masked copy (comments and string contents blanked)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.masked = _mask(text)
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.indent_unit = _indent_unit(self.masked)

    def offset(self, line: int) -> int:
        """Offset of the start of a 1-based line (0 for unknown lines)."""
        return self.line_starts[line - 1] if 1 <= line <= len(self.line_starts) else 0

    def indent_of(self, offset: int) -> str:
        start = self.text.rfind("\n", 0, offset) + 1
        return re.match(r"[ \t]*", self.text[start:]).group(0)  # type: ignore[union-attr]

    # -- fields

    def field_edit(
        self, name: str, number: int, line: int, options: list[str], *, group: bool = False
    ) -> _Edit | str:
        """Options for ``name = number``; a group's go before its body: ``group G = 2 [...] {``."""
        keyword = r"\bgroup\s+" if group else r"(?<![\w.])"
        pattern = re.compile(rf"{keyword}{re.escape(name)}\s*=\s*{number}(?![\w.])")
        match = pattern.search(self.masked, self.offset(line))
        if match is None:
            return f"declaration `{name} = {number}` not found"
        i = match.end()
        while i < len(self.masked):
            ch = self.masked[i]
            if ch == ";" or (ch == "{" and group):
                return _Edit(match.end(), match.end(), f" [{', '.join(options)}]")
            if ch == "[":
                close = self._matching(i)
                if close is None:
                    return "unterminated option list"
                last = close - 1
                while last > i and self.masked[last].isspace():
                    last -= 1
                joiner = ", " if last > i else ""
                return _Edit(last + 1, last + 1, joiner + ", ".join(options))
            i += 1
        return "declaration has no terminating ';'"

    # -- messages

    def message_edit(self, name: str, line: int, option: str) -> _Edit | str:
        pattern = re.compile(rf"\bmessage\s+{re.escape(name)}\s*\{{")
        match = pattern.search(self.masked, self.offset(line))
        if match is None:
            return f"`message {name} {{` not found"
        return self._body_insert(match.end(), [option], self.indent_of(match.start()))

    def group_edit(self, name: str, number: int, line: int, option: str) -> _Edit | str:
        """A message option as the first line of a group's body."""
        pattern = re.compile(rf"\bgroup\s+{re.escape(name)}\s*=\s*{number}(?![\w.])")
        match = pattern.search(self.masked, self.offset(line))
        if match is None:
            return f"`group {name} = {number}` not found"
        brace = self.masked.find("{", match.end())
        options = self.masked.find("[", match.end())
        if options != -1 and options < brace:
            close = self._matching(options)
            brace = -1 if close is None else self.masked.find("{", close)
        if brace == -1:
            return f"`group {name}` has no body"
        return self._body_insert(brace + 1, [option], self.indent_of(match.start()))

    # -- methods

    def method_edit(self, name: str, line: int, options: list[str]) -> _Edit | str:
        pattern = re.compile(rf"\brpc\s+{re.escape(name)}\s*\(")
        match = pattern.search(self.masked, self.offset(line))
        if match is None:
            return f"`rpc {name}(` not found"
        depth = 1  # inside the request's parentheses
        i = match.end()
        indent = self.indent_of(match.start())
        while i < len(self.masked):
            ch = self.masked[i]
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif depth == 0 and ch == "{":
                return self._body_insert(i + 1, options, indent)
            elif depth == 0 and ch == ";":
                inner = indent + self.indent_unit
                block = "".join(f"{self.newline}{inner}{option}" for option in options)
                return _Edit(i, i + 1, f" {{{block}{self.newline}{indent}}}")
            i += 1
        return f"`rpc {name}` has no terminating ';' or body"

    def _body_insert(self, after_brace: int, options: list[str], indent: str) -> _Edit:
        line_end = self.masked.find("\n", after_brace)
        rest = self.masked[after_brace : line_end if line_end != -1 else len(self.masked)]
        if rest.strip() or line_end == -1:  # `{ ... }` on one line: stay on that line
            return _Edit(after_brace, after_brace, "".join(f" {option}" for option in options))
        inner = indent + self.indent_unit
        lines = "".join(f"{inner}{option}{self.newline}" for option in options)
        return _Edit(line_end + 1, line_end + 1, lines)

    # -- the import

    def import_edit(self, path: str) -> _Edit:
        statement = f'import "{path}";'
        last_import = None
        for match in re.finditer(r"(?m)^[ \t]*import\b[^;]*;", self.masked):
            if self._depth_at(match.start()) == 0:
                last_import = match
        if last_import is not None:
            return self._after_line(last_import.end(), statement, blank=False)
        for keyword in ("package", "syntax", "edition"):
            found = re.search(rf"(?m)^[ \t]*{keyword}\b[^;]*;", self.masked)
            if found is not None:
                return self._after_line(found.end(), statement, blank=True)
        return _Edit(0, 0, f"{statement}{self.newline}")

    def _after_line(self, statement_end: int, statement: str, *, blank: bool) -> _Edit:
        """Insert a line after the line a statement ends on (its trailing comment stays)."""
        line_end = self.masked.find("\n", statement_end)
        rest = self.masked[statement_end : len(self.masked) if line_end == -1 else line_end]
        gap = self.newline if blank else ""
        if line_end == -1 or rest.strip():
            return _Edit(statement_end, statement_end, f"{self.newline}{gap}{statement}")
        return _Edit(line_end + 1, line_end + 1, f"{gap}{statement}{self.newline}")

    # -- helpers

    def _matching(self, open_at: int) -> int | None:
        stack = [_CLOSE[self.masked[open_at]]]
        for i in range(open_at + 1, len(self.masked)):
            ch = self.masked[i]
            if ch in "([{":
                stack.append(_CLOSE[ch])
            elif ch in ")]}":
                if ch != stack.pop():
                    return None
                if not stack:
                    return i
        return None

    def _depth_at(self, offset: int) -> int:
        depth = 0
        for ch in self.masked[:offset]:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
        return depth

    def apply(self, edits: Iterable[_Edit]) -> str:
        text = self.text
        for edit in sorted(edits, reverse=True):
            text = text[: edit.start] + edit.text + text[edit.end :]
        return text


def _mask(text: str) -> str:
    """``text`` with comments and string contents replaced by spaces (newlines kept)."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "/" and text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end == -1 else end
            out[i:end] = " " * (end - i)
            i = end
        elif ch == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end == -1 else end + 2
            out[i:end] = [c if c == "\n" else " " for c in text[i:end]]
            i = end
        elif ch in "\"'":
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j, n - 1)
            out[i + 1 : j] = " " * (j - i - 1)
            i = j + 1
        else:
            i += 1
    return "".join(out)


def _indent_unit(masked: str) -> str:
    """The file's indentation step (two spaces unless the file says otherwise)."""
    widths = [len(m.group(1)) for m in re.finditer(r"(?m)^( +)\S", masked)]
    if not widths and re.search(r"(?m)^\t+\S", masked):
        return "\t"
    return " " * min(widths) if widths else "  "
