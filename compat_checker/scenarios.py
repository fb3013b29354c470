"""Named, parser-based edits of a proto: the demo's changes and the gate's acceptance cases.

Each scenario is one realistic change to the bundled example API (`proto/acme/todo/v1`),
with the verdict `protoguard check` must reach on it. Edits find their target through the
proto model (`protomodel.parse.parse_file`: FQN → element → 1-based start position) and
then work on the token stream of the same tokenizer (`protomodel.lexer`) from that
position, so a declaration's extent is found by matching brackets over real tokens
(strings and comments kept apart), never by a regex that stops at the first `}`. The rest
of the file is left byte for byte as it was.

    protoguard scenario list
    protoguard scenario apply remove_description --proto proto/acme/todo/v1/task.proto --in-place
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any

import click

from compat_checker.errors import GateError
from compat_checker.io import atomic_write_text
from compat_checker.resources import asset_dir
from protomodel.errors import ProtoParseError
from protomodel.lexer import tokenize
from protomodel.model import (
    Element,
    EnumModel,
    FieldModel,
    FileModel,
    MessageModel,
    MethodModel,
    ServiceModel,
    iter_all_enums,
    iter_all_messages,
)
from protomodel.parse import parse_file

TASK_PROTO = "acme/todo/v1/task.proto"
SERVICE_PROTO = "acme/todo/v1/todo_service.proto"
PACKAGE = "acme.todo.v1"

_OPEN, _CLOSE = "{[(<", "}])>"
_LABELS = frozenset({"optional", "required", "repeated"})
_MAX_FIELD_NUMBER = 536_870_911
_MAX_ENUM_NUMBER = 2_147_483_647
_LINE_LENGTH = 100  # wrap added options past this, like buf format
_FIRST_RESERVED, _LAST_RESERVED = 19_000, 19_999  # protobuf's own implementation range


class Verdict(StrEnum):
    BLOCKED = "blocked"
    SAFE = "safe"


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    verdict: Verdict
    proto: str  # default target file, relative to the example's proto/ directory
    apply: Callable[..., str]  # apply(text, path, **params) -> edited text
    # protoguard rule IDs the verdict must name (others may come along); none when safe.
    rules: tuple[str, ...] = ()
    # buf breaking rules (FILE category) that report it; empty = buf does not see it.
    buf_rules: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------
# Tokens


@dataclass(frozen=True)
class _Token:
    text: str
    start: int  # offset of the first character in the text
    end: int  # offset just past the last character
    line: int


class _Source:
    """The text and its significant tokens, from the same tokenizer the model is built
    with, so the model's positions map onto them exactly; positions are offsets."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        try:
            tokenized = tokenize(text, path)
        except ProtoParseError as exc:
            raise GateError(str(exc)) from exc
        significant = tokenized.tokens[:-1]  # without EOF
        # Text from the source, not token.text: the tokenizer rewrites some tokens.
        self.tokens = [
            _Token(text[t.start : t.stop + 1], t.start, t.stop + 1, t.line) for t in significant
        ]
        self.comments_before = tokenized.comments_before
        self._positions = {
            (t.line, tokenized.display_column(t)): i for i, t in enumerate(significant)
        }
        self._line_starts = [0]
        self._line_starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")

    def offset_of_line(self, line: int) -> int:
        return self._line_starts[line - 1]

    def line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def line_end(self, offset: int) -> int:
        """Offset just past the newline that ends the line holding ``offset``."""
        end = self.text.find("\n", offset)
        return len(self.text) if end < 0 else end + 1

    def indent_of(self, offset: int) -> str:
        start = self.line_start(offset)
        line = self.text[start : self.line_end(offset)]
        return line[: len(line) - len(line.lstrip(" \t"))]

    def token_at(self, element: Element) -> int:
        """Index of the first significant token of ``element``'s declaration."""
        location = element.location
        index = self._positions.get((location.line, location.column))
        if index is None:
            raise GateError(
                f"no token starts at {location.line}:{location.column}, where the proto model "
                f"places {element.fqn}; is the model up to date with the text?"
            )
        # A field's position may start at its type rather than its label; take the label.
        if index > 0 and self.tokens[index - 1].text in _LABELS:
            index -= 1
        return index

    def first_comment_line(self, index: int) -> int:
        """The first line of the comments right above token ``index`` (no blank line in
        between and not trailing the previous token), or the token's own line."""
        line = self.tokens[index].line
        previous_line = self.tokens[index - 1].line if index > 0 else 0
        for comment in reversed(self.comments_before.get(index, [])):
            if comment.end_line != line - 1 or comment.start_line == previous_line:
                break
            line = comment.start_line
        return line

    def statement(self, first: int) -> int:
        """Index of the last token of the statement starting at ``first``: its `;` at
        bracket depth 0, or the `}` that closes its body (not an aggregate option value
        such as `option (google.api.http) = {...};`, which still ends at its `;`)."""
        depth = 0
        body = False
        for index in range(first, len(self.tokens)):
            text = self.tokens[index].text
            if text in _OPEN:
                if depth == 0 and text == "{":
                    body = index == first or self.tokens[index - 1].text != "="
                depth += 1
            elif text in _CLOSE:
                depth -= 1
                if depth == 0 and text == "}" and body:
                    return index
            elif text == ";" and depth == 0:
                return index
        raise GateError("unterminated declaration in the proto")

    def span(self, element: Element) -> tuple[int, int]:
        first = self.token_at(element)
        return first, self.statement(first)

    def matching(self, open_index: int) -> int:
        depth = 0
        for index in range(open_index, len(self.tokens)):
            text = self.tokens[index].text
            if text in _OPEN:
                depth += 1
            elif text in _CLOSE:
                depth -= 1
                if depth == 0:
                    return index
        raise GateError("unbalanced brackets in the proto")

    def top_level_statements(self) -> Iterator[tuple[int, int]]:
        index = 0
        while index < len(self.tokens):
            last = self.statement(index)
            yield index, last
            index = last + 1


