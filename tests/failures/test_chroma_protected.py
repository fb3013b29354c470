"""A protected Chroma server, as teams deploy one: a real `chroma run` behind a reverse
proxy that serves it under a path and wants a token, holding the incidents in a tenant and
database of their own. The token comes from the environment, never from the repository."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest
import yaml

from tests.failures.conftest import PROTOGUARD
from tests.failures.servers import HOST, ChromaServerProcess, TokenProxy

TOKEN = "s3cret-ci-token"


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServerProcess]:
    server = ChromaServerProcess(tmp_path / "chroma-data").start()
    try:
        yield server
    finally:
        server.stop()


def incidents(count: int) -> str:
    return "".join(
        json.dumps(
            {
                "id": f"INC-{n}",
                "title": f"field {n} removed from Order",
                "date": "2024-05-01",
                "impact": "mobile clients crashed",
                "severity": "HIGH",
            }
        )
        + "\n"
        for n in range(count)
    )


def run(cwd: Path, *args: str, token: str | None) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PROTOGUARD_") and key.upper() not in ("HTTP_PROXY", "HTTPS_PROXY")
    }
    env["NO_PROXY"] = HOST
    if token is not None:
        env["PROTOGUARD_CHROMA_TOKEN"] = token
    return subprocess.run(
        [PROTOGUARD, "incidents", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_a_token_a_path_a_tenant_and_a_database(
    tmp_path: Path, chroma: ChromaServerProcess
) -> None:
    admin = chromadb.AdminClient(
        chromadb.config.Settings(
            chroma_api_impl="chromadb.api.fastapi.FastAPI",
            chroma_server_host=HOST,
            chroma_server_http_port=chroma.port,
        )
    )
    admin.create_tenant("acme")
    admin.create_database("apis", tenant="acme")
    with TokenProxy(chroma.url, "/chroma", "Authorization", f"Bearer {TOKEN}") as proxy:
        (tmp_path / "protoguard.yaml").write_text(
            yaml.safe_dump({"incidents": {"url": proxy.url, "tenant": "acme", "database": "apis"}})
        )
        (tmp_path / "incidents.jsonl").write_text(incidents(3))

        refused = run(tmp_path, "import", "incidents.jsonl", token=None)
        assert refused.returncode == 2
        [line] = [x for x in refused.stderr.splitlines() if x.strip()]
        assert (
            line.startswith(("protoguard: error:", "Error:")) and "Traceback" not in refused.stderr
        )
        assert proxy.refused >= 1

        done = run(tmp_path, "import", "incidents.jsonl", token=TOKEN)
        assert done.returncode == 0, done.stderr
        assert "3 added" in done.stdout and proxy.url in done.stdout
        found = run(tmp_path, "search", "field removed from Order", "--json", token=TOKEN)
        assert found.returncode == 0, found.stderr
        assert len(json.loads(found.stdout)["results"]) == 3

    # Stored in acme/apis on the real server, not in the default tenant and database.
    direct = chromadb.HttpClient(host=HOST, port=chroma.port, tenant="acme", database="apis")
    [collection] = direct.list_collections()
    assert collection.count() == 3
    default = chromadb.HttpClient(host=HOST, port=chroma.port)
    assert default.list_collections() == []
    assert TOKEN not in (tmp_path / "protoguard.yaml").read_text()
