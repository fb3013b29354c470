"""What a message is about, decided before any of its fields: its subject and its domain.

Policy version 2 lets the record decide what a field name alone cannot: an unfamiliar
clinical term in a patient's record is health data, the same word in a configuration is
not; a `labels` map on a person is free text about them, on a product it is metadata.
So every message first gets a `Record`:

* **subject** — a *person*; a person's *activity* (a record of what people do or of
  something that happened to one: a visit, a case, an event, a log line, a span); a
  *thing*; or *configuration* (settings, rules, filters, schemas of a system).
* **domain** — health, criminal justice, social services, finance, HR, telemetry,
  infrastructure, or general.

Both are read from evidence that does not depend on knowing any one field's word: the
message's own name, its package and file, its comment, the words of all its fields
taken together, the services and RPCs that carry it, and — for messages that only
other messages hold (`AnyValue`, `KeyValue`) — the records that hold them. Each domain
and subject is a small set of *topic* words; a message needs evidence from more than
one place, or one strong place (its name or package), for a domain to stick. The
vocabulary here names topics, never personal-data fields: it is what lets field rules
generalise to names they have never seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise

from pii_detector.names import words


class Subject(StrEnum):
    PERSON = "person"
    ACTIVITY = "activity"  # a record of what people do, or of what happened to one
    THING = "thing"
    CONFIG = "configuration"


class Domain(StrEnum):
    HEALTH = "health"
    CRIMINAL_JUSTICE = "criminal_justice"
    SOCIAL_SERVICES = "social_services"
    # Religion, politics and trade unions: belonging to a church, a party's contact list or
    # a union is itself special-category data about the person.
    BELIEFS = "beliefs"
    FINANCE = "finance"
    HR = "hr"
    TELEMETRY = "telemetry"
    INFRASTRUCTURE = "infrastructure"
    GENERAL = "general"


@dataclass(frozen=True)
class Record:
    subject: Subject
    domain: Domain
    evidence: str  # why, for reasons: "package words clinical, patient"
    # Its person or domain came from elsewhere: a person's record holds it
    # (classifier.linked_context), or its file's records are in the domain and it has no
    # field about a person (classifier.in_file_domain). Enough for doubt, not for a level.
    inherited: bool = False

    @property
    def about_people(self) -> bool:
        """A person, or a record of what people do / what happened to one.

        Activity inside infrastructure (a test case, a health check) is a system's."""
        if self.subject == Subject.ACTIVITY:
            return self.domain != Domain.INFRASTRUCTURE
        return self.subject == Subject.PERSON

    @property
    def describes(self) -> str:
        return f"{self.subject.value} record ({self.domain.value})"


