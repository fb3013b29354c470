"""Comment attribution and normalisation shared by both builders.

The descriptor builder reads comments from SourceCodeInfo, which buf fills with its own
attribution rules (close to protoc's, not identical: buf 1.75 uses protocompile's new
compiler). The parser builder must produce the same model, so ``attribute_comments``
reproduces buf's rules on the token stream. They were derived from buf's source and are
checked against buf on random layouts (tests/protomodel/test_comment_attribution.py). For
the comments between a token P and the next token N:

* They split into paragraphs: each block comment is one; consecutive ``//`` lines form
  one (a blank line ends it); a ``//`` comment on P's line is a paragraph of its own.
* The first paragraph is P's *trailing* comment when a ``//`` comment sits on P's line,
  or when it starts on P's line or the next one and is followed by another paragraph, by
  a blank line, or by a closing ``)``/``]``/``}``.
* The last remaining paragraph is N's *leading* comment when it ends on the line above N.
* The others are N's *detached* comments, from the first paragraph that starts two lines
  or more below P (or follows an opening bracket) and ends two lines or more above the
  token after N (buf measures to that token); comments before the end of file are dropped.

An element takes leading/detached comments from its first token and its trailing comment
from the token ending its declaration (``;``, or ``{`` for blocks). Raw texts keep buf's
shape (markers removed, newlines kept); ``normalize_comment`` then strips one leading
space per line and surrounding blank lines, for both builders.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from antlr4.Token import Token

from protomodel.construct import construct
from protomodel.lexer import Comment, ProtoToken, TokenizedFile
from protomodel.model import Comments

_CLOSERS = frozenset({")", "]", "}"})
_OPENERS = frozenset({"(", "[", "{"})


@dataclass(slots=True)
class TokenComments:
    """Raw comments attributed to one token."""

    leading: str = ""
    trailing: str = ""
    detached: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Paragraph:
    comments: list[Comment]
    # A `//` comment on the line of the previous token is closed before its newline.
    on_previous_line: bool = False

    @property
    def start_line(self) -> int:
        return self.comments[0].start_line

    @property
    def end_line(self) -> int:
        return self.comments[-1].end_line

    def text(self) -> str:
        if self.comments[0].is_block:
            return _block_comment_text(self.comments[0].text)
        text = "\n".join(comment.text[2:] for comment in self.comments)
        return text if self.on_previous_line else text + "\n"


@dataclass(slots=True)
class _Gap:
    previous: ProtoToken | None
    following: ProtoToken
    # buf measures the distance to the token after `following` when detaching comments.
    after_following: ProtoToken
    comments: list[Comment]


def normalize_comment(raw: str) -> str:
    """Strip one leading space and trailing blanks per line, and surrounding empty lines."""
    if not raw:
        return ""
    lines = [(line[1:] if line.startswith(" ") else line).rstrip() for line in raw.split("\n")]
    return "\n".join(lines).strip("\n")


def make_comments(leading: str, trailing: str, detached: list[str]) -> Comments:
    """Build the model's Comments from raw texts (both builders go through here)."""
    return construct(
        Comments,
        leading=normalize_comment(leading),
        trailing=normalize_comment(trailing),
        detached=[normalize_comment(text) for text in detached],
    )


def attribute_comments(tokenized: TokenizedFile) -> dict[int, TokenComments]:
    """Map token index → comments attributed to that token."""
    attributed: dict[int, TokenComments] = {}
    tokens = tokenized.tokens
    for index, comments in tokenized.comments_before.items():
        following = tokens[index]
        if following.type == Token.EOF:
            continue
        previous = tokens[index - 1] if index > 0 else None
        gap = _Gap(previous, following, tokens[index + 1], comments)
        _attribute_gap(gap, index, attributed)
    return attributed


def element_comments(
    attributed: dict[int, TokenComments], first_token: int, closing_token: int
) -> Comments:
    """Comments of a declaration: leading/detached before its first token, trailing after
    the token that closes the declaration (``;``, or ``{`` for blocks)."""
    before = attributed.get(first_token)
    after = attributed.get(closing_token)
    return make_comments(
        before.leading if before else "",
        after.trailing if after else "",
        before.detached if before else [],
    )


def _attribute_gap(gap: _Gap, index: int, attributed: dict[int, TokenComments]) -> None:
    paragraphs = _paragraphs(gap)
    if _donates_first_paragraph(gap, paragraphs):
        donated = paragraphs.pop(0)
        attributed.setdefault(index - 1, TokenComments()).trailing = donated.text()
    leading: _Paragraph | None = None
    if paragraphs and gap.following.line - paragraphs[-1].end_line == 1:
        leading = paragraphs.pop()
    detached = _detached_paragraphs(gap, paragraphs)
    if leading is None and not detached:
        return
    target = attributed.setdefault(index, TokenComments())
    if leading is not None:
        target.leading = leading.text()
    if detached:
        target.detached = [paragraph.text() for paragraph in detached]


def _paragraphs(gap: _Gap) -> list[_Paragraph]:
    paragraphs: list[_Paragraph] = []
    current: list[Comment] = []
    for comment in gap.comments:
        if comment.is_block:
            if current:
                paragraphs.append(_Paragraph(current))
                current = []
            paragraphs.append(_Paragraph([comment]))
            continue
        if current and comment.start_line == current[-1].end_line + 1:
            current.append(comment)
            continue
        if current:
            paragraphs.append(_Paragraph(current))
            current = []
        if gap.previous is not None and comment.start_line == gap.previous.line:
            paragraphs.append(_Paragraph([comment], on_previous_line=True))
        else:
            current = [comment]
    if current:
        paragraphs.append(_Paragraph(current))
    return paragraphs


def _donates_first_paragraph(gap: _Gap, paragraphs: list[_Paragraph]) -> bool:
    if not paragraphs or gap.previous is None:
        return False
    if any(paragraph.on_previous_line for paragraph in paragraphs):
        return True
    first = paragraphs[0]
    if first.start_line - gap.previous.line >= 2:
        return False
    return (
        len(paragraphs) > 1
        or gap.following.text in _CLOSERS
        or gap.following.line - first.end_line > 1
    )


def _detached_paragraphs(gap: _Gap, paragraphs: list[_Paragraph]) -> list[_Paragraph]:
    for position, paragraph in enumerate(paragraphs):
        if _follows_token_closely(gap.previous, paragraph):
            continue
        if gap.after_following.line - paragraph.end_line >= 2:
            return paragraphs[position:]
    return []


def _follows_token_closely(previous: ProtoToken | None, paragraph: _Paragraph) -> bool:
    """True if the paragraph starts within a line of a previous token of the same body.

    buf looks for that token inside the current body only, so right after an opening
    bracket there is none and the paragraph may be detached.
    """
    if previous is None or previous.text in _OPENERS:
        return False
    return paragraph.start_line - previous.line < 2


def _block_comment_text(text: str) -> str:
    """Remove ``/*``, ``*/`` and the ``*`` that starts continuation lines, like buf."""
    pieces: list[str] = []
    lines = text.split("\n")
    lines = [line + "\n" for line in lines[:-1]] + lines[-1:]
    for number, line in enumerate(lines):
        if number == 0:
            line = line[2:]
        else:
            line = line.lstrip(" \t")
            if line.startswith("*") and not line.startswith("*/"):
                line = line[1:]
        pieces.append(line.removesuffix("*/"))
    return "".join(pieces)
