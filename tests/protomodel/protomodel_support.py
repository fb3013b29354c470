"""Helpers for the protomodel tests: real buf images in tmp dirs, model comparison.

A plain module rather than a conftest.py: several test directories of this repository
have their own conftest.py without being packages, and test modules there import
``conftest`` by name.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from protomodel.bundled import bundled_import
from protomodel.model import ProtoTree

HERE = Path(__file__).parent
CORPUS = HERE / "protos"
REPO_PROTO = HERE.parents[1] / "proto"
# Option definitions vendored by the repository (PGV and protovalidate).
VENDORED = ("validate/validate.proto", "buf/validate/validate.proto")
GOOGLE_API = (
    "google/api/annotations.proto",
    "google/api/client.proto",
    "google/api/field_behavior.proto",
    "google/api/http.proto",
    "google/api/launch_stage.proto",
    "google/api/resource.proto",
)


def buf_binary() -> str:
    found = shutil.which("buf")
    if found is None:
        raise RuntimeError("the buf binary is not on PATH (pip install buf-bin)")
    return found


def write_module(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """A buf v2 module in ``root`` with ``files`` plus the option protos they may import."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "buf.yaml").write_text("version: v2\n", encoding="utf-8")
    for path in GOOGLE_API:
        _write(root / path, bundled_import(path) or "")
    for path in VENDORED:
        _write(root / path, (REPO_PROTO / path).read_bytes())
    for path, text in files.items():
        _write(root / path, text)
    return root


def build_image(root: Path) -> bytes:
    """``buf build`` the module in ``root``; the image includes imports and source info."""
    output = root / "image.binpb"
    result = subprocess.run(
        [buf_binary(), "build", str(root), "-o", str(output)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"buf build failed:\n{result.stderr}")
    return output.read_bytes()


def corpus_files() -> dict[str, bytes]:
    """The realistic parity corpus, keyed by module path."""
    return {
        path.relative_to(CORPUS).as_posix(): path.read_bytes()
        for path in sorted(CORPUS.rglob("*.proto"))
    }


def module_resolver(root: Path) -> Callable[[str], str | None]:
    """An import resolver reading the module files from ``root``."""

    def resolve(path: str) -> str | None:
        candidate = root / path
        return candidate.read_text(encoding="utf-8") if candidate.is_file() else None

    return resolve


def model_differences(left: Any, right: Any, path: str = "") -> Iterator[str]:
    """Human-readable differences between two models (or dumps of them)."""
    if isinstance(left, BaseModel):
        left = left.model_dump()
    if isinstance(right, BaseModel):
        right = right.model_dump()
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right), key=str):
            if key not in left or key not in right:
                yield f"{path}.{key}: only in {'right' if key not in left else 'left'}"
            else:
                yield from model_differences(left[key], right[key], f"{path}.{key}")
    elif isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            yield from model_differences(a, b, f"{path}[{index}]")
    elif left != right or type(left) is not type(right):
        yield f"{path}: {left!r:.120} != {right!r:.120}"


def comparable_files(tree: ProtoTree, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """File dumps without ``sha256`` (source bytes vs descriptor bytes by design) and
    without ``option_locations`` (only the parser records where options are set)."""
    dumps = {}
    for name in names:
        dump = _without_option_locations(tree.files[name].model_dump())
        dump.pop("sha256")
        dumps[name] = dump
    return dumps


def _without_option_locations(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _without_option_locations(v) for k, v in value.items() if k != "option_locations"
        }
    if isinstance(value, list):
        return [_without_option_locations(item) for item in value]
    return value


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
