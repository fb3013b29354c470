"""Where the proto import roots of one snapshot are, and how buf should see them.

`discover_layout(root)` reads a materialised snapshot (see `gitsource.Snapshot`) and answers:
which repo-relative directories are import roots ("modules"), how a repo path maps to the
path the compiler sees (the module path, also the file name inside a buf image) and back,
which breaking configuration the repository's buf.yaml sets, and whether it depends on
remote (BSR) modules that cannot be fetched here.

Sources, in order of precedence:

* ``buf.yaml`` v2 (``modules: - path:``; ``breaking:`` at the top level and per module),
* ``buf.work.yaml`` (``directories:``, each directory optionally with its own v1 buf.yaml),
* ``buf.yaml`` v1 / v1beta1 (the file's directory is the module; ``build.excludes``),
* otherwise inferred from the files: a file whose directory ends with its package path
  (``proto/acme/todo/v1`` for ``package acme.todo.v1``) puts its root (``proto``) on the list,
  imports are then resolved against those roots, and the repository root is the fallback.

Whatever the source, imports that do not resolve are looked for elsewhere in the snapshot
(vendored ``validate/validate.proto``, ``google/api/*.proto``…) and the directory that makes
them resolve becomes an extra root. ``google/...`` imports that are still missing are taken
from the installed googleapis-common-protos package, and ``pii/v1/pii.proto`` from
protoguard's own copy (`extra_files`), so the annotation every PII fix suggests compiles in a
repository that has not vendored the options.

Every path here is repo-relative with forward slashes; the repository root is ``"."``.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from compat_checker.config import BufBreakingConfig
from protomodel.bundled import PII_OPTIONS_IMPORT, bundled_pii_options

LayoutSource = Literal["buf.yaml v1", "buf.yaml v2", "buf.work.yaml", "inferred"]
RootOrigin = Literal["declared", "inferred", "vendored"]

BUF_YAML = "buf.yaml"
BUF_WORK_YAML = "buf.work.yaml"
BUF_LOCK = "buf.lock"

# Well-known types ship inside buf (and protoc); an import of them always resolves.
_WKT_PREFIX = "google/protobuf/"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModuleRoot(_Frozen):
    """One import root. Files below `path` (and not below an exclude) belong to it."""

    path: str  # repo-relative directory, "." for the repository root
    excludes: tuple[str, ...] = ()  # repo-relative directories left out of this module
    origin: RootOrigin = "declared"
    # Module-level breaking config (v2 per-module, or the v1 buf.yaml of a buf.work.yaml
    # directory); ignore paths already made repo-relative. None: use the layout's.
    breaking: BufBreakingConfig | None = None
    breaking_ignore_only: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # Version of the buf.yaml that configures this module: buf reads its rule IDs and
    # categories in that version (v2 knows rules v1 does not).
    config_version: str = "v1"
    # The module's registry name (`name: buf.build/owner/repo`): the repository publishes
    # it, so it is the repository's own API, never a vendored copy of someone else's.
    name: str | None = None

    def contains(self, repo_path: str) -> bool:
        if not _is_under(repo_path, self.path):
            return False
        return not any(_is_under(repo_path, excluded) for excluded in self.excludes)


class ModuleLayout(_Frozen):
    source: LayoutSource
    modules: tuple[ModuleRoot, ...] = ()
    # Top-level breaking config of the buf.yaml (v1 module root / v2 workspace), ignore
    # paths repo-relative. None when no buf.yaml sets one.
    breaking: BufBreakingConfig | None = None
    breaking_ignore_only: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    config_version: str = "v1"  # of the buf.yaml that sets `breaking` (buf's default: v1)
    # Local policy files' breaking configs (v2 `policies:`), checked on top of `breaking`.
    breaking_policies: tuple[BufBreakingConfig, ...] = ()
    # Check plugins named by the buf.yaml or its policies: they cannot run here.
    breaking_plugins: tuple[str, ...] = ()
    has_remote_deps: bool = False
    remote_deps: tuple[str, ...] = ()  # e.g. "buf.build/bufbuild/protovalidate"
    config_files: tuple[str, ...] = ()  # the buf.yaml / buf.work.yaml files that were read
    # module path -> repo path for every .proto file that belongs to a module
    module_files: dict[str, str] = Field(default_factory=dict)
    # import as written -> repo paths of the files importing it, for imports nothing resolves
    unresolved_imports: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # module path -> absolute file outside the snapshot (googleapis-common-protos), needed
    # only as imports
    extra_files: dict[str, str] = Field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def roots(self) -> list[str]:
        return [module.path for module in self.modules]

    def module_for(self, repo_path: str) -> ModuleRoot | None:
        """The deepest module containing the path (nested roots are excluded from parents)."""
        return _module_of(list(self.modules), _norm(repo_path))

    def to_module_path(self, repo_path: str) -> str | None:
        module = self.module_for(_norm(repo_path))
        if module is None:
            return None
        return _relative_to(_norm(repo_path), module.path)

    def to_repo_path(self, module_path: str, root: str | None = None) -> str:
        """The repo path of a module path; without `root`, the file that has it (or the first root)."""
        if root is not None:
            return _join(_norm(root), module_path)
        known = self.module_files.get(module_path)
        if known is not None:
            return known
        return _join(self.roots[0] if self.modules else ".", module_path)

    def effective_breaking(
        self, module: ModuleRoot | None
    ) -> tuple[BufBreakingConfig | None, dict[str, tuple[str, ...]]]:
        """A module's own breaking config replaces the workspace's (buf v2 semantics)."""
        if module is not None and (module.breaking is not None or module.breaking_ignore_only):
            return module.breaking, module.breaking_ignore_only
        return self.breaking, self.breaking_ignore_only

    def breaking_for(
        self, repo_path: str
    ) -> tuple[
        BufBreakingConfig | None, dict[str, tuple[str, ...]], str, tuple[BufBreakingConfig, ...]
    ]:
        """The breaking config that governs a file, with the version buf reads it in and
        the local policies checked on top of it."""
        module = self.module_for(repo_path)
        config, ignore_only = self.effective_breaking(module)
        version = module.config_version if module is not None else self.config_version
        return config, ignore_only, version, self.breaking_policies


# ---------------------------------------------------------------------------------------
# Proto scanning: package and imports, enough to infer roots (not a parser).

_TOKEN_RE = re.compile(
    r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(//[^\n]*|/\*.*?\*/)""",
    re.DOTALL,
)
_PACKAGE_RE = re.compile(r"(?:^|[;\s])package\s+([A-Za-z_][\w.]*)\s*;")
_IMPORT_RE = re.compile(
    r"""(?:^|[;\s])import\s+(?:(?:public|weak|option)\s+)?(["'])([^"'\n]+)\1\s*;"""
)