@dataclass
class _Edits:
    """Replacements on the original text, applied together from the end backwards."""

    source: _Source
    changes: list[tuple[int, int, str]] = field(default_factory=list)

    def replace(self, start: int, end: int, text: str) -> None:
        self.changes.append((start, end, text))

    def insert(self, offset: int, text: str) -> None:
        self.changes.append((offset, offset, text))

    def result(self) -> str:
        text = self.source.text
        ordered = sorted(self.changes, key=lambda c: (c[0], c[1]))
        for (_, end_a, _), (start_b, _, _) in itertools.pairwise(ordered):
            if start_b < end_a:
                raise GateError("scenario edits overlap")  # a bug in a scenario, not input
        for start, end, replacement in reversed(ordered):
            text = text[:start] + replacement + text[end:]
        return text


# ---------------------------------------------------------------------------------------
# Finding elements in the model


def _model(text: str, path: str) -> FileModel:
    try:
        return parse_file(text, path)
    except ProtoParseError as exc:
        raise GateError(f"cannot apply a scenario to a proto that does not parse: {exc}") from exc


def _message(file: FileModel, fqn: str) -> MessageModel:
    found = next((m for m in iter_all_messages(file) if m.fqn == fqn), None)
    if found is None:
        raise GateError(f"message {fqn} is not in {file.name}")
    return found


def _field(file: FileModel, fqn: str) -> tuple[MessageModel, FieldModel]:
    message_fqn, _, name = fqn.rpartition(".")
    message = _message(file, message_fqn)
    found = message.field_by_name(name)
    if found is None:
        raise GateError(f"field {fqn} is not in {file.name}")
    return message, found


def _enum(file: FileModel, fqn: str) -> EnumModel:
    found = next((e for e in iter_all_enums(file) if e.fqn == fqn), None)
    if found is None:
        raise GateError(f"enum {fqn} is not in {file.name}")
    return found


def _service(file: FileModel, fqn: str) -> ServiceModel:
    found = next((s for s in file.services if s.fqn == fqn), None)
    if found is None:
        raise GateError(f"service {fqn} is not in {file.name}")
    return found


def _method(file: FileModel, fqn: str) -> MethodModel:
    service_fqn, _, name = fqn.rpartition(".")
    found = next((m for m in _service(file, service_fqn).methods if m.name == name), None)
    if found is None:
        raise GateError(f"rpc {fqn} is not in {file.name}")
    return found


def _next_field_number(message: MessageModel) -> int:
    used = [f.number for f in message.fields]
    used += [r.end for r in (*message.reserved_ranges, *message.extension_ranges)]
    number = max((n for n in used if n < _MAX_FIELD_NUMBER), default=0) + 1
    return _LAST_RESERVED + 1 if _FIRST_RESERVED <= number <= _LAST_RESERVED else number


# ---------------------------------------------------------------------------------------
# Edit primitives


