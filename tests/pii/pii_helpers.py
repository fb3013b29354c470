"""Helpers for the PII detector tests (imported as `pii_helpers`; a unique module name so
it cannot clash with other test directories): parse proto text, find results, run buf."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from pii_detector.analysis import analyze_tree
from pii_detector.results import FieldResult, PiiAnalysis
from protomodel.model import ProtoTree
from protomodel.parse import build_tree

REPO = Path(__file__).resolve().parents[2]
OPTIONS_PROTO = REPO / "proto" / "pii" / "v1" / "pii.proto"
PATH = "acme/test/v1/test.proto"
HEADER = 'syntax = "proto3";\n\npackage acme.test.v1;\n\n'


def tree_of(body: str, *, path: str = PATH, header: str = HEADER) -> ProtoTree:
    return build_tree({path: header + body})


def split_sources(split: str) -> dict[str, str]:
    """A labelled split's protos (tests/pii/eval/SPLIT), by path under the split."""
    root = Path(__file__).resolve().parent / "eval" / split
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.proto"))}


def analyze(body: str, **kwargs: object) -> PiiAnalysis:
    return analyze_tree(tree_of(body), **kwargs)  # type: ignore[arg-type]


def result(analysis: PiiAnalysis, path: str) -> FieldResult:
    """The result for ``Message.field`` (package acme.test.v1)."""
    found = analysis.field(f"acme.test.v1.{path}")
    assert found is not None, path
    return found


def buf_build(files: Mapping[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Compile ``files`` (module path → text) with the real buf, plus pii.proto and google/type."""
    root = tmp_path / "module"
    (root / "pii" / "v1").mkdir(parents=True, exist_ok=True)
    shutil.copy(OPTIONS_PROTO, root / "pii" / "v1" / "pii.proto")
    google_type = Path(__import__("google.type", fromlist=["_"]).__path__[0])
    (root / "google" / "type").mkdir(parents=True, exist_ok=True)
    for name in ("date.proto", "latlng.proto", "money.proto", "postal_address.proto"):
        shutil.copy(google_type / name, root / "google" / "type" / name)
    (root / "buf.yaml").write_text("version: v2\n")
    for module_path, text in files.items():
        target = root / module_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    buf = shutil.which("buf")
    assert buf is not None, "buf must be on PATH (the venv's buf-bin)"
    return subprocess.run([buf, "build", str(root)], capture_output=True, text=True, check=False)
