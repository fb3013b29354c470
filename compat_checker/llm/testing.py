"""A fake chat model with structured output, for tests of anything that calls a model.

LangChain's fake chat models answer by call order and do not support
`with_structured_output`. This one implements `bind_tools`, so the standard
`with_structured_output` works on it (as a tool call, like most providers), and it
answers by *input*: a responder function sees each request (messages, the schema asked
for, the decoded data blocks) and returns the answer. That keeps tests deterministic when
calls run in parallel.

A responder returns one of:
* a dict or a Pydantic model: the structured answer (validated by the caller's schema);
* a str: a plain-text reply with no structured answer (a malformed answer);
* an exception instance: raised by the model (timeouts, quota, auth).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ConfigDict, PrivateAttr

from compat_checker.llm.prompts import extract_data_blocks
from compat_checker.llm.usage import estimate_tokens


@dataclass(frozen=True)
class FakeRequest:
    messages: tuple[BaseMessage, ...]
    schema_name: str  # the structured-output schema asked for (its class name)

    @property
    def system(self) -> str:
        return "\n".join(str(m.content) for m in self.messages if isinstance(m, SystemMessage))

    @property
    def user(self) -> str:
        return "\n".join(str(m.content) for m in self.messages if isinstance(m, HumanMessage))

    @property
    def data(self) -> list[Any]:
        """The decoded data blocks of the user messages, in order."""
        return extract_data_blocks(self.user)

    @property
    def is_retry(self) -> bool:
        """True when the caller came back with validation errors."""
        return sum(isinstance(m, HumanMessage) for m in self.messages) > 1


Responder = Callable[[FakeRequest], Any]


class FakeStructuredChatModel(BaseChatModel):
    responder: Responder
    latency: float = 0.0  # seconds each call sleeps before answering

    model_config = ConfigDict(arbitrary_types_allowed=True)
    _requests: list[FakeRequest] = PrivateAttr(default_factory=list)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "fake-structured"

    @property
    def requests(self) -> list[FakeRequest]:
        """Every request received so far (thread-safe copy)."""
        with self._lock:
            return list(self._requests)

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> Runnable[Any, AIMessage]:
        formatted = [convert_to_openai_tool(tool) for tool in tools]
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        tools = kwargs.get("tools") or []
        name = tools[0]["function"]["name"] if tools else ""
        request = FakeRequest(tuple(messages), name)
        with self._lock:
            self._requests.append(request)
        if self.latency:
            time.sleep(self.latency)
        reply = self.responder(request)
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, BaseModel):
            reply = reply.model_dump(mode="json")
        input_tokens = sum(estimate_tokens(str(m.content)) for m in messages)
        output_tokens = estimate_tokens(str(reply))
        usage = {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        }
        if isinstance(reply, str):
            message = AIMessage(content=reply, usage_metadata=usage)
        else:
            call = {"name": name, "args": reply, "id": f"call_{len(self.requests)}"}
            message = AIMessage(content="", tool_calls=[call], usage_metadata=usage)
        return ChatResult(generations=[ChatGeneration(message=message)])


def review_items(request: FakeRequest) -> list[dict[str, Any]]:
    """The findings a compat_review request shows (its first list data block)."""
    return next((block for block in request.data if isinstance(block, list)), [])


def unflagged_items(request: FakeRequest) -> list[dict[str, Any]]:
    """The changed elements without a finding a compat_review (v2) request shows (its
    second list data block)."""
    blocks = [block for block in request.data if isinstance(block, list)]
    return blocks[1] if len(blocks) > 1 else []


def compat_responder(
    judge: Callable[[dict[str, Any]], dict[str, Any] | None],
    *,
    extra: Callable[[FakeRequest], list[dict[str, Any]]] | None = None,
    unflagged: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None,
    risk: str = "LOW",
    assessment: str = "fake review",
) -> Responder:
    """A responder for compat_review answering each finding through `judge(item)`.

    `judge` returns the fields to set for that finding (anything not given is copied
    from the finding: element, is_breaking, severity, category; the assessment follows
    is_breaking: confirmed when breaking, else uncertain), or None to skip it;
    `unflagged(item)` returns the fields of a new finding (finding_id null) for a changed
    element no check reported, or None to say nothing about it; `extra` adds entries (new
    findings) per request.
    """

    def respond(request: FakeRequest) -> dict[str, Any]:
        changes = []
        for item in review_items(request):
            fields = judge(item)
            if fields is None:
                continue
            breaking = fields.get("is_breaking", item["is_breaking"])
            changes.append(
                {
                    "finding_id": item["finding_id"],
                    "element": item["element"],
                    "assessment": "confirmed" if breaking else "uncertain",
                    "is_breaking": item["is_breaking"],
                    "severity": item["severity"],
                    "category": item["category"],
                    "reasoning": "fake reasoning",
                    **fields,
                }
            )
        for item in unflagged_items(request) if unflagged is not None else ():
            fields = unflagged(item)
            if fields is None:
                continue
            changes.append(
                {
                    "finding_id": None,
                    "element": item["element"],
                    "assessment": "confirmed",
                    "is_breaking": True,
                    "severity": "HIGH",
                    "category": "SEMANTIC",
                    "reasoning": "fake reasoning about an unflagged change",
                    **fields,
                }
            )
        if extra is not None:
            changes.extend(extra(request))
        return {"changes": changes, "assessment": assessment, "risk": risk}

    return respond