def _field_parts(source: _Source, first: int, last: int) -> tuple[int, int, int]:
    """(first type token, name token, number token) of a field declaration."""
    equals = next(i for i in range(first, last + 1) if source.tokens[i].text == "=")
    type_first = first + 1 if source.tokens[first].text in _LABELS else first
    return type_first, equals - 1, equals + 1


def _check_name(source: _Source, index: int, element: Element) -> None:
    # Guards against a model whose positions do not match the text we were given.
    if source.tokens[index].text != element.name:
        raise GateError(
            f"the proto model places {element.fqn} at a token reading "
            f"{source.tokens[index].text!r}; is the model up to date with the text?"
        )


def _located_field(source: _Source, field_model: FieldModel) -> tuple[int, int, int, int, int]:
    first, last = source.span(field_model)
    type_first, name, number = _field_parts(source, first, last)
    _check_name(source, name, field_model)
    return first, last, type_first, name, number


def _delete_statement(edits: _Edits, first: int, last: int, replacement: str = "") -> None:
    """Delete a declaration with its leading comments and the rest of its last line.

    ``replacement`` (whole lines, already indented) takes its place. One of two blank
    lines left around the hole is removed too.
    """
    source = edits.source
    tokens = source.tokens
    shares_first_line = first > 0 and tokens[first - 1].line == tokens[first].line
    shares_last_line = last + 1 < len(tokens) and tokens[last + 1].line == tokens[last].line
    if shares_first_line or shares_last_line:
        # `message A { int32 a = 1; int32 b = 2; }`: cut out the declaration only.
        end = tokens[last + 1].start if shares_last_line else tokens[last].end
        edits.replace(tokens[first].start, end, " ".join(replacement.split()))
        return
    start = source.offset_of_line(source.first_comment_line(first))
    end = source.line_end(tokens[last].end - 1)
    previous_blank = start > 0 and not source.text[source.line_start(start - 1) : start].strip()
    following = source.text[end : source.line_end(end)]
    if previous_blank and not replacement:
        if not following.strip():
            end = source.line_end(end)
        elif following.strip().startswith("}"):
            start = source.line_start(start - 1)
    edits.replace(start, end, replacement)


def _replace_tokens(edits: _Edits, first: int, last: int, text: str) -> None:
    tokens = edits.source.tokens
    edits.replace(tokens[first].start, tokens[last].end, text)


def _insert_member(edits: _Edits, container: Element, lines: list[str]) -> None:
    """Insert declaration lines as the last members of a message, enum or service."""
    source = edits.source
    first, last = source.span(container)
    brace = source.tokens[last]
    outer = source.indent_of(source.tokens[first].start)
    opening = next(i for i in range(first, last + 1) if source.tokens[i].text == "{")
    member = source.tokens[opening + 1]
    # Indent like the first member when it has its own line (tabs stay tabs), else 2 spaces.
    own_line = opening + 1 < last and member.line > source.tokens[opening].line
    inner = source.indent_of(member.start) if own_line else outer + "  "
    body = "".join(f"{inner}{line}\n" if line else "\n" for line in lines)
    brace_line = source.line_start(brace.start)
    if source.text[brace_line : brace.start].strip():
        # `message Empty {}`: open the body up.
        edits.insert(brace.start, "\n" + body + outer)
        return
    # Keep the container's style: members separated by blank lines get one more.
    inside = source.text[source.tokens[first].end : brace.start]
    separator = "\n" if "\n\n" in inside.strip("\n") else ""
    edits.insert(brace_line, separator + body)


def _add_field_options(edits: _Edits, field_model: FieldModel, options: list[str]) -> None:
    """Append options to a field's `[...]`, creating the brackets when it has none."""
    source = edits.source
    _, last, _, _, number = _located_field(source, field_model)
    bracket = number + 1
    if source.tokens[bracket].text != "[":
        semicolon = source.tokens[last].start
        line = source.text[source.line_start(semicolon) : source.line_end(semicolon)].rstrip("\n")
        inline = " [" + ", ".join(options) + "]"
        if len(line) + len(inline) <= _LINE_LENGTH:
            edits.insert(semicolon, inline)
            return
        # Too long for one line: one option per line, as `buf format` lays them out.
        indent = source.indent_of(semicolon)
        listed = ",\n".join(f"{indent}  {option}" for option in options)
        edits.insert(semicolon, f" [\n{listed}\n{indent}]")
        return
    close = source.matching(bracket)
    previous = source.tokens[close - 1]
    if source.line_start(previous.end) == source.line_start(source.tokens[close].start):
        edits.insert(previous.end, "".join(f", {option}" for option in options))
        return
    # Options written one per line: add ours the same way.
    indent = source.indent_of(source.tokens[bracket + 1].start)
    edits.insert(previous.end, "".join(f",\n{indent}{option}" for option in options))


