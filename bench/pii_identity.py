"""Same input, same PII report: record the reports of a fixed set of trees, then compare.

    .venv/bin/python bench/pii_identity.py record DIR [--only SUBSTR ...]
    .venv/bin/python bench/pii_identity.py compare DIR [--only SUBSTR ...]

The cases: every labelled split under tests/pii/eval, the real public trees of
bench/pii_real_trees.py (when present) and bench/pii_speed.py's 30k-message file, each
with the rules alone and with the learned second opinion. For each case the PII report
JSON (`build_report`, as `pii scan --json` writes it) goes to ``DIR/<case>.json``;
``compare`` builds them again and prints, per case, ``same`` or the first differing line,
with the CPU seconds of the analysis. Speed work on the analysis must leave every case
``same``. Trees are parsed with the parser-based builder (parsing is not timed); with
``--cache DIR`` the parsed trees are pickled there, keyed by a hash of their sources, so
repeated comparisons skip the slow parse of googleapis and the 30k file.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pii_accuracy
import pii_real_trees
import pii_speed

from pii_detector.analysis import analyze_tree
from pii_detector.learned import model_if
from pii_detector.report import build_report, report_json
from protomodel.model import ProtoTree
from protomodel.parse import build_tree


def sources() -> Iterator[tuple[str, Callable[[], dict[str, str]]]]:
    for split in sorted(p.name for p in pii_accuracy.EVAL.iterdir() if p.is_dir()):
        yield f"eval-{split}", lambda split=split: pii_accuracy.load_sources(split)
    for name, root in pii_real_trees.DEFAULT_TREES.items():
        if root.is_dir():
            yield name, lambda root=root: pii_real_trees.load(root)
    yield "generated-30000", lambda: {"api/v1/big.proto": pii_speed.generate_messages(30000)}


def parsed(files: dict[str, str], cache: Path | None) -> ProtoTree:
    if cache is None:
        return build_tree(files)
    digest = hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()[:24]
    path = cache / f"{digest}.pickle"
    if path.is_file():
        with path.open("rb") as stream:
            tree: ProtoTree = pickle.load(stream)  # our own cache, written below
            return tree
    tree = build_tree(files)
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL))
    return tree


def reports(only: list[str], cache: Path | None) -> Iterator[tuple[str, str, float]]:
    learned = model_if(True)
    for name, load in sources():
        if only and not any(part in name for part in only):
            continue
        tree = parsed(load(), cache)
        for suffix, model in (("rules", None), ("learned", learned)):
            cpu = time.process_time()
            analysis = analyze_tree(tree, learned=model)
            cpu = time.process_time() - cpu
            yield f"{name}.{suffix}", report_json(build_report(analysis)), cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("record", "compare"))
    parser.add_argument("dir", type=Path)
    parser.add_argument("--only", nargs="*", default=[], metavar="SUBSTR")
    parser.add_argument("--cache", type=Path, metavar="DIR", help="pickle parsed trees here")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    differing = 0
    for case, text, cpu in reports(args.only, args.cache):
        path = args.dir / f"{case}.json"
        if args.mode == "record":
            path.write_text(text, encoding="utf-8")
            print(f"{case:32} recorded  cpu {cpu:6.1f} s", flush=True)
            continue
        if not path.is_file():
            print(f"{case:32} no record at {path}", flush=True)
            differing += 1
            continue
        recorded = path.read_text(encoding="utf-8")
        if recorded == text:
            print(f"{case:32} same      cpu {cpu:6.1f} s", flush=True)
            continue
        differing += 1
        for number, (old, new) in enumerate(
            zip(recorded.splitlines(), text.splitlines(), strict=False), 1
        ):
            if old != new:
                print(f"{case:32} DIFFERS at line {number}: {old.strip()!r} → {new.strip()!r}")
                break
        else:
            print(f"{case:32} DIFFERS in length", flush=True)
    if args.mode == "compare":
        print(f"{differing} case(s) differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
