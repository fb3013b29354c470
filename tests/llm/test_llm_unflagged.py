"""The changed elements no check reported: found in the trees, shown in their own data block
within the token budget, and open to new findings by the review."""

from __future__ import annotations

from typing import Any

from compat_checker.findings import Category, Change, Severity, Source
from compat_checker.llm.changeset import build_chunks, declaration, unflagged_changes
from compat_checker.llm.merge import LLM_RULE
from compat_checker.llm.review import LlmState, review_changes
from compat_checker.llm.testing import FakeRequest, compat_responder, unflagged_items
from compat_checker.llm.usage import estimate_tokens
from protomodel.model import ProtoTree
from protomodel.parse import build_tree

from .conftest import MakeChange, MakeLlm

PATH = "acme/pay/v1/pay.proto"
BASE = """syntax = "proto3";
package acme.pay.v1;

// A payment.
message Payment {
  // Amount in cents.
  int64 amount = 1;
  // Who pays; never empty.
  string payer = 2;
  // Free text.
  string note = 3;
  // Currency code, ISO 4217.
  string currency = 4;
}

enum Method {
  METHOD_UNSPECIFIED = 0;
  // A card payment.
  METHOD_CARD = 1;
}

service Payments {
  // Charges a payment once.
  rpc Charge(Payment) returns (Payment);
}
"""


def tree(text: str) -> ProtoTree:
    return build_tree({PATH: text})


def edit(*pairs: tuple[str, str]) -> ProtoTree:
    text = BASE
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    return tree(text)


def test_changed_comments_and_options_are_found_with_what_changed() -> None:
    head = edit(
        ("// Free text.", "// Free text; now holds the card number for refunds."),
        ("string currency = 4;", "string currency = 4 [deprecated = true];"),
        ("// A card payment.", "// A card or wallet payment."),
        ("// Charges a payment once.", "// Charges a payment; may charge twice on retry."),
    )
    found = unflagged_changes([], tree(BASE), head)
    items = {item["element"]: item for item in found[PATH]}
    assert set(items) == {
        "acme.pay.v1.Payment.note",
        "acme.pay.v1.Payment.currency",
        "acme.pay.v1.Method.METHOD_CARD",
        "acme.pay.v1.Payments.Charge",
    }
    note = items["acme.pay.v1.Payment.note"]
    assert note["changed"] == ["comments"] and note["kind"] == "field"
    assert note["before"] == note["after"] == "string note = 3;"
    assert note["comments_before"] == "Free text."
    assert "card number" in note["comments_after"] and note["line"] > 0
    currency = items["acme.pay.v1.Payment.currency"]
    assert currency["changed"] == ["options"]
    assert "options_before" not in currency and currency["options_after"] == {"deprecated": True}
    assert items["acme.pay.v1.Payments.Charge"]["after"] == (
        "rpc Charge(acme.pay.v1.Payment) returns (acme.pay.v1.Payment);"
    )


def test_reformatting_rewrapping_and_unchanged_elements_are_not_changes() -> None:
    head = tree(
        BASE.replace("  // Amount in cents.\n", "\n\n  // Amount   in\n  // cents.\n").replace(
            "string payer = 2;", "string   payer=2 ;"
        )
    )
    assert unflagged_changes([], tree(BASE), head) == {}


def test_elements_with_a_finding_added_or_removed_ones_and_other_files_are_left_out(
    make_change: MakeChange,
) -> None:
    head = edit(
        ("// Amount in cents.", "// Amount in dollars."),
        ("// Who pays; never empty.", "// Who pays."),
        ("  string note = 3;\n", "  string note = 3;\n  // New.\n  string memo = 5;\n"),
    )
    flagged = make_change(
        "DOC_UNIT_CHANGED", "acme.pay.v1.Payment.amount", category=Category.SEMANTIC
    )
    pii = make_change("PII_UNANNOTATED", "acme.pay.v1.Payment.payer", category=Category.PII)
    found = unflagged_changes([flagged, pii], tree(BASE), head)
    # payer only has a PII finding: its compatibility is still unreviewed.
    assert [item["element"] for item in found[PATH]] == ["acme.pay.v1.Payment.payer"]
    assert unflagged_changes([flagged, pii], tree(BASE), head, files={"other.proto"}) == {}


