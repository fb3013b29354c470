"""Literal values and the text forms descriptors store."""

from __future__ import annotations

import pytest

from protomodel.literals import c_escape, decode_text, format_float_default, parse_int, unescape


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("42", 42), ("-42", -42), ("0x1f", 31), ("-0X10", -16), ("017", 15)],
)
def test_parse_int(text: str, value: int) -> None:
    assert parse_int(text) == value


@pytest.mark.parametrize(
    ("quoted", "data"),
    [
        ('"plain"', b"plain"),
        ("'single'", b"single"),
        ('"a\\"b\\n\\t\\\\"', b'a"b\n\t\\'),
        ('"\\x41\\101\\7"', b"AA\x07"),
        ('"\\u00e9\\U0001F600"', "é😀".encode()),
        ('"é"', "é".encode()),
        ('"\\?\\a\\b\\f\\v\\r\\\'"', b"?\a\b\f\v\r'"),
    ],
)
def test_unescape(quoted: str, data: bytes) -> None:
    assert unescape(quoted) == data


def test_c_escape_matches_protoc() -> None:
    assert c_escape(b"\x01abc\xff\"'\\\n\r\t ") == "\\001abc\\377\\\"\\'\\\\\\n\\r\\t "


def test_decode_text_keeps_invalid_utf8_visible() -> None:
    assert decode_text("é".encode()) == "é"
    assert decode_text(b"\xff") == "\\xff"


@pytest.mark.parametrize(
    ("value", "single", "text"),
    [
        (1e6, False, "1e+06"),
        (123456.0, False, "123456"),
        (1234567.0, False, "1.234567e+06"),
        (100.0, False, "100"),
        (1.5, False, "1.5"),
        (0.0005, False, "0.0005"),
        (0.00001, False, "1e-05"),
        (1e21, False, "1e+21"),
        (-2.5, False, "-2.5"),
        (0.0, False, "0"),
        (0.1, True, "0.10000000149011612"),
        (float("inf"), False, "inf"),
        (float("-inf"), True, "-inf"),
        (float("nan"), False, "nan"),
    ],
)
def test_float_defaults_are_formatted_like_buf(value: float, single: bool, text: str) -> None:
    assert format_float_default(value, single_precision=single) == text
