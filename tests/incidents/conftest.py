"""Fixtures for the incident memory tests: real Chroma stores in tmp_path, no network."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from compat_checker.config.incidents import IncidentsConfig
from compat_checker.incidents import Incident, IncidentMemory, read_incidents

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "proto" / "examples" / "incidents.yaml"
_LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection that leaves this machine (Chroma telemetry, a model download)."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family != socket.AF_UNIX and address[0] not in _LOCAL_HOSTS:
            raise RuntimeError(f"test tried to reach the network: {address}")

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture
def example_incidents() -> list[Incident]:
    return read_incidents(EXAMPLES)


@pytest.fixture
def memory_factory(tmp_path: Path) -> Callable[..., IncidentMemory]:
    def make(path: str = "store", **settings: Any) -> IncidentMemory:
        return IncidentMemory.open(IncidentsConfig(path=path, **settings), tmp_path)

    return make


@pytest.fixture
def filled_memory(
    memory_factory: Callable[..., IncidentMemory], example_incidents: list[Incident]
) -> IncidentMemory:
    memory = memory_factory()
    memory.upsert(example_incidents)
    return memory


def _subprocess_env() -> dict[str, str]:
    """The environment for child Python processes: this checkout importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


RunPython = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_python() -> RunPython:
    """Run `python -c CODE ARGS` in a child process and wait for it."""

    def run(
        code: str, *args: str, timeout: float = 120, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            env={**_subprocess_env(), **(env or {})},
            timeout=timeout,
            check=False,
        )

    return run


@pytest.fixture
def run_cli() -> RunPython:
    """`python -m compat_checker.incidents ARGS` in a child process (real exit codes)."""

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "compat_checker.incidents", *args],
            capture_output=True,
            text=True,
            env=_subprocess_env(),
            timeout=timeout,
            check=False,
        )

    return run


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start background Python processes; each is stopped (by its own pid) after the test."""
    started: list[subprocess.Popen[str]] = []

    def start(code: str, *args: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_subprocess_env(),
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)
