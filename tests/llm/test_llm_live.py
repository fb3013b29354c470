"""Live review against Vertex AI Gemini: skipped unless credentials are present.

To run it: set GOOGLE_CLOUD_PROJECT, provide application-default credentials
(`gcloud auth application-default login`, or GOOGLE_APPLICATION_CREDENTIALS pointing at a
service-account key with the Vertex AI User role), install langchain-google-genai, then
`pytest -m live tests/llm`. PROTOGUARD_LLM_MODEL / PROTOGUARD_LLM_LOCATION pick the model.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from compat_checker.config.llm import LlmConfig
from compat_checker.diff import change_id
from compat_checker.findings import Category, Change, Severity, Source
from compat_checker.llm.providers import find_adc, open_llm
from compat_checker.llm.review import LlmState, review_changes


def _skip_reason() -> str | None:
    how = "; see tests/llm/test_llm_live.py for how to run it"
    if not os.environ.get("GOOGLE_CLOUD_PROJECT"):
        return "live Vertex AI test: GOOGLE_CLOUD_PROJECT is not set" + how
    adc, why = find_adc(os.environ)
    if adc is None:
        return f"live Vertex AI test: {why}" + how
    if importlib.util.find_spec("langchain_google_genai") is None:
        return "live Vertex AI test: langchain-google-genai is not installed" + how
    return None


pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or ""),
]


def test_vertex_confirms_a_unit_change(tmp_path: Path) -> None:
    element = "acme.todo.v1.Task.timeout"
    change = Change(
        id=change_id("DOC_GUARANTEE_CHANGED", element, "doc_guarantee_changed"),
        rule="DOC_GUARANTEE_CHANGED",
        category=Category.SEMANTIC,
        is_breaking=False,
        severity=Severity.MEDIUM,
        element=element,
        file="acme/todo/v1/todo.proto",
        line=12,
        message="the documented unit of Task.timeout changed",
        sources=[Source.RULES],
        potential=True,
        before="// How long to wait before giving up, in seconds.\nint32 timeout = 3;",
        after="// How long to wait before giving up, in milliseconds.\nint32 timeout = 3;",
    )
    llm, status = open_llm(LlmConfig(max_calls=4), os.environ, root=tmp_path, setting="vertex")
    assert llm is not None, status
    result = review_changes([change], llm)
    assert result.status.state is LlmState.RAN, result.status.reason
    [reviewed] = result.changes
    assert reviewed.llm is not None and reviewed.llm["review"] == "confirmed"
    assert reviewed.is_breaking
    usage = result.status.usage
    assert usage is not None and usage.calls >= 1 and usage.input_tokens > 0
