"""The buf CLI at the edge of the gate: build images, compare them with `buf breaking`.

Each snapshot is built once into a binary image (`buf build -o image.binpb`, source info
and imports included); `buf breaking` then compares the two images, without the top-level
declarations that are identical on both sides (`compat_checker.buf_images`). The images are also
what the descriptor-based proto model is built from, so buf compiles each side once.

buf runs in a private workspace directory per build: `src` is a symlink to the snapshot,
`deps/googleapis` holds google/... protos taken from googleapis-common-protos when the
snapshot needs them, and the module list comes from the `ModuleLayout` as a synthesised
buf.yaml v2 passed with `--config`. The network is never used:

* when buf.yaml has remote (BSR) deps and buf's own module cache holds every commit the
  snapshot's buf.lock pins, the build declares those deps, reads them from that cache and
  runs with a proxy nobody listens on, so anything missing fails at once;
* otherwise the workspace has no buf.lock, declares no deps and uses a private
  `BUF_CACHE_DIR`, and imports that only a remote dep would provide fail to compile.

A build that fails on some files is not given up: it is repeated without the files that
have errors and the files importing them (`BufBuild.left_out`), so one broken file does
not take buf away from the rest of the snapshot; the pipeline parses the left-out files
under review instead, and `buf breaking` says nothing about them.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from compat_checker.buf_images import without_unchanged_declarations
from compat_checker.bufconfig import DEFAULT_VERSION, is_builtin
from compat_checker.config import BufBreakingConfig
from compat_checker.errors import GateError
from compat_checker.gitsource import scratch_parent
from compat_checker.modules import (
    BUF_LOCK,
    ModuleLayout,
    ModuleRoot,
    discover_layout,
    scan_proto,
)
from protomodel.bundled import PII_OPTIONS_IMPORT

SRC_DIR = "src"  # the snapshot inside the private workspace
DEPS_DIR = "deps/googleapis"  # google/... from googleapis-common-protos, pii/v1/pii.proto
EXIT_VIOLATIONS = 100  # buf: the input has file annotations (compile errors, violations)
# A file buf can compare against when the head has no .proto left at all (buf refuses
# empty images); findings on it are dropped.
_PLACEHOLDER = "__protoguard_empty__.proto"
_DELETED_FILE_RE = re.compile(r'^Previously present file "([^"]+)" was deleted')
_IMPORT_LINE_RE = re.compile(r"""import\s+(?:(?:public|weak|option)\s+)?["']([^"']+)["']""")
_MAX_ERRORS_SHOWN = 3
MISSING_IMPORT = "imported file does not exist"  # buf's message for an unresolved import
_NO_NETWORK_PROXY = "http://127.0.0.1:9"  # the discard port: connections fail at once
_MAX_PARTIAL_BUILDS = 3  # rebuilds without broken files; buf reports all errors at once


class BufUnavailable(GateError):
    """No buf binary: the pipeline skips the buf layer (uncaught, the CLI exits 2)."""


class BufFinding(BaseModel):
    """One `buf breaking` violation, located in the repository."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repo_path: str  # repo-relative; "" when buf names no file (e.g. PACKAGE_NO_DELETE)
    line: int = 0  # 1-based; 0 when the element no longer exists in head (deleted file)
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    rule: str  # buf rule ID, e.g. FIELD_NO_DELETE
    message: str
    module_path: str = ""  # the path as buf saw it (import path)
    imported: str = ""  # compile errors only: the import that was not found, as written


