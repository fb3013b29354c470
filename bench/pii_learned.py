"""The learned second opinion against the rules, on splits it was not trained on.

    python bench/pii_learned.py                # leave-one-split-out tables (all 13 splits)
    python bench/pii_learned.py --train        # train on all 13 splits, write the shipped model

Leave-one-split-out (LOSO): for each of the thirteen labelled splits of ``TRAINING_SPLITS`` a
model is trained on the other twelve and measured on the held-out one. They are every split
labelled when the model was last trained (``dev`` … ``blind_i``); a split written after it
is not among them until someone names it here, so its first run measures the rules and the
model on data neither was made from. Three classifiers are printed per split and pooled
over all fields:

* ``rules``    — the rules as they are. Optimistic on every split they were tuned on, which
  is all of them but ``blind_i`` (first-run figures in bench/pii_accuracy.FIRST_RUN).
* ``model``    — the learned model alone: its most likely level and type for every
  non-message field (message-typed fields take what propagation gives them, as with rules).
* ``combined`` — learned.SECOND_OPINION, the combination `pii scan` / `audit` / `check` use.

Every measure is bench/pii_accuracy's: sensitivity accuracy, HIGH recall, PII precision and
recall, type accuracy, needs review per 100 fields and HIGH-or-flagged. The combination's
thresholds (learned.RAISE_PROBABILITY, HIGH_PROBABILITY, REVIEW_PROBABILITY) are chosen on
these pooled LOSO figures only, never on one held-out split.

``--train`` trains on every split and writes ``pii_detector/learned_model.npz`` with the
SHA-256 of the training labels (tests/pii/test_pii_learned.py fails when they change and
the model was not retrained). Training is deterministic: the same labels give the same
weights (and the same file, byte for byte).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pii_accuracy import (
    BLIND_SPLITS,
    EVAL,
    Gold,
    Scores,
    label_files,
    load_gold,
    load_sources,
    score,
)

from pii_detector import learned
from pii_detector.analysis import analyze_tree, field_facts
from pii_detector.classifier import TypeClass, Verdict
from pii_detector.learned import LEVELS, TYPES, FieldFacts, LearnedModel
from pii_detector.levels import PiiType
from protomodel.model import ProtoTree
from protomodel.parse import build_tree

# The splits the shipped model is trained on, fixed by name: a new split stays unseen until
# someone decides to train on it (and then it is no longer a blind measure of the model).
# After a change of the rules, retrain with `--train`: the model reads their records.
TRAINING_SPLITS = (
    "dev", "heldout", "fresh", "final", "blind_a", "blind_b", "blind_e",
    "blind_c", "blind_d", "blind_f", "blind_g", "blind_h", "blind_i",
)  # fmt: skip


@dataclass
class Split:
    name: str
    tree: ProtoTree
    gold: dict[str, Gold]
    rows: list[tuple[FieldFacts, Gold]]  # non-message fields with their gold label


def load(split: str) -> Split:
    tree = build_tree(load_sources(split))
    gold = load_gold(split)
    facts = field_facts(tree)
    rows = [
        (fact, gold[fqn])
        for fqn, fact in facts.items()
        if fqn in gold and fact.ftype.cls != TypeClass.MESSAGE
    ]
    return Split(split, tree, gold, rows)


def train(splits: list[Split]) -> LearnedModel:
    rows = [row for split in splits for row in split.rows]
    x = learned.encode([learned.features(fact) for fact, _ in rows])
    levels = np.asarray([LEVELS.index(g.level) for _, g in rows])
    level_weights = learned.fit(x, levels, len(LEVELS))
    typed = [(fact, g) for fact, g in rows if g.level.is_pii]
    tx = learned.encode([learned.features(fact) for fact, _ in typed])
    types = np.asarray([TYPES.index(g.pii_type) for _, g in typed])
    type_weights = learned.fit(tx, types, len(TYPES))
    files = [path for split in splits for path in label_files(split.name)]
    # Rounded as shipped (float16), so what is measured is what ships.
    return LearnedModel(
        level_weights.astype(np.float16).astype(np.float64),
        type_weights.astype(np.float16).astype(np.float64),
        learned.labels_hash(files, EVAL),
    )


def fold_model(splits: list[Split], held_out: Split, cache: Path | None) -> LearnedModel:
    """The model trained on every split but `held_out` (reused from `cache` when its
    training labels are the same)."""
    training = [s for s in splits if s is not held_out]
    if cache is not None:
        path = cache / f"without-{held_out.name}.npz"
        files = [p for s in training for p in label_files(s.name)]
        if path.is_file() and learned.load(path).labels_sha256 == learned.labels_hash(files, EVAL):
            return learned.load(path)
    model = train(training)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        model.save(cache / f"without-{held_out.name}.npz")
    return model


def model_alone(
    fact: FieldFacts, level_probs: np.ndarray, type_probs: Callable[[], np.ndarray]
) -> Verdict:
    """The model's own answer, sure enough to spread (what it would be without the rules)."""
    if fact.ftype.cls == TypeClass.MESSAGE:
        return fact.verdict
    level = LEVELS[int(np.argmax(level_probs))]
    pii_type: PiiType | None = None
    if level.is_pii:
        pii_type = TYPES[int(np.argmax(type_probs()))]
    return Verdict(level, pii_type, "LEARNED", "the learned model alone", (), 0.9)