def scan_proto(text: str) -> tuple[str | None, tuple[str, ...]]:
    """The package and the imports of a proto file, comments ignored."""
    # Comments are blanked (strings kept) so a commented-out import does not count.
    stripped = _TOKEN_RE.sub(lambda m: m.group(1) or " ", text)
    package = _PACKAGE_RE.search(stripped)
    imports = tuple(m.group(2) for m in _IMPORT_RE.finditer(stripped))
    return (package.group(1) if package else None), imports


class _FileInfo:
    __slots__ = ("imports", "package")

    def __init__(self, package: str | None, imports: tuple[str, ...]) -> None:
        self.package = package
        self.imports = imports


def _scan_files(root: Path, paths: Iterable[str]) -> dict[str, _FileInfo]:
    infos: dict[str, _FileInfo] = {}
    for path in paths:
        try:
            text = (root / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        infos[path] = _FileInfo(*scan_proto(text))
    return infos


# ---------------------------------------------------------------------------------------
# Public entry points.


def discover_layout(root: Path, files: list[str] | None = None) -> ModuleLayout:
    """The layout of one snapshot directory (``files``: its .proto files, when already listed)."""
    return _discover(Path(root), companion=None, files=files)


def discover_layouts(base_root: Path, head_root: Path) -> tuple[ModuleLayout, ModuleLayout]:
    """Layouts of both sides. Inferred roots are inferred from both sides together: buf
    matches files by module path, so roots that differed between base and head only
    because a file was added would show up as files deleted and added."""
    base_files = list_protos(Path(base_root))
    head_files = list_protos(Path(head_root))
    base_infos = _scan_files(Path(base_root), base_files)
    head_infos = _scan_files(Path(head_root), head_files)
    combined = {**base_infos, **head_infos}
    # Keep both sides' packages/imports: a path present on both sides may differ.
    extra = [(path, info) for path, info in base_infos.items() if path in head_infos]
    base = _discover(
        Path(base_root), companion=(combined, extra), files=base_files, infos=base_infos
    )
    head = _discover(
        Path(head_root), companion=(combined, extra), files=head_files, infos=head_infos
    )
    return base, head


def _discover(
    root: Path,
    companion: tuple[dict[str, _FileInfo], list[tuple[str, _FileInfo]]] | None,
    files: list[str] | None = None,
    infos: dict[str, _FileInfo] | None = None,
) -> ModuleLayout:
    if files is None:
        files = list_protos(root)
    if infos is None:
        infos = _scan_files(root, files)
    warnings: list[str] = []
    declared = _read_declared(root, warnings)

    if declared is not None:
        (
            source,
            modules,
            breaking,
            ignore_only,
            deps,
            config_files,
            config_version,
            policies,
            plugins,
        ) = declared
    else:
        source, breaking, ignore_only, deps, config_files = "inferred", None, {}, [], []
        config_version, policies, plugins = "v1", (), ()
        if companion is not None:
            union_infos, extra = companion
            modules = _infer_roots(union_infos, extra)
        else:
            modules = _infer_roots(infos, [])

    modules = _resolve_vendored(modules, files, infos)
    # A module without .proto files makes buf fail ("had no .proto files"); drop it.
    modules = [m for m in modules if any(_module_of(modules, f) is m for f in files)]
    modules = _with_nested_excludes(modules)

    module_files: dict[str, str] = {}
    for path in files:
        module = _module_of(modules, path)
        if module is None:
            continue
        module_path = _relative_to(path, module.path)
        if module_path in module_files:
            warnings.append(
                f"{path} and {module_files[module_path]} are both imported as {module_path}"
            )
            continue
        module_files[module_path] = path

    unresolved = _unresolved(infos, module_files)
    extra_files: dict[str, str] = {}
    if unresolved:
        extra_files = _googleapis_files(list(unresolved)) | _pii_options_file(unresolved)
        unresolved = {imp: who for imp, who in unresolved.items() if imp not in extra_files}

    lock_deps = _lock_deps(root, [m.path for m in modules], config_files)
    remote = sorted(set(deps) | set(lock_deps))
    return ModuleLayout(
        source=source,
        modules=tuple(modules),
        breaking=breaking,
        breaking_ignore_only=ignore_only,
        config_version=config_version,
        breaking_policies=policies,
        breaking_plugins=tuple(dict.fromkeys(plugins)),
        has_remote_deps=bool(remote),
        remote_deps=tuple(remote),
        config_files=tuple(config_files),
        module_files=module_files,
        unresolved_imports={imp: tuple(sorted(who)) for imp, who in sorted(unresolved.items())},
        extra_files=extra_files,
        warnings=tuple(warnings),
    )


# ---------------------------------------------------------------------------------------
# Declared layouts (buf.yaml v1/v2, buf.work.yaml).

_Declared = tuple[
    LayoutSource,
    list[ModuleRoot],
    BufBreakingConfig | None,
    dict[str, tuple[str, ...]],
    list[str],
    list[str],
    str,
    tuple[BufBreakingConfig, ...],
    tuple[str, ...],
]


def _read_declared(root: Path, warnings: list[str]) -> _Declared | None:
    config_paths = _find_configs(root)
    if not config_paths:
        return None
    # Only the outermost configurations count: a buf.yaml inside a buf.work.yaml directory
    # or below another module belongs to that one.
    chosen: list[str] = []
    for path in sorted(config_paths, key=lambda p: (_depth(_parent(p)), Path(p).name != BUF_YAML)):
        directory = _parent(path)
        if any(_is_under(directory, _parent(o)) and directory != _parent(o) for o in chosen):
            continue
        chosen.append(path)
    # At one directory, buf.yaml v2 wins over buf.work.yaml, which wins over buf.yaml v1.
    by_dir: dict[str, dict[str, dict[str, Any]]] = {}
    for path in chosen:
        data = _load_yaml(root / path, path, warnings)
        if data is not None:
            by_dir.setdefault(_parent(path), {})[Path(path).name] = data

    sources: list[LayoutSource] = []
    modules: list[ModuleRoot] = []
    breaking: BufBreakingConfig | None = None
    ignore_only: dict[str, tuple[str, ...]] = {}
    deps: list[str] = []
    config_files: list[str] = []
    top_version = "v1"
    policies: list[BufBreakingConfig] = []
    plugins: list[str] = []
    for directory, found in sorted(by_dir.items()):
        buf_yaml = found.get(BUF_YAML)
        work_yaml = found.get(BUF_WORK_YAML)
        version = str(buf_yaml.get("version", "v1beta1")) if buf_yaml is not None else None
        if buf_yaml is not None and version == "v2":
            config_files.append(_join(directory, BUF_YAML))
            sources.append("buf.yaml v2")
            mods, top, top_only, dep = _from_v2(directory, buf_yaml, warnings)
            modules += mods
            deps += dep
            if top is not None or top_only:
                breaking, ignore_only = top, top_only
            top_version = "v2"
            found_policies, found_plugins = _policies_and_plugins(
                root, directory, buf_yaml, warnings
            )
            policies += found_policies
            plugins += found_plugins
        elif work_yaml is not None:
            config_files.append(_join(directory, BUF_WORK_YAML))
            sources.append("buf.work.yaml")
            for sub in _str_list(work_yaml.get("directories"), "directories", warnings):
                module_dir = _join(directory, sub)
                sub_yaml = None
                if (root / module_dir / BUF_YAML).is_file():
                    sub_yaml = _load_yaml(
                        root / module_dir / BUF_YAML, _join(module_dir, BUF_YAML), warnings
                    )
                    config_files.append(_join(module_dir, BUF_YAML))
                mods, mod_breaking, mod_only, dep = _from_v1(module_dir, sub_yaml or {}, warnings)
                sub_version = _v1_version((sub_yaml or {}).get("version"))
                deps += dep
                # Each directory's buf.yaml configures that module only.
                modules += [
                    m.model_copy(
                        update={
                            "breaking": mod_breaking,
                            "breaking_ignore_only": mod_only,
                            "config_version": sub_version,
                        }
                    )
                    for m in mods
                ]
        elif buf_yaml is not None:
            if version not in {"v1", "v1beta1"}:
                warnings.append(
                    f"{_join(directory, BUF_YAML)}: unknown version {version!r}, read as v1"
                )
            config_files.append(_join(directory, BUF_YAML))
            sources.append("buf.yaml v1")
            mods, top, top_only, dep = _from_v1(directory, buf_yaml, warnings)
            deps += dep
            v1_version = _v1_version(version)
            mods = [m.model_copy(update={"config_version": v1_version}) for m in mods]
            if len(by_dir) == 1:
                modules += mods
                breaking, ignore_only, top_version = top, top_only, v1_version
            else:
                modules += [
                    m.model_copy(update={"breaking": top, "breaking_ignore_only": top_only})
                    for m in mods
                ]
    if not modules:
        return None
    # One label for the whole layout: the first (outermost, sorted) configuration decides.
    return (
        sources[0],
        modules,
        breaking,
        ignore_only,
        deps,
        config_files,
        top_version,
        tuple(policies),
        tuple(plugins),
    )


def _policies_and_plugins(
    root: Path, directory: str, data: dict[str, Any], warnings: list[str]
) -> tuple[list[BufBreakingConfig], list[str]]:
    """A v2 buf.yaml's local policies (their breaking configs) and every check plugin it
    or its policies name. Remote (BSR) policies cannot be read offline: a warning."""
    where = _join(directory, BUF_YAML)
    plugins = _plugin_names(data, where, warnings)
    policies: list[BufBreakingConfig] = []
    for entry in data.get("policies") or []:
        name = entry.get("policy") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            warnings.append(f"{where}: policies: each entry needs a policy")
            continue
        local = _join(directory, name)
        policy = _load_yaml(root / local, local, warnings) if (root / local).is_file() else None
        if policy is None:
            warnings.append(f"{where}: policy {name} is not a local file; it was not applied")
            continue
        config, _ = _breaking_section(policy.get("breaking") or {}, directory, local, warnings)
        policies.append(config or BufBreakingConfig())
        plugins += _plugin_names(policy, local, warnings)
    return policies, plugins


def _plugin_names(data: dict[str, Any], where: str, warnings: list[str]) -> list[str]:
    names = []
    for entry in data.get("plugins") or []:
        name = entry.get("plugin") if isinstance(entry, dict) else None
        if isinstance(name, str):
            names.append(name)
        else:
            warnings.append(f"{where}: plugins: each entry needs a plugin")
    return names


def _v1_version(raw: Any) -> str:
    """A v1-style buf.yaml's version as buf reads it (unset means v1beta1 to buf)."""
    return "v1" if str(raw) == "v1" else "v1beta1"


def _from_v2(
    directory: str, data: dict[str, Any], warnings: list[str]
) -> tuple[list[ModuleRoot], BufBreakingConfig | None, dict[str, tuple[str, ...]], list[str]]:
    where = _join(directory, BUF_YAML)
    top, top_only = _breaking_section(data.get("breaking"), directory, where, warnings)
    raw_modules = data.get("modules")
    if raw_modules is None:
        raw_modules = [{"path": "."}]
    if not isinstance(raw_modules, list):
        warnings.append(f"{where}: modules: expected a list")
        raw_modules = [{"path": "."}]
    modules: list[ModuleRoot] = []
    for entry in raw_modules:
        if not isinstance(entry, dict) or not isinstance(entry.get("path", "."), str):
            warnings.append(f"{where}: modules: each entry needs a path")
            continue
        path = _join(directory, entry.get("path", "."))
        # v2: excludes and ignore paths are relative to the buf.yaml's directory.
        excludes = tuple(
            _join(directory, e) for e in _str_list(entry.get("excludes"), "excludes", warnings)
        )
        mod_breaking, mod_only = _breaking_section(
            entry.get("breaking"), directory, where, warnings
        )
        modules.append(
            ModuleRoot(
                path=path,
                excludes=excludes,
                breaking=mod_breaking,
                breaking_ignore_only=mod_only,
                config_version="v2",
                name=_module_name(entry),
            )
        )
    return modules, top, top_only, _str_list(data.get("deps"), "deps", warnings)


def _module_name(data: dict[str, Any]) -> str | None:
    name = data.get("name")
    return name if isinstance(name, str) and name.strip() else None


def _from_v1(
    directory: str, data: dict[str, Any], warnings: list[str]
) -> tuple[list[ModuleRoot], BufBreakingConfig | None, dict[str, tuple[str, ...]], list[str]]:
    where = _join(directory, BUF_YAML)
    build = data.get("build") or {}
    if not isinstance(build, dict):
        build = {}
    # v1: paths are relative to the module root, which is the buf.yaml's directory.
    excludes = tuple(
        _join(directory, e) for e in _str_list(build.get("excludes"), "build.excludes", warnings)
    )
    roots = _str_list(build.get("roots"), "build.roots", warnings)  # v1beta1 only
    paths = [_join(directory, r) for r in roots] or [directory]
    modules = [
        ModuleRoot(
            path=p,
            excludes=tuple(e for e in excludes if _is_under(e, p)),
            name=_module_name(data),
        )
        for p in paths
    ]
    breaking, ignore_only = _breaking_section(data.get("breaking"), directory, where, warnings)
    return modules, breaking, ignore_only, _str_list(data.get("deps"), "deps", warnings)


def _breaking_section(
    raw: Any, directory: str, where: str, warnings: list[str]
) -> tuple[BufBreakingConfig | None, dict[str, tuple[str, ...]]]:
    if raw is None:
        return None, {}
    if not isinstance(raw, dict):
        warnings.append(f"{where}: breaking: expected a mapping")
        return None, {}
    values: dict[str, Any] = {}
    if "use" in raw:
        values["use"] = _str_list(raw.get("use"), "breaking.use", warnings)
    values["except"] = _str_list(raw.get("except"), "breaking.except", warnings)
    values["ignore"] = [
        _join(directory, p) for p in _str_list(raw.get("ignore"), "breaking.ignore", warnings)
    ]
    values["ignore_unstable_packages"] = bool(raw.get("ignore_unstable_packages", False))
    values["disable_builtin"] = bool(raw.get("disable_builtin", False))
    ignore_only: dict[str, tuple[str, ...]] = {}
    raw_only = raw.get("ignore_only") or {}
    if isinstance(raw_only, dict):
        for rule, paths in raw_only.items():
            ignore_only[str(rule)] = tuple(
                _join(directory, p) for p in _str_list(paths, "breaking.ignore_only", warnings)
            )
    try:
        return BufBreakingConfig.model_validate(values), ignore_only
    except ValidationError as exc:  # pragma: no cover - values are shaped above
        warnings.append(f"{where}: breaking: {exc.errors()[0]['msg']}")
        return None, ignore_only


def _lock_deps(root: Path, module_dirs: list[str], config_files: list[str]) -> list[str]:
    """Remote deps pinned in buf.lock files next to the configs that were read."""
    names: list[str] = []
    dirs = {_parent(c) for c in config_files} | set(module_dirs)
    for directory in sorted(dirs):
        lock = root / directory / BUF_LOCK
        if not lock.is_file():
            continue
        data = _load_yaml(lock, _join(directory, BUF_LOCK), [])
        for dep in (data or {}).get("deps") or []:
            if isinstance(dep, dict):
                name = dep.get("name") or "/".join(
                    str(dep[k]) for k in ("remote", "owner", "repository") if k in dep
                )
                if name:
                    names.append(str(name))
    return names


# ---------------------------------------------------------------------------------------
# Inference and import resolution.


def _infer_roots(
    infos: Mapping[str, _FileInfo], extra: list[tuple[str, _FileInfo]]
) -> list[ModuleRoot]:
    records = list(infos.items()) + extra
    roots: set[str] = set()
    for path, info in records:
        if info.package:
            package_dir = info.package.replace(".", "/")
            directory = _parent(path)
            if directory == package_dir:
                roots.add(".")
            elif directory.endswith("/" + package_dir):
                roots.add(directory[: -len(package_dir) - 1])
    modules = [ModuleRoot(path=r, origin="inferred") for r in sorted(roots)]
    files = sorted(infos)
    modules = _resolve_vendored(modules, files, infos, origin="inferred", extra=extra)
    # Files nothing claimed: the repository root is their import root.
    if any(_module_of(modules, f) is None for f in files) and all(m.path != "." for m in modules):
        modules.append(ModuleRoot(path=".", origin="inferred"))
        modules = _resolve_vendored(modules, files, infos, origin="inferred", extra=extra)
    return modules


def _resolve_vendored(
    modules: list[ModuleRoot],
    files: list[str],
    infos: Mapping[str, _FileInfo],
    origin: RootOrigin = "vendored",
    extra: list[tuple[str, _FileInfo]] | None = None,
) -> list[ModuleRoot]:
    """Add the roots that make unresolved imports resolve to files in the snapshot.

    `validate/validate.proto` imported by a module but living at
    `third_party/validate/validate.proto` makes `third_party` a root. A candidate root is
    kept only when it lowers the number of unresolved imports: moving files into a new
    root changes their module paths, which must not break imports that worked.
    When inferring (`origin="inferred"`), imports of files outside every root count too.
    """
    modules = list(modules)
    all_paths = sorted(set(files) | set(infos))
    records = list(infos.items()) + (extra or [])
    include_unowned = origin == "inferred"
    for _ in range(64):  # each round adds one root; bounded for pathological trees
        missing = _missing_imports(modules, all_paths, records, include_unowned)
        if not missing:
            break
        improved = False
        for imported in sorted({imp for _, imp in missing}):
            candidate = _vendored_root(modules, all_paths, imported)
            if candidate is None:
                continue
            trial = [*modules, ModuleRoot(path=candidate, origin=origin)]
            if len(_missing_imports(trial, all_paths, records, include_unowned)) < len(missing):
                modules = trial
                improved = True
                break
        if not improved:
            break
    return modules


def _missing_imports(
    modules: list[ModuleRoot],
    all_paths: list[str],
    records: list[tuple[str, _FileInfo]],
    include_unowned: bool,
) -> list[tuple[str, str]]:
    module_paths = _module_paths(modules, all_paths)
    missing = []
    for path, info in records:
        if not include_unowned and _module_of(modules, path) is None:
            continue
        for imported in info.imports:
            if imported not in module_paths and not imported.startswith(_WKT_PREFIX):
                missing.append((path, imported))
    return missing


def _vendored_root(modules: list[ModuleRoot], paths: list[str], imported: str) -> str | None:
    existing = {m.path for m in modules}
    candidates = []
    for path in paths:
        if path == imported:
            root = "."
        elif path.endswith("/" + imported):
            root = path[: -len(imported) - 1]
        else:
            continue
        if root in existing:
            continue  # excluded there on purpose, or shadowed by a deeper root
        # The file must end up in the new root, not in a deeper existing one.
        owner = _module_of(modules, path)
        if owner is not None and _depth(owner.path) > _depth(root) and _is_under(owner.path, root):
            continue
        candidates.append(root)
    if not candidates:
        return None
    # Closest to the repository root first (third_party/ over a/b/third_party/), then by name.
    return min(candidates, key=lambda r: (_depth(r), r))


def _with_nested_excludes(modules: list[ModuleRoot]) -> list[ModuleRoot]:
    """buf rejects overlapping modules: a root inside another is excluded from the outer one."""
    result: list[ModuleRoot] = []
    seen: set[str] = set()
    unique = []
    for module in modules:
        if module.path not in seen:
            seen.add(module.path)
            unique.append(module)
    for module in unique:
        nested = [
            other.path
            for other in unique
            if other.path != module.path and _is_under(other.path, module.path)
        ]
        # Only the outermost nested roots; a root nested in those is excluded already.
        outermost = [n for n in nested if not any(o != n and _is_under(n, o) for o in nested)]
        excludes = tuple(sorted(set(module.excludes) | set(outermost)))
        result.append(module.model_copy(update={"excludes": excludes}))
    return sorted(result, key=lambda m: m.path)


def _module_of(modules: list[ModuleRoot], repo_path: str) -> ModuleRoot | None:
    best: ModuleRoot | None = None
    for module in modules:
        if _is_under(repo_path, module.path) and (
            best is None or _depth(module.path) > _depth(best.path)
        ):
            best = module
    if best is None:
        return None
    # The deepest root decides; its excludes (and those of its parents) may drop the file.
    if any(_is_under(repo_path, e) for e in best.excludes):
        return None
    return best


def _module_paths(modules: list[ModuleRoot], paths: list[str]) -> set[str]:
    result = set()
    for path in paths:
        module = _module_of(modules, path)
        if module is not None:
            result.add(_relative_to(path, module.path))
    return result


def _unresolved(
    infos: Mapping[str, _FileInfo], module_files: Mapping[str, str]
) -> dict[str, list[str]]:
    owners = set(module_files.values())
    unresolved: dict[str, list[str]] = {}
    for path, info in infos.items():
        if path not in owners:
            continue
        for imported in info.imports:
            if imported not in module_files and not imported.startswith(_WKT_PREFIX):
                unresolved.setdefault(imported, []).append(path)
    return unresolved


def googleapis_dirs() -> list[Path]:
    """Directories holding `google/...` protos shipped by googleapis-common-protos."""
    try:
        spec = importlib.util.find_spec("google.api")
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    return [Path(loc).parent.parent for loc in spec.submodule_search_locations]


def _pii_options_file(imports: Iterable[str]) -> dict[str, str]:
    options = bundled_pii_options() if PII_OPTIONS_IMPORT in imports else None
    return {PII_OPTIONS_IMPORT: str(options)} if options is not None else {}


def _googleapis_files(imports: list[str]) -> dict[str, str]:
    """The missing `google/...` imports and everything they import, from the package."""
    wanted = [i for i in imports if i.startswith("google/") and not i.startswith(_WKT_PREFIX)]
    if not wanted:
        return {}
    search = googleapis_dirs()
    found: dict[str, str] = {}
    queue = list(wanted)
    while queue:
        imported = queue.pop()
        if imported in found or imported.startswith(_WKT_PREFIX):
            continue
        for directory in search:
            candidate = directory / imported
            if candidate.is_file():
                found[imported] = str(candidate)
                _, more = scan_proto(candidate.read_text(encoding="utf-8", errors="replace"))
                queue.extend(more)
                break
    # Only worth it when every transitive import was found; a partial set still fails.
    return found


# ---------------------------------------------------------------------------------------
# Files and paths.


def list_protos(root: Path) -> list[str]:
    result: list[str] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        rel = Path(directory).relative_to(root).as_posix()
        for name in filenames:
            if name.endswith(".proto"):
                result.append(name if rel == "." else f"{rel}/{name}")
    return sorted(result)


def _find_configs(root: Path) -> list[str]:
    result: list[str] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        rel = Path(directory).relative_to(root).as_posix()
        for name in filenames:
            if name in (BUF_YAML, BUF_WORK_YAML):
                result.append(name if rel == "." else f"{rel}/{name}")
    return sorted(result)


def _load_yaml(path: Path, shown: str, warnings: list[str]) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        warnings.append(f"{shown}: not readable YAML ({first}); ignored")
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        warnings.append(f"{shown}: expected a mapping; ignored")
        return None
    return data


def _str_list(value: Any, key: str, warnings: list[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    warnings.append(f"{key}: expected a list of strings")
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _norm(path: str) -> str:
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts) or "."


def _join(directory: str, rel: str) -> str:
    return _norm(f"{directory}/{rel}")


def _parent(path: str) -> str:
    head, _, _ = _norm(path).rpartition("/")
    return head or "."


def _depth(path: str) -> int:
    return 0 if path == "." else path.count("/") + 1


def _is_under(path: str, directory: str) -> bool:
    """True when `path` is `directory` or inside it."""
    path, directory = _norm(path), _norm(directory)
    return directory == "." or path == directory or path.startswith(directory + "/")


def _relative_to(path: str, directory: str) -> str:
    path, directory = _norm(path), _norm(directory)
    if directory == ".":
        return path
    return path[len(directory) + 1 :] if path != directory else "."
