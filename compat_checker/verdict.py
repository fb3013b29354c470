"""Pure verdict logic: suppressions, blocking decision, summary."""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from compat_checker.config import Config, ElementIgnore
from compat_checker.findings import (
    Category,
    Change,
    ChangedFile,
    Layer,
    OverallSeverity,
    RefInfo,
    Severity,
    Source,
    Summary,
    Verdict,
)
from protomodel.model import ProtoTree

# Two overrides for two risks: letting an intended breaking change through must never
# let personal data through unannotated, so PII findings answer to their own override.
ALLOW_BREAKING_TRAILER = "Protoguard-Allow-Breaking"
ALLOW_PII_TRAILER = "Protoguard-Allow-PII"
ALLOW_BREAKING_FLAG = "--allow-breaking"
ALLOW_PII_FLAG = "--allow-pii"
# `// protoguard:ignore RULE_ID reason text` in an element's comments (head version).
_INLINE_IGNORE_RE = re.compile(
    r"protoguard:ignore[ \t]+(?P<rule>[A-Z][A-Z0-9_]*)[ \t]*(?P<reason>.*)"
)


def _trailer_reason(trailer: str, commit_messages: Iterable[str]) -> str | None:
    pattern = re.compile(rf"^{re.escape(trailer)}:[ \t]*(?P<reason>\S.*)$", re.MULTILINE)
    for message in commit_messages:
        match = pattern.search(message)
        if match:
            return f"{match.group('reason').strip()} (commit trailer)"
    return None


def allow_breaking_reason(cli_reason: str | None, commit_messages: Iterable[str]) -> str | None:
    """The reason a human gave to let breaking changes (not PII findings) through, if any."""
    if cli_reason and cli_reason.strip():
        return cli_reason.strip()
    return _trailer_reason(ALLOW_BREAKING_TRAILER, commit_messages)


def allow_pii_reason(cli_reason: str | None, commit_messages: Iterable[str]) -> str | None:
    """The reason a human gave to let unannotated personal data through, if any."""
    if cli_reason and cli_reason.strip():
        return cli_reason.strip()
    return _trailer_reason(ALLOW_PII_TRAILER, commit_messages)


def is_pii_finding(change: Change) -> bool:
    return change.category == Category.PII


def override_hints(changes: Iterable[Change], fail_on: str) -> list[str]:
    """The overrides that fit the causes of a refusal: PII findings name the PII override
    only, every other blocking finding the breaking-change override."""
    blocking = [c for c in changes if c.suppressed is None and blocks(c, fail_on)]
    hints = []
    if any(not is_pii_finding(c) for c in blocking):
        hints.append(
            f"an intended breaking change: a `{ALLOW_BREAKING_TRAILER}: <reason>` commit "
            f"trailer, {ALLOW_BREAKING_FLAG} REASON or the allow-breaking label"
        )
    if any(is_pii_finding(c) for c in blocking):
        hints.append(
            "personal data: annotate the fields as each fix says, or a "
            f"`{ALLOW_PII_TRAILER}: <reason>` commit trailer, {ALLOW_PII_FLAG} REASON "
            "or the allow-pii label"
        )
    return hints


def inline_ignores(head: ProtoTree) -> dict[str, dict[str, str]]:
    """element FQN -> {rule ID -> reason} from `protoguard:ignore` comments in head."""
    found: dict[str, dict[str, str]] = {}
    for element in head.elements():
        text = element.comments.text
        if "protoguard:ignore" not in text:
            continue
        for match in _INLINE_IGNORE_RE.finditer(text):
            reason = match.group("reason").strip()  # empty: written without one
            found.setdefault(element.fqn, {})[match.group("rule")] = reason
    return found


def _config_ignore_matches(ignore: ElementIgnore, change: Change) -> bool:
    if ignore.rule and ignore.rule not in (change.rule, change.category.value):
        return False
    if ignore.element.endswith(".*"):
        prefix = ignore.element[:-2]
        return change.element == prefix or change.element.startswith(prefix + ".")
    return change.element == ignore.element


def _inline_ignore(
    change: Change, inline: Mapping[str, Mapping[str, str]]
) -> tuple[str, str] | None:
    """(element, reason) of the inline ignore that covers the finding: on the element or
    an enclosing one (message, service); the reason is empty when none was written."""
    element = change.element
    while element:
        rules = inline.get(element)
        if rules and change.rule in rules:
            return element, rules[change.rule]
        element = element.rpartition(".")[0]
    return None


def _without_reason(change: Change, inline: Mapping[str, Mapping[str, str]]) -> Change:
    """An inline ignore needs a reason, as a config ignore does: without one it lets nothing
    through, and the finding says how to complete it."""
    found = _inline_ignore(change, inline)
    if found is None or found[1]:
        return change
    note = (
        f"`protoguard:ignore {change.rule}` on {found[0]} has no reason, so it does not "
        f"apply: write `// protoguard:ignore {change.rule} <why>`."
    )
    recommendation = f"{note} {change.recommendation}" if change.recommendation else note
    return change.model_copy(update={"recommendation": recommendation})


