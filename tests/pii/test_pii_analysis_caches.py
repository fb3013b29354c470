"""The analysis caches give what the functions they stand for give.

`_Engine._type_of` keys `field_type` by three facts of a field (element type, its kind,
map or not); if `field_type` ever reads more of a field, these comparisons over every
field of the labelled evaluation trees show it. Likewise the classifier's reading of a
name before its context (`_read_name`) and the records' reading of each place's topic
words (`records._topic_hits`) are checked against the plain computations.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

import pytest
from pii_helpers import split_sources, tree_of

from pii_detector import lexicon as lx
from pii_detector.analysis import _Engine
from pii_detector.classifier import (
    _HEALTH_CONCEPTS,
    MessageContext,
    _applies,
    _govern,
    _matches,
    _other_sense,
    _read_name,
    field_type,
    match_concepts,
)
from pii_detector.names import _raw_words, raw_words, words
from pii_detector.records import (
    _DOMAINS_OF,
    _ORDER,
    _WEIGHTS,
    Domain,
    domain_of,
    without_probes,
)
from protomodel.model import ProtoTree
from protomodel.parse import build_tree

TRICKY = """
import "google/protobuf/struct.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/timestamp.proto";

message Pair { string key = 1; string value = 2; }
message AnyValue {
  oneof value { string string_value = 1; int64 int_value = 2; bool bool_value = 3; }
}
enum Color { COLOR_UNSPECIFIED = 0; }
message Holder {
  map<string, string> labels = 1;
  map<string, AnyValue> attributes = 2;
  map<string, int64> counts = 3;
  repeated Pair pairs = 4;
  google.protobuf.Struct extra = 5;
  google.protobuf.StringValue nickname = 6;
  google.protobuf.Timestamp born_at = 7;
  Color color = 8;
  map<string, Color> colors = 9;
  Unknown.Thing missing = 10;
  string email = 11;
  repeated string emails = 12;
}
"""


def _trees() -> list[ProtoTree]:
    return [tree_of(TRICKY), *(build_tree(split_sources(s)) for s in ("dev", "heldout", "fresh"))]


@pytest.mark.parametrize("tree", _trees())
def test_the_cached_field_type_is_the_field_type(tree: ProtoTree) -> None:
    engine = _Engine(tree, {})
    fields = [f for fqn in (*engine.messages, *engine.extensions) for f in engine.fields_of(fqn)]
    assert fields
    for field in fields:
        assert engine._type_of(field) == field_type(field, tree), field.fqn


def test_cached_word_splits_and_matches_are_fresh_lists() -> None:
    """Callers may change the lists they get: the cache must not hand out its own."""
    first = raw_words("homeAddress_line2")
    first.append("changed")
    assert raw_words("homeAddress_line2") == list(_raw_words("homeAddress_line2"))
    assert "changed" not in raw_words("homeAddress_line2")
    matches = match_concepts(["email", "or", "phone"])
    matches.clear()
    assert match_concepts(("email", "or", "phone")) == list(_matches(("email", "or", "phone")))
    assert match_concepts(["email", "or", "phone"])


def test_rpc_words_keep_the_order_they_are_said_in() -> None:
    """`HealthChecks.Get` says health, check, get: in that order whatever the hash seed, so
    `health check` stays a probe and the record does not change from run to run."""
    tree = tree_of(
        "message GetHealthCheckRequest { string project = 1; }\n"
        "message HealthCheck { string name = 1; }\n"
        "service HealthChecks { rpc Get(GetHealthCheckRequest) returns (HealthCheck); }\n"
    )
    engine = _Engine(tree, {})
    assert engine.topics["acme.test.v1.GetHealthCheckRequest"]["rpc"] == ("health", "check", "get")
    assert engine.contexts["acme.test.v1.HealthCheck"].record.evidence == "no topic words"


def _contexts_of_every_kind() -> list[MessageContext]:
    """One context of each reading (kinds, subject, domain) in the labelled trees."""
    found: dict[tuple[object, ...], MessageContext] = {}
    for tree in _trees():
        for ctx in _Engine(tree, {}).contexts.values():
            found.setdefault((ctx.kinds, ctx.record.subject, ctx.record.domain), ctx)
    return list(found.values())


def _names() -> list[str]:
    names = {"_".join(phrase) for phrase in lx.PHRASES}
    for tree in _trees():
        engine = _Engine(tree, {})
        names.update(f.name for fqn in engine.messages for f in engine.fields_of(fqn))
    return sorted(names)


def test_a_context_free_name_reading_is_the_reading_in_every_context() -> None:
    """`_read_name` keeps the governing concept of a name whose matches no context can
    filter: in every kind of context, the filters give the same matches."""
    contexts = _contexts_of_every_kind()
    free = 0
    for name in _names():
        for is_map in (False, True):
            reading = _read_name(name, is_map)
            if not reading.context_free:
                continue
            free += 1
            raw = raw_words(name)
            for ctx in contexts:
                kept = [
                    m
                    for m in reading.matches
                    if _applies(m.concept, ctx)
                    and not _other_sense(m, reading.tokens, raw, ctx)
                    and not (ctx.is_system and m.concept.key in _HEALTH_CONCEPTS)
                ]
                assert kept == list(reading.matches), (name, ctx.fqn)
                assert _govern(reading.tokens, kept) == reading.governing, (name, ctx.fqn)
    assert free > 100


def _plain_domain_of(sources: dict[str, tuple[str, ...]]) -> tuple[Domain, str]:
    """records.domain_of as it was before places were cached: every pair joined."""
    scores: Counter[Domain] = Counter()
    seen: dict[Domain, list[tuple[str, set[str]]]] = {}
    for place, place_words in sources.items():
        found: dict[Domain, set[str]] = {}
        listed = without_probes(place_words)
        pairs = (f"{a}_{b}" for a, b in pairwise(listed))
        for word in {*listed, *(p for p in pairs if p in _DOMAINS_OF)}:
            for domain in _DOMAINS_OF.get(word, ()):
                found.setdefault(domain, set()).add(word)
        for domain, hits in found.items():
            scores[domain] += _WEIGHTS.get(place, 1) * min(len(hits), 2)
            seen.setdefault(domain, []).append((place, hits))
    if not scores:
        return Domain.GENERAL, "no topic words"
    best = max(scores, key=lambda d: (scores[d], -_ORDER[d]))
    if scores[best] < 3:
        return Domain.GENERAL, "too little topic evidence"
    return best, "; ".join(f"{p}: {', '.join(sorted(h)[:3])}" for p, h in seen[best])


def test_the_cached_topic_reading_is_the_plain_one() -> None:
    """`domain_of` reads each place once (`_topic_hits`) and joins only pairs that can start
    a two-word topic: the same domains and evidence as reading every place every time."""
    places = [("name", ("child", "support", "case")), ("fields", ("spousal", "support"))]
    for tree in _trees():
        engine = _Engine(tree, {})
        for fqn, message in engine.messages.items():
            places += [(place, tuple(found)) for place, found in engine.topics[fqn].items()]
            places.append(("name", words(message.name)))
            places.append(("fields", tuple(w for f in message.fields for w in words(f.name))))
    for i in range(len(places)):
        sources = dict(places[max(0, i - 2) : i + 1])
        assert domain_of(sources) == _plain_domain_of(sources), sources