def _add_import(edits: _Edits, path: str) -> None:
    """Add `import "path";` in sorted position unless the file already imports it."""
    source = edits.source
    imports: list[tuple[str, int, int]] = []
    anchor: int | None = None  # the end of `package` (or `syntax`) when there is no import
    for first, last in source.top_level_statements():
        keyword = source.tokens[first].text
        if keyword == "import":
            imported = source.tokens[last - 1].text[1:-1]
            if imported == path:
                return
            imports.append((imported, first, last))
        elif keyword in {"syntax", "edition", "package"}:
            anchor = source.tokens[last].end
    line = f'import "{path}";'
    later = [(name, first) for name, first, _ in imports if name > path]
    if later:
        start = source.line_start(source.tokens[later[0][1]].start)
        edits.insert(start, line + "\n")
    elif imports:
        edits.insert(source.line_end(source.tokens[imports[-1][2]].end - 1), line + "\n")
    elif anchor is not None:
        edits.insert(anchor, "\n\n" + line)
    else:
        raise GateError(
            "the proto has no syntax, package or import statement to add an import after"
        )


# ---------------------------------------------------------------------------------------
# Scenario functions: pure text → text


def remove_field(text: str, path: str, *, field: str, reserve: bool = False) -> str:
    """Remove a field with its comments; with ``reserve``, reserve its number and name."""
    file = _model(text, path)
    _, target = _field(file, field)
    source = _Source(text, path)
    first, last, *_ = _located_field(source, target)
    edits = _Edits(source)
    replacement = ""
    if reserve:
        indent = source.indent_of(source.tokens[first].start)
        replacement = f'{indent}reserved {target.number};\n{indent}reserved "{target.name}";\n'
    _delete_statement(edits, first, last, replacement)
    return edits.result()


def change_field_type(text: str, path: str, *, field: str, new_type: str) -> str:
    """Change the declared type of a (non-map) field, keeping its label."""
    file = _model(text, path)
    _, target = _field(file, field)
    if target.is_map:
        raise GateError(f"{field} is a map field; change_field_type edits singular fields")
    source = _Source(text, path)
    _, _, type_first, name, _ = _located_field(source, target)
    edits = _Edits(source)
    _replace_tokens(edits, type_first, name - 1, new_type)
    return edits.result()


def change_field_number(text: str, path: str, *, field: str, number: int | None = None) -> str:
    """Give a field another number (by default the next free one)."""
    file = _model(text, path)
    message, target = _field(file, field)
    source = _Source(text, path)
    *_, number_index = _located_field(source, target)
    edits = _Edits(source)
    new_number = number if number is not None else _next_field_number(message)
    _replace_tokens(edits, number_index, number_index, str(new_number))
    return edits.result()


def rename_field(text: str, path: str, *, field: str, new_name: str) -> str:
    """Rename a field, keeping its number (so only JSON and generated code break)."""
    file = _model(text, path)
    _, target = _field(file, field)
    source = _Source(text, path)
    _, _, _, name, _ = _located_field(source, target)
    edits = _Edits(source)
    _replace_tokens(edits, name, name, new_name)
    return edits.result()


def make_field_repeated(text: str, path: str, *, field: str) -> str:
    """Turn a singular field into a repeated one (`optional` is replaced)."""
    file = _model(text, path)
    _, target = _field(file, field)
    if target.is_repeated or target.oneof:
        raise GateError(f"{field} is already repeated or in a oneof")
    source = _Source(text, path)
    first, _, type_first, _, _ = _located_field(source, target)
    edits = _Edits(source)
    if type_first != first:
        _replace_tokens(edits, first, first, "repeated")
    else:
        edits.insert(source.tokens[first].start, "repeated ")
    return edits.result()


def set_json_name(text: str, path: str, *, field: str, json_name: str) -> str:
    """Give a field an explicit `json_name` that differs from the default."""
    file = _model(text, path)
    _, target = _field(file, field)
    edits = _Edits(_Source(text, path))
    _add_field_options(edits, target, [f'json_name = "{json_name}"'])
    return edits.result()


