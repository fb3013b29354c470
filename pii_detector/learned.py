"""A small learned second opinion on the rules: where they are unsure, a linear model reads
the field and its record and may raise the level or flag the field for review.

Why: the rules are right on the vocabulary they were built around and weak on the first
run over new domains (tests/pii/eval/README.md). A model trained on the project's own
labelled splits reads the same evidence the rules read, but weighs it from data: the
pieces and letters of the field's name, its type, the record's subject and domain (as
records.py decides them), the message's and package's words, its sibling fields and its
comment.

It does not read the rules' own answer. Tried: with the rules' level, rule, type and
confidence as stacked features the model learned to repeat the rules, because on the
splits it trains on the rules were tuned to near-perfect; on the never-tuned splits it
then added almost nothing (bench/pii_learned.py, leave-one-split-out). The rules' answer
enters in the combination instead.

The model is multinomial logistic regression over hashed features (pure numpy, no new
dependency), trained by `bench/pii_learned.py --train` with a fixed seed and a fixed
number of iterations, so the same labels give the same weights. It ships as
`pii_detector/learned_model.npz` with a SHA-256 of the training labels, so a test can tell
when the labels changed and the model was not retrained.

It is trained on every labelled split (`bench/pii_learned.TRAINING_SPLITS`: the thirteen
from `dev` to `blind_i`); a split written later stays out of training until it is named
there, so its first run is a blind measure of the model too.

`second_opinion` is the combination the bench measured (leave-one-split-out): the rules
decide when they are sure; the model only acts on fields they are unsure of, never lowers
a level, never touches a secret, and raises to HIGH only when it is very sure (P(HIGH) ≥
HIGH_PROBABILITY) on a record that its own evidence makes sensitive, never so that HIGH
spreads to the messages that hold the field.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache, partial
from itertools import chain, count, pairwise, repeat
from operator import attrgetter, itemgetter
from pathlib import Path

import numpy as np

from pii_detector.classifier import CERTAIN, FieldType, Kind, MessageContext, TypeClass, Verdict
from pii_detector.levels import PiiType, Sensitivity
from pii_detector.names import words
from pii_detector.records import SENSITIVE_DOMAINS, TECHNICAL_DOMAINS, Domain, Subject
from protomodel.model import FieldModel, Label, TypeKind

MODEL_PATH = Path(__file__).with_name("learned_model.npz")
LEVELS: tuple[Sensitivity, ...] = tuple(Sensitivity)
# Index 0 is "no type"; then every PiiType in declaration order.
TYPES: tuple[PiiType | None, ...] = (None, *PiiType)
BUCKETS = 1 << 14
_SECRET_TYPES = frozenset({PiiType.PASSWORD, PiiType.API_KEY, PiiType.AUTH_SECRET})

# The combination's thresholds (see bench/pii_learned.py for how they were measured).
RAISE_PROBABILITY = 0.6  # the model's level replaces an unsure lower rule level
HIGH_PROBABILITY = 0.9  # ... and HIGH, only on a sensitive record of its own (_sensitive_itself)
REVIEW_PROBABILITY = 0.25  # the model's P(HIGH) flags a field for review
# How the model signs what it did: the rule of a level it raised, the start of its review flag.
LEARNED_RULE = "LEARNED"
SIGNATURE = "learned model"


@dataclass(frozen=True)
class FieldFacts:
    """What the model reads about one field: the same evidence the rules read."""

    field: FieldModel
    package: str
    message_name: str
    sibling_names: tuple[str, ...]
    ctx: MessageContext
    ftype: FieldType
    verdict: Verdict


@dataclass(frozen=True)
class MessageFields:
    """One message's fields (its extensions included) as the model reads them, with what
    they share. Each field's type and rules' verdict are looked up by its FQN."""

    package: str
    message_name: str
    ctx: MessageContext
    fields: tuple[FieldModel, ...]

    @cached_property
    def _names(self) -> tuple[tuple[str, ...], bool]:
        """Its fields' names, and whether they are unique (they are in a valid message)."""
        names = tuple(map(_field_name, self.fields))
        return names, len(set(names)) == len(names)

    def facts(
        self, index: int, types: Mapping[str, FieldType], verdicts: Mapping[str, Verdict]
    ) -> FieldFacts:
        """The facts of the index-th field."""
        (names, unique), field = self._names, self.fields[index]
        # With unique names a field's siblings are the others by position, without
        # comparing every pair of names.
        siblings = (
            names[:index] + names[index + 1 :]
            if unique
            else tuple(name for name in names if name != field.name)
        )
        return FieldFacts(
            field,
            self.package,
            self.message_name,
            siblings,
            self.ctx,
            types[field.fqn],
            verdicts[field.fqn],
        )


def features(facts: FieldFacts) -> dict[str, float]:
    """Named features of a field (binary, a few scaled down so no group dominates)."""
    return {name: value for name, _, value in _hashed_features(facts)}


# A feature: its name, its column (`bucket` of the name) and its value.
_Feature = tuple[str, int, float]


