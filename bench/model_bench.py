"""CPU time and peak memory of the model stages of `check` on one large generated proto.

    .venv/bin/python bench/model_bench.py [--sizes 0.5 1 2 5]

For each size the proto of `bench/scale_bench.py` (the same generator, the same one-line
change) is compiled by buf into a base and a head image, then, in a fresh process:
`tree_from_image` of each side, `match_elements` and `run_rules` (the diff engine with
every rule). Figures are CPU seconds of this process (so a loaded shared machine
distorts them less than wall time) and its peak resident set after each stage; buf
itself is not measured (see scale_bench.py for the whole gate).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale_bench import make_repo  # noqa: E402

MODULE_PATH = "api/v1/big.proto"


def _images(repo: Path, directory: Path, buf: str) -> tuple[Path, Path]:
    """base.binpb (HEAD~1) and head.binpb (HEAD) of the generated repository."""
    images = []
    for side, ref in (("base", "HEAD~1"), ("head", "HEAD")):
        tree = directory / side
        proto = tree / MODULE_PATH
        proto.parent.mkdir(parents=True)
        shown = subprocess.run(
            ["git", "-C", str(repo), "show", f"{ref}:{MODULE_PATH}"],
            check=True,
            capture_output=True,
        )
        proto.write_bytes(shown.stdout)
        image = directory / f"{side}.binpb"
        subprocess.run([buf, "build", str(tree), "-o", str(image)], check=True)
        images.append(image)
    return images[0], images[1]


def _stages(base_image: Path, head_image: Path) -> str:
    """Run in a fresh process: one line of figures."""
    from compat_checker.diff import DiffContext, match_elements, run_rules
    from compat_checker.findings import ChangedFile, FileStatus
    from compat_checker.rules.registry import all_rules
    from protomodel.descriptors import tree_from_image

    cells = []

    def stage(label: str, run: Callable[[], Any]) -> Any:
        started = time.process_time()
        result = run()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        cells.append(f"{label} {time.process_time() - started:.1f} s (peak {peak:.0f} MB)")
        return result

    reviewed = {MODULE_PATH}
    base = stage("base model", lambda: tree_from_image(base_image.read_bytes(), reviewed=reviewed))
    head = stage("head model", lambda: tree_from_image(head_image.read_bytes(), reviewed=reviewed))
    files = [ChangedFile(path=MODULE_PATH, status=FileStatus.MODIFIED)]
    pairs = stage("match", lambda: match_elements(base, head, files))
    context = DiffContext(
        base=base, head=head, changed_files=files, list_head_packages=lambda: set()
    )
    changes = stage("rules", lambda: run_rules(context, pairs, all_rules()))
    return "; ".join(cells) + f"; {len(pairs)} pairs, {len(changes)} findings"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[0.5, 1, 2, 5])
    parser.add_argument("--stages", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stages:
        print(_stages(*args.stages), flush=True)
        return
    buf = shutil.which("buf", path=str(Path(sys.executable).parent)) or shutil.which("buf")
    if buf is None:
        sys.exit("buf is needed (the buf-bin package of the venv)")
    print("CPU seconds and this process's peak RSS after each stage")
    for megabytes in args.sizes:
        with tempfile.TemporaryDirectory(prefix="protoguard-model-") as tmp:
            directory = Path(tmp)
            repo = directory / "repo"
            repo.mkdir()
            messages = make_repo(repo, megabytes)
            base_image, head_image = _images(repo, directory, buf)
            line = subprocess.run(
                [sys.executable, __file__, "--stages", str(base_image), str(head_image)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            print(f"{megabytes:g} MB ({messages} messages): {line}", flush=True)


if __name__ == "__main__":
    main()