class BufBuild(BaseModel):
    """The outcome of building one snapshot. `image` is None when the build failed."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    image: bytes | None = None  # buf Image (a FileDescriptorSet, source info, imports)
    error: str | None = None  # one line: why there is no image
    duration: float = 0.0  # seconds
    layout: ModuleLayout | None = None  # the layout used, to map image paths to repo paths
    diagnostics: tuple[BufFinding, ...] = ()  # compile errors with repo paths (rule COMPILE)
    # Repo paths left out of `image`: files with compile errors and the files importing
    # them. The rest of the snapshot is in the image; the pipeline parses these instead.
    left_out: tuple[str, ...] = ()
    left_out_packages: tuple[str, ...] = ()  # packages declared only by left-out files
    note: str | None = None  # one line: why files were left out (None when none were)

    @property
    def ok(self) -> bool:
        return self.image is not None


class BufRunner:
    """Finds and runs the buf binary with a timeout; one instance serves a whole run."""

    def __init__(self, timeout: float = 300.0, binary: str | Path | None = None) -> None:
        self.timeout = float(timeout)
        self._binary = Path(binary) if binary is not None else _find_buf()
        self._version: str | None = None

    @property
    def binary(self) -> Path | None:
        return self._binary

    @property
    def available(self) -> bool:
        return self._binary is not None and self._binary.is_file()

    @property
    def version(self) -> str | None:
        if self._version is None and self.available:
            try:
                proc = self._run(["--version"], cwd=None, env=None, timeout=30)
            except GateError:
                return None
            self._version = (proc.stdout or proc.stderr).strip() or None
        return self._version

    # ------------------------------------------------------------------ build

    def build(self, root: Path, layout: ModuleLayout | None = None) -> BufBuild:
        """`buf build` the snapshot at `root` into an image; never raises for bad protos."""
        self._require()
        started = time.monotonic()
        root = Path(root).resolve()
        if layout is None:
            layout = discover_layout(root)
        if not layout.module_files:
            # Nothing to compile (e.g. the base before the first proto): an empty
            # FileDescriptorSet is the honest image.
            return BufBuild(image=b"", duration=time.monotonic() - started, layout=layout)
        with tempfile.TemporaryDirectory(prefix="protoguard-buf-", dir=scratch_parent()) as tmp:
            work = Path(tmp)
            config, exclude_paths = _workspace(work, root, layout)
            cached, deps_note = self._build_with_cached_deps(
                work, config, exclude_paths, root, layout
            )
            if cached is not None:
                return BufBuild(
                    image=cached, duration=time.monotonic() - started, layout=layout, note=deps_note
                )
            proc, image = self._build_once(work, config, exclude_paths)
            if proc is None:
                return BufBuild(
                    error=f"buf build timed out after {self.timeout:g}s",
                    duration=time.monotonic() - started,
                    layout=layout,
                )
            if image is not None:
                return BufBuild(image=image, duration=time.monotonic() - started, layout=layout)
            diagnostics = tuple(_build_diagnostics(proc.stdout + "\n" + proc.stderr, layout, root))
            error = _build_error(proc, diagnostics, layout)
            partial = self._build_without_broken(
                work, config, exclude_paths, root, layout, diagnostics
            )
            duration = time.monotonic() - started
            if deps_note:
                error += f" ({deps_note})"
            if partial is None:
                return BufBuild(
                    error=error, duration=duration, layout=layout, diagnostics=diagnostics
                )
            image, left_out, packages = partial
            note = _left_out_note(left_out, diagnostics, layout)
            return BufBuild(
                image=image,
                duration=duration,
                layout=layout,
                diagnostics=diagnostics,
                left_out=left_out,
                left_out_packages=packages,
                note=f"{note} ({deps_note})" if deps_note else note,
            )

    def _build_with_cached_deps(
        self,
        work: Path,
        config: dict[str, Any],
        exclude_paths: Sequence[str],
        root: Path,
        layout: ModuleLayout,
    ) -> tuple[bytes | None, str | None]:
        """Build with buf.yaml's remote deps when buf's module cache holds every one that
        buf.lock pins, with the network shut off: (image, note for the layers). The image
        is None when there are no remote deps or they cannot be used; the note says why."""
        if not layout.has_remote_deps:
            return None, None
        locked = locked_deps(root, layout)
        if isinstance(locked, str):
            return None, locked
        lock, deps, cache = locked
        shutil.copyfile(lock, work / BUF_LOCK)
        try:
            proc, image = self._build_once(
                work, {**config, "deps": list(deps)}, exclude_paths, cache=cache
            )
        finally:
            (work / BUF_LOCK).unlink()
        if image is not None:
            return image, f"remote deps from buf's module cache ({cache}), pinned by buf.lock"
        why = _first_line(proc.stderr) or _first_line(proc.stdout) if proc else "timed out"
        return None, f"building with the deps in buf's module cache failed: {why}"

    def _build_once(
        self,
        work: Path,
        config: dict[str, Any],
        exclude_paths: Sequence[str],
        targets: Sequence[str] = (),
        cache: Path | None = None,
    ) -> tuple[subprocess.CompletedProcess[str] | None, bytes | None]:
        """One `buf build` in the workspace: (process, image); process None on timeout.
        `cache`: buf's module cache to read remote deps from (offline), else a private one."""
        output = work / "image.binpb"
        output.unlink(missing_ok=True)
        args = [
            "build",
            ".",
            "--config",
            json.dumps(config),
            "--output",
            str(output),
            "--error-format",
            "json",
        ]
        for path in exclude_paths:
            args += ["--exclude-path", path]
        for path in targets:
            args += ["--path", path]
        try:
            proc = self._run(args, cwd=work, env=self._env(work, cache))
        except _Timeout:
            return None, None
        if proc.returncode == 0 and output.is_file():
            return proc, output.read_bytes()
        return proc, None

    def _build_without_broken(
        self,
        work: Path,
        config: dict[str, Any],
        exclude_paths: Sequence[str],
        root: Path,
        layout: ModuleLayout,
        diagnostics: Sequence[BufFinding],
    ) -> tuple[bytes, tuple[str, ...], tuple[str, ...]] | None:
        """Build again without the files that cannot compile (and the files importing
        them): one broken file must not take the buf layer away from the whole snapshot.
        Returns (image, left-out repo paths, packages only they declare), or None when
        nothing compiles or the errors are not tied to the repository's files."""
        scanned = _scan_module_files(root, layout)
        importers = _importers(scanned)
        broken: set[str] = set()
        for _ in range(_MAX_PARTIAL_BUILDS):
            newly = {d.module_path for d in diagnostics if d.module_path in layout.module_files}
            if not newly or any(
                not d.module_path or d.module_path not in layout.module_files for d in diagnostics
            ):
                return None  # an error outside the repository's files (a dep, the config)
            broken |= _with_importers(newly, importers)
            remaining = sorted(set(layout.module_files) - broken)
            if not remaining:
                return None
            # Name the shorter list: the files left out, or the files built.
            if len(broken) <= len(remaining):
                excluded = [*exclude_paths, *(_workspace_path(layout, p) for p in sorted(broken))]
                proc, image = self._build_once(work, config, excluded)
            else:
                targets = [_workspace_path(layout, p) for p in remaining]
                proc, image = self._build_once(work, config, exclude_paths, targets)
            if proc is None:
                return None
            if image is not None:
                left_out = tuple(sorted(layout.module_files[p] for p in broken))
                kept_packages = {scanned[p][0] for p in remaining if p in scanned}
                packages = {scanned[p][0] for p in broken if p in scanned} - kept_packages
                return image, left_out, tuple(sorted(p for p in packages if p))
            diagnostics = tuple(_build_diagnostics(proc.stdout + "\n" + proc.stderr, layout, root))
        return None

    def build_pair(
        self,
        base_root: Path,
        base_layout: ModuleLayout | None,
        head_root: Path,
        head_layout: ModuleLayout | None,
    ) -> tuple[BufBuild, BufBuild]:
        """Build base and head concurrently (buf is a separate process: two cores, two builds)."""
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="buf-build") as pool:
            base = pool.submit(self.build, base_root, base_layout)
            head = pool.submit(self.build, head_root, head_layout)
            return base.result(), head.result()

    # ------------------------------------------------------------------ breaking

    def breaking(
        self,
        head: BufBuild,
        base: BufBuild,
        layout: ModuleLayout | None = None,
        config: BufBreakingConfig | None = None,
    ) -> list[BufFinding]:
        """`buf breaking` head against base; findings with repo paths, sorted.

        config: protoguard.yaml's `buf.breaking` (ignore paths repo-relative); None uses
        the repository's buf.yaml (per module where buf.yaml v2 sets one), else `use: [FILE]`.
        Raises GateError when buf itself fails.
        """
        self._require()
        if head.image is None or base.image is None:
            failed = "head" if head.image is None else "base"
            failure = head.error if head.image is None else base.error
            raise GateError(f"buf breaking needs both images, the {failed} build failed: {failure}")
        if not base.image:
            return []  # nothing existed before, so nothing can break
        head_layout = layout or head.layout
        layouts = [lay for lay in (head_layout, base.layout) if lay is not None]
        # A file left out of one side's image would look deleted or added: buf has nothing
        # to say about it, the rules judge it from the parsed source.
        left_out = set(head.left_out) | set(base.left_out)
        left_out_packages = set(head.left_out_packages) | set(base.left_out_packages)
        groups = _config_groups(head_layout, base.layout, config)
        findings: dict[tuple[Any, ...], BufFinding] = {}
        with tempfile.TemporaryDirectory(
            prefix="protoguard-breaking-", dir=scratch_parent()
        ) as tmp:
            work = Path(tmp)
            head_file, base_file = work / "head.binpb", work / "base.binpb"
            head_image, base_image = without_unchanged_declarations(
                head.image or _placeholder_image(), base.image
            )
            head_file.write_bytes(head_image)
            base_file.write_bytes(base_image)
            del head_image, base_image
            for index, (effective, ignore_only, version, roots) in enumerate(groups):
                built = _image_config(effective, ignore_only, version, layouts)
                if built is None:
                    continue  # nothing buf itself checks (built-ins off, or plugin rules only)
                image_config, whole_modules = built
                for finding in self._breaking_once(
                    work, head_file, base_file, image_config, layouts
                ):
                    owner = _owner(finding.repo_path, layouts)
                    if roots is not None and (owner not in roots if owner else index > 0):
                        continue  # another group's config applies to this module
                    if owner is not None and owner in whole_modules:
                        continue  # `ignore:` named the whole module (or a parent of it)
                    if _about_left_out(finding, left_out, left_out_packages):
                        continue
                    key = (
                        finding.repo_path,
                        finding.line,
                        finding.column,
                        finding.rule,
                        finding.message,
                    )
                    findings[key] = finding
        return sorted(
            findings.values(), key=lambda f: (f.repo_path, f.line, f.column, f.rule, f.message)
        )

    def _breaking_once(
        self,
        work: Path,
        head_file: Path,
        base_file: Path,
        image_config: dict[str, Any],
        layouts: Sequence[ModuleLayout],
    ) -> list[BufFinding]:
        args = [
            "breaking",
            str(head_file),
            "--against",
            str(base_file),
            "--error-format",
            "json",
            "--exclude-imports",  # imports (googleapis deps) are not the repo's API
            "--config",
            json.dumps(image_config),
        ]
        try:
            proc = self._run(args, cwd=work, env=self._env(work))
        except _Timeout:
            raise GateError(f"buf breaking timed out after {self.timeout:g}s") from None
        if proc.returncode not in (0, EXIT_VIOLATIONS):
            first = (
                _first_line(proc.stderr) or _first_line(proc.stdout) or f"exit {proc.returncode}"
            )
            raise GateError(f"buf breaking failed: {first}")
        return [f for f in _parse_findings(proc.stdout, layouts) if f.module_path != _PLACEHOLDER]

    # ------------------------------------------------------------------ process

    def _require(self) -> Path:
        if not self.available or self._binary is None:
            raise BufUnavailable(
                "buf not found on PATH or next to the Python interpreter",
                hint="pip install buf-bin, or install buf from https://buf.build/docs/installation",
            )
        return self._binary

    def _env(self, work: Path, module_cache: Path | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("BUF_TOKEN", None)  # nothing here talks to a registry; do not hand it a token
        if module_cache is not None:
            # The user's cache, read for the deps buf.lock pins; the network stays shut
            # (a proxy nobody listens on), so a missing piece fails at once.
            env["BUF_CACHE_DIR"] = str(module_cache)
            for name in ("NO_PROXY", "no_proxy"):
                env.pop(name, None)
            for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
                env[name] = _NO_NETWORK_PROXY
            return env
        cache = work / "buf-cache"
        cache.mkdir(exist_ok=True)
        env["BUF_CACHE_DIR"] = str(cache)
        return env

    def _run(
        self,
        args: list[str],
        cwd: Path | None,
        env: dict[str, str] | None,
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess[str]:
        binary = self._require()
        limit = self.timeout if timeout is None else timeout
        command = [str(binary), *args]
        if args and args[0] != "--version":
            # buf's own deadline first (a clean error), the process kill as a backstop.
            command += ["--timeout", f"{max(1, int(limit))}s", "--log-format", "text"]
        try:
            # A session of its own: on timeout (or Ctrl-C) the whole process group goes,
            # so no child can keep our pipes open.
            proc = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                start_new_session=os.name == "posix",
            )
        except OSError as exc:
            raise BufUnavailable(f"cannot run buf ({binary}): {exc.strerror}") from None
        try:
            stdout, stderr = proc.communicate(timeout=limit + min(10.0, max(1.0, limit / 10)))
        except subprocess.TimeoutExpired:
            _kill(proc)
            raise _Timeout() from None
        except BaseException:
            _kill(proc)
            raise
        return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)


