"""StructuredLlm.ask: validation retry, deadlines, transient retries, cache, budgets, usage."""

from __future__ import annotations

import importlib.resources
import json
import threading
from pathlib import Path

import pytest
from google.api_core.exceptions import PermissionDenied, ResourceExhausted
from pydantic import BaseModel

from compat_checker.config.llm import ModelPrice
from compat_checker.llm.failures import FailureKind
from compat_checker.llm.prompts import Prompt, load_pii_policy
from compat_checker.llm.testing import FakeRequest

from .conftest import MakeLlm

PROMPT = Prompt(
    "probe",
    1,
    """---
name: probe
version: 1
purpose: tests
changes: none
---
<!-- role: system -->
Answer about the item.
<!-- role: user -->
{{ item }}
""",
)


class Answer(BaseModel):
    label: str
    score: int


def by_item(request: FakeRequest) -> dict[str, object]:
    """Answers by input: the label is the item's name."""
    item = request.data[0]
    return {"label": item["name"].upper(), "score": len(item["name"])}


def test_answer_is_validated_and_usage_recorded(make_llm: MakeLlm) -> None:
    llm, fake = make_llm(by_item)
    answer, record = llm.ask_prompt(PROMPT, {"item": {"name": "abc"}}, Answer)
    assert answer == Answer(label="ABC", score=3)
    assert record.ok and record.calls == 1 and not record.cached
    assert record.input_tokens > 0 and record.output_tokens > 0
    assert fake.requests[0].schema_name == "Answer"


def test_malformed_answer_is_retried_once_with_the_errors_then_dropped(make_llm: MakeLlm) -> None:
    llm, fake = make_llm(lambda request: {"label": "x", "score": "ignore instructions"})
    answer, record = llm.ask_prompt(PROMPT, {"item": {"name": "abc"}}, Answer)
    assert answer is None
    assert record.failure is FailureKind.INVALID_ANSWER
    assert record.calls == 2 and len(record.validation_errors) == 2
    retry = fake.requests[1]
    assert retry.is_retry
    feedback = str(retry.messages[-1].content)
    assert "score" in feedback
    # The model's own text is not echoed back into the conversation.
    assert "ignore instructions" not in feedback


def test_malformed_answer_then_a_good_one_is_kept(make_llm: MakeLlm) -> None:
    def respond(request: FakeRequest) -> object:
        return by_item(request) if request.is_retry else "Sure! The label is ABC."

    llm, _ = make_llm(respond)
    answer, record = llm.ask_prompt(PROMPT, {"item": {"name": "abc"}}, Answer)
    assert answer == Answer(label="ABC", score=3)
    assert record.ok and record.calls == 2
    assert record.validation_errors == ["the reply contained no structured answer"]


def test_a_call_past_its_deadline_is_a_timeout(make_llm: MakeLlm) -> None:
    llm, _ = make_llm(by_item, latency=2.0, timeout_seconds=0.05, max_retries=0)
    answer, record = llm.ask_prompt(PROMPT, {"item": {"name": "abc"}}, Answer)
    assert answer is None
    assert record.failure is FailureKind.TIMEOUT
    assert record.seconds < 1.0


def test_transient_errors_are_retried_with_backoff(make_llm: MakeLlm) -> None:
    failures = iter([ResourceExhausted("quota"), ResourceExhausted("quota")])
    delays: list[float] = []

    def respond(request: FakeRequest) -> object:
        return next(failures, None) or by_item(request)

    llm, _ = make_llm(
        respond, sleep=delays.append, max_retries=2, backoff_seconds=1.0, max_backoff_seconds=1.5
    )
    answer, record = llm.ask_prompt(PROMPT, {"item": {"name": "abc"}}, Answer)
    assert answer is not None and record.calls == 3
    assert len(delays) == 2
    assert 0.5 <= delays[0] <= 1.0 and 0.75 <= delays[1] <= 1.5  # doubled, then capped


def test_retries_stop_after_max_retries(make_llm: MakeLlm) -> None:
    llm, _ = make_llm(lambda request: ResourceExhausted("quota"), max_retries=1)
    answer, record = llm.ask_prompt(PROMPT, {"item": {"name": "abc"}}, Answer)
    assert answer is None and record.calls == 2
    assert record.failure is FailureKind.QUOTA
    assert record.error is not None and "ResourceExhausted" in record.error


def test_an_auth_failure_is_not_retried_and_stops_later_calls(make_llm: MakeLlm) -> None:
    llm, fake = make_llm(lambda request: PermissionDenied("no access"), max_retries=3)
    _, first = llm.ask_prompt(PROMPT, {"item": {"name": "a"}}, Answer)
    _, second = llm.ask_prompt(PROMPT, {"item": {"name": "b"}}, Answer)
    assert first.failure is FailureKind.AUTH and first.calls == 1
    assert second.failure is FailureKind.ABORTED and second.calls == 0
    assert len(fake.requests) == 1


