"""``protoguard pii …``: scan protos for personal data, annotate them, record corrections.

The gate's CLI mounts the `pii` group (``main.add_command(pii)``). Exit codes follow the
project: 0 fine, 1 ``--check`` found fields at or above ``--fail-on`` without an annotation
or annotated with a lower level (under-annotated), 2 bad
input (a one-line message, never a traceback).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import click
import yaml
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pii_detector.analysis import analyze_tree
from pii_detector.annotate import OPTIONS_IMPORT, annotate_file, options_proto_text
from pii_detector.fileio import (
    OutputError,
    SourceError,
    SourceText,
    atomic_write_bytes,
    atomic_write_text,
    read_source,
)
from pii_detector.learned import LearnedModel, model_if
from pii_detector.levels import PiiType, Sensitivity, parse_level, parse_type
from pii_detector.overrides import (
    OVERRIDES_FILE,
    Overrides,
    OverridesError,
    load_overrides,
    record_override,
)
from pii_detector.report import (
    NO_LLM,
    ReportLayer,
    build_report,
    layers_that_ran,
    report_json_parts,
    report_layers,
)
from pii_detector.results import FieldResult, PiiAnalysis
from protomodel.construct import gc_paused
from protomodel.errors import ProtoParseError
from protomodel.model import ProtoTree, declaration_layers
from protomodel.parse import build_tree


class PiiCliError(click.ClickException):
    """A problem with the user's input: printed as one line, exit code 2."""

    exit_code = 2


# Rows of a file's table in text output: the terminal is for reading (a table costs about
# a millisecond a row to lay out, and a generated API lists tens of thousands); the JSON
# report has every field.
TABLE_ROWS = 1000
_LEVEL_STYLE = {"HIGH": "bold red", "MEDIUM": "yellow", "LOW": "cyan", "PUBLIC": "dim"}


@click.group("pii")
def pii() -> None:
    """Find personal data in .proto files, annotate it, record corrections."""


@pii.command("scan")
@click.argument("paths", nargs=-1, metavar="PATH...")
@click.option("--json", "json_path", metavar="FILE", help="Write the JSON report to FILE.")
@click.option("--output", metavar="FILE", help="Write the annotated file to FILE (one input file).")
@click.option(
    "--annotate-dir", metavar="DIR", help="Write annotated copies of every file under DIR."
)
@click.option(
    "--check",
    is_flag=True,
    help="Exit 1 when a field at/above --fail-on lacks an annotation or is annotated lower.",
)
@click.option(
    "--fail-on", default="HIGH", metavar="LEVEL", help="LOW, MEDIUM or HIGH (default HIGH)."
)
@click.option("--format", "fmt", default="text", metavar="text|json", help="Output on stdout.")
@click.option(
    "--overrides",
    "overrides_path",
    metavar="FILE",
    help=f"Corrections file (default {OVERRIDES_FILE} of the repository).",
)
@click.option(
    "--learned/--no-learned",
    default=True,
    help="Add the learned model's second opinion where the rules are unsure (default on; "
    "--no-learned gives the rules alone).",
)
def scan(**options: Any) -> None:
    """Classify every field of the .proto files under PATH (files or directories)."""
    raise SystemExit(run_scan(**options))


class Review(Protocol):
    """How `run_scan` classifies one tree, and what it says about it in the report's
    `layers`. The rules alone here; `protoguard pii scan --llm` adds the gate's LLM review."""

    def analyze(
        self, tree: ProtoTree, overrides: Overrides, learned: LearnedModel | None
    ) -> PiiAnalysis: ...

    def llm_layer(self) -> ReportLayer: ...


# Builds a group's tree from (module path → text, module path → shown path, import
# resolver), or returns None to leave it to the parser.
FastBuild = Callable[
    [Mapping[str, str], Mapping[str, str], Callable[[str], str | None]], ProtoTree | None
]


class RulesOnly:
    def analyze(
        self, tree: ProtoTree, overrides: Overrides, learned: LearnedModel | None
    ) -> PiiAnalysis:
        return analyze_tree(tree, overrides=overrides, learned=learned)

    def llm_layer(self) -> ReportLayer:
        return NO_LLM


