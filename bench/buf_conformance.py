"""buf's breaking-rule test suite as a conformance test for protoguard, with and without buf.

    python bench/buf_conformance.py PATH_TO_BUF_CHECKOUT [--case NAME ...] [--verbose]

The expectations are read from buf's own Go test (`private/bufpkg/bufcheck/breaking_test.go`):
each `testBreaking(t, "<case>", ...)` names a case directory under
`private/bufpkg/bufcheck/testdata/breaking/{previous,current}` and lists its annotations
(`bufanalysistesting.NewFileAnnotation(t, path, startLine, startCol, endLine, endCol, RULE)`;
`...NoLocation(t, path, RULE)` is line 0, `...NoLocationOrPath(t, RULE)` has no path either).

Each case becomes a two-commit git repository in a temp directory (bench/buf_suite.py's setup)
and runs through `protoguard check --no-buf` and `protoguard check` (with buf). A finding
counts once per buf rule in its `buf_rules`, as (module-relative path, line, rule), and is
compared with the expectations as a multiset:

- strict: expected annotations reproduced exactly (path, line and rule);
- extras: findings no expectation accounts for;
- outside_config: findings whose buf rule the case's configuration does not select
  (`buf config ls-breaking-rules` in the case's current directory);
- errors: runs that exit 2.

The last line is the standalone engine's (`--no-buf`) figure, the line before it the one with
buf; per-case times compare `check --no-buf` with plain `buf breaking`. Bring the checkout
with the fetch tool; nothing of buf's testdata is copied into the project.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from buf_suite import TESTDATA, _buf, _copy_tree, _git, plain_buf

GO_TEST = Path("private/bufpkg/bufcheck/breaking_test.go")
Annotation = tuple[str, int, str]

_TEST_RE = re.compile(r"testBreaking\(\s*t,\s*\"([^\"]+)\",(.*?)\n\t\)\n", re.S)
_ANNOTATION_RE = re.compile(
    r"NewFileAnnotation(NoLocationOrPath|NoLocation)?\(\s*t,\s*(.*?)\s*(?:,\s*bufanalysistesting\.|\))",
    re.S,
)


def expectations(checkout: Path) -> dict[str, Counter[Annotation]]:
    """Case directory → expected annotations, from buf's Go test."""
    text = (checkout / GO_TEST).read_text("utf-8")
    cases: dict[str, Counter[Annotation]] = {}
    for case, body in _TEST_RE.findall(text):
        expected: Counter[Annotation] = Counter()
        for variant, args in _ANNOTATION_RE.findall(body):
            parts = [part.strip() for part in args.split(",")]
            rule = json.loads(parts[-1])
            if variant == "NoLocationOrPath":
                expected[("", 0, rule)] += 1
            elif variant == "NoLocation":
                expected[(json.loads(parts[0]), 0, rule)] += 1
            else:
                expected[(json.loads(parts[0]), int(parts[1]), rule)] += 1
        cases[case] = expected
    return cases


def configured_rules(current: Path) -> set[str] | None:
    """The buf rules the case's configuration selects (None when buf cannot tell)."""
    if not current.is_dir():
        return None
    proc = subprocess.run(
        [_buf(), "config", "ls-breaking-rules", "--format", "json"],
        cwd=current,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        return None
    return {json.loads(line)["id"] for line in proc.stdout.splitlines() if line.startswith("{")}


@dataclass
class Run:
    found: Counter[Annotation] = field(default_factory=Counter)
    seconds: float = 0.0
    error: str = ""


def run_protoguard(repo: Path, no_buf: bool, expected: Counter[Annotation]) -> Run:
    import time

    args = [sys.executable, "-m", "compat_checker.cli", "check", "--repo", str(repo)]
    args += ["--against", "HEAD~1", "--head", "HEAD", "--format", "json", "--no-llm"]
    if no_buf:
        args.append("--no-buf")
    started = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True)
    run = Run(seconds=time.monotonic() - started)
    if proc.returncode == 2:
        run.error = (proc.stderr.strip().splitlines() or ["exit 2"])[-1]
        return run
    verdict = json.loads(proc.stdout)
    for change in verdict["changes"]:
        for rule in change.get("buf_rules") or ():
            run.found[_as_buf_names(change, rule, expected)] += 1
    return run