def add_field_options(
    text: str, path: str, *, field: str, options: tuple[str, ...], imports: tuple[str, ...] = ()
) -> str:
    """Add options (e.g. validation rules) to an existing field, importing what they need."""
    file = _model(text, path)
    _, target = _field(file, field)
    edits = _Edits(_Source(text, path))
    _add_field_options(edits, target, list(options))
    for imported in imports:
        _add_import(edits, imported)
    return edits.result()


def add_field(
    text: str,
    path: str,
    *,
    message: str,
    declaration: str,
    comment: str = "",
    imports: tuple[str, ...] = (),
    number: int | None = None,
) -> str:
    """Add a field as the last member of a message.

    ``declaration`` is the field without its number, e.g. ``optional bool pinned`` or
    ``google.protobuf.Struct metadata [(validate.rules).message.required = true]``: the
    number (by default the next free one) goes before its options.
    """
    file = _model(text, path)
    target = _message(file, message)
    field_number = number if number is not None else _next_field_number(target)
    head, bracket, options = declaration.partition(" [")
    line = f"{head} = {field_number}{' [' + options if bracket else ''};"
    edits = _Edits(_Source(text, path))
    _insert_member(edits, target, [*(f"// {c}" for c in comment.splitlines()), line])
    for imported in imports:
        _add_import(edits, imported)
    return edits.result()


def remove_enum_value(text: str, path: str, *, enum: str, value: str) -> str:
    """Remove an enum value with its comments."""
    file = _model(text, path)
    target = next((v for v in _enum(file, enum).values if v.name == value), None)
    if target is None:
        raise GateError(f"enum value {value} is not in {enum}")
    source = _Source(text, path)
    first, last = source.span(target)
    _check_name(source, first, target)
    edits = _Edits(source)
    _delete_statement(edits, first, last)
    return edits.result()


def rename_enum_value(text: str, path: str, *, enum: str, value: str, new_name: str) -> str:
    """Rename an enum value, keeping its number."""
    file = _model(text, path)
    target = next((v for v in _enum(file, enum).values if v.name == value), None)
    if target is None:
        raise GateError(f"enum value {value} is not in {enum}")
    source = _Source(text, path)
    first, _ = source.span(target)
    _check_name(source, first, target)
    edits = _Edits(source)
    _replace_tokens(edits, first, first, new_name)
    return edits.result()


def add_enum_value(
    text: str, path: str, *, enum: str, value: str, comment: str = "", number: int | None = None
) -> str:
    """Add a value (by default numbered one past the highest) at the end of an enum."""
    file = _model(text, path)
    target = _enum(file, enum)
    used = [v.number for v in target.values] + [r.end for r in target.reserved_ranges]
    highest = max((n for n in used if n < _MAX_ENUM_NUMBER), default=-1)
    value_number = number if number is not None else highest + 1
    edits = _Edits(_Source(text, path))
    lines = [*(f"// {c}" for c in comment.splitlines()), f"{value} = {value_number};"]
    _insert_member(edits, target, lines)
    return edits.result()


def remove_rpc(text: str, path: str, *, method: str) -> str:
    """Remove an rpc with its comments and options."""
    file = _model(text, path)
    target = _method(file, method)
    source = _Source(text, path)
    first, last = source.span(target)
    _check_name(source, first + 1, target)
    edits = _Edits(source)
    _delete_statement(edits, first, last)
    return edits.result()


def _rpc_type_tokens(source: _Source, first: int, side: str) -> tuple[int, int, bool]:
    """(first, last, streaming) of the request (``side="client"``) or response type."""
    parens = [i for i in range(first, source.statement(first) + 1) if source.tokens[i].text == "("]
    open_index = parens[0] if side == "client" else parens[1]
    close = source.matching(open_index)
    type_first = open_index + 1
    streaming = source.tokens[type_first].text == "stream"
    return (type_first + 1 if streaming else type_first), close - 1, streaming


def change_rpc_signature(
    text: str, path: str, *, method: str, request: str | None = None, response: str | None = None
) -> str:
    """Change the request and/or response type of an rpc."""
    file = _model(text, path)
    target = _method(file, method)
    source = _Source(text, path)
    first, _ = source.span(target)
    _check_name(source, first + 1, target)
    edits = _Edits(source)
    for side, new_type in (("client", request), ("server", response)):
        if new_type is not None:
            type_first, type_last, _ = _rpc_type_tokens(source, first, side)
            _replace_tokens(edits, type_first, type_last, new_type)
    return edits.result()


