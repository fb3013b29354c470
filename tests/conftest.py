"""Session-wide test setup.

The buf binary (from buf-bin) and the `protoguard` entry point live next to the
interpreter; CI runs `.venv/bin/python -m pytest` without activating the venv, so put
that directory first on PATH, as `compat_checker.buf` does when it looks for buf.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_BIN = str(Path(sys.executable).parent)
if os.environ.get("PATH", "").split(os.pathsep)[0] != _BIN:
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")
