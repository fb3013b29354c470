"""The proto model of the audited files: each file parsed once, in parallel, resolved together.

The audited files are parsed first; then, round by round, the files they import (from the
repository's modules, googleapis-common-protos, or the bundled well-known types) until
every reachable import is loaded. A file that does not parse is reported and left out;
the rest of the tree still resolves (references into it stay unresolved).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from compat_checker.audit.model import FileError
from compat_checker.audit.pool import run_all
from protomodel.bundled import bundled_import
from protomodel.errors import ProtoParseError
from protomodel.model import ProtoTree
from protomodel.parse import parse_unresolved, resolve_parsed
from protomodel.walker import ParsedFile

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class SourceFile:
    module_path: str  # the import path
    repo_path: str  # as reported
    disk_path: str | None = None  # read in the worker, so only the path crosses processes
    text: str | None = None  # bundled protos


@dataclass(frozen=True)
class ParsedTree:
    tree: ProtoTree
    errors: list[FileError]


def parse_sources(
    audited: list[SourceFile],
    find_import: Callable[[str], SourceFile | None],
    *,
    jobs: int,
    progress: Progress | None = None,
) -> ParsedTree:
    """Parse ``audited`` and everything they import; ``find_import`` locates an import."""
    parsed: dict[str, ParsedFile] = {}
    errors: list[FileError] = []
    total = len(audited)
    for done, (source, result) in enumerate(
        zip(audited, run_all(_parse_one, audited, jobs), strict=True), start=1
    ):
        if isinstance(result, str):
            errors.append(FileError(file=source.repo_path, message=result))
        else:
            parsed[source.module_path] = result
        if progress is not None:
            progress("parse", done, total)
    reviewed = set(parsed)
    failed = {source.module_path for source in audited} - reviewed
    pending = _imports_of(parsed.values())
    while pending:
        wanted = []
        for path in sorted(pending - parsed.keys() - failed):
            found = find_import(path)
            if found is not None:
                wanted.append(found)
        batch: dict[str, ParsedFile] = {}
        for source, result in zip(wanted, run_all(_parse_one, wanted, jobs), strict=True):
            # A broken import is the business of the run that audits it; here its types
            # simply stay unresolved.
            if not isinstance(result, str):
                batch[source.module_path] = result
        failed |= pending
        parsed.update(batch)
        pending = _imports_of(batch.values())
    return ParsedTree(resolve_parsed(parsed, reviewed=reviewed), sorted(errors, key=_error_key))


def _parse_one(source: SourceFile) -> ParsedFile | str:
    """The parsed file, or a one-line reason why not (sent back instead of raised)."""
    try:
        data: str | bytes = (
            Path(source.disk_path).read_bytes() if source.disk_path else source.text or ""
        )
        return parse_unresolved(data, source.module_path, repo_path=source.repo_path)
    except ProtoParseError as exc:
        where = f"{exc.line}:{exc.column}: " if exc.line > 0 else ""
        return f"{where}{exc.detail}"
    except OSError as exc:
        return f"cannot read: {exc.strerror or type(exc).__name__}"


def _imports_of(files) -> set[str]:  # type: ignore[no-untyped-def]
    return {imp.path for item in files for imp in item.model.imports}


def _error_key(error: FileError) -> tuple[str, str]:
    return error.file, error.message


def import_finder(
    module_files: Mapping[str, str],
    extra_files: Mapping[str, str],
    root: Path,
    repo_prefix: str,
) -> Callable[[str], SourceFile | None]:
    """Imports from the repository's modules, then googleapis-common-protos, then the
    protos bundled with protoguard (well-known types, google/api)."""

    def find(module_path: str) -> SourceFile | None:
        local = module_files.get(module_path)
        if local is not None:
            return SourceFile(module_path, repo_prefix + local, disk_path=str(root / local))
        extra = extra_files.get(module_path)
        if extra is not None:
            return SourceFile(module_path, module_path, disk_path=extra)
        text = bundled_import(module_path)
        if text is not None:
            return SourceFile(module_path, module_path, text=text)
        return None

    return find
