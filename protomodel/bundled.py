"""Well-known and Google API protos from installed packages, for resolving imports.

``google/protobuf/*.proto`` come from grpcio-tools (``grpc_tools/_proto``);
``google/api``, ``google/type``, ``google/rpc`` and ``google/longrunning`` from
googleapis-common-protos; ``pii/v1/pii.proto`` (protoguard's PII options) from the
pii_detector package. Nothing is fetched from the network.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

_GOOGLEAPIS_PACKAGES = ("google/api/", "google/type/", "google/rpc/", "google/longrunning/")
PII_OPTIONS_IMPORT = "pii/v1/pii.proto"


def bundled_pii_options() -> Path | None:
    """protoguard's own ``pii/v1/pii.proto``, shipped as ``pii_detector/pii.proto``: the
    import resolves to it when a repository has no copy of its own."""
    spec = importlib.util.find_spec("pii_detector")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "pii.proto"
    return path.resolve() if path.is_file() else None


def bundled_import(path: str) -> str | None:
    """The text of a bundled proto for import path ``path``, or None."""
    if path == PII_OPTIONS_IMPORT:
        options = bundled_pii_options()
        return _read(options) if options is not None else None
    root = _root_for(path)
    if root is None:
        return None
    candidate = (root / path).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return _read(candidate)


def _root_for(path: str) -> Path | None:
    if path.startswith("google/protobuf/"):
        return _package_root("grpc_tools", "_proto")
    if path.startswith(_GOOGLEAPIS_PACKAGES):
        return _googleapis_root()
    return None


@cache
def _package_root(package: str, subdirectory: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).parent / subdirectory
    return root.resolve() if root.is_dir() else None


@cache
def _googleapis_root() -> Path | None:
    """The directory holding ``google/api`` (``google`` is a namespace package)."""
    spec = importlib.util.find_spec("google.api")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        if (Path(location) / "http.proto").is_file():
            return Path(location).resolve().parent.parent
    return None


@cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")