# Topic words per domain. They name the *subject matter* of an API, not a field.
# fmt: off
DOMAIN_WORDS: dict[Domain, frozenset[str]] = {
    Domain.HEALTH: frozenset(
        {"patient", "clinic", "clinical", "medical", "health", "healthcare", "hospital",
         "diagnosis", "encounter", "ehr", "emr", "fhir", "prescription", "medication",
         "pharmacy", "symptom", "treatment", "therapy", "nurse", "physician", "vaccine",
         "immunization", "vaccination", "allergy", "vital", "lab", "specimen", "trial",
         "participant", "outbreak", "triage",
         "admission", "discharge", "ward", "dental", "mental", "counseling", "counselling",
         "psychiatric", "psychology", "medicine", "pathology", "radiology", "genomic",
         "genetic", "clinician", "practitioner", "wellness", "fitness", "maternity",
         "pregnancy", "prenatal", "oncology", "cardiology", "surgery", "infection", "disease",
         "epidemiology", "telehealth", "hospice", "rehab", "rehabilitation", "nursing",
         "care", "carehome", "caregiver", "plasma", "blood", "transfusion", "injury",
         "addiction", "detox", "overdose", "toxicology",
         # reproductive and sexual health (round 13: a class the topics lacked)
         "fertility", "menstrual", "menstruation", "ovulation", "contraception",
         "contraceptive", "reproductive", "gynecology", "gynaecology", "obstetric",
         "obstetrics", "miscarriage", "infertility"}
    ),
    Domain.CRIMINAL_JUSTICE: frozenset(
        {"offense", "offence", "offender", "conviction", "sentencing",
         "court", "docket", "arrest", "inmate", "parole", "probation", "warrant",
         "defendant", "prosecution", "prosecutor", "incarceration", "statute", "disposition",
         "criminal", "crime", "police", "bail", "plea", "jail", "prison",
         "correctional", "correction", "detainee", "detention", "indictment", "verdict",
         "felony", "misdemeanor", "justice", "suspect", "victim", "witness", "citation",
         # the lists that screen people for offences (round 13)
         "watchlist"}
    ),
    Domain.SOCIAL_SERVICES: frozenset(
        {"welfare", "benefit", "caseworker", "casework", "household", "foster", "eligibility",
         "snap", "assistance", "shelter", "homeless", "homelessness", "refugee", "asylum",
         "immigration", "guardian", "guardianship", "childcare", "safeguarding", "protective",
         "entitlement", "allowance", "subsidy", "unemployment", "disability", "pension",
         "social", "migrant", "resettlement", "visa", "petition",
         # violence and victim services, family maintenance, veterans' services (round 13:
         # classes of the social-services topic the words lacked; `abuse` alone is also a
         # platform's: googleapis' `AbuseEvent` of a cloud project)
         "violence", "refuge", "survivor", "trafficking", "paternity", "custody",
         "child_support", "childsupport", "spousal_support",
         "custodial", "alimony", "veteran"}
    ),
    Domain.BELIEFS: frozenset(
        {"religion", "religious", "faith", "church", "parish", "parishioner", "congregation",
         "diocese", "mosque", "synagogue", "sacrament", "baptism", "pastoral", "clergy",
         "worship", "political", "politics", "election", "electoral", "voter", "canvass",
         "canvassing", "canvasser", "ballot", "precinct", "constituency", "union", "unionised",
         "unionized"}
    ),
    Domain.FINANCE: frozenset(
        {"bank", "banking", "payment", "loan", "credit", "ledger", "transaction", "payout",
         "invoice", "billing", "mortgage", "iban", "wallet", "brokerage", "deposit", "ach",
         "sepa", "remittance", "underwriting", "lending", "borrower", "tax", "finance",
         "financial", "insurance", "premium", "claim", "securities", "trading", "debt",
         "debtor", "creditor", "arrears", "bankruptcy", "insolvency", "delinquency"}
    ),
    Domain.HR: frozenset(
        {"employee", "payroll", "hire", "hiring", "candidate", "recruit", "recruiting",
         "recruitment", "compensation", "onboarding", "termination", "timesheet", "hr",
         "hris", "workforce", "personnel", "staff", "leave", "absence", "appraisal",
         "performance", "employment", "applicant", "interview", "wage", "overtime",
         "salary", "payslip"}
    ),
    Domain.TELEMETRY: frozenset(
        {"telemetry", "opentelemetry", "otel", "otlp", "trace", "tracing", "span", "log",
         "logs", "logging", "metric", "metrics", "exporter", "collector", "instrumentation",
         "exemplar", "histogram", "gauge", "profiling", "pprof", "observability", "analytics",
         "accesslog", "tap", "stat", "stats", "monitoring", "sample", "sampling"}
    ),
    Domain.INFRASTRUCTURE: frozenset(
        {"config", "configuration", "cluster", "listener", "proxy", "envoy", "xds", "upstream",
         "downstream", "runtime", "tls", "socket", "buffer", "descriptor", "validate",
         "validation", "constraint", "bootstrap", "admin", "extension", "filter", "router",
         "route", "load", "balancing", "retry", "timeout", "circuit", "breaker", "dns",
         "network", "kubernetes", "k8s", "container", "pod", "grpc", "http", "protobuf",
         "compiler", "plugin", "schema", "rpc", "api", "annotation", "rbac", "ratelimit",
         "compression", "codec", "transport", "cache", "storage", "deployment", "service",
         "mesh", "gateway", "ingress", "endpoint", "cel", "expr"}
    ),
}
# fmt: on

_ORDER = {domain: index for index, domain in enumerate(DOMAIN_WORDS)}
# Each topic word → the domains it is evidence for.
_DOMAINS_OF: dict[str, tuple[Domain, ...]] = {}
for _domain, _vocabulary in DOMAIN_WORDS.items():
    for _word in _vocabulary:
        _DOMAINS_OF[_word] = (*_DOMAINS_OF.get(_word, ()), _domain)