MODEL_ALONE = learned.Combination(consults=lambda fact: True, decide=model_alone)


def measure(split: Split, model: LearnedModel | None, combination: learned.Combination) -> Scores:
    analysis = analyze_tree(split.tree, learned=model, combination=combination)
    return score({f.element: f for f in analysis.fields}, split.gold)


def pooled(results: list[tuple[Scores, Split]]) -> Scores:
    """Scores over all fields of all splits (weighted by fields, HIGH fields, PII fields)."""
    fields = sum(s.fields for s, _ in results)
    high = sum(s.high_total for s, _ in results)

    def by(attr: str, weight: list[float]) -> float:
        return sum(getattr(s, attr) * w for (s, _), w in zip(results, weight, strict=True)) / max(
            1e-9, sum(weight)
        )

    per_fields = [s.fields for s, _ in results]
    per_high = [s.high_total for s, _ in results]
    gold_pii = [sum(g.level.is_pii for g in split.gold.values()) for _, split in results]
    # Precision is weighted by predicted-PII counts: recover them from recall and precision.
    predicted_pii = [
        s.pii_recall * n / s.pii_precision if s.pii_precision else 0.0
        for (s, _), n in zip(results, gold_pii, strict=True)
    ]
    return Scores(
        fields=fields,
        sensitivity_accuracy=by("sensitivity_accuracy", per_fields),
        high_recall=by("high_recall", per_high),
        high_total=high,
        pii_precision=by("pii_precision", predicted_pii),
        pii_recall=by("pii_recall", gold_pii),
        type_accuracy=by("type_accuracy", gold_pii),
        review_per_100=by("review_per_100", per_fields),
        high_or_flagged=by("high_or_flagged", per_high),
    )


def line(label: str, s: Scores) -> str:
    return (
        f"  {label:9} acc={s.sensitivity_accuracy:6.1%}  HIGH_recall={s.high_recall:6.1%} "
        f"(of {s.high_total:3})  PII_prec={s.pii_precision:6.1%}  PII_rec={s.pii_recall:6.1%}  "
        f"type_acc={s.type_accuracy:6.1%}  review/100={s.review_per_100:5.1f}  "
        f"HIGH_or_flagged={s.high_or_flagged:6.1%}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", action="store_true", help="train on all splits and save")
    parser.add_argument(
        "--cache", type=Path, help="keep each fold's model here and reuse it (same labels only)"
    )
    args = parser.parse_args(argv)
    splits = [load(name) for name in TRAINING_SPLITS]
    if args.train:
        model = train(splits)
        model.save(learned.MODEL_PATH)
        size = learned.MODEL_PATH.stat().st_size
        print(
            f"trained on {', '.join(s.name for s in splits)} ({sum(len(s.rows) for s in splits)} fields)"
        )
        print(f"wrote {learned.MODEL_PATH} ({size:,} bytes), labels sha256 {model.labels_sha256}")
        return 0
    kinds = ("rules", "model", "combined")
    results: dict[str, list[tuple[Scores, Split]]] = {k: [] for k in kinds}
    for held_out in splits:
        model = fold_model(splits, held_out, args.cache)
        print(f"{held_out.name} (trained on the other {len(splits) - 1})")
        for kind in kinds:
            s = measure(
                held_out,
                None if kind == "rules" else model,
                MODEL_ALONE if kind == "model" else learned.SECOND_OPINION,
            )
            results[kind].append((s, held_out))
            print(line(kind, s))
        sys.stdout.flush()
    for title, names in (
        (f"pooled, all {len(splits)} splits", {s.name for s in splits}),
        (f"pooled, blind splits ({', '.join(BLIND_SPLITS)})", set(BLIND_SPLITS)),
    ):
        print(title)
        for kind in kinds:
            print(line(kind, pooled([r for r in results[kind] if r[1].name in names])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
