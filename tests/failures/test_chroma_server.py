"""The incident edge against real servers on 127.0.0.1: a `chroma run` server that the tests
start, kill and restart, a server that accepts connections and never answers, and a port
where nothing listens.

Incident memory is advice: every failure ends in bounded time with the deterministic
verdict's exit code (0 here: the change is safe), a failed `incidents` layer saying why in
one line, and a warning on stderr; `--incidents-required` turns the same failure into exit 2.
An import that a dying server interrupts says what it left behind, and running it again
completes it."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest

from tests.failures.conftest import PROTOGUARD, Check, write_config
from tests.failures.servers import HOST, ChromaServerProcess, SilentServer, free_port

COLLECTION = "incidents__hashing_v1_384"


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServerProcess]:
    server = ChromaServerProcess(tmp_path / "chroma-data").start()
    try:
        yield server
    finally:
        server.stop()


def incidents_config(url: str, **overrides: object) -> dict:
    return {"url": url, "connect_timeout_seconds": 1, "read_timeout_seconds": 2, **overrides}


def assert_failed_open(run, required: bool = False) -> None:
    layer = run.layer("incidents")
    assert layer.status == "failed" and layer.required is required
    assert layer.detail and "\n" not in layer.detail
    if required:
        assert run.code == 2
        [error] = [line for line in run.stderr_lines if line.startswith("protoguard: error:")]
        assert error.startswith("protoguard: error: required layer incidents did not run:")
    else:
        assert run.code == 0, run.stderr  # the deterministic verdict: a safe change
        [warning] = [line for line in run.stderr_lines if line.startswith("protoguard: warning:")]
        assert warning.split()[2] == "incidents"


def test_a_live_server_is_consulted(repo: Path, check: Check, chroma: ChromaServerProcess) -> None:
    write_config(repo, incidents=incidents_config(chroma.url, read_timeout_seconds=60))
    run = check()
    assert run.code == 0, run.stderr
    layer = run.layer("incidents")
    assert layer.status == "ran" and chroma.url in layer.detail


@pytest.mark.parametrize("required", [False, True])
def test_a_hung_server_fails_the_layer_in_bounded_time(
    repo: Path, check: Check, required: bool
) -> None:
    with SilentServer() as server:
        write_config(repo, incidents=incidents_config(server.url))
        run = check(*(["--incidents-required"] if required else []))
    assert_failed_open(run, required)
    assert "did not answer within 2s" in run.layer("incidents").detail
    # Bounded: ended by the read timeout, far below the 30 s deadline of the lookup (the
    # margin is for a loaded CI machine; a hang would run into the test's own timeout).
    assert run.node_seconds("consult_incidents") < 30


def test_a_hung_server_at_default_settings_ends_within_the_layer_deadline(
    repo: Path, check: Check
) -> None:
    """No timeouts configured: `incidents.timeout_seconds` (30 s) bounds the whole lookup."""
    with SilentServer() as server:
        write_config(repo, incidents={"url": server.url})
        run = check(timeout=180)
    assert_failed_open(run)
    assert run.node_seconds("consult_incidents") < 30 + 30


@pytest.mark.parametrize("required", [False, True])
def test_a_refused_connection_fails_the_layer_at_once(
    repo: Path, check: Check, required: bool
) -> None:
    url = f"http://{HOST}:{free_port()}"  # nothing listens there
    write_config(repo, incidents=incidents_config(url))
    run = check(*(["--incidents-required"] if required else []))
    assert_failed_open(run, required)
    assert f"cannot reach the Chroma server at {url}" in run.layer("incidents").detail
    assert run.node_seconds("consult_incidents") < 30


def test_a_server_that_died_fails_the_layer(
    repo: Path, check: Check, chroma: ChromaServerProcess
) -> None:
    write_config(repo, incidents=incidents_config(chroma.url, read_timeout_seconds=60))
    assert check().layer("incidents").status == "ran"
    chroma.kill()
    run = check()
    assert_failed_open(run)


def incidents_file(path: Path, count: int) -> Path:
    lines = (
        json.dumps(
            {
                "id": f"INC-{n:05d}",
                "title": f"field {n} renumbered in service {n % 97}",
                "date": "2024-03-01",
                "impact": f"clients of service {n % 97} lost field {n}",
                "severity": ["LOW", "MEDIUM", "HIGH", "CRITICAL"][n % 4],
                "elements": [f"acme.s{n % 97}.v1.Message{n}.field_{n}"],
            }
        )
        for n in range(count)
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored(url: str) -> int:
    port = int(url.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host=HOST, port=port)
    names = [collection.name for collection in client.list_collections()]
    return client.get_collection(COLLECTION).count() if COLLECTION in names else 0


def test_a_server_killed_mid_import_says_so_and_a_rerun_completes_it(
    tmp_path: Path, chroma: ChromaServerProcess
) -> None:
    total = 20_000
    source = incidents_file(tmp_path / "incidents.jsonl", total)
    command = [PROTOGUARD, "incidents", "--chroma-url", chroma.url, "import", str(source)]
    env = {**os.environ, "NO_PROXY": HOST}
    importing = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )

    def kill_once_batches_land() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and importing.poll() is None:
            try:
                if stored(chroma.url) > 0:
                    break
            except Exception:  # the collection may be created between two calls
                pass
            time.sleep(0.05)
        chroma.kill()

    killer = threading.Thread(target=kill_once_batches_land)
    killer.start()
    stdout, stderr = importing.communicate(timeout=180)
    killer.join()
    assert importing.returncode == 2, stdout + stderr
    [line] = [line for line in stderr.splitlines() if line.strip()]
    assert line.startswith("protoguard: error:")
    assert "part of the batch may be stored; run the same command again" in line
    assert "Traceback" not in stderr

    chroma.start()  # same data directory: what the dead server had written is still there
    partial = stored(chroma.url)
    assert 0 < partial < total
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"{total - partial} added" in done.stdout and f"{partial} unchanged" in done.stdout
    assert stored(chroma.url) == total


def test_incidents_commands_against_a_hung_server_end_with_one_line(tmp_path: Path) -> None:
    """`protoguard incidents …` has no verdict to fall back on: a hung server is exit 2
    with one line naming the timeout, not a process that waits forever."""
    (tmp_path / "protoguard.yaml").write_text(
        "incidents:\n  connect_timeout_seconds: 1\n  read_timeout_seconds: 2\n"
    )
    env = {**os.environ, "NO_PROXY": HOST}
    with SilentServer() as server:
        done = subprocess.run(
            [PROTOGUARD, "incidents", "--chroma-url", server.url, "search", "field removed"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,  # a hang would end here, failing the test
        )
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = [x for x in done.stderr.splitlines() if x.strip()]
    assert line.startswith("protoguard: error:") and "did not answer within" in line
