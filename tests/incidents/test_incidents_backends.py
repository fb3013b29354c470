"""The other backends: Vertex AI embeddings (faked at the network edge) and a Chroma server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from google import genai

from compat_checker.config.incidents import IncidentsConfig
from compat_checker.errors import GateError
from compat_checker.incidents import HashingEmbeddingFunction, Incident, IncidentMemory


class FakeModels:
    """`genai.Client().models`: the one call VertexAIEmbeddings makes over the network."""

    def __init__(self, calls: list[dict[str, Any]], fail: bool) -> None:
        self.calls = calls
        self.fail = fail
        self.vectors = HashingEmbeddingFunction(dimension=64)  # stands in for the model

    def embed_content(self, *, model: str, contents: list[str], config: Any) -> Any:
        self.calls.append({"model": model, "texts": list(contents), "task": config.task_type})
        if self.fail:
            raise RuntimeError("403 Permission denied on resource project acme")
        return SimpleNamespace(
            embeddings=[
                SimpleNamespace(values=[float(x) for x in v]) for v in self.vectors(contents)
            ]
        )


@pytest.fixture
def fake_vertex(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    state: dict[str, Any] = {"calls": [], "clients": [], "fail": False}

    class FakeClient:
        def __init__(self, **kwargs: Any) -> None:
            state["clients"].append(kwargs)
            self.models = FakeModels(state["calls"], state["fail"])

    monkeypatch.setattr(genai, "Client", FakeClient)
    return state


def vertex_config(**overrides: Any) -> IncidentsConfig:
    return IncidentsConfig(
        path="store",
        embedding="vertex",
        vertex_project="acme-ci",
        vertex_location="europe-west4",
        **overrides,
    )


def test_vertex_embeddings_store_and_search(
    tmp_path: Path, fake_vertex: dict[str, Any], example_incidents: list[Incident]
) -> None:
    memory = IncidentMemory.open(vertex_config(), tmp_path)
    assert memory.collection_name == "incidents__vertex_text-embedding-005"
    memory.upsert(example_incidents)
    hits = memory.search("new TaskStatus value TASK_STATUS_ARCHIVED crashed Android", k=1)
    assert hits[0].incident.id == "INC-2024-072"
    assert fake_vertex["clients"][0] == {
        "vertexai": True,
        "project": "acme-ci",
        "location": "europe-west4",
        "credentials": None,
    }
    tasks = [call["task"] for call in fake_vertex["calls"]]
    assert tasks[0] == "RETRIEVAL_DOCUMENT" and tasks[-1] == "RETRIEVAL_QUERY"
    assert {call["model"] for call in fake_vertex["calls"]} == {"text-embedding-005"}
    # The hashing memory in the same store is a different collection, and says so.
    with pytest.raises(GateError, match="only incidents__vertex_text-embedding-005"):
        IncidentMemory.open(IncidentsConfig(path="store"), tmp_path)


def test_vertex_failure_is_a_gate_error(tmp_path: Path, fake_vertex: dict[str, Any]) -> None:
    fake_vertex["fail"] = True
    memory = IncidentMemory.open(vertex_config(), tmp_path)
    with pytest.raises(
        GateError,
        match=r"Vertex AI embeddings \(text-embedding-005\) failed: 403 Permission denied",
    ):
        memory.upsert(
            [Incident(id="A-1", title="t", date="2024-01-01", impact="i", severity="LOW")]
        )


def test_reopening_a_vertex_store_needs_no_credentials(
    tmp_path: Path, fake_vertex: dict[str, Any], example_incidents: list[Incident]
) -> None:
    IncidentMemory.open(vertex_config(), tmp_path).upsert(example_incidents)
    fake_vertex["clients"].clear()
    memory = IncidentMemory.open(vertex_config(), tmp_path)
    assert [i.id for i in memory.all()] == sorted(i.id for i in example_incidents)
    assert fake_vertex["clients"] == []  # listing and export never call the model


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
