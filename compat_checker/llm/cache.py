"""On-disk cache of validated model answers, so a re-run on the same change calls nothing.

The key covers everything that shapes the answer: provider, model, temperature, the
prompt (name, version and the exact rendered messages, so editing a template without
bumping its version still misses) and the answer schema. Entries are written
atomically; an unreadable entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage
from pydantic import BaseModel

from compat_checker.io import atomic_write_text

CACHE_FORMAT = 1


def cache_key(
    *,
    provider: str,
    model: str,
    temperature: float,
    prompt_id: str,
    schema: type[BaseModel],
    messages: Sequence[BaseMessage],
) -> str:
    material = {
        "format": CACHE_FORMAT,
        "provider": provider,
        "model": model,
        "temperature": temperature,
        "prompt": prompt_id,
        "schema": schema.model_json_schema(),
        "messages": [[message.type, message.content] for message in messages],
    }
    encoded = json.dumps(material, sort_keys=True, ensure_ascii=True).encode("ascii")
    return hashlib.sha256(encoded).hexdigest()


class AnswerCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory / "llm"

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("format") != CACHE_FORMAT:
            return None
        return entry

    def put(
        self,
        key: str,
        *,
        prompt_id: str,
        provider: str,
        model: str,
        answer: BaseModel,
        input_tokens: int,
        output_tokens: int,
    ) -> None:
        entry = {
            "format": CACHE_FORMAT,
            "key": key,
            "prompt": prompt_id,
            "provider": provider,
            "model": model,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
            "answer": answer.model_dump(mode="json"),
        }
        atomic_write_text(self._path(key), json.dumps(entry, indent=1, ensure_ascii=False))
