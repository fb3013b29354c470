"""Rule-based classification of one field: pure functions over the proto model.

`classify_field` judges a field from what its own declaration says — name words, type,
the message it is in (`MessageContext`), its siblings and its comments — and returns a
`Verdict` that names the rule that decided. What a message-typed field *contains* is
added by `analysis.py`, which propagates levels through the tree.

How a name is read (see POLICY.md, "How the project applies it"):

1. The name is split into normalised words (`names.words`) and matched against the
   phrases of `lexicon.PHRASES`, longest first.
2. The right-most match governs, as the head noun of an English compound does
   (``billing_address_postal_code`` is a postal code); a trailing "last 4" is a part of the
   concept before it.
3. Words after the governing concept can turn it into a property of the data
   (``email_template``, ``address_type``); words before it can make it work contact data
   (``work_email``), a person's (``home_phone``), a limit (``max_age``) or a thing's
   (``product_name``).
4. The type can overrule the words: booleans, counters, timestamps and enums of states
   are not the data they are named after.
5. Context-dependent words are resolved from the message kind, siblings and package.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cached_property, lru_cache
from itertools import chain, pairwise
from operator import attrgetter
from typing import NamedTuple

from pii_detector import lexicon as lx
from pii_detector.levels import PiiType, Sensitivity
from pii_detector.names import raw_words, words
from pii_detector.records import (
    DOMAIN_WORDS,
    SENSITIVE_DOMAINS,
    TECHNICAL_DOMAINS,
    TECHNICAL_PERSON_NOUNS,
    THING_HEADS,
    Domain,
    Record,
    Subject,
    domain_of,
    subject_of,
    technical_package,
    without_probes,
)
from pii_detector.syntax import has_option
from protomodel.model import SCALAR_TYPES, FieldModel, MessageModel, ProtoTree, TypeKind

H, M, L, P = Sensitivity.HIGH, Sensitivity.MEDIUM, Sensitivity.LOW, Sensitivity.PUBLIC

# Rule ids: stable names a reviewer sees in every field's reasoning.
RULES: dict[str, str] = {
    "NAME_WORD": "a word of the field name means this personal data wherever it appears",
    "WORK_CONTACT": "contact data of work or of an organisation is LOW with a *_WORK type",
    "PERSONAL_CONTACT": "contact data of a person (or of unknown ownership) is MEDIUM",
    "NETWORK_ADDRESS": "`address` in a network message is an IP address",
    "PERSON_NAME": "a name in a person-like message, or the name of a person role, is LOW/NAME",
    "THING_NAME": "the name of a thing, a company or a product is PUBLIC",
    "RESOURCE_NAME": "in a Get/Delete request a bare `name`/`id` names the requested resource",
    "PERSON_ID": "an identifier that points at a person is LOW/CUSTOMER_ID",
    "EMPLOYEE_ID": "an employee, staff or manager identifier is MEDIUM/EMPLOYEE_ID",
    "DEVICE_ID": "a device, installation or advertising identifier is MEDIUM/DEVICE_ID",
    "THING_ID": "an identifier or number of a thing is PUBLIC",
    "PERSON_REFERENCE": "a string named after a person role refers to that person",
    "ACTOR_REFERENCE": "`*_by` names the person who acted",
    "FINANCIAL_CONTEXT": "account numbers and balances in a financial context are HIGH",
    "CARD_CONTEXT": "in a payment card message, numbers, codes and names are the card's",
    "HEALTH_CONTEXT": "in a health context, clinical words and values are SPECIAL_CATEGORY",
    "INSURANCE_CONTEXT": "member, group and policy numbers of health insurance are HIGH",
    "IDENTITY_CONTEXT": "a document number in an identity message is a government id",
    "SECURITY_CONTEXT": "questions and answers in a security message are secrets",
    "FREE_TEXT": "free text about a person (MEDIUM), about health (HIGH), or about a thing",
    "PLACE": "a place name where a person is (address, profile, position) is LOW",
    "GEOGRAPHY": "place names and positions that describe a thing's geography are PUBLIC",
    "PAGINATION_TOKEN": "page and continuation tokens are not secrets",
    "PROPERTY_OF": "a word after the data word makes the field a property of the data",
    "PROPERTY_PREFIX": "a word before the data word makes the field a limit or a switch",
    "RECORD_ID": "the id or number of a record about the data, not the data itself",
    "TEMPORAL_TYPE": "a timestamp, date or duration is PUBLIC unless it is the data itself",
    "TEMPORAL_PII": "a date that is the personal data itself (date of birth, card expiry)",
    "BOOL_FLAG": "a boolean about a record is PUBLIC",
    "FACT_FLAG": "a boolean that states a health, special-category, credit or presence fact",
    "GROUP_SELECTION": "a gender or an age on a record that selects a group of people",
    "COUNTER": "a count of something is PUBLIC",
    "ENUM_STATE": "an enum of states, kinds or categories of a record is PUBLIC",
    "ENUM_PII": "an enum of a personal category (gender, religion, blood type)",
    "WELL_KNOWN_TYPE": "a well-known type that holds personal data by itself",
    "COMMENT": "the field's comment names personal data the name does not (it only raises)",
    "SEVERAL_TYPES": "the name or comment names several kinds of personal data (`email_or_phone`)",
    "CONTACT_DETAILS": "a free-form contact of a person holds an e-mail address or a phone number",
    "MESSAGE_CONTENT": "a message-typed field takes the highest level inside the message",
    "ORG_FINANCES": "income, debt or assets of an organisation, not of a person",
    "PRICE": "what something costs is PUBLIC, even next to a person (a billing rate, a price)",
    "NO_SIGNAL": "no word of the name, type or comments points at personal data",
    "RECORD_CONTEXT": "the record decides an unfamiliar name (a fact in a health or criminal record)",
    "OPEN_CONTAINER": "a free-form container: free text on people and their activity, else PUBLIC",
    "TYPE_RULES_OUT": "the type cannot hold what the name suggests (`uint64 address`)",
    "KEY_NAMES": "a list of key names, not key values",
    "NAMES_RECORD": "a message of names (`CookieNames`) holds the names of things, not their values",
    "SECRET_REFERENCE": "where a secret lives (its name, path or version), not the secret",
    "PUBLIC_MATERIAL": "a public key, a certificate or a signature is made to be shown",
    "LLM": "the LLM review gave a higher level",
    "OVERRIDE": "a human correction recorded with `protoguard pii correct`",
}


@dataclass(frozen=True)
class Verdict:
    level: Sensitivity
    pii_type: PiiType | None
    rule: str
    reason: str
    # Every type when the field holds several kinds of personal data, the main one first.
    types: tuple[PiiType, ...] = ()
    # How sure the rule is (0-1). Below `CERTAIN` the level does not spread to the
    # messages that hold the field (analysis.py), and on a record about people the
    # field is reported as *needs review* with `review`.
    confidence: float = 0.9
    review: str | None = None

    @property
    def reasoning(self) -> str:
        return f"{self.rule}: {self.reason}"


def _v(
    level: Sensitivity,
    pii_type: PiiType | None,
    rule: str,
    reason: str,
    confidence: float = 0.9,
    review: str | None = None,
) -> Verdict:
    return Verdict(level, pii_type if level.is_pii else None, rule, reason, (), confidence, review)


# A level at or above this confidence is certain enough to spread to the messages that
# hold the field; below it, the field keeps its own level but a container does not.
CERTAIN = 0.7


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


# ---- message context ----------------------------------------------------------------


class Kind(StrEnum):
    PERSON = "person"
    ORG = "org"
    NETWORK = "network"
    ADDRESS = "address"
    FINANCIAL = "financial"
    CARD = "card"
    HEALTH = "health"
    INSURANCE = "insurance"  # health insurance
    ANY_INSURANCE = "any_insurance"  # any insurance (auto, home, health)
    SUPPORT = "support"
    DEVICE = "device"
    GEO = "geo"
    GEO_THING = "geo_thing"
    IDENTITY = "identity"
    SECURITY = "security"
    PHONE = "phone"
    PERSON_LINKED = "person_linked"  # a thing that points at a person (customer_id, …)
    PUBLISHED = "published"  # written for the public or about work (article, task)
    DATING = "dating"
    REQUEST = "request"  # an RPC request/response message
    SUBJECT_PERSON = "subject_person"  # ... about a person (GetUserRequest)
    ANIMAL = "animal"  # about an animal (Pet): its name, sex, birth date are no person's
    VETERINARY = "veterinary"  # an animal-care package: its health words are about animals


_NO_RECORD = Record(Subject.THING, Domain.GENERAL, "")


@dataclass(frozen=True)
class MessageContext:
    fqn: str
    noun: str  # the message's main noun: "customer" for ListCustomersResponse
    words: frozenset[str]
    kinds: frozenset[Kind]
    # Person words: the lexicon's, plus the nouns of the package's own person-like
    # messages (a `Client` with a name, an e-mail and a phone makes `client_id` a person's).
    person_nouns: frozenset[str] = lx.PERSON_NOUNS
    # What the message is about, decided before any field (records.py).
    record: Record = _NO_RECORD
    # A message of open values (`AnyValue`: string_value, int_value, bool_value …).
    open_value: bool = False
    # The record about a person in a sensitive domain this one points at through an id or
    # is held by (`Embryo.cycle_id` → `TreatmentCycle` → a patient): analysis.link_records.
    linked: str = ""
    # Nested in a message about a thing (`Campaign.VideoSettings.AdCategoryDisclosure`) and
    # about no person itself: its flags describe the thing.
    part_of_thing: bool = False
    # The person's record it holds (`Incident.caller`), when that is what points it at one.
    held_person: str = ""
    # Its sensitive domain is its file's, not its own (analysis.share_file_domains).
    borrowed_domain: bool = False

    def has(self, *kinds: Kind) -> bool:
        return not self.kinds.isdisjoint(kinds)

    # Readings of the whole context that its fields ask for again and again: computed once
    # each (a context is immutable; `replace` makes a new one).

    @cached_property
    def describes(self) -> str:
        """The message in a reason: ``Customer (person)``, ``Order (person_linked)``."""
        shown = [k.value for k in self.kinds if k not in (Kind.REQUEST, Kind.SUBJECT_PERSON)]
        name = self.fqn.rsplit(".", 1)[-1]
        return f"{name} ({', '.join(sorted(shown))})" if shown else f"{name} (a thing)"

    @cached_property
    def on_people(self) -> bool:
        """A record about a person or about what happened to one, outside technical domains."""
        record = self.record
        return (
            record.about_people
            and record.domain not in TECHNICAL_DOMAINS
            and not self.has(Kind.ANIMAL, Kind.VETERINARY, Kind.ORG)
        )

    @cached_property
    def people_record(self) -> bool:
        """About people (a person, or what happened to one), not animals or organisations."""
        return self.record.about_people and not self.has(Kind.ANIMAL, Kind.VETERINARY, Kind.ORG)

    @cached_property
    def worth_review(self) -> bool:
        """A record about a person, or about what one did in a sensitive domain."""
        record = self.record
        if self.has(Kind.ANIMAL, Kind.VETERINARY, Kind.ORG):
            return False
        return record.subject == Subject.PERSON or (
            record.about_people and record.domain in _REVIEW_DOMAINS
        )

    @cached_property
    def reviews_unplaced(self) -> bool:
        """A record about people whose fields the rules cannot place are flagged for review
        (`_unsure_on_a_person`): no request, unless it writes a person's sensitive record
        (`StartCycleRequest` with a `patient_id` carries that record's facts)."""
        writes_a_record = self.has(Kind.PERSON_LINKED) and self.record.domain in SENSITIVE_DOMAINS
        return self.on_people and not (self.has(Kind.REQUEST) and not writes_a_record)

    @cached_property
    def is_system(self) -> bool:
        """Configuration, or a record of infrastructure or telemetry that is about no person:
        `disabled` there is a switch, `address` a memory address, `asset` an artefact."""
        record = self.record
        technical = record.domain in TECHNICAL_DOMAINS
        if self.has(Kind.PERSON, Kind.SUBJECT_PERSON, Kind.PERSON_LINKED):
            return False
        # A health word in the name of an infrastructure record (`DiagnoseClusterRequest`,
        # `DiscoveredApiObservation`) names the state of a machine: the record decides.
        return technical or (record.subject == Subject.CONFIG and not self.has(Kind.HEALTH))

    @cached_property
    def lists_names(self) -> bool:
        """A message of names (`CookieNames`): its fields hold the names of things."""
        return raw_words(self.fqn.rsplit(".", 1)[-1])[-1:] == ["names"]


_PERSON_EVIDENCE = frozenset(
    {"person_name", "email", "phone", "dob", "age", "ssn", "gender", "passport",
     "drivers_license", "national_id", "street", "username"}
)  # fmt: skip


# Records that select or describe a group of people (an ad's targeting criterion or
# audience with a gender, an age range and an income range; a cohort; a report segment)
# describe the group, not one person.
_GROUP_WORDS = frozenset(
    {"criterion", "criteria", "targeting", "audience", "audiences", "cohort", "cohorts",
     "segment", "segments", "demographic", "demographics"}
)  # fmt: skip
# Of these, the words that name a set of people whoever they are; `demographics` after a
# person noun are that person's own (`PatientDemographics`), not a group's.
_SET_WORDS = _GROUP_WORDS - {"demographic", "demographics"}


def _names_a_group(name_words: Sequence[str], person_nouns: frozenset[str]) -> bool:
    """`AudienceDemographics`, `TargetingCriterion`, `CustomerSegment`: a group of people;
    `PatientDemographics`: the demographics of one patient."""
    if _GROUP_WORDS.isdisjoint(name_words):
        return False  # most names: both readings below need a group word
    if set(name_words) & _SET_WORDS:
        return True
    return any(
        w in _GROUP_WORDS and not (i > 0 and name_words[i - 1] in person_nouns)
        for i, w in enumerate(name_words)
    )


# Nouns of a system's parts: before a person noun that usually names a process, the name
# is a component's (`InstanceGroupManager`, `ConnectionPoolAgent`, `QueueWorker`).
_SYSTEM_PART_WORDS = frozenset(
    {"instance", "group", "cluster", "node", "server", "host", "service", "connection",
     "queue", "job", "task", "pipeline", "build", "device", "vm", "database", "network",
     "pool", "resource", "certificate", "cache", "package", "deployment", "release",
     "traffic", "load", "backend", "endpoint", "proxy", "stream", "topic", "file",
     "storage", "disk", "volume", "index", "workload", "container", "image", "cert",
     "secret", "key", "lease", "lock", "config", "log", "metric", "alert", "event"}
)  # fmt: skip


def _component_name(core: Sequence[str]) -> bool:
    """`InstanceGroupManager`, `SecretManager`: a part of a system, not a person."""
    return len(core) >= 2 and core[-1] in TECHNICAL_PERSON_NOUNS and core[-2] in _SYSTEM_PART_WORDS


# Systems whose `user` or `account` is a login of the system (a SQL Server user), not a
# person's record: with fewer than two person facts beside it, the record is the login's.
_ACCOUNT_SYSTEMS = frozenset(
    {"sql", "mysql", "postgres", "postgresql", "oracle", "database", "db", "server", "machine",
     "bot", "system", "replication"}
)  # fmt: skip


def _system_account(core: Sequence[str]) -> bool:
    """`SqlServerUser`, `DatabaseUser`, `MachineAccount`: a login of a system."""
    return (
        len(core) >= 2 and core[-1] in {"user", "account", "login"} and core[-2] in _ACCOUNT_SYSTEMS
    )


_ANY_INSURANCE_WORDS = frozenset(
    {"insurance", "insurer", "coverage", "policy", "claim", "policyholder", "insured",
     "underwriting", "premium", "adjuster"}
)  # fmt: skip
_REFERENCE_HEADS = frozenset({"id", "uuid", "name", "email", "number", "phone"})


def _referenced_noun(tokens: Sequence[str]) -> str | None:
    """The noun a reference names: ``customer`` of ``customer_id`` or ``customer_email``."""
    return tokens[-2] if len(tokens) >= 2 and tokens[-1] in _REFERENCE_HEADS else None


def _points_at_person(tokens: Sequence[str], person_nouns: frozenset[str]) -> bool:
    """``customer_id``, ``author_profile_id``, ``recipient_email``: a reference to a person."""
    return _referenced_noun(tokens) in person_nouns


# Sibling concepts that make a `Document` an identity document (not a filing or a file).
_IDENTITY_EVIDENCE = frozenset(
    {"passport", "national_id", "drivers_license", "dob", "expiry", "card_expiry", "biometric"}
)  # fmt: skip


def own_person_noun(ctx: MessageContext) -> str | None:
    """The noun of a message that is person-like by its fields, not by its name.

    ``Client`` with a name, an e-mail and a phone: in its package, `client_id` points at
    a person. Nouns that name things (``Order`` with a shipping name and phone) do not.
    """
    if not ctx.has(Kind.PERSON) or ctx.has(Kind.REQUEST, Kind.ORG) or not ctx.noun:
        return None
    if ctx.noun in lx.PERSON_NOUNS or ctx.noun in _NOT_PERSON_NOUNS:
        return None
    return ctx.noun


def linked_context(
    ctx: MessageContext,
    source: MessageContext,
    via: str,
    *,
    held: bool = False,
    doubt: bool = False,
) -> MessageContext:
    """`ctx` read as a record of what happened to the person `source` is about.

    An embryo, a scan or a dose of a treatment cycle of a patient is that patient's health
    data even though its own name and fields mention no person: the record decides. A
    sensitive record of its own (a seafarer's `Medical`) keeps its domain. A record in no
    sensitive domain of its own that is only *held* by the person's record (`held`: a
    patient's `Extra`, a `Content` part of an answer; not a `cycle_id` pointing at a
    cycle) takes the domain as a doubt, not a level (`Record.inherited`). So does a record
    named after a thing that carries the id of the person's record (`doubt`: a lab result of
    a kit order, rule 39): it is theirs, but what it holds may describe the thing.
    """
    name = source.fqn.rsplit(".", 1)[-1]
    domain = ctx.record.domain if ctx.record.domain in SENSITIVE_DOMAINS else source.record.domain
    inherited = doubt or (
        (held or source.record.inherited) and ctx.record.domain not in SENSITIVE_DOMAINS
    )
    record = Record(Subject.ACTIVITY, domain, f"linked to {name} {via}", inherited=inherited)
    return replace(ctx, record=record, linked=source.fqn, kinds=ctx.kinds | {Kind.PERSON_LINKED})


def holding_a_person(ctx: MessageContext, person: MessageContext, field: str) -> MessageContext:
    """`ctx` read as a record that points at the person it holds.

    Holding a person's record (`Incident.caller`, `PatientCareReport.patient`) points at
    that person at least as surely as a `<person>_id` does (interpretation 1): the record
    is about them, so its free text and its flags are. Things that may hold their owner
    (a `Vehicle`, a `Device`) stay things.
    """
    if ctx.has(Kind.PERSON, Kind.PERSON_LINKED, Kind.REQUEST, Kind.ORG, Kind.ANIMAL):
        return ctx
    if ctx.record.domain in TECHNICAL_DOMAINS or ctx.record.subject == Subject.CONFIG:
        return ctx
    subject = ctx.record.subject
    if subject == Subject.THING and ctx.noun not in THING_HEADS:
        subject = Subject.ACTIVITY
    name = person.fqn.rsplit(".", 1)[-1]
    evidence = f"{ctx.record.evidence}; holds {name} in `{field}`"
    return replace(
        ctx,
        record=Record(subject, ctx.record.domain, evidence),
        kinds=ctx.kinds | {Kind.PERSON_LINKED},
        held_person=person.fqn,
    )


def part_of_a_person(
    ctx: MessageContext, message: MessageModel, person: MessageContext, field: str
) -> MessageContext:
    """`ctx` read as a part of the person's record that alone holds it.

    A record with no identity of its own (no `id`, no `name`) that only a person's record
    holds (`Debtor.vulnerability` → `Vulnerability` with `mental_health_condition`) is
    that person's facts written in another message: a record about them (an activity
    record pointing at them), so its flags and its text are. Addresses, places, devices,
    organisations and records about other people keep their own reading.
    """
    if ctx.has(*_OWN_READING_KINDS) or ctx.record.subject != Subject.THING:
        return ctx
    if ctx.record.domain in TECHNICAL_DOMAINS or ctx.linked or ctx.part_of_thing:
        return ctx
    own_ids = {("id",), ("uuid",), ("name",), (ctx.noun, "id")}
    if any(words(f.name) in own_ids for f in message.fields):
        return ctx
    domain = ctx.record.domain if ctx.record.domain != Domain.GENERAL else person.record.domain
    name = person.fqn.rsplit(".", 1)[-1]
    record = Record(Subject.ACTIVITY, domain, f"a part of {name}'s record (`{field}`)")
    return replace(ctx, record=record, kinds=ctx.kinds | {Kind.PERSON_LINKED})


_OWN_READING_KINDS = (
    Kind.PERSON, Kind.PERSON_LINKED, Kind.REQUEST, Kind.ORG, Kind.ANIMAL, Kind.VETERINARY,
    Kind.ADDRESS, Kind.NETWORK, Kind.DEVICE, Kind.GEO, Kind.GEO_THING, Kind.PHONE, Kind.CARD,
    Kind.IDENTITY, Kind.SECURITY,
)  # fmt: skip


def a_person(ctx: MessageContext) -> bool:
    """A person's own record (not an RPC's envelope, an organisation or a system's)."""
    return (
        ctx.record.subject == Subject.PERSON
        and ctx.has(Kind.PERSON)
        and not ctx.has(Kind.REQUEST, Kind.ORG, Kind.ANIMAL)
        and ctx.record.domain not in TECHNICAL_DOMAINS
    )


def condition_of_a_thing(
    ctx: MessageContext, message: MessageModel, package: str, holders: Sequence[MessageContext]
) -> MessageContext | None:
    """`ctx` read as the condition of the things that hold it, or None.

    A record whose health words come from its own name (`Symptom`, `Diagnosis`), outside
    a health package, that points at no one but a process (`worker_id`), and that only
    records about things hold (a TPU `Node`'s symptoms, a vehicle's diagnoses), is the
    state of those things: policy v2's health words on infrastructure, which hold no one's
    health. One holder about a person, an activity or a sensitive domain keeps it health.
    """
    if not ctx.has(Kind.HEALTH) or ctx.linked or not holders:
        return None
    if ctx.has(Kind.PERSON, Kind.SUBJECT_PERSON, Kind.REQUEST, Kind.ANIMAL, Kind.VETERINARY):
        return None
    package_words = {w for part in package.split(".") for w in words(part)}
    if set(without_probes(package_words)) & lx.HEALTH_PACKAGE_WORDS:
        return None
    for field in message.fields:
        tokens = words(field.name)
        if _points_at_person(tokens, ctx.person_nouns) and tokens[-2] not in TECHNICAL_PERSON_NOUNS:
            return None
    for holder in holders:
        if (
            holder.has(*_ABOUT_A_PERSON, Kind.SUBJECT_PERSON, Kind.SUPPORT)
            or holder.record.subject not in (Subject.THING, Subject.CONFIG)
            or holder.record.domain in _REVIEW_DOMAINS
        ):
            return None
    thing = holders[0].fqn.rsplit(".", 1)[-1]
    record = Record(Subject.THING, Domain.INFRASTRUCTURE, f"the condition of {thing}, a thing")
    kinds = ctx.kinds - {Kind.HEALTH, Kind.INSURANCE, Kind.PERSON_LINKED}
    return replace(ctx, record=record, kinds=kinds, part_of_thing=True)


def links_to_people(ctx: MessageContext) -> bool:
    """A record about a person (or linked to one) in a health, criminal-justice or
    social-services domain: what points at it, or what it holds, is about that person.

    A record that points at a person only by holding one, and whose sensitive domain is
    only its file's, is too weak a link to pass on (an entity union of a security API
    that holds a `User` among assets, files and processes)."""
    record = ctx.record
    if ctx.held_person and ctx.borrowed_domain:
        return False
    return (
        record.about_people
        and record.domain in SENSITIVE_DOMAINS
        and not ctx.has(Kind.REQUEST, Kind.ANIMAL, Kind.VETERINARY, Kind.ORG)
        and (record.subject == Subject.PERSON or ctx.has(Kind.PERSON_LINKED))
    )


def file_domain(contexts: Sequence[MessageContext]) -> Domain | None:
    """The sensitive domain at least two records of one file are in (the most common one;
    ties go to the more sensitive), or None."""
    found = [ctx.record.domain for ctx in contexts if ctx.record.domain in SENSITIVE_DOMAINS]
    if not found:
        return None
    order = list(Domain)
    best = max(set(found), key=lambda d: (found.count(d), -order.index(d)))
    return best if found.count(best) >= 2 else None


def in_file_domain(
    ctx: MessageContext, domain: Domain, *, holds_person_facts: bool = True
) -> MessageContext:
    """`ctx` in its file's sensitive domain, when its own evidence decided none.

    A record with no field about a person (a VM's `GuestAttributes`, a person only by the
    word `guest`, in a cloud's one-file API with two `HealthStatus` records) takes the
    domain as a doubt (`Record.inherited`); a `Donor` with an ethnicity in a fertility
    clinic's file takes it for certain."""
    if ctx.record.domain != Domain.GENERAL:
        return ctx
    evidence = f"{ctx.record.evidence}; its file's records are {domain.value.replace('_', ' ')}"
    record = Record(ctx.record.subject, domain, evidence, inherited=not holds_person_facts)
    return replace(ctx, record=record, borrowed_domain=True)


def described_domain(ctx: MessageContext, domain: Domain, package: str) -> MessageContext:
    """`ctx` in the sensitive domain its API's services say they serve ("Period, fertility
    and sleep tracking app", "Disability Resource Center: …"), when it is about people and
    its own words placed it nowhere (or in telemetry only by a word of its name, a
    person's `DayLog`, outside a technical package).

    The headline is evidence about the whole API, not about this record, so the domain is
    a doubt (`Record.inherited`): what nothing places on the record is flagged for review,
    never raised (rule 46)."""
    record = ctx.record
    if ctx.has(Kind.REQUEST, Kind.ORG, Kind.ANIMAL, Kind.VETERINARY) or ctx.linked:
        return ctx
    about_people = record.about_people or ctx.has(Kind.PERSON_LINKED)
    package_words = tuple(w for part in package.split(".") for w in words(part))
    own_general = record.domain == Domain.GENERAL or (
        record.domain == Domain.TELEMETRY and not technical_package(package_words)
    )
    if not about_people or not own_general or record.subject == Subject.CONFIG:
        return ctx
    subject = Subject.ACTIVITY if record.subject == Subject.THING else record.subject
    evidence = f"{record.evidence}; its API's services serve {domain.value.replace('_', ' ')}"
    return replace(
        ctx, record=Record(subject, domain, evidence, inherited=True), borrowed_domain=True
    )


def fetched_for_a_person(
    ctx: MessageContext, request: MessageContext, api_domain: Domain | None
) -> MessageContext:
    """`ctx` read as the record of the person a request names (`ListCyclesRequest` with a
    `user_id` returns that user's `Cycle`s), when the record or its API is in a sensitive
    domain and nothing in the record itself names anyone (rule 50).

    Only a doubt (`Record.inherited`): the request's person is evidence about the call,
    and a record fetched for someone may still be a thing they look at."""
    record = ctx.record
    if ctx.has(*_OWN_READING_KINDS, Kind.PUBLISHED) or ctx.linked:
        return ctx
    if record.subject not in (Subject.THING, Subject.ACTIVITY) or ctx.noun in lx.THING_NOUNS:
        return ctx
    # Its own sensitive domain, or its API's; a file-wide reading is too weak (rule 24).
    own = record.domain in SENSITIVE_DOMAINS and not ctx.borrowed_domain and not record.inherited
    domain = record.domain if own else api_domain
    if domain is None or record.domain not in (domain, Domain.GENERAL):
        return ctx
    name = request.fqn.rsplit(".", 1)[-1]
    evidence = f"{record.evidence}; fetched for the person {name} names"
    return replace(
        ctx,
        record=Record(Subject.ACTIVITY, domain, evidence, inherited=True),
        kinds=ctx.kinds | {Kind.PERSON_LINKED},
        borrowed_domain=ctx.borrowed_domain or record.domain != domain,
    )


def through_a_held_person(source: MessageContext) -> bool:
    """`source` is a record of what happened to the person it holds (a border crossing's
    `GateSession` with the traveller's `ChipRead`), about people by its own evidence: a
    file-wide reading is too weak (Chronicle's entity union `Noun` holds a `User` among
    artifacts, URLs and browsers). What it holds in a sensitive domain is that person's
    (rule 49); when that domain is only the held record's file's, as a doubt."""
    return (
        bool(source.held_person)
        and source.record.about_people
        and not source.borrowed_domain
        and not source.record.inherited
        and not source.has(Kind.REQUEST)
    )


def sensitive_record_of(
    ctx: MessageContext, source: MessageContext, source_message: MessageModel | None = None
) -> bool:
    """`ctx` is a health, criminal-justice, belief or social-services record of its own
    (`Medical`: a fitness examination) that a person's record (`Seafarer`) holds or that
    points at one: it is that person's, even when the person's record is not sensitive.

    A record that is a person only by its name and has no field about one (a language
    model's `Candidate` answer, which holds `CitationMetadata`) is no person to link to."""
    # A record of what happened to the person it holds passes that person on (rule 49).
    of_a_held_person = through_a_held_person(source)
    return (
        ctx.record.domain in SENSITIVE_DOMAINS
        and (source.record.subject == Subject.PERSON or of_a_held_person)
        and (
            source_message is None or of_a_held_person or holds_person_facts(source_message, source)
        )
        and source.record.domain not in TECHNICAL_DOMAINS
        and not source.has(Kind.REQUEST, Kind.ANIMAL, Kind.VETERINARY, Kind.ORG)
    )


def holds_person_facts(message: MessageModel, ctx: MessageContext) -> bool:
    """A field of the message names a fact about a person (a name, an e-mail, a birth date,
    a gender, an ethnicity …) or points at one (`customer_id`). Words that are a fact only
    in a context (`reason` in a health record) do not count."""
    for field in message.fields:
        tokens = words(field.name)
        if _concept_keys(tokens) & _PERSON_EVIDENCE or _points_at_person(tokens, ctx.person_nouns):
            return True
        if any(
            m.concept.pii_type in _PERSONAL_FACT_TYPES and not m.concept.key.endswith("_ctx")
            for m in match_concepts(tokens)
        ):
            return True
    return False


def may_link(ctx: MessageContext, *, through_id: bool = False) -> bool:
    """A record whose subject a link may decide: not already a person's sensitive record,
    not an RPC's envelope, an organisation, an animal or a catalog thing.

    A thing's noun (`result`, `charge`, `test`) rules out only a link by holding: a
    catalog entry (a `Drug`) is held by a person's record but never names one. A record
    that carries the id of a person's sensitive record (`LabResult.kit_order_id`) belongs
    to it, whatever its noun (`through_id`)."""
    if ctx.linked or ctx.has(Kind.REQUEST, Kind.ANIMAL, Kind.VETERINARY, Kind.ORG, Kind.PERSON):
        return False
    if ctx.record.domain in TECHNICAL_DOMAINS:
        return False
    if ctx.noun in lx.THING_NOUNS and (not through_id or ctx.has(*_OWN_READING_KINDS)):
        return False
    return not links_to_people(ctx)


_NOT_PERSON_NOUNS = (
    lx.THING_NOUNS | lx.ORG_NOUNS | lx.PUBLISHED_NOUNS | lx.GEO_THING_NOUNS | lx.SUPPORT_NOUNS
    | lx.MESSAGE_SUFFIXES | lx.NETWORK_NOUNS | lx.DEVICE_NOUNS | {"address", "card", "residence"}
)  # fmt: skip


def message_context(
    message: MessageModel,
    package: str,
    person_nouns: frozenset[str] = lx.PERSON_NOUNS,
    topics: Mapping[str, Iterable[str]] | None = None,
    *,
    held_by_a_person: bool = False,
) -> MessageContext:
    """The message's kinds and its record (subject and domain).

    `topics` adds evidence from outside the message: its file path, the RPCs that carry
    it (``{"file": …, "rpc": …}``). A record a person's own record holds
    (`held_by_a_person`: a veteran's `ServicePeriod`) outside a technical package is part
    of that person's story: a system's words (`service`, `deployment`) are no topic of it
    (rule 48, rule 25 for what people hold).
    """
    reading = read_message(message, package, topics, held_by_a_person=held_by_a_person)
    return context_of(reading, person_nouns)


class MessageReading(NamedTuple):
    """What `message_context` reads of a message whatever the person words are: a
    package's own person nouns (analysis) change only `context_of`'s few steps, so its
    messages are read once and their contexts made again from the reading."""

    fqn: str
    noun: str
    core: tuple[str, ...]  # the name's words without suffixes (`Response`) and RPC verbs
    name_words: tuple[str, ...]
    words: frozenset[str]
    is_rpc: bool
    # A technical package without two person facts: its `client`, `principal` are no people.
    technical_nouns_out: bool
    listed_person_nouns: frozenset[str]
    kinds: frozenset[Kind]  # the kinds that do not depend on the person words
    health_by_name: bool
    health_by_package: bool
    insurance: bool
    # The nouns its references name (`customer` of `customer_id`) and whether a person's
    # number (`ssn`) keys it.
    referenced: frozenset[str]
    keyed_by_a_person: bool
    domain: Domain
    domain_evidence: str
    topic_sources: Mapping[str, Iterable[str]]
    technical_package: bool
    open_value: bool
    # The last words of the messages it is nested in (`campaign` of `Campaign.Settings`).
    outer_nouns: frozenset[str]


# The lexicon's person words outside a technical package's own technical ones.
_LISTED_TECHNICAL_OUT = lx.PERSON_NOUNS - TECHNICAL_PERSON_NOUNS


@lru_cache(maxsize=1024)
def _without_technical_nouns(person_nouns: frozenset[str]) -> frozenset[str]:
    """The person words without those that name a technical thing in a technical package
    (the key is the whole set of words: the result reads nothing else)."""
    return person_nouns - TECHNICAL_PERSON_NOUNS


class _PackageFacts(NamedTuple):
    """What `read_message` reads of a message's package alone."""

    sequence: tuple[str, ...]  # the words of its parts, in order
    technical: bool
    kinds: frozenset[Kind]  # the kinds its words alone give every message of it
    identity_words: bool  # words of an identity document other than `document`
    health_words: bool


@lru_cache(maxsize=4096)
def _package_facts(package: str) -> _PackageFacts:
    """Read once per package: every message of it reads the same (the key is the package,
    and the lexicon is fixed)."""
    sequence = tuple(w for part in package.split(".") for w in words(part))
    package_words = frozenset(sequence)
    kinds = set()
    if not package_words.isdisjoint(lx.FINANCIAL_NOUNS):
        kinds.add(Kind.FINANCIAL)
    if not package_words.isdisjoint(_ANY_INSURANCE_WORDS):
        kinds.add(Kind.ANY_INSURANCE)
    if not package_words.isdisjoint(lx.VETERINARY_PACKAGE_WORDS):
        kinds.add(Kind.VETERINARY)
    if not package_words.isdisjoint({"dating", "romance"}):
        kinds.add(Kind.DATING)
    return _PackageFacts(
        sequence=sequence,
        technical=technical_package(sequence),
        kinds=frozenset(kinds),
        identity_words=not package_words.isdisjoint(_IDENTITY_NOUNS_BUT_DOCUMENT),
        health_words=not lx.HEALTH_PACKAGE_WORDS.isdisjoint(without_probes(sequence)),
    )


_CONCEPT_KEYS = attrgetter("concept_keys")
_PERSON_EVIDENCE_OF = attrgetter("person_evidence")
_TOKENS = attrgetter("tokens")
_REFERENCED = attrgetter("referenced")
_PERSON_KEY = attrgetter("person_key")
_IDENTITY_NOUNS_BUT_DOCUMENT = lx.IDENTITY_NOUNS - {"document"}
_FINANCIAL_SIBLINGS = frozenset({"iban", "routing_number", "bank_account", "card_number"})
_CARD_SIBLINGS = frozenset({"card_verification", "card_expiry", "card_number"})
_INSURANCE_SIBLINGS = frozenset({"insurance_id", "insurance_member"})


def read_message(
    message: MessageModel,
    package: str,
    topics: Mapping[str, Iterable[str]] | None = None,
    *,
    held_by_a_person: bool = False,
) -> MessageReading:
    """What `message_context` reads of the message, its package and its topics."""
    name_words = words(message.name)
    named = [_name_facts(f.name) for f in message.fields]
    # A flag (`age_restricted`) holds no personal data, so it is no evidence of a person.
    # Nor is a property of one (`gender_view`, `age_range_view` of a report row).
    held = [facts for f, facts in zip(message.fields, named, strict=True) if f.type != "bool"]
    # Read name by name with map: a message's fields are most of the work here.
    siblings = frozenset().union(*map(_CONCEPT_KEYS, named))
    evidence = frozenset().union(*map(_PERSON_EVIDENCE_OF, held))
    field_words = list(chain.from_iterable(map(_TOKENS, named)))
    core = list(name_words)
    is_rpc = bool(core) and core[-1] in {"request", "response"}
    while len(core) > 1 and core[-1] in lx.MESSAGE_SUFFIXES:
        core.pop()
    if is_rpc:
        while len(core) > 1 and core[0] in lx.RPC_VERBS:
            core.pop(0)
    noun = core[-1] if core else ""
    all_words = frozenset(name_words)
    of_package = _package_facts(package)
    topic_sources = {
        "name": name_words, "package": of_package.sequence, "fields": field_words,
        "comment": words_of_text(message.comments.text), **(topics or {}),
    }  # fmt: skip
    domain, domain_evidence = domain_of(topic_sources)
    if held_by_a_person and domain in TECHNICAL_DOMAINS and not of_package.technical:
        domain, domain_evidence = _domain_of_people(topic_sources)
    technical_nouns_out = of_package.technical and not len(evidence) >= 2
    # A profiling `Profile`, a service `principal`, a gRPC `client`: not people here.
    listed_person_nouns = _LISTED_TECHNICAL_OUT if technical_nouns_out else lx.PERSON_NOUNS

    kinds = set(of_package.kinds)
    if noun in lx.ORG_NOUNS or (
        noun in {"address", "location"} and not all_words.isdisjoint(lx.ORG_NOUNS)
    ):
        kinds.add(Kind.ORG)
    if not all_words.isdisjoint(lx.NETWORK_NOUNS):
        kinds.add(Kind.NETWORK)
    if noun in {"address", "residence"} and Kind.ORG not in kinds:
        kinds.add(Kind.ADDRESS)
    if noun in lx.ANIMAL_NOUNS:
        kinds.add(Kind.ANIMAL)
    elif (
        noun in listed_person_nouns
        and not _component_name(core)
        and not (_system_account(core) and len(evidence) < 2)
    ) or (
        Kind.ORG not in kinds
        and Kind.NETWORK not in kinds
        and noun not in lx.GEO_THING_NOUNS
        and len(evidence) >= 2
        and not _names_a_group(name_words, listed_person_nouns)
    ):
        kinds.add(Kind.PERSON)
    # An insurance, identity or loyalty card, or a card of a user interface, is no payment card.
    other_card = "card" in all_words and not all_words.isdisjoint(lx.NON_PAYMENT_CARD_WORDS)
    own_words = all_words - {"card"} if other_card else all_words
    if not own_words.isdisjoint(lx.FINANCIAL_NOUNS) or not siblings.isdisjoint(_FINANCIAL_SIBLINGS):
        kinds.add(Kind.FINANCIAL)
    if not own_words.isdisjoint(lx.CARD_NOUNS) or not siblings.isdisjoint(_CARD_SIBLINGS):
        kinds.add(Kind.CARD)
    if not all_words.isdisjoint(_ANY_INSURANCE_WORDS):
        kinds.add(Kind.ANY_INSURANCE)
    if noun in lx.SUPPORT_NOUNS or not all_words.isdisjoint(lx.SUPPORT_NOUNS):
        kinds.add(Kind.SUPPORT)
    if not all_words.isdisjoint(lx.DEVICE_NOUNS):
        kinds.add(Kind.DEVICE)
    if not all_words.isdisjoint(lx.GEO_NOUNS):
        kinds.add(Kind.GEO)
    if noun in lx.GEO_THING_NOUNS:
        kinds.add(Kind.GEO_THING)
    identity_words = all_words & lx.IDENTITY_NOUNS
    if identity_words - {"document"} or (
        identity_words
        and (of_package.identity_words or not siblings.isdisjoint(_IDENTITY_EVIDENCE))
    ):
        kinds.add(Kind.IDENTITY)
    if not all_words.isdisjoint(lx.SECURITY_NOUNS):
        kinds.add(Kind.SECURITY)
    if noun == "phone":
        kinds.add(Kind.PHONE)
    if noun in lx.PUBLISHED_NOUNS:
        kinds.add(Kind.PUBLISHED)
    if not all_words.isdisjoint(lx.DATING_WORDS):
        kinds.add(Kind.DATING)
    if is_rpc:
        kinds.add(Kind.REQUEST)
    relative = (
        message.fqn[len(package) + 1 :]
        if package and message.fqn.startswith(package + ".")
        else message.fqn
    )
    return MessageReading(
        fqn=message.fqn, noun=noun, core=tuple(core), name_words=name_words, words=all_words,
        is_rpc=is_rpc, technical_nouns_out=technical_nouns_out,
        listed_person_nouns=listed_person_nouns, kinds=frozenset(kinds),
        health_by_name=not lx.HEALTH_NOUNS.isdisjoint(without_probes(name_words)),
        health_by_package=of_package.health_words,
        insurance=not all_words.isdisjoint(lx.INSURANCE_NOUNS)
        or not siblings.isdisjoint(_INSURANCE_SIBLINGS),
        referenced=frozenset(map(_REFERENCED, named)) - {None},
        keyed_by_a_person=any(map(_PERSON_KEY, held)),
        domain=domain, domain_evidence=domain_evidence, topic_sources=topic_sources,
        technical_package=of_package.technical,
        open_value=bool(message.oneofs)
        and sum(1 for facts in named if facts.tokens[-1:] == ("value",)) >= 3,
        outer_nouns=_outer_nouns(relative),
    )  # fmt: skip


def context_of(reading: MessageReading, person_nouns: frozenset[str]) -> MessageContext:
    """The context of a message read by `read_message`, with these person words."""
    if reading.technical_nouns_out:
        person_nouns = _without_technical_nouns(person_nouns)
    noun = reading.noun
    kinds = set(reading.kinds)
    points_at_person = reading.keyed_by_a_person or not reading.referenced.isdisjoint(person_nouns)
    # In a health package, a catalog thing that points at nobody (`Drug`, `Product`) is
    # reference data, not a record about a patient.
    reference_thing = noun in lx.THING_NOUNS and Kind.PERSON not in kinds and not points_at_person
    if Kind.VETERINARY not in kinds and (
        reading.health_by_name or (reading.health_by_package and not reference_thing)
    ):
        kinds.add(Kind.HEALTH)
        if reading.insurance:
            kinds.add(Kind.INSURANCE)
    if points_at_person:
        kinds.add(Kind.PERSON_LINKED)
    if reading.is_rpc and noun in person_nouns:
        kinds.add(Kind.SUBJECT_PERSON)
    # The lexicon's person words only: a package's own person nouns come from its other
    # files, and a file's record must not depend on which of them are analysed with it.
    points_at_listed_person = reading.keyed_by_a_person or not reading.referenced.isdisjoint(
        lx.PERSON_NOUNS
    )
    listed_person_nouns = reading.listed_person_nouns
    domain, domain_evidence = reading.domain, reading.domain_evidence
    subject = subject_of(
        reading.core,
        noun,
        Kind.PERSON in kinds or Kind.SUBJECT_PERSON in kinds,
        points_at_listed_person,
        domain,
    )
    if (
        subject in (Subject.THING, Subject.ACTIVITY)
        and not reading.is_rpc
        and not points_at_listed_person
        and _names_a_group(reading.name_words, listed_person_nouns)
    ):
        # Eligibility criteria, a targeting criterion, an audience: the settings of a
        # selection of people, about no one person (its `min_hba1c` is a threshold).
        subject = Subject.CONFIG
    if (
        subject == Subject.PERSON
        and domain in TECHNICAL_DOMAINS
        and noun in listed_person_nouns
        and not reading.technical_package
    ):
        domain, domain_evidence = _domain_of_people(reading.topic_sources)
    if Kind.HEALTH in kinds and domain == Domain.GENERAL:
        domain, domain_evidence = Domain.HEALTH, "health words in its name or package"
    # Declared inside a message named after a thing (`Campaign`, `Product`) and inside no
    # message named after a person.
    nested_in_a_thing = not reading.outer_nouns.isdisjoint(
        _THING_OR_PUBLISHED
    ) and reading.outer_nouns.isdisjoint(person_nouns)
    return MessageContext(
        fqn=reading.fqn, noun=noun, words=reading.words, kinds=frozenset(kinds),
        person_nouns=person_nouns, record=Record(subject, domain, domain_evidence),
        open_value=reading.open_value,
        part_of_thing=nested_in_a_thing
        and not kinds & {Kind.PERSON, Kind.PERSON_LINKED, Kind.HEALTH},
    )  # fmt: skip


# Numbers a state or a clinic gives one person: a record that carries one is keyed by
# that person (rule 47). A tax id is left out: companies have them too.
_PERSON_KEYS = frozenset({"ssn", "national_id", "passport", "drivers_license", "medical_record"})


@dataclass(frozen=True)
class _NameFacts:
    """What `message_context` reads of one field's name."""

    tokens: tuple[str, ...]
    concept_keys: frozenset[str]
    # The person facts it holds as data (`gender`, not `gender_view`).
    person_evidence: frozenset[str]
    # A person's government or medical record number (`bsn`, `ssn`, `mrn`): a record that
    # carries one points at that person as surely as a `<person>_id` does: a benefit, a
    # debt-help case or a claim filed under the person's number is about them (rule 47).
    person_key: bool
    # The noun a reference names (`customer` of `customer_id`): a person's when it is a
    # person noun (`_points_at_person`).
    referenced: str | None


# The words and the lexicon's concepts of a name depend on the name alone: a schema
# repeats its field names thousands of times.
@lru_cache(maxsize=1 << 16)
def _name_facts(name: str) -> _NameFacts:
    tokens = words(name)
    head_keys = _head_concept_keys(tokens)
    return _NameFacts(
        tokens=tokens,
        concept_keys=_concept_keys(tokens),
        person_evidence=head_keys & _PERSON_EVIDENCE,
        person_key=bool(head_keys & _PERSON_KEYS),
        referenced=_referenced_noun(tokens),
    )


_TECHNICAL_WORDS = DOMAIN_WORDS[Domain.TELEMETRY] | DOMAIN_WORDS[Domain.INFRASTRUCTURE]


def _domain_of_people(sources: Mapping[str, Iterable[str]]) -> tuple[Domain, str]:
    """The domain of a record named after a person (`ServiceUser`) outside a technical
    package: people are not infrastructure, so a system's words (`service`) are no topic."""
    return domain_of(
        {
            place: tuple(w for w in found if w not in _TECHNICAL_WORDS)
            for place, found in sources.items()
        }
    )


_THING_OR_PUBLISHED = lx.THING_NOUNS | lx.PUBLISHED_NOUNS
_NOT_NESTED: frozenset[str] = frozenset()


def _outer_nouns(relative_name: str) -> frozenset[str]:
    """The last words of the messages a message (by its name in its package) is nested in."""
    if "." not in relative_name:
        return _NOT_NESTED
    outer = [words(name)[-1:] for name in relative_name.split(".")[:-1]]
    return frozenset(n[0] for n in outer if n)


@lru_cache(maxsize=4096)
def words_of_text(text: str | None) -> tuple[str, ...]:
    """The words of a comment's prose (examples and code removed)."""
    if not text:
        return ()
    return tuple(w for raw in _COMMENT_WORD.findall(comment_prose(text)) for w in words(raw))


# ---- field types ----------------------------------------------------------------------


class TypeClass(StrEnum):
    SCALAR = "scalar"  # including wrappers and google.type.Money (judged as numbers)
    ENUM = "enum"
    MESSAGE = "message"  # a message of the tree (or unknown): its content is propagated
    TEMPORAL = "temporal"
    PII_WELL_KNOWN = "pii_well_known"  # PostalAddress, LatLng, PhoneNumber
    OTHER = "other"  # Struct, Any, Empty, FieldMask …


@dataclass(frozen=True)
class FieldType:
    cls: TypeClass
    scalar: str | None  # the scalar it stands for (wrappers unwrapped)
    name: str  # FQN or scalar name of one element
    type_words: tuple[str, ...]  # words of an enum's or message's short name
    # A free-form container: a map of strings or open values, `Struct`/`Value`/`Any`, a
    # list of key/value pairs (`repeated KeyValue attributes`) or of open values.
    open: bool = False


_OPEN_WELL_KNOWN = frozenset(
    {"google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.Any",
     "google.protobuf.ListValue"}
)  # fmt: skip


# Types whose content decides what a field holds (a tuple: its members are compared by
# identity, where a set would hash each through `Enum.__hash__`).
_STRUCTURES = (TypeClass.MESSAGE, TypeClass.OTHER)


def is_open_value_message(message: MessageModel) -> bool:
    """`AnyValue`-like: a oneof of typed values (string_value, int_value, bool_value …)."""
    value_fields = sum(1 for f in message.fields if words(f.name)[-1:] == ("value",))
    return value_fields >= 3 and bool(message.oneofs)


def _is_open_message(fqn: str, tree: ProtoTree) -> bool:
    """An open-value message, or a key/value pair whose value is text or an open value."""
    message = tree.message(fqn)
    if message is None:
        return False
    if is_open_value_message(message):
        return True
    names = {f.name: f for f in message.fields}
    value = names.get("value")
    if set(names) != {"key", "value"} or value is None:
        return False
    target = value.element_type.lstrip(".")
    return (
        target in _TEXT_SCALARS or target in _OPEN_WELL_KNOWN
        or (tree.message(target) is not None and is_open_value_message(tree.message(target)))
    )  # fmt: skip


def field_type(field: FieldModel, tree: ProtoTree) -> FieldType:
    name = field.element_type.lstrip(".")
    kind = field.element_type_kind
    short_words = words(name.rsplit(".", 1)[-1])
    if name in _OPEN_WELL_KNOWN:
        return FieldType(TypeClass.OTHER, None, name, short_words, open=True)
    if name in SCALAR_TYPES:
        open_map = field.is_map and name in _TEXT_SCALARS
        return FieldType(TypeClass.SCALAR, name, name, (), open=open_map)
    if name in lx.TEMPORAL_TYPES:
        return FieldType(TypeClass.TEMPORAL, None, name, short_words)
    if name in lx.WRAPPER_TYPES:
        return FieldType(TypeClass.SCALAR, lx.WRAPPER_TYPES[name], name, ())
    if name in lx.PII_WELL_KNOWN:
        return FieldType(TypeClass.PII_WELL_KNOWN, None, name, short_words)
    if kind == TypeKind.ENUM or tree.enum(name) is not None:
        return FieldType(TypeClass.ENUM, None, name, short_words)
    if tree.message(name) is not None or not name.startswith("google."):
        return FieldType(
            TypeClass.MESSAGE, None, name, short_words, open=_is_open_message(name, tree)
        )
    return FieldType(TypeClass.OTHER, None, name, short_words)


# ---- matching words to concepts -------------------------------------------------------

_MAX_PHRASE = max(len(phrase) for phrase in lx.PHRASES)


@dataclass(frozen=True)
class Match:
    concept: lx.Concept
    start: int
    end: int  # exclusive
    text: str  # the words matched, for reasons


def match_concepts(tokens: Sequence[str]) -> list[Match]:
    """Greedy longest-first matching of lexicon phrases, left to right."""
    return list(_matches(tuple(tokens)))


# The lexicon is fixed, so the matches of a name depend on its words alone; a schema
# repeats its names thousands of times.
@lru_cache(maxsize=1 << 16)
def _matches(tokens: tuple[str, ...]) -> tuple[Match, ...]:
    out: list[Match] = []
    i = 0
    while i < len(tokens):
        for size in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
            key = lx.PHRASES.get(tuple(tokens[i : i + size]))
            if key is not None:
                out.append(Match(lx.CONCEPTS[key], i, i + size, " ".join(tokens[i : i + size])))
                i += size
                break
        else:
            i += 1
    return tuple(out)


@lru_cache(maxsize=1 << 16)
def _concept_keys(tokens: tuple[str, ...]) -> frozenset[str]:
    return frozenset(m.concept.key for m in _matches(tokens))


# Like `_concept_keys`: the lexicon is fixed, so the answer depends on the words alone.
@lru_cache(maxsize=1 << 16)
def _head_concept_keys(tokens: tuple[str, ...]) -> frozenset[str]:
    """Concepts a name holds as data, not as a property of it (`gender_view` holds none)."""
    return frozenset(
        m.concept.key
        for m in _matches(tokens)
        if not any(w in lx.PROPERTY_WORDS and w not in lx.VALUE_WORDS for w in tokens[m.end :])
    )


# ---- the classifier -------------------------------------------------------------------


@dataclass(frozen=True)
class _Name:
    """A field name as read for one governing concept."""

    tokens: tuple[str, ...]
    match: Match
    prefix: tuple[str, ...]  # words before the match
    tail: tuple[str, ...]  # words after the match
    before: Match | None  # the concept right before the governing one, if any

    @property
    def owner(self) -> str:
        """The word right before the match: whose data it is (``customer`` in customer_id)."""
        return self.prefix[-1] if self.prefix else ""


def classify_field(field: FieldModel, ctx: MessageContext, ftype: FieldType) -> Verdict:
    """The level the field's own declaration implies (message content not included).

    A PUBLIC answer that only says what the field is *not* sure to be, on a record about
    a person, is flagged for review (`_unsure_on_a_person`).
    """
    reading = _read_name(field.name, field.is_map)
    verdict = _classify_field(field, reading, ctx, ftype)
    verdict = _unsure_on_a_person(verdict, field, reading, ctx, ftype)
    return _selected_attribute(_sensitive_free_text(verdict, ctx), field, ctx, ftype)


# Attributes a selection of people is made by: on a record that selects a group (a
# trial's eligibility criteria, an ad's targeting criterion) they say who is selected.
_SELECTION_TYPES = frozenset({PiiType.GENDER, PiiType.DATE_OF_BIRTH})


def _selected_attribute(
    verdict: Verdict, field: FieldModel, ctx: MessageContext, ftype: FieldType
) -> Verdict:
    """`EligibilityCriteria.sex`, a criterion's age range: which people a selection takes,
    no one person's gender or age (interpretation 13: groups of people are not a person)."""
    if (
        verdict.pii_type in _SELECTION_TYPES
        and verdict.level in (L, M)
        and ftype.cls in (TypeClass.ENUM, TypeClass.SCALAR)
        and ctx.record.subject == Subject.CONFIG
        and ctx.words & _SET_WORDS
    ):
        return _v(P, None, "GROUP_SELECTION",
                  f"`{field.name}` of {ctx.describes} says which people it selects", 0.85)  # fmt: skip
    return verdict


def _sensitive_free_text(verdict: Verdict, ctx: MessageContext) -> Verdict:
    """Free text about a person in a health, criminal-justice, belief or social-services
    record (`risk_notes`, `psychological_evaluation_summary`) is at least MEDIUM and may
    well describe the sensitive fact itself (HIGH): a reviewer decides. So may a free-form
    container there (a triage call's `key_question_answers`): callers put anything in it."""
    if (
        verdict.rule in {"FREE_TEXT", "OPEN_CONTAINER"}
        and verdict.level == M
        and verdict.review is None
        and ctx.record.domain in SENSITIVE_DOMAINS
        and ctx.on_people
    ):
        domain = ctx.record.domain.value.replace("_", " ")
        return replace(verdict, review=(
            f"free text in {_a(domain)} record about a person may describe the sensitive "
            "fact itself (HIGH)"))  # fmt: skip
    return verdict


def beside_a_sensitive_fact(verdict: Verdict, fact: str, ctx: MessageContext) -> Verdict:
    """Free text on a record about people that states a special-category fact for certain
    (`Vulnerability.details` next to `mental_health_condition`) may describe that fact
    (HIGH), whatever the record's domain: a reviewer decides (rule 21's doubt, read from
    the record's own facts rather than its topic words)."""
    if (
        verdict.rule in {"FREE_TEXT", "OPEN_CONTAINER"}
        and verdict.level == M
        and verdict.review is None
        and ctx.on_people
    ):
        return replace(verdict, review=(
            f"free text beside a sensitive fact ({fact}) may describe it (HIGH)"))  # fmt: skip
    return verdict


# Concepts that make a category's value a sensitive fact when the category takes it.
_FACT_VALUE_CONCEPTS = frozenset({"health"})
# Values a clinical or laboratory test's outcome takes (`NOT_DETECTED` keeps `detected`).
_TEST_OUTCOMES = frozenset({"positive", "reactive", "detected", "abnormal", "unfit"})
# Grades of offences, stages of criminal proceedings and verdicts (rule 43).
_PROCEEDINGS = frozenset(
    {"felony", "misdemeanor", "misdemeanour", "arraignment", "indictment", "sentencing",
     "convicted", "conviction", "acquitted", "guilty", "remand", "parole", "probation", "bail"}
)  # fmt: skip
# A category of a line of work (a law firm's `PracticeArea` with `PERSONAL_INJURY`, a
# clinic's `Specialty`) says what kind of work a record is, not what a person has.
_LINES_OF_WORK = frozenset(
    {"area", "practice", "specialty", "speciality", "department", "discipline"}
)  # fmt: skip


def category_of_facts(
    verdict: Verdict, enum_name: str, values: Sequence[str], ctx: MessageContext
) -> Verdict:
    """A category on a record about people whose values name a sensitive fact
    (`ExclusionReason` with `MENTAL_HEALTH`, a `DischargeReason` with `DECEASED_OVERDOSE`)
    states that fact when it takes that value: HIGH, unsure (a reviewer decides, and it
    does not spread). What a category can be says what it holds; a switch's state words
    (`DISABLED`) say nothing."""
    if verdict.level != P or verdict.rule != "ENUM_STATE" or not ctx.on_people:
        return verdict
    if ctx.has(Kind.REQUEST) or ctx.is_system or set(words(enum_name)) & _LINES_OF_WORK:
        return verdict
    prefix = words(enum_name)
    for value in values:
        tokens = words(value)
        if tokens[: len(prefix)] == prefix:
            tokens = tokens[len(prefix) :]
        tokens = tuple(t for t in tokens if t not in _STATE_WORDS)
        if ctx.record.domain == Domain.HEALTH and set(tokens) & _TEST_OUTCOMES:
            # A result that can be POSITIVE or REACTIVE is the outcome of a test of the
            # person's body (rule 43), whatever the test is called.
            return _v(H, PiiType.SPECIAL_CATEGORY, "ENUM_PII",
                      f"enum {enum_name} can be {value}: the outcome of a test of the person",
                      0.6, f"a category on {_a(ctx.record.describes)} whose value {value} "
                      "is a test outcome: confirm the level")  # fmt: skip
        if ctx.record.domain == Domain.CRIMINAL_JUSTICE and set(tokens) & _PROCEEDINGS:
            # A charge's grade, a hearing's stage or a verdict is criminal-offence data.
            return _v(H, None, "ENUM_PII",
                      f"enum {enum_name} can be {value}: a step of criminal proceedings",
                      0.6, f"a category on {_a(ctx.record.describes)} whose value {value} "
                      "names criminal proceedings: confirm the level")  # fmt: skip
        for match in match_concepts(tokens):
            if match.concept.key in _FACT_VALUE_CONCEPTS and _applies(match.concept, ctx):
                concept = match.concept
                return _v(H, concept.pii_type, "ENUM_PII",
                          f"enum {enum_name} can be {value}: {concept.label}", 0.6,
                          f"a category on {_a(ctx.record.describes)} whose value {value} "
                          "names a sensitive fact: confirm the level")  # fmt: skip
    return verdict


def states_a_sensitive_fact(verdict: Verdict) -> bool:
    """A field that is, for certain, a special-category fact about a person."""
    return (
        verdict.level == H
        and verdict.pii_type == PiiType.SPECIAL_CATEGORY
        and verdict.confidence >= CERTAIN
    )


@dataclass(frozen=True)
class _NameReading:
    """A field's name as read before its message: its words and their concepts."""

    tokens: tuple[str, ...]
    matches: tuple[Match, ...]
    # The governing concept when no match depends on the message (`_context_free`), else None.
    governing: _Name | None
    context_free: bool
    counts: bool  # `item_count`, `number_of_visits`, `num_rx`: a count when it is a number
    lists_keys: bool  # `id_keys`: the names of keys when it is a list of strings
    administrative: bool  # `_administrative(tokens)`
    conjoined: bool  # `email_or_phone`: `_several_kinds` reads each part
    # The readings of the whole name, a map's key words included, that `_unsure_on_a_person`
    # asks of every field on a record about people.
    raw: tuple[str, ...]  # `raw_words` of the name
    handles_the_record: bool  # a word of the record's handling (`active`, `consent`)
    whole_administrative: bool  # `_administrative` of the whole name's words
    qualified_status: bool  # `legal_status`, not `review_status` (`_qualified_status`)
    links_media: bool  # `consent_form_url` (`_media_of_a_person`)


def _context_free(match: Match) -> bool:
    """A match that `_applies`, `_other_sense` and a system's record all keep."""
    concept = match.concept
    return (
        lx.HEALTH not in concept.flags
        and concept.key not in _CONTEXT_CONCEPTS
        and match.text not in _OTHER_SENSE_WORDS
    )


# Words and concepts depend on the name (and whether the field is a map) alone, and the
# lexicon is fixed: a schema repeats its field names thousands of times.
@lru_cache(maxsize=1 << 16)
def _read_name(field_name: str, is_map: bool) -> _NameReading:
    tokens = words(field_name)
    if is_map and "by" in tokens[1:-1]:
        # `deductions_by_code`: a map from the key after "by" to the value before it.
        tokens = tokens[: tokens.index("by", 1)]
    matches = _matches(tokens)
    context_free = all(_context_free(m) for m in matches)
    governing = _govern(tokens, list(matches)) if context_free else None
    counts = _is_counter(tokens) or _numbered(field_name)
    raw = tuple(raw_words(field_name))
    whole = words(field_name)
    handling = set(whole) & _RECORD_FLAG_WORDS
    if "test" in handling and "test" not in (whole[0], whole[-1]):
        handling.discard("test")  # `breath_test_positive`: a test of the person, not a sandbox
    return _NameReading(
        tokens,
        matches,
        governing,
        context_free,
        counts,
        lists_keys=raw[-1:] == ("keys",),
        administrative=_administrative(tokens),
        conjoined=not _CONJUNCTIONS.isdisjoint(tokens),
        raw=raw,
        handles_the_record=bool(handling),
        whole_administrative=_administrative(whole),
        qualified_status=_qualified_status_words(whole),
        links_media=_media_words(whole),
    )


def _classify_field(
    field: FieldModel, reading: _NameReading, ctx: MessageContext, ftype: FieldType
) -> Verdict:
    tokens = reading.tokens
    if reading.context_free:
        matches = list(reading.matches)
        name = reading.governing
    else:
        matches = [m for m in reading.matches if _applies(m.concept, ctx)]
        matches = [m for m in matches if not _other_sense(m, tokens, reading.raw, ctx)]
        if ctx.is_system:
            # Configuration and infrastructure hold no one's health (`max_buffered_rx_bytes`).
            matches = [m for m in matches if m.concept.key not in _HEALTH_CONCEPTS]
        name = _govern(tokens, matches)

    if ftype.cls == TypeClass.TEMPORAL:
        return _temporal(name, ctx)
    if ftype.scalar == "bool":
        return _review_flag(_boolean(matches, ctx, tokens), field, ctx)
    if ftype.scalar in _TEXT_SCALARS and ctx.lists_names:
        # `OAuth2Credentials.CookieNames.refresh_token`: the name of the cookie, not the token.
        return _v(P, None, "NAMES_RECORD",
                  f"`{field.name}` in {ctx.describes} is the name of a {field.name}, not its value",
                  0.85)  # fmt: skip
    if reading.lists_keys and ftype.scalar == "string" and field.is_repeated:
        # `id_keys`, `description_keys`: the names of attribute keys, not key values.
        return _v(P, None, "KEY_NAMES", f"`{field.name}` lists key names", 0.9)
    if ftype.scalar in _QUANTITY_SCALARS and reading.counts:
        return _v(P, None, "COUNTER", f"`{field.name}` counts something")
    if ftype.cls == TypeClass.ENUM:
        return _review_flag(_enum(name, ftype, ctx), field, ctx)
    text = ftype.scalar in _TEXT_SCALARS
    structure = ftype.cls == TypeClass.MESSAGE

    open_value = ctx.open_value and text and tokens[-1:] == ("value",)
    # In `AnyValue`, `string_value` names the type of an open value, not its meaning.
    verdict = None if open_value else _by_name(name, ctx, ftype) if name else None
    if (
        verdict is not None
        and name is not None
        and ftype.scalar in _NUMBER_SCALARS
        and name.match.concept.key in _NO_NUMBER_CONCEPTS
    ):
        # `uint64 address` is a memory address: a number holds no street, name or e-mail.
        verdict = _v(P, None, "TYPE_RULES_OUT",
                     f"a {ftype.scalar} cannot hold {name.match.concept.label}", 0.9)  # fmt: skip
    if (ftype.open or open_value) and (verdict is None or not verdict.level.is_pii):
        verdict = _open_container(field, ctx)
    if (
        verdict is not None
        and name is not None
        and structure
        and (
            name.match.concept.key in _SECRET_CONCEPTS
            # A PIN is a short code: a structure named `pins` (`map<int64, ProductPins>`
            # keyed by position) holds pinned things, and what it holds decides.
            or "pin" in name.match.text.split()
        )
        and "private" not in name.match.text
    ):
        # `token_bucket`, `sds_secret_config`, `call_credentials`: a structure named after
        # a secret holds one only if its fields do (propagation decides, certainly).
        verdict = _v(P, None, "NO_SIGNAL",
                     f"`{field.name}` is a structure: what it holds decides", 0.8)  # fmt: skip
    if (
        verdict is not None
        and verdict.pii_type == PiiType.API_KEY
        and ftype.scalar is not None
        and not text
    ):
        # A key presented to authenticate is a string or bytes; an `int64 int_key` is the
        # key of a map entry or a row.
        verdict = _v(P, None, "NO_SIGNAL", f"`{field.name}` is a {ftype.scalar}: a lookup key")
    if verdict is None and ftype.cls == TypeClass.PII_WELL_KNOWN:
        key = lx.PII_WELL_KNOWN[ftype.name]
        verdict = _resolve(_Name(tokens, Match(lx.CONCEPTS[key], 0, 0, ""), (), (), None), ctx)
        verdict = _v(verdict.level, verdict.pii_type, "WELL_KNOWN_TYPE",
                     f"type {ftype.name} holds {lx.CONCEPTS[key].label}")  # fmt: skip
    if verdict is None and text and tokens and tokens[-1] == "contact":
        verdict = _contact_details(tokens, ctx)
    if verdict is None and text and tokens and tokens[-1] in _IMAGE_WORDS:
        verdict = _document_image(ctx)
    if verdict is None and tokens == ("parent",) and ftype.scalar == "string":
        verdict = _parent_resource(field, ctx)
    if verdict is None and ftype.scalar == "string" and tokens and tokens[-1] in lx.PERSON_NOUNS:
        verdict = _v(L, PiiType.NAME, "PERSON_REFERENCE",
                     f"`{field.name}` names {_a(tokens[-1])}, a person")  # fmt: skip
    if verdict is None:
        verdict = _unplaced(field, reading, ctx, ftype)
    if verdict.pii_type in _SECRET_TYPES and has_option(field.options, _RESOURCE_REFERENCE):
        # `[(google.api.resource_reference) = {type: "secretmanager.googleapis.com/…"}]`:
        # the field holds a resource's name.
        verdict = _v(P, None, "SECRET_REFERENCE",
                     f"`{field.name}` is declared a resource reference: it names the secret, "
                     "it does not hold it", 0.9)  # fmt: skip
    if verdict.pii_type in _SECRET_TYPES and _comment_names_a_reference(field.comments.text):
        # "Format: `projects/*/secrets/*/versions/*`", "URI of the key file", "The Cloud KMS
        # cryptoKey to use": the comment says the value is where the secret lives.
        verdict = _v(P, None, "SECRET_REFERENCE",
                     f"the comment says `{field.name}` names or points at the secret, it does "
                     "not hold it", 0.85)  # fmt: skip
    if verdict.pii_type in _SECRET_TYPES and _public_material(tokens, field.comments.text):
        # `ssh_public_key_body`, `ak_cert`, `sender_signature`: a comment that says a private
        # key signed it, or a word that reads as a secret, does not make it one.
        verdict = _v(P, None, "PUBLIC_MATERIAL",
                     f"`{field.name}` is a public key, a certificate or a signature: it opens "
                     "nothing", 0.85)  # fmt: skip
    if verdict.review == _UNSURE_TOKEN:
        verdict = _token_kind_from_comment(verdict, field)
    if text and reading.conjoined:
        verdict = _several_kinds(verdict, tokens, ctx, ftype)
    if verdict.reason == _NOT_FINANCIAL and _comment_says_financial(field.comments.text):
        # "Card or loan account number at the original creditor": the comment says which
        # account an ambiguous `account_number` is (interpretation 6: a financial context).
        verdict = _v(H, PiiType.BANK_ACCOUNT, "FINANCIAL_CONTEXT",
                     f"the comment says `{field.name}` is a financial account's number", 0.8)  # fmt: skip
    if verdict.rule in _COMMENT_MAY_RAISE and not structure:
        said = _from_comment(field, ctx)
        if (
            said is not None
            and said.pii_type in _SECRET_TYPES
            and tokens[-1:]
            and tokens[-1]
            in _SECRET_REFERENCE_TAILS | {"prefix", "header", "key", "value", *_SECRET_PLACES}
        ):
            said = None  # "the name of the secret": where it lives, not the secret (v2)
        if (
            said is not None
            and said.pii_type in _SECRET_TYPES
            and (
                has_option(field.options, _RESOURCE_REFERENCE)
                or _comment_names_a_reference(field.comments.text)
            )
        ):
            # "The name of the `Registration` whose authorization code is reset, in the
            # format `projects/*/…`": the comment names the secret of the resource the
            # value points at; the value is the resource's name (v2: where, not what).
            said = None
        if (
            said is not None
            and said.pii_type in _SECRET_TYPES
            and _public_material(tokens, field.comments.text)
        ):
            said = None  # "signed with a private key": the signature or the certificate
        if said is not None and _name_says_what_it_is(tokens, said, ctx, ftype):
            said = None
        if (
            said is not None
            and said.pii_type in _FACT_TYPES
            and (not _about_someone(ctx) or ctx.is_system)
        ):
            # "the resource's ancestry", "a diagnosis of the task": a personal fact is
            # a person's; on a record about no one the comment means something else.
            said = None
        if said is not None and said.level.rank > verdict.level.rank:
            verdict = said
    elif verdict.rule == "PERSON_ID":
        # "HRIS id of the lead attorney": a person's id that the comment calls an employee id.
        said = _from_comment(field, ctx, only=frozenset({"employee_id"}))
        if said is not None and said.level.rank > verdict.level.rank:
            verdict = said
    if (
        structure
        and verdict.rule == "NAME_WORD"
        and verdict.pii_type in _PERSONAL_FACT_TYPES
        and not ctx.record.about_people
        and not ctx.has(*_ABOUT_A_PERSON)
    ):
        # `income_range` of an ad's targeting criterion: a structure on a record about no
        # person selects a group; only its content can make it personal.
        return _v(P, None, "MESSAGE_CONTENT",
                  f"`{field.name}` is a structure on {ctx.describes}, a record about no person: "
                  "its content decides", 0.8)  # fmt: skip
    if (
        structure
        and verdict.rule == "NAME_WORD"
        and verdict.pii_type in _PERSONAL_FACT_TYPES
        and name is not None
        and set(name.match.text.split()) <= set(ftype.type_words)
        and _person_is_a_guess(ctx)
    ):
        # `Asset asset`, `AdGroupAsset ad_group_asset`: the name only repeats its message
        # type, so what that message holds decides, not the word.
        return _v(P, None, "MESSAGE_CONTENT",
                  f"`{field.name}` is named after its type {ftype.name.rsplit('.', 1)[-1]}: "
                  "its content decides", 0.8)  # fmt: skip
    if structure and verdict.types:
        # Several kinds in the name of a structure: no one type (POLICY.md, rule 18).
        verdict = _v(verdict.level, None, verdict.rule, verdict.reason, verdict.confidence)
    if _fact_on_a_guessed_person(verdict, tokens, ctx):
        # One doubtful guess must not spread through a whole API (analysis.propagate).
        verdict = replace(verdict, confidence=0.6, review=(
            f"a personal fact on {ctx.describes}, which looks like a person only by its "
            "fields: confirm whose it is"))  # fmt: skip
    return verdict


def _fact_on_a_guessed_person(verdict: Verdict, tokens: Sequence[str], ctx: MessageContext) -> bool:
    """A HIGH personal fact (money, a special category, biometrics) whose person is a guess."""
    return (
        verdict.level == H
        and verdict.rule == "NAME_WORD"
        and verdict.pii_type in _PERSONAL_FACT_TYPES
        and verdict.confidence >= CERTAIN
        and ctx.has(Kind.PERSON)
        and _person_is_a_guess(ctx)
        and not set(tokens) & ctx.person_nouns
    )


def _person_is_a_guess(ctx: MessageContext) -> bool:
    """A record about no one certain: person-like at most by its fields (a gender and an
    age range), not by its name, a sensitive, finance or HR domain, or a person's id."""
    return (
        ctx.noun not in lx.PERSON_NOUNS  # a package's own person nouns are guesses too
        and not ctx.has(Kind.PERSON_LINKED, Kind.SUBJECT_PERSON, Kind.HEALTH, Kind.FINANCIAL)
        and ctx.record.domain not in _REVIEW_DOMAINS
    )


def _other_sense(
    match: Match, tokens: Sequence[str], raw: Sequence[str], ctx: MessageContext
) -> bool:
    """A word that means personal data only in one reading, read in its other one.

    Words of `lx.HEAD_ONLY_WORDS` name the personal data only as the head noun of the name:
    followed by another noun they modify it (`asset_set`, `callout_asset_recommendation`,
    `pan_angle`, `pin_action`, `eu_political_advertising`), and only a value word may
    follow (`assets_value`). `asset` is wealth only on a record about a person (an ad's or
    an inventory's assets are artefacts), and only as `assets` unless the record is a
    person. `disabled` is a person's condition only on a person's own record with no
    thing before it (`is_disabled`): `call_tracking_disabled` and a rule's `disabled` are
    switches (policy v2, what a type rules out).
    """
    text = match.text
    if text == "probation" and ctx.record.domain == Domain.HR:
        # A new employee's probation is a trial period of work, not a sentence.
        return True
    # `rx` is read as `prescription`: only the abbreviation is head-only (`rx_interval`).
    abbreviated = text == "prescription" and "rx" in raw and "prescription" not in raw
    if text not in lx.HEAD_ONLY_WORDS and not abbreviated:
        return False
    after = tokens[match.end :]
    if any(word not in lx.VALUE_WORDS for word in after):
        return True
    if text == "asset":
        on_a_person = (
            ctx.has(Kind.PERSON, Kind.SUBJECT_PERSON) or ctx.record.subject == Subject.PERSON
        )
        return not on_a_person and ("assets" not in raw or not ctx.has(*_ABOUT_A_PERSON))
    if text == "disabled":
        before = tokens[: match.start]
        own = ctx.record.subject == Subject.PERSON or ctx.has(Kind.PERSON)
        return not own or any(
            w not in _CONDITION_PREFIXES and w not in ctx.person_nouns for w in before
        )
    return False


# Words before `disabled` that keep it the person's condition (`is_disabled`).
_CONDITION_PREFIXES = frozenset({"is", "has", "registered", "person", "physically", "mentally"})


def _name_says_what_it_is(
    tokens: Sequence[str], said: Verdict, ctx: MessageContext, ftype: FieldType
) -> bool:
    """A comment does not make a field what its own name says it is not.

    An administrative name (`parent`, `check_id`, `page_size`, `filter`) or a property of
    something (`mime_type`, `encryption_algorithm`, `inspect_template`) says what the field
    holds; a comment that mentions a secret or a diagnosis describes what the field is
    about (`parent`: "the project to create the API key in"). On a record about people a
    category or a status may still be the fact (`abuse_categories` of a child's record).
    A number holds no secret.
    """
    last = tokens[-1] if tokens else ""
    if _administrative(tokens) and last not in _VALUE_HEADS:
        return True
    if tuple(tokens[-2:]) in _NAMED_VALUES or last == "method":
        return True  # `currency_code`, `cvv_response_code`, `payment_method`: not the data
    if said.pii_type in _SECRET_TYPES and last in _NOT_SECRET_HEADS:
        return True  # a search query, instructions, a product, a service account
    if said.pii_type in (PiiType.AUTH_SECRET, PiiType.API_KEY) and last in _DIGEST_TAILS:
        return True  # `sha256` of a customer's encryption key identifies it (a password's
        # hash can be cracked: a comment about a password still raises)
    if last in _SYMBOL_WORDS:
        return True  # `masking_character`: one symbol, whatever the comment's example
    if last in lx.PROPERTY_WORDS and last not in lx.VALUE_WORDS | _PARTY_WORDS:
        return last not in lx.FACT_DESCRIBING_TAILS or not ctx.on_people
    return said.pii_type in _SECRET_TYPES and ftype.scalar in _NUMBER_SCALARS


# Last two words that say what a value is, whatever personal data the comment mentions.
_NAMED_VALUES = frozenset(
    {("currency", "code"), ("response", "code"), ("result", "code"), ("status", "code"),
     ("serial", "number"), ("service", "account")}
)  # fmt: skip
# Last words of values that hold no secret, whatever secret the comment mentions.
_NOT_SECRET_HEADS = frozenset({"query", "instruction", "product", "account"})
# A name ending in one of these holds a symbol, not a value.
_SYMBOL_WORDS = frozenset({"character", "char", "symbol", "delimiter", "separator", "glyph"})
# Property words that name a party: its identity may be an e-mail address or a host
# (`issuer`: "the principal that issued the token, usually a URL or an e-mail address").
_PARTY_WORDS = frozenset({"issuer", "provider", "source", "origin", "host", "server", "domain"})
# Facts about a person (not secrets or contact data, which anything may hold).
_FACT_TYPES = frozenset(
    {PiiType.SPECIAL_CATEGORY, PiiType.BIOMETRIC, PiiType.FINANCIAL_INFO,
     PiiType.MEDICAL_RECORD}
)  # fmt: skip


def _about_someone(ctx: MessageContext) -> bool:
    """A record about a person or about what people do, or one that points at a person."""
    return ctx.on_people or ctx.has(*_ABOUT_A_PERSON, Kind.SUBJECT_PERSON)


# Administrative-looking last words that still hold a value: a number, a code, a query a
# person typed.
_VALUE_HEADS = frozenset({"number", "code", "value", "query"})


_QUANTITY_SCALARS = lx.INTEGER_TYPES | {"float", "double"}
_NUMBER_SCALARS = _QUANTITY_SCALARS | {"bool"}
# Concepts of secrets that are no number (`token_lifetime_seconds`, `api_keys_allowed`).
_SECRET_CONCEPTS = frozenset({"token", "key", "api_key", "secret"})
# Concepts only text can hold: a number named after them is something else.
_TEXT_ONLY_CONCEPTS = frozenset(
    {"address", "street", "address_line", "email", "name", "person_name", "ambiguous_name",
     "username", "free_text", "text", "contact_info"}
)  # fmt: skip
_NO_NUMBER_CONCEPTS = _TEXT_ONLY_CONCEPTS | _SECRET_CONCEPTS
# Words of an administrative field of a record: it keeps its usual level (policy v2).
_ADMINISTRATIVE = frozenset(
    {"id", "uuid", "guid", "identifier", "etag", "version", "revision", "status", "state",
     "page", "token", "size", "count", "total", "url", "uri", "link", "create", "created",
     "update", "updated", "delete", "deleted", "modified", "time", "at", "timestamp", "date",
     "source", "kind", "type", "mask", "filter", "order", "query", "parent", "request",
     "resource", "name", "display", "title", "label", "tag", "index", "sequence", "seq",
     "number", "ref", "reference", "locale", "language", "currency", "format", "channel",
     "priority", "sort", "view", "validate", "only", "limit", "offset", "skip", "cursor"}
)  # fmt: skip
_ABOUT_PEOPLE_REVIEW = "no rule places this field of a record about a person"


def _administrative(tokens: Sequence[str]) -> bool:
    return not tokens or tokens[-1] in _ADMINISTRATIVE or bool(set(tokens) & {"page", "etag"})


def _unplaced(
    field: FieldModel, reading: _NameReading, ctx: MessageContext, ftype: FieldType
) -> Verdict:
    """A field no word rule places: the record decides (policy v2), or a reviewer does.

    In a health record about a person, a field that is not administrative states a fact
    about that person's body, mind or care: HIGH/SPECIAL_CATEGORY even when its name is a
    clinical term the rules do not know. Criminal-offence facts are HIGH with no type. In
    any other record about a person the field stays PUBLIC but is flagged for review.
    """
    record = ctx.record
    tokens = reading.tokens
    about_person = ctx.people_record
    message_typed = ftype.cls in _STRUCTURES
    if (
        "language" in tokens
        and record.subject == Subject.PERSON
        and about_person
        and not ctx.has(Kind.REQUEST)
        and ftype.scalar in _TEXT_SCALARS | {None}
        and not message_typed
    ):
        # A person's language is a personal attribute outside the lists (policy v2: LOW);
        # a request's or a document's language is a locale.
        return _v(L, None, "PERSONAL_ATTRIBUTE",
                  f"`{field.name}` on {ctx.describes} is the person's language", 0.75)  # fmt: skip
    if not about_person or message_typed or reading.administrative:
        return _nothing_points_at_a_person(field.name, 0.9, None)
    fact = _health_fact(field, tokens, ctx, ftype) or _benefit_money(field, ctx, ftype)
    if fact is not None:
        return fact
    if ctx.worth_review:
        return _nothing_points_at_a_person(field.name, 0.4, _ABOUT_PEOPLE_REVIEW)
    return _nothing_points_at_a_person(field.name, 0.8, None)


# The verdict depends on these three values alone, and a schema repeats its field names;
# a Verdict is immutable, so the fields of one name share it.
@lru_cache(maxsize=1 << 16)
def _nothing_points_at_a_person(field_name: str, confidence: float, review: str | None) -> Verdict:
    reason = f"nothing in `{field_name}` or its type points at a person"
    return Verdict(P, None, "NO_SIGNAL", reason, (), confidence, review)


def _health_fact(
    field: FieldModel, tokens: tuple[str, ...], ctx: MessageContext, ftype: FieldType
) -> Verdict | None:
    """A fact in a health or criminal record about a person (policy v2), or None.

    Text and categories state facts. A bare number may be a quantity dispensed or a
    count of refills, so it is flagged, not raised; but a number with a unit of
    measurement (`amh_pmol_l`, `endometrium_mm`, `dose_iu`) in a health record is a
    lab value or a dose of that person. Only on a record the message's own name makes
    clinical or criminal, or on the person: a device, a kit or a workout in a health
    package holds facts about things.
    """
    record = ctx.record
    if record.domain not in _FACT_DOMAINS:
        return None
    if not ctx.people_record or _administrative(tokens) or ctx.has(Kind.REQUEST):
        return None
    if record.subject == Subject.PERSON and ctx.noun in lx.PROFESSIONAL_ROLES:
        # A nurse's or a physician's own record describes them at work, not a patient's
        # care (rule 40): their qualification is no diagnosis.
        return None
    health = record.domain == Domain.HEALTH
    states = ftype.scalar in _TEXT_SCALARS or ftype.cls == TypeClass.ENUM
    if health and ftype.scalar in _QUANTITY_SCALARS:
        states = states or bool(set(raw_words(field.name)[1:]) & _MEASUREMENT_UNITS)
    own_topic = (
        record.subject == Subject.PERSON
        or bool(ctx.linked)
        or bool(ctx.words & _CLINICAL_OR_CRIMINAL_WORDS)
    )
    if not states or not own_topic:
        return None
    what = "a fact about the person's health or care" if health else "criminal-offence data"
    # A log of what a system did with health data (`FhirStreamLogEntry.destination`): no
    # person in its name, no field pointing at one, no link. A `PatientCareReport` names one.
    activity_of_no_one = (
        record.subject == Subject.ACTIVITY
        and not ctx.linked
        and not ctx.has(Kind.PERSON, Kind.PERSON_LINKED, Kind.SUBJECT_PERSON)
        and not ctx.words & ctx.person_nouns
    )
    if record.inherited or activity_of_no_one:
        # The person or the domain is borrowed (a holder's, the file's) or absent: whose
        # fact it is, and whether it is one, are guesses (policy v2: doubt is reported).
        whose = (
            "held by a person's record, not its own"
            if record.inherited
            else "a record of what was done that names no person"
        )
        return _v(P, None, "NO_SIGNAL",
                  f"`{field.name}` in {ctx.describes}, {_a(record.describes)} "
                  f"({record.evidence}): {whose}", 0.4,
                  f"may be {what}: {whose}, confirm the level")  # fmt: skip
    return _v(H, PiiType.SPECIAL_CATEGORY if health else None, "RECORD_CONTEXT",
              f"`{field.name}` in {ctx.describes}, {_a(record.describes)} "
              f"({record.evidence}): {what}", 0.55,
              f"an unfamiliar name in a {record.domain.value.replace('_', ' ')} record "
              "about a person, read as sensitive: confirm the level")  # fmt: skip


# Domains whose records about a person state facts about them in any field (`_health_fact`).
_FACT_DOMAINS = (Domain.HEALTH, Domain.CRIMINAL_JUSTICE)


def _benefit_money(field: FieldModel, ctx: MessageContext, ftype: FieldType) -> Verdict | None:
    """An amount of money on one person's record of a benefit or a pension (rule 41).

    A social-services record about a person (a pension member's pot, the pay a pension is
    worked out from, a benefit award) holds what that person receives or owns: their
    income or wealth (interpretation 15), not a price. Only an amount typed as money
    (`google.type.Money`) counts; a payment's amount in a finance record stays PUBLIC."""
    record = ctx.record
    if ftype.name != "google.type.Money" or record.domain != Domain.SOCIAL_SERVICES:
        return None
    if record.inherited or not record.about_people or ctx.has(Kind.REQUEST, Kind.ORG):
        return None
    if not (record.subject == Subject.PERSON or ctx.linked or ctx.has(Kind.PERSON_LINKED)):
        return None
    return _v(H, PiiType.FINANCIAL_INFO, "BENEFIT_MONEY",
              f"`{field.name}` is money on {ctx.describes}, {_a(record.describes)} "
              f"({record.evidence}): the person's income or wealth", 0.75)  # fmt: skip


# Words of a message's own name that make it clinical or criminal (`_health_fact`).
_CLINICAL_OR_CRIMINAL_WORDS = DOMAIN_WORDS[Domain.CRIMINAL_JUSTICE] | lx.HEALTH_NOUNS


# Units a measurement of a body or a dose is given in (the last words of a field name).
_MEASUREMENT_UNITS = frozenset(
    {"mm", "cm", "kg", "g", "mg", "mcg", "ug", "ml", "l", "iu", "mmol", "pmol", "nmol",
     "umol", "mol", "dl", "bpm", "mmhg", "celsius", "pct", "percent", "units", "u"}
)  # fmt: skip


# Domains where a fact about a person the rules cannot place is likely sensitive.
_REVIEW_DOMAINS = SENSITIVE_DOMAINS | {Domain.FINANCE, Domain.HR}


# PUBLIC answers that come from what a name lacks or from its shape, not from knowing the
# field: on a record about a person they may be wrong, so a reviewer sees them.
_CONTEXT_BLIND_RULES = frozenset({"NO_SIGNAL", "BOOL_FLAG", "ENUM_STATE", "THING_ID"})
# Words of dates that date the record itself, not a fact about the person.
_LIFECYCLE_WORDS = frozenset(
    {"create", "created", "update", "updated", "delete", "deleted", "modified", "modify",
     "expire", "expires", "expiry", "expiration", "sync", "synced", "submitted", "received",
     "sent", "read", "last", "next", "valid", "effective", "publish", "published", "issued"}
)  # fmt: skip


def _unsure_on_a_person(
    verdict: Verdict,
    field: FieldModel,
    reading: _NameReading,
    ctx: MessageContext,
    ftype: FieldType,
) -> Verdict:
    """Policy v2: a field the rules cannot place, on a record about a person, is *needs
    review* rather than silently PUBLIC.

    That covers a flag or a category on any record about people (an incident's
    `driver_injured`), a name no rule knows on such a record (numbers only on a person's
    own record or in a sensitive domain, and not counts or measurements of the record),
    a `<thing>_number` or `<thing>_code` on a person's record (it may be the person's
    number at that thing: `hospital_number`), and, in a health record, a date that is not
    the record's own (`lmp`, a dose's `start_date`). Message-typed fields are left to what
    they hold.
    """
    if verdict.level != P or verdict.review is not None or not ctx.reviews_unplaced:
        return verdict
    if ftype.cls in _STRUCTURES or reading.handles_the_record:
        return verdict
    raw = reading.raw
    why = _ABOUT_PEOPLE_REVIEW
    if verdict.rule == "TEMPORAL_TYPE":
        dated = set(raw) - {"date", "time", "at", "on", "timestamp", "day"}
        own = ctx.record.subject == Subject.PERSON or ctx.has(Kind.PERSON_LINKED)
        if (
            ctx.record.domain not in SENSITIVE_DOMAINS
            or not own
            or not dated
            or dated & _LIFECYCLE_WORDS
            # A logged time (`visited_at`, `taken_at` of vitals) dates the record's own
            # event; a calendar date (`baptism_date`, `celebrated_on`) may be the fact, and
            # in health any other date (`lmp`, a dose's `start`).
            or raw[-1:] in (("at",), ("time",), ("timestamp",))
            or (ctx.record.domain != Domain.HEALTH and raw[-1:] not in (("date",), ("on",)))
        ):
            return verdict
        why = f"a date in {_a(ctx.record.describes)} may date a sensitive fact about the person"
    elif verdict.rule in {"BOOL_FLAG", "ENUM_STATE"}:
        if reading.whole_administrative:
            return verdict
    elif verdict.rule == "THING_ID":
        tokens = words(field.name)
        numbered = tokens[-1:] in (("number",), ("code",)) and tokens[:-1] != (ctx.noun,)
        # On a sensitive record of what happened to someone (a prison visit's `doc_number`)
        # it may be the person's number at that institution too.
        own = ctx.record.subject == Subject.PERSON or bool(ctx.linked)
        if not numbered or not (own or ctx.record.domain in SENSITIVE_DOMAINS):
            return verdict
        why = "a number or code on a record about a person may be that person's own"
        if (
            tokens[-1] == "number"
            and a_person(ctx)
            and ctx.record.domain in _RECORD_NUMBER_DOMAINS
            and not ctx.record.inherited
        ):
            # A person's own number at a clinic, a prison or an agency (`hospital_number`,
            # `booking_no`, `doc_number`) is their record number there (rule 45).
            health = ctx.record.domain == Domain.HEALTH
            return _v(H, PiiType.MEDICAL_RECORD if health else None, "RECORD_NUMBER",
                      f"`{field.name}` on {ctx.describes}, {_a(ctx.record.describes)}: the "
                      "person's number at an institution of that domain", 0.55,
                      f"{why}: a record number, confirm the level")  # fmt: skip
    elif (
        verdict.rule == "NO_SIGNAL"
        and reading.qualified_status
        # On a person's own record, a state of the person, not of the record.
        and ctx.record.subject == Subject.PERSON
    ):
        why = f"`{field.name}` on a person's record may state a fact about them"
    elif (
        verdict.rule == "NO_SIGNAL"
        and reading.links_media
        # On a person's own record, what it links shows them.
        and (ctx.record.subject == Subject.PERSON or ctx.has(Kind.PERSON_LINKED))
    ):
        why = f"`{field.name}` links a picture, recording or document of a person's record"
    elif verdict.rule == "NO_SIGNAL":
        if reading.whole_administrative or (
            ftype.scalar in _NUMBER_SCALARS and not _person_number(raw, ctx)
        ):
            return verdict
    else:
        return verdict
    return Verdict(verdict.level, None, verdict.rule, verdict.reason, (), 0.5, why)


# Domains where a person's number at an institution is a record of a sensitive fact.
_RECORD_NUMBER_DOMAINS = frozenset(
    {Domain.HEALTH, Domain.CRIMINAL_JUSTICE, Domain.SOCIAL_SERVICES}
)  # fmt: skip


def _qualified_status_words(tokens: Sequence[str]) -> bool:
    """`legal_status`, `residency_status`: a state qualified by what it is a state of
    (`status`, `review_status` are the record's)."""
    return (
        len(tokens) >= 2
        and tokens[-1] in {"status", "state"}
        and not set(tokens[:-1]) & (_ADMINISTRATIVE | _RECORD_FLAG_WORDS)
    )


_MEDIA_WORDS = frozenset(
    {"image", "photo", "scan", "picture", "pic", "img", "photocopy", "document", "form", "file", "attachment", "recording", "video", "audio", "letter",
     "report", "certificate", "consent"}
)  # fmt: skip


def _media_words(tokens: Sequence[str]) -> bool:
    """`image_uri`, `consent_form_url`: a link to a picture, a recording or a document."""
    return tokens[-1:] in (("url",), ("uri",), ("link",)) and bool(set(tokens[:-1]) & _MEDIA_WORDS)


# Units a record's own measurements are given in (distances, speeds, durations, money).
_RECORD_UNITS = _MEASUREMENT_UNITS | frozenset(
    {"km", "kph", "mph", "m", "deg", "degrees", "litres", "liters", "minutes", "seconds",
     "hours", "days", "ms", "pence", "cents", "pennies", "bytes", "kwh", "wh", "w", "kw"}
)  # fmt: skip


def _person_number(raw: Sequence[str], ctx: MessageContext) -> bool:
    """A number that may state a fact about a person (`weekly_allowance_pence` of a carer,
    `oocytes_retrieved` of a patient), not a count or a measurement of the record
    (`speeding_events`, `distance_km` of a trip)."""
    if not ctx.worth_review:
        return False
    last = raw[-1] if raw else ""
    own = ctx.record.subject == Subject.PERSON or ctx.has(Kind.PERSON_LINKED)
    if ctx.record.domain == Domain.HEALTH and own:
        return True
    counted = last.endswith("s") and not last.endswith("ss") and last not in _RECORD_UNITS
    measured = last in _RECORD_UNITS and ctx.record.subject != Subject.PERSON
    return not counted and not measured


def _review_flag(verdict: Verdict, field: FieldModel, ctx: MessageContext) -> Verdict:
    """A PUBLIC flag or category on a record about a person may state a sensitive fact
    (`background_check_cleared`, an enum `program` of benefits): a reviewer decides."""
    tokens = words(field.name)
    if verdict.level != P or verdict.rule not in {"BOOL_FLAG", "ENUM_STATE"}:
        return verdict
    if not ctx.worth_review or ctx.has(Kind.REQUEST):
        return verdict
    if ctx.record.domain in TECHNICAL_DOMAINS:
        # A person noun in an infrastructure or telemetry record names a component (envoy's
        # `TlsInspector`; rule 25 gives people outside technical packages another domain):
        # its flags are switches (policy v2).
        return verdict
    kind = "flag" if verdict.rule == "BOOL_FLAG" else "category"
    if not _administrative(tokens) and not set(tokens) & _RECORD_FLAG_WORDS:
        return _v(P, None, verdict.rule, verdict.reason, 0.5,
                  f"a {kind} on {_a(ctx.record.describes)} may state a sensitive fact")  # fmt: skip
    if _sensitive_fact_words(tokens, ctx, verdict.rule == "ENUM_STATE"):
        return _v(P, None, verdict.rule, verdict.reason, 0.5,
                  f"a {kind} on {_a(ctx.record.describes)}: in this domain its level, kind or "
                  "choice may itself be the sensitive fact")  # fmt: skip
    said = _from_comment(field, ctx)
    if said is not None and said.level == H and said.pii_type in _FACT_TYPES:
        # "Reduced plan after an income and expenditure assessment": the handling word
        # (`plan`) is weak where the comment says what the flag rests on.
        return _v(P, None, verdict.rule, verdict.reason, 0.5,
                  f"the comment says this {kind} rests on a sensitive fact: it may state it")  # fmt: skip
    return verdict


# Categories of the record's handling even in a sensitive domain (its workflow state, how
# it arrived, how to show it).
_HANDLING_CATEGORIES = frozenset(
    {"status", "state", "source", "channel", "format", "view", "sort", "order", "priority",
     "currency", "locale", "language", "mode", "method", "frequency", "theme", "visibility"}
)  # fmt: skip


def _sensitive_fact_words(tokens: Sequence[str], ctx: MessageContext, category: bool) -> bool:
    """On a health, criminal-justice, belief or social-services record about a person, the
    words that usually name the record's handling (`level`, `kind`, `tier`, `opt_in`,
    `disabled`) are weak: `care_level`, `custody_level`, an incident's `kind`, a union
    member's `political_fund_opt_in` state the fact. Only a flag made of handling words
    alone (`active`, `verified`) or a workflow category (`status`) stays unflagged."""
    if ctx.record.domain not in SENSITIVE_DOMAINS or not ctx.on_people:
        return False
    if category:
        return not set(tokens) <= _HANDLING_CATEGORIES
    return not set(tokens) <= _RECORD_FLAG_WORDS | _ADMINISTRATIVE | _FLAG_GLUE


# Words that join a flag's handling words (`marketing_opt_in`, `is_primary`, `sms_opt_out`).
_FLAG_GLUE = frozenset({"in", "out", "is", "has", "on", "of", "for", "to", "sms", "email"})


# Words of flags and categories about the record itself, not the person.
_RECORD_FLAG_WORDS = frozenset(
    {"active", "enabled", "disabled", "verified", "archived", "primary", "default", "public",
     "visible", "hidden", "locked", "deleted", "test", "sandbox", "read", "opt", "optin",
     "subscribed", "consent", "consented", "notify", "notification", "marketing", "valid",
     "confirmed", "pending", "completed", "paid", "role", "tier", "plan", "level", "unit",
     "preferred", "preference", "theme", "mode", "method", "channel", "frequency"}
)  # fmt: skip
# A switch's or a record's state in an enum value: no fact about a person.
_STATE_WORDS = lx.HEAD_ONLY_WORDS | _RECORD_FLAG_WORDS | {"unspecified", "unknown", "other", "none"}


def _open_container(field: FieldModel, ctx: MessageContext) -> Verdict:
    """Labels, attributes, `Struct`, open values: whatever callers put there (policy v2)."""
    record = ctx.record
    # Open values (`AnyValue`) of telemetry carry what the spans and logs that hold them
    # carry: what people did.
    telemetry_value = record.domain == Domain.TELEMETRY and ctx.open_value
    about = (
        record.about_people
        or telemetry_value
        or ctx.has(Kind.PERSON, Kind.SUBJECT_PERSON)
        or (ctx.has(Kind.SUPPORT) and record.domain != Domain.INFRASTRUCTURE)
    ) and not ctx.has(Kind.ANIMAL)
    if about:
        return _v(M, PiiType.FREE_TEXT, "OPEN_CONTAINER",
                  f"`{field.name}` is a free-form container on {ctx.describes}, "
                  f"{_a(record.describes)}: callers put anything there", 0.8)  # fmt: skip
    return _v(P, None, "OPEN_CONTAINER",
              f"`{field.name}` is a free-form container on {ctx.describes}, "
              f"{_a(record.describes)}: metadata of a thing", 0.85)  # fmt: skip


_TEXT_SCALARS = frozenset({"string", "bytes"})
_CONJUNCTIONS = frozenset({"or", "and"})


def _several_kinds(
    verdict: Verdict, tokens: tuple[str, ...], ctx: MessageContext, ftype: FieldType
) -> Verdict:
    """``email_or_phone``, ``name_and_address``: a value that is one of several kinds.

    Each part is read on its own; the field takes the highest level and every type.
    """
    if not _CONJUNCTIONS & set(tokens):
        return verdict
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token in _CONJUNCTIONS:
            parts.append([])
        else:
            parts[-1].append(token)
    found: list[Verdict] = []
    for part in parts:
        matches = [m for m in match_concepts(part) if _applies(m.concept, ctx)]
        name = _govern(tuple(part), matches)
        said = _by_name(name, ctx, ftype) if name is not None else None
        if said is not None and said.level.is_pii and said.pii_type is not None:
            found.append(said)
    types = tuple(dict.fromkeys(t for each in found for t in (each.types or (each.pii_type,))))
    if len(types) < 2:
        return verdict
    top = max(found, key=lambda each: each.level.rank)
    level = max(top.level, verdict.level, key=lambda each: each.rank)
    main = top.pii_type
    ordered = (main, *(t for t in types if t != main))
    listed = ", ".join(t.value for t in ordered)
    return Verdict(level, main, "SEVERAL_TYPES", f"`{'_'.join(tokens)}` holds one of: {listed}",
                   ordered)  # fmt: skip


def _contact_details(tokens: Sequence[str], ctx: MessageContext) -> Verdict:
    """A free-form ``contact`` string: an e-mail address or a phone number, or both."""
    before = set(tokens[:-1])
    work = not before & lx.PERSONAL_WORDS and (
        bool(before & (lx.WORK_WORDS | lx.ORG_NOUNS)) or ctx.has(Kind.ORG)
    )
    if work:
        types = (PiiType.EMAIL_WORK, PiiType.PHONE_WORK)
        return Verdict(L, types[0], "CONTACT_DETAILS",
                       "work contact details: an e-mail address or a phone number", types)  # fmt: skip
    types = (PiiType.EMAIL_PERSONAL, PiiType.PHONE_PERSONAL)
    return Verdict(M, types[0], "CONTACT_DETAILS",
                   "a person's contact details: an e-mail address or a phone number", types)  # fmt: skip


# Rules whose answer a comment naming personal data can raise (never lower).
# A place name (`region_code`) already says what it holds; a comment cannot make it
# something else (POLICY.md rule 17: comments decide when the name says nothing).
_COMMENT_MAY_RAISE = frozenset(
    {"NO_SIGNAL", "FREE_TEXT", "THING_ID", "THING_NAME", "HEALTH_CONTEXT", "ACTOR_REFERENCE",
     "PERSON_REFERENCE"}
)  # fmt: skip

_IMAGE_WORDS = frozenset({"image", "photo", "scan", "picture", "pic", "img", "photocopy"})


def _document_image(ctx: MessageContext) -> Verdict | None:
    """A picture of the card or document the message describes shows its number."""
    if ctx.noun not in {"card", "license", "passport", "document", "idcard", "permit", "visa"}:
        return None
    if ctx.has(Kind.INSURANCE):
        pii_type, what = PiiType.HEALTH_INSURANCE, "a health-insurance card"
    elif ctx.noun == "passport":
        pii_type, what = PiiType.PASSPORT, "a passport"
    elif ctx.noun == "license" and ctx.has(Kind.PERSON, Kind.PERSON_LINKED, Kind.IDENTITY):
        pii_type, what = PiiType.DRIVERS_LICENSE, "a driver's licence"
    elif ctx.has(Kind.IDENTITY):
        pii_type, what = PiiType.NATIONAL_ID, "an identity document"
    elif ctx.has(Kind.CARD):
        pii_type, what = PiiType.CREDIT_CARD, "a payment card"
    else:
        return None  # a loyalty card or a filing: its picture shows nothing sensitive
    return _v(H, pii_type, "NAME_WORD", f"a picture of {what} shows its number")


_RESOURCE_PATTERN = re.compile(r"([A-Za-z]+)/\{")


def _parent_resource(field: FieldModel, ctx: MessageContext) -> Verdict | None:
    """A `parent` whose documented pattern is a person's resource (``patients/{patient}``)."""
    for collection in _RESOURCE_PATTERN.findall(field.comments.text or ""):
        noun = words(collection)[-1:]
        if noun and noun[0] in ctx.person_nouns:
            return _v(L, PiiType.CUSTOMER_ID, "RESOURCE_NAME",
                      f"`parent` is the resource name of {_a(noun[0])}")  # fmt: skip
    return None


def _applies(concept: lx.Concept, ctx: MessageContext) -> bool:
    if not _about_a_person(concept, ctx):
        return False
    return lx.HEALTH not in concept.flags or ctx.has(Kind.HEALTH) or _health_of_a_person(ctx)


def _health_of_a_person(ctx: MessageContext) -> bool:
    """A health record about a person by its record, not its name (`PrescreenResponse` of a
    clinical trial's candidate, a dispatch `Incident` of a 911 medical call)."""
    return ctx.record.domain == Domain.HEALTH and ctx.on_people and ctx.has(Kind.PERSON_LINKED)


def _about_a_person(concept: lx.Concept, ctx: MessageContext) -> bool:
    """Health data is a person's (POLICY.md); an animal's diagnoses, allergies and doses,
    and its name, sex and birth date, are about no person."""
    if concept.key in _HEALTH_CONCEPTS and ctx.has(Kind.ANIMAL, Kind.VETERINARY):
        return False
    return not (concept.key in _PERSON_ATTRIBUTES and ctx.has(Kind.ANIMAL))


_HEALTH_CONCEPTS = frozenset({"health", "health_ctx", "health_fact_ctx", "blood_type"})
_PERSON_ATTRIBUTES = frozenset({"gender", "dob", "age", "person_name", "ambiguous_name"})
# Concepts whose reading depends on the message: health data only of people and in health
# records (`_applies`), a person's attributes not an animal's, and nothing of health in a
# system's record.
_CONTEXT_CONCEPTS = _HEALTH_CONCEPTS | _PERSON_ATTRIBUTES
# Words `_other_sense` may read in another sense, depending on the message.
_OTHER_SENSE_WORDS = lx.HEAD_ONLY_WORDS | {"probation", "prescription"}


def _govern(tokens: tuple[str, ...], matches: list[Match]) -> _Name | None:
    if not matches:
        return None
    index = len(matches) - 1
    # "last 4" after another concept is a part of that concept: ssn_last4, bank_account_last4.
    if lx.PARTIAL in matches[index].concept.flags and index > 0:
        index -= 1
    match = matches[index]
    before = matches[index - 1] if index > 0 and matches[index - 1].end == match.start else None
    return _Name(tokens, match, tokens[: match.start], tokens[match.end :], before)


def _is_counter(tokens: Sequence[str]) -> bool:
    return "count" in tokens or (len(tokens) > 1 and tokens[0] == "number" and tokens[1] == "of")


def _numbered(name: str) -> bool:
    """`num_rx`, `num_failed_logins`: a number whose name starts with `num` counts (the
    reading `number` of `num` is right, but it is the number *of* what follows)."""
    raw = raw_words(name)
    return len(raw) > 1 and raw[0] == "num"


def _sexual_life(tokens: Sequence[str], ctx: MessageContext, kind: str) -> Verdict | None:
    """A flag or a date named after `sex` on a record about people (rule 42).

    A person's sex is a category: a yes/no or a date cannot hold it, so `sells_sex`,
    `gifts_or_money_for_sex` or `last_sex` state a fact about the person's sexual life
    (policy v2: HIGH/SPECIAL_CATEGORY). What the type rules out decides the reading."""
    if "sex" not in tokens or not ctx.record.about_people or ctx.has(Kind.ANIMAL):
        return None
    if _is_a_thing(ctx) or ctx.is_system or set(tokens) & _CONSENT_WORDS:
        return None
    return _v(H, PiiType.SPECIAL_CATEGORY, "SEXUAL_LIFE",
              f"a {kind} named after sex cannot hold a person's sex: it states a fact about "
              "their sexual life", 0.75)  # fmt: skip


def _temporal(name: _Name | None, ctx: MessageContext) -> Verdict:
    if name is not None and (sexual := _sexual_life(name.tokens, ctx, "date")) is not None:
        return sexual
    if name is not None and not _property_tail(name):
        concept = name.match.concept
        if concept.key == "expiry" and ctx.has(Kind.CARD):
            concept = lx.CONCEPTS["card_expiry"]
        if lx.TEMPORAL in concept.flags:
            return _v(concept.level or M, concept.pii_type, "TEMPORAL_PII",
                      f"`{name.match.text}` as a date is {concept.label} itself")  # fmt: skip
    return _v(P, None, "TEMPORAL_TYPE", "a timestamp, date or duration, not personal data itself")


def _boolean(matches: Iterable[Match], ctx: MessageContext, tokens: Sequence[str]) -> Verdict:
    # On a thing that points at nobody (`Venue.wheelchair_accessible`), the flag is about
    # the thing: POLICY.md's "booleans about records".
    about_a_thing = _is_a_thing(ctx) or ctx.is_system or _points_at_nobody(ctx) or ctx.part_of_thing
    if (sexual := _sexual_life(tokens, ctx, "flag")) is not None:
        return sexual
    for match in matches:
        if lx.FACT in match.concept.flags and not about_a_thing:
            if set(tokens[match.end :]) & _CONSENT_WORDS:
                # `genetic_substudy_opt_in`: the person's consent about the fact, a
                # property of it (interpretation 4), not the fact; it may still reveal it.
                return _v(P, None, "PROPERTY_OF",
                          f"`{'_'.join(tokens)}` is a consent about `{match.text}`, not the "
                          "fact", 0.5,
                          f"a consent about `{match.text}` may reveal the fact")  # fmt: skip
            concept = match.concept
            return _v(concept.level or H, concept.pii_type or PiiType.SPECIAL_CATEGORY, "FACT_FLAG",
                      f"a flag stating `{match.text}` about a person is that fact")  # fmt: skip
    return _v(P, None, "BOOL_FLAG", "a yes/no flag about the record")


# Words of a person's choice about what comes before them (`…_opt_in`, `…_consent`).
_CONSENT_WORDS = frozenset({"opt", "optin", "consent", "consented", "agreed", "agreement"})


def _points_at_nobody(ctx: MessageContext) -> bool:
    """A record of a thing or of settings with no person and no reference to one: an
    incubator in a clinic's API, a polling place. Its flags describe the thing. A message
    its own name makes clinical (`LabResult`), or a record in a domain about people
    (a payroll `BenefitElection`), is about a person even without an id."""
    return (
        ctx.record.subject in (Subject.THING, Subject.CONFIG)
        and ctx.record.domain not in _REVIEW_DOMAINS
        and not ctx.has(Kind.PERSON, Kind.PERSON_LINKED, Kind.SUBJECT_PERSON, Kind.REQUEST)
        and not ctx.words & lx.HEALTH_NOUNS
    )


def _is_a_thing(ctx: MessageContext) -> bool:
    """A message named after a thing or an organisation that points at no person."""
    named_thing = ctx.has(Kind.ORG, Kind.PUBLISHED) or ctx.noun in lx.THING_NOUNS | _PLACES
    return named_thing and not ctx.has(*_ABOUT_A_PERSON, Kind.SUPPORT)


# Places and offerings whose flags describe the place (`step_free`, `service_animals_ok`).
_PLACES = frozenset({"venue", "listing", "property", "room", "menu", "dish", "product", "unit"})


def _enum(name: _Name | None, ftype: FieldType, ctx: MessageContext) -> Verdict:
    # An enum cannot hold free values (an address, an e-mail): only categories count.
    if (
        name is not None
        and name.match.concept.flags & {lx.CATEGORICAL, lx.FACT}
        and not _property_tail(name, ctx)
    ):
        verdict = _resolve(name, ctx)
        return _v(verdict.level, verdict.pii_type, "ENUM_PII", verdict.reason)
    for match in match_concepts(ftype.type_words):
        if _other_sense(match, ftype.type_words, ftype.type_words, ctx):
            continue  # `PoliticalAdvertisingStatus`: a kind of advertising
        if lx.CATEGORICAL in match.concept.flags and _applies(match.concept, ctx):
            verdict = _resolve(_Name(ftype.type_words, match, (), (), None), ctx)
            return _v(verdict.level, verdict.pii_type, "ENUM_PII",
                      f"enum type {ftype.name}: {verdict.reason}")  # fmt: skip
    return _v(P, None, "ENUM_STATE", f"enum {ftype.name} holds states or kinds of a record")


def _property_tail(name: _Name, ctx: MessageContext | None = None) -> str | None:
    """The first word after the concept that turns the field into a property of it.

    With the message's context, a word that describes a HIGH personal fact on a person's
    record (`disability_type`, `insolvency_status`) is the fact, not a property of it.
    """
    if not name.tail:
        return None
    describes_fact = ctx is not None and _is_personal_fact(name.match.concept, ctx)
    for word in name.tail:
        if describes_fact and word in lx.FACT_DESCRIBING_TAILS:
            continue
        if word in lx.PROPERTY_WORDS and word not in lx.VALUE_WORDS:
            return word
    return None


_PERSONAL_FACT_TYPES = frozenset(
    {PiiType.SPECIAL_CATEGORY, PiiType.FINANCIAL_INFO, PiiType.BIOMETRIC}
)
_ABOUT_A_PERSON = (Kind.PERSON, Kind.PERSON_LINKED, Kind.SUBJECT_PERSON, Kind.HEALTH)


def _is_personal_fact(concept: lx.Concept, ctx: MessageContext) -> bool:
    """A HIGH fact about a person (POLICY.md: the fact itself is the sensitive data).

    Money words (income, assets) name amounts: `asset_type` is a kind of asset, while
    `insolvency_status` states a fact.
    """
    money = concept.pii_type == PiiType.FINANCIAL_INFO and lx.FACT not in concept.flags
    return (
        concept.level == H
        and concept.pii_type in _PERSONAL_FACT_TYPES
        and not money
        and ctx.has(*_ABOUT_A_PERSON)
    )


def _by_name(name: _Name, ctx: MessageContext, ftype: FieldType) -> Verdict | None:
    concept = name.match.concept
    if name.match.text in _SWITCH_WORDS and ctx.is_system:
        return _v(P, None, "BOOL_FLAG", f"`{name.match.text}` switches off part of a system", 0.9)
    secret_concept = _is_secret_concept(concept)
    if secret_concept and set(name.tail) & _SECRET_REFERENCE_TAILS:
        where = sorted(set(name.tail) & _SECRET_REFERENCE_TAILS)[0]
        return _v(P, None, "SECRET_REFERENCE",
                  f"the {where} of {_a(concept.label)}, not the secret itself", 0.85)  # fmt: skip
    secret = secret_concept or concept.pii_type in _SECRET_TYPES
    # A hash of a user's credentials is a password hash (HIGH), not a digest of a key.
    user_credentials = "credential" in name.match.text
    if secret and _names_a_secret_store(name.prefix):
        # `secret_version_for_api_key`, `secret_manager_stored_password`: the name of the
        # stored secret's version (`projects/*/secrets/*/versions/*`), not its value.
        return _v(P, None, "SECRET_REFERENCE",
                  f"`{'_'.join(name.tokens)}` names the stored {concept.label}, not its value",
                  0.85)  # fmt: skip
    if secret_concept and set(name.tail) & _DIGEST_TAILS and not user_credentials:
        # `encryption_key_sha256`, `client_secret_sha256`: a digest of random key material
        # identifies the key and opens nothing (a password's hash can be cracked: HIGH).
        return _v(P, None, "PROPERTY_OF",
                  f"a digest of {_a(concept.label)}: it identifies the key, it opens nothing",
                  0.8)  # fmt: skip
    prop = _property_tail(name, ctx)
    if prop is not None and concept.key not in {"expiry", "by"}:
        reason = f"`{'_'.join(name.tokens)}` is the {prop} of {concept.label}, not the data"
        if concept.level == H and concept.pii_type in _PERSONAL_FACT_TYPES and ctx.on_people:
            # `ethnic_group`, `annual_income_range` on a person: the property word is weak
            # evidence, the field may state the fact itself (a group, a band of income).
            return _v(P, None, "PROPERTY_OF", reason, 0.5,
                      f"`{'_'.join(name.tokens)}` on {_a(ctx.record.describes)} may state "
                      f"{concept.label} itself, not a property of it")  # fmt: skip
        return _v(P, None, "PROPERTY_OF", reason)
    prefix = set(name.prefix)
    if concept.pii_type == PiiType.SPECIAL_CATEGORY:
        prefix -= _STATISTICS  # max_heart_rate is a measurement, not a limit
    if prefix & lx.PROPERTY_PREFIXES and not concept.flags & {lx.GENERIC}:
        return _v(P, None, "PROPERTY_PREFIX",
                  f"`{'_'.join(name.tokens)}` is a limit or switch about {concept.label}")  # fmt: skip
    if lx.RECORD_ID in concept.flags and name.tail and name.tail[-1] in lx.IDENTIFIER_TAILS:
        return _v(P, None, "RECORD_ID",
                  f"the {name.tail[-1]} of a record about {concept.label}, not the data")  # fmt: skip
    if concept.key == "free_text" and ftype.scalar not in (None, "string", "bytes"):
        return None  # a number called `rating_comment`? no text, nothing to judge
    if concept.key == "job_position" and not ctx.words & _EMPLOYMENT_WORDS:
        return None  # a position in a list or on a map: judged by its type
    if concept.key == "distance" and not ctx.has(Kind.PERSON):
        return None  # the length of a trip or a run
    if (
        concept.key == "free_text"
        and ftype.cls == TypeClass.MESSAGE
        and name.match.text not in _TEXT_MESSAGES
    ):
        return None  # billing_details: a structure, judged by what it holds
    if _money_of_a_thing(name, ctx):
        return _v(P, None, "ORG_FINANCES",
                  f"`{name.match.text}` of {ctx.describes}, {_a(ctx.record.describes)}: "
                  "what a thing pays or earns, not a person's income", 0.75)  # fmt: skip
    return _resolve(name, ctx)


def _money_of_a_thing(name: _Name, ctx: MessageContext) -> bool:
    """Salary, earnings or a commission rate of a thing: a job ad's advertised salary, a
    campaign's commission, a publisher's earnings. Money words are a person's income only
    on a record about people, or in a finance or HR record (payroll, a loan application)."""
    concept = name.match.concept
    return (
        concept.pii_type == PiiType.FINANCIAL_INFO
        and lx.FACT not in concept.flags
        and ctx.record.subject in (Subject.THING, Subject.CONFIG)
        and ctx.record.domain not in _REVIEW_DOMAINS
        and not ctx.has(*_ABOUT_A_PERSON, Kind.SUBJECT_PERSON, Kind.FINANCIAL)
        and not set(name.prefix) & ctx.person_nouns
    )


# Where a secret is kept: a comment about the secret does not make the place one.
_SECRET_PLACES = frozenset({"repository", "registry", "namespace", "project", "topic", "vault"})
# Digests named after the key they were computed from.
_DIGEST_TAILS = frozenset(
    {"sha256", "sha1", "sha512", "sha384", "md5", "crc32c", "checksum", "hash", "digest"}
)
# Adjectives of a person's condition that are also the words of a switch.
_SWITCH_WORDS = frozenset({"disabled"})
# After a secret word: where the secret lives, not the secret (policy v2).
_SECRET_REFERENCE_TAILS = frozenset(
    {"name", "path", "file", "ref", "reference", "uri", "url", "location", "version",
     "resource", "arn", "endpoint", "store", "manager", "provider", "source", "env", "id",
     "config", "profile", "plugin", "cookie", "lifetime", "cache", "bucket", "selector"}
)  # fmt: skip


# A store of secrets, followed by one of `_SECRET_REFERENCE_TAILS`, then a linking word
# before the secret word: the field names the stored secret (`secret_version_for_token`,
# `secret_manager_stored_password`). Right before it, the store owns the secret
# (`secret_manager_password` is the manager's password).
_SECRET_STORES = frozenset(
    {"secret", "secrets", "vault", "kms", "keystore", "keychain", "keyvault"}
)


def _names_a_secret_store(prefix: Sequence[str]) -> bool:
    return any(
        store in _SECRET_STORES and reference in _SECRET_REFERENCE_TAILS
        for store, reference in pairwise(prefix[:-1])
    )


def _is_secret_concept(concept: lx.Concept) -> bool:
    return concept.key in {"key", "token", "api_key", "secret"} or (
        lx.RECORD_ID in concept.flags and concept.pii_type in _SECRET_RECORD_TYPES
    )


# Types of a secret whose `<concept>_id` names a record of it (`_is_secret_concept`).
_SECRET_RECORD_TYPES = frozenset({PiiType.API_KEY, PiiType.AUTH_SECRET})


def _resolve(name: _Name, ctx: MessageContext) -> Verdict:
    concept = name.match.concept
    resolver = _RESOLVERS.get(concept.key)
    if resolver is not None:
        return resolver(name, ctx)
    if name.before is not None and concept.key == "last_digits":
        return _resolve(_Name(name.tokens, name.before, name.prefix, name.tail, None), ctx)
    if concept.key == "last_digits" and set(name.prefix) & {"bank", "account", "iban"}:
        return _v(H, PiiType.BANK_ACCOUNT, "NAME_WORD", "the last digits of a bank account")
    assert concept.level is not None, concept.key
    return _v(concept.level, concept.pii_type, "NAME_WORD",
              f"`{name.match.text}` means {concept.label}")  # fmt: skip


# ---- context resolvers ----------------------------------------------------------------


def _is_work(name: _Name, ctx: MessageContext) -> bool:
    prefix = set(name.prefix)
    if prefix & lx.PERSONAL_WORDS:
        return False
    work_words = lx.WORK_WORDS | lx.ORG_NOUNS | lx.PROFESSIONAL_ROLES
    return bool(prefix & work_words) or ctx.has(Kind.ORG)


def _contact(
    work_type: PiiType, personal_type: PiiType
) -> Callable[[_Name, MessageContext], Verdict]:
    def resolve(name: _Name, ctx: MessageContext) -> Verdict:
        label = name.match.concept.label
        if _is_work(name, ctx):
            return _v(L, work_type, "WORK_CONTACT", f"{label} of work or of an organisation")
        return _v(M, personal_type, "PERSONAL_CONTACT", f"{label} of a person")

    return resolve


def _address(name: _Name, ctx: MessageContext) -> Verdict:
    prefix = set(name.prefix)
    if name.before is not None and name.before.concept.key in {"email", "ip", "mac"}:
        return _resolve(_Name(name.tokens, name.before, name.prefix, name.tail, None), ctx)
    if ctx.has(Kind.NETWORK) or prefix & lx.NETWORK_NOUNS:
        return _v(M, PiiType.IP_ADDRESS, "NETWORK_ADDRESS",
                  f"`address` in network message {ctx.describes} is an IP address")  # fmt: skip
    if "email" in ctx.words:
        return _v(M, PiiType.EMAIL_PERSONAL, "PERSONAL_CONTACT", "the address of an e-mail message")
    return _street(name, ctx)


def _street(name: _Name, ctx: MessageContext) -> Verdict:
    if _is_work(name, ctx):
        return _v(
            L, PiiType.ADDRESS_WORK, "WORK_CONTACT", "an address of work or of an organisation"
        )
    return _v(M, PiiType.ADDRESS_HOME, "PERSONAL_CONTACT", "a street address of a person")


def _address_line(name: _Name, ctx: MessageContext) -> Verdict:
    if ctx.has(Kind.ADDRESS, Kind.ORG) or "address" in ctx.words:
        return _street(name, ctx)
    return _v(P, None, "NO_SIGNAL", f"`{name.match.text}` outside an address message")


def _postal_code(name: _Name, ctx: MessageContext) -> Verdict:
    if ctx.has(Kind.GEO_THING) and not ctx.has(Kind.PERSON, Kind.ADDRESS):
        return _v(P, None, "GEOGRAPHY", f"a postal code describing {ctx.describes}")
    if _is_work(name, ctx):
        return _v(L, PiiType.ADDRESS_WORK, "WORK_CONTACT", "the postal code of an organisation")
    return _v(M, PiiType.ADDRESS_HOME, "PERSONAL_CONTACT", "a postal code locates a person")


def _latlng(name: _Name, ctx: MessageContext) -> Verdict:
    if ctx.has(Kind.GEO_THING) and not ctx.has(Kind.PERSON):
        return _v(P, None, "GEOGRAPHY", f"a position describing {ctx.describes}")
    if _a_named_place(ctx):
        return _v(P, None, "GEOGRAPHY", f"a position of {ctx.describes}, a thing no person is in")
    if ctx.words & lx.NEARBY_WORDS and not name.prefix:
        return _v(M, PiiType.GEOLOCATION, "NAME_WORD",
                  f"the position {ctx.describes} searches near is the caller's")  # fmt: skip
    if _is_work(name, ctx):
        return _v(L, PiiType.GEOLOCATION, "WORK_CONTACT", "the position of an organisation's place")
    return _v(M, PiiType.GEOLOCATION, "NAME_WORD", "a precise position (latitude/longitude)")


# Nouns of bare positions: whose they are is decided by the field that holds them.
_POSITION_NOUNS = frozenset(
    {"point", "location", "position", "coordinate", "coordinates", "geo", "latlng", "fix",
     "address", "place", "ping", "waypoint", "geolocation", "gps", "lat", "lng", "lon",
     "latitude", "longitude", "geopoint", "coord", "coords"}
)  # fmt: skip


def _a_named_place(ctx: MessageContext) -> bool:
    """A thing with a name of its own that points at no person and is no organisation
    (`Vertex` of a zone): its position is the thing's. Bare positions (`GeoPoint`, `LatLng`) are
    left to the field that holds them."""
    return (
        ctx.record.subject in (Subject.THING, Subject.CONFIG)
        and ctx.noun not in _POSITION_NOUNS
        and ctx.record.domain != Domain.TELEMETRY  # a device's heartbeat: its owner's
        and not ctx.has(*_ABOUT_A_PERSON, Kind.REQUEST, Kind.ADDRESS, Kind.ORG, Kind.DEVICE)
        and not ctx.words & _POSITION_NOUNS
    )


def _location(name: _Name, ctx: MessageContext) -> Verdict:
    if set(name.prefix) & lx.WORK_WORDS:
        return _v(L, PiiType.ADDRESS_WORK, "WORK_CONTACT", "a work location")
    if ctx.has(Kind.PERSON, Kind.DEVICE) or set(name.prefix) & lx.PERSON_NOUNS:
        return _latlng(name, ctx)
    if ctx.has(Kind.ORG):
        return _v(L, PiiType.GEOLOCATION, "WORK_CONTACT", "the location of an organisation")
    if ctx.has(Kind.GEO_THING):
        return _v(P, None, "GEOGRAPHY", f"the location of {ctx.describes}")
    if not ctx.has(*_ABOUT_A_PERSON, Kind.SUPPORT):
        # Only a person's location is personal (rule 12): the `location` of a resource,
        # of a source span or a JWT (`jwt_locations`) in a record about nobody is not.
        return _v(P, None, "GEOGRAPHY", f"the location of {ctx.describes}, which is no person")
    return _latlng(name, ctx)


def _place(name: _Name, ctx: MessageContext) -> Verdict:
    if ctx.has(Kind.ORG) and not ctx.has(Kind.PERSON):
        return _v(L, None, "PLACE", f"`{name.match.text}` of an organisation's address")
    if name.before is not None or ctx.has(Kind.PERSON, Kind.ADDRESS, Kind.GEO):
        return _v(L, None, "PLACE", f"`{name.match.text}` of a person's address or position")
    if ctx.has(Kind.GEO_THING):
        return _v(P, None, "GEOGRAPHY", f"`{name.match.text}` describing {ctx.describes}")
    return _v(L, None, "PLACE", f"`{name.match.text}`: where a person is, when unsure")


def _region(name: _Name, ctx: MessageContext) -> Verdict:
    # "state" and "region" are also a record's state and a cloud region: only a place in
    # an address, a person's record, a position, or after another personal word.
    if name.before is not None or ctx.has(Kind.PERSON, Kind.ADDRESS, Kind.GEO):
        return _v(L, None, "PLACE", f"`{name.match.text}` of a person's address or position")
    return _v(
        P, None, "GEOGRAPHY", f"`{name.match.text}` in {ctx.describes} is not a person's place"
    )


def _person_only(rule_other: str) -> Callable[[_Name, MessageContext], Verdict]:
    """Personal attributes that exist only on people (job title, employer, relationship)."""

    def resolve(name: _Name, ctx: MessageContext) -> Verdict:
        concept = name.match.concept
        if ctx.has(Kind.PERSON) or set(name.prefix) & lx.PERSON_NOUNS:
            return _v(L, concept.pii_type, "NAME_WORD", f"{concept.label} of a person")
        return _v(P, None, rule_other, f"`{name.match.text}` in {ctx.describes} is not a person's")

    return resolve


def _presence(name: _Name, ctx: MessageContext) -> Verdict:
    """Whether a person is at home locates them; the presence of a field or a value does not."""
    if ctx.has(*_ABOUT_A_PERSON, Kind.DEVICE) or set(name.prefix) & lx.PERSON_NOUNS:
        return _v(M, PiiType.GEOLOCATION, "NAME_WORD", "whether a person is at a place")
    return _v(P, None, "NO_SIGNAL", f"`{name.match.text}` of a value in {ctx.describes}")


def _photo(name: _Name, ctx: MessageContext) -> Verdict:
    word = name.match.text
    if (
        ctx.has(Kind.PERSON)
        or word in {"avatar", "headshot"}
        or set(name.prefix) & (lx.PERSON_NOUNS | {"profile", "person", "face"})
    ):
        return _v(L, None, "NAME_WORD", "a photo of a person (LOW, no type)")
    return _v(P, None, "NO_SIGNAL", f"a photo of {ctx.describes}, not of a person")


def _title(name: _Name, ctx: MessageContext) -> Verdict:
    if ctx.has(Kind.PERSON) and not ctx.has(Kind.ORG, Kind.REQUEST):
        return _v(L, None, "NAME_WORD", f"`{name.match.text}` of a person (title, role, subject)")
    return _v(P, None, "THING_NAME", f"the `{name.match.text}` of {ctx.describes}")


def _job(name: _Name, ctx: MessageContext) -> Verdict:
    # A department is a person's only on a person; other job words are a person's unless
    # the record is an organisation or a thing with its own geography (a job posting).
    if name.match.text == "department":
        return _person_only("THING_NAME")(name, ctx)
    if ctx.has(Kind.ORG, Kind.GEO_THING, Kind.PUBLISHED) and not ctx.has(Kind.PERSON):
        return _v(P, None, "THING_NAME", f"`{name.match.text}` of {ctx.describes}")
    return _v(L, None, "NAME_WORD", f"{name.match.concept.label} of a person")


_EMPLOYMENT_WORDS = frozenset(
    {"employment", "employee", "job", "occupation", "career", "staff", "worker", "hr",
     "position", "role", "work"}
)  # fmt: skip


def _relationship(name: _Name, ctx: MessageContext) -> Verdict:
    """How one person relates to another, on a person or a record about one (a policy card)."""
    if ctx.has(Kind.PERSON, Kind.PERSON_LINKED) or set(name.prefix) & lx.PERSON_NOUNS:
        return _v(L, None, "NAME_WORD", "relationship to a person")
    return _v(P, None, "NO_SIGNAL", f"`{name.match.text}` in {ctx.describes} is not a person's")


def _score(name: _Name, ctx: MessageContext) -> Verdict:
    if ctx.words & {"credit", "bureau", "fico"}:
        return _v(H, PiiType.FINANCIAL_INFO, "FINANCIAL_CONTEXT",
                  f"the score of credit message {ctx.describes} is a credit score")  # fmt: skip
    return _v(P, None, "NO_SIGNAL", f"a score of {ctx.describes}")


_SIGNATURE_IMAGE = frozenset(
    {"svg", "png", "jpg", "jpeg", "gif", "image", "img", "picture", "pic", "drawing", "stroke",
     "scan", "bitmap", "photo", "capture", "ink"}
)  # fmt: skip


def _signature(name: _Name, ctx: MessageContext) -> Verdict:
    """A hand-drawn signature (an image, strokes) is biometric; a digital one is not."""
    hand_drawn = set(name.prefix) & {"handwritten", "wet", "ink"}
    if set(name.tail) & _SIGNATURE_IMAGE or (hand_drawn and ctx.has(*_ABOUT_A_PERSON)):
        return _v(H, PiiType.BIOMETRIC, "NAME_WORD", "a hand-drawn signature is biometric data")
    return _v(P, None, "NO_SIGNAL", "a digital signature of a message or a file")


def _issuer_code(name: _Name, ctx: MessageContext) -> Verdict:
    """A BIN/IIN: on a payment card, its first digits; elsewhere an issuer's routing code."""
    if ctx.has(Kind.CARD) or "card" in name.prefix:
        return _v(M, PiiType.CREDIT_CARD, "CARD_CONTEXT", "the first digits of a card number")
    return _v(P, None, "THING_ID", f"`{name.match.text}` is the code of an issuer or a bucket")


def _npi(name: _Name, ctx: MessageContext) -> Verdict:
    if ctx.has(Kind.ORG) and not ctx.has(Kind.PERSON):
        return _v(P, None, "THING_ID", f"the provider number of organisation {ctx.describes}")
    return _v(L, PiiType.CUSTOMER_ID, "PERSON_ID", "a practitioner's provider number (NPI)")


def _orientation(name: _Name, ctx: MessageContext) -> Verdict:
    if not set(name.match.text.split()) & {"orientation", "sexual", "gender", "sex"}:
        # "interested in", "show me", "seeking": whom a person wants, in dating only.
        if ctx.has(Kind.DATING):
            return _v(H, PiiType.SPECIAL_CATEGORY, "NAME_WORD",
                      f"`{name.match.text}` in dating reveals sexual orientation")  # fmt: skip
        return _v(P, None, "NO_SIGNAL", f"`{name.match.text}` outside dating")
    if ctx.has(Kind.PERSON, Kind.DATING) or set(name.prefix) & {"sexual", "romantic"}:
        return _v(H, PiiType.SPECIAL_CATEGORY, "NAME_WORD",
                  f"`{name.match.text}` of a person is their sexual orientation")  # fmt: skip
    return _v(P, None, "NO_SIGNAL", f"the orientation of {ctx.describes} (a screen, a page)")


def _expense(name: _Name, ctx: MessageContext) -> Verdict:
    linked = ctx.has(Kind.PERSON_LINKED) and not ctx.has(Kind.PUBLISHED, Kind.ORG)
    if ctx.has(Kind.PERSON) or linked or set(name.prefix) & lx.PERSON_NOUNS:
        return _v(H, PiiType.FINANCIAL_INFO, "FINANCIAL_CONTEXT",
                  f"`{name.match.text}` a person pays is their financial information")  # fmt: skip
    return _v(P, None, "NO_SIGNAL", f"a price of {ctx.describes}")


def _financial(name: _Name, ctx: MessageContext) -> Verdict:
    """Income, debt, assets: a person's (HIGH); an organisation's accounts are not personal."""
    # On configuration and infrastructure, money words are a system's.
    if ctx.is_system and not (ctx.has(*_ABOUT_A_PERSON) or set(name.prefix) & lx.PERSON_NOUNS):
        return _v(P, None, "ORG_FINANCES",
                  f"`{name.match.text}` of {ctx.describes}, which is about no person", 0.6)  # fmt: skip
    if ctx.has(Kind.ORG) and not ctx.has(Kind.PERSON) and not set(name.prefix) & lx.PERSON_NOUNS:
        return _v(
            P, None, "ORG_FINANCES", f"`{name.match.text}` of {ctx.describes}, not of a person"
        )
    concept = name.match.concept
    return _v(H, concept.pii_type, "NAME_WORD", f"`{name.match.text}` means {concept.label}")


def _license_number(name: _Name, ctx: MessageContext) -> Verdict:
    prefix = set(name.prefix)
    if prefix & {"software", "product", "app", "key", "seat", "plan"}:
        return _v(P, None, "THING_ID", "a software licence number")
    if (
        "license" in ctx.words
        and not ctx.has(Kind.PERSON)
        and not (prefix | ctx.words) & (lx.PERSON_NOUNS | {"driver", "driving"})
    ):
        # `LicenseVerificationArtifact.license_number`: a record about a licence of some
        # kind (a trade's, a business's), not a person's record: no driver's licence is
        # assumed, the number points at the licensee.
        return _v(L, PiiType.CUSTOMER_ID, "PERSON_ID",
                  f"the number of the licence {ctx.describes} is about: it points at its "
                  "licensee, it is no driver's licence", 0.75)  # fmt: skip
    if ctx.has(Kind.PERSON, Kind.IDENTITY) or prefix & (lx.PERSON_NOUNS | {"driver"}):
        return _v(H, PiiType.DRIVERS_LICENSE, "NAME_WORD", "a person's licence number")
    return _v(P, None, "THING_ID", f"a licence number of {ctx.describes}")


_STATISTICS = frozenset({"max", "min", "maximum", "minimum"})
_TEXT_MESSAGES = frozenset({"message", "comment", "note", "reply", "transcript"})
_SECRET_TYPES = frozenset({PiiType.AUTH_SECRET, PiiType.API_KEY, PiiType.PASSWORD})
_RECORD_HEADS = frozenset({"id", "identifier", "uuid", "guid"})


def _of_before(name: _Name, ctx: MessageContext) -> Verdict | None:
    """A generic head after a concept word: the value of that concept, or a record of it.

    ``drug_name`` and ``ssn_value`` are the data; ``prescription_id`` names a record about
    it; ``secret_name`` names a secret without being one.
    """
    before = name.before
    if before is None or lx.GENERIC in before.concept.flags:
        return None
    head = name.match.text
    if before.concept.level is None and head in _RECORD_HEADS:
        return None  # address_id, location_id: records, judged by their owner word
    if head in lx.IDENTIFIER_TAILS and lx.RECORD_ID in before.concept.flags:
        return _v(P, None, "RECORD_ID",
                  f"the {head} of a record about {before.concept.label}, not the data")  # fmt: skip
    if head == "name" and (
        before.concept.pii_type in _SECRET_TYPES or before.concept.key in {"key", "token"}
    ):
        return _v(P, None, "THING_NAME", f"the name of a {before.concept.label}, not its value")
    if head == "value" and before.text == "key":
        # `attributes_key_value_pairs`, `entity_key_values`: entries of a map, keyed by name.
        return _v(P, None, "NO_SIGNAL", "key/value pairs: the keys of entries, not key material")
    return _resolve(_Name(name.tokens, before, name.prefix, name.tail, None), ctx)


def _name(name: _Name, ctx: MessageContext) -> Verdict:
    owner = name.owner
    qualified = _of_before(name, ctx)
    if qualified is not None:
        return qualified
    if owner == "payer" and ctx.has(Kind.INSURANCE):
        return _v(P, None, "THING_NAME", "the payer of health insurance is an insurer")
    if owner in lx.ANIMAL_NOUNS:
        return _v(P, None, "THING_NAME", f"the name of {_a(owner)}, not of a person")
    if owner in ctx.person_nouns:
        return _v(L, PiiType.NAME, "PERSON_NAME", f"the name of {_a(owner)}")
    if owner == "by" and len(name.prefix) > 1:  # signed_by_name: who acted
        return _v(L, PiiType.NAME, "PERSON_NAME", f"the name of whoever `{'_'.join(name.prefix)}`")
    if owner in lx.THING_NOUNS or owner in lx.ORG_NOUNS:
        return _v(P, None, "THING_NAME", f"the name of {_a(owner)}")
    if not name.prefix and ctx.has(Kind.REQUEST) and ctx.noun and ctx.noun not in {"name"}:
        if ctx.has(Kind.SUBJECT_PERSON):
            return _v(L, PiiType.CUSTOMER_ID, "RESOURCE_NAME",
                      f"the resource name of the requested {ctx.noun}")  # fmt: skip
        if not ctx.has(Kind.PERSON):
            return _v(P, None, "RESOURCE_NAME", f"the resource name of the requested {ctx.noun}")
    if ctx.has(Kind.ORG):
        return _v(P, None, "THING_NAME", f"the name of organisation {ctx.describes}")
    if ctx.has(Kind.PERSON, Kind.ADDRESS, Kind.CARD):
        return _v(L, PiiType.NAME, "PERSON_NAME", f"a name in person-like message {ctx.describes}")
    return _v(P, None, "THING_NAME", f"a name in {ctx.describes}")


_ID_QUALIFIERS = frozenset(
    {"external", "internal", "legacy", "global", "public", "unique", "system", "crm", "stripe",
     "salesforce", "hubspot", "primary", "alt", "alternate", "secondary", "original",
     "canonical", "source", "foreign", "local", "remote"}
)  # fmt: skip


def _id(name: _Name, ctx: MessageContext) -> Verdict:
    owner = name.owner
    qualified = _of_before(name, ctx)
    if qualified is not None:
        return qualified
    if owner in lx.EMPLOYEE_ROLES:
        return _v(M, PiiType.EMPLOYEE_ID, "EMPLOYEE_ID", f"the id of {_a(owner)}")
    if owner == "member" and ctx.has(Kind.INSURANCE):
        return _v(H, PiiType.HEALTH_INSURANCE, "INSURANCE_CONTEXT", "a health-insurance member id")
    if owner in ctx.person_nouns:
        return _v(L, PiiType.CUSTOMER_ID, "PERSON_ID", f"the id of {_a(owner)}")
    if owner in lx.DEVICE_NOUNS:
        return _v(M, PiiType.DEVICE_ID, "DEVICE_ID", f"the id of {_a(owner)}")
    if owner and owner not in _ID_QUALIFIERS:
        return _v(P, None, "THING_ID", f"the id of {_a(owner)}, not of a person")
    if ctx.has(Kind.REQUEST):
        if ctx.has(Kind.SUBJECT_PERSON):
            return _v(
                L, PiiType.CUSTOMER_ID, "RESOURCE_NAME", f"the id of the requested {ctx.noun}"
            )
        return _v(P, None, "RESOURCE_NAME", f"the id of the requested {ctx.noun}")
    if ctx.has(Kind.PERSON) and not ctx.has(Kind.ORG):
        return _v(L, PiiType.CUSTOMER_ID, "PERSON_ID", f"the id of person-like {ctx.describes}")
    return _v(P, None, "THING_ID", f"the id of {ctx.describes}")


def _number(name: _Name, ctx: MessageContext) -> Verdict:
    owner = name.owner
    qualified = _of_before(name, ctx)
    if qualified is not None:
        return qualified
    if owner in lx.EMPLOYEE_ROLES:
        return _v(M, PiiType.EMPLOYEE_ID, "EMPLOYEE_ID", f"the number of {_a(owner)}")
    if owner in lx.PERSON_NOUNS:
        return _v(M, PiiType.CUSTOMER_ID, "PERSON_ID",
                  f"a number issued to {_a(owner)}, like an account number")  # fmt: skip
    if owner:
        return _v(P, None, "THING_ID", f"the number of {_a(owner)}")
    if ctx.has(Kind.CARD):
        return _v(H, PiiType.CREDIT_CARD, "CARD_CONTEXT", f"`number` of card {ctx.describes}")
    if ctx.noun == "card" and ctx.has(Kind.INSURANCE):
        return _v(
            H, PiiType.HEALTH_INSURANCE, "INSURANCE_CONTEXT", "the number of an insurance card"
        )
    if ctx.noun == "card":  # a loyalty, library or membership card: issued to a person
        return _v(M, PiiType.CUSTOMER_ID, "PERSON_ID",
                  f"the number of {ctx.describes}, like an account number")  # fmt: skip
    if ctx.has(Kind.PHONE):
        return _v(M, PiiType.PHONE_PERSONAL, "PERSONAL_CONTACT", "the number of a phone")
    if ctx.has(Kind.IDENTITY):
        return _v(H, PiiType.NATIONAL_ID, "IDENTITY_CONTEXT", f"`number` of {ctx.describes}")
    if ctx.has(Kind.FINANCIAL) and ctx.noun in {"account", "iban"}:
        return _v(H, PiiType.BANK_ACCOUNT, "FINANCIAL_CONTEXT", f"`number` of {ctx.describes}")
    return _v(P, None, "THING_ID", f"the number of {ctx.describes}")


def _code(name: _Name, ctx: MessageContext) -> Verdict:
    qualified = _of_before(name, ctx)
    if qualified is not None:
        return qualified
    if not name.prefix and ctx.has(Kind.HEALTH) and not ctx.has(Kind.ORG):
        return _v(H, PiiType.SPECIAL_CATEGORY, "HEALTH_CONTEXT",
                  f"a clinical code in health message {ctx.describes}")  # fmt: skip
    return _v(P, None, "THING_ID", f"`{'_'.join(name.tokens)}` is a code of a thing")


def _value(name: _Name, ctx: MessageContext) -> Verdict:
    qualified = _of_before(name, ctx)
    if qualified is not None:
        return qualified
    if not name.prefix and ctx.has(Kind.HEALTH) and not ctx.has(Kind.ORG, Kind.PERSON):
        return _v(H, PiiType.SPECIAL_CATEGORY, "HEALTH_CONTEXT",
                  f"a measured value in health message {ctx.describes}")  # fmt: skip
    if not name.prefix and ctx.has(Kind.IDENTITY):
        return _v(H, PiiType.NATIONAL_ID, "IDENTITY_CONTEXT", f"the value of {ctx.describes}")
    return _v(P, None, "NO_SIGNAL", f"a `{name.match.text}` of {ctx.describes}")


def _free_text(name: _Name, ctx: MessageContext) -> Verdict:
    qualified = _of_before(name, ctx)  # criminal_record_summary: text about that data
    if qualified is not None:
        return qualified
    if set(name.prefix) & lx.SYSTEM_TEXT_WORDS:
        return _v(P, None, "FREE_TEXT", f"`{'_'.join(name.tokens)}` is written by the system")
    if set(name.tail) & _DIGEST_WORDS:
        # `content_sha256` of an upload: a digest of the text says nothing of it (rule 51).
        return _v(P, None, "FREE_TEXT", f"`{'_'.join(name.tokens)}` is a digest of the text")
    if name.match.text == "subject" and not ctx.has(Kind.SUPPORT):
        return _title(name, ctx)  # a teacher's subject, not an e-mail's
    if ctx.has(Kind.HEALTH) and not ctx.has(Kind.ORG):
        return _v(
            H, PiiType.SPECIAL_CATEGORY, "FREE_TEXT", f"clinical free text in {ctx.describes}"
        )
    if ctx.has(Kind.PERSON, Kind.ADDRESS, Kind.SUPPORT) or name.owner in lx.PERSON_NOUNS:
        return _v(M, PiiType.FREE_TEXT, "FREE_TEXT", f"free text about a person in {ctx.describes}")
    if ctx.has(Kind.PERSON_LINKED) and not ctx.has(Kind.PUBLISHED, Kind.ORG):
        return _v(M, PiiType.FREE_TEXT, "FREE_TEXT",
                  f"free text in {ctx.describes}, a record that points at a person")  # fmt: skip
    return _v(P, None, "FREE_TEXT", f"free text about {ctx.describes}, not a person")


# Checksums and digests of a content (not a password's hash, which can be cracked).
_DIGEST_WORDS = frozenset(
    {"sha", "sha1", "sha256", "sha384", "sha512", "md5", "crc", "crc32", "crc32c", "checksum",
     "digest", "hash", "fingerprint", "etag"}
)  # fmt: skip


def _by(name: _Name, ctx: MessageContext) -> Verdict:
    if name.prefix and name.prefix[-1] not in lx.NON_ACTOR_BY and not name.tail:
        return _v(
            L, PiiType.CUSTOMER_ID, "ACTOR_REFERENCE", f"`{'_'.join(name.tokens)}` names a person"
        )
    return _v(P, None, "NO_SIGNAL", f"`{'_'.join(name.tokens)}` is a sort or group key")


def _ambiguous_name(name: _Name, ctx: MessageContext) -> Verdict:
    if name.owner in lx.PERSON_NOUNS or (
        ctx.has(Kind.PERSON) and not ctx.has(Kind.ORG, Kind.REQUEST)
    ):
        return _v(L, PiiType.NAME, "PERSON_NAME", f"`{name.match.text}` of a person")
    return _v(P, None, "THING_NAME", f"`{name.match.text}` of {ctx.describes}")


def _person_name(name: _Name, ctx: MessageContext) -> Verdict:
    # `Family.family_name` of a typeface: the name of the record's own thing, which the
    # record's noun says is no person.
    own = name.match.text.split()[0] == ctx.noun and not name.prefix
    if own and not ctx.has(Kind.PERSON, Kind.SUBJECT_PERSON) and ctx.noun not in lx.PERSON_NOUNS:
        return _v(P, None, "THING_NAME", f"`{name.match.text}` names {ctx.describes} itself")
    concept = name.match.concept
    return _v(L, PiiType.NAME, "NAME_WORD", f"`{name.match.text}` means {concept.label}")


def _employer(name: _Name, ctx: MessageContext) -> Verdict:
    if ctx.has(Kind.ORG, Kind.GEO_THING, Kind.PUBLISHED) and not ctx.has(Kind.PERSON):
        return _v(P, None, "THING_NAME", f"a company name in {ctx.describes}")
    return _v(L, None, "NAME_WORD", "a person's employer")


def _account_number(name: _Name, ctx: MessageContext) -> Verdict:
    if ctx.has(Kind.FINANCIAL) or set(name.prefix) & lx.FINANCIAL_NOUNS:
        return _v(H, PiiType.BANK_ACCOUNT, "FINANCIAL_CONTEXT",
                  f"an account number in financial message {ctx.describes}")  # fmt: skip
    return _v(M, PiiType.CUSTOMER_ID, "NAME_WORD", _NOT_FINANCIAL)


_NOT_FINANCIAL = "an account number that is not a financial one"


def _comment_says_financial(text: str | None) -> bool:
    """A comment that names a bank, a card or a loan (not one that negates it)."""
    said = set(words_of_text(text))
    return bool(said & lx.FINANCIAL_NOUNS) and not said & {"not", "no", "never"}


_HELD_FUNDS = frozenset({"retainer", "trust", "escrow", "wallet", "savings", "checking"})


def _balance(name: _Name, ctx: MessageContext) -> Verdict:
    # Funds held for a person (a retainer in trust, an escrow) are that person's money.
    held = bool(set(name.prefix) & _HELD_FUNDS) and ctx.has(Kind.PERSON, Kind.PERSON_LINKED)
    if (ctx.has(Kind.PERSON, Kind.FINANCIAL) or held) and not ctx.has(Kind.ORG):
        return _v(H, PiiType.FINANCIAL_INFO, "FINANCIAL_CONTEXT",
                  f"the balance of a person's account ({ctx.describes})")  # fmt: skip
    return _v(P, None, "NO_SIGNAL", f"a balance of {ctx.describes}, not of a person")


def _document_number(name: _Name, ctx: MessageContext) -> Verdict:
    if ctx.has(Kind.IDENTITY, Kind.PERSON):
        return _v(H, PiiType.NATIONAL_ID, "IDENTITY_CONTEXT",
                  f"an identity document number in {ctx.describes}")  # fmt: skip
    return _v(P, None, "THING_ID", f"a document number of {ctx.describes}")


def _security_code(name: _Name, ctx: MessageContext) -> Verdict:
    if ctx.has(Kind.CARD) or "card" in name.prefix:
        return _v(H, PiiType.CREDIT_CARD, "CARD_CONTEXT", "a card's security code (CVV)")
    return _v(H, PiiType.AUTH_SECRET, "NAME_WORD", "a security code is a one-time secret")


def _expiry(name: _Name, ctx: MessageContext) -> Verdict:
    if ctx.has(Kind.CARD) or "card" in name.prefix:
        return _v(M, PiiType.CREDIT_CARD, "CARD_CONTEXT", "a card's expiry")
    return _v(P, None, "PROPERTY_OF", f"`{'_'.join(name.tokens)}` is when something expires")


def _fingerprint(name: _Name, ctx: MessageContext) -> Verdict:
    prefix = set(name.prefix)
    if prefix & {"certificate", "cert", "tls", "ssl", "ssh", "key", "file", "content", "public",
                 "gpg", "pgp", "x509", "sha1", "sha256", "md5", "build", "schema", "config",
                 "ja", "ja3", "ja4", "ja3s", "ja4s", "hash", "digest", "spki", "label", "handshake",
                 "client", "server", "commit", "image", "resource"}:  # fmt: skip
        return _v(P, None, "NO_SIGNAL", "the fingerprint of a key, certificate or file")
    if ctx.has(Kind.CARD):
        return _v(H, PiiType.CREDIT_CARD, "CARD_CONTEXT", "a card fingerprint (hash of the number)")
    if ctx.has(Kind.DEVICE) or prefix & lx.DEVICE_NOUNS:
        return _v(M, PiiType.DEVICE_ID, "DEVICE_ID", "a device fingerprint")
    # Policy v2: biometric only when it is a person's (a template, an image, on a person).
    persons = prefix & (lx.PERSON_NOUNS | {"finger", "thumb", "biometric", "person"})
    if (
        persons
        or set(name.tail) & (_SIGNATURE_IMAGE | {"template", "wsq", "minutiae"})
        or (ctx.has(Kind.PERSON, Kind.SUBJECT_PERSON, Kind.IDENTITY) and not ctx.is_system)
    ):
        return _v(H, PiiType.BIOMETRIC, "NAME_WORD", "a person's fingerprint is biometric data")
    return _v(P, None, "NO_SIGNAL",
              f"a fingerprint on {ctx.describes} is a hash of a thing, not a person's", 0.8)  # fmt: skip


def _serial_number(name: _Name, ctx: MessageContext) -> Verdict:
    if ctx.has(Kind.DEVICE) or set(name.prefix) & lx.DEVICE_NOUNS:
        return _v(M, PiiType.DEVICE_ID, "DEVICE_ID", "the serial number of a person's device")
    return _v(P, None, "THING_ID", f"the serial number of {ctx.describes}")


def _token(name: _Name, ctx: MessageContext) -> Verdict:
    prefix = set(name.prefix)
    if prefix & lx.PLUMBING_TOKEN_WORDS:
        return _v(P, None, "PAGINATION_TOKEN", f"`{'_'.join(name.tokens)}` is a pagination token")
    if prefix & _SECRET_TOKEN_WORDS or (not prefix and _about_access(ctx)):
        return _v(H, PiiType.AUTH_SECRET, "NAME_WORD", "a token grants access: an auth secret")
    plumbing = (ctx.words - {"request", "response"}) & (
        lx.PLUMBING_TOKEN_WORDS | _NON_SECRET_TOKEN_WORDS
    )
    if not prefix and plumbing:
        # `StreamContinuationToken.token`, `Idempotency.token`, a model's `Candidate.token`:
        # the record names what kind of token it is.
        return _v(P, None, "PAGINATION_TOKEN",
                  f"the token of {ctx.describes} is a {sorted(plumbing)[0]} token, not access",
                  0.75)  # fmt: skip
    if prefix & _NON_SECRET_TOKEN_WORDS or ctx.is_system:
        # Policy v2: poll, task, operation, routing, attribution tokens open nothing.
        return _v(P, None, "PAGINATION_TOKEN",
                  f"`{'_'.join(name.tokens)}` names a step or a position, not access", 0.7)  # fmt: skip
    return _v(H, PiiType.AUTH_SECRET, "NAME_WORD",
              "a token grants access: an auth secret, when unsure", 0.6, _UNSURE_TOKEN)  # fmt: skip


_UNSURE_TOKEN = "a token whose kind the rules cannot tell: an access token or a position?"
# What a comment says a token of unknown kind is (policy v2: access, refresh, ID, session and
# bearer tokens are secrets; ids, positions, states and the tokens of a text are not).
_ACCESS_COMMENT = re.compile(
    r"\b(?:authenticat\w*|authoriz\w*|access|credentials?|oauth\w*|bearer|jwts?|jws|"
    r"secrets?|signed|signature|grants?|log ?in|sign[- ]in)\b",
    re.IGNORECASE,
)
_NOT_ACCESS_COMMENT = re.compile(
    r"\b(?:identifier|identifies|unique id|state of|version|revision|hash|commit|continue|"
    r"previous (?:interaction|call|request|response)|"
    r"from the input|token ids?|tokeniz\w*|filter tokens?|prompt|query)\b",
    re.IGNORECASE,
)


def _token_kind_from_comment(verdict: Verdict, field: FieldModel) -> Verdict:
    """A token the name leaves unsure, decided by what its comment (prose only) says it is:
    "to authenticate with the Session APIs" is access; "a global unique ID that identifies
    the request", "indicating the state of the repo", "a list of tokens from the input" are
    not. A comment that says neither leaves the doubt (HIGH, needs review)."""
    prose = comment_prose(field.comments.text or "")
    if _ACCESS_COMMENT.search(prose):
        return replace(verdict, reason="its comment says the token grants access: an auth secret",
                       confidence=0.8, review=None)  # fmt: skip
    said = _NOT_ACCESS_COMMENT.search(prose)
    if said:
        return _v(P, None, "PAGINATION_TOKEN",
                  f"its comment places the token (`{said.group(0).lower()}`): not access", 0.75)  # fmt: skip
    return verdict


def _about_access(ctx: MessageContext) -> bool:
    """A record about credentials or access (`BearerTokenConfig`, `AuthToken`, `Session`):
    a bare `token` there opens something. Elsewhere (a language model's `Candidate`, a
    chart's query) a bare token may be a word of text, so the rules are unsure."""
    return ctx.has(Kind.SECURITY) or bool(ctx.words & (_SECRET_TOKEN_WORDS | _ACCESS_WORDS))


_ACCESS_WORDS = frozenset(
    {"credential", "credentials", "password", "secret", "login", "signin",
     "authn", "authz", "sso", "saml", "oidc", "openid", "key", "keys", "webhook"}
)  # fmt: skip
_SECRET_TOKEN_WORDS = frozenset(
    {"access", "refresh", "id", "session", "bearer", "auth", "authorization", "authentication",
     "oauth", "jwt", "csrf", "xsrf", "api", "push", "device", "fcm", "apns", "reset",
     "verification", "invite", "invitation", "magic", "login", "identity", "security",
     "personal", "client", "user", "service", "captcha", "recaptcha", "registration",
     "signed", "signing", "secret", "private", "confirmation", "activation", "unsubscribe",
     "impersonation", "delegation", "exchange", "grant", "consent"}
)  # fmt: skip
_NON_SECRET_TOKEN_WORDS = frozenset(
    {"poll", "polling", "task", "operation", "routing", "attribution", "rewrite", "sequence",
     "precommit", "commit", "transaction", "section", "answer", "query", "context",
     "search", "result", "total", "max", "min", "input", "output", "prompt", "completion",
     "candidate", "cached", "bucket", "consistency", "snapshot", "read", "write", "lease",
     "fencing", "progress", "checkpoint", "offset", "position", "marker", "sync", "lookup",
     "partition", "shard", "split", "range", "chunk", "segment", "watermark", "epoch",
     "stream", "version", "import", "navigation", "trace", "recommendation", "unresolved"}
)  # fmt: skip


def _key(name: _Name, ctx: MessageContext) -> Verdict:
    owner = name.owner
    if not owner:
        if ctx.words & {"public", "certificate", "cert"} and not ctx.words & {"private", "secret"}:
            return _v(P, None, "NO_SIGNAL", f"the key of {ctx.describes} is a public key")
        if ctx.has(Kind.SECURITY) or ctx.words & {"api", "credential", "secret"}:
            return _v(
                H, PiiType.API_KEY, "SECURITY_CONTEXT", f"the key of credential {ctx.describes}"
            )
        return _v(P, None, "NO_SIGNAL", "a bare `key` is a lookup key")
    if owner in lx.LOOKUP_KEY_WORDS:
        return _v(P, None, "NO_SIGNAL", f"`{owner}_key` is a lookup key, not a credential")
    if owner in _KEYED_THINGS and not set(name.prefix) & (_SECRET_KEY_WORDS - {"shared"}):
        # `shared_campaign_key`: the key of a campaign identifies it; `shared` says who
        # sees the key, it makes no secret of it (a `session_ticket_key` stays a secret).
        return _v(P, None, "THING_ID", f"`{owner}_key` identifies {_a(owner)}, a thing", 0.8)
    if set(name.prefix) & _SECRET_KEY_WORDS:
        return _v(H, PiiType.API_KEY, "NAME_WORD", f"`{owner}_key` is secret key material")
    if owner in ctx.person_nouns:
        return _v(L, PiiType.CUSTOMER_ID, "PERSON_ID", f"a key that identifies {_a(owner)}")
    if ctx.is_system or not ctx.has(*_ABOUT_A_PERSON, Kind.SECURITY):
        # Policy v2: runtime, descriptor, factory, lookup keys are names, not secrets.
        return _v(P, None, "NO_SIGNAL", f"`{owner}_key` names an entry, not a secret", 0.75)
    return _v(H, PiiType.API_KEY, "NAME_WORD",
              f"`{owner}_key` on a person's record may be a credential, when unsure", 0.55,
              f"`{owner}_key`: secret key material or the key of an entry?")  # fmt: skip


# Words before `_key` that make it secret key material (policy v2).
_SECRET_KEY_WORDS = frozenset(
    {"api", "access", "secret", "private", "signing", "sign", "encryption", "encrypt",
     "decryption", "decrypt", "hmac", "master", "client", "auth", "authentication", "session",
     "shared", "symmetric", "aes", "write", "stream", "license", "licence", "ssh", "gpg",
     "pgp", "crypto", "data", "content", "wrapped", "raw", "root", "app", "service",
     "webhook", "mac", "cipher", "derived", "seed", "totp", "hotp", "mfa", "recovery",
     "ingest", "ingestion", "publishing", "sdk", "server", "developer", "bot", "admin",
     "account", "subscription", "activation", "product", "serial", "vault", "storage"}
)  # fmt: skip


# Things whose `<thing>_key` is the key of an entry about them; the nouns of secret
# material and of what holds it (`certificate_key`, `session_key`) are not among them.
_KEYED_THINGS = (
    lx.THING_NOUNS
    - _SECRET_KEY_WORDS
    - frozenset(
        {"credential", "key", "cert", "certificate", "webhook", "session", "signing", "root"}
    )
)


def _qa(name: _Name, ctx: MessageContext) -> Verdict:
    if ctx.has(Kind.SECURITY) or set(name.prefix) & lx.SECURITY_NOUNS:
        return _v(H, PiiType.AUTH_SECRET, "SECURITY_CONTEXT",
                  f"a {name.match.text} in security message {ctx.describes}")  # fmt: skip
    return _v(P, None, "NO_SIGNAL", f"a {name.match.text} of {ctx.describes}")


def _insurance_id(name: _Name, ctx: MessageContext) -> Verdict:
    if set(name.prefix) & lx.ANIMAL_NOUNS or ctx.has(Kind.ANIMAL, Kind.VETERINARY):
        return _v(M, PiiType.CUSTOMER_ID, "PERSON_ID",
                  "an animal's insurance is no health insurance: the owner's policy number")  # fmt: skip
    concept = name.match.concept
    return _v(
        H, PiiType.HEALTH_INSURANCE, "NAME_WORD", f"`{name.match.text}` means {concept.label}"
    )


def _insurance_member(name: _Name, ctx: MessageContext) -> Verdict:
    first = name.match.text.split()[0]
    # `CreateSubscriberRequest.subscriber_id` in a health API: the id a request gives the
    # record it is about. The record's own name is no evidence that its owner is insured
    # (a webhook's subscriber); another insurance word in the name is.
    names_itself = ctx.has(Kind.REQUEST) and ctx.noun == first
    insured = ctx.has(Kind.INSURANCE) and (
        not names_itself or bool(ctx.words & lx.INSURANCE_NOUNS - {first, "health"})
    )
    if insured or (ctx.has(Kind.HEALTH) and set(name.prefix) & lx.INSURANCE_NOUNS):
        return _v(H, PiiType.HEALTH_INSURANCE, "INSURANCE_CONTEXT",
                  f"`{name.match.text}` of health insurance")  # fmt: skip
    last = name.match.text.split()[-1]
    if last == "number" and (first in lx.PERSON_NOUNS or ctx.has(Kind.ANY_INSURANCE)):
        return _v(M, PiiType.CUSTOMER_ID, "PERSON_ID",
                  f"`{name.match.text}`: an account number that is not a financial one")  # fmt: skip
    if first in lx.PERSON_NOUNS:  # member_id, subscriber_id outside insurance
        return _v(L, PiiType.CUSTOMER_ID, "PERSON_ID", f"the id of {_a(first)}")
    return _v(P, None, "THING_ID", f"`{name.match.text}` of {ctx.describes}")


def _fax(name: _Name, ctx: MessageContext) -> Verdict:
    return _contact(PiiType.PHONE_WORK, PiiType.PHONE_PERSONAL)(name, ctx)


_RESOLVERS: dict[str, Callable[[_Name, MessageContext], Verdict]] = {
    "contact_info": lambda name, ctx: _contact_details(name.tokens[: name.match.start + 1], ctx),
    "email": _contact(PiiType.EMAIL_WORK, PiiType.EMAIL_PERSONAL),
    "phone": _contact(PiiType.PHONE_WORK, PiiType.PHONE_PERSONAL),
    "fax": _fax,
    "address": _address,
    "street": _street,
    "address_line": _address_line,
    "postal_code": _postal_code,
    "latlng": _latlng,
    "location": _location,
    "city": _place,
    "region": _region,
    "job": _job,
    "title": _title,
    "orientation": _orientation,
    "expense": _expense,
    "financial": _financial,
    "license_number": _license_number,
    "relationship": _relationship,
    "score": _score,
    "price": lambda name, ctx: _v(P, None, "PRICE", f"`{name.match.text}` is what something costs"),
    "signature": _signature,
    "presence": _presence,
    "npi": _npi,
    "issuer_code": _issuer_code,
    "education": _person_only("THING_NAME"),
    "distance": lambda name, ctx: _v(
        M,
        PiiType.GEOLOCATION,
        "NAME_WORD",
        f"the distance to a person locates them ({ctx.describes})",
    ),
    "job_position": lambda name, ctx: _v(L, None, "NAME_WORD", "the position a person holds"),
    "photo": _photo,
    "employer": _employer,
    "ambiguous_name": _ambiguous_name,
    "name": _name,
    "id": _id,
    "number": _number,
    "code": _code,
    "value": _value,
    "text": _free_text,
    "free_text": _free_text,
    "by": _by,
    "account_number": _account_number,
    "person_name": _person_name,
    "balance": _balance,
    "document_number": _document_number,
    "security_code": _security_code,
    "expiry": _expiry,
    "fingerprint": _fingerprint,
    "serial_number": _serial_number,
    "token": _token,
    "key": _key,
    "qa": _qa,
    "insurance_id": _insurance_id,
    "insurance_member": _insurance_member,
}


# ---- comments -------------------------------------------------------------------------

# Concepts a comment may name on its own (no context needed to know they are personal).
_COMMENT_CONCEPTS = frozenset(
    {"ssn", "tax_id", "passport", "drivers_license", "national_id", "iban", "bank_account",
     "routing_number", "card_number", "card_verification", "medical_record", "insurance_id",
     "health", "special", "criminal", "biometric", "password", "api_key", "secret", "otp",
     "security_qa", "dob", "email", "phone", "msisdn", "ip", "mac", "device_id", "salary",
     "financial", "person_name", "username", "employee_id"}
)  # fmt: skip
_COMMENT_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
# Examples and code inside a comment: URLs, e-mail addresses, `code`, "quoted values",
# <placeholders>, {templates} — and any token that looks like code (a path, a dotted or
# snake_case identifier, a call). A word inside them says what a value may look like,
# not what the field holds.
_COMMENT_EXAMPLE = re.compile(
    r"[a-z][a-z0-9+.-]*://\S*|\S+@\S+|`[^`]*`|\"[^\"\n]*\"|<[^>\n]*>|\{[^}\n]*\}"
    r"|\S*(?:\w[/_=:.(\[]\w)\S*",
    re.IGNORECASE,
)

# What every match of `_COMMENT_EXAMPLE` holds, one per alternative: `://`, `@`, an opening
# backquote, quote, angle bracket or brace, or a word character, a separator and a word
# character. Searching for these is cheap; `_COMMENT_EXAMPLE` tries each of its
# alternatives at every position of the comment.
_EXAMPLE_MARK = re.compile(r"://|[@`\"<{]|\w[/_=:.(\[]\w")

# A Markdown code block: a line indented by four spaces or a tab, or a fenced block.
_CODE_BLOCK = re.compile(r"^(?: {4}|\t).*$|^```.*?^```", re.MULTILINE | re.DOTALL)


# What a comment says about the *form* of a value that only points at a secret: a resource
# name's format (`projects/*/…`, `projects/{project}/…`), a name, URI or path "of" or "to"
# something, "a reference to", a Cloud KMS key (whose material never leaves KMS), or
# secret names in Secret Manager.
_REFERENCE_COMMENT = re.compile(
    r"\bformat\b\W{0,4}`?(?:projects|organizations|folders)/(?:\*|\{)"
    r"|^(?:(?:required|optional|output only|input only|immutable)\.\s*)*"
    r"(?:the |a |an )?(?:full |relative |fully[- ]qualified )?(?:resource )?"
    r"(?:name|uri|url|path|location|reference)s? (?:of|to|for)\b"
    r"|\ba reference to\b|\b(?:cloud )?kms (?:crypto)?key\b|\bcryptokey\b"
    r"|\bsecret manager secret (?:names?|versions?)\b",
    re.IGNORECASE,
)


# Last words of a name that hold material made to be shown.
_PUBLIC_MATERIAL = frozenset(
    {"cert", "certs", "certificate", "certificates", "signature", "signatures", "csr"}
)
# A comment that starts by saying the value is public material: "Public SSH key to add",
# "DER-encoded X.509 certificate of the attestation key".
_PUBLIC_COMMENT = re.compile(
    r"^(?:(?:required|optional|output only|input only|immutable)\.\s*)*(?:the |a |an )?"
    r"(?:[\w.-]+[- ]encoded )?(?:public (?:[\w-]+ )?key|x\.?509 certificate|certificate)\b",
    re.IGNORECASE,
)


def _public_material(tokens: Sequence[str], comment: str | None) -> bool:
    """A public key, a certificate or a signature, by its name or its comment's first words."""
    if "private" in tokens or "secret" in tokens:
        return False
    if "public" in tokens or (tokens[-1:] and tokens[-1] in _PUBLIC_MATERIAL):
        return True
    return bool(comment) and _PUBLIC_COMMENT.search(" ".join(comment.split())) is not None


_RESOURCE_REFERENCE = "google.api.resource_reference"


def _comment_names_a_reference(text: str | None) -> bool:
    """A comment that says the value points at the secret, and not that it may hold the
    secret itself ("a password in plain text, or a secret version `projects/*/…`")."""
    if not text:
        return False
    prose = " ".join(text.split())
    plain = re.search(r"\bplain ?text\b", prose, re.IGNORECASE) is not None
    return not plain and _REFERENCE_COMMENT.search(prose) is not None


def comment_prose(text: str) -> str:
    """The comment without its examples and code: what is left is evidence about the field."""
    text = _CODE_BLOCK.sub(" ", text)
    if _EXAMPLE_MARK.search(text) is None:
        return text  # no example in it (most comments): the slow search would find none
    return _COMMENT_EXAMPLE.sub(" ", text)


def _from_comment(
    field: FieldModel, ctx: MessageContext, only: frozenset[str] = _COMMENT_CONCEPTS
) -> Verdict | None:
    if not (field.comments.leading or field.comments.trailing):
        return None  # no text (`Comments.text` joins them: asked of every field)
    tokens, mentions = _mentions(field.comments.text, only)
    best: Verdict | None = None
    for match in mentions:
        if not _about_a_person(match.concept, ctx):
            continue  # a vet's clinical notes are about an animal
        verdict = _resolve(_Name(tokens, match, (), (), None), ctx)
        if best is None or verdict.level.rank > best.level.rank:
            best = _v(verdict.level, verdict.pii_type, "COMMENT",
                      f"the comment mentions `{match.text}`: {verdict.reason}")  # fmt: skip
    return best


# A comment's words and what they mention depend on its text alone (the lexicon is fixed),
# and an API repeats its comments ("The standard list page token."): read each text once.
@lru_cache(maxsize=1 << 14)
def _mentions(text: str, only: frozenset[str]) -> tuple[tuple[str, ...], tuple[Match, ...]]:
    """The words of a comment's prose, and its mentions of the concepts `only` that no word
    around them rules out; whether they are about a person is the message's to say."""
    prose = comment_prose(text.replace("n't", " not").replace("'s", ""))
    raw = _COMMENT_WORD.findall(prose)
    words_of_prose: list[str] = []
    for word in raw:
        words_of_prose.extend(words(word) if word.lower() not in lx.NEGATIONS else (word.lower(),))
    tokens = tuple(words_of_prose)
    kept: list[Match] = []
    for match in _matches(tokens):
        if match.concept.key not in only:
            continue
        if match.text in lx.WEAK_COMMENT_TERMS:
            continue  # "asset", "disabled", "credential": too common in prose to be evidence
        before = set(tokens[max(0, match.start - 3) : match.start])
        if before & lx.NEGATIONS:
            continue  # "not an SSN", "never holds credentials"
        if before & lx.ELSEWHERE_WORDS:
            continue  # "the region of the above IP address" describes another field
        if tokens[match.end : match.end + 1] and tokens[match.end] in lx.PROPERTY_WORDS:
            continue  # "the e-mail domain of the issuer": a property of the data (rule 4)
        kept.append(match)
    return tokens, tuple(kept)
