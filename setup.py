"""Ship the top-level data directories inside the wheel.

`prompts/` and `proto/` sit beside the packages so a checkout (and an editable install)
reads them in place; a regular install (the GitHub Action's `pip install <action path>`)
has no checkout, so the build copies them to `compat_checker/_assets/`, where
`compat_checker.resources.asset_dir` looks second.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ASSET_DIRS = ("prompts", "proto")


class BuildPyWithAssets(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        root = Path(__file__).resolve().parent
        for name in ASSET_DIRS:
            target = Path(self.build_lib) / "compat_checker" / "_assets" / name
            shutil.copytree(root / name, target, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithAssets})
