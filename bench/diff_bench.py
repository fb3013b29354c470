"""Time the structural diff and the rules on a large tree with a few changed files.

    .venv/bin/python bench/diff_bench.py [--files 500] [--changed 20] [--messages 20] [--runs 5]

The trees are built from model objects (no parsing), so the figures are the engine's own:
`match_elements`, then `run_rules` with the whole registry, then `merge_findings` with no
buf findings (the copy and sort). Each changed file gets one removed field, one retyped
field, one renamed field and one added message, so every rule family does real work.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from compat_checker.diff import DiffContext, match_elements, run_rules
from compat_checker.findings import ChangedFile, FileStatus
from compat_checker.merge import merge_findings
from compat_checker.rules.registry import all_rules
from protomodel.model import (
    FieldModel,
    FileModel,
    Location,
    MessageModel,
    MethodModel,
    ProtoTree,
    ServiceModel,
    TypeKind,
)


def _field(parent: str, name: str, number: int, type_: str, path: str) -> FieldModel:
    return FieldModel(
        name=name,
        fqn=f"{parent}.{name}",
        number=number,
        type=type_,
        type_kind=TypeKind.SCALAR,
        location=Location(file=path, line=number + 2, column=3),
    )


def _file(index: int, messages: int, changed: bool) -> FileModel:
    path = f"acme/f{index}/v1/f{index}.proto"
    package = f"acme.f{index}.v1"
    built = []
    for m in range(messages):
        fqn = f"{package}.M{m}"
        fields = [_field(fqn, f"field_{n}", n, "int32", path) for n in range(1, 11)]
        if changed and m == 0:
            fields.pop(0)  # removed
            fields[0] = _field(fqn, "field_2", 2, "int64", path)  # retyped
            fields[1] = _field(fqn, "renamed_3", 3, "int32", path)  # renamed
        built.append(
            MessageModel(name=f"M{m}", fqn=fqn, fields=fields, location=Location(file=path, line=1))
        )
    if changed:
        built.append(
            MessageModel(name="Added", fqn=f"{package}.Added", location=Location(file=path))
        )
    service = ServiceModel(
        name="Svc",
        fqn=f"{package}.Svc",
        methods=[
            MethodModel(
                name="Get",
                fqn=f"{package}.Svc.Get",
                input_type=f"{package}.M0",
                output_type=f"{package}.M1",
                location=Location(file=path),
            )
        ],
        location=Location(file=path),
    )
    return FileModel(
        name=path,
        fqn=path,
        repo_path=f"proto/{path}",
        package=package,
        syntax="proto3",
        messages=built,
        services=[service],
        location=Location(file=path, line=1, column=1),
    )


def _trees(
    files: int, changed: int, messages: int
) -> tuple[ProtoTree, ProtoTree, list[ChangedFile]]:
    base = ProtoTree(files={f.name: f for f in (_file(i, messages, False) for i in range(files))})
    head_files = [_file(i, messages, i < changed) for i in range(files)]
    head = ProtoTree(files={f.name: f for f in head_files})
    changed_files = [
        ChangedFile(path=f.repo_path, status=FileStatus.MODIFIED) for f in head_files[:changed]
    ]
    return base, head, changed_files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--changed", type=int, default=20)
    parser.add_argument("--messages", type=int, default=20, help="messages per file")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    rules = all_rules()
    timings: dict[str, list[float]] = {"match": [], "rules": [], "merge": [], "total": []}
    findings = 0
    for _ in range(args.runs):
        # Fresh trees each run: the context's caches must not carry over.
        base, head, changed = _trees(args.files, args.changed, args.messages)
        gc.collect()  # building 200k models leaves the collector due; keep it out of the figures
        start = time.perf_counter()
        pairs = match_elements(base, head, changed)
        matched = time.perf_counter()
        ctx = DiffContext(base=base, head=head, changed_files=changed)
        changes = run_rules(ctx, pairs, rules)
        ruled = time.perf_counter()
        merged = merge_findings(changes, [], head, base)
        done = time.perf_counter()
        findings = len(merged)
        for key, value in (
            ("match", matched - start),
            ("rules", ruled - matched),
            ("merge", done - ruled),
            ("total", done - start),
        ):
            timings[key].append(value * 1000)

    print(
        f"{args.files} files x {args.messages} messages x 10 fields, {args.changed} changed, "
        f"{len(rules)} rules, {findings} findings, {args.runs} runs (median / best)"
    )
    for key, values in timings.items():
        print(f"  {key:<6} {statistics.median(values):8.2f} ms {min(values):8.2f} ms")

    # Rule by rule on one fresh context: the first rule to use a shared cache (RPC
    # reachability) pays for it.
    base, head, changed = _trees(args.files, args.changed, args.messages)
    gc.collect()
    pairs = match_elements(base, head, changed)
    ctx = DiffContext(base=base, head=head, changed_files=changed)
    per_rule = []
    for rule in rules.values():
        start = time.perf_counter()
        run_rules(ctx, pairs, [rule])
        per_rule.append(((time.perf_counter() - start) * 1000, rule.id))
    print(f"  {len(pairs)} pairs; slowest rules:")
    for elapsed, rule_id in sorted(per_rule, reverse=True)[:5]:
        print(f"    {rule_id:<36} {elapsed:8.2f} ms")


if __name__ == "__main__":
    main()
