"""The compatibility review as a one-node LangGraph graph whose node carries a RetryPolicy.

The gate's graph is compiled once per process, before any protoguard.yaml is read, so a
policy registered there could not follow `llm.max_retries` and the backoff settings. The
gate's review node runs this graph instead, compiled per policy (and cached): its `review`
node retries on the transient errors `failures.retry_on` recognises (google.api_core's
ResourceExhausted, TooManyRequests, ServiceUnavailable, DeadlineExceeded,
InternalServerError, timeouts…) with the configured exponential backoff.

Each attempt asks only what is still unanswered: the client reuses the answers it already
has (in memory for the run, and from the disk cache). The last attempt never raises for a
model failure, so when the retries are exhausted the review ends with the deterministic
findings and a failed status, never with a failed graph.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import RetryPolicy

from compat_checker.findings import Change
from compat_checker.llm.client import StructuredLlm
from compat_checker.llm.failures import retry_policy
from compat_checker.llm.review import NodeAttempt, ReviewResult, review_changes
from protomodel.model import ProtoTree

NODE = "review"


class _State(TypedDict, total=False):
    result: ReviewResult


@dataclass(frozen=True)
class _Job:
    changes: Sequence[Change]
    llm: StructuredLlm
    base: ProtoTree | None
    head: ProtoTree | None
    files: Collection[str] | None
    max_attempts: int


def _review_node(state: _State, runtime: Runtime[_Job]) -> dict[str, Any]:
    job = runtime.context
    info = runtime.execution_info
    attempt = NodeAttempt(info.node_attempt if info is not None else 1, job.max_attempts)
    result = review_changes(
        job.changes, job.llm, base=job.base, head=job.head, files=job.files, attempt=attempt
    )
    return {"result": result}


@functools.lru_cache(maxsize=8)
def review_graph(policy: RetryPolicy) -> Any:
    """START → review → END, the review node retried by `policy`."""
    graph = StateGraph(_State, context_schema=_Job)
    graph.add_node(NODE, _review_node, retry_policy=policy)
    graph.add_edge(START, NODE)
    graph.add_edge(NODE, END)
    return graph.compile()


def review_with_retries(
    changes: Sequence[Change],
    llm: StructuredLlm,
    *,
    base: ProtoTree | None = None,
    head: ProtoTree | None = None,
    files: Collection[str] | None = None,
) -> ReviewResult:
    """`review_changes` under the RetryPolicy of `llm.config` (see the module doc)."""
    policy = retry_policy(llm.config)
    job = _Job(changes, llm, base, head, files, policy.max_attempts)
    return review_graph(policy).invoke({}, context=job)["result"]
