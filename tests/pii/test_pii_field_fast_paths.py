"""The classifier's per-field fast paths give what the plain computations give.

`_read_name` reads once per name what `_unsure_on_a_person`, `_unplaced` and
`_several_kinds` used to read of every field; `comment_prose` skips the slow search for
examples in a comment that holds none of their marks. Each is checked here against the
plain computation over every name and comment of the labelled evaluation trees.
"""

from __future__ import annotations

from pathlib import Path

from pii_helpers import split_sources

from pii_detector import lexicon as lx
from pii_detector.classifier import (
    _ADMINISTRATIVE,
    _CODE_BLOCK,
    _COMMENT_EXAMPLE,
    _CONJUNCTIONS,
    _MEDIA_WORDS,
    _RECORD_FLAG_WORDS,
    _administrative,
    _read_name,
    comment_prose,
)
from pii_detector.names import raw_words, words
from protomodel.model import ProtoTree, iter_all_messages
from protomodel.parse import build_tree

SPLITS = ("dev", "heldout", "fresh", "final")


def _trees() -> list[ProtoTree]:
    return [build_tree(split_sources(split)) for split in SPLITS]


def _fields_of(tree: ProtoTree) -> list:
    return [f for file in tree.files.values() for m in iter_all_messages(file) for f in m.fields]


def _plain_handling(name: str) -> bool:
    """`_unsure_on_a_person`'s test of record-handling words, as it read every field."""
    tokens = words(name)
    handling = set(tokens) & _RECORD_FLAG_WORDS
    if "test" in handling and "test" not in (tokens[0], tokens[-1]):
        handling.discard("test")
    return bool(handling)


def _plain_qualified_status(tokens: tuple[str, ...]) -> bool:
    """`_qualified_status_words`, the test of the name, as it read every field."""
    return (
        len(tokens) >= 2
        and tokens[-1] in {"status", "state"}
        and not set(tokens[:-1]) & (_ADMINISTRATIVE | _RECORD_FLAG_WORDS)
    )


def _plain_media(tokens: tuple[str, ...]) -> bool:
    """`_media_words`, the test of the name, as it read every field."""
    return tokens[-1:] in (("url",), ("uri",), ("link",)) and bool(set(tokens[:-1]) & _MEDIA_WORDS)


def _names() -> list[str]:
    names = {"_".join(phrase) for phrase in lx.PHRASES}
    names |= {"breath_test_positive", "test_mode", "legal_status", "consent_form_url", "a_by_b"}
    for tree in _trees():
        names.update(f.name for f in _fields_of(tree))
    return sorted(names)


def test_the_name_reading_is_the_plain_reading_of_the_name() -> None:
    for name in _names():
        whole = words(name)
        for is_map in (False, True):
            reading = _read_name(name, is_map)
            assert reading.raw == tuple(raw_words(name)), name
            assert reading.administrative == _administrative(reading.tokens), name
            assert reading.conjoined == bool(_CONJUNCTIONS & set(reading.tokens)), name
            assert reading.handles_the_record == _plain_handling(name), name
            assert reading.whole_administrative == _administrative(whole), name
            assert reading.qualified_status == _plain_qualified_status(whole), name
            assert reading.links_media == _plain_media(whole), name


def _comments() -> list[str]:
    texts = {
        "See https://example.com/x for more.",
        "Format: `projects/*/secrets/*`",
        'The e-mail, e.g. "ana@example.com".',
        "A <placeholder> and {template} here.",
        "Plain prose with no example at all.",
        "Ends with a period. Then more prose.",
        "    indented code line\nand prose",
        "```\nfenced block\n```\nprose after",
        "snake_case_name and dotted.name and call(x)",
        "",
    }
    for tree in _trees():
        for file in tree.files.values():
            for message in iter_all_messages(file):
                texts.add(message.comments.text)
                texts.update(f.comments.text for f in message.fields)
    # Any text will do: every line of the tests' proto files, and each file whole.
    for path in Path(__file__).resolve().parents[1].rglob("*.proto"):
        source = path.read_text(encoding="utf-8", errors="replace")
        texts.add(source)
        texts.update(line.strip().removeprefix("//") for line in source.splitlines())
    return sorted(texts)


def test_the_prose_of_a_comment_is_the_plain_prose() -> None:
    texts = _comments()
    skipped = 0
    for text in texts:
        plain = _COMMENT_EXAMPLE.sub(" ", _CODE_BLOCK.sub(" ", text))
        assert comment_prose(text) == plain, text
        skipped += plain == _CODE_BLOCK.sub(" ", text)
    assert len(texts) > 500 and 0 < skipped < len(texts)