def make_rpc_streaming(text: str, path: str, *, method: str, side: str = "server") -> str:
    """Make the response (``side="server"``) or the request (``"client"``) a stream."""
    if side not in {"client", "server"}:
        raise GateError(f"side must be client or server, not {side!r}")
    file = _model(text, path)
    target = _method(file, method)
    source = _Source(text, path)
    first, _ = source.span(target)
    _check_name(source, first + 1, target)
    type_first, _, streaming = _rpc_type_tokens(source, first, side)
    if streaming:
        raise GateError(f"{method} already streams on the {side} side")
    edits = _Edits(source)
    edits.insert(source.tokens[type_first].start, "stream ")
    return edits.result()


def add_rpc(
    text: str,
    path: str,
    *,
    service: str,
    rpc: tuple[str, ...],
    messages: str = "",
    imports: tuple[str, ...] = (),
) -> str:
    """Add an rpc (its lines, options included) to a service, and new top-level messages
    (source text) at the end of the file."""
    file = _model(text, path)
    target = _service(file, service)
    source = _Source(text, path)
    edits = _Edits(source)
    _insert_member(edits, target, list(rpc))
    if messages:
        edits.insert(len(source.text.rstrip()), "\n\n" + messages.strip("\n"))
    for imported in imports:
        _add_import(edits, imported)
    return edits.result()


# ---------------------------------------------------------------------------------------
# The catalogue


def _scenario(
    name: str,
    description: str,
    verdict: Verdict,
    proto: str,
    function: Callable[..., str],
    rules: tuple[str, ...] = (),
    buf_rules: tuple[str, ...] = (),
    **params: Any,
) -> Scenario:
    return Scenario(
        name=name,
        description=description,
        verdict=verdict,
        proto=proto,
        apply=partial(function, **params),
        rules=rules,
        buf_rules=buf_rules,
    )


