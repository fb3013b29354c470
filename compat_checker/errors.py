"""The one error type the CLI turns into a one-line message and exit code 2."""

from __future__ import annotations


class GateError(Exception):
    """A usage or tool error: bad ref, not a repository, unparsable proto, buf crashed.

    The message must be one line that tells the user what went wrong and, where possible,
    what to do about it.
    """

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.hint = hint
        super().__init__(message if not hint else f"{message} ({hint})")