@gc_paused()  # hundreds of thousands of acyclic models and results: no full collections
def run_scan(
    paths: Sequence[str],
    json_path: str | None,
    output: str | None,
    annotate_dir: str | None,
    check: bool,
    fail_on: str,
    fmt: str,
    overrides_path: str | None,
    learned: bool = True,
    review: Review | None = None,
    fast_build: FastBuild | None = None,
) -> int:
    """`pii scan`: classify, write and print; 1 when `check` finds fields to annotate.

    ``fast_build`` may build a group's tree another way (the gate's CLI passes a buf-image
    builder); when it returns None the parser builds it."""
    review = review or RulesOnly()
    threshold = _level_option(fail_on, "--fail-on")
    if threshold == Sensitivity.PUBLIC:
        raise PiiCliError("--fail-on must be LOW, MEDIUM or HIGH")
    if fmt not in ("text", "json"):
        raise PiiCliError(f"--format must be text or json, not {fmt!r}")
    if not paths:
        raise PiiCliError("give at least one .proto file or directory to scan")
    inputs = collect_inputs(paths)
    if output and len(inputs) != 1:
        raise PiiCliError(
            f"--output needs exactly one input file ({len(inputs)} found); use --annotate-dir"
        )
    overrides = _load_overrides(overrides_path)
    groups = _by_root(inputs)
    trees = [_build(group, fast_build) for group in groups]
    model = model_if(learned)
    # Two copies of a package (googleapis' preview/) are each classified as written.
    analysis = PiiAnalysis.merged(
        [
            review.analyze(layer, overrides, model)
            for tree in trees
            for layer in declaration_layers(tree)
        ]
    )
    annotating = bool(output or annotate_dir)
    if not annotating:
        trees = []  # the models (most of the memory) go before the report is built
    llm_layer = review.llm_layer()
    # The report is built and serialized only when JSON is asked for, and once when it
    # goes both to a file and to stdout.
    json_text: Iterable[str] = ()
    if json_path or fmt == "json":
        json_text = report_json_parts(build_report(analysis, llm_layer, model))
        if json_path and fmt == "json":
            json_text = list(json_text)
    if json_path:
        _write(json_path, json_text)
    if annotating:
        for tree, group in zip(trees, groups, strict=True):
            _write_annotations(tree, group, analysis, output, annotate_dir)
    if annotate_dir and not any(i.module_path == OPTIONS_IMPORT for i in inputs):
        _write(str(Path(annotate_dir) / OPTIONS_IMPORT), options_proto_text())

    if fmt == "json":
        for part in json_text:
            click.echo(part, nl=False)
    else:
        _print_text(analysis, threshold, report_layers(analysis, llm_layer, model))
    if not check:
        return 0
    missing = analysis.unannotated(threshold)
    under = analysis.under_annotated(threshold)
    if missing or under:
        for f in missing:
            click.echo(
                f"{f.file}:{f.line}: {f.element} is {f.sensitivity.value} without annotation; add {f.option_line}",
                err=True,
            )
        for f in under:
            assert f.annotated_sensitivity is not None
            click.echo(
                f"{f.file}:{f.line}: {f.element} is {f.sensitivity.value} but annotated "
                f"{f.annotated_sensitivity.value}; annotate it {f.option_line}",
                err=True,
            )
        return 1
    return 0


@pii.command("correct")
@click.argument("element")
@click.option("--sensitivity", metavar="LEVEL", help="PUBLIC, LOW, MEDIUM or HIGH.")
@click.option("--type", "pii_type", metavar="TYPE", help="A PII type (see POLICY.md) or NONE.")
@click.option("--reason", metavar="TEXT", help="Why: kept in the file for reviewers.")
@click.option("--who", metavar="NAME", help="Who decided (default: git user, else $USER).")
@click.option(
    "--overrides",
    "overrides_path",
    metavar="FILE",
    help=f"Corrections file (default {OVERRIDES_FILE} of the repository).",
)
def correct(
    element: str,
    sensitivity: str | None,
    pii_type: str | None,
    reason: str | None,
    who: str | None,
    overrides_path: str | None,
) -> None:
    """Record a correction for ELEMENT (a field FQN); it wins over rules and the LLM."""
    if sensitivity is None:
        raise PiiCliError("--sensitivity is required (PUBLIC, LOW, MEDIUM or HIGH)")
    if not reason:
        raise PiiCliError("--reason is required: say why, for the reviewers of the file")
    level = _level_option(sensitivity, "--sensitivity")
    kind = _type_option(pii_type)
    path = Path(overrides_path) if overrides_path else repo_root() / OVERRIDES_FILE
    try:
        recorded = record_override(
            path, element, sensitivity=level, pii_type=kind, reason=reason, who=who
        )
    except OverridesError as error:
        raise PiiCliError(str(error)) from None
    except OSError as error:
        raise PiiCliError(f"cannot write {path}: {error.strerror}") from None
    shown = level.value + (f"/{kind.value}" if kind else "")
    click.echo(f"recorded {element.strip().lstrip('.')} → {shown} ({recorded.who}) in {path}")