def _hashed_features(facts: FieldFacts) -> list[_Feature]:
    """The features of a field with their columns, each name once.

    Built from parts that each depend on one input only (the field's name, its type, its
    record, the message's name, the package, the comment), each computed once per
    distinct input: a large schema repeats them thousands of times. The parts' names
    never overlap (each has its own prefixes)."""
    return _RowBuilder().features(facts)


class _RowBuilder:
    """`_hashed_features` for a run of fields, reusing what consecutive fields share.

    The engine lists a message's fields together: they have one record, one message name
    and one package, so those parts are joined once per message. The reuse is keyed by
    the very objects and strings the parts are computed from (the record's context by
    identity, which implies equality), so every row is the one computed afresh."""

    def __init__(self) -> None:
        self._ctx: MessageContext | None = None
        self._message_name = ""
        self._package = ""
        self._shared: tuple[_Feature, ...] = ()
        self._about = ""
        self._domain = ""
        # A field type → its features and its shape (by identity: the engine shares one
        # FieldType per declared type, and each is held by the facts for the whole run).
        self._types: dict[int, tuple[FieldType, tuple[_Feature, ...], str]] = {}

    def features(self, facts: FieldFacts) -> list[_Feature]:
        field, ftype, ctx = facts.field, facts.ftype, facts.ctx
        if (
            ctx is not self._ctx
            or facts.message_name != self._message_name
            or facts.package != self._package
        ):
            record = ctx.record
            self._ctx, self._message_name, self._package = ctx, facts.message_name, facts.package
            self._shared = (
                _record_features(ctx)
                + _message_features(facts.message_name)
                + _package_features(facts.package)
            )
            self._about = "people" if record.about_people else "nobody"
            self._domain = record.domain.value
        known = self._types.get(id(ftype))
        if known is None or known[0] is not ftype:
            known = (ftype, _type_features(ftype), f"{ftype.cls.value}:{ftype.scalar or '-'}")
            self._types[id(ftype)] = known
        _, type_part, shape = known
        name = field.name
        last = (words(name) or ("",))[-1]
        own = _own_features(field.is_repeated, field.is_map, self._about, shape, self._domain, last)
        out = [*_name_features(name), *type_part, *own, *self._shared]
        siblings = {w for sibling in facts.sibling_names for w in words(sibling)}
        if siblings:
            value = 1.0 / max(1.0, len(siblings) ** 0.5)
            out += [(sib, column, value) for sib, column in map(_sibling_column, siblings)]
        comment = field.comments.text
        if comment:
            out += _comment_features(comment)
        return out


@lru_cache(maxsize=1 << 12)
def _own_features(
    repeated: bool, is_map: bool, about: str, shape: str, domain: str, last: str
) -> tuple[_Feature, ...]:
    """The field's own features but its siblings: few distinct ones in a schema."""
    own = {}
    if repeated:
        own["repeated"] = 1.0
    if is_map:
        own["map"] = 1.0
    own[f"about_t:{about}:{shape}"] = 1.0
    own[f"dom_t:{domain}:{shape}"] = 1.0
    own[f"about_last:{about}:{last}"] = 1.0
    own["bias"] = 1.0
    return _hashed(own)


@lru_cache(maxsize=1 << 16)
def _sibling_column(word: str) -> tuple[str, int]:
    name = f"sib:{word}"
    return name, bucket(name)


@lru_cache(maxsize=1 << 16)
def _noun_column(noun: str) -> int:
    return bucket(f"noun:{noun}")


@lru_cache(maxsize=1 << 16)
def _message_word_column(word: str) -> int:
    return bucket(f"m:{word}")


def _hashed(named: dict[str, float]) -> tuple[_Feature, ...]:
    # Sorted by name: a row is sorted by name (encode_facts), and sorted runs sort fast.
    return tuple(sorted((name, bucket(name), value) for name, value in named.items()))


@lru_cache(maxsize=1 << 16)
def _name_features(name: str) -> tuple[_Feature, ...]:
    f: dict[str, float] = {}
    tokens = words(name) or ("",)
    for token in tokens:
        f[f"w:{token}"] = 1.0
    for a, b in pairwise(tokens):
        f[f"w2:{a}_{b}"] = 1.0
    f[f"last:{tokens[-1]}"] = 1.0
    f[f"first:{tokens[0]}"] = 1.0
    f[f"nwords:{min(len(tokens), 4)}"] = 1.0
    spelled = f"^{name.lower()}$"
    grams = {spelled[i : i + n] for n in (3, 4) for i in range(len(spelled) - n + 1)}
    for gram in grams:
        f[f"c:{gram}"] = 0.5
    return _hashed(f)


@lru_cache(maxsize=1 << 12)
def _type_features(ftype: FieldType) -> tuple[_Feature, ...]:
    f = {f"t:{ftype.cls.value}:{ftype.scalar or '-'}": 1.0, f"t:{ftype.cls.value}": 1.0}
    for word in ftype.type_words:
        f[f"tw:{word}"] = 0.5
    if ftype.open:
        f["open"] = 1.0
    return _hashed(f)