_T = f"{PACKAGE}.Task"
_SERVICE = f"{PACKAGE}.TodoService"
_METADATA = "google.protobuf.Struct metadata [(validate.rules).message.required = true]"
_METADATA_IMPORTS = ("google/protobuf/struct.proto", "validate/validate.proto")

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        _scenario(
            "remove_description",
            "Remove Task.description (the demo's first change).",
            Verdict.BLOCKED,
            TASK_PROTO,
            remove_field,
            rules=("FIELD_REMOVED",),
            buf_rules=("FIELD_NO_DELETE",),
            field=f"{_T}.description",
        ),
        _scenario(
            "add_metadata_required",
            "Add Task.metadata (Struct) with PGV (validate.rules).message.required = true "
            "(the demo's second change; Task is in CreateTask/UpdateTask requests).",
            Verdict.BLOCKED,
            TASK_PROTO,
            add_field,
            rules=("VALIDATION_REQUIRED_ADDED",),
            message=_T,
            declaration=_METADATA,
            comment="Metadata from the client's own systems. Must be set.",
            imports=_METADATA_IMPORTS,
        ),
        _scenario(
            "remove_field",
            "Remove Task.labels.",
            Verdict.BLOCKED,
            TASK_PROTO,
            remove_field,
            rules=("FIELD_REMOVED",),
            buf_rules=("FIELD_NO_DELETE",),
            field=f"{_T}.labels",
        ),
        _scenario(
            "remove_field_reserved",
            "Remove Task.etag and reserve its number and name (still breaks old clients).",
            Verdict.BLOCKED,
            TASK_PROTO,
            remove_field,
            rules=("FIELD_REMOVED_RESERVED",),
            buf_rules=("FIELD_NO_DELETE",),
            field=f"{_T}.etag",
            reserve=True,
        ),
        _scenario(
            "change_field_type",
            "Change Task.estimate_minutes from int32 to int64 (JSON turns it into a string).",
            Verdict.BLOCKED,
            TASK_PROTO,
            change_field_type,
            rules=("FIELD_TYPE_CHANGED_JSON",),
            buf_rules=("FIELD_SAME_TYPE",),
            field=f"{_T}.estimate_minutes",
            new_type="int64",
        ),
        _scenario(
            "change_field_number",
            "Renumber Task.priority to the next free number.",
            Verdict.BLOCKED,
            TASK_PROTO,
            change_field_number,
            rules=("FIELD_NUMBER_CHANGED",),
            buf_rules=("FIELD_NO_DELETE",),
            field=f"{_T}.priority",
        ),
        _scenario(
            "rename_field",
            "Rename Task.due_time to deadline (same number).",
            Verdict.BLOCKED,
            TASK_PROTO,
            rename_field,
            rules=("FIELD_RENAMED",),
            buf_rules=("FIELD_SAME_NAME", "FIELD_SAME_JSON_NAME"),
            field=f"{_T}.due_time",
            new_name="deadline",
        ),
        _scenario(
            "set_json_name",
            'Give Task.due_time json_name = "dueAt".',
            Verdict.BLOCKED,
            TASK_PROTO,
            set_json_name,
            rules=("FIELD_JSON_NAME_CHANGED",),
            buf_rules=("FIELD_SAME_JSON_NAME",),
            field=f"{_T}.due_time",
            json_name="dueAt",
        ),
        _scenario(
            "make_field_repeated",
            "Make Task.assignee repeated (several assignees).",
            Verdict.BLOCKED,
            TASK_PROTO,
            make_field_repeated,
            rules=("FIELD_CARDINALITY_CHANGED_JSON",),
            buf_rules=("FIELD_SAME_CARDINALITY",),
            field=f"{_T}.assignee",
        ),
        _scenario(
            "remove_enum_value",
            "Remove TaskStatus.TASK_STATUS_BLOCKED.",
            Verdict.BLOCKED,
            TASK_PROTO,
            remove_enum_value,
            rules=("ENUM_VALUE_REMOVED",),
            buf_rules=("ENUM_VALUE_NO_DELETE",),
            enum=f"{PACKAGE}.TaskStatus",
            value="TASK_STATUS_BLOCKED",
        ),
        _scenario(
            "rename_enum_value",
            "Rename Priority.PRIORITY_URGENT to PRIORITY_CRITICAL (same number).",
            Verdict.BLOCKED,
            TASK_PROTO,
            rename_enum_value,
            rules=("ENUM_VALUE_RENAMED",),
            buf_rules=("ENUM_VALUE_SAME_NAME",),
            enum=f"{PACKAGE}.Priority",
            value="PRIORITY_URGENT",
            new_name="PRIORITY_CRITICAL",
        ),
        _scenario(
            "remove_rpc",
            "Remove TodoService.DeleteTask.",
            Verdict.BLOCKED,
            SERVICE_PROTO,
            remove_rpc,
            rules=("RPC_REMOVED",),
            buf_rules=("RPC_NO_DELETE",),
            method=f"{_SERVICE}.DeleteTask",
        ),
        _scenario(
            "change_rpc_signature",
            "SearchTasks takes a ListTasksRequest instead of a SearchTasksRequest.",
            Verdict.BLOCKED,
            SERVICE_PROTO,
            change_rpc_signature,
            rules=("RPC_REQUEST_TYPE_CHANGED",),
            buf_rules=("RPC_SAME_REQUEST_TYPE",),
            method=f"{_SERVICE}.SearchTasks",
            request="ListTasksRequest",
        ),
        _scenario(
            "make_rpc_streaming",
            "ListTasks returns a stream of ListTasksResponse.",
            Verdict.BLOCKED,
            SERVICE_PROTO,
            make_rpc_streaming,
            rules=("RPC_SERVER_STREAMING_CHANGED",),
            buf_rules=("RPC_SAME_SERVER_STREAMING",),
            method=f"{_SERVICE}.ListTasks",
        ),
        _scenario(
            "add_required_field",
            "Add CreateTaskRequest.metadata (Struct) with PGV "
            "(validate.rules).message.required = true.",
            Verdict.BLOCKED,
            SERVICE_PROTO,
            add_field,
            rules=("VALIDATION_REQUIRED_ADDED",),
            message=f"{PACKAGE}.CreateTaskRequest",
            declaration=_METADATA,
            comment="Metadata to attach to the new task. Must be set.",
            imports=_METADATA_IMPORTS,
        ),
        _scenario(
            "make_field_required",
            "Task.due_time becomes required: (buf.validate.field).required = true and "
            "(google.api.field_behavior) = REQUIRED.",
            Verdict.BLOCKED,
            TASK_PROTO,
            add_field_options,
            rules=("VALIDATION_REQUIRED_ADDED",),
            field=f"{_T}.due_time",
            options=(
                "(google.api.field_behavior) = REQUIRED",
                "(buf.validate.field).required = true",
            ),
            imports=("buf/validate/validate.proto", "google/api/field_behavior.proto"),
        ),
        _scenario(
            "add_strict_validation",
            "ListTasksRequest.filter, unconstrained so far, gets "
            "(buf.validate.field).string.max_len = 64.",
            Verdict.BLOCKED,
            SERVICE_PROTO,
            add_field_options,
            rules=("VALIDATION_STRING_TIGHTENED",),
            field=f"{PACKAGE}.ListTasksRequest.filter",
            options=("(buf.validate.field).string.max_len = 64",),
            imports=("buf/validate/validate.proto",),
        ),
        _scenario(
            "add_optional_field",
            "Add `optional bool pinned` to Task.",
            Verdict.SAFE,
            TASK_PROTO,
            add_field,
            message=_T,
            declaration="optional bool pinned",
            comment="Whether the assignee pinned the task to the top of their list.",
        ),
        _scenario(
            "add_enum_value",
            "Add TaskStatus.TASK_STATUS_ARCHIVED.",
            Verdict.SAFE,
            TASK_PROTO,
            add_enum_value,
            enum=f"{PACKAGE}.TaskStatus",
            value="TASK_STATUS_ARCHIVED",
            comment="Done or cancelled long ago; hidden from lists.",
        ),
        _scenario(
            "add_rpc",
            "Add TodoService.CompleteTask with its request message and HTTP route.",
            Verdict.SAFE,
            SERVICE_PROTO,
            add_rpc,
            service=_SERVICE,
            rpc=(
                "// Marks a task done and sets its `complete_time`. Completing a done task",
                "// changes nothing and returns it as it is.",
                "rpc CompleteTask(CompleteTaskRequest) returns (Task) {",
                "  option (google.api.http) = {",
                '    post: "/v1/{name=tasks/*}:complete"',
                '    body: "*"',
                "  };",
                "}",
            ),
            messages="\n".join(
                [
                    "// Request of CompleteTask.",
                    "message CompleteTaskRequest {",
                    "  // Name of the task, `tasks/{task}`.",
                    "  string name = 1 [(google.api.field_behavior) = REQUIRED];",
                    "}",
                ]
            ),
        ),
    )
}


