"""Every registered rule, on its own fixtures: fires on before → after, quiet otherwise."""

from __future__ import annotations

import re

import pytest

from compat_checker.findings import Category
from compat_checker.rules.registry import Rule, all_rules

from ._harness import diff

RULES = list(all_rules().values())
IDS = [r.id for r in RULES]


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_fires_on_before_to_after(rule: Rule) -> None:
    hits = diff(rule.before, rule.after, rules=[rule])
    assert hits, f"{rule.id} is quiet on its own before → after"
    assert all(h.rule == rule.id and h.message and h.element for h in hits)


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_quiet_on_before_to_before(rule: Rule) -> None:
    assert diff(rule.before, rule.before, rules=[rule]) == []


@pytest.mark.parametrize(
    ("rule", "before", "after"),
    [(r, before, after) for r in RULES for before, after in r.quiet_pairs],
    ids=[f"{r.id}-{i}" for r in RULES for i, _ in enumerate(r.quiet_pairs)],
)
def test_quiet_on_its_quiet_pairs(rule: Rule, before: str, after: str) -> None:
    assert diff(before, after, rules=[rule]) == []


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_rule_is_documented(rule: Rule) -> None:
    assert re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", rule.id)
    assert rule.doc.strip() and "\n" not in rule.doc.strip()
    assert rule.fix.strip()
    if rule.category in (Category.WIRE, Category.JSON, Category.SOURCE):
        assert rule.buf_rules, f"{rule.id}: which buf rules report the same problem?"
