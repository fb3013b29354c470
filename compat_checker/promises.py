"""Compatibility promises a repository writes down for the people who use its API.

A `buf.yaml` chooses which of buf's checks run; it does not say what the API's users were
promised. opentelemetry-proto's `buf.yaml` uses only `WIRE`, while its README promises
"Field types, numbers and names will not change" and "`optional` and `repeated`
declarators of existing fields will not change": clients that speak OTLP/JSON depend on
both. When the breaking configuration leaves a check out that the repository's own
documentation promises, the promise wins for that check, and the finding quotes it.

Only a sentence that names what is promised (field names, field types, field
declarators) and says it will not change counts; ignores (`ignore`, `ignore_only`,
unstable packages) still apply, because they say where the repository checks nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# Where a repository states its compatibility policy: the root README and the pages a
# README links for it by convention.
PROMISE_DOCUMENTS = (
    "README.md",
    "README",
    "README.rst",
    "STABILITY.md",
    "COMPATIBILITY.md",
    "VERSIONING.md",
    "docs/stability.md",
    "docs/compatibility.md",
    "docs/versioning.md",
)

_NAMES = frozenset({"FIELD_SAME_NAME", "FIELD_SAME_JSON_NAME"})
_DECLARATORS = frozenset({"FIELD_SAME_CARDINALITY", "FIELD_SAME_LABEL"})
# A field's type as its users see it in generated code includes its cardinality and
# presence: `optional double` is `*float64` in Go and has `hasX()` in Java, `double` is
# neither; `repeated` turns a value into a list.
_TYPES = frozenset({"FIELD_SAME_TYPE"}) | _DECLARATORS

_WILL_NOT_CHANGE = re.compile(
    r"\b(?:will|shall|must|should|do|does|are|is|can)\s*not\s+(?:be\s+)?(?:change|changed|renamed)\b"
    r"|\b(?:won't|can't|cannot|mustn't|shan't)\s+(?:be\s+)?(?:change|changed|renamed)\b"
    r"|\bnever\s+(?:be\s+)?(?:change|changes|changed|renamed)\b",
    re.IGNORECASE,
)
# What a sentence promises, read from the words before "will not change".
_SUBJECTS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (re.compile(r"\bfields?\b.*\bnames?\b|\bfield\s+names?\b|\bjson\s+names?\b", re.I), _NAMES),
    (re.compile(r"\bfields?\b.*\btypes?\b|\bfield\s+types?\b", re.I), _TYPES),
    (
        re.compile(
            r"`?optional`?\s+(?:and|or|/)\s+`?repeated`?|\b(?:field\s+)?(?:cardinality|presence)\b",
            re.I,
        ),
        _DECLARATORS,
    ),
)
_FENCE = re.compile(r"^\s*(```|~~~)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_MARKUP = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+|^\s*>\s*")


@dataclass(frozen=True)
class Promise:
    """One sentence of a document that promises some buf checks hold."""

    buf_rules: frozenset[str]
    document: str
    line: int
    text: str

    def cite(self) -> str:
        return f"{self.document}:{self.line} promises “{self.text}”"


def promises_in(read_text: Callable[[str], str | None]) -> tuple[Promise, ...]:
    """The promises in the repository's policy documents (``read_text`` gives a repo path's
    text, or None when the path does not exist)."""
    found: list[Promise] = []
    for document in PROMISE_DOCUMENTS:
        text = read_text(document)
        if text:
            found.extend(_promises_of(document, text))
    return tuple(found)


def _promises_of(document: str, text: str) -> Iterable[Promise]:
    in_code = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            continue
        for sentence in _SENTENCE_END.split(_MARKUP.sub("", line).strip()):
            promised = _promised_by(sentence)
            if promised:
                yield Promise(promised, document, number, sentence.strip())


def _promised_by(sentence: str) -> frozenset[str]:
    negation = _WILL_NOT_CHANGE.search(sentence)
    if negation is None:
        return frozenset()
    subject = sentence[: negation.start()]
    rules: frozenset[str] = frozenset()
    for pattern, promised in _SUBJECTS:
        if pattern.search(subject):
            rules |= promised
    return rules


def promise_for(promises: Iterable[Promise], buf_rules: Iterable[str]) -> Promise | None:
    """The first promise that covers one of ``buf_rules``."""
    wanted = set(buf_rules)
    return next((p for p in promises if p.buf_rules & wanted), None)
