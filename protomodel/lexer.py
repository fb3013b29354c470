"""A fast tokenizer for .proto files that feeds proto-schema-parser's ANTLR parser.

proto-schema-parser's generated ANTLR lexer costs about two thirds of the parse time in
pure Python and puts comments on the default channel, so a comment in the middle of a
declaration (``int32 a = 1 /* x */;``) is a syntax error there. This module scans with one
regular expression instead, hands the parser only the significant tokens (typed with the
grammar's token types) and keeps the comments aside, grouped by the gap they sit in, for
comment attribution.

Lexical rules follow protoc/buf: identifiers, numbers (decimal, octal, hex, floats that
may start with a dot), single- or double-quoted strings without raw newlines, ``//`` and
``/* */`` comments.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from antlr4.Token import Token
from proto_schema_parser.antlr.ProtobufLexer import ProtobufLexer

from protomodel.errors import ProtoParseError

# Columns are measured like buf does: a tab advances to the next multiple of 4 and
# East Asian wide characters (CJK, emoji) take two columns.
TAB_WIDTH = 4

_KEYWORDS: dict[str, int] = {
    word: getattr(ProtobufLexer, word.upper())
    for word in [
        "syntax",
        "edition",
        "import",
        "weak",
        "public",
        "package",
        "option",
        "inf",
        "nan",
        "repeated",
        "optional",
        "required",
        "bool",
        "string",
        "bytes",
        "float",
        "double",
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
        "group",
        "oneof",
        "map",
        "extensions",
        "to",
        "max",
        "reserved",
        "enum",
        "message",
        "extend",
        "service",
        "rpc",
        "stream",
        "returns",
    ]
}

_PUNCTUATION: dict[str, int] = {
    ";": ProtobufLexer.SEMICOLON,
    ",": ProtobufLexer.COMMA,
    ".": ProtobufLexer.DOT,
    "/": ProtobufLexer.SLASH,
    ":": ProtobufLexer.COLON,
    "=": ProtobufLexer.EQUALS,
    "-": ProtobufLexer.MINUS,
    "+": ProtobufLexer.PLUS,
    "(": ProtobufLexer.L_PAREN,
    ")": ProtobufLexer.R_PAREN,
    "{": ProtobufLexer.L_BRACE,
    "}": ProtobufLexer.R_BRACE,
    "[": ProtobufLexer.L_BRACKET,
    "]": ProtobufLexer.R_BRACKET,
    "<": ProtobufLexer.L_ANGLE,
    ">": ProtobufLexer.R_ANGLE,
}

_SCANNER = re.compile(
    r"""
      (?P<space>[ \t\r\n\f\v]+)
    | (?P<line_comment>//[^\n]*)
    | (?P<block_comment>/\*.*?\*/)
    | (?P<open_comment>/\*)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<number>(?:[0-9]|\.[0-9])(?:[eE][+-]|[0-9A-Za-z_.])*)
    | (?P<string>"(?:[^"\\\n]|\\[^\n])*"|'(?:[^'\\\n]|\\[^\n])*')
    | (?P<punct>[;,.:=\-+(){}\[\]<>/])
    """,
    re.VERBOSE | re.DOTALL,
)

_FLOAT = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_VALID_ESCAPES = re.compile(
    r"""\\(?:[abfnrtv\\'"?]|[xX][0-9A-Fa-f]{1,2}|[0-7]{1,3}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})"""
)
_MAX_UINT64 = 2**64 - 1
_NO_SOURCE = (None, None)  # no lexer or input stream behind our tokens


class ProtoToken(Token):
    """A significant token, in the shape ANTLR's generated parser expects.

    ANTLR's ``CommonToken`` adds a ``__dict__`` to the slotted ``Token`` base; a 5 MB file
    has about a million tokens, so ours stays slotted and is built positionally.
    ``column`` is the 0-based character column (ANTLR's convention); use
    ``TokenizedFile.display_column`` for buf's columns.
    """

    __slots__ = ()

    def __init__(self, token_type: int, text: str, start: int, line: int, column: int) -> None:
        self.source = _NO_SOURCE
        self.type = token_type
        self._text = text
        self.start = start
        self.stop = start + len(text) - 1
        self.line = line
        self.column = column
        self.tokenIndex = -1
        self.channel = Token.DEFAULT_CHANNEL

    def __repr__(self) -> str:
        return f"ProtoToken({self.text!r} at {self.line}:{self.column + 1})"


@dataclass(slots=True)
class Comment:
    """One ``//`` or ``/* */`` comment, as written (markers included)."""

    text: str
    start_line: int
    end_line: int

    @property
    def is_block(self) -> bool:
        return self.text.startswith("/*")


@dataclass(slots=True)
class TokenizedFile:
    """The significant tokens of a file (ending with EOF) and the comments between them."""

    text: str
    tokens: list[ProtoToken]
    # Comments in the gap before tokens[i], keyed by i; only gaps that hold comments.
    comments_before: dict[int, list[Comment]] = field(default_factory=dict)

    def display_column(self, token: ProtoToken) -> int:
        """The 1-based column of the token's first character, counted like buf."""
        line_start = token.start - token.column
        prefix = self.text[line_start : token.start]
        if prefix.isascii() and "\t" not in prefix:
            return token.column + 1
        return _display_width(prefix) + 1


def tokenize(text: str, path: str) -> TokenizedFile:
    """Split ``text`` into grammar tokens; raise ProtoParseError on a lexical error."""
    tokens: list[ProtoToken] = []
    comments_before: dict[int, list[Comment]] = {}
    line, line_start, pos, end = 1, 0, 0, len(text)
    scanner_match = _SCANNER.match
    while pos < end:
        match = scanner_match(text, pos)
        if match is None or match.lastgroup == "open_comment":
            raise _lexical_error(text, path, pos, line, line_start)
        kind, token_text, next_pos = match.lastgroup, match.group(), match.end()
        if kind == "space" or kind == "line_comment" or kind == "block_comment":
            newlines = token_text.count("\n")
            if kind != "space":
                comment = Comment(token_text, line, line + newlines)
                comments_before.setdefault(len(tokens), []).append(comment)
            if newlines:
                line += newlines
                line_start = text.rfind("\n", pos, next_pos) + 1
        else:
            token_type = _token_type(kind, token_text, path, line, pos - line_start)
            tokens.append(ProtoToken(token_type, token_text, pos, line, pos - line_start))
        pos = next_pos
    tokens.append(ProtoToken(Token.EOF, "<EOF>", end, line, end - line_start))
    for index, token in enumerate(tokens):
        token.tokenIndex = index
    _quote_reserved_identifiers(tokens)
    return TokenizedFile(text=text, tokens=tokens, comments_before=comments_before)


def _token_type(kind: str | None, text: str, path: str, line: int, column: int) -> int:
    if kind == "word":
        return _KEYWORDS.get(text, ProtobufLexer.IDENTIFIER)
    if kind == "punct":
        return _PUNCTUATION[text]
    if kind == "string":
        if "\\" in text and _VALID_ESCAPES.sub("", text[1:-1]).count("\\"):
            raise ProtoParseError(path, line, column + 1, f"invalid escape sequence in {text}")
        return ProtobufLexer.STRING_LITERAL
    return _number_type(text, path, line, column)


def _number_type(text: str, path: str, line: int, column: int) -> int:
    lowered = text.lower()
    try:
        if lowered.startswith("0x"):
            int(text[2:], 16)
            return ProtobufLexer.INT_LITERAL
        if any(ch in lowered for ch in ".e"):
            if _FLOAT.fullmatch(text) is None:
                raise ValueError(text)
            return ProtobufLexer.FLOAT_LITERAL
        value = int(text, 8) if text.startswith("0") else int(text, 10)
    except ValueError:
        raise ProtoParseError(path, line, column + 1, f"invalid number {text!r}") from None
    # Like protoc, a decimal integer too big for 64 bits is read as a float.
    return ProtobufLexer.INT_LITERAL if value <= _MAX_UINT64 else ProtobufLexer.FLOAT_LITERAL


def _quote_reserved_identifiers(tokens: list[ProtoToken]) -> None:
    """Turn editions-style ``reserved foo, bar;`` names into string tokens.

    The grammar only knows the proto2/proto3 form ``reserved "foo", "bar";``; the name
    positions (right after ``reserved`` or a comma of the same statement) are unambiguous.
    """
    in_reserved = False
    previous: ProtoToken | None = None
    for token in tokens:
        if token.type == ProtobufLexer.RESERVED and _starts_statement(previous):
            in_reserved = True
        elif in_reserved and token.type == ProtobufLexer.SEMICOLON:
            in_reserved = False
        elif (
            in_reserved
            and previous is not None
            and previous.type in (ProtobufLexer.RESERVED, ProtobufLexer.COMMA)
            and (token.text[0].isalpha() or token.text[0] == "_")
        ):
            token.type = ProtobufLexer.STRING_LITERAL
            token.text = f'"{token.text}"'
        previous = token


def _starts_statement(previous: ProtoToken | None) -> bool:
    return previous is None or previous.type in (
        ProtobufLexer.SEMICOLON,
        ProtobufLexer.L_BRACE,
        ProtobufLexer.R_BRACE,
    )


def _lexical_error(text: str, path: str, pos: int, line: int, line_start: int) -> ProtoParseError:
    column = pos - line_start + 1
    if text.startswith("/*", pos):
        return ProtoParseError(path, line, column, "block comment never terminates")
    if text[pos] in "\"'":
        return ProtoParseError(path, line, column, "unterminated string literal")
    return ProtoParseError(path, line, column, f"invalid character {text[pos]!r}")


def _display_width(prefix: str) -> int:
    width = 0
    for ch in prefix:
        if ch == "\t":
            width += TAB_WIDTH - width % TAB_WIDTH
        elif ch.isascii():
            width += 1
        elif unicodedata.combining(ch):
            continue
        else:
            width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width
