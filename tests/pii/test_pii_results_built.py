"""Results and report entries built without validation are the objects validation makes,
and the one-sweep fixed points of `propagate` are those of a sweep per column.

The analysis assembles its hundreds of thousands of results from dicts (`construct_from`)
and the report leaves optional keys out by `exclude_if`: every field of the model, in its
order, with values that survive a validating round trip, whichever path built them
(rules, message content, overrides, LLM floors, annotations, extensions).
"""

from __future__ import annotations

import json

import pytest
from pii_helpers import split_sources, tree_of
from pydantic import BaseModel

from pii_detector import analysis as engine_module
from pii_detector.analysis import _contents, _Engine, analyze_tree
from pii_detector.levels import PiiType, Sensitivity
from pii_detector.llm_review import LlmFieldOpinion, PiiLlmAnswer
from pii_detector.overrides import Override
from pii_detector.report import FieldEntry, build_report, report_json
from protomodel.parse import build_tree

BODY = """
import "google/protobuf/descriptor.proto";
extend google.protobuf.FieldOptions { string pii_note = 50001; }
message Patient {
  string email = 1;
  string ssn = 2 [debug_redact = true];
  string notes = 3;
  Patient referrer = 4;
  Record record = 5;
  map<string, string> labels = 6;
  repeated string phones = 7;
  extensions 100 to 200;
}
message Record { string diagnosis = 1; Patient patient = 2; string color = 3; }
message Widget { string shade = 1; }
extend Patient { string nickname = 100; }
service Patients {
  rpc ListPatients(Patient) returns (stream Record);
}
"""
E = "acme.test.v1."


def _analyses() -> list[engine_module.PiiAnalysis]:
    tree = tree_of(BODY)
    overrides = {
        E + "Record.color": Override(sensitivity=Sensitivity.LOW, reason="r", who="w", when="t")
    }
    answer = PiiLlmAnswer(
        fields=[
            LlmFieldOpinion(
                element=E + "Widget.shade",
                sensitivity=Sensitivity.HIGH,
                pii_type=PiiType.SPECIAL_CATEGORY,
                reasoning="a synthetic opinion",
            )
        ]
    )
    plain = analyze_tree(tree)
    reviewed = analyze_tree(tree, overrides=overrides, llm_answers=[answer])
    # Every way a result is made: the rules, message content, an annotation, an
    # extension, a review flag; an override and an LLM floor.
    assert {"MESSAGE_CONTENT", "OVERRIDE", "LLM"} <= {f.rule for f in reviewed.fields}
    assert any(f.annotated for f in plain.fields) and any(f.needs_review for f in plain.fields)
    assert plain.field(E + "nickname") is not None and plain.methods
    return [plain, reviewed]


def _as_validated(item: BaseModel) -> None:
    assert list(item.__dict__) == list(type(item).model_fields), type(item).__name__
    assert type(item).model_validate(item.model_dump()) == item


@pytest.mark.parametrize("analysis", _analyses())
def test_every_result_is_what_validation_makes(analysis: engine_module.PiiAnalysis) -> None:
    for item in (*analysis.fields, *analysis.messages, *analysis.methods):
        _as_validated(item)


@pytest.mark.parametrize("analysis", _analyses())
def test_every_report_entry_is_what_validation_makes(
    analysis: engine_module.PiiAnalysis,
) -> None:
    report = build_report(analysis)
    entries = report.fields  # type: ignore[union-attr]
    assert entries
    for entry in entries:
        _as_validated(entry)
    # The optional keys are written exactly when they are set.
    written = json.loads(report_json(report))["fields"]
    optional = [name for name, info in FieldEntry.model_fields.items() if not info.is_required()]
    for entry, data in zip(entries, written, strict=True):
        for key in optional:
            assert (key in data) == (getattr(entry, key) is not None), (entry.element, key)


def _fixed_point_of_one_column(rows, column: int):
    """`_contents` for one column alone, swept as the rows come (the plain definition)."""
    content = dict.fromkeys(rows, Sensitivity.PUBLIC.rank)
    witness: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for fqn, fields in rows.items():
            best, best_field = Sensitivity.PUBLIC.rank, ""
            for row in fields:
                level, target = row[column], row[3]
                if target and content[target] > level:
                    level = content[target]
                if level > best:
                    best, best_field = level, row[0]
            if best != content[fqn]:
                content[fqn], witness[fqn] = best, best_field
                changed = True
    return content, witness


def _trees():
    return [tree_of(BODY), *(build_tree(split_sources(s)) for s in ("dev", "heldout", "fresh"))]


@pytest.mark.parametrize("tree", _trees())
def test_one_sweep_gives_the_fixed_points_of_a_sweep_per_column(tree) -> None:
    rows = _Engine(tree, {})._rows({})
    certain, certain_witness, possible, possible_witness = _contents(rows)
    assert (certain, certain_witness) == _fixed_point_of_one_column(rows, 1)
    assert (possible, possible_witness) == _fixed_point_of_one_column(rows, 4)


def test_the_first_row_of_a_tie_is_the_witness_whether_it_holds_a_message_or_not() -> None:
    """Ties between rows that hold a message and rows that do not, and a cycle: `_contents`
    gives the witnesses of the plain sweep."""
    high, medium, public = (
        level.rank for level in (Sensitivity.HIGH, Sensitivity.MEDIUM, Sensitivity.PUBLIC)
    )
    rows = {
        # A plain field before a holder of the same rank: the plain field is the witness.
        "a.Inner": [
            ("a.Inner.email", medium, medium, None, high),
            ("a.Inner.loop", public, public, "a.Loop", public),
            ("a.Inner.diagnosis", high, high, None, high),
        ],
        # A holder before a plain field of the same rank (what it holds swept first): the
        # holder is the witness.
        "a.Outer": [
            ("a.Outer.inner", public, public, "a.Inner", public),
            ("a.Outer.ssn", high, high, None, high),
        ],
        "a.Loop": [
            ("a.Loop.back", public, public, "a.Inner", public),
            ("a.Loop.note", public, public, None, public),
        ],
        "a.Empty": [("a.Empty.id", public, public, None, public)],
    }
    certain, certain_witness, possible, possible_witness = _contents(rows)
    assert (certain, certain_witness) == _fixed_point_of_one_column(rows, 1)
    assert (possible, possible_witness) == _fixed_point_of_one_column(rows, 4)
    assert certain_witness["a.Outer"] == "a.Outer.inner"
    assert possible_witness["a.Inner"] == "a.Inner.email"
    assert "a.Empty" not in certain_witness
