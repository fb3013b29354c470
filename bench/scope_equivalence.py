"""Does scoping the models change any verdict? Each commit checked both ways, compared.

    .venv/bin/python bench/scope_equivalence.py REPO [--commits 80] [--every 1]
        [--pick SHA ...]
    .venv/bin/python bench/scope_equivalence.py --generated 30 [--megabytes 0.5]
    .venv/bin/python bench/scope_equivalence.py --buf-suite PATH_TO_BUF_CHECKOUT

With `--buf-suite`, each case of buf's breaking-rule test suite (bench/buf_conformance.py's
two-commit repositories) is one commit to compare.

With `--generated N`, REPO is instead bench/scale_bench.py's generated proto (one large
file: most of it is left out of the scoped models), committed, then N commits that each
make one random edit to it: a personal-data field or a `<noun>_id` field added, a field
renamed, retyped or removed, a message removed, a comment added, an enum value renamed,
a service's request changed.

REPO is a local git repository; it is cloned to a temporary directory first and never
modified. For each of the newest N first-parent commits that touch a `.proto` file (every
K-th of them with `--every K`, or the `--pick`ed ones), with P its first parent, the gate
runs twice in this process, `check --no-llm --no-incidents --against P --head C`:

* scoped: the default (models of the declarations the change can affect);
* full: `--full-models` (models of the whole schema).

Compared: `can_deploy`, and every finding whole (rule, element, file, line, column,
severity, message, recommendation, sources, suppression …; the PII gate's findings are
among them),
and the PII report: the scoped report covers the changed declarations, so the full
report restricted to the same declarations must equal it field by field (every field,
message and RPC result). One line per commit that differs, then

    scope: commits=N errors=E differ=D kept=K/T pii_fields=S/F

`errors` counts commits where either run failed (exit 2; both runs must fail alike to
count as equal), `kept` sums the top-level declarations the scoped models kept out of
all, `pii_fields` the fields in the scoped reports against those in the full reports.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from compat_checker.errors import GateError
from compat_checker.options import CheckOptions
from compat_checker.pipeline import run_check

_SCOPE_DETAIL = re.compile(r"scoped to (\d+) of (\d+) top-level declarations")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def proto_commits(repo: Path, limit: int) -> list[tuple[str, str]]:
    out = git(repo, "log", "--first-parent", "--format=%H %P", "HEAD", "--", "*.proto")
    found = []
    for line in out.splitlines():
        sha, *parents = line.split()
        if parents:
            found.append((sha, parents[0]))
        if len(found) == limit:
            break
    return found


def verdict(clone: Path, parent: str, sha: str, *, full: bool):
    options = CheckOptions(
        repo=clone, against=parent, head=sha, llm="none", no_incidents=True, full_models=full
    )
    try:
        return run_check(options), None
    except GateError as exc:
        return None, str(exc)


def findings(result) -> list[str]:
    """Every finding, whole (rule, element, file, line, severity, message, suppression …)."""
    return sorted(json.dumps(c.model_dump(mode="json"), sort_keys=True) for c in result.changes)


def report_entries(report: dict | None) -> dict[tuple[str, str], tuple[tuple[str, str], dict]]:
    """(section, element) → ((file, top-level declaration), entry) of a PII report."""
    out = {}
    for part in (report or {}).get("files", [report] if report else []):
        for section in ("fields", "messages", "methods"):
            for entry in part.get(section, []):
                if section == "fields":
                    declaration = entry["field_path"].split(".", 1)[0]
                elif section == "messages":
                    declaration = entry["name"].split(".", 1)[0]
                else:
                    declaration = entry["element"].rsplit(".", 2)[-2]
                out[(section, entry["element"])] = ((part["file"], declaration), entry)
    return out


def pii_differences(scoped: dict | None, full: dict | None) -> tuple[list[str], int, int]:
    """(differences, fields in the scoped report, fields in the full report)."""
    mine, theirs = report_entries(scoped), report_entries(full)
    covered = {declaration for declaration, _ in mine.values()}
    theirs = {key: value for key, value in theirs.items() if value[0] in covered}
    problems = [
        f"pii {section} {element}"
        for section, element in sorted(set(mine) | set(theirs))
        if mine.get((section, element)) != theirs.get((section, element))
    ]
    count = sum(1 for section, _ in mine if section == "fields")
    return problems, count, sum(1 for section, _ in report_entries(full) if section == "fields")


def compare(
    clone: Path, parent: str, sha: str
) -> tuple[list[str], bool, tuple[int, int, int, int]]:
    scoped, scoped_error = verdict(clone, parent, sha, full=False)
    full, full_error = verdict(clone, parent, sha, full=True)
    if scoped is None or full is None:
        same = scoped_error == full_error
        return (
            ([] if same else [f"errors: scoped={scoped_error!r} full={full_error!r}"]),
            True,
            (
                0,
                0,
                0,
                0,
            ),
        )
    problems = []
    if scoped.can_deploy != full.can_deploy:
        problems.append(f"can_deploy scoped={scoped.can_deploy} full={full.can_deploy}")
    mine, theirs = findings(scoped), findings(full)
    problems += [f"only scoped: {f}" for f in sorted(set(mine) - set(theirs))]
    problems += [f"only full: {f}" for f in sorted(set(theirs) - set(mine))]
    pii_problems, scoped_fields, full_fields = pii_differences(scoped.pii, full.pii)
    problems += pii_problems
    kept = total = 0
    for layer in scoped.layers:
        match = _SCOPE_DETAIL.search(layer.detail or "")
        if layer.name == "model:head" and match:
            kept, total = int(match.group(1)), int(match.group(2))
    return problems, False, (kept, total, scoped_fields, full_fields)


EDITS = [
    ("add a personal field", lambda block: block.replace("{\n", "{\n  string email = 90;\n", 1)),
    ("add an id field", lambda block: block.replace("{\n", "{\n  string customer_id = 91;\n", 1)),
    ("rename a field", lambda block: re.sub(r" (\w+) = 1;", r" \1_renamed = 1;", block, count=1)),
    ("retype a field", lambda block: re.sub(r"int64 (\w+) =", r"int32 \1 =", block, count=1)),
    ("remove a field", lambda block: re.sub(r"\n  [^\n]* = 2;", "", block, count=1)),
    ("remove the message", lambda block: ""),
    ("add a comment", lambda block: "// protoguard:ignore FIELD_REMOVED reason: test\n" + block),
]


def generated_repo(directory: Path, megabytes: float, edits: int, seed: int = 7) -> None:
    """bench/scale_bench.py's proto, committed, then ``edits`` commits of one edit each."""
    import random

    sys.path.insert(0, str(Path(__file__).parent))
    from scale_bench import generate

    text = generate(int(megabytes * 1024 * 1024))[0]
    rng = random.Random(seed)
    target = directory / "api/v1/big.proto"
    target.parent.mkdir(parents=True)
    git(directory.parent, "init", "-q", "-b", "main", str(directory))
    target.write_text(text)
    _commit(directory, "base")
    for _ in range(edits):
        blocks = re.split(r"(?=^(?:message|enum|service) )", text, flags=re.M)
        index = rng.randrange(1, len(blocks))
        label, edit = rng.choice(EDITS)
        if blocks[index].startswith("enum"):
            label = "rename an enum value"
            blocks[index] = blocks[index].replace("_OPEN = 1", "_OPENED = 1")
        elif blocks[index].startswith("service"):
            label = "change a request"
            other = rng.choice(re.findall(r"^message (\w+)", text, flags=re.M))
            blocks[index] = re.sub(r"\((\w+)\) returns", f"({other}) returns", blocks[index])
        else:
            blocks[index] = edit(blocks[index])
        text = "".join(blocks)
        target.write_text(text)
        _commit(directory, label)


