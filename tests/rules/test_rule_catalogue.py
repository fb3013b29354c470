"""The rule catalogue: every rule ID a verdict can carry is known to `protoguard rules`,
`protoguard explain` and SARIF, with the same ID, category, severity, doc and fix."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from compat_checker import bufconfig, pii_gate
from compat_checker.audit.checks import all_checks
from compat_checker.buf import BufRunner
from compat_checker.cli import main
from compat_checker.findings import Category, Severity, Source
from compat_checker.incidents.matching import HISTORICAL_RISK
from compat_checker.llm.merge import LLM_RULE
from compat_checker.merge import _BUF_JSON, _BUF_WIRE, HEAD_COMPILE_RULE, merge_findings
from compat_checker.rules import catalogue
from compat_checker.rules.catalogue import (
    BUF_FINDINGS,
    BUF_RULES_DOC_URL,
    BUF_RULES_SNAPSHOT,
    GATE_RULES,
    RuleSource,
    buf_rule_purpose,
    describe_rule,
    rule_catalogue,
)
from compat_checker.rules.registry import all_rules

from ._harness import parse_fixture

# The original `protoguard rules --format json` keys, in order: a public interface.
ORIGINAL_KEYS = ["id", "category", "severity", "breaking", "doc", "fix", "buf_rules"]
ADDED_KEYS = ["source", "reported_by", "per_finding", "explanation"]
GATE_IDS = [
    "HEAD_DOES_NOT_COMPILE",
    "BREAKING_CONFIG_RELAXED",
    "PII_UNANNOTATED",
    "PII_UNDER_ANNOTATED",
    "HISTORICAL_RISK",
    "LLM_REVIEW",
    "BUF_*",
]


def run_cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_layers_use_the_catalogues_ids() -> None:
    # pii_gate defines its own strings; the others import them from the catalogue.
    assert pii_gate.PII_RULE == catalogue.PII_UNANNOTATED
    assert pii_gate.PII_UNDER_RULE == catalogue.PII_UNDER_ANNOTATED
    assert HEAD_COMPILE_RULE == catalogue.HEAD_DOES_NOT_COMPILE
    assert bufconfig.BREAKING_CONFIG_RELAXED == catalogue.BREAKING_CONFIG_RELAXED
    assert HISTORICAL_RISK == catalogue.HISTORICAL_RISK
    assert LLM_RULE == catalogue.LLM_REVIEW
    assert [doc.id for doc in GATE_RULES] == GATE_IDS


def test_gate_ids_never_collide_with_diff_rules() -> None:
    registered = set(all_rules())
    assert not registered & set(GATE_IDS)
    assert not [rule_id for rule_id in registered if rule_id.startswith("BUF_")]


@pytest.mark.parametrize("doc", GATE_RULES, ids=lambda doc: doc.id)
def test_gate_entries_are_complete(doc: catalogue.RuleDoc) -> None:
    assert doc.source == RuleSource.GATE
    assert doc.doc and "\n" not in doc.doc and "`" not in doc.doc  # one plain line
    assert doc.fix and doc.explanation
    assert set(doc.per_finding) <= {"category", "severity", "breaking"}
    assert bool(doc.before) == bool(doc.after)
    assert describe_rule(doc.id) == doc


def test_an_unmatched_buf_finding_is_described_with_bufs_purpose() -> None:
    class Finding:
        repo_path, line, column, end_line, end_column = "a.proto", 4, 3, 0, 0
        rule, message = "FIELD_SAME_DEFAULT", 'Field "1" on message "M" changed default.'

    tree = parse_fixture(
        'syntax = "proto2";\npackage a;\n\nmessage M {\n  optional int32 x = 1;\n}\n'
    )
    [change] = merge_findings([], [Finding()], tree, tree, rules=[])
    assert change.rule == "BUF_FIELD_SAME_DEFAULT"
    doc = describe_rule(change.rule)
    assert doc is not None
    assert doc.doc == (
        "buf breaking rule FIELD_SAME_DEFAULT: Checks that fields have the same default value, "
        "if a default is specified."
    )
    assert (doc.category, doc.severity, doc.breaking) == (
        change.category,
        change.severity,
        change.is_breaking,
    )
    assert doc.reported_by == Source.BUF and doc.buf_rules == ("FIELD_SAME_DEFAULT",)
    assert describe_rule("BUF_FIELD_SAME_JSON_NAME").category == Category.JSON  # type: ignore[union-attr]


def test_a_buf_rule_the_snapshot_lacks_points_to_bufs_docs() -> None:
    doc = describe_rule("BUF_SOME_PLUGIN_RULE")
    assert doc is not None and BUF_RULES_DOC_URL in doc.doc and "SOME_PLUGIN_RULE" in doc.doc
    assert describe_rule("BUF_") is None
    assert describe_rule("NO_SUCH_RULE") is None


def test_every_buf_rule_protoguard_names_is_in_the_snapshot() -> None:
    named = set(_BUF_WIRE) | set(_BUF_JSON)
    named |= {buf_rule for rule in all_rules().values() for buf_rule in rule.buf_rules}
    assert sorted(r for r in named if buf_rule_purpose(r) is None) == []


def test_the_buf_snapshot_matches_the_installed_buf(tmp_path: Path) -> None:
    """buf_breaking_rules.json is `buf config ls-breaking-rules` of every config version;
    after upgrading buf-bin, regenerate it when this fails."""
    runner = BufRunner()
    if not runner.available:
        pytest.skip("buf binary not installed")
    purposes: dict[str, str] = {}
    list_rules = [str(runner.binary), "config", "ls-breaking-rules", "--format", "json"]
    for version in ("v1beta1", "v1", "v2"):  # later versions' wording wins
        listed = subprocess.run(
            [*list_rules, "--version", version, "--include-deprecated"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        for line in listed.stdout.splitlines():
            item = json.loads(line)
            purposes[item["id"]] = item["purpose"]
    snapshot = json.loads(
        (Path(catalogue.__file__).parent / BUF_RULES_SNAPSHOT).read_text(encoding="utf-8")
    )
    assert snapshot["buf_version"] == runner.version
    assert snapshot["purposes"] == dict(sorted(purposes.items()))


def test_the_head_compile_example_fails_to_build_and_its_base_builds(tmp_path: Path) -> None:
    runner = BufRunner()
    if not runner.available:
        pytest.skip("buf binary not installed")
    doc = describe_rule(catalogue.HEAD_DOES_NOT_COMPILE)
    assert doc is not None
    for name, text, builds in (("before", doc.before, True), ("after", doc.after, False)):
        module = tmp_path / name
        module.mkdir()
        (module / "task.proto").write_text(text, encoding="utf-8")
        built = subprocess.run(
            [str(runner.binary), "build", "-o", "-#format=json"],
            cwd=module,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (built.returncode == 0) is builds, built.stderr


@pytest.mark.parametrize("rule_id", [catalogue.PII_UNANNOTATED, catalogue.PII_UNDER_ANNOTATED])
def test_the_pii_examples_fire(rule_id: str, tmp_path: Path) -> None:
    doc = describe_rule(rule_id)
    assert doc is not None
    _, changes = pii_gate.analyze_change(
        parse_fixture(doc.before),
        parse_fixture(doc.after),
        fail_on="HIGH",
        overrides_file=tmp_path / "no-overrides.yaml",
        ask=None,
    )
    assert [(c.rule, c.category, c.severity) for c in changes] == [
        (rule_id, doc.category, doc.severity)
    ]


def test_rules_json_keeps_its_entries_and_keys_and_adds_the_gates() -> None:
    result = run_cli("rules", "--format", "json")
    assert result.exit_code == 0
    entries = json.loads(result.output)
    registered = all_rules()
    assert [e["id"] for e in entries] == [*registered, *GATE_IDS]
    for entry in entries:
        assert list(entry) == ORIGINAL_KEYS + ADDED_KEYS
    for entry in entries[: len(registered)]:
        rule = registered[entry["id"]]
        assert entry == {
            "id": rule.id,
            "category": rule.category.value,
            "severity": rule.severity.value,
            "breaking": rule.breaking,
            "doc": rule.doc,
            "fix": rule.fix,
            "buf_rules": list(rule.buf_rules),
            "source": "rule",
            "reported_by": "rules",
            "per_finding": [],
            "explanation": "",
        }
    gates = {e["id"]: e for e in entries[len(registered) :]}
    assert gates["HISTORICAL_RISK"] | {"doc": "", "fix": "", "explanation": ""} == {
        "id": "HISTORICAL_RISK",
        "category": "HISTORY",
        "severity": "HIGH",
        "breaking": True,
        "doc": "",
        "fix": "",
        "buf_rules": [],
        "source": "gate",
        "reported_by": "incidents",
        "per_finding": ["severity"],
        "explanation": "",
    }
    assert {e["reported_by"] for e in gates.values()} == {"buf", "rules", "pii", "incidents", "llm"}
    assert gates["HEAD_DOES_NOT_COMPILE"]["severity"] == Severity.CRITICAL.value


def test_rules_text_lists_the_gate_ids_too() -> None:
    result = CliRunner().invoke(main, ["rules"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for rule_id in [*all_rules(), *GATE_IDS]:
        assert rule_id in result.output
    assert "Findings from the gate's other layers" in result.output
    # The README promises the audit's checks here too (`explain` knows them as well).
    for check_id in all_checks():
        assert check_id in result.output


@pytest.mark.parametrize("rule_id", [*GATE_IDS, "historical_risk", "BUF_FIELD_SAME_DEFAULT"])
def test_explain_knows_every_id_a_verdict_can_carry(rule_id: str) -> None:
    result = CliRunner().invoke(main, ["explain", rule_id], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    doc = describe_rule(rule_id.upper())
    assert doc is not None
    assert doc.id in result.output and doc.doc in result.output
    assert f"reported by the {doc.reported_by} layer" in result.output


def test_explain_a_diff_rule_still_shows_its_fixture_pair() -> None:
    result = CliRunner().invoke(main, ["explain", "field_removed"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Before" in result.output and "After (fires)" in result.output
    assert "reported by" not in result.output


def test_explain_an_unknown_id_suggests_close_ones() -> None:
    result = CliRunner().invoke(main, ["explain", "HISTORICAL"])
    assert result.exit_code == 2
    assert "unknown rule HISTORICAL; did you mean HISTORICAL_RISK?" in result.output


def test_catalogue_lists_diff_rules_then_gate_rules() -> None:
    docs = rule_catalogue()
    assert list(docs) == [*all_rules(), *GATE_IDS]
    assert docs[BUF_FINDINGS].per_finding == ("category",)
