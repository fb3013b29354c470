"""A message is read once (`classifier.read_message`) and its context made from that
reading with the person words of its package (`classifier.context_of`): the engine's
contexts are the plain `message_context` of each message with its package's words."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from pii_helpers import split_sources, tree_of

from pii_detector import lexicon as lx
from pii_detector.analysis import _Engine
from pii_detector.classifier import MessageContext, context_of, message_context, read_message
from protomodel.parse import build_tree

# A package whose own person-like message (`Client`) makes `client_id` a person's.
LAW_FIRM = """
message Client { string full_name = 1; string email = 2; string phone = 3; }
message Matter { string client_id = 1; string title = 2; }
message GetMatterRequest { string client_id = 1; }
message Campaign { message Settings { bool client_visible = 1; } Settings settings = 1; }
"""


def _contexts_before_the_records(tree, monkeypatch: pytest.MonkeyPatch):
    """The engine's contexts as its two context passes leave them, and each package's words."""
    seen: dict[str, object] = {}
    plain_pass = _Engine.read_what_people_hold

    def snapshot(engine: _Engine, nouns_of: Mapping[str, frozenset[str]]) -> None:
        seen.update(engine=engine, contexts=dict(engine.contexts), nouns_of=dict(nouns_of))
        plain_pass(engine, nouns_of)

    monkeypatch.setattr(_Engine, "read_what_people_hold", snapshot)
    _Engine(tree, {})
    return seen["engine"], seen["contexts"], seen["nouns_of"]


@pytest.mark.parametrize("split", ["dev", "heldout", "fresh", "law firm"])
def test_contexts_made_from_one_reading_are_the_plain_contexts(
    split: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tree_of(LAW_FIRM) if split == "law firm" else build_tree(split_sources(split))
    engine, contexts, nouns_of = _contexts_before_the_records(tree, monkeypatch)
    if split == "law firm":
        assert nouns_of == {"acme.test.v1": lx.PERSON_NOUNS | {"client"}}
    for fqn, message in engine.messages.items():
        package = engine.file_of[fqn].package
        nouns = nouns_of.get(package, lx.PERSON_NOUNS)
        plain = message_context(message, package, nouns, engine.topics[fqn])
        assert contexts[fqn] == plain, fqn


def test_one_reading_gives_each_set_of_person_words_its_own_context() -> None:
    """The reading holds nothing that depends on the person words: finished with other
    words it gives the context `message_context` gives with them."""
    tree = tree_of(LAW_FIRM)
    contexts: set[MessageContext] = set()
    for file in tree.files.values():
        for message in file.messages:
            reading = read_message(message, file.package)
            for nouns in (lx.PERSON_NOUNS, lx.PERSON_NOUNS | {"client"}, frozenset({"client"})):
                made = context_of(reading, nouns)
                assert made == message_context(message, file.package, nouns), message.fqn
                contexts.add(made)
    matter = [c for c in contexts if c.fqn == "acme.test.v1.Matter"]
    assert len({c.kinds for c in matter}) == 2  # `client_id` points at a person, or not
