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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise
from operator import itemgetter
from pathlib import Path

import numpy as np

from pii_detector.classifier import CERTAIN, FieldType, Kind, MessageContext, TypeClass, Verdict
from pii_detector.levels import PiiType, Sensitivity
from pii_detector.names import words
from pii_detector.records import SENSITIVE_DOMAINS, TECHNICAL_DOMAINS, Subject
from protomodel.model import FieldModel

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


@lru_cache(maxsize=1 << 12)
def _record_features(ctx: MessageContext) -> tuple[_Feature, ...]:
    record = ctx.record
    subject, domain = record.subject.value, record.domain.value
    about = "people" if record.about_people else "nobody"
    f = {
        f"subj:{subject}": 1.0,
        f"dom:{domain}": 1.0,
        f"about:{about}": 1.0,
        f"subj_dom:{subject}:{domain}": 1.0,
    }
    if ctx.linked:
        f["linked"] = 1.0
    for kind in ctx.kinds:
        f[f"k:{kind.value}"] = 1.0
    f[f"noun:{ctx.noun}"] = 0.5
    return _hashed(f)


@lru_cache(maxsize=1 << 12)
def _message_features(message_name: str) -> tuple[_Feature, ...]:
    return _hashed({f"m:{word}": 0.5 for word in set(words(message_name))})


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

    def predict_levels(
        self, facts: Sequence[FieldFacts]
    ) -> tuple[np.ndarray, Callable[[int], np.ndarray]]:
        """Per field: probabilities of each level, and a function giving the i-th field's
        probabilities of each type when asked (most verdicts never read them, and there
        are far more types than levels). The same figures as `predict`: a row's scores
        are the same products summed in the same order, alone or with other rows."""
        x = encode_facts(facts)
        pointers, columns, values = x

        def type_probs(i: int) -> np.ndarray:
            start, end = pointers[i], pointers[i + 1]
            row = (np.asarray([0, end - start]), columns[start:end], values[start:end])
            return softmax(_scores(row, self.type_weights))[0]

        return softmax(_scores(x, self.level_weights)), type_probs

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

PREDICTION_CHUNK = 4096  # fields whose features are held at once


@dataclass(frozen=True)
class Combination:
    """How the model's opinion combines with the rules' verdict: which fields it is asked
    about (the rest keep the rules' verdict without paying for features), and the verdict
    for one field from the rules' verdict and the model's probabilities."""

    consults: Callable[[FieldFacts], bool]
    # The field's facts, its level probabilities, and a function giving its type
    # probabilities (computed only when called: most verdicts never need them).
    decide: Callable[[FieldFacts, np.ndarray, Callable[[], np.ndarray]], Verdict]


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
    if facts.ftype.cls == TypeClass.MESSAGE or facts.verdict.pii_type in _SECRET_TYPES:
        return False
    return _on_people(facts.ctx)


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
    verdict = facts.verdict
    if not may_change(facts):
        return verdict
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


SECOND_OPINION = Combination(consults=may_change, decide=second_opinion)
