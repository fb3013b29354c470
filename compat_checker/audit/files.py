"""Which .proto files an audit covers: discovery under PATH, the team's own files among
them (vendored dependencies left out), and the files of one shard."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

from compat_checker.gitsource import git_env
from compat_checker.modules import ModuleLayout, scan_proto

# Directories that hold other people's protos or tool state, never the repository's API.
SKIP_DIRS = frozenset(
    {
        "node_modules",
        "venv",
        "site-packages",
        "__pycache__",
        "bazel-bin",
        "bazel-out",
        "bazel-testlogs",
    }
)


def skipped_dir(name: str) -> bool:
    """Hidden directories (.git, .protoguard, .venv, .tox …) and vendored tool trees."""
    return name.startswith(".") or name in SKIP_DIRS


def skipped_path(path: str) -> bool:
    """Whether a relative file path lies in a skipped directory."""
    return any(skipped_dir(part) for part in path.split("/")[:-1])


def discover_protos(root: Path) -> tuple[list[str], dict[str, str]]:
    """The .proto files under ``root``, relative with forward slashes, sorted; and the
    `.proto` entries that cannot be read at all (a symlink loop), with why.

    In a git work tree, files that git ignores (build output, caches) are left out, as a
    reviewer of the repository would expect; outside git every file counts. A symlink that
    leads out of ``root`` is left out too: the report would quote what it points at (a
    parse error names the first token of `~/.git-credentials`).
    """
    inside = root.resolve()
    found: list[str] = []
    unreadable: dict[str, str] = {}
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        dirnames[:] = sorted(
            d for d in dirnames if not skipped_dir(d) and not (here / d / "pyvenv.cfg").exists()
        )
        rel = here.relative_to(root).as_posix()
        for name in filenames:
            if not name.endswith(".proto"):
                continue
            path = name if rel == "." else f"{rel}/{name}"
            try:
                if _regular_file_inside(here / name, inside):
                    found.append(path)
            except (OSError, RuntimeError):  # pathlib reports a loop as RuntimeError
                unreadable[path] = "a symlink loop: skipped"
    ignored = git_ignored(root, found)
    return sorted(path for path in found if path not in ignored), unreadable


def _regular_file_inside(path: Path, inside: Path) -> bool:
    if not path.is_symlink():
        return path.is_file()
    target = path.resolve(strict=True)
    return target.is_file() and target.is_relative_to(inside)


def git_ignored(root: Path, paths: list[str]) -> set[str]:
    """Which of ``paths`` (relative to ``root``) git ignores, tracked files never; none when
    ``root`` is not in a work tree or git is missing."""
    if not paths:
        return set()
    try:
        done = subprocess.run(
            ["git", "check-ignore", "-z", "--stdin"],
            cwd=root,
            input="\0".join(paths).encode() + b"\0",
            capture_output=True,
            env=git_env(),
            check=False,
        )
    except OSError:
        return set()
    # 0: some paths are ignored, 1: none are, 128: not a work tree (or another git error).
    if done.returncode not in (0, 1):
        return set()
    return {path for path in done.stdout.decode("utf-8", "replace").split("\0") if path}


# Directory names that hold copies of other projects' code by convention (Bazel, Go, C++).
VENDOR_DIRS = frozenset({"third_party", "third-party", "thirdparty", "vendor", "vendored"})

# Dependencies that buf users normally take as `deps` (BSR modules) and other repositories
# copy into their tree: (module path prefix, package, name). A file counts only when both its
# import path and its package match, so a team's own `validate/` directory stays audited.
KNOWN_DEPENDENCIES: tuple[tuple[str, str, str], ...] = (
    ("google/", "google", "googleapis / well-known types"),
    ("buf/validate/", "buf.validate", "protovalidate"),
    ("validate/", "validate", "protoc-gen-validate"),
    ("protoc-gen-openapiv2/", "grpc.gateway", "grpc-gateway"),
    ("gogoproto/", "gogoproto", "gogo/protobuf"),
)


def vendored_files(
    root: Path,
    files: Iterable[str],
    layout: ModuleLayout,
    *,
    prefix: str = "",
    ignore_paths: Iterable[str] = (),
) -> dict[str, str]:
    """The files under ``root`` that are someone else's API → why, in the words of the
    setting or layout that says so. ``files`` are root-relative; ``prefix`` makes them
    repo-relative, which is what `protoguard.yaml` `ignore_paths` globs match (as in `check`)."""
    patterns = list(ignore_paths)
    vendored: dict[str, str] = {}
    for path in files:
        reason = _ignored(prefix + path, patterns) or _vendored_by_layout(root, path, layout)
        if reason is not None:
            vendored[path] = reason
    copies = {path for path, reason in vendored.items() if reason.startswith("copy of ")}
    if copies and copies == set(files) - (set(vendored) - copies):
        # Nothing but copies of one project's protos (api-common-protos, googleapis itself):
        # the repository is that project, and its files are its own API.
        for path in copies:
            del vendored[path]
    return vendored


def _ignored(repo_path: str, patterns: list[str]) -> str | None:
    for pattern in patterns:
        if fnmatch.fnmatch(repo_path, pattern):
            return f"protoguard.yaml ignore_paths {pattern}"
    return None


def _vendored_by_layout(root: Path, path: str, layout: ModuleLayout) -> str | None:
    module = layout.module_for(path)
    if module is None:
        excluded_by = [
            m.path for m in layout.modules if not m.contains(path) and _under(path, m.path)
        ]
        if excluded_by:
            return f"excluded from buf module {excluded_by[0]}"
    elif module.origin == "vendored":
        return f"vendored import root {module.path}"
    directories = path.split("/")[:-1]
    vendor_dir = next((d for d in directories if d.lower() in VENDOR_DIRS), None)
    if vendor_dir is not None:
        return f"{vendor_dir}/ directory"
    if module is not None and module.name is not None:
        return None  # a module the repository publishes is its own API
    module_path = layout.to_module_path(path) or path
    for path_prefix, package, name in KNOWN_DEPENDENCIES:
        if not module_path.startswith(path_prefix):
            continue
        found = _package_of(root / path)
        if found is not None and (found == package or found.startswith(package + ".")):
            return f"copy of {name}"
    return None


def _package_of(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return scan_proto(text)[0]


def _under(path: str, directory: str) -> bool:
    return directory == "." or path.startswith(directory.rstrip("/") + "/")


def shard_of(path: str, count: int) -> int:
    """The 1-based shard of a repo-relative path: a hash of the path alone, so adding a
    file never moves another one to a different shard."""
    digest = hashlib.sha256(path.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> tuple[int, int]:
    """``I/N`` → (I, N); ValueError with a one-line reason otherwise."""
    match = re.fullmatch(r"\s*([0-9]+)\s*/\s*([0-9]+)\s*", text)
    if match is None:
        raise ValueError(f"--shard must look like I/N (e.g. 1/4), not {text!r}")
    i, n = int(match[1]), int(match[2])
    if n < 1 or not 1 <= i <= n:
        raise ValueError(f"--shard {text}: I must be between 1 and N")
    return i, n