@pii.command("init")
@click.option(
    "--root",
    "root_option",
    metavar="DIR",
    help="The module root the import path is relative to (default: from buf.yaml / buf.work.yaml).",
)
@click.option("--force", is_flag=True, help="Replace a copy that differs from protoguard's.")
def init(root_option: str | None, force: bool) -> None:
    """Write pii/v1/pii.proto (the PII options) into the repository, to commit with it.

    Builds and the gate resolve `import "pii/v1/pii.proto"` from protoguard's own copy when
    the repository has none; a committed copy makes the annotations compile for every other
    tool (buf, protoc, code generators) too.
    """
    repo = repo_root()
    root = Path(root_option).resolve() if root_option else _options_root(repo)
    target = root / OPTIONS_IMPORT
    text = options_proto_text()
    shown = _shown(target)
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise PiiCliError(f"{shown} exists and is not a regular file; remove it first")
    if target.is_file():
        if _source_text(target) == text:
            click.echo(f"{shown} is already protoguard's PII options; nothing to do")
            return
        if not force:
            raise PiiCliError(
                f"{shown} exists and differs from protoguard's PII options "
                "(--force replaces it; keep a custom copy only if it keeps the same numbers)"
            )
    _write(str(target), text)
    click.echo(
        f"wrote {shown}: annotate fields with "
        f'import "{OPTIONS_IMPORT}"; and [(pii.v1.sensitivity) = …, (pii.v1.pii_type) = …]\n'
        f"commit it with your protos: git add {shown} && git commit -m "
        f'"Add protoguard PII options"'
    )


def _options_root(repo: Path) -> Path:
    """Where `pii/v1/pii.proto` goes so that its import path resolves: the repository's
    first buf module (buf.yaml v2 `modules`, buf.work.yaml `directories`), else `proto/`
    when the repository keeps its protos there, else the repository root."""
    for name, key in (("buf.yaml", "modules"), ("buf.work.yaml", "directories")):
        config = repo / name
        if not config.is_file():
            continue
        try:
            data = yaml.safe_load(_source_text(config)) or {}
        except yaml.YAMLError as error:
            raise PiiCliError(f"{_shown(config)}: not valid YAML ({error})") from None
        entries = data.get(key) if isinstance(data, dict) else None
        if isinstance(entries, list) and entries:
            first = entries[0].get("path", ".") if isinstance(entries[0], dict) else entries[0]
            return (repo / str(first)).resolve()
        return repo
    return repo / "proto" if (repo / "proto").is_dir() else repo


# ---- inputs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    path: Path  # as found on disk
    root: Path  # the module root its imports are relative to
    module_path: str  # path relative to root, with "/"
    shown: str  # path as the user sees it (relative to the current directory when possible)


def collect_inputs(paths: Iterable[str]) -> list[Input]:
    found: dict[Path, Input] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.proto") if not _hidden(p.relative_to(path)))
            if not files:
                raise PiiCliError(f"{raw}: no .proto files under this directory")
            root = _module_root(path.resolve(), default=path.resolve())
        elif path.is_file():
            if path.suffix != ".proto":
                raise PiiCliError(f"{raw}: not a .proto file")
            files = [path]
            root = _module_root(path.resolve().parent, default=path.resolve().parent)
        else:
            raise PiiCliError(f"{raw}: no such file or directory")
        for file in files:
            try:
                resolved = file.resolve(strict=True)
            except (OSError, RuntimeError):  # a symlink loop, or a link to nothing
                click.echo(
                    f"warning: {_shown(file)}: a symlink loop or a dangling link: skipped", err=True
                )
                continue
            module_root = root if resolved.is_relative_to(root) else resolved.parent
            found.setdefault(
                resolved,
                Input(
                    resolved,
                    module_root,
                    resolved.relative_to(module_root).as_posix(),
                    _shown(resolved),
                ),
            )
    return list(found.values())


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") or part == "node_modules" for part in relative.parts)


