"""Time `protoguard audit` on a corpus of ≥2,000 .proto files in a git repository with history.

    .venv/bin/python bench/audit_bench.py [--files 2000] [--jobs 1 2] [--keep DIR]

The corpus: every .proto installed with googleapis-common-protos and grpcio-tools (copied
from site-packages), plus generated files (a few messages with PII-looking and plain
fields, one service with list/get RPCs, cross-file imports) up to ``--files``. The history
has three commits: everything, then a field deleted in every tenth generated file, then
its number reused in every thirtieth, so the history checks have real work and findings.

Each run is the real CLI in a subprocess (`protoguard audit PATH --json … --jobs N
--include-vendored`, with and without `--no-history`; the installed protos are in
third_party/, vendored by default), so the figures include start-up, discovery, parsing, the PII
analysis, the git history scan and writing the report. Peak memory is the largest maximum
RSS among the audit process and its workers (forked: they share the parent's pages); CPU s is the
user + system time of the audit and its workers together.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import site
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": "/usr/bin:/bin",
}
PII_FIELDS = ("email", "phone_number", "full_name", "birth_date", "home_address", "ssn")
PLAIN_FIELDS = ("page_size", "revision", "status_code", "region", "created_time", "tags")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True)


def installed_protos() -> dict[str, bytes]:
    """Repo path → content of the .proto files installed in site-packages."""
    found: dict[str, bytes] = {}
    for directory in site.getsitepackages():
        base = Path(directory)
        for path in sorted(base.glob("google/**/*.proto")) + sorted(
            base.glob("grpc_tools/_proto/**/*.proto")
        ):
            relative = path.relative_to(base).as_posix().removeprefix("grpc_tools/_proto/")
            found.setdefault(f"third_party/{relative}", path.read_bytes())
    return found


def generated(n: int, *, deleted: bool, reused: bool) -> str:
    package = f"bench.svc{n % 50}.v1"
    imports = f'import "bench/svc{(n + 1) % 50}/v1/file{n + 1}.proto";\n' if n % 7 == 0 else ""
    messages = []
    for m in range(5):
        fields = ["  string id = 1;"]
        for k, name in enumerate(PII_FIELDS[m % 3 : m % 3 + 3] + PLAIN_FIELDS[m : m + 3]):
            number = k + 2
            if m == 0 and number == 3 and deleted:
                continue  # the deleted field (number 3)
            kind = "repeated string" if name == "tags" else "string"
            fields.append(f"  {kind} {name} = {number};")
        if m == 0 and deleted and reused:
            fields.append("  int64 legacy_counter = 3;")
        messages.append(f"message Item{n}x{m} {{\n" + "\n".join(fields) + "\n}")
    link = (
        f"message Link{n} {{ bench.svc{(n + 1) % 50}.v1.Item{n + 1}x0 target = 1; }}"
        if imports
        else ""
    )
    service = (
        f"service Service{n} {{\n"
        f"  rpc ListItems{n}(Item{n}x1) returns (Item{n}x0);\n"
        f"  rpc GetItem{n}(Item{n}x2) returns (Item{n}x3);\n}}"
    )
    return (
        f'syntax = "proto3";\npackage {package};\n{imports}\n'
        + "\n\n".join([*messages, link, service])
        + "\n"
    )


def build_corpus(root: Path, total: int) -> int:
    git(root, "init", "-q", "-b", "main")
    installed = installed_protos()
    count = max(0, total - len(installed))

    def write(step: int) -> None:
        for n in range(count):
            path = root / f"bench/svc{n % 50}/v1/file{n}.proto"
            path.parent.mkdir(parents=True, exist_ok=True)
            deleted = step >= 2 and n % 10 == 0
            reused = step >= 3 and n % 30 == 0
            path.write_text(generated(n, deleted=deleted, reused=reused))
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", f"step {step}")

    for path, data in installed.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for step in (1, 2, 3):
        write(step)
    return len(installed) + count


# Runs the audit and prints the largest RSS among it and its workers, in a fresh process so
# that RUSAGE_CHILDREN (a running maximum) covers this run alone.
_MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stderr.write(done.stderr)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
sys.exit(done.returncode)
"""


def run(root: Path, jobs: int, history: bool, out: Path) -> tuple[float, float, float, dict]:
    command = [str(VENV_BIN / "protoguard"), "audit", str(root), "--json", str(out)]
    # The installed protos sit in third_party/, which the audit leaves out by default as
    # vendored: they are audited too here, so every file of the corpus is measured.
    command += ["--jobs", str(jobs), "--fail-on", "never", "--include-vendored"]
    if not history:
        command.append("--no-history")
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"audit failed ({done.returncode}): {done.stderr.strip()}")
    peak_kib, cpu = done.stdout.split()
    return elapsed, float(cpu), int(peak_kib) / 1024, json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--keep", type=Path, help="build the corpus here and keep it")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="audit-bench-"))
    root = args.keep or workdir / "corpus"
    root.mkdir(parents=True, exist_ok=True)
    try:
        start = time.perf_counter()
        files = build_corpus(root, args.files)
        print(f"corpus: {files} .proto files, 3 commits ({time.perf_counter() - start:.1f} s)")
        # Shared machines make wall time noisy: the load and the CPU time put it in context.
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(
            f"{'jobs':>4}  {'history':>7}  {'seconds':>8}  {'files/s':>8}  {'CPU s':>6}  "
            f"{'peak RSS':>9}  findings"
        )
        for history in (False, True):
            for jobs in sorted(args.jobs):
                elapsed, cpu, peak, report = run(root, jobs, history, workdir / "report.json")
                assert report["totals"]["files"] == files, report["totals"]["files"]
                rules = report["totals"]["findings_by_rule"]
                print(
                    f"{jobs:>4}  {'on' if history else 'off':>7}  {elapsed:>8.1f}  "
                    f"{files / elapsed:>8.1f}  {cpu:>6.1f}  {peak:>5.0f} MiB  "
                    f"{sum(rules.values())} (reused {rules['AUDIT_FIELD_NUMBER_REUSED']}, "
                    f"not reserved {rules['AUDIT_DELETED_FIELD_NOT_RESERVED']}, "
                    f"errors {len(report['errors'])})"
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
