"""IncidentMemory over a real Chroma persistent store in tmp_path."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Callable
from pathlib import Path

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings

from compat_checker.config.incidents import IncidentsConfig
from compat_checker.errors import GateError
from compat_checker.findings import Severity
from compat_checker.incidents import (
    HashingEmbeddingFunction,
    Incident,
    IncidentMemory,
    incident_filter,
)
from compat_checker.incidents.store import LOCK_FILE, STORE_FILE

MemoryFactory = Callable[..., IncidentMemory]
SETTINGS = Settings(anonymized_telemetry=False)


def incident(number: int, **overrides: object) -> Incident:
    fields: dict[str, object] = {
        "id": f"T-{number:03d}",
        "title": f"incident number {number} about widget{number}",
        "date": dt.date(2024, 1, 1) + dt.timedelta(days=number),
        "impact": f"widget{number} consumers broke",
        "severity": Severity.HIGH,
        "elements": [f"acme.todo.v1.Widget{number}.field{number}"],
    }
    fields.update(overrides)
    return Incident.model_validate(fields)


def test_missing_store_reads_empty_without_creating_it(tmp_path: Path) -> None:
    memory = IncidentMemory.open(IncidentsConfig(path="nowhere/store"), tmp_path)
    assert memory.location == str(tmp_path / "nowhere" / "store")
    assert not memory.exists()
    assert memory.count() == 0
    assert memory.all() == []
    assert memory.search("anything") == []
    assert memory.get("X") is None
    assert memory.remove("X") is False
    assert not (tmp_path / "nowhere").exists()


def test_upsert_reports_and_is_idempotent(
    memory_factory: MemoryFactory, example_incidents: list[Incident]
) -> None:
    memory = memory_factory()
    first = memory.upsert(example_incidents)
    assert sorted(first.added) == sorted(i.id for i in example_incidents)
    again = memory.upsert(example_incidents)
    assert again.added == again.updated == []
    assert len(again.unchanged) == len(example_incidents)
    changed = example_incidents[0].model_copy(update={"resolution": "rolled back"})
    report = memory.upsert([changed])
    assert report.updated == [changed.id]
    assert memory.get(changed.id) == changed
    assert memory.count() == len(example_incidents)
    assert (memory.path / STORE_FILE).is_file()


def test_duplicate_ids_in_one_batch_are_refused(memory_factory: MemoryFactory) -> None:
    with pytest.raises(GateError, match="repeated"):
        memory_factory().upsert([incident(1), incident(1)])


def test_all_is_sorted_and_filters(memory_factory: MemoryFactory) -> None:
    memory = memory_factory()
    memory.upsert(
        [
            incident(3, severity=Severity.LOW, service="web"),
            incident(1, severity=Severity.CRITICAL, service="api"),
            incident(2, severity=Severity.MEDIUM, service="api"),
        ]
    )
    assert [i.id for i in memory.all()] == ["T-001", "T-002", "T-003"]
    api = memory.all(where=incident_filter(service="api"))
    assert [i.id for i in api] == ["T-001", "T-002"]
    severe = memory.all(where=incident_filter(min_severity=Severity.MEDIUM))
    assert [i.id for i in severe] == ["T-001", "T-002"]
    recent = memory.all(where=incident_filter(since=dt.date(2024, 1, 3)))
    assert [i.id for i in recent] == ["T-002", "T-003"]
    both = incident_filter(severities=[Severity.LOW, Severity.CRITICAL], service="api")
    assert [i.id for i in memory.all(where=both)] == ["T-001"]


def test_search_ranks_with_scores(filled_memory: IncidentMemory) -> None:
    hits = filled_memory.search("a new required field added to Task crashed the mobile app", k=3)
    assert hits[0].incident.id == "INC-2024-031"
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0 <= score <= 1.0 for score in scores)
    assert len(hits) == 3
    route = filled_memory.search("REST route of CreateTask changed, 404", k=1)
    assert route[0].incident.id == "INC-2024-058"
    medium = filled_memory.search(
        "required field", k=5, where=incident_filter(severities=[Severity.MEDIUM])
    )
    assert {hit.incident.severity for hit in medium} == {Severity.MEDIUM}


def test_search_many_is_one_batch(filled_memory: IncidentMemory) -> None:
    results = filled_memory.search_many(
        ["a new TaskStatus value crashed the app", "json_name changed"], k=1
    )
    assert [r[0].incident.id for r in results] == ["INC-2024-072", "INC-2024-090"]
    with pytest.raises(GateError):
        filled_memory.search("x", k=0)


def test_remove(filled_memory: IncidentMemory) -> None:
    assert filled_memory.remove("INC-2024-044") is True
    assert filled_memory.remove("INC-2024-044") is False
    assert filled_memory.get("INC-2024-044") is None
    assert filled_memory.count() == 6


def test_session_reuses_one_client(filled_memory: IncidentMemory) -> None:
    with filled_memory.session():
        filled_memory.count()
        client = filled_memory._client
        filled_memory.search("x")
        assert filled_memory._client is client
    assert filled_memory._client is None  # closed: the next operation sees other writers


def test_relative_path_is_under_the_repo_root(tmp_path: Path) -> None:
    memory = IncidentMemory.open(IncidentsConfig(path=".protoguard/incidents"), tmp_path)
    memory.upsert([incident(1)])
    assert (tmp_path / ".protoguard" / "incidents" / STORE_FILE).is_file()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_nothing_stays_open_between_operations(
    memory_factory: MemoryFactory, example_incidents: list[Incident]
) -> None:
    """Another process may write as soon as the lock is free: by then this process must hold
    no database handle or index that Chroma could write back later."""
    memory = memory_factory()

    def open_store_files() -> list[str]:
        found = []
        for fd in Path("/proc/self/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith(str(memory.path)):
                    found.append(target)
        return found

    memory.upsert(example_incidents)
    assert open_store_files() == []
    memory.upsert([example_incidents[0].model_copy(update={"resolution": "changed"})])
    assert open_store_files() == []
    memory.search("required field")
    memory.remove(example_incidents[1].id)
    assert open_store_files() == []


# A later process reopens the collection through Chroma's registry -------------------------

REOPEN = """
import sys, chromadb
from chromadb.config import Settings
if sys.argv[2] == "register":
    import compat_checker.incidents.embedding  # registers protoguard's embedding functions
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
collection = client.get_collection("incidents__hashing_v1_384")  # no embedding function given
result = collection.query(query_texts=["new TaskStatus value crashed Android"], n_results=1)
print(result["ids"][0][0])
"""


def test_later_process_reopens_without_passing_the_function(
    filled_memory: IncidentMemory, run_python
) -> None:
    registered = run_python(REOPEN, str(filled_memory.path), "register")
    assert registered.returncode == 0, registered.stderr
    assert registered.stdout.strip() == "INC-2024-072"
    # Without the registration Chroma cannot embed the query: the registration is the point.
    unregistered = run_python(REOPEN, str(filled_memory.path), "plain")
    assert unregistered.returncode != 0
    assert "protoguard_hashing" in unregistered.stderr


# Failures: a clear GateError, never an empty result -------------------------------------


def test_corrupt_sqlite_is_a_gate_error(filled_memory: IncidentMemory, tmp_path: Path) -> None:
    with open(filled_memory.path / STORE_FILE, "r+b") as handle:
        handle.write(b"not a database!!" * 64)
    with pytest.raises(GateError, match="corrupt or unreadable") as raised:
        IncidentMemory.open(IncidentsConfig(path="store"), tmp_path)
    assert "\n" not in str(raised.value)


def test_truncated_sqlite_is_a_gate_error(filled_memory: IncidentMemory) -> None:
    with open(filled_memory.path / STORE_FILE, "r+b") as handle:
        handle.truncate(8192)
    with pytest.raises(GateError, match="corrupt or unreadable"):
        filled_memory.search("required field")


def test_empty_sqlite_is_a_gate_error(filled_memory: IncidentMemory) -> None:
    (filled_memory.path / STORE_FILE).write_bytes(b"")
    with pytest.raises(GateError, match="is empty"):
        filled_memory.all()


def test_corrupt_store_exits_2_on_the_command_line(filled_memory: IncidentMemory, run_cli) -> None:
    with open(filled_memory.path / STORE_FILE, "r+b") as handle:
        handle.write(b"\x00garbage" * 512)
    result = run_cli("--store", str(filled_memory.path), "search", "required field")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "corrupt or unreadable" in lines[0]


HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(120)
"""


