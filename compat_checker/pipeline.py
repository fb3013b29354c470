"""The gate as a LangGraph graph. Nodes only orchestrate: the work is in the modules they call.

load_change → build_models ─┬→ run_buf_breaking ─┐
                            ├→ run_rules ────────┼→ merge_findings → consult_incidents
                            └→ analyze_pii ──────┘        → review_with_llm → build_verdict → write_outputs
"""

from __future__ import annotations

import gc
import operator
import os
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from compat_checker import __version__
from compat_checker.buf import BufRunner
from compat_checker.bufconfig import (
    config_relaxed_changes,
    files_on_both_sides,
    governing_breaking_config,
    obeying_breaking_config,
    package_lookup,
    path_in_head,
)
from compat_checker.config import Config, load_config
from compat_checker.diff import DiffContext, change_sort_key, match_elements, run_rules
from compat_checker.errors import GateError
from compat_checker.findings import Change, Layer, LayerStatus, Verdict
from compat_checker.gitsource import ChangeSet, load_change
from compat_checker.io import atomic_write_text
from compat_checker.merge import (
    compile_error_changes,
    merge_findings,
    without_fixed_compile_errors,
)
from compat_checker.options import CheckOptions
from compat_checker.promises import promises_in
from compat_checker.rules.registry import all_rules
from compat_checker.trees import BuiltVersion, build_versions, reviewed_paths
from compat_checker.verdict import (
    allow_breaking_reason,
    allow_pii_reason,
    apply_suppressions,
    build_verdict,
    hold_comment_findings,
)


