"""The other backends: Vertex AI embeddings (faked at the network edge) and a Chroma server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from compat_checker.config.incidents import IncidentsConfig
from compat_checker.errors import GateError
from compat_checker.incidents import Incident, IncidentMemory
from tests.failures.servers import VertexServer, VertexState, service_account_file


@pytest.fixture
def vertex(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[VertexServer]:
    """A Vertex AI `:predict` endpoint on 127.0.0.1, reached by the real google-genai client
    with a real service-account token exchange (GOOGLE_VERTEX_BASE_URL points it there)."""
    with VertexServer(VertexState(hang_seconds=10)) as server:
        key = service_account_file(tmp_path, f"{server.url}/token")
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
        monkeypatch.setenv("GOOGLE_VERTEX_BASE_URL", server.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
            monkeypatch.delenv(proxy, raising=False)
        yield server


def vertex_config(**overrides: Any) -> IncidentsConfig:
    return IncidentsConfig(
        path="store",
        embedding="vertex",
        vertex_project="acme-ci",
        vertex_location="europe-west4",
        **overrides,
    )


def test_vertex_embeddings_store_and_search(
    tmp_path: Path, vertex: VertexServer, example_incidents: list[Incident]
) -> None:
    memory = IncidentMemory.open(vertex_config(), tmp_path)
    assert memory.collection_name == "incidents__vertex_text-embedding-005"
    memory.upsert(example_incidents)
    hits = memory.search("new TaskStatus value TASK_STATUS_ARCHIVED crashed Android", k=1)
    assert hits[0].incident.id == "INC-2024-072"
    assert vertex.state.tokens >= 1
    tasks = [task for _, task in vertex.state.embedded]
    assert tasks[0] == "RETRIEVAL_DOCUMENT" and tasks[-1] == "RETRIEVAL_QUERY"
    assert {model for model, _ in vertex.state.embedded} == {"text-embedding-005"}
    # The hashing memory in the same store is a different collection, and says so.
    with pytest.raises(GateError, match="only incidents__vertex_text-embedding-005"):
        IncidentMemory.open(IncidentsConfig(path="store"), tmp_path)


def test_vertex_failure_is_a_gate_error(tmp_path: Path, vertex: VertexServer) -> None:
    vertex.state.modes["embed"] = "403"
    memory = IncidentMemory.open(vertex_config(), tmp_path)
    with pytest.raises(
        GateError,
        match=r"Vertex AI embeddings \(text-embedding-005\) failed: 403 PERMISSION_DENIED",
    ):
        memory.upsert(
            [Incident(id="A-1", title="t", date="2024-01-01", impact="i", severity="LOW")]
        )


def test_a_hung_embedding_service_is_cut_by_the_read_timeout(
    tmp_path: Path, vertex: VertexServer
) -> None:
    vertex.state.modes["embed"] = "hang"
    memory = IncidentMemory.open(vertex_config(read_timeout_seconds=1), tmp_path)
    started = time.monotonic()
    with pytest.raises(GateError, match=r"Vertex AI embeddings \(text-embedding-005\) failed"):
        memory.upsert(
            [Incident(id="A-1", title="t", date="2024-01-01", impact="i", severity="LOW")]
        )
    assert time.monotonic() - started < 5
    assert vertex.state.requests == ["embed"]  # one attempt: the caller's deadline decides
    assert memory.all() == []  # nothing half-written


def test_reopening_a_vertex_store_needs_no_credentials(
    tmp_path: Path,
    vertex: VertexServer,
    example_incidents: list[Incident],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    IncidentMemory.open(vertex_config(), tmp_path).upsert(example_incidents)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")
    asked = len(vertex.state.requests)
    memory = IncidentMemory.open(vertex_config(), tmp_path)
    assert [i.id for i in memory.all()] == sorted(i.id for i in example_incidents)
    assert len(vertex.state.requests) == asked  # listing and export never call the model


# A shared Chroma server (`chroma run`) on localhost ---------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if binary is None:
        pytest.skip("the chroma CLI is not installed")
    port = free_port()
    server = subprocess.Popen(
        [
            binary,
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/api/v2/heartbeat", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("chroma run did not start")
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_chroma_server_store(
    tmp_path: Path, chroma_server: str, example_incidents: list[Incident]
) -> None:
    config = IncidentsConfig(url=chroma_server)
    empty = IncidentMemory.open(config, tmp_path)
    assert empty.location == chroma_server
    assert empty.search("anything") == []  # a new server is a legitimately empty memory
    empty.upsert(example_incidents)
    again = IncidentMemory.open(config, tmp_path)  # like another CI job
    assert again.count() == len(example_incidents)
    assert again.search("REST route changed for CreateTask", k=1)[0].incident.id == "INC-2024-058"
    assert not (tmp_path / ".protoguard").exists()  # nothing written locally


def test_unreachable_server_is_a_gate_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(GateError, match=f"cannot reach the Chroma server at {url}"):
        IncidentMemory.open(IncidentsConfig(url=url), tmp_path)


@pytest.mark.parametrize("url", ["localhost:8000", "ftp://chroma"])  # a path is allowed (#15)
def test_bad_server_urls(tmp_path: Path, url: str) -> None:
    with pytest.raises(GateError, match="incidents url"):
        IncidentMemory.open(IncidentsConfig(url=url), tmp_path)