def list_scenarios() -> list[Scenario]:
    return list(SCENARIOS.values())


def get_scenario(name: str) -> Scenario:
    scenario = SCENARIOS.get(name)
    if scenario is None:
        raise GateError(f"unknown scenario {name!r}", hint="see `protoguard scenario list`")
    return scenario


def apply_scenario(name: str, text: str, path: str, **params: Any) -> str:
    """Apply scenario ``name`` to ``text`` (the file at ``path``); ``params`` override its
    defaults (e.g. ``field=...``)."""
    return get_scenario(name).apply(text, path, **params)


# ---------------------------------------------------------------------------------------
# CLI (mounted as `protoguard scenario`)


@click.group("scenario")
def scenario() -> None:
    """Named edits of the example API (proto/acme/todo/v1) with their expected verdicts."""


@scenario.command("list")
def list_command() -> None:
    """List the scenarios: name, expected verdict, default file, what it changes."""
    name_width = max(len(s.name) for s in SCENARIOS.values())
    proto_width = max(len(s.proto) for s in SCENARIOS.values())
    for item in SCENARIOS.values():
        click.echo(
            f"{item.name:<{name_width}}  {item.verdict.value:<7}  "
            f"{item.proto:<{proto_width}}  {item.description}"
        )


@scenario.command("apply")
@click.argument("name")
@click.option(
    "--proto",
    "proto_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The file to edit (default: the scenario's file in protoguard's example proto/).",
)
@click.option("--in-place", is_flag=True, help="Rewrite the file instead of printing it.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the edited file here instead of printing it.",
)
def apply_command(name: str, proto_file: Path | None, in_place: bool, output: Path | None) -> None:
    """Apply scenario NAME and print the edited proto (or write it)."""
    if in_place and output is not None:
        raise click.UsageError("--in-place and --output exclude each other")
    item = get_scenario(name)
    target = proto_file or asset_dir("proto") / item.proto
    try:
        text = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GateError(f"cannot read {target}: {exc}") from exc
    edited = item.apply(text, _module_path(target))
    if in_place:
        atomic_write_text(target, edited)
    elif output is not None:
        atomic_write_text(output, edited)
    else:
        click.echo(edited, nl=False)


def _module_path(file: Path) -> str:
    """The file's import path: relative to the nearest directory holding a buf.yaml."""
    resolved = file.resolve()
    for parent in resolved.parents:
        if (parent / "buf.yaml").is_file():
            return resolved.relative_to(parent).as_posix()
    return file.name
