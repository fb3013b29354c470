"""The LLM second opinion: conservative merge, prompt input, failures leave the rules."""

from __future__ import annotations

import pytest
from pii_helpers import analyze, result, tree_of

from pii_detector.analysis import analyze_tree
from pii_detector.levels import PiiType, Sensitivity
from pii_detector.llm_review import (
    LlmFieldOpinion,
    PiiLlmAnswer,
    PiiReviewInput,
    build_review_input,
    merge_llm_opinion,
    review_with_llm,
)
from pii_detector.overrides import Override
from pii_detector.results import Source

H, M, L, P = Sensitivity.HIGH, Sensitivity.MEDIUM, Sensitivity.LOW, Sensitivity.PUBLIC
BODY = """
message IntakeForm {
  // Free-form payload from the intake form.
  string data = 1;
  string email = 2;
  string ssn = 3;
  string color = 4;
}
message Visit { IntakeForm visit = 1; }
"""
E = "acme.test.v1.IntakeForm."


def opinion(
    field: str, level: Sensitivity, pii_type: PiiType | None = None, why: str = "because"
) -> LlmFieldOpinion:
    return LlmFieldOpinion(element=E + field, sensitivity=level, pii_type=pii_type, reasoning=why)


def test_higher_llm_level_wins_lower_is_kept_and_both_are_listed() -> None:
    rules = analyze(BODY).fields
    answer = PiiLlmAnswer(
        fields=[
            opinion("data", H, PiiType.SPECIAL_CATEGORY, "intake forms hold symptoms"),
            opinion("ssn", L, PiiType.SSN, "just a reference"),
            opinion("color", P),
        ]
    )
    merged = merge_llm_opinion(rules, answer)
    by_element = {f.element: f for f in merged.fields}
    data = by_element[E + "data"]
    assert (data.sensitivity, data.pii_type, data.source, data.rule) == (
        H,
        PiiType.SPECIAL_CATEGORY,
        Source.LLM,
        "LLM",
    )
    assert data.reasoning.startswith("LLM: intake forms hold symptoms")
    assert by_element[E + "ssn"].sensitivity == H and by_element[E + "ssn"].source == Source.RULES
    resolutions = {d.element.rsplit(".", 1)[-1]: d.resolution for d in merged.disagreements}
    assert resolutions == {"data": "llm is higher: taken", "ssn": "rules are higher: kept"}


def test_same_level_takes_the_type_only_when_rules_had_none() -> None:
    rules = analyze(
        "message T { Inner inner = 1; string email = 2; } message Inner { string email = 1; }"
    ).fields
    answer = PiiLlmAnswer(
        fields=[
            LlmFieldOpinion(
                element="acme.test.v1.T.inner",
                sensitivity=M,
                pii_type=PiiType.EMAIL_PERSONAL,
                reasoning="r",
            ),
            LlmFieldOpinion(
                element="acme.test.v1.T.email",
                sensitivity=M,
                pii_type=PiiType.EMAIL_WORK,
                reasoning="r",
            ),
        ]
    )
    merged = {f.element: f for f in merge_llm_opinion(rules, answer).fields}
    assert merged["acme.test.v1.T.inner"].pii_type == PiiType.EMAIL_PERSONAL
    assert merged["acme.test.v1.T.email"].pii_type == PiiType.EMAIL_PERSONAL


def test_overrides_still_win_over_the_llm() -> None:
    override = Override(sensitivity=P, reason="synthetic", who="w", when="t")
    tree = tree_of(BODY)
    rules = analyze_tree(tree, overrides={E + "email": override}).fields
    merged = merge_llm_opinion(rules, PiiLlmAnswer(fields=[opinion("email", H)]))
    email = next(f for f in merged.fields if f.element == E + "email")
    assert (email.sensitivity, email.source) == (P, Source.OVERRIDE)
    assert merged.disagreements[0].resolution == "override wins"


def test_opinions_on_unknown_elements_are_set_aside() -> None:
    merged = merge_llm_opinion(analyze(BODY).fields, PiiLlmAnswer(fields=[opinion("nope", H)]))
    assert merged.unknown_elements == [E + "nope"]
    assert merged.disagreements == []