def _module_root(start: Path, *, default: Path) -> Path:
    """The buf module directory containing ``start`` (from buf.yaml), else ``default``."""
    for directory in (start, *start.parents):
        config = directory / "buf.yaml"
        if not config.is_file():
            continue
        try:
            data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            return directory
        modules = data.get("modules") if isinstance(data, dict) else None
        if isinstance(modules, list):
            for module in modules:
                sub = (
                    (directory / str(module.get("path", "."))).resolve()
                    if isinstance(module, dict)
                    else None
                )
                if sub is not None and (start == sub or start.is_relative_to(sub)):
                    return sub
        return directory
    return default


def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _by_root(inputs: Sequence[Input]) -> list[list[Input]]:
    groups: dict[Path, list[Input]] = {}
    for item in inputs:
        groups.setdefault(item.root, []).append(item)
    return list(groups.values())


def _build(group: Sequence[Input], fast_build: FastBuild | None = None) -> ProtoTree:
    root = group[0].root
    sources: dict[str, str] = {}
    for item in group:
        sources[item.module_path] = _read(item).text

    def resolve_import(module_path: str) -> str | None:
        candidate = (root / module_path).resolve()
        if not candidate.is_relative_to(root) or not candidate.is_file():
            return None
        try:
            return read_source(candidate).text
        except SourceError:
            return None

    repo_paths = {item.module_path: item.shown for item in group}
    if fast_build is not None:
        tree = fast_build(sources, repo_paths, resolve_import)
        if tree is not None:
            return tree
    try:
        return build_tree(
            sources,
            repo_paths=repo_paths,
            import_resolver=resolve_import,
        )
    except ProtoParseError as error:
        shown = {item.module_path: item.shown for item in group}.get(error.path, error.path)
        location = f"{shown}:{error.line}:{error.column}" if error.line > 0 else shown
        raise PiiCliError(f"{location}: {error.detail}") from None


def _load_overrides(path: str | None) -> Overrides:
    target = Path(path) if path else repo_root() / OVERRIDES_FILE
    if path and not target.is_file():
        raise PiiCliError(f"{path}: no such overrides file")
    try:
        return load_overrides(target)
    except OverridesError as error:
        raise PiiCliError(str(error)) from None


def repo_root() -> Path:
    """The repository the command runs in: the nearest directory with `.git`, else here."""
    here = Path.cwd().resolve()
    return next((d for d in (here, *here.parents) if (d / ".git").exists()), here)


def _level_option(value: str, option: str) -> Sensitivity:
    try:
        return parse_level(value)
    except ValueError as error:
        raise PiiCliError(f"{option}: {error}") from None


def _type_option(value: str | None) -> PiiType | None:
    try:
        return parse_type(value)
    except ValueError as error:
        raise PiiCliError(f"--type: {error}") from None


# ---- outputs --------------------------------------------------------------------------


def _write(path: str, text: str | Iterable[str]) -> None:
    try:
        if isinstance(text, str):
            atomic_write_text(path, text)
        else:
            atomic_write_bytes(path, b"".join(part.encode("utf-8") for part in text))
    except OutputError as error:
        raise PiiCliError(str(error)) from None


def _write_annotations(
    tree: ProtoTree,
    group: Sequence[Input],
    analysis: PiiAnalysis,
    output: str | None,
    annotate_dir: str | None,
) -> None:
    if not output and not annotate_dir:
        return
    for item in group:
        source = _read(item)
        file = tree.files[item.module_path]
        result = annotate_file(source.text, file, analysis.for_file(item.shown))
        for skipped in result.skipped:
            click.echo(f"warning: {item.shown}: not annotated: {skipped}", err=True)
        annotated = source.restore(result.text)
        if output:
            _write(output, annotated)
            if result.text != source.text:
                _provide_options_beside(Path(output), item.module_path)
        if annotate_dir:
            _write(str(Path(annotate_dir) / item.module_path), annotated)


def _source_text(path: Path) -> str:
    try:
        return read_source(path, _shown(path)).text
    except SourceError as error:
        raise PiiCliError(str(error)) from None


def _read(item: Input) -> SourceText:
    try:
        return read_source(item.path, item.shown)
    except SourceError as error:
        raise PiiCliError(str(error)) from None