# The values of a message's noun and of each word of its name: `_LevelScorer` scores them
# feature by feature (most messages have their own), the row path with its record and name.
_NOUN_VALUE = 0.5
_MESSAGE_WORD_VALUE = 0.5


@lru_cache(maxsize=1 << 12)
def _record_features(ctx: MessageContext) -> tuple[_Feature, ...]:
    record = ctx.record
    about = "people" if record.about_people else "nobody"
    kind = _record_kind_features(
        record.subject.value, record.domain.value, about, bool(ctx.linked), ctx.kinds
    )
    noun = f"noun:{ctx.noun}"
    return tuple(sorted((*kind, (noun, bucket(noun), _NOUN_VALUE))))


@lru_cache(maxsize=1 << 10)
def _record_kind_features(
    subject: str, domain: str, about: str, linked: bool, kinds: frozenset[Kind]
) -> tuple[_Feature, ...]:
    """The record's features but its noun: few distinct ones in a schema."""
    f = {
        f"subj:{subject}": 1.0,
        f"dom:{domain}": 1.0,
        f"about:{about}": 1.0,
        f"subj_dom:{subject}:{domain}": 1.0,
    }
    if linked:
        f["linked"] = 1.0
    for kind in kinds:
        f[f"k:{kind.value}"] = 1.0
    return _hashed(f)


@lru_cache(maxsize=1 << 12)
def _message_features(message_name: str) -> tuple[_Feature, ...]:
    return _hashed({f"m:{word}": _MESSAGE_WORD_VALUE for word in set(words(message_name))})


@lru_cache(maxsize=1 << 10)
def _package_features(package: str) -> tuple[_Feature, ...]:
    return _hashed(
        {f"p:{word}": 0.3 for word in {w for part in package.split(".") for w in words(part)}}
    )


@lru_cache(maxsize=1 << 12)
def _comment_features(text: str) -> tuple[_Feature, ...]:
    comment = set(words_of(text))
    return _hashed({f"cm:{word}": 1.0 / max(1.0, len(comment) ** 0.5) for word in comment})


def words_of(text: str) -> Iterable[str]:
    for raw in text.replace("`", " ").split():
        cleaned = "".join(ch for ch in raw if ch.isalnum() or ch == "_")
        if cleaned:
            yield from words(cleaned)


# Feature names repeat across a schema's fields (its words, its letter grams): hashed once.
@lru_cache(maxsize=1 << 18)
def bucket(name: str) -> int:
    """A stable hash of a feature name (crc32: the same on every platform and run)."""
    return zlib.crc32(name.encode("utf-8")) % BUCKETS


