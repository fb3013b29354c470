"""Real servers on 127.0.0.1 for the failure tests: a Vertex AI `generateContent` endpoint
with a service-account token exchange, a TCP server that accepts and never answers, and a
`chroma run` server. Nothing here leaves the machine."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from compat_checker.incidents import HashingEmbeddingFunction

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class VertexState:
    """What the fake Vertex endpoint does, per kind of review ("compat" / "pii")."""

    modes: dict[str, str] = field(
        default_factory=lambda: {"compat": "ok", "pii": "ok", "embed": "ok"}
    )
    hang_seconds: float = 30.0
    requests: list[str] = field(default_factory=list)  # kinds, in arrival order
    embedded: list[tuple[str, str]] = field(default_factory=list)  # (model, task) per text
    arrivals: list[float] = field(default_factory=list)  # time.monotonic() of each request
    tokens: int = 0  # token exchanges served


def _kind(body: dict[str, Any]) -> str:
    config = body.get("generationConfig") or body.get("generation_config") or {}
    schema = config.get("responseJsonSchema") or config.get("responseSchema") or {}
    return "pii" if "fields" in (schema.get("properties") or {}) else "compat"


def _answer(kind: str) -> dict[str, Any]:
    if kind == "pii":
        return {"fields": []}
    return {"changes": [], "assessment": "no consumer breaks", "risk": "NONE"}


class VertexServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: VertexState) -> None:
        self.state = state
        super().__init__((HOST, 0), _VertexHandler)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}"

    def __enter__(self) -> VertexServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _VertexHandler(BaseHTTPRequestHandler):
    server: VertexServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _embed(self, body: dict[str, Any]) -> None:
        """Vertex AI text embeddings (`models/{model}:predict`): one vector per instance."""
        state = self.server.state
        assert self.headers.get("Authorization") == "Bearer local-token"
        state.requests.append("embed")
        state.arrivals.append(time.monotonic())
        mode = state.modes["embed"]
        if mode == "hang":
            time.sleep(state.hang_seconds)
            return
        if mode == "403":
            error = {
                "error": {
                    "code": 403,
                    "message": "Permission denied on project",
                    "status": "PERMISSION_DENIED",
                }
            }
            self._send(403, json.dumps(error).encode())
            return
        model = self.path.rsplit("/", 1)[-1].removesuffix(":predict")
        instances = body["instances"]
        texts = [instance["content"] for instance in instances]
        state.embedded += [(model, instance.get("task_type", "")) for instance in instances]
        vectors = HashingEmbeddingFunction(dimension=64)(texts)  # stands in for the model
        predictions = [
            {
                "embeddings": {
                    "values": [float(x) for x in vector],
                    "statistics": {"token_count": 8, "truncated": False},
                }
            }
            for vector in vectors
        ]
        self._send(200, json.dumps({"predictions": predictions}).encode())

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        state = self.server.state
        if self.path.startswith("/token"):
            # The service-account JWT grant: google-auth signs with the throwaway key.
            assert b"grant_type=urn" in raw and b"assertion=" in raw
            state.tokens += 1
            self._send(
                200,
                json.dumps(
                    {"access_token": "local-token", "expires_in": 3600, "token_type": "Bearer"}
                ).encode(),
            )
            return
        if self.path.endswith(":predict"):
            self._embed(json.loads(raw))
            return
        if not self.path.endswith(":generateContent"):
            self._send(
                404, b'{"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}'
            )
            return
        assert self.headers.get("Authorization") == "Bearer local-token"
        kind = _kind(json.loads(raw))
        state.requests.append(kind)
        state.arrivals.append(time.monotonic())
        mode = state.modes[kind]
        if mode == "hang":
            time.sleep(state.hang_seconds)
            return
        if mode in ("429", "500"):
            status = {"429": "RESOURCE_EXHAUSTED", "500": "INTERNAL"}[mode]
            error = {"error": {"code": int(mode), "message": f"local {mode}", "status": status}}
            self._send(int(mode), json.dumps(error).encode())
            return
        if mode == "garbage":
            self._send(200, b"<html>upstream proxy error</html>", "text/html")
            return
        text = json.dumps(_answer(kind))
        body = {
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
            ],
            "usageMetadata": {
                "promptTokenCount": 100,
                "candidatesTokenCount": 20,
                "totalTokenCount": 120,
            },
            "modelVersion": "gemini-2.5-flash",
        }
        self._send(200, json.dumps(body).encode())


def service_account_file(directory: Path, token_uri: str) -> Path:
    """A service-account key file with a throwaway RSA key whose token_uri is local."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "local-project",
        "private_key_id": "local-key",
        "private_key": pem,
        "client_email": "protoguard-test@local-project.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": token_uri,
    }
    path = directory / "service-account.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    return path


class SilentServer:
    """Accepts TCP connections and never answers: a hung server."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(64)
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.sock.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(connection)

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
        for connection in self.connections:
            connection.close()


class ChromaServerProcess:
    """`chroma run` on 127.0.0.1, on a data directory that survives restarts."""

    def __init__(self, data: Path, port: int | None = None) -> None:
        binary = shutil.which("chroma", path=str(Path(sys.executable).parent))
        if binary is None:
            raise RuntimeError("the chroma CLI is not in the venv")
        self.binary = binary
        self.data = data
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> ChromaServerProcess:
        self.process = subprocess.Popen(
            [
                self.binary,
                "run",
                "--path",
                str(self.data),
                "--host",
                HOST,
                "--port",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).raise_for_status()
                return self
            except httpx.HTTPError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("chroma run did not start") from None
                time.sleep(0.2)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


class TokenProxy(ThreadingHTTPServer):
    """A reverse proxy on 127.0.0.1 in front of a Chroma server, as deployments protect one:
    it serves Chroma's API under a path prefix and answers 401 unless the request carries
    the expected header."""

    daemon_threads = True

    def __init__(self, upstream: str, prefix: str, header: str, value: str) -> None:
        self.upstream = upstream
        self.prefix = prefix.rstrip("/")
        self.header = header
        self.value = value
        self.refused = 0
        super().__init__((HOST, 0), _TokenProxyHandler)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}{self.prefix}"

    def __enter__(self) -> TokenProxy:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _TokenProxyHandler(BaseHTTPRequestHandler):
    server: TokenProxy

    def log_message(self, format: str, *args: Any) -> None:  # quiet tests
        pass

    def _forward(self) -> None:
        proxy = self.server
        if self.headers.get(proxy.header) != proxy.value:
            proxy.refused += 1
            body = b'{"error": "Unauthorized", "message": "missing or wrong token"}'
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if not self.path.startswith(proxy.prefix + "/"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {
            key: value
            for key, value in self.headers.items()
            if key.lower() in ("content-type", "accept")
        }
        answer = httpx.request(
            self.command,
            proxy.upstream + self.path[len(proxy.prefix) :],
            content=raw or None,
            headers=headers,
            timeout=60,
        )
        self.send_response(answer.status_code)
        self.send_header("Content-Type", answer.headers.get("content-type", "application/json"))
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward
