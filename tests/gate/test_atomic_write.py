"""Outputs are written atomically and get the permissions a plain open() would give."""

from __future__ import annotations

import os
from pathlib import Path

from compat_checker.io import atomic_write_text


def test_output_follows_the_umask_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "verdict.json"
    atomic_write_text(target, "{}\n")
    mask = os.umask(0)
    os.umask(mask)
    assert target.read_text() == "{}\n"
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
    assert [p.name for p in target.parent.iterdir()] == ["verdict.json"]
