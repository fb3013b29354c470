"""The PII analysis of a proto tree: fields, messages and RPCs, with levels propagated.

Every field first gets the verdict of its own declaration (`classifier.classify_field`).
Then levels flow through message-typed fields: a field whose type is a message takes the
highest level found inside it, recursively, and a message's level is the highest level
of its fields. With cycles (``Profile.referrer: Profile``) this is the least fixed point
of those equations, computed by iterating until nothing changes — each cycle is followed
once, and the answer does not depend on the order messages are visited.

Human overrides fix a field's level outright; LLM opinions (already merged
conservatively by `llm_review.merge_llm_opinion`) act as a floor under the rules.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from pii_detector import lexicon as lx
from pii_detector.classifier import (
    CERTAIN,
    FieldType,
    Kind,
    MessageContext,
    TypeClass,
    Verdict,
    a_person,
    beside_a_sensitive_fact,
    category_of_facts,
    classify_field,
    condition_of_a_thing,
    described_domain,
    fetched_for_a_person,
    field_type,
    file_domain,
    holding_a_person,
    holds_person_facts,
    in_file_domain,
    linked_context,
    links_to_people,
    may_link,
    message_context,
    own_person_noun,
    part_of_a_person,
    sensitive_record_of,
    states_a_sensitive_fact,
    through_a_held_person,
    words_of_text,
)
from pii_detector.learned import (
    SECOND_OPINION,
    Combination,
    FieldFacts,
    LearnedModel,
    MessageFields,
    opinions,
)
from pii_detector.levels import PiiType, Sensitivity, max_level
from pii_detector.llm_review import PiiLlmAnswer, merge_llm_opinion
from pii_detector.names import initials, words
from pii_detector.overrides import Override
from pii_detector.records import (
    CONFIG_NOUNS,
    DOMAIN_WORDS,
    SENSITIVE_DOMAINS,
    TECHNICAL_DOMAINS,
    Domain,
    domain_of,
    topic_words,
    without_probes,
)
from pii_detector.results import (
    Disagreement,
    FieldResult,
    MessageResult,
    MethodResult,
    PiiAnalysis,
    Source,
)
from pii_detector.syntax import annotated_level, annotation_of, declared_type, has_option
from protomodel.construct import construct, construct_from, gc_paused
from protomodel.model import (
    FieldModel,
    FileModel,
    Location,
    MessageModel,
    MethodModel,
    ProtoTree,
    ServiceModel,
    TypeKind,
    iter_all_messages,
)

# Extendees whose extensions declare custom options (schema metadata, never data).
_DESCRIPTOR_OPTIONS = "google.protobuf."

P = Sensitivity.PUBLIC
_HIGH_RANK = Sensitivity.HIGH.rank
_BY_RANK = sorted(Sensitivity, key=lambda level: level.rank)
# What propagation reads of one field: its FQN, its own rank counting only a certain
# verdict, its own rank counting any (both with its floor, or its override), the message
# it holds (None when it holds none or is overridden), and the rank it may have (a field
# that needs review may turn out HIGH, so what holds it may hold HIGH data too).
_Row = tuple[str, int, int, str | None, int]
# What a field's result says of its level, in FieldResult's order: sensitivity, pii_type,
# pii_types, reasoning, source, rule, confidence and the reason it needs review (if it does).
_Said = tuple[Sensitivity, PiiType | None, list[PiiType], str, Source, str, float, str | None]


@gc_paused()  # hundreds of thousands of acyclic results: no full collections meanwhile
def analyze_tree(
    tree: ProtoTree,
    *,
    files: Collection[str] | None = None,
    overrides: Mapping[str, Override] | None = None,
    llm_answers: Sequence[PiiLlmAnswer] = (),
    learned: LearnedModel | None = None,
    combination: Combination = SECOND_OPINION,
) -> PiiAnalysis:
    """Classify every field, message and RPC of the files under review.

    ``files`` (module or repo paths) limits what is reported; by default the tree's
    reviewed files. Dependency files are still read so message-typed fields can look
    inside the messages they reference. ``learned`` adds the learned model's second
    opinion on the rules' own verdicts, combined by ``combination`` (by default
    learned.SECOND_OPINION; bench/pii_learned.py measures alternatives).
    """
    engine = _Engine(tree, overrides or {})
    if learned is not None:
        engine.second_opinion(learned, combination)
    scope = _scope(tree, files)
    rules = engine.propagate({})
    fields = engine.field_results(scope, rules, {})
    disagreements: list[Disagreement] = []
    if llm_answers:
        for answer in llm_answers:
            merge = merge_llm_opinion(fields, answer)
            fields = merge.fields
            disagreements.extend(merge.disagreements)
        floors = {f.element: f for f in fields if f.source == Source.LLM}
        merged = engine.propagate({e: f.sensitivity for e, f in floors.items()})
        fields = engine.field_results(scope, merged, floors)
        rules = merged
    return PiiAnalysis(
        fields=fields,
        messages=engine.message_results(scope, rules),
        methods=engine.method_results(scope, rules),
        disagreements=disagreements,
        unused_overrides=sorted(e for e in engine.overrides if e not in engine.own),
    )


def field_facts(tree: ProtoTree) -> dict[str, FieldFacts]:
    """What the learned model reads about every field of the tree (for training)."""
    return _Engine(tree, {}).field_facts()


# ---- the engine ---------------------------------------------------------------------


_SENSITIVE_TOPICS = frozenset().union(*(DOMAIN_WORDS[d] for d in SENSITIVE_DOMAINS))


def _headline(comment: str | None) -> str:
    """The first phrase of a comment: up to its first colon, semicolon or full stop."""
    return re.split(r"[:;]|\.(?:\s|$)", comment or "", maxsplit=1)[0]


@dataclass(frozen=True)
class _Level:
    """Per-propagation results: final field levels, message levels and their witnesses."""

    fields: dict[str, Sensitivity]
    messages: dict[str, Sensitivity]
    witness: dict[str, str]  # message FQN → the field that gives it its level
    # The same, counting levels the rules are unsure of (they do not spread).
    possible: dict[str, Sensitivity]
    possible_witness: dict[str, str]


class _Engine:
    def __init__(self, tree: ProtoTree, overrides: Mapping[str, Override]) -> None:
        self.tree = tree
        self.overrides = dict(overrides)
        self.messages: dict[str, MessageModel] = {}
        self.file_of: dict[str, FileModel] = {}
        self.contexts: dict[str, MessageContext] = {}
        # Evidence about what a message is about from outside it: its file's path and
        # the services and RPCs of its own file that carry it (records.py). Only its own
        # file: a file's results must not depend on which other files are analysed with
        # it (an audit shard holds some of a package's files).
        # In the order said (a dict, not a set: `health` before `check` must stay a probe
        # whatever the hash seed, or the same tree gets a different record run to run).
        rpc_words: dict[str, dict[str, None]] = {}
        # What the services that carry a message say they are, in the first phrase of
        # their comment ("Patient recruitment for sponsored clinical trials: …"): the API's
        # subject matter, not one of the things it lists after. Only its sensitive topics
        # count: a headline may say a record is about people's health, never that it is a
        # system's (doubt goes up).
        described_as: dict[str, dict[str, None]] = {}
        # (request, response) of every RPC: what a request about a person fetches (rule 50).
        self.fetches: list[tuple[str, str]] = []
        # What each file's services say the whole API is about (rule 46).
        self.api_topics: dict[str, dict[str, None]] = {}
        self.api_domain: dict[str, Domain] = {}  # its sensitive domain, when they name one
        for file in tree.files.values():
            for service in file.services:
                headline = words_of_text(_headline(service.comments.text))
                described = dict.fromkeys(w for w in headline if w in _SENSITIVE_TOPICS)
                # A system's probe ("The HealthChecks API") is no health topic of the API.
                self.api_topics.setdefault(file.name, {}).update(
                    dict.fromkeys(w for w in without_probes(headline) if w in _SENSITIVE_TOPICS)
                )
                for method in service.methods:
                    self.fetches.append(
                        (method.input_type.lstrip("."), method.output_type.lstrip("."))
                    )
                    # Every gRPC service is a `…Service`: the suffix says nothing of the topic.
                    service_words = words(service.name)
                    if service_words[-1:] == ("service",):
                        service_words = service_words[:-1]
                    said = dict.fromkeys((*service_words, *words(method.name)))
                    for fqn in (method.input_type, method.output_type):
                        if tree.file_of(fqn.lstrip(".")) is file:
                            rpc_words.setdefault(fqn.lstrip("."), {}).update(said)
                            described_as.setdefault(fqn.lstrip("."), {}).update(described)
        self.topics: dict[str, dict[str, tuple[str, ...]]] = {}
        for file in tree.files.values():
            file_words = topic_words(file.name.removesuffix(".proto"))
            for message in iter_all_messages(file):
                if message.is_map_entry:
                    continue
                self.messages[message.fqn] = message
                self.file_of[message.fqn] = file
                self.topics[message.fqn] = {
                    "file": file_words,
                    "rpc": tuple(rpc_words.get(message.fqn, ())),
                    "service": tuple(described_as.get(message.fqn, ())),
                }
                self.contexts[message.fqn] = message_context(
                    message, file.package, topics=self.topics[message.fqn]
                )
        # A package's own person-like messages (`Client`) add their nouns to its person
        # words, so `Matter.client_id` points at a person: the contexts are read again.
        local: dict[str, set[str]] = {}
        for fqn, ctx in self.contexts.items():
            noun = own_person_noun(ctx)
            if noun is not None:
                local.setdefault(self.file_of[fqn].package, set()).add(noun)
        nouns_of = {package: lx.PERSON_NOUNS | nouns for package, nouns in local.items()}
        for fqn, message in self.messages.items():
            package = self.file_of[fqn].package
            if package in nouns_of:
                self.contexts[fqn] = message_context(
                    message, package, nouns_of[package], self.topics[fqn]
                )
        self._types: dict[tuple[str, TypeKind, bool], FieldType] = {}  # see _type_of
        # The types of each message's fields, in their order: several passes read them.
        self._field_types = {
            fqn: [self._type_of(field) for field in message.fields]
            for fqn, message in self.messages.items()
        }
        self.read_what_people_hold(nouns_of)
        self.point_at_held_people()
        self.read_parts_of_people()
        self.share_file_domains()
        self.read_what_is_fetched_for_people()
        self.link_records()
        self.read_parts_of_people(of_sensitive_records=True)
        # Extensions are fields of the message they extend: judged in its context and
        # counted in its level. Extensions of descriptor options declare options, not data.
        self.extensions: dict[str, list[FieldModel]] = {}
        for file in tree.files.values():
            for extension in iter_extensions(file):
                extendee = (extension.extendee or "").lstrip(".")
                if not _declares_option(extendee):
                    self.extensions.setdefault(extendee, []).append(extension)
        self.own: dict[str, Verdict] = {}
        self.types: dict[str, FieldType] = {}
        self.target: dict[str, str] = {}  # message-typed field → message FQN
        for extendee in self.extensions:
            if extendee not in self.contexts:  # extends a message outside the tree
                outside = MessageModel(
                    name=extendee.rsplit(".", 1)[-1], fqn=extendee, location=Location(file="")
                )
                self.contexts[extendee] = message_context(outside, extendee.rpartition(".")[0])
        for fqn in (*self.messages, *self.extensions):
            fields = self.fields_of(fqn)
            known = self._field_types.get(fqn, [])  # its own fields; then its extensions
            types = [*known, *(self._type_of(field) for field in fields[len(known) :])]
            for field, ftype in zip(fields, types, strict=True):
                self.types[field.fqn] = ftype
                self.own[field.fqn] = classify_field(field, self.contexts[fqn], ftype)
                target = ftype.name
                if ftype.cls == TypeClass.MESSAGE and target in self.messages:
                    self.target[field.fqn] = target
        self.doubt_free_text_beside_facts()
        self.read_category_values()
        del self._field_types  # every pass that reads them has run

    def doubt_free_text_beside_facts(self) -> None:
        """Free text next to a field that certainly states a special-category fact may
        describe that fact (classifier.beside_a_sensitive_fact)."""
        for fqn in self.messages:
            if not self.contexts[fqn].on_people:
                continue  # then no field of it is in doubt (classifier.beside_a_sensitive_fact)
            fields = self.fields_of(fqn)
            fact = next((f.name for f in fields if states_a_sensitive_fact(self.own[f.fqn])), None)
            if fact is None:
                continue
            for field in fields:
                self.own[field.fqn] = beside_a_sensitive_fact(
                    self.own[field.fqn], f"{self.messages[fqn].name}.{fact}", self.contexts[fqn]
                )

    def read_category_values(self) -> None:
        """A category whose values name a sensitive fact states it
        (classifier.category_of_facts)."""
        for fqn in self.messages:
            if not self.contexts[fqn].on_people:
                continue  # then no category of it states a fact (classifier.category_of_facts)
            for field in self.fields_of(fqn):
                ftype = self.types[field.fqn]
                enum = self.tree.enum(ftype.name) if ftype.cls == TypeClass.ENUM else None
                if enum is not None:
                    self.own[field.fqn] = category_of_facts(
                        self.own[field.fqn],
                        enum.name,
                        [v.name for v in enum.values],
                        self.contexts[fqn],
                    )

    def field_facts(self) -> dict[str, FieldFacts]:
        """What the learned model reads about every field, by field FQN."""
        return {
            field.fqn: message.facts(index, self.types, self.own)
            for message in self._read_by_the_model()
            for index, field in enumerate(message.fields)
        }

    def _read_by_the_model(self) -> list[MessageFields]:
        """Every message with fields, its extensions among them, as the model reads it."""
        out = []
        for fqn in dict.fromkeys((*self.messages, *self.extensions)):
            message = self.messages.get(fqn)
            out.append(
                MessageFields(
                    package=self.file_of[fqn].package if fqn in self.file_of else "",
                    message_name=message.name if message is not None else fqn.rsplit(".")[-1],
                    ctx=self.contexts[fqn],
                    fields=tuple(self.fields_of(fqn)),
                )
            )
        return out

    def second_opinion(self, model: LearnedModel, combination: Combination) -> None:
        """The learned model's second opinion on the rules' own verdicts, before levels
        propagate (learned.second_opinion says when it may act)."""
        messages = self._read_by_the_model()
        self.own.update(opinions(model, combination, messages, self.types, self.own))

    def point_at_held_people(self) -> None:
        """A record that holds one person's record of its file (`Incident.caller`) points
        at that person (classifier.holding_a_person); only the file's own messages count."""
        for fqn, message in self.messages.items():
            file = self.file_of[fqn].name
            for field, ftype in zip(message.fields, self._field_types[fqn], strict=True):
                held = ftype.name
                # One person (`caller`), not a list of them (an ambulance's `crew`).
                if (
                    ftype.cls == TypeClass.MESSAGE
                    and not field.is_repeated
                    and held != fqn
                    and held in self.messages
                    and self.file_of[held].name == file
                    and self._a_person_with_facts(held)
                ):
                    self.contexts[fqn] = holding_a_person(
                        self.contexts[fqn], self.contexts[held], field.name
                    )

    def read_what_people_hold(self, nouns_of: Mapping[str, frozenset[str]]) -> None:
        """A record of its file that a person's own record holds is not infrastructure or
        telemetry by a system's word in its name (`ServicePeriod` of a `Veteran`): its
        domain is read again without those words (rule 48)."""
        for fqn in self.messages:
            holder = self.contexts[fqn]
            if not a_person(holder):
                continue
            for ftype in self._field_types[fqn]:
                held = ftype.name
                if held == fqn or held not in self.messages:
                    continue
                if self.file_of[held].name != self.file_of[fqn].name:
                    continue
                if self.contexts[held].record.domain not in TECHNICAL_DOMAINS:
                    continue
                # Settings named as settings (`MysqlSslConfig` of a connection profile) stay
                # a system's, whoever holds them.
                if set(words(self.messages[held].name)) & CONFIG_NOUNS:
                    continue
                package = self.file_of[held].package
                self.contexts[held] = message_context(
                    self.messages[held],
                    package,
                    nouns_of.get(package, lx.PERSON_NOUNS),
                    self.topics[held],
                    held_by_a_person=True,
                )

    def _a_person_with_facts(self, fqn: str) -> bool:
        """A person's record with a field about them: a person only by its name (a model's
        answer `Candidate`) is no one whose record or parts another record could be."""
        context = self.contexts[fqn]
        return a_person(context) and holds_person_facts(self.messages[fqn], context)

    def _sensitive_by_its_own_evidence(self, fqn: str) -> bool:
        """A person's sensitive record whose domain is its own, not its file's or a
        holder's: only that passes its person on to its parts (a security API's file-wide
        criminal-justice reading must not reach a cron task's fields)."""
        context = self.contexts[fqn]
        return (
            links_to_people(context)
            and not context.borrowed_domain
            and not context.record.inherited
        )

    def read_parts_of_people(self, *, of_sensitive_records: bool = False) -> None:
        """A record with no identity of its own that only persons' records of its file hold
        (RPC envelopes aside) is a part of that person (classifier.part_of_a_person).

        After the links (`of_sensitive_records`), a part that only a person's sensitive
        record holds (an attendance's `SafeguardingScreen`) is that record's, and so about
        the same person (rule 39)."""
        holders: dict[str, list[tuple[str, str, bool]]] = {}
        for fqn, message in self.messages.items():
            if self.contexts[fqn].has(Kind.REQUEST):
                continue
            for field, ftype in zip(message.fields, self._field_types[fqn], strict=True):
                held = ftype.name
                if held != fqn and held in self.messages:
                    holders.setdefault(held, []).append((fqn, field.name, field.is_repeated))
        for fqn, held_by in holders.items():
            # One part of one person each time (`vulnerability`), not a list of things the
            # person has (`segments` of a trip, `certificates`).
            people = [
                h
                for h, _, many in held_by
                if not many
                and (
                    self._sensitive_by_its_own_evidence(h)
                    if of_sensitive_records
                    else self._a_person_with_facts(h)
                )
            ]
            if len(people) != len(held_by) or any(
                self.file_of[h].name != self.file_of[fqn].name for h in people
            ):
                continue
            holder, field, _ = held_by[0]
            self.contexts[fqn] = part_of_a_person(
                self.contexts[fqn], self.messages[fqn], self.contexts[holder], field
            )

    def share_file_domains(self) -> None:
        """A file is about one subject matter: a message with too little topic evidence of
        its own (`KeyworkSession` next to a `ServiceUser` with a sobriety date and a `Dose`
        of a prescription) takes the sensitive domain that at least two records of its
        file have (policy v2: the record decides, and doubt goes up). Only the file's own
        messages count, so a file's result does not depend on what is analysed with it."""
        by_file: dict[str, list[str]] = {}
        for fqn in self.messages:
            by_file.setdefault(self.file_of[fqn].name, []).append(fqn)
        for file_name in by_file:
            described, _ = domain_of({"package": tuple(self.api_topics.get(file_name, ()))})
            if described in SENSITIVE_DOMAINS:
                self.api_domain[file_name] = described
        for file_name, fqns in by_file.items():
            shared = file_domain([self.contexts[fqn] for fqn in fqns])
            if shared is not None:
                for fqn in fqns:
                    ctx = self.contexts[fqn]
                    facts = holds_person_facts(self.messages[fqn], ctx)
                    self.contexts[fqn] = in_file_domain(ctx, shared, holds_person_facts=facts)
            # What the API's services say it is about reaches the records about people
            # that their own words place nowhere, as a doubt (rule 46).
            described = self.api_domain.get(file_name)
            if described is not None:
                package = self.file_of[fqns[0]].package
                for fqn in fqns:
                    self.contexts[fqn] = described_domain(self.contexts[fqn], described, package)

    def read_what_is_fetched_for_people(self) -> None:
        """A record an RPC returns for a request that names a person (`ListCyclesRequest`
        with a `user_id` → the `Cycle`s of its response), in a sensitive domain, is that
        person's, as a doubt (rule 50)."""
        for request, response in self.fetches:
            if request not in self.contexts or response not in self.messages:
                continue
            asked = self.contexts[request]
            # An id of a person among its fields, not only a person noun in its name (compute's
            # `ListManagedInstancesInstanceGroupManagersRequest` names a component).
            if not asked.has(Kind.PERSON_LINKED):
                continue
            file = self.file_of[response].name
            returned = [response]
            if self.contexts[response].has(Kind.REQUEST):
                returned = [
                    held
                    for ftype in self._field_types[response]
                    if (held := ftype.name) in self.messages and self.file_of[held].name == file
                ]
            for fqn in returned:
                self.contexts[fqn] = fetched_for_a_person(
                    self.contexts[fqn], asked, self.api_domain.get(file)
                )

    def link_records(self) -> None:
        """Records about a person through a chain of ids or holders (policy v2: the record
        decides).

        A message of the same file that points at a person's record in a sensitive domain
        through `<noun>_id` (`Embryo.cycle_id` → `TreatmentCycle`, which has a
        `patient_id`; or the record's initials: `pcr_id` → `PatientCareReport`), or that
        such a record holds (`TreatmentCycle.medications`), is a
        record of what happened to that person, whatever its own words. Chains are
        followed to a fixed point; only the file's own messages count, so a file's result
        does not depend on which other files are analysed with it. A record named after a
        condition that only things hold (a TPU node's `Symptom`) is the thing's
        (classifier.condition_of_a_thing).
        """
        by_noun: dict[tuple[str, str], list[str]] = {}
        held_by: dict[str, list[tuple[str, str]]] = {}
        # Each message's `<noun>_id` fields by the noun they name: every round reads them.
        ids_of: dict[str, list[tuple[str, str]]] = {}
        for fqn, message in self.messages.items():
            file = self.file_of[fqn].name
            by_noun.setdefault((file, self.contexts[fqn].noun), []).append(fqn)
            # `pcr_id` points at a `PatientCareReport` as surely as `report_id` does.
            if abbreviated := initials(message.name):
                by_noun.setdefault((file, abbreviated), []).append(fqn)
            for field, ftype in zip(message.fields, self._field_types[fqn], strict=True):
                tokens = words(field.name)
                if tokens[-1:] in (("id",), ("ids",)) and len(tokens) >= 2:
                    ids_of.setdefault(fqn, []).append((field.name, tokens[-2]))
                held = ftype.name
                same_file = held in self.messages and self.file_of[held].name == file
                if ftype.cls == TypeClass.MESSAGE and same_file and held != fqn:
                    held_by.setdefault(held, []).append((fqn, field.name))
        changed = True
        while changed:
            changed = False
            for fqn, message in self.messages.items():
                ctx = self.contexts[fqn]
                if not may_link(ctx, through_id=True):
                    continue
                file = self.file_of[fqn].name
                sources = [
                    (target, f"through `{name}`", False)
                    for name, noun in ids_of.get(fqn, ())
                    for target in by_noun.get((file, noun), ())
                    if target != fqn
                ]
                # A thing's noun (`LabResult`) links only through the id it carries, and
                # then as a doubt: its fields may describe the thing (rule 39).
                thing = ctx.noun in lx.THING_NOUNS
                by_any_holder = may_link(ctx)
                # A catalog entry has an identity of its own (a `Drug`'s id); a result
                # without one, held by what happened to a person (a crossing's watchlist
                # `Result`), is a part of that event (rule 49), as a doubt.
                if by_any_holder or (thing and not _has_identity(message, ctx.noun)):
                    sources += [
                        (holder, f"that holds it in `{name}`", True)
                        for holder, name in held_by.get(fqn, ())
                        if by_any_holder or through_a_held_person(self.contexts[holder])
                    ]
                for source, via, held in sources:
                    if links_to_people(self.contexts[source]) or sensitive_record_of(
                        ctx, self.contexts[source], self.messages[source]
                    ):
                        # A file's domain reached through a held person is a doubt (rule 49).
                        borrowed = ctx.borrowed_domain or ctx.record.inherited
                        doubt = thing or (borrowed and through_a_held_person(self.contexts[source]))
                        self.contexts[fqn] = linked_context(
                            ctx, self.contexts[source], via, held=held, doubt=doubt
                        )
                        changed = True
                        break
        for fqn, holders in held_by.items():
            condition = condition_of_a_thing(
                self.contexts[fqn],
                self.messages[fqn],
                self.file_of[fqn].package,
                [self.contexts[holder] for holder, _ in holders],
            )
            if condition is not None:
                self.contexts[fqn] = condition

    def _type_of(self, field: FieldModel) -> FieldType:
        """`field_type`, computed once per declared type: it reads the tree and exactly
        these three facts of the field (tests/pii checks the cache against it)."""
        key = (field.element_type, field.element_type_kind, field.is_map)
        ftype = self._types.get(key)
        if ftype is None:
            ftype = self._types[key] = field_type(field, self.tree)
        return ftype

    def fields_of(self, message_fqn: str) -> list[FieldModel]:
        """The fields of a message, its extensions included."""
        message = self.messages.get(message_fqn)
        own = message.fields if message is not None else []
        return [*own, *self.extensions.get(message_fqn, ())]

    def propagate(self, floors: Mapping[str, Sensitivity]) -> _Level:
        """Levels through message-typed fields; only certain levels spread.

        `content[m]` is the highest *certain* level inside message m: a doubtful guess
        (a verdict below `CERTAIN`) keeps its own field's level but does not climb into
        the messages that hold it, so one guess cannot spread through a whole API.
        `possible[m]` counts the doubtful guesses too: a field that holds more than it
        is certain of is flagged for review instead.
        """
        rows = self._rows(floors)
        content, witness, possible, possible_witness = _contents(rows)
        fields = {
            field: _BY_RANK[max(own, content[target]) if target else own]
            for fqn in content
            for field, _, own, target, _ in rows[fqn]
        }
        return _Level(
            fields,
            {fqn: _BY_RANK[rank] for fqn, rank in content.items()},
            witness,
            {fqn: _BY_RANK[rank] for fqn, rank in possible.items()},
            possible_witness,
        )

    def _rows(self, floors: Mapping[str, Sensitivity]) -> dict[str, list[_Row]]:
        """Per message, what propagation reads of each field, computed once.

        A field's level is the highest of its own verdict (counting only a certain one, or
        any), its floor and the content of the message it holds; an override fixes it
        outright.
        """
        rows: dict[str, list[_Row]] = {}
        overrides, own_of, target_of = self.overrides, self.own, self.target
        for fqn in (*self.messages, *self.extensions):
            if fqn in rows:
                continue
            out = rows[fqn] = []
            # Only a doubt on a sensitive record (health, criminal justice, beliefs, social
            # services) may be HIGH enough to flag what holds it: elsewhere one flag would
            # spread through every container of a large API (googleapis ads, compute).
            sensitive = self.contexts[fqn].record.domain in SENSITIVE_DOMAINS
            for field in self.fields_of(fqn):
                field_fqn = field.fqn
                override = overrides.get(field_fqn)
                if override is not None:
                    fixed = override.sensitivity.rank
                    out.append((field_fqn, fixed, fixed, None, fixed))
                    continue
                own = own_of[field_fqn]
                rank = own.level.rank
                certain = P.rank if own.confidence < CERTAIN else rank
                floor = floors.get(field_fqn)
                if floor is not None:
                    rank, certain = max(rank, floor.rank), max(certain, floor.rank)
                possible = _HIGH_RANK if own.review is not None and sensitive else rank
                out.append((field_fqn, certain, rank, target_of.get(field_fqn), possible))
        return rows

    def path(self, message_fqn: str, levels: _Level) -> str:
        """``Customer.ssn`` or ``ListUsersResponse.users → User.ssn``: where the level comes from."""
        steps: list[str] = []
        seen: set[str] = set()
        current = message_fqn
        while current in levels.witness and current not in seen and len(steps) < 6:
            seen.add(current)
            field_fqn = levels.witness[current]
            steps.append(self._short(field_fqn))
            target = self.target.get(field_fqn)
            if target is None or self.own[field_fqn].level == levels.messages[current]:
                break
            current = target
        return " → ".join(steps)

    def _short(self, fqn: str) -> str:
        message_fqn, _, name = fqn.rpartition(".")
        return f"{message_fqn.rsplit('.', 1)[-1]}.{name}"

    # ---- results ------------------------------------------------------------------
    # A large schema has hundreds of thousands of fields: results are built from values
    # the engine made from valid parts, without validation, every field given in the
    # model's own order (the object validation would make; tests/pii checks it).

    def field_results(
        self, scope: Iterable[FileModel], levels: _Level, floors: Mapping[str, FieldResult]
    ) -> list[FieldResult]:
        out: list[FieldResult] = []
        for file in scope:
            for message in iter_all_messages(file):
                if message.fqn in self.messages:
                    out += self._field_results(file, message.fqn, message.fields, levels, floors)
            for extension in iter_extensions(file):
                extendee = (extension.extendee or "").lstrip(".")
                if extension in self.extensions.get(extendee, ()):
                    out += self._field_results(file, extendee, [extension], levels, floors)
        return out

    def _field_results(
        self,
        file: FileModel,
        message_fqn: str,
        fields: Iterable[FieldModel],
        levels: _Level,
        floors: Mapping[str, FieldResult],
    ) -> list[FieldResult]:
        """The results of fields of one message declared in ``file``: what they share is
        read once, and each result is one dict (a large schema has hundreds of thousands)."""
        prefix = f"{file.package}." if file.package else ""  # `_relative`, computed once
        repo_path, module_path = file.repo_path, file.name
        out: list[FieldResult] = []
        for field in fields:
            fqn = field.fqn
            options = field.options  # most fields have none: nothing to read
            annotated_as = annotated_level(options) if options else None
            level = levels.fields[fqn]
            floor = floors.get(fqn)
            if floor is not None and floor.sensitivity == level and fqn not in self.overrides:
                out.append(floor.model_copy(update={"annotated_sensitivity": annotated_as}))
                continue
            existing = annotation_of(options) if options else None
            sensitivity, pii_type, pii_types, reasoning, source, rule, confidence, review = (
                self._classified(fqn, level, levels)
            )
            location = field.location
            result = {
                "element": fqn,
                "field_path": fqn.removeprefix(prefix),
                "field_name": field.name,
                "message": message_fqn,
                "file": repo_path,
                "module_path": module_path,
                "line": location.line,
                "column": location.column,
                "type": declared_type(field),
                "sensitivity": sensitivity,
                "pii_type": pii_type,
                "pii_types": pii_types,
                "annotated": existing is not None,
                "existing_annotation": existing,
                "annotated_sensitivity": annotated_as,
                "reasoning": reasoning,
                "source": source,
                "rule": rule,
                "confidence": confidence,
                "needs_review": review is not None,
                "review_reason": review,
            }
            out.append(construct_from(FieldResult, result))
        return out

    def _classified(self, fqn: str, level: Sensitivity, levels: _Level) -> _Said:
        """What a field's result says of it at its propagated ``level``."""
        override = self.overrides.get(fqn)
        if override is not None:
            own = self.own[fqn]
            reasoning = (
                f"OVERRIDE: {override.reason} ({override.who}, {override.when}); "
                f"rules said {own.level.value}"
            )
            return (
                override.sensitivity,
                override.pii_type,
                [],
                reasoning,
                Source.OVERRIDE,
                "OVERRIDE",
                1.0,
                None,
            )
        own = self.own[fqn]
        own_level = own.level
        target = self.target.get(fqn)
        unsure = None
        if target is not None:
            unsure = self._unsure_content(target, level, levels)
            if level.rank > own_level.rank or not own_level.is_pii:
                held = levels.messages[target]
                inside = self.path(target, levels)
                where = f" ({inside})" if inside else ""
                named = f"; its name: {own.reasoning}" if own_level.is_pii else ""
                return (
                    level,
                    # A free-form container holding open values is free text (policy v2).
                    own.pii_type
                    if own_level.is_pii
                    else PiiType.FREE_TEXT
                    if own.rule == "OPEN_CONTAINER"
                    else None,
                    [],
                    f"MESSAGE_CONTENT: {target} holds {held.value} data{where}{named}"
                    if held.is_pii
                    else f"MESSAGE_CONTENT: {target} holds no personal data{named}",
                    Source.RULES,
                    "MESSAGE_CONTENT",
                    float(CERTAIN if level.rank > own_level.rank else own.confidence),
                    unsure,
                )
            if own_level.is_pii and own.confidence >= CERTAIN:
                unsure = None  # sure of its own level: a doubt inside must not soften the gate
        at_own_level = level == own_level
        return (
            level,
            own.pii_type,
            list(own.types) if at_own_level else [],
            own.reasoning,
            Source.RULES,
            own.rule,
            float(own.confidence),
            (own.review if at_own_level else None) or unsure,
        )

    def _unsure_content(self, target: str, level: Sensitivity, levels: _Level) -> str | None:
        """Why a message-typed field needs review: the message it holds may hold more than
        the rules are sure of (a guess inside does not spread, but a reviewer sees it)."""
        possible = levels.possible[target]
        if possible.rank <= level.rank:
            return None
        inside = self._short(levels.possible_witness.get(target, target))
        return f"{target.rsplit('.', 1)[-1]} may hold {possible.value} data ({inside} needs review)"

    def message_results(self, scope: Iterable[FileModel], levels: _Level) -> list[MessageResult]:
        out: list[MessageResult] = []
        for file in scope:
            for message in iter_all_messages(file):
                if message.fqn not in self.messages:
                    continue
                level = levels.messages[message.fqn]
                record = self.contexts[message.fqn].record
                out.append(
                    construct(
                        MessageResult,
                        element=message.fqn,
                        name=_relative(message.fqn, file.package),
                        file=file.repo_path,
                        module_path=file.name,
                        line=message.location.line,
                        sensitivity=level,
                        reasoning=(
                            f"highest field: {self.path(message.fqn, levels)}"
                            if level.is_pii
                            else "no field holds personal data"
                        ),
                        annotated=has_option(message.options, "pii.v1.message_sensitivity"),
                        subject=record.subject,
                        domain=record.domain,
                        record_evidence=record.evidence,
                    )
                )
        return out

    def method_results(self, scope: Iterable[FileModel], levels: _Level) -> list[MethodResult]:
        out: list[MethodResult] = []
        for file in scope:
            for service in file.services:
                for method in service.methods:
                    out.append(self._method_result(file, service, method, levels))
        return out

    def _method_result(
        self, file: FileModel, service: ServiceModel, method: MethodModel, levels: _Level
    ) -> MethodResult:
        request = levels.messages.get(method.input_type.lstrip("."), P)
        response = levels.messages.get(method.output_type.lstrip("."), P)
        level = max_level(request, response)
        exposure = None
        verb = words(method.name)[0] if method.name else ""
        if response == Sensitivity.HIGH and (verb in lx.BULK_VERBS or method.server_streaming):
            inside = self.path(method.output_type.lstrip("."), levels)
            exposure = (
                f"{method.name} returns HIGH data in bulk ({inside}): restrict who may call it, "
                "audit every call, or return a redacted view"
            )
        return construct(
            MethodResult,
            element=method.fqn,
            service=service.name,
            method=method.name,
            file=file.repo_path,
            module_path=file.name,
            line=method.location.line,
            request=method.input_type.lstrip("."),
            response=method.output_type.lstrip("."),
            request_sensitivity=request,
            response_sensitivity=response,
            sensitivity=level,
            audit_pii_access=level.is_pii,
            exposure=exposure,
            annotated=has_option(method.options, "pii.v1.method_sensitivity"),
        )