def _commit(directory: Path, message: str) -> None:
    environment = "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"
    git(directory, "add", "-A")
    git(directory, *environment, "commit", "-q", "--allow-empty", "-m", message)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path, nargs="?")
    parser.add_argument("--generated", type=int, default=0)
    parser.add_argument("--buf-suite", type=Path)
    parser.add_argument("--megabytes", type=float, default=0.5)
    parser.add_argument("--commits", type=int, default=80)
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--pick", nargs="*", default=[])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="scope-equivalence-"))
    try:
        clone = work / "clone"
        if args.buf_suite:
            differ = _report(buf_suite_repos(args.buf_suite, work))
        elif args.generated:
            generated_repo(clone, args.megabytes, args.generated)
        else:
            subprocess.run(
                ["git", "clone", "--quiet", "--no-checkout", str(args.repo.resolve()), str(clone)],
                check=True,
            )
        if not args.buf_suite:
            if args.generated:
                commits = proto_commits(clone, args.generated)
            elif args.pick:
                commits = [(sha, git(clone, "rev-parse", f"{sha}~1").strip()) for sha in args.pick]
            else:
                commits = proto_commits(clone, args.commits * args.every)[:: args.every]
            differ = _report([(clone, parent, sha) for sha, parent in commits])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if differ else 0)


def buf_suite_repos(checkout: Path, work: Path) -> list[tuple[Path, str, str]]:
    """(repository, base, head) of every case of buf's breaking-rule suite."""
    sys.path.insert(0, str(Path(__file__).parent))
    from buf_conformance import _make_repo, expectations
    from buf_suite import TESTDATA

    root = checkout / TESTDATA
    repos = []
    for case in expectations(checkout):
        repo = _make_repo(work, case, root / "previous" / case, root / "current" / case)
        repos.append((repo, "main~1", "main"))
    return repos


def _report(pairs: list[tuple[Path, str, str]]) -> int:
    """Compare each pair, print the differences and the summary; the number that differ."""
    errors = differ = kept = total = scoped_fields = full_fields = 0
    for repo, parent, sha in pairs:
        problems, failed, (k, t, s, f) = compare(repo, parent, sha)
        errors += failed
        kept, total = kept + k, total + t
        scoped_fields, full_fields = scoped_fields + s, full_fields + f
        if problems:
            differ += 1
            print(f"{repo.name}:{sha[:10]}: {len(problems)} differences", flush=True)
            for problem in problems[:10]:
                print(f"    {problem}", flush=True)
    print(
        f"scope: commits={len(pairs)} errors={errors} differ={differ} "
        f"kept={kept}/{total} pii_fields={scoped_fields}/{full_fields}"
    )
    return differ


if __name__ == "__main__":
    main()
