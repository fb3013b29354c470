"""Run buf's own breaking-rule test suite through `protoguard check` and plain `buf breaking`.

    python bench/buf_suite.py PATH_TO_BUF_CHECKOUT [--case NAME ...] [--no-buf]

Each case of `private/bufpkg/bufcheck/testdata/breaking/{previous,current}/<case>` becomes
a two-commit git repository in a temp directory (previous, then current). protoguard checks
HEAD~1 → HEAD; plain buf compares the two directories with the case's own buf.yaml. The
bench compares the findings that carry a buf rule, as (path, line, buf rule), and prints one
line per case that differs, then

    buf-suite: cases=N exit2=N equal=N differ=N protoguard_s=… buf_s=…

Bring the checkout with the fetch tool; nothing of buf's testdata is copied into the project.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTDATA = Path("private/bufpkg/bufcheck/testdata/breaking")
Annotation = tuple[str, int, str]


def _git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def _copy_tree(source: Path, target: Path) -> None:
    for item in target.iterdir():
        if item.name != ".git":
            shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()
    if source.is_dir():
        # copy, not copy2: a file of the same size with its source's old mtime looks
        # unchanged to git's index, and the commit would silently keep the previous text
        shutil.copytree(
            source, target, dirs_exist_ok=True, symlinks=True, copy_function=shutil.copy
        )


def _buf() -> str:
    local = Path(sys.executable).parent / "buf"
    return str(local) if local.is_file() else "buf"


def plain_buf(previous: Path, current: Path) -> tuple[set[Annotation], float, str]:
    started = time.monotonic()
    proc = subprocess.run(
        [_buf(), "breaking", str(current), "--against", str(previous), "--error-format", "json"],
        capture_output=True,
        text=True,
        cwd=current if current.is_dir() else None,
    )
    found: set[Annotation] = set()
    prefixes = tuple(f"{side}/" for side in (current, previous))
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            item = json.loads(line)
            path = item.get("path", "")
            for prefix in prefixes:
                path = path.removeprefix(prefix)
            found.add((path, int(item.get("start_line", 0)), item.get("type", "")))
    error = proc.stderr.strip().splitlines()[0] if proc.returncode not in (0, 100) else ""
    return found, time.monotonic() - started, error


def protoguard(repo: Path, no_buf: bool) -> tuple[set[Annotation], float, int, str, dict]:
    args = [sys.executable, "-m", "compat_checker.cli", "check", "--repo", str(repo)]
    args += ["--against", "HEAD~1", "--head", "HEAD", "--format", "json", "--no-llm"]
    if no_buf:
        args.append("--no-buf")
    started = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if proc.returncode == 2:
        return set(), elapsed, 2, proc.stderr.strip(), {}
    verdict = json.loads(proc.stdout)
    found: set[Annotation] = set()
    for change in verdict["changes"]:
        for rule in change.get("buf_rules") or ():
            path = change.get("file") or ""
            found.add((path, int(change.get("line") or 0), rule))
    return found, elapsed, proc.returncode, "", verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path)
    parser.add_argument("--case", action="append", default=[])
    parser.add_argument("--no-buf", action="store_true", help="run protoguard without buf")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    root = args.checkout / TESTDATA
    cases = sorted({p.name for side in ("previous", "current") for p in (root / side).iterdir()})
    if args.case:
        cases = [c for c in cases if c in args.case]
    exit2 = equal = differ = 0
    pg_time = buf_time = 0.0
    with tempfile.TemporaryDirectory(prefix="buf-suite-") as tmp:
        for case in cases:
            previous, current = root / "previous" / case, root / "current" / case
            repo = Path(tmp) / case
            repo.mkdir()
            _git(repo, "init", "-q", "-b", "main")
            _copy_tree(previous, repo)
            (repo / ".keep").write_text("")
            _git(repo, "add", "-A")
            _git(repo, "commit", "-q", "-m", "previous")
            _copy_tree(current, repo)
            (repo / ".keep").write_text("")
            _git(repo, "add", "-A")
            _git(repo, "commit", "-q", "--allow-empty", "-m", "current")
            expected, b_s, b_err = plain_buf(previous, current)
            found, p_s, code, error, verdict = protoguard(repo, args.no_buf)
            pg_time += p_s
            buf_time += b_s
            if code == 2:
                exit2 += 1
                print(f"{case}: exit 2: {error}")
                continue
            warnings = [
                layer["detail"] for layer in verdict.get("layers", []) if layer["name"] == "buf"
            ]
            if found == expected:
                equal += 1
                if args.verbose:
                    print(f"{case}: equal ({len(found)})")
            else:
                differ += 1
                missing, extra = sorted(expected - found), sorted(found - expected)
                print(f"{case}: missing {missing[:4]} extra {extra[:4]} {b_err} {warnings}")
    print(
        f"buf-suite: cases={len(cases)} exit2={exit2} equal={equal} differ={differ} "
        f"protoguard_s={pg_time:.1f} buf_s={buf_time:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
