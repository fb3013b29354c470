"""The PII classifier on whole real public proto trees: HIGH fields and review cost.

    python bench/pii_real_trees.py [--tree NAME=PATH ...] [--show-high] [--show-review] [--learned]

By default it reads the clones under /work/repos (opentelemetry-proto, envoy's
data-plane-api, protovalidate) and a googleapis checkout at /tmp/pii-classifier-googleapis
when present; pass ``--tree name=path`` to point at other checkouts. Nothing is copied into
the project: the files are read in place. Per tree it prints the number of fields, how many
are HIGH / MEDIUM / LOW, and how many are *needs review* per 100 fields (the review cost a
team pays). ``--show-high`` lists every HIGH field with the rule that decided, so a
reviewer can check that each one is a real secret. ``--learned`` adds the shipped learned
model's second opinion (pii_detector/learned.py), as `pii scan`, `audit` and `check` do by
default; without it the figures are the rules alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from pii_detector import learned
from pii_detector.analysis import analyze_tree
from pii_detector.levels import Sensitivity
from protomodel.parse import build_tree

DEFAULT_TREES = {
    "opentelemetry-proto": Path("/work/repos/opentelemetry-proto"),
    "data-plane-api": Path("/work/repos/data-plane-api"),
    "protovalidate": Path("/work/repos/protovalidate"),
    "googleapis": Path("/tmp/pii-classifier-googleapis"),
}
# Directories whose files are not the tree's own API (tests, examples, vendored copies).
_SKIP_PARTS = frozenset({"test", "tests", "testdata", "examples", "third_party", "vendor"})


def _module_root(path: Path, root: Path) -> Path:
    """The import root of a file: the directory its `package` path starts from."""
    text = path.read_text(encoding="utf-8", errors="replace")
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("package ") and stripped.endswith(";"):
            parts = stripped[len("package ") : -1].strip().split(".")
            rel = path.parent.relative_to(root).parts
            # When the directories end with the package path, the root is above them.
            for cut in range(len(rel), -1, -1):
                if tuple(rel[cut:]) == tuple(parts[: len(rel) - cut]) and cut < len(rel):
                    return root.joinpath(*rel[:cut])
            break
    return root


def load(root: Path) -> dict[str, str]:
    sources: dict[str, str] = {}
    for path in sorted(root.rglob("*.proto")):
        rel = path.relative_to(root)
        if _SKIP_PARTS & set(rel.parts) or any(p.startswith(".") for p in rel.parts):
            continue
        base = _module_root(path, root)
        sources[str(path.relative_to(base))] = path.read_text(encoding="utf-8", errors="replace")
    return sources


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", default=[], metavar="NAME=PATH")
    parser.add_argument("--show-high", action="store_true")
    parser.add_argument("--show-review", action="store_true")
    parser.add_argument("--show-medium", action="store_true")
    parser.add_argument("--learned", action="store_true", help="add the learned second opinion")
    args = parser.parse_args(argv)
    trees = dict(DEFAULT_TREES)
    if args.tree:
        trees = {n: Path(p) for n, _, p in (t.partition("=") for t in args.tree)}
    for name, root in trees.items():
        if not root.is_dir():
            print(f"{name}: not found at {root}, skipped")
            continue
        sources = load(root)
        started = time.perf_counter()
        analysis = analyze_tree(build_tree(sources), learned=learned.model_if(args.learned))
        seconds = time.perf_counter() - started
        fields = analysis.fields
        levels = Counter(f.sensitivity for f in fields)
        review = [f for f in fields if f.needs_review]
        print(
            f"{name:20} files={len(sources):5} fields={len(fields):6}  "
            f"HIGH={levels[Sensitivity.HIGH]:4} MEDIUM={levels[Sensitivity.MEDIUM]:4} "
            f"LOW={levels[Sensitivity.LOW]:4}  needs_review={len(review):4} "
            f"({100 * len(review) / max(1, len(fields)):.2f} per 100 fields)  {seconds:.1f}s"
        )
        shown = []
        if args.show_high:
            shown += [f for f in fields if f.sensitivity == Sensitivity.HIGH]
        if args.show_medium:
            shown += [f for f in fields if f.sensitivity == Sensitivity.MEDIUM]
        if args.show_review:
            shown += review
        for f in shown:
            flag = " [review]" if f.needs_review else ""
            print(f"  {f.sensitivity.value:6} {f.element} ({f.type}){flag}: {f.reasoning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
