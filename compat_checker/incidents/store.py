"""The incident memory: a Chroma collection of incidents, on disk or on a Chroma server.

Why every operation runs in a short session (flock + fresh client, closed at the end):
Chroma's local store keeps its vector index in memory per process and writes it back to disk.
Two processes that keep clients open on the same directory overwrite each other's index and
leave a store that cannot be read (reproduced with chromadb 1.5; a lock around each write
alone is not enough). Holding a file lock from opening the client until closing it, and never
keeping a client across sessions (and until Chroma's background threads have let go of the
files), makes concurrent CI jobs queue instead of corrupt. A Chroma server serialises writers
itself, so no lock is taken there.

A write never leaves half a batch behind: everything is validated before the first Chroma
call, each Chroma call is one SQLite transaction, every written incident is read back
(metadata and vector) before `upsert` reports success, and if any batch or the read-back
fails, the incidents added are deleted and the replaced ones restored, still under the lock.

Every Chroma failure is turned into a one-line `GateError` (exit 2): a corrupt, locked or
incompatible store must never look like an empty memory.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chromadb
import httpx
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings
from pydantic import BaseModel

from compat_checker.config.incidents import IncidentsConfig
from compat_checker.errors import GateError
from compat_checker.incidents._errors import first_line
from compat_checker.incidents.embedding import (
    COLLECTION_PREFIX,
    EMBEDDING_CLASSES,
    IncidentEmbedding,
    embedding_for,
)
from compat_checker.incidents.model import Incident

STORE_FILE = "chroma.sqlite3"  # what makes a directory a Chroma store
LOCK_FILE = "protoguard.lock"
_RELEASE_GRACE_SECONDS = 0.2
_BATCH = 1000  # records per Chroma call; below every Chroma limit, large enough to be fast
_SPACE = "cosine"  # scores are cosine similarities: 1 - Chroma's cosine distance
# Chroma's default graph (16 neighbours, ef 100) missed up to 1% of exact-vector queries on
# 1,200 similar incidents; 32 neighbours and ef 200 found all of them at little cost.
_HNSW = {"space": _SPACE, "max_neighbors": 32, "ef_construction": 200, "ef_search": 200}
_SCHEMA_VERSION = 1


_CORRUPT_MARKERS = (
    "not a database",
    "malformed",
    "corrupt",
    "no such table",
    "error getting embedding",
    "hnsw",
    "segment",
    "failed to load",
    "unexpected end of file",
    "invalid data",
)


class SearchHit(BaseModel):
    incident: Incident
    score: float  # cosine similarity, rounded to 4 places so reports are stable


@dataclass
class UpsertReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


class IncidentMemory:
    """Incidents in one Chroma collection chosen by the embedding function."""

    def __init__(
        self,
        *,
        embedding: IncidentEmbedding,
        path: Path | None = None,
        url: str | None = None,
        server: ChromaServer | None = None,
        lock_timeout: float = 30.0,
    ) -> None:
        if (path is None) == (url is None):
            raise ValueError("an incident memory needs exactly one of path and url")
        self.embedding = embedding
        self.path = path
        self.url = url
        self.server = server or (ChromaServer(url=url) if url is not None else None)
        self.lock_timeout = lock_timeout
        self.collection_name = embedding.collection_name()
        self._depth = 0
        self._client: ClientAPI | None = None
        self._lock: _StoreLock | None = None
        self._collection: Collection | None = None

    @classmethod
    def open(cls, config: IncidentsConfig, repo_root: Path) -> IncidentMemory:
        """The memory configured in protoguard.yaml, checked now so a bad store fails early."""
        if config.url:
            memory = cls(
                embedding=embedding_for(config),
                url=config.url,
                server=ChromaServer.from_config(config, os.environ),
            )
        else:
            memory = cls(
                embedding=embedding_for(config),
                path=(repo_root / config.path).resolve(),
                lock_timeout=config.lock_timeout_seconds,
            )
        memory.count()
        return memory

    @property
    def location(self) -> str:
        return self.url if self.url is not None else str(self.path)

    def exists(self) -> bool:
        """False for a local store nobody has written to yet (reads then return nothing)."""
        return self.url is not None or (
            self.path is not None and (self.path / STORE_FILE).is_file()
        )

    # Sessions -------------------------------------------------------------------------

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """Keep one lock and client for several operations (nested sessions share them)."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._release()

    def _release(self) -> None:
        client, lock = self._client, self._lock
        self._client = self._lock = self._collection = None
        try:
            if client is not None:
                # Closing a client whose store just failed may fail again; the first error
                # is the one worth reporting and is already on its way.
                with contextlib.suppress(Exception):
                    client.close()
                if self.path is not None:
                    _wait_until_chroma_lets_go(self.path)
        finally:
            if lock is not None:
                lock.release()

    def _connect(self, *, create: bool) -> ClientAPI | None:
        if self._client is not None:
            return self._client
        if self.server is not None:
            self._client = _http_client(self.server)
            return self._client
        assert self.path is not None
        if not create and not self.exists():
            return None
        if self.path.exists() and not self.path.is_dir():
            raise GateError(f"incident store {self.path} is not a directory")
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock = _StoreLock.acquire(self.path / LOCK_FILE, self.lock_timeout)
        # Checked under the lock: while another process creates the store, the file is
        # briefly empty.
        store_file = self.path / STORE_FILE
        if store_file.is_file() and store_file.stat().st_size == 0:
            # Chroma would quietly start a new, empty database in it.
            raise GateError(
                f"incident store {self.path} is corrupt or unreadable ({STORE_FILE} is empty)",
                hint="restore it from a backup, or move it aside and import an export",
            )
        self._client = chromadb.PersistentClient(path=str(self.path), settings=_settings())
        return self._client

    @contextlib.contextmanager
    def _store(self, what: str, *, create: bool = False) -> Iterator[Collection | None]:
        """The collection for one operation (None: nothing stored yet), errors translated."""
        with self.session(), self._translate(what):
            client = self._connect(create=create)
            if client is not None and self._collection is None:
                self._collection = self._find_collection(client, create=create)
            yield self._collection

    @contextlib.contextmanager
    def _translate(self, what: str) -> Iterator[None]:
        try:
            yield
        except GateError:
            raise
        except (KeyboardInterrupt, SystemExit):
            raise
        # BaseException: the Rust bindings report some broken files as a pyo3 PanicException.
        except BaseException as exc:
            raise self._store_error(what, exc) from exc

    def _store_error(self, what: str, exc: BaseException) -> GateError:
        detail = first_line(exc)
        lowered = detail.lower()
        if "dimension" in lowered:
            return GateError(
                f"incident store {self.location} holds vectors that {self.embedding.label()} "
                f"cannot compare with ({detail})",
                hint="the store was made by another embedding; use a new incidents.path",
            )
        if "database is locked" in lowered or "database is busy" in lowered:
            return GateError(
                f"incident store {self.location} is locked by another program ({detail})",
                hint="stop the other program (a `chroma run` on this path?) and retry",
            )
        if self.server is not None and _is_timeout(exc):
            return GateError(
                f"the Chroma server at {self.url} did not answer within "
                f"{self.server.read_timeout:g}s ({what}; incidents.read_timeout_seconds)"
            )
        if self.url is not None and _is_connection_error(exc):
            return GateError(f"cannot reach the Chroma server at {self.url}: {detail}")
        if any(marker in lowered for marker in _CORRUPT_MARKERS):
            return GateError(
                f"incident store {self.location} is corrupt or unreadable ({detail})",
                hint="restore it from a backup, or move it aside and import an export",
            )
        return GateError(f"incident store {self.location}: {what} failed: {detail}")

    def _find_collection(self, client: ClientAPI, *, create: bool) -> Collection | None:
        names = sorted(collection.name for collection in client.list_collections())
        if self.collection_name in names:
            found = client.get_collection(self.collection_name)
            self._check_compatible(found)
        elif create:
            found = client.get_or_create_collection(
                self.collection_name,
                configuration={"hnsw": _HNSW},
                metadata={
                    "protoguard_schema": _SCHEMA_VERSION,
                    "embedding": self.embedding.label(),
                },
                embedding_function=self.embedding,
            )
            self._check_compatible(found)
        else:
            others = [name for name in names if name.startswith(COLLECTION_PREFIX)]
            if not names and self.url is None:
                # protoguard creates the collection together with the database file, so a
                # local database without any collection was damaged or is not ours.
                raise GateError(
                    f"incident store {self.location} holds no incident collection",
                    hint="check incidents.path, or move the directory aside and import an export",
                )
            if others:
                # Reading nothing here would silently disable the memory.
                raise GateError(
                    f"incident store {self.location} has no incidents for {self.embedding.label()} "
                    f"(collection {self.collection_name}), only {', '.join(others)}",
                    hint="set incidents.embedding to the one that wrote the store, or export and re-import",
                )
            return None
        # Our own instance embeds (it carries this run's settings, e.g. the Vertex project);
        # the check above proved it is the function the collection was built with.
        return client.get_collection(self.collection_name, embedding_function=self.embedding)

    def _check_compatible(self, collection: Collection) -> None:
        configuration = collection.configuration_json or {}
        persisted = configuration.get("embedding_function") or {}
        name = persisted.get("name")
        stored_config = persisted.get("config") or {}
        expected = self.embedding
        cls = EMBEDDING_CLASSES.get(name or "")
        same = cls is type(expected) and cls.identity(stored_config) == expected.identity(
            expected.get_config()
        )
        space = (configuration.get("hnsw") or {}).get("space")
        if not same:
            made_with = f"{name} {stored_config}" if name else "an unknown embedding"
            raise GateError(
                f"incident store {self.location}: collection {collection.name} was made with "
                f"{made_with}, not {expected.name()} {expected.get_config()}",
                hint="the store was made by another embedding or protoguard version; use a new incidents.path",
            )
        if space != _SPACE:
            raise GateError(
                f"incident store {self.location}: collection {collection.name} uses the {space} "
                f"space, protoguard needs {_SPACE}",
                hint="use a new incidents.path",
            )

    # Operations -----------------------------------------------------------------------

    def count(self) -> int:
        with self._store("counting incidents") as collection:
            return 0 if collection is None else collection.count()

    def all(self, where: dict[str, Any] | None = None) -> list[Incident]:
        """Every incident (optionally filtered), oldest first, then by id."""
        incidents: list[Incident] = []
        with self._store("reading incidents") as collection:
            if collection is None:
                return []
            offset = 0
            while True:
                page = collection.get(
                    where=where, include=["metadatas"], limit=_BATCH, offset=offset
                )
                metadatas = page["metadatas"] or []
                incidents.extend(Incident.from_metadata(dict(meta)) for meta in metadatas)
                if len(metadatas) < _BATCH:
                    break
                offset += _BATCH
        return sorted(incidents, key=lambda incident: (incident.date, incident.id))

    def get(self, incident_id: str) -> Incident | None:
        with self._store("reading an incident") as collection:
            if collection is None:
                return None
            found = collection.get(ids=[incident_id], include=["metadatas"])
            metadatas = found["metadatas"] or []
            return Incident.from_metadata(dict(metadatas[0])) if metadatas else None

    def upsert(self, incidents: Sequence[Incident]) -> UpsertReport:
        """Add or replace incidents by id; an identical incident is left untouched."""
        duplicates = sorted(
            incident_id
            for incident_id, seen in Counter(incident.id for incident in incidents).items()
            if seen > 1
        )
        if duplicates:
            raise GateError(f"incident ids repeated in one batch: {', '.join(duplicates)}")
        report = UpsertReport()
        if not incidents:
            return report
        with self._store("storing incidents", create=True) as collection:
            assert collection is not None
            stored, vectors = self._stored_versions(
                collection, [incident.id for incident in incidents]
            )
            changed = []
            for incident in incidents:
                if incident.id not in stored:
                    report.added.append(incident.id)
                elif stored[incident.id] != incident:
                    report.updated.append(incident.id)
                else:
                    report.unchanged.append(incident.id)
                    continue
                changed.append(incident)
            try:
                for start in range(0, len(changed), _BATCH):
                    self._write(collection, changed[start : start + _BATCH])
                self._verify_written(collection, changed)
            except BaseException as exc:
                undone = self._roll_back(collection, changed, stored, vectors)
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                error = exc if isinstance(exc, GateError) else self._store_error("storing", exc)
                raise GateError(f"{error}; {_after_failed_write(undone)}") from exc
        return report

    @staticmethod
    def _stored_versions(
        collection: Collection, ids: Sequence[str]
    ) -> tuple[dict[str, Incident], dict[str, Any]]:
        """The stored incidents among `ids`, and their vectors (for an undo that needs no
        embedding call: the failure being undone may be the embedding service's)."""
        stored: dict[str, Incident] = {}
        vectors: dict[str, Any] = {}
        for start in range(0, len(ids), _BATCH):
            found = collection.get(
                ids=list(ids[start : start + _BATCH]), include=["metadatas", "embeddings"]
            )
            embeddings = found["embeddings"] if found["embeddings"] is not None else []
            for incident_id, meta, vector in zip(
                found["ids"], found["metadatas"] or [], embeddings, strict=True
            ):
                stored[incident_id] = Incident.from_metadata(dict(meta))
                vectors[incident_id] = vector
        return stored, vectors

    @staticmethod
    def _write(
        collection: Collection, incidents: Sequence[Incident], vectors: Sequence[Any] | None = None
    ) -> None:
        collection.upsert(
            ids=[i.id for i in incidents],
            documents=[i.document() for i in incidents],
            metadatas=[i.metadata() for i in incidents],
            embeddings=vectors,
        )

    def _verify_written(self, collection: Collection, written: Sequence[Incident]) -> None:
        """Read every written incident back, metadata and vector, before reporting success."""
        wanted = {incident.id: incident for incident in written}
        for start in range(0, len(written), _BATCH):
            ids = [incident.id for incident in written[start : start + _BATCH]]
            found = collection.get(ids=ids, include=["metadatas", "embeddings"])
            embeddings = found["embeddings"]
            vectors = len(embeddings) if embeddings is not None else 0
            back = {
                incident_id: Incident.from_metadata(dict(meta))
                for incident_id, meta in zip(found["ids"], found["metadatas"] or [], strict=True)
            }
            wrong = sorted(i for i in ids if back.get(i) != wanted[i])
            if wrong or vectors != len(ids):
                what = ", ".join(wrong[:5]) or f"{len(ids) - vectors} vectors"
                raise GateError(
                    f"incident store {self.location}: incidents did not read back as written "
                    f"({what})",
                    hint="retry, or check the store's disk",
                )

    @staticmethod
    def _roll_back(
        collection: Collection,
        changed: Sequence[Incident],
        before: dict[str, Incident],
        vectors: dict[str, Any],
    ) -> None:
        """Undo a failed write: new incidents removed, replaced ones restored. True when
        the undo went through.

        Each Chroma call is one SQLite transaction, so a failure leaves whole batches written
        or not; this puts back the state from before the first batch. A store that broke, or
        a server that died, cannot be undone: the caller says so, and since every incident is
        stored by its id, running the same write again completes it without duplicates.
        """
        try:
            added = [i.id for i in changed if i.id not in before]
            for start in range(0, len(added), _BATCH):
                collection.delete(ids=added[start : start + _BATCH])
            replaced = [before[i.id] for i in changed if i.id in before]
            for start in range(0, len(replaced), _BATCH):
                batch = replaced[start : start + _BATCH]
                IncidentMemory._write(collection, batch, [vectors[i.id] for i in batch])
        except Exception:
            return False
        return True

    def remove(self, incident_id: str) -> bool:
        with self._store("removing an incident") as collection:
            if collection is None or not collection.get(ids=[incident_id], include=[])["ids"]:
                return False
            collection.delete(ids=[incident_id])
            return True

    def search(self, text: str, k: int = 5, where: dict[str, Any] | None = None) -> list[SearchHit]:
        return self.search_many([text], k=k, where=where)[0]

    def search_many(
        self, texts: Sequence[str], k: int = 5, where: dict[str, Any] | None = None
    ) -> list[list[SearchHit]]:
        """The k most similar incidents for each text, best first (ties by id)."""
        if k < 1:
            raise GateError(f"k must be at least 1, got {k}")
        if not texts:
            return []
        with self._store("searching incidents") as collection:
            if collection is None or collection.count() == 0:
                return [[] for _ in texts]
            result = collection.query(
                query_texts=list(texts),
                n_results=k,
                where=where,
                include=["metadatas", "distances"],
            )
            ranked: list[list[SearchHit]] = []
            for metadatas, distances in zip(
                result["metadatas"] or [], result["distances"] or [], strict=True
            ):
                hits = [
                    SearchHit(
                        incident=Incident.from_metadata(dict(meta)),
                        score=round(1.0 - float(distance), 4),
                    )
                    for meta, distance in zip(metadatas, distances, strict=True)
                ]
                hits.sort(key=lambda hit: (-hit.score, hit.incident.id))
                ranked.append(hits)
        return ranked