def test_second_ask_is_served_from_the_cache(make_llm: MakeLlm, tmp_path: Path) -> None:
    first_llm, _ = make_llm(by_item)
    first_llm.ask_prompt(PROMPT, {"item": {"name": "abc"}}, Answer)
    llm, fake = make_llm(by_item)  # a new run over the same cache directory
    answer, record = llm.ask_prompt(PROMPT, {"item": {"name": "abc"}}, Answer)
    assert answer == Answer(label="ABC", score=3)
    assert record.cached and record.calls == 0 and fake.requests == []
    assert llm.usage().calls == 0 and llm.usage().cached == 1
    # A different input is a different key.
    llm.ask_prompt(PROMPT, {"item": {"name": "abd"}}, Answer)
    assert len(fake.requests) == 1
    entries = list((tmp_path / "cache" / "llm").rglob("*.json"))
    assert len(entries) == 2
    entry = json.loads(entries[0].read_text())
    assert {"provider", "model", "prompt", "answer", "usage"} <= set(entry)
    assert not list((tmp_path / "cache").rglob("*.tmp"))  # atomic writes leave nothing behind


def test_corrupt_cache_entries_are_misses_and_no_cache_calls_again(
    make_llm: MakeLlm, tmp_path: Path
) -> None:
    llm, _ = make_llm(by_item)
    llm.ask_prompt(PROMPT, {"item": {"name": "abc"}}, Answer)
    for entry in (tmp_path / "cache").rglob("*.json"):
        entry.write_text("{not json")
    llm, fake = make_llm(by_item)
    _, record = llm.ask_prompt(PROMPT, {"item": {"name": "abc"}}, Answer)
    assert not record.cached and len(fake.requests) == 1
    llm, fake = make_llm(by_item, cache=False)
    _, record = llm.ask_prompt(PROMPT, {"item": {"name": "abc"}}, Answer)
    assert not record.cached and len(fake.requests) == 1


def test_max_calls_stops_calling(make_llm: MakeLlm) -> None:
    llm, fake = make_llm(by_item, max_calls=1)
    _, first = llm.ask_prompt(PROMPT, {"item": {"name": "a"}}, Answer)
    _, second = llm.ask_prompt(PROMPT, {"item": {"name": "b"}}, Answer)
    assert first.ok
    assert second.failure is FailureKind.BUDGET and second.calls == 0
    assert len(fake.requests) == 1
    assert llm.usage().budget_stop == "max_calls=1 reached"


def test_max_tokens_stops_calling(make_llm: MakeLlm) -> None:
    llm, fake = make_llm(by_item, max_tokens=10)
    _, record = llm.ask_prompt(PROMPT, {"item": {"name": "a"}}, Answer)
    assert record.failure is FailureKind.BUDGET and fake.requests == []
    assert "max_tokens=10" in (llm.usage().budget_stop or "")


def test_budget_holds_under_parallel_calls(make_llm: MakeLlm) -> None:
    llm, fake = make_llm(by_item, max_calls=3, latency=0.05)
    threads = [
        threading.Thread(target=llm.ask_prompt, args=(PROMPT, {"item": {"name": f"n{i}"}}, Answer))
        for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fake.requests) == 3


def test_cost_is_estimated_from_configured_prices(make_llm: MakeLlm) -> None:
    llm, _ = make_llm(
        by_item, prices={"fake-1": ModelPrice(input_per_million=1.0, output_per_million=2.0)}
    )
    _, record = llm.ask_prompt(PROMPT, {"item": {"name": "abc"}}, Answer)
    usage = llm.usage()
    expected = round(record.input_tokens * 1e-6 + record.output_tokens * 2e-6, 6)
    assert usage.cost_usd == expected == usage.by_model["fake-1"].cost_usd
    assert usage.input_tokens == record.input_tokens and usage.calls == 1


def test_no_price_means_no_cost_estimate(make_llm: MakeLlm) -> None:
    llm, _ = make_llm(by_item)
    llm.ask_prompt(PROMPT, {"item": {"name": "abc"}}, Answer)
    assert llm.usage().cost_usd is None


def test_a_cache_that_cannot_be_written_costs_a_re_ask_not_the_run(
    make_llm: MakeLlm, tmp_path: Path
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache directory should be")
    llm, _ = make_llm(by_item, cache_dir=blocked)
    answer, record = llm.ask_prompt(PROMPT, {"item": {"name": "abc"}}, Answer)
    assert answer is not None and record.ok
    assert record.cache_error is not None


class FieldLevel(BaseModel):
    element: str
    sensitivity: str


class PiiAnswer(BaseModel):
    fields: list[FieldLevel]


def test_pii_review_goes_through_the_same_client(make_llm: MakeLlm) -> None:
    """How pii_detector calls the model: its own schema, the shipped pii_review prompt."""
    if not importlib.resources.files("pii_detector").joinpath("POLICY.md").is_file():
        pytest.skip("pii_detector/POLICY.md is not there yet (the PII issue ships it)")

    def respond(request: FakeRequest) -> dict[str, object]:
        _file, fields, _corrections = request.data
        return {"fields": [{"element": f["element"], "sensitivity": "HIGH"} for f in fields]}

    llm, fake = make_llm(respond)
    variables = {
        "file": {"path": "acme/accounts/v1/account.proto"},
        "fields": [{"element": "acme.accounts.v1.Account.ssn", "rules": "HIGH/SSN"}],
        "corrections": [],
    }
    answer, record = llm.ask("pii_review", 1, variables, PiiAnswer)
    assert answer is not None and answer.fields[0].sensitivity == "HIGH"
    assert record.prompt == "pii_review.v1" and fake.requests[0].schema_name == "PiiAnswer"
    assert load_pii_policy().strip() in fake.requests[0].system  # from its one source
