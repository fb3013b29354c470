"""The labelled evaluation set stays consistent, and the classifier does not regress on it.

The floors are today's figures (regression guards), not claims about unseen data: see
tests/pii/eval/README.md for how each split was made and its untuned first run.
The blind splits still untuned (`bench.BLIND_SPLITS`: `blind_c`, `blind_d`, `blind_f`,
`blind_g`, `blind_h`, `blind_i`, `blind_j`, `blind_k`) are never loaded here, and need not exist yet: they are measured once, by hand
(their first run is then recorded in `bench.FIRST_RUN`), and nothing may be tuned against
them. `blind_a` and `blind_b` were blind until their first run and are tuned on since rounds 5
and 6.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys

import pytest
from pii_helpers import REPO

SPEC = importlib.util.spec_from_file_location("pii_accuracy", REPO / "bench" / "pii_accuracy.py")
assert SPEC is not None and SPEC.loader is not None
bench = importlib.util.module_from_spec(SPEC)
sys.modules[SPEC.name] = bench  # dataclasses look their module up
SPEC.loader.exec_module(bench)

# split → (sensitivity accuracy, HIGH recall) floors
FLOORS = {
    "dev": (1.0, 1.0),
    "heldout": (0.99, 1.0),
    "fresh": (0.99, 1.0),
    "final": (0.97, 0.96),
    "blind_a": (0.98, 0.96),
    "blind_b": (0.94, 0.89),
    "blind_e": (0.77, 0.59),
}
# split → share of gold-HIGH fields that are HIGH or flagged *needs review* (a reviewer sees them)
HIGH_OR_FLAGGED_FLOORS = {
    "dev": 1.0, "heldout": 1.0, "fresh": 1.0, "final": 1.0,
    "blind_a": 0.96, "blind_b": 0.96, "blind_e": 0.93,
}  # fmt: skip


def test_every_tuned_split_has_floors_and_a_first_run_record() -> None:
    assert set(FLOORS) == set(bench.TUNED_SPLITS)
    assert set(bench.TUNED_SPLITS) - {"dev"} <= set(bench.FIRST_RUN)


def test_blind_splits_are_measurable_but_never_targets() -> None:
    # Only the configuration is checked: a blind split's files are never opened here, and
    # `blind_c` may not have been written yet.
    assert bench.BLIND_SPLITS == (
        "blind_c",
        "blind_d",
        "blind_f",
        "blind_g",
        "blind_h",
        "blind_i",
        "blind_j",
        "blind_k",
    )
    assert set(bench.BLIND_SPLITS) <= set(bench.SPLITS)
    # A blind split's first run is recorded once, before anything could be tuned on it.
    assert bench.FIRST_RUN["blind_f"].startswith("73.0% / 38.7%")
    assert not set(bench.BLIND_SPLITS) & set(FLOORS)
    assert not set(bench.BLIND_SPLITS) & set(bench.TUNED_SPLITS)


@pytest.mark.parametrize(
    ("split", "first_run"), [("blind_a", "86.6% / 72.0%"), ("blind_b", "83.0% / 61.4%")]
)
def test_a_blind_split_tuned_on_keeps_its_first_run_record(split: str, first_run: str) -> None:
    assert split in bench.TUNED_SPLITS
    assert bench.FIRST_RUN[split].startswith(first_run)


@pytest.mark.parametrize("split", bench.TUNED_SPLITS)
def test_labels_cover_every_field(split: str) -> None:
    predicted, gold = bench.load_split(split)
    assert set(predicted) == set(gold)
    assert len(gold) >= 300


@pytest.mark.parametrize("split", [s for s in bench.TUNED_SPLITS if s != "dev"])
def test_held_out_files_are_unchanged_since_they_were_frozen(split: str) -> None:
    root = bench.EVAL / split
    for line in (root / "MANIFEST.sha256").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256((root / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("split", bench.TUNED_SPLITS)
def test_no_regression(split: str) -> None:
    scores = bench.score(*bench.load_split(split))
    accuracy, high_recall = FLOORS[split]
    assert scores.sensitivity_accuracy >= accuracy
    assert scores.high_recall >= high_recall
    assert scores.high_or_flagged >= HIGH_OR_FLAGGED_FLOORS[split]