def test_declarations_read_like_proto() -> None:
    text = BASE.replace(
        "  string currency = 4;\n",
        "  string currency = 4;\n  repeated string tags = 6;\n  map<string, int64> totals = 7;\n"
        '  optional string ref = 8 [json_name = "reference"];\n',
    )
    payment = tree(text).message("acme.pay.v1.Payment")
    assert payment is not None
    assert [declaration(f) for f in payment.fields[4:]] == [
        "repeated string tags = 6;",
        "map<string, int64> totals = 7;",
        'optional string ref = 8 [json_name = "reference"];',
    ]
    assert declaration(payment) == "message Payment { … }"


def test_unflagged_elements_share_the_token_budget_and_are_split_per_file(
    make_change: MakeChange,
) -> None:
    finding = make_change(file=PATH)
    unflagged = {
        PATH: [
            {"element": f"acme.pay.v1.Payment.f{i}", "line": i, "comments_after": "x" * 2_000}
            for i in range(10)
        ],
        "b.proto": [{"element": "acme.b.v1.M.x", "line": 3}],
    }
    chunks = build_chunks([finding], budget_tokens=1_200, unflagged=unflagged)
    assert [c.file for c in chunks] == [*[PATH] * (len(chunks) - 1), "b.proto"]
    mine = [c for c in chunks if c.file == PATH]
    assert len(mine) > 2 and mine[0].items and not mine[1].items
    shown = [item["element"] for c in mine for item in c.unflagged]
    assert shown == [f"acme.pay.v1.Payment.f{i}" for i in range(10)]
    assert mine[0].finding_ids == {finding.id} and mine[1].finding_ids == frozenset()
    assert mine[1].unflagged_lines == {item["element"]: item["line"] for item in mine[1].unflagged}
    assert all(estimate_tokens(str(c.unflagged)) < 1_500 for c in mine)


def test_the_review_adds_an_llm_only_finding_for_a_change_no_rule_reported(
    make_llm: MakeLlm,
) -> None:
    head = edit(("// Free text.", "// Free text; now holds the card number for refunds."))

    def judge(item: dict[str, Any]) -> dict[str, Any] | None:
        if "card number" in item.get("comments_after", ""):
            return {"severity": "CRITICAL", "reasoning": "note now holds card numbers"}
        return None

    llm, fake = make_llm(compat_responder(lambda item: {}, unflagged=judge))
    result = review_changes([], llm, base=tree(BASE), head=head)
    [request] = fake.requests
    [item] = unflagged_items(request)
    assert item["element"] == "acme.pay.v1.Payment.note"
    [added] = result.changes
    assert added.rule == LLM_RULE and added.sources == [Source.LLM] and added.file == PATH
    assert added.is_breaking and added.blocks and added.severity == Severity.CRITICAL
    assert added.line == item["line"]
    assert added.llm is not None and added.llm["llm_only"] and added.llm["unflagged"]
    assert "note now holds card numbers" in added.message
    assert result.status.state is LlmState.RAN and result.status.unflagged == 1


def test_unflagged_review_can_be_switched_off(make_llm: MakeLlm) -> None:
    head = edit(("// Free text.", "// Free text; now holds the card number."))
    llm, fake = make_llm(compat_responder(lambda item: {}), review_unflagged=False)
    result = review_changes([], llm, base=tree(BASE), head=head)
    assert fake.requests == [] and result.changes == []


def test_a_remark_below_medium_on_an_unflagged_element_adds_nothing(make_llm: MakeLlm) -> None:
    head = edit(("// Free text.", "// Free-form text."))

    def respond(request: FakeRequest) -> dict[str, Any]:
        remark = {"is_breaking": False, "severity": "LOW", "assessment": "refuted"}
        return compat_responder(lambda item: {}, unflagged=lambda item: remark)(request)

    llm, _ = make_llm(respond)
    changes: list[Change] = review_changes([], llm, base=tree(BASE), head=head).changes
    assert changes == []
