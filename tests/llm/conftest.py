"""Shared builders for the LLM layer tests: findings and a StructuredLlm over the fake model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compat_checker.config.llm import LlmConfig
from compat_checker.diff import change_id
from compat_checker.findings import Category, Change, Severity, Source
from compat_checker.llm.cache import AnswerCache
from compat_checker.llm.client import StructuredLlm
from compat_checker.llm.testing import FakeStructuredChatModel, Responder

MakeChange = Callable[..., Change]
MakeLlm = Callable[..., tuple[StructuredLlm, FakeStructuredChatModel]]


@pytest.fixture
def make_change() -> MakeChange:
    def make(
        rule: str = "FIELD_REMOVED",
        element: str = "acme.todo.v1.Task.description",
        *,
        file: str = "acme/todo/v1/todo.proto",
        category: Category = Category.WIRE,
        severity: Severity = Severity.HIGH,
        is_breaking: bool = True,
        sources: tuple[Source, ...] = (Source.BUF, Source.RULES),
        **fields: Any,
    ) -> Change:
        return Change(
            id=change_id(rule, element, rule.lower()),
            rule=rule,
            category=category,
            is_breaking=is_breaking,
            severity=severity,
            element=element,
            file=file,
            line=fields.pop("line", 12),
            message=fields.pop("message", f"{rule} on {element}"),
            sources=list(sources),
            **fields,
        )

    return make


@pytest.fixture
def make_llm(tmp_path: Path) -> MakeLlm:
    """A StructuredLlm over the fake, caching under tmp_path, never sleeping for real."""

    def make(
        responder: Responder,
        *,
        latency: float = 0.0,
        cache: bool = True,
        cache_dir: Path | None = None,
        sleep: Callable[[float], None] = lambda _seconds: None,
        **config: Any,
    ) -> tuple[StructuredLlm, FakeStructuredChatModel]:
        fake = FakeStructuredChatModel(responder=responder, latency=latency)
        llm = StructuredLlm(
            fake,
            provider="fake",
            model_name="fake-1",
            config=LlmConfig(**config),
            cache=AnswerCache(cache_dir or tmp_path / "cache") if cache else None,
            sleep=sleep,
        )
        return llm, fake

    return make
