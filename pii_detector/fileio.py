"""Safe output writes: a reader never sees a half-written file, and what sits at the output
path is never destroyed.

* A regular file (or a new path): a temporary file in the target's directory, fsync,
  `os.replace`, so readers see the old or the new file only.
* A symlink: written through. The link is resolved and its final target is written
  atomically as above; the link itself stays (as `>` in a shell keeps it).
* A special file (character or block device, FIFO, socket): written through, opened and
  written directly. Renaming over it would replace `/dev/null` with a regular file, which
  breaks every later program on the machine that writes there.

Every failure is an `OutputError`: one line naming the path and the reason, for the
command line to print as is.

It lives here, in the lower layer, so that pii_detector (which must not depend on the
gate) and the gate (`compat_checker.io`) share one implementation.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


class OutputError(OSError):
    """An output could not be written; str() is one line naming the path."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_NEW_FILE_MODE = 0o666 & ~_umask()


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _final_target(target: Path) -> Path:
    """Where the bytes go: the path itself, or the end of its symlink chain."""
    if not target.is_symlink():
        return target
    try:
        return Path(os.path.realpath(target, strict=True))
    except FileNotFoundError:
        # A dangling link: write the file it names, as a shell redirection would.
        return Path(os.path.realpath(target))
    except OSError as exc:  # a symlink loop
        raise OutputError(f"cannot write {target}: {_reason(exc)}") from None


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    requested = Path(path)
    target = _final_target(requested)
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputError(f"cannot write {requested}: {_reason(exc)}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(f"cannot write {requested}: it is a directory")
    if mode is not None and not stat.S_ISREG(mode):
        _write_through(requested, target, data)
        return
    try:
        _replace_atomically(target, data)
    except OSError as exc:
        raise OutputError(f"cannot write {requested}: {_reason(exc)}") from None


def _write_through(requested: Path, target: Path, data: bytes) -> None:
    """A device or FIFO: open it and write, never create or rename anything."""
    try:
        fd = os.open(target, os.O_WRONLY)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise OutputError(f"cannot write {requested}: {_reason(exc)}") from None


def _replace_atomically(target: Path, data: bytes) -> None:
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


class SourceError(OSError):
    """A source file could not be read as text; str() is one line naming the path."""


_BOM = "\ufeff"


class SourceText:
    """A .proto file's text as the parser wants it (no BOM, `\\n` line ends), and how to
    give an edited version back the file's own byte-order mark and line endings, so an
    annotated file changes only where annotations were added."""

    def __init__(self, raw: str) -> None:
        self.bom = raw.startswith(_BOM)
        body = raw[len(_BOM) :] if self.bom else raw
        self.newline = "\r\n" if "\r\n" in body else "\n"
        self.text = body.replace("\r\n", "\n") if self.newline == "\r\n" else body

    def restore(self, edited: str) -> str:
        text = edited.replace("\n", self.newline) if self.newline != "\n" else edited
        return (_BOM if self.bom else "") + text


def read_source(path: Path, shown: str | None = None) -> SourceText:
    """The file at ``path`` as UTF-8 text; a file that is not UTF-8 or cannot be read is a
    `SourceError` naming it (``shown``) and the first bad byte."""
    name = shown or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{name}: cannot read: {_reason(exc)}") from None
    try:
        return SourceText(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{name}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            ".proto files are read as UTF-8, as protoc and buf read them"
        ) from None
