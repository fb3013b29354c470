"""The tokenizer that feeds the grammar."""

from __future__ import annotations

import pytest
from proto_schema_parser.antlr.ProtobufLexer import ProtobufLexer as Lexer

from protomodel.errors import ProtoParseError
from protomodel.lexer import tokenize


def _types(text: str) -> list[tuple[str, int]]:
    return [(t.text, t.type) for t in tokenize(text, "t.proto").tokens[:-1]]


@pytest.mark.parametrize(
    ("text", "token_type"),
    [
        ("42", Lexer.INT_LITERAL),
        ("0x1F", Lexer.INT_LITERAL),
        ("017", Lexer.INT_LITERAL),
        ("0", Lexer.INT_LITERAL),
        ("1.5", Lexer.FLOAT_LITERAL),
        (".5", Lexer.FLOAT_LITERAL),
        ("1e10", Lexer.FLOAT_LITERAL),
        ("2.5E-3", Lexer.FLOAT_LITERAL),
        ("1.", Lexer.FLOAT_LITERAL),
        ("18446744073709551616", Lexer.FLOAT_LITERAL),  # too big for 64 bits, like protoc
        ('"a\\"b"', Lexer.STRING_LITERAL),
        ("'single'", Lexer.STRING_LITERAL),
        ("message", Lexer.MESSAGE),
        ("Message", Lexer.IDENTIFIER),
        ("_x9", Lexer.IDENTIFIER),
        ("true", Lexer.IDENTIFIER),
    ],
)
def test_token_types(text: str, token_type: int) -> None:
    assert _types(text) == [(text, token_type)]


def test_comments_are_kept_aside_by_gap() -> None:
    tokenized = tokenize("a // one\n/* two */ b c", "t.proto")
    assert [t.text for t in tokenized.tokens] == ["a", "b", "c", "<EOF>"]
    assert [c.text for c in tokenized.comments_before[1]] == ["// one", "/* two */"]
    assert [(c.start_line, c.end_line, c.is_block) for c in tokenized.comments_before[1]] == [
        (1, 1, False),
        (2, 2, True),
    ]
    assert 2 not in tokenized.comments_before


def test_editions_reserved_names_become_strings_for_the_grammar() -> None:
    tokens = _types("message M { reserved foo, bar; reserved 1 to max; }")
    assert ('"foo"', Lexer.STRING_LITERAL) in tokens and ('"bar"', Lexer.STRING_LITERAL) in tokens
    assert ("max", Lexer.MAX) in tokens


def test_positions_and_display_columns() -> None:
    tokenized = tokenize("a\n\tb\n  /* é */ c /* 日本 */ d", "t.proto")
    a, b, c, d = tokenized.tokens[:-1]
    assert [(t.line, t.column) for t in (a, b, c, d)] == [(1, 0), (2, 1), (3, 10), (3, 21)]
    assert [tokenized.display_column(t) for t in (a, b, c, d)] == [1, 5, 11, 24]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a $", "1:3: invalid character '$'"),
        ('x = "abc', "1:5: unterminated string literal"),
        ('x = "a\nb"', "1:5: unterminated string literal"),
        ("/* never closed", "1:1: block comment never terminates"),
        ('"\\q"', "invalid escape sequence"),
        ("0x", "invalid number '0x'"),
        ("09", "invalid number '09'"),
        ("1e", "invalid number '1e'"),
        ("1abc", "invalid number '1abc'"),
    ],
)
def test_lexical_errors(text: str, message: str) -> None:
    with pytest.raises(ProtoParseError) as caught:
        tokenize(text, "t.proto")
    assert message in str(caught.value)