def test_locked_store_times_out_with_a_gate_error(
    filled_memory: IncidentMemory, tmp_path: Path, spawn
) -> None:
    holder = spawn(HOLD_LOCK, str(filled_memory.path / LOCK_FILE))
    assert holder.stdout.readline().strip() == "locked"
    started = time.monotonic()
    with pytest.raises(GateError, match="locked by another process"):
        IncidentMemory.open(
            IncidentsConfig(path="store", lock_timeout_seconds=0.5), tmp_path
        ).search("x")
    assert time.monotonic() - started < 10
    # A writer waits the same way and writes nothing.
    waiting = IncidentMemory(
        embedding=HashingEmbeddingFunction(), path=filled_memory.path, lock_timeout=0.2
    )
    with pytest.raises(GateError, match="locked"):
        waiting.upsert([incident(1)])
    holder.kill()
    holder.wait()
    assert filled_memory.count() == 7


def test_collection_made_by_another_hashing_config_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "store"
    client = chromadb.PersistentClient(path=str(store), settings=SETTINGS)
    client.create_collection(
        "incidents__hashing_v1_384",
        embedding_function=HashingEmbeddingFunction(dimension=128),
        configuration={"hnsw": {"space": "cosine"}},
    ).add(ids=["a"], documents=["x"])
    client.close()
    with pytest.raises(GateError, match="was made with protoguard_hashing") as raised:
        IncidentMemory.open(IncidentsConfig(path="store"), tmp_path)
    assert "'dimension': 128" in str(raised.value)


