"""Embedding functions for the incident memory, registered with Chroma.

Registration (`register_embedding_function`) stores each function's `name()` and `get_config()`
in the collection's configuration, so any later process that has imported this module can
reopen the collection and embed queries the same way without being handed the function.

* `HashingEmbeddingFunction` (default): offline, deterministic, nothing to download. Feature
  hashing (`text.features`: words, character n-grams, rule IDs, FQNs and their parent),
  signed, L2-normalised, fixed dimension.
* `VertexTextEmbeddingFunction`: Vertex AI text embeddings through google-genai (the client
  LangChain's Google integrations use; langchain-google-vertexai's `VertexAIEmbeddings` is
  deprecated), with a time limit on every request.

Each function gets its own collection (`collection_name`), because dimensions and vector
spaces differ and mixing them would make every score meaningless.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any, ClassVar

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from compat_checker.config.incidents import IncidentsConfig
from compat_checker.errors import GateError
from compat_checker.incidents._errors import first_line
from compat_checker.incidents.text import features

COLLECTION_PREFIX = "incidents__"

_COLLECTION_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@functools.lru_cache(maxsize=1 << 16)
def _bucket(feature: str, dimension: int) -> tuple[int, float]:
    # blake2b, not hash(): Python salts str hashes per process, and vectors must be stable.
    value = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
    return value % dimension, (1.0 if value >> 63 == 0 else -1.0)


def hashed_vector(text: str, dimension: int) -> np.ndarray:
    vector = np.zeros(dimension, dtype=np.float32)
    # A zero vector has no cosine; an empty text gets one fixed feature instead.
    weights = features(text) or {"empty:": 1.0}
    for feature, weight in weights.items():
        index, sign = _bucket(feature, dimension)
        vector[index] += sign * weight
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


@register_embedding_function
class HashingEmbeddingFunction(EmbeddingFunction[Documents]):
    """Offline, deterministic feature-hashing embeddings."""

    VERSION: ClassVar[int] = 1  # bump when `features` changes: old vectors become incomparable
    DEFAULT_DIMENSION: ClassVar[int] = 384

    def __init__(self, dimension: int = DEFAULT_DIMENSION) -> None:
        self.dimension = dimension

    def __call__(self, input: Documents) -> Embeddings:
        return [hashed_vector(text, self.dimension) for text in input]

    @staticmethod
    def name() -> str:
        return "protoguard_hashing"

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]  # unit vectors rank the same in all three

    def get_config(self) -> dict[str, Any]:
        return {"version": self.VERSION, "dimension": self.dimension}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> HashingEmbeddingFunction:
        HashingEmbeddingFunction.validate_config(config)
        return HashingEmbeddingFunction(dimension=int(config["dimension"]))

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        if config.get("version") != HashingEmbeddingFunction.VERSION:
            raise ValueError(
                f"hashing embedding version {config.get('version')} is not supported "
                f"(this protoguard makes version {HashingEmbeddingFunction.VERSION})"
            )
        dimension = config.get("dimension")
        if not isinstance(dimension, int) or not 16 <= dimension <= 8192:
            raise ValueError(f"hashing embedding dimension must be 16..8192, got {dimension!r}")

    @staticmethod
    def identity(config: dict[str, Any]) -> dict[str, Any]:
        """What must be equal for stored vectors to be comparable with new ones."""
        return {"version": config.get("version"), "dimension": config.get("dimension")}

    def collection_name(self) -> str:
        return f"{COLLECTION_PREFIX}hashing_v{self.VERSION}_{self.dimension}"

    def label(self) -> str:
        return f"hashing v{self.VERSION}, {self.dimension} dimensions"


@register_embedding_function
class VertexTextEmbeddingFunction(EmbeddingFunction[Documents]):
    """Vertex AI text embeddings (network, credentials from the environment)."""

    def __init__(
        self,
        model: str = "text-embedding-005",
        project: str | None = None,
        location: str = "us-central1",
        timeout_seconds: float = 20.0,
    ) -> None:
        self.model = model
        self.project = project
        self.location = location
        self.timeout_seconds = timeout_seconds
        self._client: Any = None  # built on first use: reopening a store must not need credentials

    def _models(self) -> Any:
        if self._client is None:
            from google import genai
            from google.genai import types

            # google-genai would otherwise send every request with no time limit and retry
            # on its own; one attempt, bounded, and the caller's deadline decides the rest.
            options = types.HttpOptions(
                timeout=int(self.timeout_seconds * 1000),
                retry_options=types.HttpRetryOptions(attempts=1),
            )
            try:
                self._client = genai.Client(
                    vertexai=True,
                    project=self.project,
                    location=self.location,
                    http_options=options,
                )
            except Exception as exc:
                raise GateError(
                    f"Vertex AI embeddings ({self.model}) could not start: {first_line(exc)}",
                    hint="check credentials and incidents.vertex_project, or use embedding: hashing",
                ) from exc
        return self._client.models

    def _embed(self, texts: list[str], task: str) -> Embeddings:
        from google.genai import types

        models = self._models()
        try:
            result = models.embed_content(
                model=self.model,
                contents=texts,
                config=types.EmbedContentConfig(task_type=task),
            )
        except Exception as exc:
            raise GateError(
                f"Vertex AI embeddings ({self.model}) failed: {first_line(exc)}"
            ) from exc
        vectors = [embedding.values for embedding in result.embeddings or []]
        if len(vectors) != len(texts) or any(not vector for vector in vectors):
            raise GateError(
                f"Vertex AI embeddings ({self.model}) failed: {len(vectors)} vectors "
                f"for {len(texts)} texts"
            )
        return [np.asarray(vector, dtype=np.float32) for vector in vectors]

    def __call__(self, input: Documents) -> Embeddings:
        return self._embed(list(input), "RETRIEVAL_DOCUMENT")

    def embed_query(self, input: Documents) -> Embeddings:
        return self._embed(list(input), "RETRIEVAL_QUERY")

    @staticmethod
    def name() -> str:
        return "protoguard_vertex"

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def get_config(self) -> dict[str, Any]:
        return {"model": self.model, "project": self.project, "location": self.location}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> VertexTextEmbeddingFunction:
        VertexTextEmbeddingFunction.validate_config(config)
        return VertexTextEmbeddingFunction(
            model=config["model"], project=config.get("project"), location=config["location"]
        )

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        if not isinstance(config.get("model"), str) or not config["model"]:
            raise ValueError("Vertex embedding config needs a model name")

    @staticmethod
    def identity(config: dict[str, Any]) -> dict[str, Any]:
        # Project and location are where the model runs, not what it computes.
        return {"model": config.get("model")}

    def collection_name(self) -> str:
        return COLLECTION_PREFIX + _COLLECTION_UNSAFE.sub("-", f"vertex_{self.model}")

    def label(self) -> str:
        return f"Vertex AI {self.model}"


IncidentEmbedding = HashingEmbeddingFunction | VertexTextEmbeddingFunction

EMBEDDING_CLASSES: dict[str, type[HashingEmbeddingFunction] | type[VertexTextEmbeddingFunction]] = {
    cls.name(): cls for cls in (HashingEmbeddingFunction, VertexTextEmbeddingFunction)
}


def embedding_for(config: IncidentsConfig) -> IncidentEmbedding:
    if config.embedding == "vertex":
        return VertexTextEmbeddingFunction(
            model=config.vertex_model,
            project=config.vertex_project,
            location=config.vertex_location,
            timeout_seconds=config.read_timeout_seconds,
        )
    return HashingEmbeddingFunction()
