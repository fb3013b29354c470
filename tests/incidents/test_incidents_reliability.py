"""Reliability of the incident store: exact round trips, undone failed writes, and a locked or
incompatible store stopping `protoguard incidents …` and `protoguard check` with exit 2."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings
from click.testing import CliRunner

from compat_checker.cli import main
from compat_checker.config.incidents import IncidentsConfig
from compat_checker.errors import GateError
from compat_checker.incidents import (
    HashingEmbeddingFunction,
    Incident,
    IncidentMemory,
    read_incidents,
)
from compat_checker.incidents import store as store_module
from compat_checker.incidents.cli import incidents
from compat_checker.incidents.store import LOCK_FILE, STORE_FILE
from compat_checker.resources import asset_dir
from compat_checker.scenarios import apply_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "proto" / "examples" / "incidents.yaml"
HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(120)
"""


def cli(store: Path, *args: str) -> str:
    result = CliRunner().invoke(incidents, ["--store", str(store), *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


@pytest.mark.parametrize("suffix", [".yaml", ".jsonl"])
def test_export_import_export_is_byte_identical(tmp_path: Path, suffix: str) -> None:
    first, fresh = tmp_path / "first", tmp_path / "fresh"
    cli(first, "import", str(EXAMPLES))
    cli(
        first,
        *("add", "--title", 'Ünïcode: "quoted" #title', "--severity", "LOW"),
        *("--impact", "multi\nline: impact", "--diff", "- a\n+ b", "--date", "2023-12-31"),
    )
    exported, again = tmp_path / f"one{suffix}", tmp_path / f"two{suffix}"
    cli(first, "export", str(exported))
    assert "8 added" in cli(fresh, "import", str(exported))
    cli(fresh, "export", str(again))
    assert again.read_bytes() == exported.read_bytes()
    assert IncidentMemory.open(IncidentsConfig(path="fresh"), tmp_path).all() == (
        IncidentMemory.open(IncidentsConfig(path="first"), tmp_path).all()
    )
    as_yaml = cli(fresh, "export", "--format", "yaml")
    assert as_yaml.startswith("incidents:\n") and (
        suffix != ".yaml" or as_yaml == exported.read_text()
    )


def test_a_failed_write_is_undone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    memory = IncidentMemory.open(IncidentsConfig(path="store"), tmp_path)
    examples = read_incidents(EXAMPLES)
    memory.upsert(examples[:3])
    before = memory.all()
    changed = [examples[0].model_copy(update={"resolution": "changed"}), *examples[3:]]
    real_write = IncidentMemory._write
    calls: list[int] = []

    def fail_second_batch(collection, batch: list[Incident], vectors=None) -> None:
        calls.append(len(batch))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        real_write(collection, batch, vectors)

    monkeypatch.setattr(store_module, "_BATCH", 2)
    monkeypatch.setattr(IncidentMemory, "_write", staticmethod(fail_second_batch))
    with pytest.raises(GateError, match="disk full"):
        memory.upsert(changed)
    monkeypatch.undo()
    assert memory.all() == before  # the first batch (one update, one new) was undone


def test_an_undo_needs_no_embedding_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The failure being undone may be the embedding service's (quota): re-embedding the
    # replaced incidents failed too, and left the first batch's update in the store.
    memory = IncidentMemory.open(IncidentsConfig(path="store"), tmp_path)
    examples = read_incidents(EXAMPLES)
    memory.upsert(examples[:3])
    before = memory.all()
    vectors_before = memory.search_many([examples[0].document()], k=3)
    changed = [examples[0].model_copy(update={"resolution": "changed"}), *examples[3:]]
    embed = type(memory.embedding).__call__
    calls: list[int] = []

    def quota_after_one_batch(self, input):  # Chroma checks the parameter name
        calls.append(len(input))
        if len(calls) > 1:
            raise RuntimeError("429 quota exceeded")
        return embed(self, input)

    monkeypatch.setattr(store_module, "_BATCH", 2)
    monkeypatch.setattr(type(memory.embedding), "__call__", quota_after_one_batch)
    with pytest.raises(GateError, match="quota exceeded"):
        memory.upsert(changed)
    monkeypatch.undo()
    assert memory.all() == before
    assert memory.search_many([examples[0].document()], k=3) == vectors_before


def test_a_write_that_does_not_read_back_is_undone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory = IncidentMemory.open(IncidentsConfig(path="store"), tmp_path)
    examples = read_incidents(EXAMPLES)
    real_write = IncidentMemory._write

    def lose_one(collection, batch: list[Incident]) -> None:
        real_write(collection, batch[:-1])

    monkeypatch.setattr(IncidentMemory, "_write", staticmethod(lose_one))
    with pytest.raises(GateError, match="did not read back as written"):
        memory.upsert(examples)
    monkeypatch.undo()
    assert memory.all() == []


def make_incompatible(store: Path) -> None:
    """A store whose collection was built with a 128-dimension embedding, not ours."""
    client = chromadb.PersistentClient(
        path=str(store), settings=Settings(anonymized_telemetry=False)
    )
    client.create_collection(
        "incidents__hashing_v1_384",
        embedding_function=HashingEmbeddingFunction(dimension=128),
        configuration={"hnsw": {"space": "cosine"}},
    ).add(ids=["a"], documents=["x"])
    client.close()


def make_corrupt(store: Path) -> None:
    """A store whose SQLite file is garbage."""
    cli(store, "import", str(EXAMPLES))
    with open(store / STORE_FILE, "r+b") as handle:
        handle.write(b"\x00garbage" * 512)


COMMANDS = [
    ["search", "x"],
    ["list"],
    ["export"],
    ["add", "--title", "t", "--severity", "LOW", "--impact", "i"],
]
BROKEN = [
    (make_incompatible, "was made with protoguard_hashing"),
    (make_corrupt, "corrupt or unreadable"),
]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("breaker", "message"), BROKEN)
def test_broken_store_exits_2_on_the_command_line(
    tmp_path: Path,
    run_cli,
    command: list[str],
    breaker: Callable[[Path], None],
    message: str,
) -> None:
    store = tmp_path / "store"
    breaker(store)
    result = run_cli("--store", str(store), *command)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


@pytest.mark.parametrize("command", COMMANDS)
def test_locked_store_exits_2_on_the_command_line(
    tmp_path: Path, spawn, command: list[str]
) -> None:
    """The timeout comes from protoguard.yaml; the message says how long it waited."""
    store = tmp_path / "store"
    cli(store, "import", str(EXAMPLES))
    (tmp_path / ".git").mkdir()
    (tmp_path / "protoguard.yaml").write_text("incidents:\n  lock_timeout_seconds: 0.3\n")
    holder = spawn(HOLD_LOCK, str(store / LOCK_FILE))
    assert holder.stdout.readline().strip() == "locked"
    result = subprocess.run(
        [*run_cli_prefix(), "--store", str(store), *command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "locked by another process (waited 0.3s" in lines[0], lines


def run_cli_prefix() -> list[str]:
    return [sys.executable, "-m", "compat_checker.incidents"]


def child_env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[2])
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }


# `protoguard check` with a store it cannot use: exit 2, one line, no verdict ---------------

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


@pytest.fixture
def changed_repo(tmp_path: Path) -> Path:
    """The example API committed on main, with a breaking edit in the working tree."""
    repo = tmp_path / "repo"
    shutil.copytree(asset_dir("proto"), repo / "proto", ignore=shutil.ignore_patterns("examples"))
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "v1"]):
        subprocess.run(
            ["git", *args], cwd=repo, check=True, capture_output=True, env={**os.environ, **GIT_ENV}
        )
    task = repo / "proto/acme/todo/v1/task.proto"
    task.write_text(
        apply_scenario("remove_description", task.read_text(), "acme/todo/v1/task.proto")
    )
    return repo