def encode(rows: Sequence[dict[str, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of named features → CSR arrays (row pointers, columns, values)."""
    pointers = [0]
    columns: list[int] = []
    values: list[float] = []
    for row in rows:
        merged: dict[int, float] = {}
        for name, value in sorted(row.items()):
            column = bucket(name)
            merged[column] = merged.get(column, 0.0) + value
        columns.extend(merged)
        values.extend(merged.values())
        pointers.append(len(columns))
    return (
        np.asarray(pointers, dtype=np.int64),
        np.asarray(columns, dtype=np.int64),
        np.asarray(values, dtype=np.float64),
    )


_name = itemgetter(0)
_field_name = attrgetter("name")
_fqn = attrgetter("fqn")


def encode_facts(facts: Sequence[FieldFacts]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`encode([features(f) for f in facts])`, the same arrays, without building named
    rows: the columns come with the features, and a row whose columns are all distinct
    (almost every row: 2^14 buckets) needs no merging."""
    pointers = [0]
    columns: list[int] = []
    values: list[float] = []
    rows = _RowBuilder()
    for fact in facts:
        row = rows.features(fact)
        # By name: names are unique in a row. Never empty: every row has a bias.
        row.sort(key=_name)
        _, row_columns, row_values = zip(*row, strict=True)
        if len(set(row_columns)) == len(row_columns):
            columns += row_columns
            values += row_values
        else:
            merged: dict[int, float] = {}
            for column, value in zip(row_columns, row_values, strict=True):
                merged[column] = merged.get(column, 0.0) + value
            columns.extend(merged)
            values.extend(merged.values())
        pointers.append(len(columns))
    return (
        np.asarray(pointers, dtype=np.int64),
        np.asarray(columns, dtype=np.int64),
        np.asarray(values, dtype=np.float64),
    )


# What a field's parts are computed from: its name, label, kind of type, comment (leading
# and trailing), its type (by identity), and its record's `about` and domain.
_FieldKey = tuple[tuple[str, Label, TypeKind, str, str], int, str, Domain]
_field_key = attrgetter("name", "label", "type_kind", "comments.leading", "comments.trailing")


class _LevelScorer:
    """The level scores of fields, part by part: the model is linear, so a row's score is
    the sum of its parts' scores. Each distinct part (a field name's features, a type's,
    `_own_features`, a comment's, a record's but its noun, a package's) is scored once
    however many fields repeat it, and gathered per field by index; a message's noun and
    name words (most messages have their own) feature by feature; the siblings part per
    message: the words of all its fields' names, less per field the words its name alone
    has (counted in numpy).

    Exact up to the order of the sum: a row sums its features in the order of their names
    (duplicate columns merged first), this sums each part, then the parts. Deterministic:
    every sum runs in an order fixed by the input, never by a set's."""

    def __init__(self, weights: np.ndarray) -> None:
        self._weights = weights
        # Part 0 is the empty part (a field without a comment).
        self._parts: list[tuple[_Feature, ...]] = [()]
        self._scored = np.zeros((1, weights.shape[1]))
        # Each cache is keyed by what it is computed from. A type by identity: the type
        # itself is held in `_types` with its part and shape (as in `_RowBuilder`), so no
        # other type can take its id while the scorer lives.
        self._keys: dict[_FieldKey, int] = {}
        # Per field key: the parts of its name, type, own features and comment, its name.
        self._key_parts: list[tuple[int, int, int, int, int]] = []
        self._key_table = np.zeros((0, 5), dtype=np.int64)
        # Per name (by its index): its part, its last word, its distinct words (indices).
        self._names: dict[str, int] = {}
        self._named: list[tuple[int, str, tuple[int, ...]]] = []
        self._word_counts = np.zeros(0, dtype=np.int64)  # `_name_words_now`
        self._name_words = np.zeros(0, dtype=np.int64)
        self._words: dict[str, int] = {}
        self._word_columns: list[int] = []  # of each word as a sibling's word
        self._types: dict[int, tuple[FieldType, int, str]] = {}
        self._owns: dict[tuple[bool, bool, str, str, str, str], int] = {}
        self._comments: dict[str, int] = {}
        self._records: dict[tuple[Subject, Domain, bool, frozenset[Kind]], int] = {}
        self._packages: dict[str, int] = {}

    def _part(self, features: tuple[_Feature, ...]) -> int:
        self._parts.append(features)
        return len(self._parts) - 1

    def _name(self, name: str) -> int:
        index = self._names.get(name)
        if index is None:
            tokens = words(name)
            distinct = []
            for word in dict.fromkeys(tokens):
                if word not in self._words:
                    self._words[word] = len(self._word_columns)
                    self._word_columns.append(_sibling_column(word)[1])
                distinct.append(self._words[word])
            index = self._names[name] = len(self._named)
            self._named.append(
                (self._part(_name_features(name)), (tokens or ("",))[-1], tuple(distinct))
            )
        return index

    def _key(self, key: _FieldKey, field: FieldModel, ftype: FieldType) -> int:
        """The index of a new field key. `is_repeated`, `is_map` and `comments.text` read
        the label, the kind of type and the comment in the key."""
        _, _, about, domain = key
        name_index = self._name(field.name)
        name_part, last, _ = self._named[name_index]
        known = self._types.get(id(ftype))
        if known is None:
            shape = f"{ftype.cls.value}:{ftype.scalar or '-'}"
            known = self._types[id(ftype)] = (ftype, self._part(_type_features(ftype)), shape)
        _, type_part, shape = known
        own_key = (field.is_repeated, field.is_map, about, shape, domain.value, last)
        own = self._owns.get(own_key)
        if own is None:
            own = self._owns[own_key] = self._part(_own_features(*own_key))
        comment = field.comments.text
        comment_part = self._comments.get(comment, 0) if comment else 0
        if comment and not comment_part:
            comment_part = self._comments[comment] = self._part(_comment_features(comment))
        self._keys[key] = len(self._key_parts)
        self._key_parts.append((name_part, type_part, own, comment_part, name_index))
        return self._keys[key]

    def _record(self, ctx: MessageContext) -> int:
        """The part of the record's features but its noun (`_record_kind_features`), keyed
        by what they read: its subject and domain (and so `about_people`), whether the
        context is linked, and its kinds."""
        record = ctx.record
        key = (record.subject, record.domain, bool(ctx.linked), ctx.kinds)
        part = self._records.get(key)
        if part is None:
            about = "people" if record.about_people else "nobody"
            part = self._records[key] = self._part(
                _record_kind_features(
                    record.subject.value, record.domain.value, about, key[2], ctx.kinds
                )
            )
        return part

    def _package(self, package: str) -> int:
        part = self._packages.get(package)
        if part is None:
            part = self._packages[package] = self._part(_package_features(package))
        return part

    def scores(self, messages: Sequence[MessageFields], ftypes: Sequence[FieldType]) -> np.ndarray:
        """The level scores of every field of the messages, in their order, whose types
        are `ftypes`."""
        n = len(messages)
        lengths = [len(message.fields) for message in messages]
        # Per message: its record's `about` and domain, its record and package parts, and
        # the columns and values of its noun and name words.
        abouts: list[str] = []
        domains: list[Domain] = []
        message_parts: list[int] = []
        said_by: list[int] = []
        said_columns: list[int] = []
        said_values: list[float] = []
        for m, message in enumerate(messages):
            ctx = message.ctx
            abouts.append("people" if ctx.record.about_people else "nobody")
            domains.append(ctx.record.domain)
            message_parts += (self._record(ctx), self._package(message.package))
            said = (
                _noun_column(ctx.noun),
                *map(_message_word_column, dict.fromkeys(words(message.message_name))),
            )
            said_columns += said
            said_values += [_NOUN_VALUE] + [_MESSAGE_WORD_VALUE] * (len(said) - 1)
            said_by += [m] * len(said)
        # Per field, with C-level maps: its key, found or made.
        fields = list(chain.from_iterable(message.fields for message in messages))
        keys = list(
            zip(
                map(_field_key, fields),
                map(id, ftypes),
                chain.from_iterable(map(repeat, abouts, lengths)),
                chain.from_iterable(map(repeat, domains, lengths)),
                strict=True,
            )
        )
        found = list(map(self._keys.get, keys))
        for row, key_index in enumerate(found):
            if key_index is None:
                found[row] = self._key(keys[row], fields[row], ftypes[row])
        scored = self._part_scores()
        table = self._key_table_now()[np.asarray(found, dtype=np.int64).reshape(-1)]
        weights = self._weights
        message_of = np.repeat(np.arange(n), lengths)
        by_message = np.asarray(message_parts, dtype=np.int64).reshape(n, 2)
        of_message = (
            scored[by_message[:, 0]]
            + scored[by_message[:, 1]]
            + _sums(said_by, said_columns, weights, n, said_values)
        )
        return (
            scored[table[:, 0]]
            + scored[table[:, 1]]
            + scored[table[:, 2]]
            + scored[table[:, 3]]
            + of_message[message_of]
            + self._siblings(table[:, 4], message_of, n)
        )

    def _name_words_now(self) -> tuple[np.ndarray, np.ndarray]:
        """Per name so far: how many distinct words it has; and all their indices."""
        new = self._named[len(self._word_counts) :]
        if new:
            self._word_counts = np.concatenate(
                (self._word_counts, np.asarray([len(w) for _, _, w in new], dtype=np.int64))
            )
            self._name_words = np.concatenate(
                (self._name_words, np.asarray([i for _, _, w in new for i in w], dtype=np.int64))
            )
        return self._word_counts, self._name_words

    def _key_table_now(self) -> np.ndarray:
        new = self._key_parts[len(self._key_table) :]
        if new:
            self._key_table = np.concatenate(
                (self._key_table, np.asarray(new, dtype=np.int64).reshape(-1, 5))
            )
        return self._key_table

    def _siblings(self, name_of: np.ndarray, message_of: np.ndarray, n: int) -> np.ndarray:
        """Per field (its name's index, its message's), the scores of its siblings part:
        the words of the message's other names, each valued 1/sqrt(how many)."""
        rows = len(name_of)
        word_counts, name_words = self._name_words_now()
        name_starts = np.cumsum(word_counts) - word_counts
        # One entry per word of each field's name.
        per_field = word_counts[name_of]
        entry_field = np.repeat(np.arange(rows), per_field)
        first = np.cumsum(per_field) - per_field
        entry_word = name_words[
            np.repeat(name_starts[name_of], per_field)
            + np.arange(len(entry_field))
            - first[entry_field]
        ]
        entry_message = message_of[entry_field]
        # A word counts once per distinct name of the message (names repeat only in an
        # invalid message; the siblings then leave out every field of that name).
        _, firsts = np.unique(message_of * len(word_counts) + name_of, return_index=True)
        counted = np.zeros(rows, dtype=bool)
        counted[firsts] = True
        vocabulary = len(self._word_columns)
        entry_key = entry_message * vocabulary + entry_word
        message_words, how_many = np.unique(entry_key[counted[entry_field]], return_counts=True)
        alone = how_many[np.searchsorted(message_words, entry_key)] == 1
        columns = np.asarray(self._word_columns, dtype=np.int64)
        of_message = _sums(
            message_words // vocabulary, columns[message_words % vocabulary], self._weights, n
        )
        of_alone = _sums(entry_field[alone], columns[entry_word[alone]], self._weights, rows)
        count = (
            np.bincount(message_words // vocabulary, minlength=n)[message_of]
            - np.bincount(entry_field[alone], minlength=rows)
        ).astype(np.float64)
        value = np.where(count > 0, 1.0 / np.maximum(1.0, np.sqrt(count)), 0.0)
        return value[:, None] * (of_message[message_of] - of_alone)

    def _part_scores(self) -> np.ndarray:
        """The scores of every part so far (the new ones scored now, all at once)."""
        new = self._parts[len(self._scored) :]
        if new:
            lengths = [len(part) for part in new]
            columns = [column for part in new for _, column, _ in part]
            values = [value for part in new for _, _, value in part]
            x = (
                np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
                np.asarray(columns, dtype=np.int64),
                np.asarray(values, dtype=np.float64),
            )
            self._scored = np.concatenate((self._scored, _scores(x, self._weights)))
        return self._scored


def _sums(
    owners: Sequence[int] | np.ndarray,
    columns: Sequence[int] | np.ndarray,
    weights: np.ndarray,
    n: int,
    values: Sequence[float] | None = None,
) -> np.ndarray:
    """Per owner (0..n-1), the sum of its columns' weights (times their values, if given),
    in the order listed."""
    gathered = weights[np.asarray(columns, dtype=np.int64)].T
    if values is not None:
        gathered = gathered * np.asarray(values, dtype=np.float64)
    owner = np.asarray(owners, dtype=np.int64)
    return np.stack(
        [np.bincount(owner, weights=gathered[k], minlength=n) for k in range(len(gathered))],
        axis=1,
    ).reshape(n, weights.shape[1])


def _scores(x: tuple[np.ndarray, np.ndarray, np.ndarray], weights: np.ndarray) -> np.ndarray:
    """X @ weights for a CSR X (one bincount per class: fast and exact in numpy)."""
    pointers, columns, values = x
    rows = len(pointers) - 1
    row_of = np.repeat(np.arange(rows), np.diff(pointers))
    # One gather of every class's weights, then per class the same products summed in
    # the same order as a per-class gather would.
    products = (weights[columns] * values[:, None]).T
    return np.stack(
        [np.bincount(row_of, weights=products[k], minlength=rows) for k in range(len(products))],
        axis=1,
    )


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def fit(
    x: tuple[np.ndarray, np.ndarray, np.ndarray],
    classes: np.ndarray,
    n_classes: int,
    *,
    iterations: int = 120,
    l2: float = 1e-4,
    step: float = 0.1,
) -> np.ndarray:
    """Multinomial logistic regression by full-batch Adam: no randomness, fixed steps."""
    pointers, columns, values = x
    rows = len(pointers) - 1
    row_of = np.repeat(np.arange(rows), np.diff(pointers))
    target = np.zeros((rows, n_classes))
    target[np.arange(rows), classes] = 1.0
    weights = np.zeros((BUCKETS, n_classes))
    m = np.zeros_like(weights)
    v = np.zeros_like(weights)
    for t in range(1, iterations + 1):
        error = (softmax(_scores(x, weights)) - target) / rows
        gradient = l2 * weights
        for k in range(n_classes):
            gradient[:, k] += np.bincount(
                columns, weights=error[row_of, k] * values, minlength=BUCKETS
            )
        m = 0.9 * m + 0.1 * gradient
        v = 0.999 * v + 0.001 * gradient**2
        weights -= step * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return weights


@dataclass(frozen=True)
class LearnedModel:
    level_weights: np.ndarray  # BUCKETS × len(LEVELS)
    type_weights: np.ndarray  # BUCKETS × len(TYPES)
    labels_sha256: str  # of the training labels: tells a stale model

    def predict(self, facts: Sequence[FieldFacts]) -> tuple[np.ndarray, np.ndarray]:
        """Per field: probabilities of each level, and of each type."""
        x = encode([features(f) for f in facts])
        return softmax(_scores(x, self.level_weights)), softmax(_scores(x, self.type_weights))

    def level_probabilities(
        self, messages: Sequence[MessageFields], ftypes: Sequence[FieldType]
    ) -> np.ndarray:
        """Per field of the messages, in their order, whose types are `ftypes`:
        probabilities of each level. The figures of `predict` up to the last bits of a
        float: the scores are summed part by part (`_LevelScorer`), not feature by feature
        in the order of the row."""
        scorer = _LevelScorer(self.level_weights)
        chunks = [np.zeros((0, len(LEVELS)))]
        start = row = 0
        while start < len(messages):
            end, fields = start, 0
            while end < len(messages) and fields < PREDICTION_CHUNK:
                fields += len(messages[end].fields)
                end += 1
            chunks.append(scorer.scores(messages[start:end], ftypes[row : row + fields]))
            start, row = end, row + fields
        return softmax(np.concatenate(chunks))

    def type_probabilities(self, facts: FieldFacts) -> np.ndarray:
        """The field's probabilities of each type: the same floats as `predict`'s (its row
        alone is the same products summed in the same order)."""
        return softmax(_scores(encode_facts([facts]), self.type_weights))[0]

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            level_weights=self.level_weights.astype(np.float16),
            type_weights=self.type_weights.astype(np.float16),
            labels_sha256=np.asarray(self.labels_sha256),
        )


def load(path: Path = MODEL_PATH) -> LearnedModel:
    with np.load(path) as data:
        return LearnedModel(
            data["level_weights"].astype(np.float64),
            data["type_weights"].astype(np.float64),
            str(data["labels_sha256"]),
        )


@lru_cache(maxsize=1)
def shipped() -> LearnedModel:
    """The model shipped with the package (read once per process)."""
    return load(MODEL_PATH)


def model_if(enabled: bool) -> LearnedModel | None:
    """The shipped model when the `pii.learned_model` switch (or `--learned`) is on."""
    return shipped() if enabled else None


def labels_hash(label_files: Iterable[Path], root: Path) -> str:
    """SHA-256 over the training label files (their paths relative to `root` and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(label_files):
        digest.update(str(path.relative_to(root)).encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


# ---- the combination ---------------------------------------------------------------

PREDICTION_CHUNK = 4096  # fields whose parts are gathered at once


def _every_field(level_probs: np.ndarray) -> np.ndarray:
    return np.ones(len(level_probs), dtype=bool)


def _every_record(ctx: MessageContext) -> bool:
    return True


@dataclass(frozen=True)
class Combination:
    """How the model's opinion combines with the rules' verdict: which fields it may act on
    from their level probabilities alone (`may_act`, a mask over the rows; the rest keep
    the rules' verdict without building their facts), which of those it is asked about
    (`consults`), and the verdict for one field from the rules' verdict and the model's
    probabilities (`decide`)."""

    consults: Callable[[FieldFacts], bool]
    # The field's facts, its level probabilities, and a function giving its type
    # probabilities (computed only when called: most verdicts never need them).
    decide: Callable[[FieldFacts, np.ndarray, Callable[[], np.ndarray]], Verdict]
    may_act: Callable[[np.ndarray], np.ndarray] = _every_field
    # The records whose fields it may be asked about at all: the others are not scored.
    reads: Callable[[MessageContext], bool] = _every_record


def _on_people(ctx: MessageContext) -> bool:
    """A record about people outside telemetry and infrastructure: a span or a log line
    is a record of what people do (policy v2), but what the model learned about people's
    records does not carry to a trace's ids and hashes."""
    about = ctx.record.about_people or bool(ctx.linked) or ctx.has(Kind.PERSON)
    system = ctx.record.domain in TECHNICAL_DOMAINS
    return about and not system and not ctx.has(Kind.ANIMAL, Kind.VETERINARY, Kind.ORG)


def _sensitive_itself(ctx: MessageContext) -> bool:
    """A person's record that its own evidence (its name, fields, comment, package, the
    services that carry it: records.py) puts in a sensitive domain — health, criminal
    justice, beliefs, social services: a patient, a defendant, a parishioner.

    Not a record of activity: on the splits (leave-one-split-out) the model's HIGH there was
    wrong about as often as right, and on googleapis it called a FHIR export log's
    `destination` and a reseller transfer's `ineligibility_reason` HIGH. Nor a record whose
    domain came from a neighbour: its file's records (`borrowed_domain`), a record it points
    at or that holds it (`linked`), or a holder that leaves only a doubt (`Record.inherited`).
    """
    record = ctx.record
    return (
        record.subject == Subject.PERSON
        and record.domain in SENSITIVE_DOMAINS
        and not record.inherited
        and not ctx.borrowed_domain
        and not ctx.linked
    )


def may_change(facts: FieldFacts) -> bool:
    """Whether `second_opinion` can change the field's verdict at all: the others are not
    worth their features (a large generated API has a hundred thousand fields)."""
    return _may_change_its_kind(facts) and _on_people(facts.ctx)


def _may_change_its_kind(facts: FieldFacts) -> bool:
    """`may_change` but its record: not a message-typed field, not a secret."""
    return facts.ftype.cls != TypeClass.MESSAGE and facts.verdict.pii_type not in _SECRET_TYPES


def second_opinion(
    facts: FieldFacts, level_probs: np.ndarray, type_probs: Callable[[], np.ndarray]
) -> Verdict:
    """The rules' verdict, raised or flagged for review where the model reads more into it.

    * The model acts only on records about people (`_on_people`): configuration, telemetry
      and things keep the rules' verdict. It never lowers a level, never touches a secret
      (a password, an API key, an auth secret), and leaves a message-typed field to
      propagation (what it holds decides).
    * Where the rules are unsure (confidence below CERTAIN, or already flagged), the
      model's level replaces a lower rule level when its probability is at least
      RAISE_PROBABILITY. The result stays below CERTAIN, so it does not spread to the
      messages that hold the field (they are flagged for review instead).
    * It raises to HIGH only with P(HIGH) ≥ HIGH_PROBABILITY on a record that is sensitive
      by its own evidence (`_sensitive_itself`): a patient's record in a clinic, not an
      ads `Customer` (on googleapis a model free to say HIGH on any person called 101 of
      their scores and buckets HIGH), nor a record whose health comes from its file or
      from a record it points at. Such a HIGH is flagged and below CERTAIN like any other
      raise: the field is HIGH, the messages that hold it are flagged, not raised.
    * Otherwise, P(HIGH) ≥ REVIEW_PROBABILITY flags a field below HIGH for review, naming
      the model and its probability: a reviewer sees it, the level stays the rules'.
    """
    if not may_change(facts):
        return facts.verdict
    return _opinion(facts, level_probs, type_probs)


def _opinion(
    facts: FieldFacts, level_probs: np.ndarray, type_probs: Callable[[], np.ndarray]
) -> Verdict:
    """`second_opinion` on a field it may change (`may_change`: the caller has asked)."""
    verdict = facts.verdict
    best = int(np.argmax(level_probs))
    level = LEVELS[best]
    p_high = float(level_probs[LEVELS.index(Sensitivity.HIGH)])
    unsure = verdict.confidence < CERTAIN or verdict.review is not None
    if (
        unsure
        and verdict.level != Sensitivity.HIGH
        and p_high >= HIGH_PROBABILITY
        and _sensitive_itself(facts.ctx)
    ):
        return _raised(facts, Sensitivity.HIGH, p_high, type_probs)
    if (
        unsure
        and level != Sensitivity.HIGH
        and level.rank > verdict.level.rank
        and level_probs[best] >= RAISE_PROBABILITY
    ):
        return _raised(facts, level, float(level_probs[best]), type_probs)
    if verdict.level != Sensitivity.HIGH and p_high >= REVIEW_PROBABILITY:
        said = f"{SIGNATURE}: HIGH with p={p_high:.2f}"
        return replace(verdict, review=f"{verdict.review}; {said}" if verdict.review else said)
    return verdict


def _raised(
    facts: FieldFacts, level: Sensitivity, probability: float, type_probs: Callable[[], np.ndarray]
) -> Verdict:
    """The rules' unsure verdict raised to the model's level: flagged, and below CERTAIN so
    that it does not spread to the messages that hold the field."""
    verdict = facts.verdict
    pii_type = verdict.pii_type
    if pii_type is None:
        pii_type = TYPES[int(np.argmax(type_probs()[1:])) + 1]
    said = f"{SIGNATURE}: {level.value} (p={probability:.2f})"
    return Verdict(
        level,
        pii_type,
        LEARNED_RULE,
        f"{said} for `{facts.field.name}` on {facts.ctx.describes}; the rules were unsure "
        f"({verdict.reasoning})",
        (),
        min(verdict.confidence, CERTAIN - 0.05),
        f"{said}; the rules said {verdict.level.value}",
    )


_HIGH = LEVELS.index(Sensitivity.HIGH)
_RANKS = np.asarray([level.rank for level in LEVELS])


def may_act(level_probs: np.ndarray) -> np.ndarray:
    """The fields whose verdict `second_opinion` may change, by their level probabilities:
    P(HIGH) ≥ REVIEW_PROBABILITY (a flag, or a raise to HIGH at HIGH_PROBABILITY), or a
    most likely level below HIGH and above the lowest with at least RAISE_PROBABILITY (a
    raise over a lower rule level). On every other field it returns the verdict itself."""
    best = level_probs.argmax(axis=1)
    raises = (
        (best != _HIGH)
        & (_RANKS[best] > _RANKS.min())
        & (level_probs.max(axis=1) >= RAISE_PROBABILITY)
    )
    return raises | (level_probs[:, _HIGH] >= REVIEW_PROBABILITY)


# `second_opinion` as the engine asks it: `consults` has checked `may_change` already
# (its record part in `reads`: the fields of other records are never asked about).
SECOND_OPINION = Combination(
    consults=_may_change_its_kind, decide=_opinion, may_act=may_act, reads=_on_people
)


def opinions(
    model: LearnedModel,
    combination: Combination,
    messages: Sequence[MessageFields],
    types: Mapping[str, FieldType],
    verdicts: Mapping[str, Verdict],
) -> dict[str, Verdict]:
    """The combination's verdicts on the fields of the messages it may act on and consults,
    by field FQN, from their `types` and the rules' `verdicts`. Facts are built only for
    the fields `may_act` lets through: on a large schema a small part of them."""
    # A field listed twice (an extension named like a field of its scope, in an invalid
    # file) is read as listed last, as the FQN-keyed `field_facts` reads it.
    everywhere = list(map(_fqn, chain.from_iterable(message.fields for message in messages)))
    last_row = dict(zip(everywhere, count()))
    first_rows = np.cumsum([0, *(len(message.fields) for message in messages)]).tolist()
    read = [i for i, message in enumerate(messages) if combination.reads(message.ctx)]
    messages = [messages[i] for i in read]
    # The FQNs of the fields read: slices of those already listed, not read off the fields.
    fqns = list(chain.from_iterable(everywhere[first_rows[i] : first_rows[i + 1]] for i in read))
    level_probs = model.level_probabilities(messages, list(map(types.__getitem__, fqns)))
    starts = np.cumsum([0, *(len(message.fields) for message in messages)])
    out: dict[str, Verdict] = {}
    acting = np.flatnonzero(combination.may_act(level_probs))
    of_message = np.searchsorted(starts, acting, side="right") - 1
    for row, m, index in zip(
        acting.tolist(), of_message.tolist(), (acting - starts[of_message]).tolist(), strict=True
    ):
        fqn = fqns[row]
        if last_row[fqn] != first_rows[read[m]] + index:
            continue
        facts = messages[m].facts(index, types, verdicts)
        if combination.consults(facts):
            out[fqn] = combination.decide(
                facts, level_probs[row], partial(model.type_probabilities, facts)
            )
    return out