# Words of a message's own name that make it a record of activity.
ACTIVITY_NOUNS = frozenset(
    {"event", "session", "log", "span", "trace", "visit", "encounter", "appointment",
     "activity", "interaction", "click", "view", "pageview", "search", "call", "ride",
     "trip", "checkin", "attendance", "case", "incident", "booking", "reservation",
     "admission", "stay", "enrollment", "enrolment", "application", "claim", "report",
     "observation", "assessment", "screening", "consultation", "arrest", "charge",
     "conviction", "sentence", "hearing", "referral", "intake", "episode", "loan",
     "transaction", "order", "message", "conversation", "ticket", "exemplar", "record",
     "entry", "audit", "access", "request", "play", "match", "purchase", "checkout",
     "shift", "review", "petition", "interview", "survey", "response", "payment",
     "transfer", "refund", "payout", "donation", "subscription"}
)  # fmt: skip

# Words of a message's own name that make it configuration.
CONFIG_NOUNS = frozenset(
    {"config", "configuration", "setting", "settings", "option", "options", "rule", "rules",
     "filter", "spec", "specification", "constraint", "policy", "bootstrap", "descriptor",
     "schema", "definition", "template", "parameter", "manifest", "matcher", "selector",
     "limit", "quota", "flag", "toggle", "strategy", "provider", "plugin", "extension",
     "listener", "cluster", "route", "runtime", "override", "threshold", "backoff",
     "timeout", "retry", "header", "mutation", "transport", "protocol", "codec", "format",
     "mapping", "binding", "annotation", "field", "value", "type", "kind", "source",
     "predicate", "condition"}
)  # fmt: skip

# Person nouns that, in telemetry and infrastructure, usually name a technical thing
# (a profiling `Profile`, a service `principal`, a gRPC `client`, an `agent` process).
TECHNICAL_PERSON_NOUNS = frozenset(
    {"profile", "principal", "client", "agent", "peer", "account", "member", "owner",
     "actor", "admin", "administrator", "receiver", "sender", "listener", "reader",
     "subscriber", "consumer", "broker", "caller", "holder", "worker", "manager"}
)  # fmt: skip

# Weight of each place evidence comes from.
_WEIGHTS = {
    "name": 3, "package": 3, "rpc": 2, "service": 2, "holder": 2, "file": 1, "fields": 1,
    "comment": 1,
}  # fmt: skip


# After `health`: a system's probe or its sources (`health_check`, `HealthSource`,
# `HealthAggregationPolicy`); before it: whose health it is (`service_health`, `backend_health`).
_PROBE_WORDS = frozenset(
    {"check", "checker", "checks", "probe", "probes", "source", "sources", "aggregation",
     "monitor", "monitoring"}
)  # fmt: skip
_SYSTEM_NOUNS = frozenset(
    {"service", "system", "cluster", "node", "backend", "instance", "endpoint", "server",
     "host", "replica", "shard", "pod", "upstream"}
)  # fmt: skip


def without_probes(found: Iterable[str]) -> tuple[str, ...]:
    """Words without `health` where it is a system's: `health_check`, `HealthSource`, a
    `servicehealth` package, a backend's health (a liveness probe, not a person's body)."""
    listed = list(found)
    if "health" not in listed:
        return tuple(listed)
    return tuple(
        w for i, w in enumerate(listed)
        if not (
            w == "health"
            and (
                (listed[i + 1 : i + 2] and listed[i + 1] in _PROBE_WORDS)
                or (i > 0 and listed[i - 1] in _SYSTEM_NOUNS)
            )
        )
    )  # fmt: skip


def domain_of(sources: Mapping[str, Iterable[str]]) -> tuple[Domain, str]:
    """The domain with the most weighted evidence, and the evidence in words.

    `sources` maps a place (``name``, ``package``, ``file``, ``fields``, ``comment``,
    ``rpc``, ``holder``) to its words. A domain needs a score of at least 3: one strong
    place (the name, the package) or two weaker ones.
    """
    scores: dict[Domain, int] = {}
    seen: dict[Domain, list[tuple[str, frozenset[str]]]] = {}
    for place, place_words in sources.items():
        listed = tuple(place_words)
        # Most places (a message's name, its fields' words) name no topic: skip them
        # before the per-place work and the cache a unique place would only fill.
        if _TOPIC_OR_PAIR_START.isdisjoint(listed):
            continue
        weight = _WEIGHTS.get(place, 1)
        for domain, hits in _topic_hits(listed):
            scores[domain] = scores.get(domain, 0) + weight * min(len(hits), 2)
            seen.setdefault(domain, []).append((place, hits))
    if not scores:
        return Domain.GENERAL, "no topic words"
    # Ties go to the more sensitive domain: doubt goes up.
    best = max(scores, key=lambda d: (scores[d], -_ORDER[d]))
    if scores[best] < 3:
        return Domain.GENERAL, "too little topic evidence"
    return best, "; ".join(f"{p}: {', '.join(sorted(h)[:3])}" for p, h in seen[best])


