"""Speed of the PII analysis alone (`analyze_tree`), in fields per second; with ``--scan``,
of the whole `protoguard pii scan` command.

    .venv/bin/python bench/pii_speed.py [--sizes 0.5 1 2 5] [--messages 30000] [--learned]
                                        [--no-real] [--tree NAME=PATH ...]
    .venv/bin/python bench/pii_speed.py --scan [--sizes …] [--messages 30000] [--no-learned]
                                        [--pythonpath DIR]

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

``--scan`` writes each generated proto to a temporary directory and runs `protoguard pii
scan FILE --format json` on it (the learned second opinion on, as by default; off with
``--no-learned``) in a process of its own: wall seconds, CPU seconds of the command and
its children (buf included), protoguard's peak resident set and buf's (sampled from /proc
every 20 ms). ``--pythonpath DIR`` runs another checkout's code with this interpreter
(a worktree of an older commit: the figures before a change).
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
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


def scan(name: str, text: str, learned: bool, pythonpath: str | None) -> None:
    """`protoguard pii scan` on ``text`` in a process of its own: wall, CPU, peak memory."""
    with tempfile.TemporaryDirectory(prefix="pii-speed-") as tmp:
        path = Path(tmp) / "api" / "v1" / "big.proto"
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
        command = [str(Path(sys.executable).parent / "protoguard"), "pii", "scan", str(path)]
        command += ["--format", "json"] + ([] if learned else ["--no-learned"])
        env = dict(os.environ)
        if pythonpath:
            env["PYTHONPATH"] = pythonpath
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        peaks = {"buf": 0, "protoguard": 0}
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            for child in scale_bench._tree(process.pid):
                comm, rss = scale_bench._name_and_rss(child)
                if comm:
                    key = "buf" if comm == "buf" else "protoguard"
                    peaks[key] = max(peaks[key], rss)
            time.sleep(0.02)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            error = process.stderr.read().decode(errors="replace") if process.stderr else ""
            print(f"{name:22} exit {code}: {error.strip()[-200:]}", flush=True)
            return
    cpu = usage.ru_utime + usage.ru_stime
    print(
        f"{name:22} {len(text) / 1e6:5.1f} MB  wall {wall:6.1f} s  cpu {cpu:6.1f} s  "
        f"peak {peaks['protoguard'] / 1e6:5.0f} MB + buf {peaks['buf'] / 1e6:4.0f} MB",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="*", default=[0.5, 1, 2, 5])
    parser.add_argument("--messages", type=int, nargs="*", default=[], metavar="N")
    parser.add_argument("--learned", action="store_true", help="add the learned second opinion")
    parser.add_argument("--no-real", action="store_true", help="only the generated protos")
    parser.add_argument("--tree", action="append", default=[], metavar="NAME=PATH")
    parser.add_argument("--scan", action="store_true", help="time `protoguard pii scan` whole")
    parser.add_argument("--no-learned", action="store_true", help="--scan: the rules alone")
    parser.add_argument("--pythonpath", metavar="DIR", help="--scan: run another checkout")
    args = parser.parse_args(argv)
    if args.scan:
        for megabytes in args.sizes:
            text, _, _ = scale_bench.generate(int(megabytes * 1_000_000))
            scan(f"generated {megabytes:g} MB", text, not args.no_learned, args.pythonpath)
        for messages in args.messages:
            text = generate_messages(messages)
            scan(f"generated {messages} msgs", text, not args.no_learned, args.pythonpath)
        return 0
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
