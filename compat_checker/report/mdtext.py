"""Untrusted text in GitHub-flavoured Markdown (PR comments, job summaries, the audit report).

What goes into a report comes from the pull request: proto comments quoted in messages,
element and file names, incident records, and LLM answers an attacker can steer through
those comments. `literal` shows such text as written, so it cannot bring in a link, an image
(a tracking pixel), an HTML tag, emphasis or an @mention; `code` makes a code span that a
backtick cannot end; `table_cell` and `one_line` keep it on the line it was put on.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

_CODE_SPAN = re.compile(r"(`[^`\r\n]+`)")
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]~])")
# GitHub's mention filter wants `@` right after a non-word character and right before the
# name: a zero-width joiner after the `@` breaks the match and stays invisible.
_MENTION = re.compile(r"(?<![A-Za-z0-9_])@(?=[A-Za-z0-9])")
# `#12` and `org/repo#12` link issues and add "mentioned this" events to them.
_ISSUE_REFERENCE = re.compile(r"#(?=[0-9])")
_ZERO_WIDTH_JOINER = "\u200d"
_LINE_BREAK = re.compile(r"\r\n?|\n")
_PIPE = re.compile(r"(\\*)\|")


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _unlinked(text: str) -> str:
    """``text`` with @mentions and issue references that GitHub would not act on."""
    text = _MENTION.sub("@" + _ZERO_WIDTH_JOINER, text)
    return _ISSUE_REFERENCE.sub("#" + _ZERO_WIDTH_JOINER, text)


def literal(text: object) -> str:
    """Text shown as written: its `code spans` stay code; elsewhere no HTML tag, link,
    image, emphasis or @mention it brings in is rendered (GitHub would also drop `<ENUM>`
    as a tag)."""
    parts = _CODE_SPAN.split(_text(text))
    return "".join(
        part
        if index % 2
        else html.escape(
            _MARKDOWN_PUNCTUATION.sub(r"\\\1", _unlinked(part)),
            quote=False,
        )
        for index, part in enumerate(parts)
    )


def code(text: object) -> str:
    """``text`` as one code span: a backtick or a line break in it cannot end the span
    (backticks are dropped, line breaks become spaces)."""
    return "`" + " ".join(_text(text).replace("`", "").splitlines()) + "`"


def one_line(markdown: str, *, line_break: str = " ") -> str:
    """Rendered ``markdown`` kept on one line, each line break replaced by ``line_break``
    (`<br>` keeps the break visible), so it cannot start a block of its own."""
    return _LINE_BREAK.sub(line_break, markdown)


def table_cell(markdown: object, *, line_break: str = " ") -> str:
    """Rendered ``markdown`` as one table cell: on one line, and every `|` escaped so it
    cannot start a new column. GFM pairs backslashes before it splits cells, so a pipe gets
    an odd run of them (a raw `\\|` in a code span would otherwise split)."""
    flat = one_line(_text(markdown), line_break=line_break)
    return _PIPE.sub(lambda m: m[1] + ("" if len(m[1]) % 2 else "\\") + "|", flat)


def table(
    header: Iterable[str], rows: Iterable[Iterable[object]], *, line_break: str = " "
) -> list[str]:
    """A GFM table, one line per row, of cells already rendered as Markdown, then a blank
    line; each cell goes through `table_cell`."""
    header = list(header)
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *(
            "| " + " | ".join(table_cell(cell, line_break=line_break) for cell in row) + " |"
            for row in rows
        ),
        "",
    ]
