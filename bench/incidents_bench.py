"""Incident memory bench: add N synthetic incidents in batches, then time queries.

    python bench/incidents_bench.py                  # 10,000 incidents, batches of 500
    python bench/incidents_bench.py --count 2000 --json

Prints figures; asserts nothing. Uses the offline hashing embedding and a persistent store in
a temporary directory (or --store). Query latency is measured two ways: inside one session
(client kept open, what `match_changes` pays per finding) and one session per query (lock,
open, query, close: what a one-off `protoguard incidents search` pays after Python start-up).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

from compat_checker.config.incidents import IncidentsConfig
from compat_checker.diff import change_id
from compat_checker.findings import Category, Change, Severity
from compat_checker.incidents.embedding import HashingEmbeddingFunction
from compat_checker.incidents.matching import match_changes
from compat_checker.incidents.model import Incident
from compat_checker.incidents.store import IncidentMemory

RULES = [
    "FIELD_REMOVED",
    "FIELD_TYPE_CHANGED",
    "FIELD_RENAMED",
    "FIELD_NUMBER_CHANGED",
    "FIELD_JSON_NAME_CHANGED",
    "FIELD_BEHAVIOR_REQUIRED_ADDED",
    "VALIDATION_REQUIRED_ADDED",
    "VALIDATION_RANGE_TIGHTENED",
    "ENUM_VALUE_REMOVED",
    "ENUM_VALUE_RENUMBERED",
    "MESSAGE_REMOVED",
    "RPC_REMOVED",
    "REST_ROUTE_CHANGED",
    "REST_BODY_CHANGED",
    "PACKAGE_CHANGED",
    "ONEOF_FIELD_MOVED",
    "DEFAULT_CHANGED",
    "FIELD_DEPRECATED",
]
SERVICES = ["todo-api", "todo-web", "mobile", "billing", "reports", "search", "auth", "notify"]
NOUNS = ["Task", "Project", "User", "Invoice", "Comment", "Label", "Team", "Report", "Event"]
FIELDS = ["id", "title", "due_time", "owner", "metadata", "status", "labels", "notes", "amount"]
CLIENTS = ["mobile app", "web client", "partner integration", "CLI", "reports job", "iOS app"]
EFFECTS = ["crashed", "showed wrong data", "returned 404", "dropped updates", "failed to parse"]


def synthetic_incident(rng: random.Random, number: int) -> Incident:
    package = f"acme.{rng.choice(['todo', 'billing', 'crm', 'ops'])}.v{rng.randint(1, 3)}"
    message = rng.choice(NOUNS) + rng.choice(["", "Request", "Response", "Summary"])
    field = rng.choice(FIELDS)
    rule = rng.choice(RULES)
    client, effect = rng.choice(CLIENTS), rng.choice(EFFECTS)
    return Incident(
        id=f"BENCH-{number:06d}",
        title=f"{rule.lower().replace('_', ' ')} on {message}.{field}: {client} {effect}",
        date=dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 2000)),
        service=rng.choice(SERVICES),
        rules=[rule],
        elements=[f"{package}.{message}.{field}"],
        diff=f"-  string {field} = {rng.randint(1, 30)};",
        impact=(
            f"The {client} {effect} for {rng.randint(1, 80)}% of users during "
            f"{rng.randint(1, 48)} hours after the {message} change reached production."
        ),
        resolution="Reverted the change and added a deprecation period.",
        severity=rng.choice(list(Severity)),
    )


def synthetic_change(rng: random.Random) -> Change:
    rule = rng.choice(RULES)
    element = f"acme.todo.v1.{rng.choice(NOUNS)}.{rng.choice(FIELDS)}"
    return Change(
        id=change_id(rule, element, ""),
        rule=rule,
        category=Category.WIRE,
        is_breaking=False,
        severity=Severity.MEDIUM,
        element=element,
        file="acme/todo/v1/todo.proto",
        message=f"{rule.lower().replace('_', ' ')} on {element}",
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary_ms(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values, 0.50) * 1000, 2),
        "p95_ms": round(percentile(values, 0.95) * 1000, 2),
        "mean_ms": round(statistics.fmean(values) * 1000, 2),
    }


def directory_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run(args: argparse.Namespace, store: Path) -> dict[str, object]:
    rng = random.Random(args.seed)
    incidents = [synthetic_incident(rng, n) for n in range(args.count)]
    memory = IncidentMemory.open(IncidentsConfig(path=str(store)), store.parent)

    started = time.perf_counter()
    HashingEmbeddingFunction()([incident.document() for incident in incidents])
    embed_seconds = time.perf_counter() - started

    batch_seconds = []
    started = time.perf_counter()
    for start in range(0, len(incidents), args.batch):
        batch_started = time.perf_counter()
        memory.upsert(incidents[start : start + args.batch])  # one session (lock) per batch
        batch_seconds.append(time.perf_counter() - batch_started)
    add_seconds = time.perf_counter() - started
    assert memory.count() == args.count

    queries = [synthetic_change(rng) for _ in range(args.queries)]
    texts = [f"{q.message} rules: {q.rule} elements: {q.element}" for q in queries]
    warm = []
    with memory.session():
        memory.search(texts[0], k=args.k)  # opens the client and loads the index
        for text in texts:
            query_started = time.perf_counter()
            memory.search(text, k=args.k)
            warm.append(time.perf_counter() - query_started)
    cold = []
    for text in texts[: args.cold_queries]:
        query_started = time.perf_counter()
        memory.search(text, k=args.k)
        cold.append(time.perf_counter() - query_started)

    gate_changes = queries[: args.gate_changes]
    config = IncidentsConfig(path=str(store), top_k=args.k)
    gate = []
    for _ in range(5):
        gate_started = time.perf_counter()
        match_changes(gate_changes, memory, config)
        gate.append(time.perf_counter() - gate_started)

    return {
        "incidents": args.count,
        "batch": args.batch,
        "embedding": memory.collection_name,
        "embed_only_docs_per_s": round(args.count / embed_seconds),
        "add_seconds": round(add_seconds, 2),
        "add_incidents_per_s": round(args.count / add_seconds),
        "add_batch": summary_ms(batch_seconds),
        "query_in_session": {"queries": len(warm), "k": args.k, **summary_ms(warm)},
        "query_own_session": {"queries": len(cold), "k": args.k, **summary_ms(cold)},
        "match_changes": {"changes": len(gate_changes), **summary_ms(gate)},
        "store_mb": round(directory_bytes(store) / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--cold-queries", type=int, default=30)
    parser.add_argument("--gate-changes", type=int, default=20)
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store", type=Path, help="default: a temporary directory")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.store is not None:
        figures = run(args, args.store.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="incidents-bench-") as tmp:
            figures = run(args, Path(tmp) / "store")
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"incident memory bench: {figures['incidents']} incidents, {figures['embedding']}")
    print(f"  embedding only        {figures['embed_only_docs_per_s']:>8} docs/s")
    print(
        f"  add (batches of {figures['batch']})  {figures['add_incidents_per_s']:>8} incidents/s"
        f"  ({figures['add_seconds']} s total; per batch {_fmt(figures['add_batch'])})"
    )
    for key, label in (
        ("query_in_session", "query, open session"),
        ("query_own_session", "query, own session"),
        ("match_changes", "match_changes"),
    ):
        entry = figures[key]
        assert isinstance(entry, dict)
        size = f"{entry['changes']} findings" if "changes" in entry else f"k={entry['k']}"
        print(f"  {label:<21} {_fmt(entry)}  ({size})")
    print(f"  store on disk         {figures['store_mb']} MB")


def _fmt(entry: object) -> str:
    assert isinstance(entry, dict)
    return f"p50 {entry['p50_ms']} ms, p95 {entry['p95_ms']} ms, mean {entry['mean_ms']} ms"


if __name__ == "__main__":
    main()