def _as_buf_names(change: dict, rule: str, expected: Counter[Annotation]) -> Annotation:
    """A finding as buf's test names it: the path relative to its module root when an
    expectation names it so, and a file-level finding (protoguard points those at line 1)
    at line 0 where buf gives no location (`NoLocation`), with no path where buf gives none
    either (`NoLocationOrPath`: deleted files)."""
    path, line = change.get("file") or "", int(change.get("line") or 0)
    paths = {known for known, _, _ in expected if known}
    parts = path.split("/")
    for start in range(len(parts)):
        candidate = "/".join(parts[start:])
        if candidate in paths:
            path = candidate
            break
    if line <= 1 and ("", 0, rule) in expected:
        return ("", 0, rule)
    if line <= 1 and (path, 0, rule) in expected:
        return (path, 0, rule)
    return (path, line, rule)


def _make_repo(tmp: Path, case: str, previous: Path, current: Path) -> Path:
    repo = tmp / case
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    for message, side in (("previous", previous), ("current", current)):
        _copy_tree(side, repo)
        (repo / ".keep").write_text("")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return repo


@dataclass
class Totals:
    cases: int = 0
    strict: int = 0
    extras: int = 0
    outside_config: int = 0
    errors: int = 0

    def line(self, label: str, n_cases: int, n_expected: int) -> str:
        return (
            f"{label}: cases={self.cases}/{n_cases} strict={self.strict}/{n_expected} "
            f"extras={self.extras} outside_config={self.outside_config} errors={self.errors}"
        )


def _score(
    totals: Totals, run: Run, expected: Counter[Annotation], selected: set[str] | None
) -> tuple[list[Annotation], list[Annotation]]:
    if run.error:
        totals.errors += 1
        return sorted(expected.elements()), []
    missing = sorted((expected - run.found).elements())
    extra = sorted((run.found - expected).elements())
    totals.strict += sum((expected & run.found).values())
    totals.extras += len(extra)
    if selected is not None:
        totals.outside_config += sum(
            count for (_, _, rule), count in run.found.items() if rule not in selected
        )
    if not missing and not extra:
        totals.cases += 1
    return missing, extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path)
    parser.add_argument("--case", action="append", default=[])
    parser.add_argument("--verbose", action="store_true", help="print every difference")
    parser.add_argument(
        "--no-buf-only", action="store_true", help="skip `protoguard check` with buf (faster)"
    )
    args = parser.parse_args(argv)
    root = args.checkout / TESTDATA
    cases = expectations(args.checkout)
    n_cases, n_expected = len(cases), sum(sum(c.values()) for c in cases.values())
    names = [c for c in cases if not args.case or c in args.case]
    standalone, with_buf = Totals(), Totals()
    time_standalone = time_with_buf = time_buf = 0.0
    shown = None if args.verbose else 6
    print(f"{'case':<58} {'--no-buf':>9} {'check':>7} {'buf':>6}  strict(no-buf)")
    with tempfile.TemporaryDirectory(prefix="buf-conformance-") as tmp:
        for case in names:
            previous, current = root / "previous" / case, root / "current" / case
            expected = cases[case]
            repo = _make_repo(Path(tmp), case, previous, current)
            selected = configured_rules(current)
            alone = run_protoguard(repo, True, expected)
            full = (
                Run(error="not run") if args.no_buf_only else run_protoguard(repo, False, expected)
            )
            _, buf_seconds, _ = plain_buf(previous, current)
            time_standalone += alone.seconds
            time_with_buf += full.seconds
            time_buf += buf_seconds
            before = standalone.strict
            missing, extra = _score(standalone, alone, expected, selected)
            full_missing, full_extra = _score(with_buf, full, expected, selected)
            print(
                f"{case:<58} {alone.seconds:>8.2f}s {full.seconds:>6.2f}s {buf_seconds:>5.2f}s"
                f"  {standalone.strict - before}/{sum(expected.values())}"
            )
            for label, run, miss, more in (
                ("--no-buf", alone, missing, extra),
                *(() if args.no_buf_only else (("with buf", full, full_missing, full_extra),)),
            ):
                if run.error:
                    print(f"    {label}: exit 2: {run.error}")
                if miss:
                    print(f"    {label} missing ({len(miss)}): {miss[:shown]}")
                if more:
                    print(f"    {label} extra ({len(more)}): {more[:shown]}")
    count = max(len(names), 1)
    print(
        f"per-case time: check --no-buf {time_standalone / count:.2f}s, "
        f"check (with buf) {time_with_buf / count:.2f}s, buf breaking {time_buf / count:.2f}s"
    )
    if not args.no_buf_only:
        print(with_buf.line("buf-conformance (with buf)", n_cases, n_expected))
    print(standalone.line("buf-conformance", n_cases, n_expected))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
