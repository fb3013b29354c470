"""Wall time and peak memory of `check`, `audit` and `pii scan` on one large generated proto.

    .venv/bin/python bench/scale_bench.py [--sizes 0.5 1 2 5] [--limit-gb 4] [--timeout 300]
        [--commands check ...] [--bin DIR]

For each size (in MB) a synthetic `api/v1/big.proto` is generated: many messages with
realistic field names, some of them personal data (email, phone, SSN, birth date ...),
enums and services. It is committed as the base of a throwaway git repository in a
temporary directory, then one line is changed (a field is added to the middle message) and
committed as the head. Then, each in its own process:

- `protoguard check --no-llm --against HEAD~1 --head HEAD --format json`
- the same with `--no-buf` (protoguard's own engine alone)
- `protoguard audit run . --no-history --jobs 1 --json audit.json`
- `protoguard pii scan api/v1/big.proto --format json`

Each command runs under an address-space limit (`--limit-gb`, via prlimit, inherited by
buf) and a timeout, so a runaway is killed rather than taking the shared machine down; a
killed run is printed as `killed`. Memory is sampled from /proc per process: protoguard's
peak resident set, and buf's (`+ buf N MB`), which runs as a separate process during
`check`. One line per size, then a summary line.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORDS = [
    "account", "order", "invoice", "shipment", "catalog", "product", "cart", "payment",
    "refund", "ticket", "session", "device", "region", "tenant", "project", "policy",
    "quota", "metric", "report", "schedule", "booking", "vehicle", "route", "warehouse",
]  # fmt: skip
PLAIN_FIELDS = [
    ("string", "display_title"), ("int64", "item_count"), ("bool", "is_active"),
    ("string", "sku"), ("int32", "priority"), ("double", "unit_price"),
    ("string", "currency_code"), ("int64", "created_at_unix"), ("string", "status_reason"),
    ("bytes", "etag"), ("uint32", "revision"), ("string", "description"),
    ("float", "weight_kg"), ("string", "region_code"), ("int64", "quantity"),
]  # fmt: skip
PERSONAL_FIELDS = [
    ("string", "email"), ("string", "phone_number"), ("string", "ssn"),
    ("string", "date_of_birth"), ("string", "home_address"), ("string", "full_name"),
    ("string", "passport_number"), ("string", "ip_address"), ("string", "iban"),
]  # fmt: skip


def generate(target_bytes: int, seed: int = 16) -> tuple[str, int, str]:
    """The proto text, its message count and the name of the message the head changes."""
    rng = random.Random(seed)
    parts = ['syntax = "proto3";\n\npackage acme.big.v1;\n\n']
    size = len(parts[0])
    index = 0
    while size < target_bytes:
        word = WORDS[index % len(WORDS)]
        name = f"{word.capitalize()}Record{index}"
        lines = [f"// A {word} record, generated for the scale bench.\nmessage {name} {{\n"]
        count = rng.randint(4, 10)
        fields = rng.sample(PLAIN_FIELDS, k=min(count, len(PLAIN_FIELDS)))
        if rng.random() < 0.3:
            fields.append(rng.choice(PERSONAL_FIELDS))
        for number, (type_, field) in enumerate(fields, start=1):
            lines.append(f"  {type_} {field} = {number};\n")
        if index and rng.random() < 0.3:
            lines.append(f"  {WORDS[(index - 1) % len(WORDS)].capitalize()}Record{index - 1}"
                         f" previous = {len(fields) + 1};\n")  # fmt: skip
        lines.append("}\n\n")
        if index % 25 == 0:
            lines.append(
                f"enum {name}State {{\n  {name.upper()}_STATE_UNSPECIFIED = 0;\n"
                f"  {name.upper()}_STATE_OPEN = 1;\n  {name.upper()}_STATE_CLOSED = 2;\n}}\n\n"
            )
        if index % 50 == 0:
            lines.append(
                f"service {name}Service {{\n  rpc Get{name}({name}) returns ({name});\n}}\n\n"
            )
        block = "".join(lines)
        parts.append(block)
        size += len(block)
        index += 1
    middle = f"{WORDS[(index // 2) % len(WORDS)].capitalize()}Record{index // 2}"
    return "".join(parts), index, middle


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def make_repo(directory: Path, megabytes: float) -> int:
    text, messages, middle = generate(int(megabytes * 1_000_000))
    proto = directory / "api" / "v1" / "big.proto"
    proto.parent.mkdir(parents=True)
    proto.write_text(text)
    _git(directory, "init", "-q", "-b", "main")
    _git(directory, "add", ".")
    env = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    _git(directory, *env, "commit", "-q", "-m", "base")
    head = text.replace(f"message {middle} {{\n", f"message {middle} {{\n  string note = 99;\n")
    proto.write_text(head)
    _git(directory, *env, "commit", "-qam", "one-line change")
    return messages


def measure(
    command: list[str], cwd: Path, bin_dir: Path, limit_bytes: int, timeout: float
) -> tuple[str, str, str]:
    """(seconds, protoguard's peak MB, buf's peak MB) of one command; seconds is 'killed'
    or 'timeout' when it hit a limit. Peaks are sampled from /proc every 50 ms, per process
    (buf runs as a child of protoguard), so a short spike between samples can be missed."""
    started = time.perf_counter()
    process = subprocess.Popen(
        ["prlimit", f"--as={limit_bytes}", "--", *command],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "NO_COLOR": "1"},
    )
    peaks = {"buf": 0, "protoguard": 0}
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            return "timeout", _mb(peaks["protoguard"]), _mb(peaks["buf"])
        for pid in _tree(process.pid):
            name, rss = _name_and_rss(pid)
            if name:
                key = "buf" if name == "buf" else "protoguard"
                peaks[key] = max(peaks[key], rss)
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    code = process.returncode
    if code not in (0, 1):
        stderr = process.stderr.read().decode(errors="replace").strip().splitlines()
        last = stderr[-1] if stderr else f"exit {code}"
        print(f"    {command[0]} {command[1]}: exit {code}: {last[:160]}", file=sys.stderr)
        return "killed", _mb(peaks["protoguard"]), _mb(peaks["buf"])
    return f"{elapsed:.1f}", _mb(peaks["protoguard"]), _mb(peaks["buf"])


def _mb(size: int) -> str:
    return f"{size / 1024**2:.0f}"


def _tree(pid: int) -> list[int]:
    """pid and its descendants, from /proc/PID/task/*/children."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    queue.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


def _name_and_rss(pid: int) -> tuple[str, int]:
    try:
        with open(f"/proc/{pid}/comm") as handle:
            name = handle.read().strip()
        with open(f"/proc/{pid}/statm") as handle:
            rss = int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return "", 0
    return name, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[0.5, 1, 2, 5])
    parser.add_argument("--limit-gb", type=float, default=4.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument(
        "--bin", type=Path, default=ROOT / ".venv" / "bin", help="Directory of protoguard and buf."
    )
    parser.add_argument(
        "--commands",
        nargs="+",
        choices=["check", "check --no-buf", "audit", "pii scan"],
        help="Measure only these (default: all four).",
    )
    args = parser.parse_args()
    if not shutil.which("prlimit"):
        sys.exit("prlimit (util-linux) is needed to bound each run's memory")
    limit = int(args.limit_gb * 1024**3)
    protoguard = str(args.bin / "protoguard")
    commands = {
        "check": [protoguard, "check", "--no-llm", "--against", "HEAD~1", "--head", "HEAD",
                  "--format", "json"],
        "check --no-buf": [protoguard, "check", "--no-llm", "--no-buf", "--against", "HEAD~1",
                           "--head", "HEAD", "--format", "json"],
        "audit": [protoguard, "audit", "run", ".", "--no-history", "--jobs", "1",
                  "--json", "audit.json"],
        "pii scan": [protoguard, "pii", "scan", "api/v1/big.proto", "--format", "json"],
    }  # fmt: skip
    if args.commands:
        commands = {label: command for label, command in commands.items() if label in args.commands}
    print(
        f"limit {args.limit_gb:g} GB address space, timeout {args.timeout:g} s;"
        " seconds / protoguard's peak MB (+ buf's peak MB, a separate process)"
    )
    summary = []
    for megabytes in args.sizes:
        with tempfile.TemporaryDirectory(prefix="protoguard-scale-") as tmp:
            repo = Path(tmp)
            messages = make_repo(repo, megabytes)
            cells = []
            for label, command in commands.items():
                seconds, peak, buf_peak = measure(command, repo, args.bin, limit, args.timeout)
                with_buf = f" (+ buf {buf_peak} MB)" if buf_peak != "0" else ""
                cells.append(f"{label} {seconds} s {peak} MB{with_buf}")
                summary.append((megabytes, label, seconds, peak))
            print(f"{megabytes:g} MB ({messages} messages): " + "; ".join(cells), flush=True)
    worst = max((float(p) for _, _, _, p in summary if p.replace(".", "").isdigit()), default=0.0)
    killed = sum(1 for _, _, s, _ in summary if not s.replace(".", "").isdigit())
    print(
        f"summary: {len(summary)} runs, {killed} killed or timed out,"
        f" protoguard's worst peak {worst:.0f} MB"
    )


if __name__ == "__main__":
    main()
