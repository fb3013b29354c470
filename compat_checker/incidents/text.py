"""Text features shared by the hashing embedding and the "why it matched" explanation.

Pure functions, no Chroma: the gate can explain matches without loading the vector store.
"""

from __future__ import annotations

import math
import re
from collections import Counter

_TOKEN = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")
_RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_FQN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")
_WORD_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

# Prose that says nothing about an API change, plus the labels of `Incident.document()`.
_STOPWORD_TEXT = """
a an and are as at be been but by can could did do does for from had has have if in into is
it its may might must no not of on or our should so than that the their then there these
they this those to too was we were when where which while who will with would you your after
before about also any all via new old rules elements impact diff category
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

# Feature weights: an exact rule ID or element says more than any single word.
_W_RULE = 3.0
_W_ELEMENT = 3.0
_W_PARENT = 1.5
_W_WORD = 1.0
_W_NGRAM = 0.3  # character n-grams: "removed" still meets "remove" and "removal"
_NGRAM = 4


def split_words(identifier: str) -> list[str]:
    """`CreateTaskRequest` -> create, task, request; `due_date` -> due, date."""
    return [part.lower() for part in _WORD_PART.findall(identifier)]


def _is_content_word(word: str) -> bool:
    return len(word) >= 2 and word not in STOPWORDS


def content_words(text: str) -> set[str]:
    """Words of the prose (not rule IDs or FQNs) that are worth citing as a shared word."""
    words: set[str] = set()
    for token in _TOKEN.findall(text):
        if _RULE_ID.match(token) or _FQN.match(token):
            continue
        words.update(word for word in split_words(token) if _is_content_word(word))
    return words


def features(text: str) -> dict[str, float]:
    """Weighted features of a text; the same function serves documents and queries.

    A feature seen n times weighs its (mean) weight times 1 + ln(n): repeating a word in a
    long impact text should help a little, not drown the rule and the element.
    """
    totals: Counter[str] = Counter()
    counts: Counter[str] = Counter()

    def add(feature: str, weight: float) -> None:
        totals[feature] += weight
        counts[feature] += 1

    def add_word(word: str) -> None:
        if not _is_content_word(word):
            return
        add("w:" + word, _W_WORD)
        if len(word) > _NGRAM:
            padded = f"<{word}>"
            for i in range(len(padded) - _NGRAM + 1):
                add("g:" + padded[i : i + _NGRAM], _W_NGRAM)

    for token in _TOKEN.findall(text):
        if _RULE_ID.match(token):
            add("r:" + token, _W_RULE)
            for word in split_words(token):
                add_word(word)
        elif _FQN.match(token):
            parts = token.split(".")
            # "m:" is shared by an element and its parent, so a field matches its message.
            add("m:" + token, _W_ELEMENT)
            add("m:" + ".".join(parts[:-1]), _W_PARENT)
            for part in parts[-2:]:
                for word in split_words(part):
                    add_word(word)
        else:
            for word in split_words(token):
                add_word(word)
    return {
        feature: totals[feature] / count * (1.0 + math.log(count))
        for feature, count in counts.items()
    }