# Every start of a two-word topic (`child` of `child_support`) up to an underscore: a
# pair `{a}_{b}` can be a topic only if `a` is one of them, so other pairs are not joined.
_PAIR_STARTS = frozenset(
    word[:i] for word in _DOMAINS_OF for i, char in enumerate(word) if char == "_"
)


# A place has a topic only if one of its words is a topic or starts a two-word one.
_TOPIC_OR_PAIR_START = frozenset(_DOMAINS_OF) | _PAIR_STARTS


# The vocabulary is fixed, so a place's hits depend on its words alone (a package, a file
# or a comment is read for every message it holds).
@lru_cache(maxsize=1 << 14)
def _topic_hits(place_words: tuple[str, ...]) -> tuple[tuple[Domain, frozenset[str]], ...]:
    """The topic words of one place, by the domain they are evidence for."""
    found: dict[Domain, set[str]] = {}
    listed = without_probes(place_words)
    # Topics of two words (`child support`) are read as one.
    pairs = (f"{a}_{b}" for a, b in pairwise(listed) if a in _PAIR_STARTS)
    for word in {*listed, *(p for p in pairs if p in _DOMAINS_OF)}:
        for domain in _DOMAINS_OF.get(word, ()):
            found.setdefault(domain, set()).add(word)
    return tuple((domain, frozenset(hits)) for domain, hits in found.items())


@lru_cache(maxsize=4096)
def technical_package(package_words: tuple[str, ...]) -> bool:
    """A package about telemetry or infrastructure (decided by the package alone)."""
    domain, _ = domain_of({"package": package_words})
    return domain in TECHNICAL_DOMAINS


def subject_of(
    name_words: Iterable[str], noun: str, is_person: bool, points_at_person: bool, domain: Domain
) -> Subject:
    """Whose record it is: a person's, a person's activity, a thing's or a system's settings."""
    own = set(name_words)
    technical = domain in TECHNICAL_DOMAINS
    if is_person and not (technical and noun in TECHNICAL_PERSON_NOUNS):
        return Subject.PERSON
    if noun in CONFIG_NOUNS or (own & CONFIG_NOUNS and not own & ACTIVITY_NOUNS):
        return Subject.CONFIG
    if noun in ACTIVITY_NOUNS or own & ACTIVITY_NOUNS:
        return Subject.ACTIVITY
    if points_at_person and not technical:
        # A record that points at a person (an order's `customer_id`) is about them; a
        # host with an `owner_email` stays a thing.
        return Subject.THING if noun in THING_HEADS else Subject.ACTIVITY
    if domain == Domain.INFRASTRUCTURE:
        return Subject.CONFIG
    return Subject.THING


# Nouns of things that may point at a person (their owner) without being about them.
THING_HEADS = frozenset(
    {"host", "server", "device", "machine", "vehicle", "product", "project", "repository",
     "repo", "file", "document", "asset", "resource", "cluster", "instance", "bucket",
     "team", "group", "organization", "company", "store", "listing", "item", "dataset",
     "model", "app", "application", "workspace", "folder", "board", "channel"}
)  # fmt: skip

SENSITIVE_DOMAINS = frozenset(
    {Domain.HEALTH, Domain.CRIMINAL_JUSTICE, Domain.SOCIAL_SERVICES, Domain.BELIEFS}
)
# A system's records: about machines and their signals, not about people.
TECHNICAL_DOMAINS = frozenset({Domain.TELEMETRY, Domain.INFRASTRUCTURE})


def topic_words(text: str) -> tuple[str, ...]:
    """The normalised words of a package, a file path or a comment."""
    return tuple(w for part in text.replace("/", ".").split(".") for w in words(part))
