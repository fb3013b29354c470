"""Which .proto files an audit covers: discovery under PATH, and the files of one shard."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

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


def discover_protos(root: Path) -> list[str]:
    """The .proto files under ``root``, relative with forward slashes, sorted."""
    found: list[str] = []
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        dirnames[:] = sorted(
            d for d in dirnames if not skipped_dir(d) and not (here / d / "pyvenv.cfg").exists()
        )
        rel = here.relative_to(root).as_posix()
        found.extend(
            name if rel == "." else f"{rel}/{name}"
            for name in filenames
            if name.endswith(".proto") and (here / name).is_file()
        )
    return sorted(found)


def shard_of(path: str, count: int) -> int:
    """The 1-based shard of a repo-relative path: a hash of the path alone, so adding a
    file never moves another one to a different shard."""
    digest = hashlib.sha256(path.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> tuple[int, int]:
    """``I/N`` → (I, N); ValueError with a one-line reason otherwise."""
    index, slash, count = text.partition("/")
    if not slash or not index.strip().isdigit() or not count.strip().isdigit():
        raise ValueError(f"--shard must look like I/N (e.g. 1/4), not {text!r}")
    i, n = int(index), int(count)
    if n < 1 or not 1 <= i <= n:
        raise ValueError(f"--shard {text}: I must be between 1 and N")
    return i, n