def _merge_dicts(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    return {**left, **right}


class GateState(TypedDict, total=False):
    change: ChangeSet
    config: Config
    base: BuiltVersion
    head: BuiltVersion
    buf_runner: BufRunner | None  # None: buf disabled or not installed
    buf_findings: list[Any]
    buf_ran: bool  # buf breaking ran to the end: its findings are the word on buf rules
    rule_changes: list[Change]
    compile_changes: list[Change]  # compile errors the change brings (head only)
    pii_changes: list[Change]
    pii_report: dict[str, Any] | None
    changes: list[Change]
    incidents: list[dict[str, Any]]
    llm: dict[str, Any] | None
    verdict: Verdict
    layers: Annotated[list[Layer], operator.add]
    timings: Annotated[dict[str, float], _merge_dicts]


@dataclass
class GateRun:
    """Run-scoped context: the options and the resources whose lifetime spans the graph."""

    options: CheckOptions
    resources: ExitStack = field(default_factory=ExitStack)
    progress: Callable[[str], None] = lambda _step: None
    started: float = field(default_factory=time.perf_counter)
    chat_model: Any = None  # an already-built LangChain chat model (tests inject a fake)
    _llm: tuple[Any, Any] | None = None
    _llm_lock: threading.Lock = field(default_factory=threading.Lock)

    def llm(self, config: Config, root: Path) -> tuple[Any, Any]:
        """(client, None) or (None, status): one client per run, shared by every node."""
        from compat_checker.llm import open_llm

        with self._llm_lock:
            if self._llm is None:
                self._llm = open_llm(
                    config.llm,
                    os.environ,
                    root=root,
                    setting=self.options.llm,
                    no_cache=self.options.no_cache,
                    chat_model=self.chat_model,
                )
            return self._llm


NodeFn = Callable[[GateState, Runtime[GateRun]], dict[str, Any]]


def timed(name: str, fn: NodeFn) -> NodeFn:
    """Record each node's wall time into `timings` and announce it on the progress line."""

    def node(state: GateState, runtime: Runtime[GateRun]) -> dict[str, Any]:
        runtime.context.progress(name)
        started = time.perf_counter()
        update = fn(state, runtime)
        elapsed = round(time.perf_counter() - started, 4)
        update["timings"] = {**update.get("timings", {}), name: elapsed}
        return update

    node.__name__ = name
    return node


def skipped(name: str, reason: str) -> Layer:
    return Layer(name=name, status=LayerStatus.SKIPPED, detail=reason)


# ---------------------------------------------------------------- nodes


def load_change_node(state: GateState, runtime: Runtime[GateRun]) -> dict[str, Any]:
    options = runtime.context.options
    change = runtime.context.resources.enter_context(
        load_change(repo=options.repo, against=options.against, head=options.head)
    )
    config, config_path = load_config(options.config, change.repo_root)
    config = options.apply_overrides(config)
    detail = f"{len(change.files)} changed .proto files"
    return {
        "change": change,
        "config": config,
        "layers": [
            Layer(name="git", status=LayerStatus.RAN, detail=detail),
            Layer(
                name="config",
                status=LayerStatus.RAN,
                detail=str(config_path) if config_path else "defaults (no protoguard.yaml)",
            ),
        ],
    }


def build_models_node(state: GateState, runtime: Runtime[GateRun]) -> dict[str, Any]:
    config = state["config"]
    runner = None
    if config.buf.enabled and not runtime.context.options.no_buf:
        runner = BufRunner(timeout=config.buf.timeout_seconds)
        if not runner.available:
            runner = None
    options = runtime.context.options
    # --annotate-dir rewrites whole files: it needs the full model of the head.
    scoped = not options.full_models and options.annotate_dir is None
    base, head, layers = build_versions(state["change"], runner, scoped=scoped)
    compile_changes = []
    head_errors = head.compile_errors()
    if head_errors:
        compile_changes = compile_error_changes(
            head_errors,
            base.compile_errors(),
            reviewed_paths(state["change"].files, side="head"),
            remote_deps=head.layout.has_remote_deps,
            own_packages=head.packages(),
            own_import_dirs={m.rpartition("/")[0] for m in head.layout.module_files},
        )
    # Both models live until the verdict: the cyclic collector need not walk their
    # millions of objects again on every full collection the rules and PII analysis cause.
    gc.freeze()
    return {
        "base": base,
        "head": head,
        "buf_runner": runner,
        "layers": layers,
        "compile_changes": compile_changes,
    }


def run_buf_breaking_node(state: GateState, runtime: Runtime[GateRun]) -> dict[str, Any]:
    config = state["config"]
    base, head = state["base"], state["head"]
    if runtime.context.options.no_buf or not config.buf.enabled:
        return {
            "buf_findings": [],
            "layers": [skipped("buf", "disabled (--no-buf or buf.enabled: false)")],
        }
    runner = state["buf_runner"]
    if runner is None or head.build is None or base.build is None:
        return {"buf_findings": [], "layers": [skipped("buf", "buf binary not found")]}
    if head.build.image is None or base.build.image is None:
        failed = head.build if head.build.image is None else base.build
        side = "head" if head.build.image is None else "base"
        return {
            "buf_findings": [],
            "layers": [
                Layer(
                    name="buf",
                    status=LayerStatus.FAILED,
                    detail=f"buf build of {side} failed, rules ran on parsed files: {failed.error}",
                )
            ],
        }
    findings = runner.breaking(
        head.build_for_buf(), base.build_for_buf(), head.layout, config.buf.breaking
    )
    detail = f"buf {runner.version}: {len(findings)} findings" + "".join(
        f"; {side}: {len(build.left_out)} files left out (see model:{side})"
        for side, build in (("base", base.build), ("head", head.build))
        if build.left_out
    )
    if head.layout.breaking_plugins:
        detail += (
            f"; check plugins not run (not available here): "
            f"{', '.join(head.layout.breaking_plugins)}: their rules were not checked"
        )
    return {
        "buf_findings": findings,
        "buf_ran": True,
        "layers": [Layer(name="buf", status=LayerStatus.RAN, detail=detail)],
    }


def run_rules_node(state: GateState, runtime: Runtime[GateRun]) -> dict[str, Any]:
    rules = all_rules()
    context = DiffContext(
        base=state["base"].tree,
        head=state["head"].tree,
        changed_files=state["change"].files,
        list_head_packages=state["head"].packages,
    )
    pairs = match_elements(context.base, context.head, state["change"].files)
    base, head, config = state["base"], state["head"], state["config"]
    changes = obeying_breaking_config(
        run_rules(context, pairs, rules, config.rules),
        {rule.id: tuple(rule.buf_rules) for rule in rules.values()},
        governing_breaking_config(head.layout, base.layout, config),
        package_lookup(context.head, context.base),
        promises_in(head.snapshot.read_text_if_present) if config.buf.breaking is None else (),
        judged_path=path_in_head(head.layout, base.layout),
    )
    if config.buf.breaking is None and head.layout.modules:
        changes += config_relaxed_changes(
            base.layout,
            head.layout,
            files_on_both_sides(context.base, context.head),
            head.snapshot.read_text_if_present,
        )
    return {
        "rule_changes": changes,
        "layers": [
            Layer(
                name="rules",
                status=LayerStatus.RAN,
                detail=f"{len(rules)} rules, {len(changes)} findings",
            )
        ],
    }


def analyze_pii_node(state: GateState, runtime: Runtime[GateRun]) -> dict[str, Any]:
    from compat_checker import pii_gate
    from pii_detector.learned import model_if
    from pii_detector.report import layers_that_ran

    config, change = state["config"], state["change"]
    if not config.pii.enabled:
        return {
            "pii_changes": [],
            "pii_report": None,
            "layers": [skipped("pii", "pii.enabled: false")],
        }
    llm, review = runtime.context.llm(config, change.repo_root)
    calls = pii_gate.llm_ask(llm) if llm is not None else None
    learned = model_if(config.pii.learned_model)
    analysis, changes = pii_gate.analyze_change(
        state["base"].tree,
        state["head"].tree,
        fail_on=config.pii.fail_on,
        overrides_file=change.repo_root / config.pii.overrides_file,
        ask=calls,
        changed_files=change.files,
        concurrency=llm.review_concurrency if llm is not None else 1,
        fail_on_review=config.pii.fail_on_review,
        learned=learned,
        scope=state["head"].scope,
        read_text=change.head.read_text,
    )
    annotate_dir = runtime.context.options.annotate_dir
    if annotate_dir is not None:
        pii_gate.write_annotated(state["head"].tree, analysis, change.head.read_text, annotate_dir)
    layers = []
    llm_ran = False
    if calls is not None:
        review = calls.status()
        llm_ran = review.complete
        # The PII review is one of the run's LLM reviews: --llm-required covers it too.
        layers.append(_llm_layer(review, pii_gate.PII_LLM_LAYER, runtime.context.options))
    how = layers_that_ran(learned=learned is not None, llm=llm_ran)
    under = sum(c.rule == pii_gate.PII_UNDER_RULE for c in changes)
    held = sum(not c.is_breaking for c in changes)
    scope = state["head"].scope
    where = f" in {scope.changed_declarations} changed declarations" if scope is not None else ""
    detail = (
        f"{how}: {len(analysis.fields)} fields{where} classified,"
        f" {len(changes) - under} unannotated"
        f" and {under} under-annotated at/above {config.pii.fail_on}"
        + (f" ({held} of them warnings: doubtful or inherited)" if held else "")
    )
    return {
        "pii_changes": changes,
        "pii_report": pii_gate.report_json(analysis, review, learned),
        "layers": [Layer(name="pii", status=LayerStatus.RAN, detail=detail), *layers],
    }


def _llm_layer(status: Any, name: str, options: CheckOptions) -> Layer:
    """An LLM review's layer; under --llm-required, one that did not complete fails the run."""
    layer = status.to_layer(name)
    if options.llm_required:
        layer = layer.model_copy(update={"required": True})
    return layer


def merge_findings_node(state: GateState, runtime: Runtime[GateRun]) -> dict[str, Any]:
    merged = merge_findings(
        state.get("rule_changes", []),
        state.get("buf_findings", []),
        head=state["head"].tree,
        base=state["base"].tree,
        buf_ran=state.get("buf_ran", False),
    )
    base, head = state["base"], state["head"]
    merged = without_fixed_compile_errors(
        merged, base.tree, base.compile_errors(), head.compile_errors()
    )
    compiled = sorted([*merged, *state.get("compile_changes", [])], key=change_sort_key)
    return {"changes": compiled + state.get("pii_changes", [])}


def _open_incident_memory(config: Config, repo_root: Path):
    """The incident store, or None when there is no local store yet (nothing to consult)."""
    settings = config.incidents
    if settings.url is None and not (repo_root / settings.path).exists():
        return None
    from compat_checker.incidents import IncidentMemory

    return IncidentMemory.open(settings, repo_root)


def consult_incidents_node(state: GateState, runtime: Runtime[GateRun]) -> dict[str, Any]:
    """Incident memory is advice: when the store cannot answer within
    `incidents.timeout_seconds` (down, hung, corrupt, misconfigured), the layer fails with
    the reason and the findings stay as the other layers made them, unless
    `incidents.required` (--incidents-required) makes that failure fail the run."""
    config, changes = state["config"], state["changes"]
    settings = config.incidents
    if not settings.enabled:
        why = "--no-incidents or incidents.enabled: false"
        return {"incidents": [], "layers": [skipped("incidents", why)]}
    from compat_checker.incidents import apply_historical_risk, match_changes

    def lookup():
        memory = _open_incident_memory(config, state["change"].repo_root)
        return None if memory is None else match_changes(changes, memory, settings)

    try:
        matches = run_with_deadline(lookup, settings.timeout_seconds, "incidents lookup")
    except GateError as exc:
        failure = Layer(
            name="incidents",
            status=LayerStatus.FAILED,
            detail=f"{exc} (findings not matched against past incidents)",
            required=settings.required,
        )
        return {"incidents": [], "layers": [failure]}
    if matches is None:
        reason = (
            f"no incident store at {settings.path} (protoguard incidents add/import creates one)"
        )
        layer = skipped("incidents", reason).model_copy(update={"required": settings.required})
        return {"incidents": [], "layers": [layer]}
    changes = apply_historical_risk(changes, matches, settings.strong_threshold)
    return {
        "changes": changes,
        "incidents": matches.verdict_incidents(),
        "layers": [
            Layer(
                name="incidents",
                status=LayerStatus.RAN,
                detail=(
                    f"{matches.matched} of {matches.queried} findings matched "
                    f"{matches.searched} incidents in {matches.store}"
                ),
                required=settings.required,
            )
        ],
    }


def run_with_deadline(fn: Callable[[], Any], seconds: float, what: str) -> Any:
    """`fn()` in a daemon thread, abandoned after `seconds` with a GateError.

    The edge's own timeouts (per request) should end a stuck call first; this bounds the
    whole operation, however many requests it makes. A daemon thread, so a call stuck in
    the network can never keep the process from exiting.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=target, name=f"protoguard-{what}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise GateError(f"{what}: no answer within {seconds:g}s")
    if "error" in outcome:
        error = outcome["error"]
        if isinstance(error, GateError):
            raise error
        raise GateError(f"{what} failed: {type(error).__name__}: {_first_line(error)}") from error
    return outcome.get("value")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def review_with_llm_node(state: GateState, runtime: Runtime[GateRun]) -> dict[str, Any]:
    """The LLM review of findings and unflagged changed elements. Its retries (a LangGraph
    RetryPolicy from the `llm` config) live in `compat_checker.llm.graph`; a review that
    still fails, or runs out of `llm.deadline_seconds`, leaves the deterministic findings
    and a failed layer (which fails the run under --llm-required)."""
    from compat_checker.llm import review_with_retries

    options = runtime.context.options
    change = state["change"]
    llm, status = runtime.context.llm(state["config"], change.repo_root)
    changes = state["changes"]
    if llm is not None:
        result = review_with_retries(
            changes,
            llm,
            base=state["base"].tree,
            head=state["head"].tree,
            files={f.path for f in change.files},
        )
        changes, status = result.changes, result.status
    return {
        "changes": changes,
        "llm": status.model_dump(mode="json"),
        "layers": [_llm_layer(status, "llm", options)],
    }


def build_verdict_node(state: GateState, runtime: Runtime[GateRun]) -> dict[str, Any]:
    options = runtime.context.options
    config = state["config"]
    change = state["change"]
    allow = allow_breaking_reason(options.allow_breaking, change.commit_messages)
    allow_pii = allow_pii_reason(options.allow_pii, change.commit_messages)
    changes = apply_suppressions(
        hold_comment_findings(state["changes"], config.rules.comment_findings),
        config=config,
        head=state["head"].tree,
        allow_breaking=allow,
        allow_pii=allow_pii,
    )
    verdict = build_verdict(
        changes,
        fail_on=config.fail_on,
        base=change.base.ref,
        head=change.head.ref,
        files=change.files,
        layers=state.get("layers", []),
        timings=state.get("timings", {}),
        tool_version=__version__,
        allow_breaking=allow,
        allow_pii=allow_pii,
    )
    verdict.timings["total"] = round(time.perf_counter() - runtime.context.started, 4)
    verdict.pii = state.get("pii_report")
    verdict.incidents = state.get("incidents", [])
    verdict.llm = state.get("llm")
    return {"verdict": verdict}


def write_outputs_node(state: GateState, runtime: Runtime[GateRun]) -> dict[str, Any]:
    options = runtime.context.options
    if options.record:
        _record(state)
    output = options.output
    if output is not None and str(output) != "-":
        atomic_write_text(output, verdict_json(state["verdict"]))
    return {}


def _record(state: GateState) -> None:
    """`--record`: store this verdict's blocking findings as incidents (main-branch CI)."""
    from compat_checker.incidents import IncidentMemory, record_verdict_changes

    config, change, verdict = state["config"], state["change"], state["verdict"]
    memory = IncidentMemory.open(config.incidents, change.repo_root)
    report = record_verdict_changes(verdict.changes, memory, commit=change.head.ref.sha)
    verdict.layers.append(
        Layer(
            name="record",
            status=LayerStatus.RAN,
            detail=f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged",
        )
    )


# ---------------------------------------------------------------- graph

NODES: list[tuple[str, NodeFn]] = [
    ("load_change", load_change_node),
    ("build_models", build_models_node),
    ("run_buf_breaking", run_buf_breaking_node),
    ("run_rules", run_rules_node),
    ("analyze_pii", analyze_pii_node),
    ("merge_findings", merge_findings_node),
    ("consult_incidents", consult_incidents_node),
    ("review_with_llm", review_with_llm_node),
    ("build_verdict", build_verdict_node),
    ("write_outputs", write_outputs_node),
]


def build_graph():
    graph = StateGraph(GateState, context_schema=GateRun)
    for name, fn in NODES:
        graph.add_node(name, timed(name, fn))
    graph.add_edge(START, "load_change")
    graph.add_edge("load_change", "build_models")
    fan_out = ["run_buf_breaking", "run_rules", "analyze_pii"]
    for name in fan_out:
        graph.add_edge("build_models", name)
    graph.add_edge(fan_out, "merge_findings")
    graph.add_edge("merge_findings", "consult_incidents")
    graph.add_edge("consult_incidents", "review_with_llm")
    graph.add_edge("review_with_llm", "build_verdict")
    graph.add_edge("build_verdict", "write_outputs")
    graph.add_edge("write_outputs", END)
    return graph.compile()


_GRAPH = None


def run_check(
    options: CheckOptions,
    progress: Callable[[str], None] | None = None,
    *,
    chat_model: Any = None,
) -> Verdict:
    """Run the gate once and return the verdict (outputs written as the options say)."""
    global _GRAPH
    if _GRAPH is None:
        _GRAPH = build_graph()
    run = GateRun(options=options, progress=progress or (lambda _step: None), chat_model=chat_model)
    try:
        with run.resources:
            state = _GRAPH.invoke({"layers": [], "timings": {}}, context=run)
    finally:
        gc.unfreeze()
    return state["verdict"]


def verdict_json(verdict: Verdict) -> str:
    return verdict.model_dump_json(indent=2) + "\n"
