"""Atomic file writes for the gate's outputs: a reader never sees a half-written file.

The implementation is `pii_detector.fileio`, the lower layer both packages may use.
"""

from pii_detector.fileio import atomic_write_bytes, atomic_write_text

__all__ = ["atomic_write_bytes", "atomic_write_text"]