def _provide_options_beside(output: Path, module_path: str) -> None:
    """The annotated file imports `pii/v1/pii.proto`; where the written file sits at its
    module path and the import would not resolve there, write the options too, so the file
    compiles as written. Elsewhere, say where they go."""
    written = output.resolve()
    directories = module_path.split("/")[:-1]
    parents = written.parent.parts
    if directories and tuple(parents[-len(directories) :]) != tuple(directories):
        click.echo(
            f'note: {_shown(written)} imports "{OPTIONS_IMPORT}"; put it under its module '
            "root (`protoguard pii init` writes it)",
            err=True,
        )
        return
    target = written.parents[len(directories)] / OPTIONS_IMPORT
    if target.exists():
        return
    _write(str(target), options_proto_text())
    click.echo(
        f"wrote {_shown(target)}: the annotations import it (commit it with the file; "
        "`protoguard pii init` does the same)",
        err=True,
    )


def _under_mark(f: FieldResult, threshold: Sensitivity) -> str:
    written = f.annotated_sensitivity.value if f.annotated_sensitivity else "?"
    style = "bold red" if f.sensitivity.at_least(threshold) else "yellow"
    return f"[{style}]too low ({written})[/]"


def _why(f: FieldResult) -> str:
    if not f.needs_review:
        return escape(f.reasoning)
    reason = f": {escape(f.review_reason)}" if f.review_reason else ""
    return f"{escape(f.reasoning)}; [yellow]needs review[/]{reason}"


def _print_text(analysis: PiiAnalysis, threshold: Sensitivity, layers: list[ReportLayer]) -> None:
    # In a pipe or a CI log, the lines after each table are not wrapped (the tables keep
    # the console's width), as `check` prints there.
    console = Console()
    if not console.is_terminal:
        console = Console(soft_wrap=True)
    for path, part in analysis.by_file().items():
        pii_fields = [f for f in part.fields if f.sensitivity.is_pii]
        # A doubtful field is listed even when its guess is PUBLIC: a human decides it.
        shown = [f for f in part.fields if f.sensitivity.is_pii or f.needs_review]
        table = Table(
            title=f"{path}: {len(pii_fields)} of {len(part.fields)} fields hold personal data",
            title_justify="left",
        )
        for column in ("field", "line", "level", "type", "annotated", "why"):
            table.add_column(column, overflow="fold")
        listed = sorted(shown, key=lambda f: (-f.sensitivity.rank, f.line))
        for f in listed[:TABLE_ROWS]:
            level = f"[{_LEVEL_STYLE[f.sensitivity.value]}]{f.sensitivity.value}[/]"
            mark = (
                _under_mark(f, threshold)
                if f.under_annotated
                else "yes"
                if f.annotated
                else ("[bold red]no[/]" if f.sensitivity.at_least(threshold) else "no")
            )
            table.add_row(
                f.field_path,
                str(f.line),
                level,
                f.pii_type.value if f.pii_type else "-",
                mark,
                _why(f),
            )
        console.print(table)
        if len(listed) > TABLE_ROWS:
            console.print(
                f"{escape(path)}: {len(listed) - TABLE_ROWS} more fields not listed (lower "
                "levels, later lines); every field is in --format json and --json FILE"
            )
        for m in part.methods:
            if m.exposure:
                console.print(f"[bold red]exposure[/] {m.service}.{m.method}: {m.exposure}")
    counts = {level: sum(f.sensitivity == level for f in analysis.fields) for level in Sensitivity}
    console.print(
        f"{len(analysis.fields)} fields: "
        + ", ".join(f"{counts[level]} {level.value}" for level in reversed(Sensitivity))
        + f"; {len(analysis.unannotated(threshold))} at or above {threshold.value} without annotation"
        + f", {len(analysis.under_annotated(threshold))} annotated below their level"
        + f", {sum(f.needs_review for f in analysis.fields)} need review"
    )
    layer = {entry.name: entry for entry in layers}
    learned, llm_layer = layer["learned"], layer["llm"]
    ran = layers_that_ran(learned=learned.status == "ran", llm=llm_layer.status == "ran")
    llm = ran if llm_layer.status == "ran" else f"{ran} (LLM {llm_layer.status})"
    console.print(f"layers: {llm}: {escape(llm_layer.detail)}")
    if learned.status == "ran":
        console.print(f"learned: {escape(learned.detail)}")
    for element in analysis.unused_overrides:
        console.print(f"[yellow]note[/]: override for {element} matches no field")