def check(repo: Path, *extra: str):
    return CliRunner().invoke(
        main, ["check", "--repo", str(repo), "--against", "main", "--no-llm", *extra]
    )


@pytest.mark.parametrize(("breaker", "message"), BROKEN)
def test_a_broken_store_fails_open_unless_required(
    changed_repo: Path, breaker: Callable[[Path], None], message: str
) -> None:
    # Incident memory is advice: its failure is reported and the deterministic verdict
    # (FIELD_REMOVED blocks) decides; --incidents-required turns it into exit 2.
    breaker(changed_repo / ".protoguard/incidents")
    result = check(changed_repo)
    assert result.exit_code == 1, result.output
    assert message in result.output
    required = check(changed_repo, "--incidents-required")
    assert required.exit_code == 2, required.output
    # (the reason is asserted above: chromadb keeps per-process state of the broken store,
    # so a second open in this test process words it differently; a CLI run is one process)
    assert "required layer incidents did not run" in required.output
    assert "Traceback" not in result.output + required.output


def test_a_locked_store_fails_open_unless_required(changed_repo: Path, spawn) -> None:
    store = changed_repo / ".protoguard/incidents"
    cli(store, "import", str(EXAMPLES))
    (changed_repo / "protoguard.yaml").write_text("incidents:\n  lock_timeout_seconds: 0.3\n")
    holder = spawn(HOLD_LOCK, str(store / LOCK_FILE))
    assert holder.stdout.readline().strip() == "locked"
    for extra, code in (([], 1), (["--incidents-required"], 2)):
        result = check(changed_repo, *extra)
        assert result.exit_code == code, result.output
        assert "locked by another process" in result.output
        assert "Traceback" not in result.output