def _kill(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - no process groups
            proc.kill()
    with contextlib.suppress(Exception):
        proc.communicate(timeout=5)


class _Timeout(Exception):
    pass


def _find_buf() -> Path | None:
    # The buf installed with protoguard (buf-bin, next to the interpreter) first: its
    # version is the one pyproject pins; an unactivated venv does not put it on PATH.
    names = ["buf.exe", "buf"] if os.name == "nt" else ["buf"]
    here = Path(sys.executable).parent
    for name in names:
        candidate = here / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("buf")
    return Path(found) if found else None


# ---------------------------------------------------------------------------------------
# Workspace and configuration.


def _workspace(work: Path, root: Path, layout: ModuleLayout) -> tuple[dict[str, Any], list[str]]:
    """Lay out the private workspace; return the buf.yaml v2 data and --exclude-path list."""
    (work / SRC_DIR).symlink_to(root, target_is_directory=True)
    modules: list[dict[str, Any]] = []
    for module in layout.modules:
        entry: dict[str, Any] = {"path": _in_src(module.path)}
        if module.excludes:
            entry["excludes"] = [_in_src(e) for e in module.excludes]
        modules.append(entry)
    exclude_paths: list[str] = []
    if layout.extra_files:
        deps = work / DEPS_DIR
        for module_path, source in layout.extra_files.items():
            target = deps / module_path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        modules.append({"path": DEPS_DIR})
        # Imports only: excluding their directories keeps them out of the target files
        # (buf refuses to exclude the module directory itself).
        tops = sorted({module_path.split("/", 1)[0] for module_path in layout.extra_files})
        exclude_paths = [f"{DEPS_DIR}/{top}" for top in tops]
    return {"version": "v2", "modules": modules}, exclude_paths


def buf_module_cache() -> Path:
    """buf's own cache directory, as buf finds it."""
    configured = os.environ.get("BUF_CACHE_DIR")
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "buf"


def locked_deps(root: Path, layout: ModuleLayout) -> tuple[Path, tuple[str, ...], Path] | str:
    """(buf.lock, deps as buf.yaml names them, module cache) when buf's module cache holds
    every dep the snapshot's buf.lock (v2) pins; else one line saying why not."""
    locks = [root / _parent_dir(c) / BUF_LOCK for c in layout.config_files]
    locks = [lock for lock in locks if lock.is_file()]
    cache = buf_module_cache()
    if len(locks) != 1:
        return "no buf.lock pins them" if not locks else "several buf.lock files"
    try:
        data = yaml.safe_load(locks[0].read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return "buf.lock is not readable"
    pinned = data.get("deps") if isinstance(data, dict) else None
    if data.get("version") != "v2" or not isinstance(pinned, list):
        return "buf.lock is not a v2 lock file"
    missing = []
    for dep in pinned:
        if not isinstance(dep, dict):
            return "buf.lock is not a v2 lock file"
        name, commit = str(dep.get("name", "")), str(dep.get("commit", ""))
        digest_type = str(dep.get("digest", "")).split(":", 1)[0]
        # buf's layout: v3/modules/<digest type>/<registry>/<owner>/<name>/<commit>[.tar]
        where = cache / "v3" / "modules" / digest_type / name / commit
        if not (where.is_dir() or where.with_name(commit + ".tar").is_file()):
            missing.append(name)
    if missing or not pinned:
        return f"not in buf's module cache ({cache}): {', '.join(missing) or 'nothing pinned'}"
    # The lock's names: buf takes each dep at the commit the lock pins.
    return locks[0], tuple(str(dep["name"]) for dep in pinned), cache


def _parent_dir(path: str) -> str:
    return path.rpartition("/")[0] or "."


def _in_src(path: str) -> str:
    return SRC_DIR if path == "." else f"{SRC_DIR}/{path}"


_ConfigGroup = tuple[BufBreakingConfig, dict[str, tuple[str, ...]], str, set[str] | None]


def _workspace_path(layout: ModuleLayout, module_path: str) -> str:
    return f"{SRC_DIR}/{layout.module_files[module_path]}"


def _scan_module_files(
    root: Path, layout: ModuleLayout
) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    """module path -> (package, imports) for every file of the layout."""
    scanned = {}
    for module_path, repo_path in layout.module_files.items():
        try:
            text = (root / repo_path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        scanned[module_path] = scan_proto(text)
    return scanned


def _importers(scanned: dict[str, tuple[str | None, tuple[str, ...]]]) -> dict[str, set[str]]:
    importers: dict[str, set[str]] = {}
    for module_path, (_, imports) in scanned.items():
        for imported in imports:
            importers.setdefault(imported, set()).add(module_path)
    return importers


def _with_importers(files: set[str], importers: dict[str, set[str]]) -> set[str]:
    """The files and everything importing them, directly or not (they cannot compile alone)."""
    result = set(files)
    queue = list(files)
    while queue:
        for importer in importers.get(queue.pop(), ()):
            if importer not in result:
                result.add(importer)
                queue.append(importer)
    return result


def _left_out_note(
    left_out: Sequence[str], diagnostics: Sequence[BufFinding], layout: ModuleLayout
) -> str:
    """One line for the layers: how many files buf could not build, and why."""
    first = diagnostics[0]
    where = f"{first.repo_path}:{first.line}:{first.column}"
    what = f'import "{first.imported}" not found' if first.imported else first.message
    text = f"{len(left_out)} of {len(layout.module_files)} files left out of the buf build"
    if layout.has_remote_deps and any(d.imported for d in diagnostics):
        deps = ", ".join(sorted({dep.split(":", 1)[0] for dep in layout.remote_deps}))
        text += (
            f" (they import what only buf.yaml's remote deps provide: {deps}; protoguard "
            "runs buf offline and does not fetch them)"
        )
    else:
        text += " (they do not compile, or import a file that does not)"
    return f"{text}; first error {where}: {what}"


def _config_groups(
    head: ModuleLayout | None,
    base: ModuleLayout | None,
    config: BufBreakingConfig | None,
) -> list[_ConfigGroup]:
    """One buf run per distinct effective config; `roots` None means every module.

    The head's configuration decides, as with `buf breaking`: the base's buf.yaml (or its
    absence) says nothing about what the change must keep. The base's is read only when
    the head has no module left.
    """
    governing = head if head is not None and head.modules else base
    policies: list[_ConfigGroup] = [
        (policy, {}, "v2", None) for policy in (governing.breaking_policies if governing else ())
    ]
    if config is not None:
        version = governing.config_version if governing is not None else DEFAULT_VERSION
        return [(config, {}, version, None)]
    by_key: dict[str, tuple[BufBreakingConfig, dict[str, tuple[str, ...]], str, set[str]]] = {}
    for module in governing.modules if governing is not None else ():
        effective, ignore_only, version, _ = governing.breaking_for(module.path)
        effective = effective or BufBreakingConfig()
        key = json.dumps(
            [
                effective.model_dump(by_alias=True),
                {k: list(v) for k, v in ignore_only.items()},
                version,
            ],
            sort_keys=True,
        )
        if key not in by_key:
            by_key[key] = (effective, ignore_only, version, set())
        by_key[key][3].add(module.path)
    if len(by_key) <= 1:
        if not by_key:
            return [(BufBreakingConfig(), {}, DEFAULT_VERSION, None), *policies]
        effective, ignore_only, version, _ = next(iter(by_key.values()))
        return [(effective, ignore_only, version, None), *policies]
    return [*by_key.values(), *policies]


def _image_config(
    config: BufBreakingConfig,
    ignore_only: dict[str, tuple[str, ...]],
    version: str,
    layouts: Sequence[ModuleLayout],
) -> tuple[dict[str, Any], set[str]] | None:
    """The breaking config for image inputs, in the repository's own buf.yaml version (so
    every rule ID of that version is known to buf), paths relative to the module roots
    (= the image's file names). Repo-relative ignore paths are translated; a path
    that covers whole modules cannot be said to buf and is returned for post-filtering."""

    def translate(paths: Iterable[str]) -> tuple[list[str], set[str]]:
        result: set[str] = set()
        whole: set[str] = set()
        for path in paths:
            norm = _norm(path)
            for layout in layouts:
                for module in layout.modules:
                    if _is_under(module.path, norm):
                        whole.add(module.path)
                    elif _is_under(norm, module.path):
                        result.add(norm if module.path == "." else norm[len(module.path) + 1 :])
        return sorted(result), whole

    # Rule IDs buf does not know come from check plugins, which cannot run here (the
    # layer says so); buf would refuse the whole configuration for them.
    use = [rule for rule in config.use or ["FILE"] if is_builtin(rule, version)]
    if config.disable_builtin or not use:
        return None
    breaking: dict[str, Any] = {"use": use}
    excepted = [rule for rule in config.except_ if is_builtin(rule, version)]
    if excepted:
        breaking["except"] = excepted
    ignore, whole_modules = translate(config.ignore)
    if ignore:
        breaking["ignore"] = ignore
    only: dict[str, list[str]] = {}
    for rule, paths in ignore_only.items():
        if not is_builtin(rule, version):
            continue
        # A whole-module ignore_only cannot be said on images; buf then checks that module
        # for the rule (a rare, conservative gap: more findings, never fewer).
        translated, _ = translate(paths)
        if translated:
            only[rule] = translated
    if only:
        breaking["ignore_only"] = only
    if config.ignore_unstable_packages:
        breaking["ignore_unstable_packages"] = True
    return {"version": version, "breaking": breaking}, whole_modules


def _about_left_out(finding: BufFinding, files: set[str], packages: set[str]) -> bool:
    if finding.repo_path:
        return finding.repo_path in files
    return any(f'"{package}"' in finding.message for package in packages)


def _owner(repo_path: str, layouts: Sequence[ModuleLayout]) -> str | None:
    for layout in layouts:
        module: ModuleRoot | None = layout.module_for(repo_path) if repo_path else None
        if module is not None:
            return module.path
    return None


# ---------------------------------------------------------------------------------------
# Output parsing.


def _json_lines(text: str) -> Iterable[dict[str, Any]]:
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        with contextlib.suppress(json.JSONDecodeError):
            value = json.loads(line)
            if isinstance(value, dict):
                yield value


def _parse_findings(stdout: str, layouts: Sequence[ModuleLayout]) -> list[BufFinding]:
    findings: list[BufFinding] = []
    for item in _json_lines(stdout):
        module_path = str(item.get("path") or "")
        message = str(item.get("message") or "")
        line = int(item.get("start_line") or 0)
        column = int(item.get("start_column") or 0)
        end_line = int(item.get("end_line") or 0)
        end_column = int(item.get("end_column") or 0)
        if not module_path:
            # buf gives no path for a deleted file (FILE_NO_DELETE names it in the message)
            # nor for a deleted package; its 1:1 position is meaningless then.
            deleted = _DELETED_FILE_RE.match(message)
            module_path = deleted.group(1) if deleted else ""
            line = column = end_line = end_column = 0
        repo_path = ""
        if module_path:
            mapped = _map_module_path(module_path, layouts)
            if mapped is None:
                continue  # an import from outside the repository (googleapis deps)
            repo_path = mapped
        findings.append(
            BufFinding(
                repo_path=repo_path,
                line=line,
                column=column,
                end_line=end_line,
                end_column=end_column,
                rule=str(item.get("type") or ""),
                message=message,
                module_path=module_path,
            )
        )
    return findings


def _map_module_path(module_path: str, layouts: Sequence[ModuleLayout]) -> str | None:
    if module_path == _PLACEHOLDER:
        return module_path
    for layout in layouts:
        repo_path = layout.module_files.get(module_path)
        if repo_path is not None:
            return repo_path
    for layout in layouts:
        if module_path in layout.extra_files:
            return None
    # Unknown to both layouts (should not happen): the best guess is the first root.
    return layouts[0].to_repo_path(module_path) if layouts else module_path


def _build_diagnostics(output: str, layout: ModuleLayout, root: Path) -> list[BufFinding]:
    diagnostics = []
    for item in _json_lines(output):
        path = str(item.get("path") or "")
        if path.startswith(SRC_DIR + "/"):
            repo_path = path[len(SRC_DIR) + 1 :]
        elif path.startswith(DEPS_DIR + "/"):
            module_path = path[len(DEPS_DIR) + 1 :]
            source = (
                "bundled with protoguard"
                if module_path == PII_OPTIONS_IMPORT
                else "googleapis-common-protos"
            )
            repo_path = f"{module_path} ({source})"
        else:
            repo_path = path
        line = int(item.get("start_line") or 0)
        message = str(item.get("message") or "")
        imported = _import_at(root, repo_path, line) if message == MISSING_IMPORT else None
        diagnostics.append(
            BufFinding(
                repo_path=repo_path,
                line=line,
                column=int(item.get("start_column") or 0),
                end_line=int(item.get("end_line") or 0),
                end_column=int(item.get("end_column") or 0),
                rule=str(item.get("type") or "COMPILE"),
                message=message,
                module_path=layout.to_module_path(repo_path) or "",
                imported=imported or "",
            )
        )
    return diagnostics


def _build_error(
    proc: subprocess.CompletedProcess[str],
    diagnostics: Sequence[BufFinding],
    layout: ModuleLayout,
) -> str:
    if not diagnostics:
        first = _first_line(proc.stderr) or _first_line(proc.stdout) or f"exit {proc.returncode}"
        return f"buf build failed: {first.removeprefix('Failure: ')}"
    parts = []
    missing_imports = []
    for diag in diagnostics[:_MAX_ERRORS_SHOWN]:
        message = diag.message
        if diag.imported:
            message = f'import "{diag.imported}" not found'
            missing_imports.append(diag.imported)
        parts.append(f"{diag.repo_path}:{diag.line}:{diag.column}: {message}")
    text = "buf build failed: " + "; ".join(parts)
    if len(diagnostics) > _MAX_ERRORS_SHOWN:
        text += f" (+{len(diagnostics) - _MAX_ERRORS_SHOWN} more)"
    if missing_imports and layout.has_remote_deps:
        deps = ", ".join(layout.remote_deps)
        text += (
            f" -- buf.yaml depends on remote modules ({deps}), which protoguard does not "
            "fetch (buf runs offline); vendor the imported files into the repository"
        )
    elif missing_imports:
        text += " -- no file in the repository provides it"
    return text


def _import_at(root: Path, repo_path: str, line: int) -> str | None:
    try:
        lines = (root / repo_path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    if 1 <= line <= len(lines):
        match = _IMPORT_LINE_RE.search(lines[line - 1])
        if match:
            return match.group(1)
    return None


def _placeholder_image() -> bytes:
    from google.protobuf import descriptor_pb2

    image = descriptor_pb2.FileDescriptorSet()
    placeholder = image.file.add()
    placeholder.name = _PLACEHOLDER
    placeholder.package = "protoguard.placeholder"
    placeholder.syntax = "proto3"
    return image.SerializeToString()


def _first_line(text: str) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def _norm(path: str) -> str:
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts) or "."


def _is_under(path: str, directory: str) -> bool:
    return directory == "." or path == directory or path.startswith(directory + "/")