COMMENT_FINDING_HELD = (
    "a warning: read from a comment, it blocks only when the LLM review confirms it "
    "(or with rules.comment_findings: block)"
)


def comment_derived(change: Change) -> bool:
    """A finding our rules read from comments (documented behaviour): a keyword cannot
    prove the behaviour changed, so on its own it is a guess."""
    return (
        change.category is Category.SEMANTIC
        and change.potential
        and Source.RULES in change.sources
        and Source.BUF not in change.sources
    )


def hold_comment_findings(changes: Iterable[Change], comment_findings: str) -> list[Change]:
    """Comment-derived findings the LLM review did not confirm become warnings.

    With `rules.comment_findings: block` the rules' own judgement stands. A finding the
    review confirmed (`llm.review == "confirmed"`) blocks either way, and so does one whose
    reviewed text addressed the model (`llm.instruction_like`): a comment that tries to talk
    the review into a pass gets the rules' strict judgement, never a softer one.
    """
    if comment_findings == "block":
        return list(changes)
    held = []
    for change in changes:
        review = change.llm or {}
        stands = review.get("review") == "confirmed" or review.get("instruction_like") is True
        if change.is_breaking and comment_derived(change) and not stands:
            change = change.model_copy(
                update={
                    "is_breaking": False,
                    "message": f"{change.message} [{COMMENT_FINDING_HELD}]",
                }
            )
        held.append(change)
    return held


def apply_suppressions(
    changes: Iterable[Change],
    *,
    config: Config,
    head: ProtoTree | None,
    allow_breaking: str | None,
    allow_pii: str | None = None,
) -> list[Change]:
    """Mark suppressed findings with their reason; nothing is ever dropped."""
    inline = inline_ignores(head) if head is not None else {}
    result = []
    for change in changes:
        reason = _suppression_reason(change, config, inline, allow_breaking, allow_pii)
        if reason:
            result.append(change.model_copy(update={"suppressed": reason}))
        else:
            result.append(_without_reason(change, inline))
    return result


def _suppression_reason(
    change: Change,
    config: Config,
    inline: Mapping[str, Mapping[str, str]],
    allow_breaking: str | None,
    allow_pii: str | None,
) -> str | None:
    if change.suppressed:
        return change.suppressed
    for pattern in config.ignore_paths:
        if fnmatch.fnmatch(change.file, pattern):
            return f"path ignored by protoguard.yaml ({pattern})"
    for ignore in config.ignores:
        if _config_ignore_matches(ignore, change):
            return f"{ignore.reason} (protoguard.yaml ignores)"
    inline_ignore = _inline_ignore(change, inline)
    if inline_ignore is not None and inline_ignore[1]:
        element, reason = inline_ignore
        return f"{reason} (inline protoguard:ignore on {element})"
    if is_pii_finding(change):
        return f"personal data allowed: {allow_pii}" if allow_pii else None
    if allow_breaking and change.is_breaking:
        return f"allowed: {allow_breaking}"
    return None


def blocks(change: Change, fail_on: str) -> bool:
    """Whether one finding blocks the deploy under the configured `fail_on`."""
    if not change.blocks:
        return False
    if fail_on == "breaking":
        return True
    return change.severity.at_least(Severity(fail_on))


def overall_severity(changes: Iterable[Change]) -> OverallSeverity:
    ranked = [c.severity for c in changes if c.suppressed is None and c.severity != Severity.INFO]
    if not ranked:
        return OverallSeverity.NONE
    return OverallSeverity(max(ranked, key=lambda s: s.rank).value)


def summarize(changes: list[Change], fail_on: str) -> Summary:
    active = [c for c in changes if c.suppressed is None]
    compatibility = [c for c in active if not is_pii_finding(c)]
    return Summary(
        total=len(changes),
        breaking=sum(c.is_breaking for c in compatibility),
        blocking=sum(blocks(c, fail_on) for c in active),
        warnings=sum(not c.is_breaking and c.severity != Severity.INFO for c in compatibility),
        info=sum(not c.is_breaking and c.severity == Severity.INFO for c in compatibility),
        suppressed=len(changes) - len(active),
        pii=len(active) - len(compatibility),
        by_severity=dict(sorted(Counter(c.severity.value for c in active).items())),
        by_category=dict(sorted(Counter(c.category.value for c in active).items())),
    )


def sort_changes(changes: Iterable[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: (c.file, c.line, c.column, c.rule, c.element))


def build_verdict(
    changes: list[Change],
    *,
    fail_on: str,
    base: RefInfo,
    head: RefInfo,
    files: list[ChangedFile],
    layers: list[Layer],
    timings: dict[str, float],
    tool_version: str,
    allow_breaking: str | None = None,
    allow_pii: str | None = None,
) -> Verdict:
    ordered = sort_changes(changes)
    return Verdict(
        tool_version=tool_version,
        can_deploy=not any(blocks(c, fail_on) for c in ordered),
        overall_severity=overall_severity(ordered),
        fail_on=fail_on,
        summary=summarize(ordered, fail_on),
        base=base,
        head=head,
        files=files,
        changes=ordered,
        layers=layers,
        timings=timings,
        allow_breaking=allow_breaking,
        allow_pii=allow_pii,
    )
