"""PII classification of proto fields, annotation of .proto files, and the PII gate.

The API the gate uses::

    from pii_detector import analyze_tree, gate_findings, load_overrides

    overrides = load_overrides(repo / ".protoguard/pii-overrides.yaml")
    analysis = analyze_tree(head_tree, overrides=overrides)            # fields, messages, RPCs
    findings = gate_findings(base_tree, head_tree, changed, "HIGH",    # what blocks
                             overrides=overrides, analysis=analysis)
    report = build_report(analysis)                                    # the JSON report
    annotated = annotate_file(text, head_tree.files[path], analysis)   # --annotate-dir

The policy every classifier follows is POLICY.md (shipped in the package).
"""

from pii_detector.analysis import analyze_tree
from pii_detector.annotate import AnnotationResult, annotate_file, options_proto_text
from pii_detector.gate import PiiGateFinding, gate_findings
from pii_detector.levels import PiiType, Sensitivity
from pii_detector.llm_review import (
    LlmFieldOpinion,
    LlmMerge,
    PiiLlmAnswer,
    PiiReviewInput,
    build_review_input,
    merge_llm_opinion,
    review_with_llm,
)
from pii_detector.overrides import (
    OVERRIDES_FILE,
    Override,
    OverridesError,
    load_overrides,
    record_override,
    save_overrides,
)
from pii_detector.report import SCHEMA_VERSION, FileReport, MultiReport, build_report, report_json
from pii_detector.results import (
    Disagreement,
    FieldResult,
    MessageResult,
    MethodResult,
    PiiAnalysis,
    Source,
)

__all__ = [
    "OVERRIDES_FILE",
    "SCHEMA_VERSION",
    "AnnotationResult",
    "Disagreement",
    "FieldResult",
    "FileReport",
    "LlmFieldOpinion",
    "LlmMerge",
    "MessageResult",
    "MethodResult",
    "MultiReport",
    "Override",
    "OverridesError",
    "PiiAnalysis",
    "PiiGateFinding",
    "PiiLlmAnswer",
    "PiiReviewInput",
    "PiiType",
    "Sensitivity",
    "Source",
    "analyze_tree",
    "annotate_file",
    "build_report",
    "build_review_input",
    "gate_findings",
    "load_overrides",
    "merge_llm_opinion",
    "options_proto_text",
    "record_override",
    "report_json",
    "review_with_llm",
    "save_overrides",
]