def _contents(
    rows: Mapping[str, list[_Row]],
) -> tuple[dict[str, int], dict[str, str], dict[str, int], dict[str, str]]:
    """The least fixed points of the message ranks counting certain levels only, and
    counting possible ones, with the field that gives each message its rank.

    Both are iterated in one sweep over the rows: each reads only its own column, so its
    updates (and the witness each records) are those of a sweep of its own; the sweeps
    go on until neither changes. Monotone over a finite lattice: terminates."""
    certain = dict.fromkeys(rows, P.rank)
    possible = dict.fromkeys(rows, P.rank)
    certain_witness: dict[str, str] = {}
    possible_witness: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for fqn, fields in rows.items():
            best, best_field = P.rank, ""
            most, most_field = P.rank, ""
            for field, sure, _, target, may in fields:
                if target:
                    if certain[target] > sure:
                        sure = certain[target]
                    if possible[target] > may:
                        may = possible[target]
                if sure > best:
                    best, best_field = sure, field
                if may > most:
                    most, most_field = may, field
            if best != certain[fqn]:
                certain[fqn] = best
                certain_witness[fqn] = best_field
                changed = True
            if most != possible[fqn]:
                possible[fqn] = most
                possible_witness[fqn] = most_field
                changed = True
    return certain, certain_witness, possible, possible_witness


def _has_identity(message: MessageModel, noun: str) -> bool:
    """An `id`, a `name` or a `<noun>_id` of its own: an entry others may refer to."""
    own = {("id",), ("uuid",), ("name",), (noun, "id")}
    return any(words(f.name) in own for f in message.fields)


def iter_extensions(file: FileModel) -> Iterator[FieldModel]:
    """Every extension declared in a file: in ``extend`` blocks at the top and in messages."""
    yield from file.extensions
    for message in iter_all_messages(file):
        yield from message.extensions


def _declares_option(extendee: str) -> bool:
    return extendee.startswith(_DESCRIPTOR_OPTIONS) and extendee.endswith("Options")


def _relative(fqn: str, package: str) -> str:
    return fqn.removeprefix(package + ".") if package else fqn


def _scope(tree: ProtoTree, files: Collection[str] | None) -> list[FileModel]:
    if files is None:
        return tree.reviewed_files()
    wanted = set(files)
    return [
        file
        for path, file in sorted(tree.files.items())
        if path in wanted or file.repo_path in wanted
    ]