def test_review_propagates_an_llm_raise_to_referencing_fields_and_rpcs() -> None:
    tree = tree_of(BODY.replace("string ssn = 3;", "string ref = 3;"))
    seen: list[PiiReviewInput] = []

    def ask(prompt_input: PiiReviewInput) -> PiiLlmAnswer:
        seen.append(prompt_input)
        return PiiLlmAnswer(fields=[opinion("data", H, PiiType.SPECIAL_CATEGORY)])

    analysis = review_with_llm(tree, ask)
    assert len(seen) == 1  # one call per file
    assert result(analysis, "Visit.visit").sensitivity == H
    assert {m.name: m.sensitivity for m in analysis.messages}["IntakeForm"] == H
    assert [d.element for d in analysis.disagreements] == [E + "data"]


@pytest.mark.parametrize("failure", ["raise", "none"])
def test_a_failed_llm_call_leaves_the_rules(failure: str) -> None:
    tree = tree_of(BODY)

    def ask(prompt_input: PiiReviewInput) -> PiiLlmAnswer | None:
        if failure == "raise":
            raise TimeoutError("deadline exceeded")
        return None

    analysis = review_with_llm(tree, ask)
    assert analysis.fields == analyze_tree(tree).fields
    assert len(analysis.llm_errors) == 1 and analysis.llm_errors[0].startswith(
        "acme/test/v1/test.proto: "
    )


def test_review_input_carries_rule_results_snippets_and_corrections() -> None:
    tree = tree_of(BODY)
    override = Override(
        sensitivity=L, pii_type=PiiType.NAME, reason="display only", who="w", when="t"
    )
    analysis = analyze_tree(tree)
    prompt_input = build_review_input(
        analysis, tree, "acme/test/v1/test.proto", {E + "color": override}
    )
    data = next(f for f in prompt_input.fields if f.element == E + "data")
    assert data.declaration == "string data = 1;"
    assert data.comments == "Free-form payload from the intake form."
    assert data.siblings == ["email", "ssn", "color"]
    assert data.rule_sensitivity == P and data.rule_reasoning.startswith("NO_SIGNAL")
    variables = prompt_input.prompt_variables()
    assert set(variables) == {"file", "records", "fields", "corrections"}
    assert variables["file"] == {"path": "acme/test/v1/test.proto", "package": "acme.test.v1"}
    assert variables["corrections"] == [
        {"element": E + "color", "sensitivity": "LOW", "pii_type": "NAME", "reason": "display only"}
    ]


CUSTOMER = """
message Customer {
  string customer_id = 1;
  string email = 2;
  string favourite_quark = 3;
  string full_name = 4;
}
message Patient { string patient_id = 1; string display_name = 2; string frobnication = 3; }
"""


def test_review_input_puts_the_fields_that_need_review_first_with_their_reason() -> None:
    tree = tree_of(CUSTOMER)
    prompt_input = build_review_input(analyze_tree(tree), tree, "acme/test/v1/test.proto")
    names = [f.element.removeprefix("acme.test.v1.") for f in prompt_input.fields]
    assert names == [
        "Customer.favourite_quark",  # the rules could not place these two: first
        "Patient.frobnication",
        "Customer.customer_id",  # then every other field in file order
        "Customer.email",
        "Customer.full_name",
        "Patient.patient_id",
        "Patient.display_name",
    ]
    quark = prompt_input.fields[0]
    assert quark.needs_review and quark.review_reason == (
        "no rule places this field of a record about a person"
    )
    assert not prompt_input.fields[2].needs_review and prompt_input.fields[2].review_reason is None


def test_review_input_says_what_each_message_is_about() -> None:
    tree = tree_of(CUSTOMER)
    prompt_input = build_review_input(analyze_tree(tree), tree, "acme/test/v1/test.proto")
    records = {r.message: r for r in prompt_input.records}
    assert set(records) == {"acme.test.v1.Customer", "acme.test.v1.Patient"}
    patient = records["acme.test.v1.Patient"]
    assert (patient.subject, patient.domain, patient.about_people) == (
        "person",
        "health",
        True,
    )
    assert "patient" in patient.evidence
    variables = prompt_input.prompt_variables()
    assert variables["records"][0]["message"] == "acme.test.v1.Customer"
    assert variables["fields"][0]["needs_review"] is True


def test_the_answer_schema_validates() -> None:
    answer = PiiLlmAnswer.model_validate(
        {
            "fields": [
                {"element": "a.B.c", "sensitivity": "HIGH", "pii_type": None, "reasoning": "x"}
            ]
        }
    )
    assert answer.fields[0].sensitivity == H
    with pytest.raises(ValueError):
        PiiLlmAnswer.model_validate(
            {"fields": [{"element": "a.B.c", "sensitivity": "SECRET", "reasoning": "x"}]}
        )
