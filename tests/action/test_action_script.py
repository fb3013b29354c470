"""The pieces of the Action's script: inputs, the event payload, outputs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from action.support import GitRepo, change, parse_github_output, verdict_of
from compat_checker.findings import Category
from compat_checker.github.action import (
    DEFAULT_ALLOW_LABEL,
    INPUT_PREFIX,
    MAX_OUTPUT_BYTES,
    ActionError,
    ActionInputs,
    allow_reason_from_label,
    default_against,
    verdict_outputs,
    write_outputs,
)


def inputs(**values: str) -> ActionInputs:
    return ActionInputs.from_env({INPUT_PREFIX + k.upper(): v for k, v in values.items()})


def test_inputs_defaults_and_flags() -> None:
    parsed = inputs()
    assert parsed.path == "." and parsed.against is None and parsed.comment and not parsed.record
    assert parsed.allow_breaking_label == DEFAULT_ALLOW_LABEL
    assert inputs(allow_breaking_label="").allow_breaking_label is None
    assert inputs(comment="False", record="yes").comment is False
    with pytest.raises(ActionError, match="input record must be true or false"):
        inputs(record="maybe")


def test_allow_label_maps_onto_allow_breaking() -> None:
    event = {"pull_request": {"number": 9, "labels": [{"name": "ship-it"}, {"name": "bug"}]}}
    assert allow_reason_from_label(event, "ship-it") == "pull request #9 has the label 'ship-it'"
    assert allow_reason_from_label(event, DEFAULT_ALLOW_LABEL) is None
    assert allow_reason_from_label(event, None) is None
    assert allow_reason_from_label({"before": "x"}, "ship-it") is None


def test_outputs_round_trip_through_the_runner_format(tmp_path: Path) -> None:
    verdict = verdict_of(
        [change(), change(rule="PII_UNANNOTATED", element="a.v1.U.ssn", category=Category.PII)]
    )
    path = tmp_path / "output"
    path.write_text("earlier=step\n", encoding="utf-8")
    write_outputs(str(path), verdict_outputs(verdict))
    parsed = parse_github_output(path.read_text(encoding="utf-8"))
    assert parsed["earlier"] == "step"
    assert parsed["can-deploy"] == "false"
    # The unannotated SSN blocks, but it is a PII finding, not a breaking change.
    assert parsed["breaking-count"] == "1" and parsed["pii-count"] == "1"
    assert parsed["pii-review-count"] == "0"
    assert parsed["verdict"] == verdict.model_dump_json(indent=2)


def test_the_pii_review_count_counts_the_fields_that_need_review() -> None:
    fields = [
        {"element": "a.v1.U.quark", "sensitivity": "PUBLIC", "needs_review": True},
        {"element": "a.v1.U.email", "sensitivity": "MEDIUM"},
        {"element": "a.v1.U.dx", "sensitivity": "HIGH", "needs_review": True},
    ]
    pii = {"schema_version": 1, "files": [{"file": "a.proto", "fields": fields}]}
    assert verdict_outputs(verdict_of([change()], pii=pii))["pii-review-count"] == "2"


def test_an_oversized_verdict_output_drops_the_findings_detail() -> None:
    many = [change(element=f"a.v1.T.f{i}", message="x" * 2000) for i in range(600)]
    outputs = verdict_outputs(verdict_of(many))
    assert len(outputs["verdict"].encode()) < MAX_OUTPUT_BYTES
    assert '"changes": []' in outputs["verdict"] and outputs["breaking-count"] == "600"


def test_push_events_compare_with_the_previous_tip(git_repo: GitRepo) -> None:
    git_repo.write("a.proto", 'syntax = "proto3";\n')
    first = git_repo.commit("one")
    git_repo.write("b.proto", 'syntax = "proto3";\n')
    git_repo.commit("two")
    out = io.StringIO()
    assert default_against({"before": first}, {}, git_repo.path, out) == first
    assert default_against({"before": "0" * 40}, {}, git_repo.path, out) is None
    assert default_against({}, {"GITHUB_BASE_REF": "main"}, git_repo.path, out) == "origin/main"
    with pytest.raises(ActionError, match="fetch-depth: 0"):
        default_against({"before": "1" * 40}, {}, git_repo.path, out)
