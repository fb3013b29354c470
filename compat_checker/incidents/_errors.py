"""Shared wording for errors that come from libraries (Chroma, Vertex AI)."""

from __future__ import annotations


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message: GateError messages are one line."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
