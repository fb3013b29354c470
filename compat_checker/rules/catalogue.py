"""Every rule ID a verdict can carry, described in one place.

The diff rules live in `registry.py`, each with its check function and fixture pair. A
verdict also carries findings that the gate's other layers make and no diff rule does: a
head that does not compile, a buf finding no rule of ours matched, unannotated PII, a
strong match with a past incident, the LLM review's own findings. Those are described
here as data (`GATE_RULES`), and `rule_catalogue` / `describe_rule` give one view
(`RuleDoc`) over both, which `protoguard rules`, `protoguard explain` and the SARIF rule
descriptors all read, so they cannot disagree about an ID.

A buf finding keeps buf's rule ID behind `BUF_`. Its one line is buf's own purpose for
that rule, from a snapshot of `buf config ls-breaking-rules` (`buf_breaking_rules.json`;
the tests compare it with the installed buf), with a pointer to buf's docs for a rule
the snapshot does not know.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files
from typing import Any

from compat_checker.findings import Category, Severity, Source
from compat_checker.rules.registry import Rule, all_rules

BUF_RULE_PREFIX = "BUF_"
BUF_RULES_DOC_URL = "https://buf.build/docs/breaking/rules/"
BUF_RULES_SNAPSHOT = "buf_breaking_rules.json"

# The IDs the gate's layers use; the modules that make these findings import them.
HEAD_DOES_NOT_COMPILE = "HEAD_DOES_NOT_COMPILE"
BREAKING_CONFIG_RELAXED = "BREAKING_CONFIG_RELAXED"
PII_UNANNOTATED = "PII_UNANNOTATED"
PII_UNDER_ANNOTATED = "PII_UNDER_ANNOTATED"
HISTORICAL_RISK = "HISTORICAL_RISK"
LLM_REVIEW = "LLM_REVIEW"
# The listing's one entry for every `BUF_<buf rule>` ID.
BUF_FINDINGS = f"{BUF_RULE_PREFIX}*"


class RuleSource(StrEnum):
    RULE = "rule"  # a registered diff rule (registry.py)
    GATE = "gate"  # made by another layer of the gate (described in this module)


@dataclass(frozen=True)
class RuleDoc:
    """What protoguard says about one rule ID, whichever layer makes its findings."""

    id: str
    source: RuleSource
    reported_by: Source  # the verdict `sources` value its findings carry
    category: Category
    severity: Severity  # the default; see `per_finding`
    breaking: bool
    doc: str  # one line
    fix: str
    explanation: str = ""  # a paragraph beyond the one line
    before: str = ""  # an example (.proto) before the change, when one makes sense
    after: str = ""  # the same after the change: the rule fires on it
    buf_rules: tuple[str, ...] = ()
    # Finding attributes each finding sets for itself ("category", "severity", "breaking");
    # the values above are then the usual ones.
    per_finding: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The `protoguard rules --format json` entry (its first seven keys are the original
        interface and keep their meaning)."""
        return {
            "id": self.id,
            "category": self.category.value,
            "severity": self.severity.value,
            "breaking": self.breaking,
            "doc": self.doc,
            "fix": self.fix,
            "buf_rules": list(self.buf_rules),
            "source": self.source.value,
            "reported_by": self.reported_by.value,
            "per_finding": list(self.per_finding),
            "explanation": self.explanation,
        }


