"""Propagation through message-typed fields, message and RPC levels, overrides."""

from __future__ import annotations

from pii_helpers import analyze, result, tree_of

from pii_detector.analysis import analyze_tree
from pii_detector.levels import PiiType, Sensitivity
from pii_detector.overrides import Override
from pii_detector.results import Source

H, M, L, P = Sensitivity.HIGH, Sensitivity.MEDIUM, Sensitivity.LOW, Sensitivity.PUBLIC

NESTED = """
message Order {
  string order_id = 1;
  Buyer buyer = 2;
  repeated Buyer co_buyers = 3;
  map<string, Buyer> buyers_by_role = 4;
  map<string, string> labels = 5;
}
message Buyer {
  string buyer_id = 1;
  Identity identity = 2;
}
message Identity {
  string ssn = 1;
}
"""


def test_message_typed_fields_take_the_highest_level_inside_recursively() -> None:
    analysis = analyze(NESTED)
    buyer = result(analysis, "Order.buyer")
    assert (buyer.sensitivity, buyer.pii_type) == (H, None)
    assert buyer.rule == "MESSAGE_CONTENT"
    assert "Buyer.identity → Identity.ssn" in buyer.reasoning
    assert result(analysis, "Buyer.identity").sensitivity == H


def test_repeated_and_map_fields_take_their_elements_level() -> None:
    analysis = analyze(NESTED)
    assert result(analysis, "Order.co_buyers").sensitivity == H
    assert result(analysis, "Order.buyers_by_role").sensitivity == H
    # Policy v2: a free-form map on a record of what people do (an order) is free text.
    labels = result(analysis, "Order.labels")
    assert (labels.sensitivity, labels.pii_type) == (M, PiiType.FREE_TEXT)
    assert result(analysis, "Order.co_buyers").type == "repeated acme.test.v1.Buyer"
    assert result(analysis, "Order.buyers_by_role").type == "map<string, acme.test.v1.Buyer>"


def test_cycles_stop_and_the_answer_does_not_depend_on_order() -> None:
    body = """
message A { B b = 1; string color = 2; }
message B { A a = 1; C c = 2; }
message C { B back = 1; string email = 2; }
"""
    analysis = analyze(body)
    for path in ("A.b", "B.a", "B.c", "C.back"):
        assert result(analysis, path).sensitivity == M, path
    levels = {m.name: m.sensitivity for m in analysis.messages}
    assert levels == {"A": M, "B": M, "C": M}


def test_a_self_referencing_message_without_pii_is_public() -> None:
    analysis = analyze("message Node { Node next = 1; string label = 2; }")
    assert result(analysis, "Node.next").sensitivity == P
    assert "holds no personal data" in result(analysis, "Node.next").reasoning


def test_message_level_is_the_max_of_its_fields() -> None:
    analysis = analyze("message User { string email = 1; string first_name = 2; }")
    (message,) = analysis.messages
    assert (message.name, message.sensitivity) == ("User", M)
    assert message.reasoning == "highest field: User.email"


def test_name_type_is_kept_and_content_raises_the_level() -> None:
    body = """
message Customer { Address office_address = 1; }
message Address { string line1 = 1; string city = 2; }
"""
    office = result(analyze(body), "Customer.office_address")
    assert (office.sensitivity, office.pii_type) == (M, PiiType.ADDRESS_WORK)


SERVICE = """
message User { string id = 1; string ssn = 2; }
message GetUserRequest { string name = 1; }
message ListUsersRequest { int32 page_size = 1; string page_token = 2; }
message ListUsersResponse { repeated User users = 1; string next_page_token = 2; }
message Ping { string text = 1; }
service Users {
  rpc GetUser(GetUserRequest) returns (User);
  rpc ListUsers(ListUsersRequest) returns (ListUsersResponse);
  rpc Health(Ping) returns (Ping);
}
"""


def test_rpc_level_audit_and_bulk_exposure() -> None:
    methods = {m.method: m for m in analyze(SERVICE).methods}
    get, listing, health = methods["GetUser"], methods["ListUsers"], methods["Health"]
    assert (get.request_sensitivity, get.response_sensitivity, get.sensitivity) == (L, H, H)
    assert get.audit_pii_access and get.exposure is None
    assert listing.sensitivity == H and listing.audit_pii_access
    assert listing.exposure is not None and "ListUsersResponse.users → User.ssn" in listing.exposure
    assert (health.sensitivity, health.audit_pii_access, health.exposure) == (P, False, None)


def test_an_override_wins_and_flows_into_referencing_fields() -> None:
    tree = tree_of(NESTED)
    override = Override(
        sensitivity=P,
        pii_type=None,
        reason="test data only",
        who="tester",
        when="2026-01-01T00:00:00+00:00",
    )
    analysis = analyze_tree(tree, overrides={"acme.test.v1.Identity.ssn": override})
    ssn = result(analysis, "Identity.ssn")
    assert (ssn.sensitivity, ssn.source, ssn.rule) == (P, Source.OVERRIDE, "OVERRIDE")
    assert "test data only" in ssn.reasoning and "tester" in ssn.reasoning
    assert result(analysis, "Order.buyer").sensitivity == L  # buyer_id is still LOW


def test_overrides_for_unknown_elements_are_reported() -> None:
    override = Override(sensitivity=H, reason="r", who="w", when="t")
    analysis = analyze_tree(tree_of(NESTED), overrides={"acme.test.v1.Nope.x": override})
    assert analysis.unused_overrides == ["acme.test.v1.Nope.x"]


def test_existing_annotations_are_detected() -> None:
    body = """
import "pii/v1/pii.proto";
message User {
  string ssn = 1 [(pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = SSN];
  string password = 2 [debug_redact = true];
  string token = 3;
  string secret = 4 [(udpa.annotations.sensitive) = true];
}
"""
    analysis = analyze(body)
    assert (
        result(analysis, "User.secret").existing_annotation == "(udpa.annotations.sensitive) = true"
    )
    assert (
        result(analysis, "User.ssn").existing_annotation
        == "(pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = SSN"
    )
    assert result(analysis, "User.password").existing_annotation == "debug_redact = true"
    assert result(analysis, "User.password").annotated
    assert not result(analysis, "User.token").annotated
    assert [f.field_name for f in analysis.unannotated(H)] == ["token"]


def test_only_reviewed_files_are_reported_but_dependencies_are_read() -> None:
    from protomodel.parse import build_tree

    tree = build_tree(
        {
            "a/v1/a.proto": 'syntax = "proto3";\npackage a.v1;\nimport "b/v1/b.proto";\n'
            "message Holder { b.v1.Secret secret_ref = 1; }\n",
            "b/v1/b.proto": 'syntax = "proto3";\npackage b.v1;\nmessage Secret { string password = 1; }\n',
        },
        reviewed=["a/v1/a.proto"],
    )
    analysis = analyze_tree(tree)
    assert [f.element for f in analysis.fields] == ["a.v1.Holder.secret_ref"]
    assert analysis.fields[0].sensitivity == H
