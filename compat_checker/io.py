"""Safe writes for the gate's outputs: atomic for files, written through for symlinks and
devices, one-line `OutputError` on failure.

The implementation is `pii_detector.fileio`, the lower layer both packages may use.
"""

from pii_detector.fileio import OutputError, atomic_write_bytes, atomic_write_text

__all__ = ["OutputError", "atomic_write_bytes", "atomic_write_text"]