GATE_RULES: tuple[RuleDoc, ...] = (
    RuleDoc(
        id=HEAD_DOES_NOT_COMPILE,
        source=RuleSource.GATE,
        reported_by=Source.BUF,
        category=Category.SOURCE,
        severity=Severity.CRITICAL,
        breaking=True,
        doc="The change brings a compile error into a file under review: buf cannot build "
        "the new version.",
        fix="Fix the compile error; no client can generate code from this file.",
        explanation=(
            "protoguard compiles both versions with `buf build`. An error in the head that "
            "the base did not have, in a file the change touches (an unknown type, a "
            "duplicate field number, a syntax buf rejects), blocks at the error's "
            "`file:line`. Errors the base already had are not the change's doing, and an "
            "import that only a remote (BSR) dependency provides fails because buf runs "
            "offline: neither blocks, and the model falls back to the parser (see "
            "`layers` in the verdict)."
        ),
        before="""\
syntax = "proto3";
package acme.v1;

message Task {
  string title = 1;
}
""",
        after="""\
syntax = "proto3";
package acme.v1;

message Task {
  string title = 1;
  Priority priority = 2;  // no type Priority anywhere
}
""",
    ),
    RuleDoc(
        id=BREAKING_CONFIG_RELAXED,
        source=RuleSource.GATE,
        reported_by=Source.RULES,
        category=Category.SOURCE,
        severity=Severity.HIGH,
        breaking=True,
        doc="The change relaxes the repository's buf breaking configuration: buf no longer "
        "checks rules it checked before on files that exist on both sides.",
        fix="If the exemption is intended, acknowledge it like any intended break "
        "(`--allow-breaking REASON` or a `Protoguard-Allow-Breaking: REASON` trailer); "
        "otherwise restore the configuration.",
        explanation=(
            "buf reads only the head's buf.yaml, so a pull request that adds an `ignore`, "
            "`ignore_only` or `except`, narrows `use`, turns on `ignore_unstable_packages` or "
            "`disable_builtin`, or removes the `breaking` section would exempt itself from the "
            "very check that reviews it. protoguard compares which buf rules the base's and the "
            "head's configurations select for every file present on both sides, and reports "
            "the rules that are no longer checked at the head buf.yaml's `breaking:` line."
        ),
        before="version: v2\nbreaking:\n  use: [FILE]\n",
        after="version: v2\nbreaking:\n  use: [FILE]\n  ignore: [proto/legacy]\n",
    ),
    RuleDoc(
        id=PII_UNANNOTATED,
        source=RuleSource.GATE,
        reported_by=Source.PII,
        category=Category.PII,
        severity=Severity.HIGH,
        breaking=True,
        doc="A field the change adds or changes holds personal data at or above "
        "pii.fail_on and has no PII annotation.",
        fix="Annotate it with the option the finding shows, e.g. "
        "`[(pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = SSN]` with "
        '`import "pii/v1/pii.proto";` (protoguard resolves that import from its own copy; '
        "`protoguard pii init` writes the file into the repository for other tools), or "
        "record a reviewed correction with `protoguard pii correct`.",
        explanation=(
            "The PII detector classifies every added, changed or renamed field of the files "
            "under review (name, type, message, siblings, comments; see "
            "pii_detector/POLICY.md). A field at or above `pii.fail_on` (default HIGH, "
            "`--pii-fail-on`) that carries neither `(pii.v1.sensitivity)`, "
            "`debug_redact = true` nor `(udpa.annotations.sensitive) = true` blocks; the "
            "finding's severity is the field's PII level. `--annotate-dir DIR` writes the "
            "annotated files for you."
        ),
        before="""\
syntax = "proto3";
package acme.v1;

message User {
  string id = 1;
}
""",
        after="""\
syntax = "proto3";
package acme.v1;

message User {
  string id = 1;
  string ssn = 2;
}
""",
        per_finding=("severity",),
    ),
    RuleDoc(
        id=PII_UNDER_ANNOTATED,
        source=RuleSource.GATE,
        reported_by=Source.PII,
        category=Category.PII,
        severity=Severity.HIGH,
        breaking=True,
        doc="A field the change adds or changes is annotated with a PII level below the one "
        "its data calls for.",
        fix="Raise its annotation to the level the finding shows, or record a reviewed "
        "correction with `protoguard pii correct`.",
        explanation=(
            "Like PII_UNANNOTATED, for a field that has a `(pii.v1.sensitivity)` annotation "
            "lower than the level the PII detector assigns it, when that level is at or "
            "above `pii.fail_on`: a too-low level lets the data through redaction and "
            "access rules meant for it. The finding's severity is the field's PII level."
        ),
        before="""\
syntax = "proto3";
package acme.v1;

import "pii/v1/pii.proto";

message User {
  string id = 1;
}
""",
        after="""\
syntax = "proto3";
package acme.v1;

import "pii/v1/pii.proto";

message User {
  string id = 1;
  string ssn = 2 [(pii.v1.sensitivity) = LOW];
}
""",
        per_finding=("severity",),
    ),
    RuleDoc(
        id=HISTORICAL_RISK,
        source=RuleSource.GATE,
        reported_by=Source.INCIDENTS,
        category=Category.HISTORY,
        severity=Severity.HIGH,
        breaking=True,
        doc="A warning-level finding strongly resembles a past incident: it blocks as a "
        "breaking change.",
        fix="Read the incident the finding names (`protoguard incidents search`) and ship "
        "the change the way its resolution says.",
        explanation=(
            "The incident memory (a Chroma store, `protoguard incidents`) is searched for "
            "every finding. A match at least `incidents.strong_threshold` similar (default "
            "0.5) that also shares a rule or an element with a finding that does not break "
            "on its own adds one HISTORICAL_RISK finding per element; the warning itself "
            "stays as its rule judged it. Similar wording alone never blocks. The severity "
            "is the highest of the matched findings' and the incident's."
        ),
        per_finding=("severity",),
    ),
    RuleDoc(
        id=LLM_REVIEW,
        source=RuleSource.GATE,
        reported_by=Source.LLM,
        category=Category.SEMANTIC,
        severity=Severity.MEDIUM,
        breaking=True,
        doc="The LLM review found a problem no deterministic check reported (or judged a "
        "warning to break clients).",
        fix="Read the review's reasoning in the finding (`llm` holds the model, prompt and "
        "recommendation) and apply its recommendation.",
        explanation=(
            "With an LLM configured (`--llm`), the review reads the change set (rules that "
            "fired, before/after with comments, changed elements no rule reported). It "
            "can add findings of its own under this ID (`llm.llm_only`, plus "
            "`llm.unflagged` when no rule saw the change), but only about elements it was "
            "shown; it never removes or lowers a finding from buf or a rule. The "
            "category, severity and whether it breaks are the model's answer."
        ),
        per_finding=("category", "severity", "breaking"),
    ),
    RuleDoc(
        id=BUF_FINDINGS,
        source=RuleSource.GATE,
        reported_by=Source.BUF,
        category=Category.SOURCE,
        severity=Severity.HIGH,
        breaking=True,
        doc="A buf breaking finding no protoguard rule reports, as BUF_ plus buf's rule ID "
        "(e.g. BUF_FIELD_SAME_DEFAULT: explain that ID for buf's purpose).",
        fix=f"Make the change compatible as buf's rule requires (see {BUF_RULES_DOC_URL}).",
        explanation=(
            "buf's findings are merged with protoguard's: one that a rule of ours also "
            "reports joins that finding (its `buf_rules`). Anything else buf says becomes "
            "a finding of its own under `BUF_` plus buf's rule ID, so nothing buf reports is "
            "lost. Its category follows buf's: wire-format rules are WIRE, JSON rules JSON, "
            "the rest (generated code) SOURCE."
        ),
        per_finding=("category",),
    ),
)