def test_collection_with_chroma_default_embedding_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "store"
    client = chromadb.PersistentClient(path=str(store), settings=SETTINGS)
    client.create_collection("incidents__hashing_v1_384").add(
        ids=["a"], embeddings=[[0.1] * 384], documents=["x"]
    )
    client.close()
    with pytest.raises(GateError, match="was made with default"):
        IncidentMemory.open(IncidentsConfig(path="store"), tmp_path)


def test_vectors_of_another_dimension_are_refused(tmp_path: Path) -> None:
    store = tmp_path / "store"
    client = chromadb.PersistentClient(path=str(store), settings=SETTINGS)
    client.create_collection(
        "incidents__hashing_v1_384",
        embedding_function=HashingEmbeddingFunction(),
        configuration={"hnsw": {"space": "cosine"}},
    ).add(ids=["a"], embeddings=[[0.5] * 8], metadatas=[incident(1).metadata()])
    client.close()
    memory = IncidentMemory.open(IncidentsConfig(path="store"), tmp_path)
    with pytest.raises(GateError, match="cannot compare"):
        memory.search("x")


def test_store_written_by_another_embedding_is_refused_not_empty(tmp_path: Path) -> None:
    store = tmp_path / "store"
    client = chromadb.PersistentClient(path=str(store), settings=SETTINGS)
    client.create_collection(
        "incidents__hashing_v1_64",
        embedding_function=HashingEmbeddingFunction(dimension=64),
        configuration={"hnsw": {"space": "cosine"}},
    ).add(ids=["a"], documents=["x"])
    client.close()
    with pytest.raises(GateError, match="only incidents__hashing_v1_64"):
        IncidentMemory.open(IncidentsConfig(path="store"), tmp_path)


def test_store_path_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "store").write_text("x")
    with pytest.raises(GateError, match="not a directory"):
        IncidentMemory.open(IncidentsConfig(path="store"), tmp_path).upsert([incident(1)])


# Two processes writing at once lose nothing -----------------------------------------------

WRITER = """
import datetime as dt, sys
from pathlib import Path
from compat_checker.config.incidents import IncidentsConfig
from compat_checker.incidents import Incident, IncidentMemory
store, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
memory = IncidentMemory.open(IncidentsConfig(path=store, lock_timeout_seconds=120), Path("/"))
for n in range(count):
    memory.upsert([Incident(
        id=f"{tag}-{n}", title=f"{tag} writer incident {n} zeta{tag}{n}",
        date=dt.date(2024, 1, 1), impact=f"impact {tag}{n}", severity="HIGH",
        elements=[f"acme.{tag}.v1.Msg{n}.f{n}"],
    )])
print("done", flush=True)
"""


