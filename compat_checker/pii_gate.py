"""The PII layer of the gate: personal data added or changed without (enough) annotation
becomes findings."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from compat_checker.diff import change_id, infer_changed_files, match_elements
from compat_checker.errors import GateError
from compat_checker.findings import Category, Change, ChangedFile, Severity, Source
from compat_checker.io import atomic_write_text
from compat_checker.rules.catalogue import PII_UNANNOTATED, PII_UNDER_ANNOTATED
from compat_checker.scope import Scope
from pii_detector.analysis import PiiAnalysis, analyze_tree
from pii_detector.annotate import annotate_file, options_proto_text
from pii_detector.gate import PiiGateFinding, gate_findings
from pii_detector.learned import LearnedModel
from pii_detector.llm_review import PiiLlmAnswer, review_with_llm
from pii_detector.overrides import Overrides, OverridesError, load_overrides
from pii_detector.report import NO_LLM, ReportLayer, build_report
from protomodel.model import ElementKind, FieldModel, FileModel, ProtoTree

PII_RULE = PII_UNANNOTATED
PII_UNDER_RULE = PII_UNDER_ANNOTATED
OPTIONS_PROTO_PATH = "pii/v1/pii.proto"
OPTIONS_SOURCE = (
    f'(options from `import "{OPTIONS_PROTO_PATH}";`: protoguard resolves it from its own '
    "copy; `protoguard pii init` adds the file to the repository for other tools)"
)


def pii_change(finding: PiiGateFinding) -> Change:
    under = finding.problem == "under_annotated"
    rule, kind = (PII_UNDER_RULE, "pii_under_annotated") if under else (PII_RULE, "pii_unannotated")
    return Change(
        id=change_id(rule, finding.element, kind),
        rule=rule,
        category=Category.PII,
        is_breaking=finding.blocking,
        # A PUBLIC guess that needs review is still a warning to act on, not INFO.
        severity=Severity(finding.sensitivity.value)
        if finding.sensitivity.is_pii
        else Severity.LOW,
        element=finding.element,
        file=finding.file,
        line=finding.line,
        column=finding.column,
        message=(
            finding.message
            if finding.blocking
            else f"{finding.message} (a warning: {finding.why_not_blocking})"
        ),
        recommendation=(
            f"Raise its annotation: {finding.suggestion}"
            if under
            else f"Annotate it: {finding.suggestion} {OPTIONS_SOURCE}"
        ),
        sources=[Source.PII],
        kind=kind,
        before=finding.existing_annotation if under else None,
        after=finding.suggestion,
    )


def field_counterparts(
    base: ProtoTree, head: ProtoTree, changed_files: Iterable[ChangedFile] | None = None
) -> dict[str, FieldModel]:
    """Head field FQN → the base field the structural diff paired it with.

    The diff's matching (by name, then by number for renames, across moves and package
    renames) decides, so a renamed field is judged as a change of the field it was, not
    as a new one. Without a git diff, changed files are inferred from content.
    """
    files = list(changed_files) if changed_files is not None else infer_changed_files(base, head)
    return {
        pair.head.fqn: pair.base
        for pair in match_elements(base, head, files)
        if pair.kind == ElementKind.FIELD
        and isinstance(pair.base, FieldModel)
        and isinstance(pair.head, FieldModel)
    }


def analyze_change(
    base: ProtoTree,
    head: ProtoTree,
    *,
    fail_on: str,
    overrides_file: Path,
    ask: Callable | None,
    changed_files: Iterable[ChangedFile] | None = None,
    concurrency: int = 1,
    fail_on_review: bool = False,
    learned: LearnedModel | None = None,
    scope: Scope | None = None,
    read_text: Callable[[str], str] | None = None,
) -> tuple[PiiAnalysis, list[Change]]:
    """Classify the head's files under review; block new/changed fields at/above fail_on
    that are unannotated or annotated below their level (renames judged as changes).

    With the ``scope`` of scoped models, the analysis returned covers the changed
    declarations only (the context kept around them is classified, not reported)."""
    overrides = _overrides(overrides_file)
    reviewed = [f.name for f in head.reviewed_files()]
    if ask is None:
        analysis = analyze_tree(head, files=reviewed, overrides=overrides, learned=learned)
    else:
        analysis = review_with_llm(
            head,
            ask,
            files=reviewed,
            overrides=overrides,
            concurrency=concurrency,
            learned=learned,
        )
    findings = gate_findings(
        base,
        head,
        reviewed,
        fail_on,
        overrides=overrides,
        analysis=analysis,
        counterparts=field_counterparts(base, head, changed_files),
        fail_on_review=fail_on_review,
        source_of=None if read_text is None else _source_of(read_text),
    )
    if scope is not None:
        analysis = of_changed_declarations(analysis, scope)
    return analysis, [pii_change(f) for f in findings]


def _source_of(read_text: Callable[[str], str]) -> Callable[[FileModel], str | None]:
    """A head file's text for the exact fix line; without it the fix keeps a placeholder."""

    def source_of(file: FileModel) -> str | None:
        try:
            return read_text(file.repo_path)
        except (OSError, GateError, UnicodeDecodeError):
            return None

    return source_of