def buf_finding_rule(buf_rule: str) -> str:
    """The verdict's rule ID for a buf finding of `buf_rule` that no rule of ours reports."""
    return f"{BUF_RULE_PREFIX}{buf_rule}"


@cache
def _buf_purposes() -> tuple[str, dict[str, str]]:
    data = json.loads(files(__package__).joinpath(BUF_RULES_SNAPSHOT).read_text("utf-8"))
    return data["buf_version"], data["purposes"]


def buf_rule_purpose(buf_rule: str) -> str | None:
    """buf's one-line purpose of one of its breaking rules, None if buf's list lacks it."""
    return _buf_purposes()[1].get(buf_rule)


def _buf_rule_doc(rule_id: str) -> RuleDoc:
    from compat_checker.merge import buf_category  # merge imports this module's IDs

    generic = _GATE_BY_ID[BUF_FINDINGS]
    buf_rule = rule_id[len(BUF_RULE_PREFIX) :]
    purpose = buf_rule_purpose(buf_rule)
    doc = (
        f"buf breaking rule {buf_rule}: {purpose}"
        if purpose
        else f"buf breaking rule {buf_rule} (not among buf {_buf_purposes()[0]}'s rules; "
        f"see {BUF_RULES_DOC_URL})"
    )
    return RuleDoc(
        id=rule_id,
        source=generic.source,
        reported_by=generic.reported_by,
        category=buf_category(buf_rule),
        severity=generic.severity,
        breaking=generic.breaking,
        doc=doc,
        fix=f"Make the change compatible as buf's {buf_rule} requires (see {BUF_RULES_DOC_URL}).",
        explanation=generic.explanation,
        buf_rules=(buf_rule,),
    )


_GATE_BY_ID: dict[str, RuleDoc] = {doc.id: doc for doc in GATE_RULES}


def registry_rule_doc(rule: Rule) -> RuleDoc:
    return RuleDoc(
        id=rule.id,
        source=RuleSource.RULE,
        reported_by=Source.RULES,
        category=rule.category,
        severity=rule.severity,
        breaking=rule.breaking,
        doc=rule.doc,
        fix=rule.fix,
        before=rule.before,
        after=rule.after,
        buf_rules=rule.buf_rules,
    )


def rule_catalogue(rules: Mapping[str, Rule] | None = None) -> dict[str, RuleDoc]:
    """Every rule ID to list: the diff rules (sorted), then the gate's (`BUF_*` for buf's)."""
    registered = all_rules() if rules is None else rules
    docs = {rule_id: registry_rule_doc(rule) for rule_id, rule in sorted(registered.items())}
    return {**docs, **_GATE_BY_ID}


def describe_rule(rule_id: str, rules: Mapping[str, Rule] | None = None) -> RuleDoc | None:
    """The doc of any rule ID a verdict can carry (`BUF_<RULE>` included), None if unknown."""
    registered = all_rules() if rules is None else rules
    if rule_id in registered:
        return registry_rule_doc(registered[rule_id])
    if rule_id in _GATE_BY_ID:
        return _GATE_BY_ID[rule_id]
    if rule_id.startswith(BUF_RULE_PREFIX) and len(rule_id) > len(BUF_RULE_PREFIX):
        return _buf_rule_doc(rule_id)
    return None


def help_markdown(doc: RuleDoc) -> str:
    """The body of a rule's help (without its title): `protoguard explain` and SARIF."""
    text = f"{doc.doc}\n\n**How to ship it safely:** {doc.fix}\n"
    if doc.explanation:
        text += f"\n{doc.explanation}\n"
    if doc.before or doc.after:
        text += (
            f"\n**Before**\n\n```protobuf\n{doc.before.strip()}\n```\n\n"
            f"**After (fires)**\n\n```protobuf\n{doc.after.strip()}\n```\n"
        )
    if doc.buf_rules and doc.source == RuleSource.RULE:
        text += f"\nbuf reports the same problem as: {', '.join(doc.buf_rules)}\n"
    if doc.per_finding:
        text += (
            f"\nEach finding sets its own {', '.join(doc.per_finding)}; the values above are "
            "the usual ones.\n"
        )
    return text
