"""Replay a repository's history through protoguard and plain `buf breaking`, side by side.

    .venv/bin/python bench/history.py REPO [--commits 40] [--jobs 2] [--json out.json]

REPO is a local git repository; it is cloned to a temporary directory first and never
modified. For each of the newest N first-parent commits that touch a `.proto` file (the
root commit has no base and is left out), with P its first parent:

* `protoguard check --repo CLONE --against P --head C --no-llm --format json`
* `buf breaking C_DIR --against P_DIR --error-format json`, where each directory is the
  commit's tree (`git archive`), so buf reads the repository's own buf.yaml.

One line per commit says who blocked and why (rule IDs), then a last line

    history: commits=N errors=E both=B protoguard_only=P buf_only=U median_s=S buf_errors=F

`errors` counts commits where protoguard failed (exit 2, a crash or a timeout), each with
its one-line message; `buf_errors` counts commits where buf itself could not build (for
example BSR dependencies that cannot be fetched offline, or a tree that did not build before
the change either); those commits are compared as "buf did not block". A head that buf
cannot build where the base builds counts as buf blocking (`COMPILE`). `median_s` is protoguard's median wall time per commit. `--json FILE`
writes every commit's result so that two runs can be compared.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent
BUF_BREAKING = 100  # buf's exit code for "breaking changes found"


@dataclass
class ToolResult:
    blocked: bool = False
    rules: list[str] = field(default_factory=list)  # rule IDs of the blocking findings
    error: str | None = None  # one line when the tool could not judge the commit
    seconds: float = 0.0


@dataclass
class CommitResult:
    sha: str
    parent: str
    subject: str
    protoguard: ToolResult
    buf: ToolResult

    @property
    def outcome(self) -> str:
        if self.protoguard.error is not None:
            return "error"
        pg, buf = self.protoguard.blocked, self.buf.blocked
        return {
            (True, True): "both",
            (True, False): "protoguard_only",
            (False, True): "buf_only",
            (False, False): "neither",
        }[(pg, buf)]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"


def proto_commits(repo: Path, limit: int) -> list[tuple[str, str, str]]:
    """(sha, first parent, subject) of the newest first-parent commits touching .proto."""
    out = git(repo, "log", "--first-parent", "--format=%H%x00%P%x00%s", "HEAD", "--", "*.proto")
    found = []
    for line in out.splitlines():
        sha, parents, subject = line.split("\0", 2)
        if not parents:
            continue  # the root commit has nothing to compare against
        found.append((sha, parents.split()[0], subject))
        if len(found) == limit:
            break
    return found


def run_protoguard(clone: Path, parent: str, sha: str, timeout: float) -> ToolResult:
    command = [
        str(BIN / "protoguard"),
        "check",
        "--repo",
        str(clone),
        "--against",
        parent,
        "--head",
        sha,
        "--no-llm",
        "--format",
        "json",
    ]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return ToolResult(error=f"timed out after {timeout:.0f}s", seconds=timeout)
    seconds = round(time.perf_counter() - started, 2)
    if done.returncode not in (0, 1):
        return ToolResult(error=first_line(done.stderr or done.stdout), seconds=seconds)
    try:
        verdict = json.loads(done.stdout)
    except json.JSONDecodeError:
        return ToolResult(
            error="the verdict is not JSON: " + first_line(done.stdout), seconds=seconds
        )
    rules = sorted(
        {c["rule"] for c in verdict["changes"] if c["is_breaking"] and c["suppressed"] is None}
    )
    return ToolResult(blocked=done.returncode == 1, rules=rules, seconds=seconds)


def export_tree(clone: Path, sha: str, dest: Path) -> None:
    dest.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(clone), "archive", "--format=tar", sha], check=True, capture_output=True
    ).stdout
    with tempfile.TemporaryFile() as handle:
        handle.write(archive)
        handle.seek(0)
        with tarfile.open(fileobj=handle) as tar:
            tar.extractall(dest, filter="data")


def run_buf(clone: Path, parent: str, sha: str, scratch: Path, timeout: float) -> ToolResult:
    head_dir, base_dir = scratch / "head", scratch / "base"
    export_tree(clone, sha, head_dir)
    export_tree(clone, parent, base_dir)
    buf = shutil.which("buf", path=str(BIN)) or "buf"
    command = [buf, "breaking", str(head_dir), "--against", str(base_dir), "--error-format", "json"]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return ToolResult(error=f"timed out after {timeout:.0f}s", seconds=timeout)
    seconds = round(time.perf_counter() - started, 2)
    if done.returncode == 0:
        return ToolResult(seconds=seconds)
    rules = set()
    for line in done.stdout.splitlines():
        try:
            rules.add(json.loads(line)["type"])
        except (json.JSONDecodeError, KeyError, TypeError):
            continue
    if rules == {"COMPILE"}:
        # buf could not build: a change that broke the build is a block, a tree that did
        # not build before the change either gives buf no opinion on it.
        base_build = subprocess.run(
            [buf, "build", str(base_dir)], capture_output=True, text=True, timeout=timeout
        )
        if base_build.returncode != 0:
            return ToolResult(error="does not build before or after the change", seconds=seconds)
    if done.returncode == BUF_BREAKING and rules:
        return ToolResult(blocked=True, rules=sorted(rules), seconds=seconds)
    return ToolResult(error=first_line(done.stderr or done.stdout), seconds=seconds)


def judge(clone: Path, commit: tuple[str, str, str], timeout: float) -> CommitResult:
    sha, parent, subject = commit
    with tempfile.TemporaryDirectory(prefix="history-buf-") as scratch:
        try:
            buf = run_buf(clone, parent, sha, Path(scratch), timeout)
        except (subprocess.CalledProcessError, OSError, tarfile.TarError) as exc:
            buf = ToolResult(error=f"{type(exc).__name__}: {exc}"[:300])
    try:
        protoguard = run_protoguard(clone, parent, sha, timeout)
    except OSError as exc:
        protoguard = ToolResult(error=f"{type(exc).__name__}: {exc}"[:300])
    return CommitResult(sha=sha, parent=parent, subject=subject, protoguard=protoguard, buf=buf)


def describe(result: CommitResult) -> str:
    pg, buf = result.protoguard, result.buf
    pg_text = f"error: {pg.error}" if pg.error else (",".join(pg.rules) if pg.blocked else "-")
    buf_text = f"error: {buf.error}" if buf.error else (",".join(buf.rules) if buf.blocked else "-")
    return (
        f"{result.sha[:8]} {result.outcome:<15} pg[{pg_text}] buf[{buf_text}] "
        f"{pg.seconds:.1f}s  {result.subject[:60]}"
    )


def summary(results: list[CommitResult]) -> str:
    outcomes = [r.outcome for r in results]
    seconds = [r.protoguard.seconds for r in results if r.protoguard.error is None]
    median = statistics.median(seconds) if seconds else 0.0
    return (
        f"history: commits={len(results)} errors={outcomes.count('error')} "
        f"both={outcomes.count('both')} protoguard_only={outcomes.count('protoguard_only')} "
        f"buf_only={outcomes.count('buf_only')} median_s={median:.2f} "
        f"buf_errors={sum(r.buf.error is not None for r in results)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path, help="a local git repository (read, never modified)")
    parser.add_argument("--commits", type=int, default=40, help="newest N commits touching .proto")
    parser.add_argument("--jobs", type=int, default=1, help="commits judged at once")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per tool run")
    parser.add_argument("--json", type=Path, help="write the per-commit results here")
    args = parser.parse_args()
    if not (args.repo / ".git").exists() and not (args.repo / "HEAD").is_file():
        print(f"error: {args.repo} is not a git repository", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="history-") as tmp:
        clone = Path(tmp) / "repo"
        subprocess.run(
            ["git", "clone", "--quiet", "--no-checkout", str(args.repo.resolve()), str(clone)],
            check=True,
        )
        commits = proto_commits(clone, args.commits)
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            results = []
            for result in pool.map(lambda c: judge(clone, c, args.timeout), commits):
                print(describe(result), flush=True)
                results.append(result)
    line = summary(results)
    print(line)
    if args.json is not None:
        payload = {
            "repo": str(args.repo),
            "summary": line,
            "commits": [{**asdict(r), "outcome": r.outcome} for r in results],
        }
        tmp_path = args.json.with_name(args.json.name + ".tmp")
        tmp_path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
        tmp_path.replace(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
