"""Shared helpers for the example API, printer and scenario tests: the real buf binary on
temp copies of proto/ (never the network). Not a conftest.py: other test folders have one."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

REPO = Path(__file__).resolve().parents[2]
PROTO = REPO / "proto"
DATA = Path(__file__).resolve().parent / "data"


def buf_binary() -> str:
    found = shutil.which("buf")
    if found is None:
        pytest.fail("the buf binary is not on PATH (install the buf-bin package)")
    return found


def run_buf(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [buf_binary(), *map(str, args)], cwd=cwd, capture_output=True, text=True, check=False
    )


def copy_proto(tmp_path: Path, name: str = "proto") -> Path:
    """A copy of the bundled proto/ module (without the PII examples someone else owns)."""
    target = tmp_path / name
    shutil.copytree(PROTO, target, ignore=shutil.ignore_patterns("examples"))
    return target


def build_descriptors(
    module: Path, *paths: str, source_info: bool = False
) -> dict[str, descriptor_pb2.FileDescriptorProto]:
    """`buf build` the module (only ``paths`` if given) into file descriptors by name."""
    out = module.parent / f"{module.name}.binpb"
    args: list[str | Path] = [
        "build",
        module,
        "--as-file-descriptor-set",
        "-o",
        out,
    ]
    if not source_info:
        args.append("--exclude-source-info")
    for path in paths:
        args += ["--path", module / path]
    result = run_buf(*args)
    assert result.returncode == 0, result.stderr
    descriptor_set = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    return {file.name: file for file in descriptor_set.file}


def breaking_rules(head: Path, base: Path) -> set[str]:
    """The buf breaking rule IDs (buf.yaml's `breaking` config) that fire from base to head."""
    result = run_buf("breaking", head, "--against", base, "--error-format", "json")
    assert result.returncode in (0, 100), result.stderr
    return {json.loads(line)["type"] for line in result.stdout.splitlines() if line.strip()}
