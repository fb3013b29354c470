"""Proto literal values: integers, strings and the text forms descriptors store.

The parser reads literals as written; descriptors store normalised text (``default_value``)
and decoded values (options). These helpers convert the written form so both builders
agree: integers in any base become ints, strings are unescaped to bytes, and field
defaults are formatted exactly like buf writes ``default_value``.
"""

from __future__ import annotations

import math
import re
import struct
from decimal import Decimal

_ESCAPE = re.compile(
    r"\\(?:(?P<hex>[xX][0-9A-Fa-f]{1,2})|(?P<octal>[0-7]{1,3})"
    r"|(?P<unicode>u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})|(?P<simple>.))",
    re.DOTALL,
)
_SIMPLE_ESCAPES = {
    "a": b"\a",
    "b": b"\b",
    "f": b"\f",
    "n": b"\n",
    "r": b"\r",
    "t": b"\t",
    "v": b"\v",
    "\\": b"\\",
    "'": b"'",
    '"': b'"',
    "?": b"?",
}
# protoc's CEscape, used for the default value of bytes fields.
_C_ESCAPES = {ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", ord('"'): '\\"'}
_C_ESCAPES |= {ord("'"): "\\'", ord("\\"): "\\\\"}


def parse_int(text: str) -> int:
    """An integer literal: decimal, ``0x`` hex or ``0`` octal, optionally negative."""
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if digits[:2] in ("0x", "0X"):
        value = int(digits[2:], 16)
    elif len(digits) > 1 and digits.startswith("0"):
        value = int(digits, 8)
    else:
        value = int(digits, 10)
    return -value if negative else value


def unescape(quoted: str) -> bytes:
    """The bytes of one quoted string literal (quotes included in ``quoted``)."""
    body = quoted[1:-1]
    if "\\" not in body:
        return body.encode("utf-8")
    pieces: list[bytes] = []
    position = 0
    for match in _ESCAPE.finditer(body):
        pieces.append(body[position : match.start()].encode("utf-8"))
        pieces.append(_escape_bytes(match))
        position = match.end()
    pieces.append(body[position:].encode("utf-8"))
    return b"".join(pieces)


def decode_text(data: bytes) -> str:
    """Bytes as model text; both builders decode string/bytes values this way."""
    return data.decode("utf-8", errors="backslashreplace")


def c_escape(data: bytes) -> str:
    """protoc's CEscape: printable ASCII as is, quotes/backslash/controls escaped, octal."""
    out: list[str] = []
    for byte in data:
        if byte in _C_ESCAPES:
            out.append(_C_ESCAPES[byte])
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03o}")
    return "".join(out)


def format_float_default(value: float, *, single_precision: bool) -> str:
    """A float/double default as buf stores it (Go's ``FormatFloat(v, 'g', -1, 64)``)."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if single_precision:
        value = struct.unpack("<f", struct.pack("<f", value))[0]
    return _go_shortest_g(value)


def _go_shortest_g(value: float) -> str:
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0"
    decimal_digits = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(str(d) for d in decimal_digits.digits)
    exponent = int(decimal_digits.exponent)
    point = len(digits) + exponent  # value = 0.<digits> * 10**point
    decimal_exponent = point - 1
    # Go switches to the exponent form below 1e-4 and from 1e6 on (shortest 'g' format).
    if decimal_exponent < -4 or decimal_exponent >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        exponent_sign = "-" if decimal_exponent < 0 else "+"
        return f"{sign}{mantissa}e{exponent_sign}{abs(decimal_exponent):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _escape_bytes(match: re.Match[str]) -> bytes:
    if match.group("hex"):
        return bytes([int(match.group("hex")[1:], 16)])
    if match.group("octal"):
        return bytes([int(match.group("octal"), 8) & 0xFF])
    if match.group("unicode"):
        return chr(int(match.group("unicode")[1:], 16)).encode("utf-8", "surrogatepass")
    simple = match.group("simple")
    return _SIMPLE_ESCAPES.get(simple, simple.encode("utf-8"))
