"""The analysis caches give what the functions they stand for give.

`_Engine._type_of` keys `field_type` by three facts of a field (element type, its kind,
map or not); if `field_type` ever reads more of a field, these comparisons over every
field of the labelled evaluation trees show it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pii_helpers import tree_of

from pii_detector.analysis import _Engine
from pii_detector.classifier import _matches, field_type, match_concepts
from pii_detector.names import _raw_words, raw_words
from protomodel.model import ProtoTree
from protomodel.parse import build_tree

EVAL = Path(__file__).resolve().parent / "eval"

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
    trees = [tree_of(TRICKY)]
    for split in ("dev", "heldout", "fresh"):
        root = EVAL / split
        sources = {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.proto"))}
        trees.append(build_tree(sources))
    return trees


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
