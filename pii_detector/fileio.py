"""Atomic file writes: a reader never sees a half-written output.

A temporary file in the target's directory, fsync, `os.replace`. It lives here, in the
lower layer, so that pii_detector (which must not depend on the gate) and the gate
(`compat_checker.io`) share one implementation.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_NEW_FILE_MODE = 0o666 & ~_umask()


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, _NEW_FILE_MODE)  # mkstemp makes 0600; outputs follow the umask like open()
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def atomic_write_text(path: Path | str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` so that readers see the old or the new file only."""
    atomic_write_bytes(path, text.encode("utf-8"))
