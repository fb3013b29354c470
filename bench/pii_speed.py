"""Speed of the PII analysis alone (`analyze_tree`), in fields per second.

    .venv/bin/python bench/pii_speed.py [--sizes 0.5 1 2 5] [--messages 30000] [--learned]
                                        [--no-real] [--tree NAME=PATH ...]

For each size (in MB) the generated proto of bench/scale_bench.py (`api/v1/big.proto`: many
messages, some personal fields, enums and services) is parsed, then analysed; ``--messages
N`` adds the generated proto of N messages (30,000 is the issue's "30k-message file",
about 8.3 MB and 230k fields). ``--learned`` adds the shipped learned second opinion, as
`pii scan`, `audit` and `check` do by default; without it the rules alone. Then the
real public trees of bench/pii_real_trees.py (the clones under /work/repos and a
googleapis checkout at /tmp/pii-classifier-googleapis, when present; ``--tree`` points
elsewhere). Parsing is not timed. Per tree: fields, wall seconds, CPU seconds of this
process (the honest figure on a shared machine), fields per CPU second, and how much the
resident set grew during the analysis.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pii_real_trees
import scale_bench

from pii_detector.analysis import analyze_tree
from pii_detector.learned import LearnedModel, model_if
from protomodel.model import ProtoTree
from protomodel.parse import build_tree


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def measure(name: str, tree: ProtoTree, learned: LearnedModel | None) -> None:
    gc.collect()
    before = _rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    analysis = analyze_tree(tree, learned=learned)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    grown = _rss_mb() - before
    fields = len(analysis.fields)
    print(
        f"{name:22} fields={fields:7}  wall {wall:6.1f} s  cpu {cpu:6.1f} s  "
        f"{fields / max(cpu, 1e-9):8.0f} fields/s  +{grown:5.0f} MB",
        flush=True,
    )


def generate_messages(count: int) -> str:
    """The generated proto with exactly `count` messages: the generator's text cut after
    the last block of message `count - 1` (its blocks are whole, a message per block)."""
    text, made, _ = scale_bench.generate(count * 300)  # ~280 bytes a message: enough
    if made < count:
        raise ValueError(f"the generator made {made} messages, fewer than {count}")
    cut = text.find("\n// A ", text.find(f"Record{count - 1} {{"))
    return text if cut < 0 else text[: cut + 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="*", default=[0.5, 1, 2, 5])
    parser.add_argument("--messages", type=int, nargs="*", default=[], metavar="N")
    parser.add_argument("--learned", action="store_true", help="add the learned second opinion")
    parser.add_argument("--no-real", action="store_true", help="only the generated protos")
    parser.add_argument("--tree", action="append", default=[], metavar="NAME=PATH")
    args = parser.parse_args(argv)
    learned = model_if(args.learned)
    for megabytes in args.sizes:
        text, _, _ = scale_bench.generate(int(megabytes * 1_000_000))
        tree = build_tree({"api/v1/big.proto": text})
        measure(f"generated {megabytes:g} MB", tree, learned)
        del tree
    for messages in args.messages:
        tree = build_tree({"api/v1/big.proto": generate_messages(messages)})
        measure(f"generated {messages} msgs", tree, learned)
        del tree
    if args.no_real:
        return 0
    trees = dict(pii_real_trees.DEFAULT_TREES)
    if args.tree:
        trees = {n: Path(p) for n, _, p in (t.partition("=") for t in args.tree)}
    for name, root in trees.items():
        if not root.is_dir():
            print(f"{name:22} not found at {root}, skipped")
            continue
        measure(name, build_tree(pii_real_trees.load(root)), learned)
    return 0


if __name__ == "__main__":
    sys.exit(main())