class _StoreLock:
    """An exclusive `flock` on the store's lock file, held for a whole session.

    flock, not a lock file's existence: the kernel drops it when the holder dies, so a killed
    CI job never leaves a store locked. The file is never deleted (deleting it would let a
    waiter and a newcomer lock two different inodes).
    """

    _POLL_SECONDS = 0.05

    def __init__(self, fd: int) -> None:
        self._fd = fd

    @classmethod
    def acquire(cls, path: Path, timeout: float) -> _StoreLock:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return cls(fd)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise GateError(
                        f"incident store {path.parent} is locked by another process "
                        f"(waited {timeout:g}s for {path.name})",
                        hint="retry when the other protoguard run has finished, "
                        "or raise incidents.lock_timeout_seconds",
                    ) from None
                time.sleep(cls._POLL_SECONDS)
            except BaseException:
                os.close(fd)
                raise

    def release(self) -> None:
        # Closing the descriptor drops the flock.
        os.close(self._fd)


def _settings() -> Settings:
    # Telemetry off: the gate runs in CI and must not talk to anything but the store. A new
    # object per client, because Chroma's client constructors write host, port and path into
    # the Settings they are given.
    return Settings(anonymized_telemetry=False, allow_reset=False)


def _wait_until_chroma_lets_go(path: Path, timeout: float = 10.0) -> None:
    """Return once this process holds no file of the store but our lock file.

    `client.close()` returns before chromadb's Rust side has closed the database and written
    the vector index back: that happens on background threads a few milliseconds later.
    Releasing the lock before then let another process load a stale index and drop a record
    from it (1 of 1,200, in 2 of 8 runs of two concurrent writers; none lost in 50 runs with
    this wait).
    """
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        # No portable way to list our open files elsewhere: a grace period well above the
        # few milliseconds measured on Linux.
        time.sleep(_RELEASE_GRACE_SECONDS)
        return
    prefix = str(path) + os.sep
    lock_file = str(path / LOCK_FILE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        held = []
        for fd in fds.iterdir():
            with contextlib.suppress(OSError):  # fds come and go while we look
                target = os.readlink(fd)
                if target.startswith(prefix) and target != lock_file:
                    held.append(target)
        if not held:
            return
        time.sleep(0.002)


TOKEN_ENV = "PROTOGUARD_CHROMA_TOKEN"
HEADERS_ENV = "PROTOGUARD_CHROMA_HEADERS"


@dataclass(frozen=True)
class ChromaServer:
    """How to reach a Chroma server: URL (a path after the host is kept, for a server behind
    a reverse proxy), tenant and database, request headers (credentials: from the
    environment only), TLS CA bundle, and the per-request timeouts."""

    url: str
    tenant: str = "default_tenant"
    database: str = "default_database"
    headers: dict[str, str] = field(default_factory=dict)
    ca_file: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 20.0

    @classmethod
    def from_config(cls, config: IncidentsConfig, env: Mapping[str, str]) -> ChromaServer:
        assert config.url is not None
        headers = _headers_from_env(env)
        token = env.get(TOKEN_ENV, "").strip()
        if token:
            bearer = config.token_header == "Authorization"
            headers[config.token_header] = f"Bearer {token}" if bearer else token
        return cls(
            url=config.url,
            tenant=config.tenant,
            database=config.database,
            headers=headers,
            ca_file=config.tls_ca_file,
            connect_timeout=config.connect_timeout_seconds,
            read_timeout=config.read_timeout_seconds,
        )


def _headers_from_env(env: Mapping[str, str]) -> dict[str, str]:
    raw = env.get(HEADERS_ENV, "").strip()
    if not raw:
        return {}
    try:
        headers = json.loads(raw)
    except ValueError:
        headers = None
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        # The value may hold a secret: never echo it.
        raise GateError(
            f"{HEADERS_ENV} must be a JSON object of header names to string values",
            hint='e.g. {"X-Api-Key": "..."}',
        )
    return dict(headers)


def _http_client(server: ChromaServer) -> ClientAPI:
    url = server.url
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise GateError(f"incidents url {url!r} is not an http(s) URL like http://localhost:8000")
    if parsed.query or parsed.fragment:
        raise GateError(f"incidents url {url!r}: a query or fragment is not supported")
    ssl = parsed.scheme == "https"
    port = parsed.port or (443 if ssl else 8000)
    # Chroma keeps a full URL's path and appends its API path to it.
    base = urllib.parse.urlunsplit(
        (parsed.scheme, f"{parsed.hostname}:{port}", parsed.path.rstrip("/"), "", "")
    )
    settings = _settings()
    if server.ca_file:
        settings.chroma_server_ssl_verify = server.ca_file
    # chromadb's HTTP client has no timeout (httpx.Client(timeout=None)), and creating it
    # already asks the server who we are: bound the creation as a whole, then give every
    # later request a connect and a read timeout.
    timeout = httpx.Timeout(server.read_timeout, connect=server.connect_timeout)
    client = _bounded(
        lambda: chromadb.HttpClient(
            host=base,
            port=port,
            ssl=ssl,
            headers=dict(server.headers),
            settings=settings,
            tenant=server.tenant,
            database=server.database,
        ),
        server.connect_timeout + server.read_timeout,
        what=f"connecting to the Chroma server at {url}",
    )
    session = getattr(getattr(client, "_server", None), "_session", None)
    if not isinstance(session, httpx.Client):  # pragma: no cover - a chromadb we do not know
        raise GateError(
            f"this chromadb ({chromadb.__version__}) has no HTTP session protoguard can put "
            "a timeout on"
        )
    session.timeout = timeout
    return client


def _bounded(fn: Any, seconds: float, *, what: str) -> Any:
    """`fn()` in a daemon thread, given up after `seconds` (a TimeoutError)."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=target, name="protoguard-chroma", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeoutError(f"{what}: no answer within {seconds:g}s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _after_failed_write(undone: bool) -> str:
    if undone:
        return "nothing was stored"
    return (
        "the undo failed too, so part of the batch may be stored; run the same command "
        "again to complete it (incidents are stored by id: nothing is duplicated)"
    )


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError | httpx.TimeoutException)


def _is_connection_error(exc: BaseException) -> bool:
    return isinstance(exc, ConnectionError | httpx.TransportError) or "connect" in str(exc).lower()