def of_changed_declarations(analysis: PiiAnalysis, scope: Scope) -> PiiAnalysis:
    """The analysis of the declarations the change touched; overrides of declarations
    left out of the scoped models are not unused."""
    fields = [f for f in analysis.fields if scope.covers(f.module_path, f.element)]
    reported = {f.element for f in fields}
    return analysis.model_copy(
        update={
            "fields": fields,
            "messages": [m for m in analysis.messages if scope.covers(m.module_path, m.element)],
            "methods": [m for m in analysis.methods if scope.covers(m.module_path, m.element)],
            "disagreements": [d for d in analysis.disagreements if d.element in reported],
            "unused_overrides": [e for e in analysis.unused_overrides if not scope.is_left_out(e)],
        }
    )


def _overrides(path: Path) -> Overrides:
    """The PII corrections; a file that cannot be used is the user's to fix (exit 2)."""
    try:
        return load_overrides(path)
    except OverridesError as exc:
        raise GateError(str(exc), hint="fix or delete it") from None


def report_json(
    analysis: PiiAnalysis, llm_status=None, learned: LearnedModel | None = None
) -> dict:
    """The PII report; its `layers` say whether the learned second opinion and the LLM
    review (its LlmStatus) took part."""
    llm = NO_LLM if llm_status is None else report_layer(llm_status)
    return build_report(analysis, llm, learned).model_dump(mode="json")


def report_layer(status) -> ReportLayer:
    """The PII report's `llm` layer from the review's LlmStatus (the same four states)."""
    return ReportLayer(name="llm", status=status.state.value, detail=status.reason)


PII_LLM_LAYER = "pii-llm"
PII_PROMPT = ("pii_review", 2)


class PiiLlmCalls:
    """The PII review's question, asked through the run's shared LLM client (its timeout,
    retries and run deadline apply); keeps each call's record so that the gate can say in
    `layers` what the review did, and `--llm-required` can fail closed on it."""

    def __init__(self, llm) -> None:
        self.llm = llm
        self.records: list = []
        self._lock = threading.Lock()

    def __call__(self, prompt_input):
        answer, record = self.llm.ask(*PII_PROMPT, prompt_input.prompt_variables(), PiiLlmAnswer)
        with self._lock:
            self.records.append(record)
        return answer

    def status(self):
        """The PII review's LlmStatus: ran (every file answered), partial or failed."""
        from compat_checker.llm import LlmState, LlmStatus

        records = self.records
        failed = [r for r in records if r.failure is not None]
        failures = Counter(str(r.failure) for r in failed)
        why = ", ".join(f"{count} {kind}" for kind, count in sorted(failures.items()))
        if not records:
            state, reason = LlmState.RAN, "PII review: no fields to review"
        elif not failed:
            cached = sum(r.cached for r in records)
            state = LlmState.RAN
            reason = f"PII review of {len(records)} file(s): {cached} cached"
        elif len(failed) == len(records):
            state = LlmState.FAILED
            reason = f"PII review failed for {len(records)} file(s) ({why}): {failed[0].error}"
        else:
            state = LlmState.PARTIAL
            reason = (
                f"PII review answered {len(records) - len(failed)} of {len(records)} file(s) "
                f"({why}; first: {failed[0].error})"
            )
        return LlmStatus(
            state=state,
            reason=reason,
            provider=self.llm.label,
            prompt=f"{PII_PROMPT[0]}.v{PII_PROMPT[1]}",
            chunks=len(records),
            answered=len(records) - len(failed),
            cached=sum(r.cached for r in records),
            failures=dict(failures),
            errors=[r.error for r in failed if r.error],
        )


def llm_ask(llm) -> PiiLlmCalls:
    """The PII review's `ask`, asked through the run's shared LLM client."""
    return PiiLlmCalls(llm)


def write_annotated(
    head: ProtoTree, analysis: PiiAnalysis, read_text: Callable[[str], str], out_dir: Path
) -> list[Path]:
    """The annotated head version of every file under review, plus the options proto."""
    written = []
    module_roots = set()
    for file in head.reviewed_files():
        result = annotate_file(read_text(file.repo_path), file, analysis)
        target = out_dir / file.repo_path
        _write(target, result.text)
        written.append(target)
        if file.repo_path.endswith(file.name):
            module_roots.add(file.repo_path[: len(file.repo_path) - len(file.name)])
    # The annotated files import the options by module path: put them beside each root.
    for root in sorted(module_roots):
        _write(out_dir / root / OPTIONS_PROTO_PATH, options_proto_text())
    return written


def _write(target: Path, text: str) -> None:
    try:
        atomic_write_text(target, text)
    except OSError as exc:
        raise GateError(f"--annotate-dir: cannot write {target}: {exc.strerror or exc}") from None
