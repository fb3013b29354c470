"""The LLM layer: a model reviews what the deterministic checks found, and can only make
the verdict stricter (see `merge`). Model-agnostic (Vertex AI Gemini by default, any
LangChain chat model by `provider:model`), cached on disk, budgeted, cost-tracked.

Entry points for the pipeline:
    llm, status = open_llm(config.llm, os.environ, root=repo_root, setting=cli_llm, no_cache=...)
    if llm is not None:
        result = review_with_retries(changes, llm, base=base_tree, head=head_tree, files=paths)
        changes, status = result.changes, result.status
    layers.append(status.to_layer()); verdict.llm = status.model_dump(mode="json")

Other layers ask their own questions through the same client:
    answer, record = llm.ask("pii_review", 1, variables, MySchema)
"""

from compat_checker.llm.answers import Assessment, ChangeReview, CompatReview
from compat_checker.llm.client import StructuredLlm
from compat_checker.llm.failures import FailureKind, classify_failure, retry_on, retry_policy
from compat_checker.llm.graph import review_with_retries
from compat_checker.llm.merge import LLM_RULE, ReviewAnswer, merge_review
from compat_checker.llm.prompts import (
    Prompt,
    PromptError,
    Trusted,
    data_block,
    load_pii_policy,
    load_prompt,
    render,
    rule_docs,
)
from compat_checker.llm.providers import (
    ProviderChoice,
    build_chat_model,
    open_llm,
    resolve_provider,
)
from compat_checker.llm.review import (
    LlmState,
    LlmStatus,
    NodeAttempt,
    ReviewResult,
    TransientReviewFailure,
    review_changes,
)
from compat_checker.llm.usage import CallRecord, UsageReport

__all__ = [
    "LLM_RULE",
    "Assessment",
    "CallRecord",
    "ChangeReview",
    "CompatReview",
    "FailureKind",
    "LlmState",
    "LlmStatus",
    "NodeAttempt",
    "Prompt",
    "PromptError",
    "ProviderChoice",
    "ReviewAnswer",
    "ReviewResult",
    "StructuredLlm",
    "TransientReviewFailure",
    "Trusted",
    "UsageReport",
    "build_chat_model",
    "classify_failure",
    "data_block",
    "load_pii_policy",
    "load_prompt",
    "merge_review",
    "open_llm",
    "render",
    "resolve_provider",
    "retry_on",
    "retry_policy",
    "review_changes",
    "review_with_retries",
    "rule_docs",
]
