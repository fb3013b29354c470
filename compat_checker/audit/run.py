"""`protoguard audit`: one audit run (or one shard of it), and the merge of shard reports.

The thin shell around the pure parts: find the files, parse them once (in parallel),
analyse PII, replay git history, run the checks, then build the `AuditReport`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from compat_checker import __version__
from compat_checker.audit.checks import AuditContext
from compat_checker.audit.files import discover_protos, shard_of, vendored_files
from compat_checker.audit.history import (
    History,
    Shape,
    file_shape,
    git_blob_id,
    git_toplevel,
    has_uncommitted_protos,
    head_commit,
    is_shallow,
    scan_history,
)
from compat_checker.audit.model import (
    AuditReport,
    BaselineInfo,
    FileError,
    Finding,
    PackageSummary,
    Shard,
)
from compat_checker.audit.parsing import Progress, SourceFile, import_finder, parse_sources
from compat_checker.audit.report import (
    LEVELS,
    PII_LEVELS,
    apply_baseline,
    exposure_key,
    exposures_of,
    finding_key,
    inventory_of,
    package_summaries,
    run_checks,
    service_key,
    service_summaries,
    totals_of,
)
from compat_checker.config import load_config
from compat_checker.errors import GateError
from compat_checker.modules import discover_layout
from pii_detector.analysis import analyze_tree
from pii_detector.learned import model_if
from pii_detector.overrides import OverridesError, load_overrides
from pii_detector.results import PiiAnalysis
from protomodel.model import FileModel, declaration_layers


@dataclass(frozen=True)
class AuditOptions:
    root: Path
    jobs: int
    shard: tuple[int, int] | None = None  # (index, count), 1-based
    history: bool = True
    baseline: Path | None = None
    include_vendored: bool = False


@dataclass(frozen=True)
class AuditRun:
    """A report and what the command line says about it beyond the report."""

    report: AuditReport
    # Repo-relative path → why it was left out as someone else's API (every shard's alike).
    vendored: dict[str, str] = field(default_factory=dict)


def run_audit(options: AuditOptions, progress: Progress | None = None) -> AuditRun:
    root = options.root
    if not root.is_dir():
        raise GateError(f"{root}: not a directory")
    baseline = load_report(options.baseline, "baseline") if options.baseline else None
    top = git_toplevel(root)
    # Bad configuration fails before the long part. The audited directory's protoguard.yaml,
    # else the repository's (the one `check` reads).
    config, config_path = load_config(None, root)
    if config_path is None and top is not None:
        config, config_path = load_config(None, top)
    config_dir = config_path.parent if config_path is not None else root
    overrides = None
    if config.pii.enabled:
        try:
            overrides = load_overrides(config_dir / config.pii.overrides_file)
        except OverridesError as exc:
            raise GateError(str(exc)) from None
    # Paths are reported relative to the repository, so that links and shard hashes do not
    # depend on which subdirectory was audited.
    prefix = _prefix(root, top)
    all_files, unreadable = discover_protos(root)
    # Every file stays in the layout: the team's files import the vendored ones.
    layout = discover_layout(root, files=all_files)
    vendored = (
        {}
        if options.include_vendored
        else vendored_files(
            root, all_files, layout, prefix=prefix, ignore_paths=config.ignore_paths
        )
    )
    audited = [
        path
        for path in all_files
        if path not in vendored
        and (options.shard is None or shard_of(prefix + path, options.shard[1]) == options.shard[0])
    ]
    module_of = {repo: module for module, repo in layout.module_files.items()}
    sources = [
        SourceFile(module_of.get(path, path), prefix + path, disk_path=str(root / path))
        for path in audited
    ]
    parsed = parse_sources(
        sources,
        import_finder(layout.module_files, layout.extra_files, root, prefix),
        jobs=options.jobs,
        progress=progress,
    )
    files = parsed.tree.reviewed_files()

    analysis = None
    if overrides is not None:
        if progress is not None:  # one step: the analysis reports no progress of its own
            progress("pii", 0, 1)
        learned = model_if(config.pii.learned_model)
        analysis = PiiAnalysis.merged(
            [
                analyze_tree(
                    layer,
                    files=[f.name for f in layer.reviewed_files()],
                    overrides=overrides,
                    learned=learned,
                )
                for layer in declaration_layers(parsed.tree)
            ]
        )
        if progress is not None:
            progress("pii", 1, 1)

    history: History | None = None
    history_state = "skipped"
    if options.history:
        if top is None:
            history_state = "unavailable"
        else:
            history = scan_history(
                top,
                prefix,
                {f.package for f in files},
                file_shape(files),
                known=_worktree_blobs(root, prefix, files),
                jobs=options.jobs,
                progress=progress,
            )
            # A shallow clone starts its history at the boundary: a number deleted and
            # reused before it looks like a plain field.
            history_state = "partial" if is_shallow(top) else "ran"

    exposures = exposures_of(files, analysis)
    findings = run_checks(AuditContext(files, analysis, exposures, history))
    baseline_info = None
    if baseline is not None and options.baseline is not None:
        findings, baseline_info = apply_baseline(
            findings, baseline, str(options.baseline), _owner(options.shard)
        )
    package_of = {f.repo_path: f.package for f in files}
    inventory = inventory_of(analysis, package_of)
    reported_files = sorted(s.repo_path for s in sources)
    report = AuditReport(
        tool=f"protoguard {__version__}",
        root=str(options.root),
        commit=head_commit(top) if top is not None else None,
        uncommitted=top is not None and has_uncommitted_protos(top, options.root),
        shard=Shard(index=options.shard[0], count=options.shard[1]) if options.shard else None,
        history=history_state,
        files=reported_files,
        totals=totals_of(reported_files, inventory, exposures, findings),
        packages=package_summaries(package_of, inventory, findings),
        services=service_summaries(files, analysis, exposures),
        inventory=inventory,
        exposures=exposures,
        findings=findings,
        errors=parsed.errors,
        skipped=[
            FileError(file=prefix + path, message=reason)
            for path, reason in sorted(unreadable.items())
        ],
        baseline=baseline_info,
    )
    return AuditRun(report, {prefix + path: reason for path, reason in vendored.items()})


def _worktree_blobs(root: Path, prefix: str, files: list[FileModel]) -> dict[str, Shape]:
    """Git blob id → shape of each audited file as it is on disk."""
    known: dict[str, Shape] = {}
    for file in files:
        try:
            data = (root / file.repo_path.removeprefix(prefix)).read_bytes()
        except OSError:
            continue  # changed under us: the history parses its blobs instead
        known[git_blob_id(data)] = file_shape([file])
    return known


def _prefix(root: Path, top: Path | None) -> str:
    if top is None:
        return ""
    relative = root.resolve().relative_to(top.resolve()).as_posix()
    return "" if relative == "." else relative + "/"


def _owner(shard: tuple[int, int] | None):  # type: ignore[no-untyped-def]
    """Which files' baseline findings this run is responsible for."""
    if shard is None:
        return lambda _path: True
    index, count = shard
    return lambda path: shard_of(path, count) == index


