"""Wall time and peak memory of `check`, `audit` and `pii scan` on one large generated proto.

    .venv/bin/python bench/scale_bench.py [--sizes 0.5 1 2 5] [--limit-gb 4] [--timeout 300]

For each size (in MB) a synthetic `api/v1/big.proto` is generated: many messages with
realistic field names, some of them personal data (email, phone, SSN, birth date ...),
enums and services. It is committed as the base of a throwaway git repository in a
temporary directory, then one line is changed (a field is added to the middle message) and
committed as the head. Then, each in its own process:

- `protoguard check --no-llm --against HEAD~1 --head HEAD --format json`
- `protoguard audit run . --no-history --jobs 1 --json audit.json`
- `protoguard pii scan api/v1/big.proto --format json`

Each command runs under an address-space limit (`--limit-gb`, via prlimit in the child) and
a timeout, so a runaway is killed rather than taking the shared machine down; a killed run
is printed as `killed`. Peak memory is the child's maximum resident set size
(`os.wait4` on each child: getrusage(RUSAGE_CHILDREN) would be cumulative). One line per size, then a summary line.
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
) -> tuple[str, str]:
    """(seconds, peak MB) of one command, or ('killed', ...) when it hit a limit."""
    started = time.perf_counter()
    process = subprocess.Popen(
        ["prlimit", f"--as={limit_bytes}", "--", *command],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "NO_COLOR": "1"},
    )
    try:
        _, status, usage = _wait4(process, timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, status, usage = os.wait4(process.pid, 0)
        return "timeout", f"{usage.ru_maxrss / 1024:.0f}"
    elapsed = time.perf_counter() - started
    peak = f"{usage.ru_maxrss / 1024:.0f}"
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        stderr = process.stderr.read().decode(errors="replace").strip().splitlines()
        last = stderr[-1] if stderr else f"exit {code}"
        print(f"    {command[0]} {command[1]}: exit {code}: {last[:160]}", file=sys.stderr)
        return "killed", peak
    return f"{elapsed:.1f}", peak


def _wait4(process: subprocess.Popen, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return pid, status, usage
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(process.args, timeout)
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[0.5, 1, 2, 5])
    parser.add_argument("--limit-gb", type=float, default=4.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument(
        "--bin", type=Path, default=ROOT / ".venv" / "bin", help="Directory of protoguard and buf."
    )
    args = parser.parse_args()
    if not shutil.which("prlimit"):
        sys.exit("prlimit (util-linux) is needed to bound each run's memory")
    limit = int(args.limit_gb * 1024**3)
    protoguard = str(args.bin / "protoguard")
    commands = {
        "check": [protoguard, "check", "--no-llm", "--against", "HEAD~1", "--head", "HEAD",
                  "--format", "json"],
        "audit": [protoguard, "audit", "run", ".", "--no-history", "--jobs", "1",
                  "--json", "audit.json"],
        "pii scan": [protoguard, "pii", "scan", "api/v1/big.proto", "--format", "json"],
    }  # fmt: skip
    print(
        f"limit {args.limit_gb:g} GB address space, timeout {args.timeout:g} s; seconds / peak MB"
    )
    summary = []
    for megabytes in args.sizes:
        with tempfile.TemporaryDirectory(prefix="protoguard-scale-") as tmp:
            repo = Path(tmp)
            messages = make_repo(repo, megabytes)
            cells = []
            for label, command in commands.items():
                seconds, peak = measure(command, repo, args.bin, limit, args.timeout)
                cells.append(f"{label} {seconds} s {peak} MB")
                summary.append((megabytes, label, seconds, peak))
            print(f"{megabytes:g} MB ({messages} messages): " + "; ".join(cells), flush=True)
    worst = max((float(p) for _, _, _, p in summary if p.replace(".", "").isdigit()), default=0.0)
    killed = sum(1 for _, _, s, _ in summary if not s.replace(".", "").isdigit())
    print(f"summary: {len(summary)} runs, {killed} killed or timed out, worst peak {worst:.0f} MB")


if __name__ == "__main__":
    main()
