"""The rule registry: every deterministic check protoguard makes is one `Rule` here.

A rule is data (ID, category, default severity, whether it breaks, one-line doc, fix hint,
a before/after fixture pair) plus one small check function. The check receives one
`ElementPair` of the kind it declares (`on=`) and the `DiffContext`, and yields `Hit`s.
Adding a rule means writing one decorated function in one of the modules under
`compat_checker/rules/`; the registry, `protoguard rules`, `protoguard explain` and the
fixture tests all pick it up from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from compat_checker.findings import Category, Severity
from protomodel.model import Element, ElementKind, Location

if TYPE_CHECKING:
    from compat_checker.diff import DiffContext, ElementPair


@dataclass(frozen=True)
class Hit:
    """One firing of a rule. Anything left None is filled from the rule and the pair."""

    message: str
    element: str | None = None
    location: Location | None = None
    # The repository path the finding points at when it is not the pair's (buf reports a
    # type that moved to another file in the file that lost it).
    repo_path: str | None = None
    severity: Severity | None = None
    is_breaking: bool | None = None
    recommendation: str | None = None
    kind: str | None = None  # de-duplication key with buf findings (e.g. "field_removed")
    before: str | None = None
    after: str | None = None
    potential: bool | None = None  # None: the rule's own `potential`
    # The buf rules this firing stands for (a subset of the rule's `buf_rules`: a deleted
    # field whose number is reserved is FIELD_NO_DELETE but not ..._UNLESS_NUMBER_RESERVED).
    # None: all of the rule's.
    buf_rules: tuple[str, ...] | None = None


CheckFn = Callable[["ElementPair", "DiffContext"], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    category: Category
    severity: Severity
    breaking: bool
    on: ElementKind
    doc: str
    fix: str
    before: str  # a small proto file (fixture) before the change
    after: str  # the same file after the change; the rule must fire on this pair
    check: CheckFn = field(compare=False, repr=False)
    # buf breaking rule IDs that report the same problem (used to merge findings)
    buf_rules: tuple[str, ...] = ()
    # Fixture pairs on which the rule must stay quiet (edge cases worth pinning).
    quiet_pairs: tuple[tuple[str, str], ...] = ()
    # Findings that cannot be proven (documented semantics, CEL): the LLM review may
    # confirm or refute them; nothing else can clear them.
    potential: bool = False
    # A rule that exists to name buf rules the way buf classes a change (cardinality and
    # type classes): its finding joins another finding on the same element whose rule
    # stands for those buf rules, so one problem stays one finding.
    joins_element_findings: bool = False


_REGISTRY: dict[str, Rule] = {}


def rule(
    *,
    id: str,
    category: Category,
    severity: Severity,
    on: ElementKind,
    doc: str,
    fix: str,
    before: str,
    after: str,
    breaking: bool = True,
    buf_rules: tuple[str, ...] = (),
    quiet_pairs: tuple[tuple[str, str], ...] = (),
    potential: bool = False,
    joins_element_findings: bool = False,
) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated check function as a rule."""

    def register(check: CheckFn) -> CheckFn:
        if id in _REGISTRY:
            raise ValueError(f"rule {id} registered twice")
        _REGISTRY[id] = Rule(
            id=id,
            category=category,
            severity=severity,
            breaking=breaking,
            on=on,
            doc=doc,
            fix=fix,
            before=before,
            after=after,
            check=check,
            buf_rules=buf_rules,
            quiet_pairs=quiet_pairs,
            potential=potential,
            joins_element_findings=joins_element_findings,
        )
        return check

    return register


def all_rules() -> dict[str, Rule]:
    """Every registered rule, keyed by ID (importing the rule modules on first use)."""
    from compat_checker.rules import load_rule_modules

    load_rule_modules()
    return dict(sorted(_REGISTRY.items()))


def get_rule(rule_id: str) -> Rule | None:
    return all_rules().get(rule_id)


def element_label(element: Element | None) -> str:
    return element.fqn if element is not None else ""


# A fixture is one .proto file, or several: a line `// file: <path>` starts a new file, and
# text before the first marker belongs to `fixture.proto`. Multi-file fixtures let a rule
# show file deletions and moves with the same `before`/`after` strings.
FIXTURE_FILE_MARKER = "// file: "
DEFAULT_FIXTURE_PATH = "fixture.proto"


def fixture_files(text: str) -> dict[str, str]:
    """Module path → source of each file of a fixture."""
    files: dict[str, list[str]] = {}
    current = DEFAULT_FIXTURE_PATH
    for line in text.splitlines(keepends=True):
        if line.startswith(FIXTURE_FILE_MARKER):
            current = line[len(FIXTURE_FILE_MARKER) :].strip()
            files.setdefault(current, [])
            continue
        files.setdefault(current, []).append(line)
    return {
        path: "".join(lines)
        for path, lines in files.items()
        if path != DEFAULT_FIXTURE_PATH or "".join(lines).strip()
    }
