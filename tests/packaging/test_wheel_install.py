"""A regular (non-editable) install works without the source checkout.

The GitHub Action runs `pip install <action path>`: the wheel must carry `proto/` and
`prompts/`, and everything that reads them must find them there. The wheel is built
offline (`--no-build-isolation`, with the venv's setuptools) and installed with
`--target` into a directory that is put first on `sys.path` of a child interpreter
running outside the checkout.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_NOT_IN_WHEEL = (".*", "build", "dist", "*.egg-info", "__pycache__", "tests", "results", "bench")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheels = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    # setuptools writes build/ and *.egg-info beside the sources: build from a copy.
    source = build / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*_NOT_IN_WHEEL))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(wheels), str(source)],
        check=True, cwd=build, capture_output=True,
    )  # fmt: skip
    (wheel,) = wheels.glob("protoguard-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "compat_checker/_assets/proto/pii/v1/pii.proto" in names
    assert any(n.startswith("compat_checker/_assets/prompts/compat_review.") for n in names)
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
         str(target), str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    return target


def _run(installed: Path, cwd: Path, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    # -I would drop PYTHONPATH; put the install first by hand and keep the checkout out.
    prelude = f"import sys; sys.path.insert(0, {str(installed)!r}); "
    return subprocess.run(
        [sys.executable, "-c", prelude + code, *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_assets_resolve_inside_the_installed_package(installed: Path, tmp_path: Path) -> None:
    code = (
        "import json, compat_checker; from compat_checker.resources import asset_dir; "
        "from compat_checker.llm.prompts import prompts_dir; "
        "print(json.dumps([compat_checker.__file__, str(asset_dir('proto')), "
        "str(asset_dir('prompts')), str(prompts_dir())]))"
    )
    result = _run(installed, tmp_path, code)
    assert result.returncode == 0, result.stderr
    package, proto, prompts, templates = json.loads(result.stdout)
    for path in (package, proto, prompts, templates):
        assert Path(path).is_relative_to(installed), path
    assert (Path(proto) / "acme" / "todo" / "v1").is_dir()


def test_demo_runs_from_the_installed_package(installed: Path, tmp_path: Path) -> None:
    code = "from compat_checker.cli import main; main()"
    result = _run(installed, tmp_path, code, "demo")
    assert result.returncode == 0, result.stdout + result.stderr
    verdict = json.loads((tmp_path / "results" / "verdict.json").read_text())
    assert verdict["can_deploy"] is False