def load_report(path: Path, what: str) -> AuditReport:
    """A previous `protoguard audit --json` output; GateError (exit 2) when it is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GateError(
            f"cannot read {what} {path}: {exc.strerror or type(exc).__name__}"
        ) from None
    except UnicodeDecodeError:
        raise GateError(f"{what} {path} is not UTF-8 text") from None
    try:
        return AuditReport.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise GateError(
            f"{what} {path} is not a protoguard audit report (schema_version 1): "
            f"{where}: {first['msg']}"
        ) from None


# ---------------------------------------------------------------------------- merge


def merge_reports(reports: list[AuditReport]) -> AuditReport:
    """The report of the whole repository from the reports of all its shards.

    Every list is sorted by content and every summary is a sum over disjoint files, so
    the result equals an unsharded run (apart from `shard` and `merged_from`).
    """
    if not reports:
        raise GateError("audit merge: no reports given")
    first = reports[0]
    counts = {r.shard.count if r.shard else None for r in reports}
    if None in counts or len(counts) != 1:
        raise GateError("audit merge: every report must be a shard of the same --shard I/N run")
    count = counts.pop()
    indexes = sorted(r.shard.index for r in reports if r.shard)
    if indexes != list(range(1, count + 1)):
        missing = sorted(set(range(1, count + 1)) - set(indexes))
        problem = f"missing shard {', '.join(map(str, missing))}" if missing else "shard repeated"
        raise GateError(f"audit merge: {problem} of {count}")
    for key in ("root", "commit", "history"):
        values = {getattr(r, key) for r in reports}
        if len(values) != 1:
            raise GateError(
                f"audit merge: the shards disagree on {key}: {sorted(map(str, values))}"
            )
    baselines = [r.baseline for r in reports]
    if any(b is None for b in baselines) and any(b is not None for b in baselines):
        raise GateError("audit merge: some shards ran with --baseline and some without")

    files = sorted(f for r in reports for f in r.files)
    inventory = sorted(
        (i for r in reports for i in r.inventory), key=lambda i: (i.file, i.line, i.element)
    )
    exposures = sorted((e for r in reports for e in r.exposures), key=exposure_key)
    findings: list[Finding] = sorted((f for r in reports for f in r.findings), key=finding_key)
    baseline = None
    if baselines[0] is not None:
        baseline = BaselineInfo(
            file=baselines[0].file,
            known=sum(b.known for b in baselines if b),
            fixed=sum(b.fixed for b in baselines if b),
        )
    return AuditReport(
        tool=first.tool,
        root=first.root,
        commit=first.commit,
        merged_from=len(reports),
        history=first.history,
        files=files,
        totals=totals_of(files, inventory, exposures, findings),
        packages=_merge_packages([p for r in reports for p in r.packages]),
        services=sorted((s for r in reports for s in r.services), key=service_key),
        inventory=inventory,
        exposures=exposures,
        findings=findings,
        errors=sorted((e for r in reports for e in r.errors), key=lambda e: (e.file, e.message)),
        skipped=sorted(
            {(e.file, e.message): e for r in reports for e in r.skipped}.values(),
            key=lambda e: (e.file, e.message),
        ),
        baseline=baseline,
    )


def _merge_packages(parts: list[PackageSummary]) -> list[PackageSummary]:
    merged: dict[str, PackageSummary] = {}
    for part in parts:
        seen = merged.get(part.package)
        if seen is None:
            merged[part.package] = part.model_copy(deep=True)
            continue
        seen.files += part.files
        seen.fields += part.fields
        seen.findings += part.findings
        seen.by_level = {lv: seen.by_level[lv] + part.by_level[lv] for lv in LEVELS}
        seen.unannotated = {lv: seen.unannotated[lv] + part.unannotated[lv] for lv in PII_LEVELS}
    return [merged[name] for name in sorted(merged)]
