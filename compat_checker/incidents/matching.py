"""The gate's use of the incident memory: match findings, raise historical risks, record.

`apply_historical_risk` is pure and deterministic: the same findings and matches always give
the same verdict, with or without an LLM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from compat_checker.config.incidents import IncidentsConfig
from compat_checker.diff import change_id
from compat_checker.findings import Category, Change, Severity, Source
from compat_checker.incidents.model import Incident, IncidentSource, incident_filter
from compat_checker.incidents.text import content_words
from compat_checker.rules.catalogue import HISTORICAL_RISK

if TYPE_CHECKING:
    # Only for annotations: matching and HISTORICAL_RISK must not load Chroma.
    from compat_checker.incidents.store import IncidentMemory, UpsertReport

HISTORICAL_RISK_KIND = "historical_risk"
MAX_SHARED_WORDS = 8

Relation = Literal["same", "parent", "child", "sibling"]


class ElementTie(BaseModel):
    element: str  # as written in the incident
    relation: Relation  # what the incident's element is to the finding's element


class MatchReason(BaseModel):
    rules: list[str] = Field(default_factory=list)  # incident rules equal to the finding's
    elements: list[ElementTie] = Field(default_factory=list)
    words: list[str] = Field(default_factory=list)  # shared prose words, alphabetical

    @property
    def structural(self) -> bool:
        """Shares a rule or an element: more than similar wording."""
        return bool(self.rules or self.elements)

    def describe(self) -> str:
        parts = []
        if self.rules:
            parts.append("rule " + ", ".join(self.rules))
        if self.elements:
            parts.append(
                "element " + ", ".join(f"{tie.element} ({tie.relation})" for tie in self.elements)
            )
        if self.words:
            parts.append("words " + ", ".join(self.words))
        return "; ".join(parts) or "wording"


class IncidentMatch(BaseModel):
    id: str
    title: str
    score: float
    severity: Severity
    date: dt.date
    resolution: str = ""
    why: MatchReason

    def as_finding_dict(self) -> dict[str, Any]:
        """The form stored in `Change.incidents` and the verdict (JSON-safe)."""
        return self.model_dump(mode="json")


class IncidentMatches(BaseModel):
    by_change: dict[str, list[IncidentMatch]] = Field(
        default_factory=dict
    )  # change id -> best first
    store: str = ""  # where the memory lives (path or URL), for the verdict's layer detail
    collection: str = ""
    searched: int = 0  # incidents in the memory when matching
    queried: int = 0  # findings looked up (HISTORY findings are not)

    @property
    def matched(self) -> int:
        """Findings with at least one incident above the threshold."""
        return len(self.by_change)

    def verdict_incidents(self) -> list[dict[str, Any]]:
        """Each matched incident once, with its best score and the findings it matched."""
        best: dict[str, IncidentMatch] = {}
        changes: dict[str, list[str]] = {}
        for finding, found in self.by_change.items():
            for match in found:
                if match.id not in best or match.score > best[match.id].score:
                    best[match.id] = match
                changes.setdefault(match.id, []).append(finding)
        ordered = sorted(best.values(), key=lambda match: (-match.score, match.id))
        return [
            {**match.as_finding_dict(), "changes": sorted(set(changes[match.id]))}
            for match in ordered
        ]


def change_query_text(change: Change) -> str:
    """A finding written the way an incident document is, so both embed alike."""
    rules = [change.rule] + ([change.kind.upper()] if change.kind else []) + change.buf_rules
    lines = [
        change.message,
        "rules: " + " ".join(dict.fromkeys(rules)),
        "elements: " + change.element,
        "category: " + change.category.value,
    ]
    if change.before is not None or change.after is not None:
        lines.append(f"diff: - {change.before or ''} + {change.after or ''}")
    return "\n".join(lines)


def _is_type_name(fqn: str) -> bool:
    # Proto style: packages are lower case, messages/enums/services start upper case. A tie
    # through a package ("both in acme.todo.v1") says nothing, a tie through a message does.
    return fqn.rsplit(".", 1)[-1][:1].isupper()


def element_relation(finding_element: str, incident_element: str) -> Relation | None:
    if finding_element == incident_element:
        return "same"
    if finding_element.startswith(incident_element + ".") and _is_type_name(incident_element):
        return "parent"
    if incident_element.startswith(finding_element + ".") and _is_type_name(finding_element):
        return "child"
    if "." in finding_element and "." in incident_element:
        parent = finding_element.rsplit(".", 1)[0]
        if parent == incident_element.rsplit(".", 1)[0] and _is_type_name(parent):
            return "sibling"
    return None


def explain_match(change: Change, query_text: str, incident: Incident) -> MatchReason:
    change_rules = {rule.upper() for rule in [change.rule, change.kind, *change.buf_rules] if rule}
    rules = [rule for rule in dict.fromkeys(incident.rules) if rule.upper() in change_rules]
    ties = []
    for element in dict.fromkeys(incident.elements):
        relation = element_relation(change.element, element)
        if relation is not None:
            ties.append(ElementTie(element=element, relation=relation))
    words = sorted(content_words(query_text) & content_words(incident.document()))
    return MatchReason(rules=rules, elements=ties, words=words[:MAX_SHARED_WORDS])


def match_changes(
    changes: Sequence[Change], memory: IncidentMemory, config: IncidentsConfig
) -> IncidentMatches:
    """Per finding, the top-k incidents at least `config.threshold` similar (one Chroma query)."""
    matches = IncidentMatches(store=memory.location, collection=memory.collection_name)
    # HISTORY findings come from this module; matching them again would be circular.
    candidates = [change for change in changes if change.category != Category.HISTORY]
    if not config.enabled or not candidates:
        return matches
    matches.queried = len(candidates)
    texts = [change_query_text(change) for change in candidates]
    where = incident_filter(min_severity=config.min_severity)
    with memory.session():
        matches.searched = memory.count()
        results = memory.search_many(texts, k=config.top_k, where=where)
    for change, text, hits in zip(candidates, texts, results, strict=True):
        found = [
            IncidentMatch(
                id=hit.incident.id,
                title=hit.incident.title,
                score=hit.score,
                severity=hit.incident.severity,
                date=hit.incident.date,
                resolution=hit.incident.resolution,
                why=explain_match(change, text, hit.incident),
            )
            for hit in hits
            if hit.score >= config.threshold
        ]
        if found:
            matches.by_change[change.id] = found
    return matches


def apply_historical_risk(
    changes: Sequence[Change], matches: IncidentMatches, strong_threshold: float
) -> list[Change]:
    """Attach matches to their findings; add a breaking HISTORICAL_RISK finding per element
    where a warning-level finding strongly matches a past incident.

    A strong match is at least `strong_threshold` similar *and* shares a rule or an element:
    similar wording alone never blocks a deploy. The warning itself is left as its rule judged
    it; the added finding carries the block, so the verdict shows why it changed.
    """
    result: list[Change] = []
    risky: dict[str, list[tuple[Change, list[IncidentMatch]]]] = {}
    for change in changes:
        found = matches.by_change.get(change.id, [])
        if found:
            change = change.model_copy(
                update={"incidents": [match.as_finding_dict() for match in found]}
            )
        result.append(change)
        strong = [m for m in found if m.score >= strong_threshold and m.why.structural]
        if (
            strong
            and not change.is_breaking
            and change.suppressed is None
            and change.category != Category.HISTORY
        ):
            risky.setdefault(change.element, []).append((change, strong))
    present = {change.id for change in changes}
    for element, items in risky.items():  # first-seen order: deterministic for a given input
        finding = _historical_finding(element, items)
        if finding.id not in present:  # applying twice adds nothing
            result.append(finding)
    return result


def _historical_finding(element: str, items: list[tuple[Change, list[IncidentMatch]]]) -> Change:
    by_id: dict[str, IncidentMatch] = {}
    for _, strong in items:
        for match in strong:
            if match.id not in by_id or match.score > by_id[match.id].score:
                by_id[match.id] = match
    ranked = sorted(by_id.values(), key=lambda match: (-match.score, match.id))
    best = ranked[0]
    first = items[0][0]
    severity = max([change.severity for change, _ in items] + [best.severity], key=lambda s: s.rank)
    rules = ", ".join(dict.fromkeys(change.rule for change, _ in items))
    recommendation = f"Read incident {best.id} before deploying"
    recommendation += f"; it was resolved by: {best.resolution}" if best.resolution else "."
    return Change(
        id=change_id(HISTORICAL_RISK, element, HISTORICAL_RISK_KIND),
        rule=HISTORICAL_RISK,
        category=Category.HISTORY,
        is_breaking=True,
        severity=severity,
        element=element,
        file=first.file,
        line=first.line,
        column=first.column,
        message=(
            f"{rules} on {element} resembles past incident {best.id} "
            f'"{best.title}" (similarity {best.score:.2f}; shared {best.why.describe()})'
        ),
        recommendation=recommendation,
        sources=[Source.INCIDENTS],
        kind=HISTORICAL_RISK_KIND,
        incidents=[match.as_finding_dict() for match in ranked],
    )


def incident_from_change(
    change: Change,
    *,
    date: dt.date,
    service: str = "",
    commit: str | None = None,
    links: Sequence[str] = (),
    caught_before_prod: bool = False,
) -> Incident:
    """A breaking finding as a gate-recorded incident; the id is stable, so re-recording the
    same verdict replaces instead of duplicating."""
    incident_id = f"gate-{commit[:12]}-{change.id}" if commit else f"gate-{change.id}"
    diff_lines = []
    if change.before is not None:
        diff_lines.append(f"- {change.before}")
    if change.after is not None:
        diff_lines.append(f"+ {change.after}")
    return Incident(
        id=incident_id,
        title=f"{change.rule} on {change.element}",
        date=date,
        service=service,
        rules=list(dict.fromkeys([change.rule, *([change.kind] if change.kind else [])])),
        elements=[change.element],
        diff="\n".join(diff_lines),
        impact=f"Breaking change recorded by protoguard: {change.message}",
        resolution=change.recommendation,
        severity=change.severity,
        caught_before_prod=caught_before_prod,
        source=IncidentSource.GATE,
        links=list(links),
    )


def record_verdict_changes(
    changes: Sequence[Change],
    memory: IncidentMemory,
    *,
    service: str = "",
    date: dt.date | None = None,
    commit: str | None = None,
    links: Sequence[str] = (),
    caught_before_prod: bool = False,
) -> UpsertReport:
    """Store the verdict's blocking findings as incidents (`protoguard check --record`)."""
    day = date or dt.date.today()
    incidents = [
        incident_from_change(
            change,
            date=day,
            service=service,
            commit=commit,
            links=links,
            caught_before_prod=caught_before_prod,
        )
        for change in changes
        if change.blocks and change.category != Category.HISTORY
    ]
    return memory.upsert(incidents)