def test_two_processes_recording_at_once_lose_nothing(tmp_path: Path, spawn) -> None:
    store = tmp_path / "store"
    per_writer = 40
    writers = [spawn(WRITER, str(store), tag, str(per_writer)) for tag in ("a", "b")]
    for writer in writers:
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
        assert out.strip() == "done"
    memory = IncidentMemory.open(IncidentsConfig(path=str(store)), tmp_path)
    stored = {i.id for i in memory.all()}
    expected = {f"{tag}-{n}" for tag in ("a", "b") for n in range(per_writer)}
    assert stored == expected
    # The vector index holds every record too, not only the metadata table: searching for
    # each incident's own element finds that incident first.
    order = [(tag, n) for tag in ("a", "b") for n in range(per_writer)]
    top = memory.search_many([f"acme.{tag}.v1.Msg{n}.f{n}" for tag, n in order], k=1)
    assert [hits[0].incident.id for hits in top] == [f"{tag}-{n}" for tag, n in order]


BATCH_WRITER = """
import datetime as dt, sys
from pathlib import Path
from compat_checker.config.incidents import IncidentsConfig
from compat_checker.incidents import Incident, IncidentMemory
store, tag, batches = sys.argv[1], sys.argv[2], int(sys.argv[3])
memory = IncidentMemory.open(IncidentsConfig(path=store, lock_timeout_seconds=300), Path("/"))
for b in range(batches):
    memory.upsert([Incident(
        id=f"{tag}-{b}-{n}", title=f"{tag} incident {b} {n}", date=dt.date(2024, 1, 1),
        impact="broke", severity="HIGH", elements=[f"acme.{tag}.v1.Msg{b}.f{n}"],
    ) for n in range(50)])
print("done", flush=True)
"""


@pytest.mark.slow
def test_concurrent_batches_past_the_index_flush_lose_nothing(tmp_path: Path, spawn) -> None:
    """Three processes, 1,200 records: past Chroma's 1,000-record point where the vector
    index goes to disk, so later sessions load an index another process wrote."""
    store = tmp_path / "store"
    tags = ("a", "b", "c")
    writers = [spawn(BATCH_WRITER, str(store), tag, "8") for tag in tags]
    for writer in writers:
        _, err = writer.communicate(timeout=600)
        assert writer.returncode == 0, err
    memory = IncidentMemory.open(IncidentsConfig(path=str(store)), tmp_path)
    expected = {f"{tag}-{b}-{n}" for tag in tags for b in range(8) for n in range(50)}
    assert {i.id for i in memory.all()} == expected
    client = chromadb.PersistentClient(path=str(store), settings=SETTINGS)
    try:
        collection = client.get_collection(memory.collection_name)
        stored = collection.get(include=["embeddings", "documents"])
        # Nothing lost: every record's vector is in the vector index (Chroma reads embeddings
        # from it), and it is the vector of that record's own document.
        assert sorted(stored["ids"]) == sorted(expected)
        recomputed = HashingEmbeddingFunction()(stored["documents"])
        assert all(
            np.allclose(kept, fresh)
            for kept, fresh in zip(stored["embeddings"], recomputed, strict=True)
        )
        everything = len(expected)
        found = collection.query(
            query_embeddings=stored["embeddings"], n_results=everything, include=[]
        )["ids"]
    finally:
        client.close()
    # Searchable: HNSW is approximate, and among 1,200 near-identical synthetic records it
    # occasionally leaves one with no incoming link (seen for the same record, b-3-34 of the
    # two-writer version, before and after the lock change): stored, but unreachable by search.
    # That is recall, not a lost write; more than 1% unreachable would be a broken index.
    unreachable = [
        record_id
        for record_id, ids in zip(stored["ids"], found, strict=True)
        if record_id not in ids
    ]
    assert len(unreachable) <= everything // 100, unreachable
