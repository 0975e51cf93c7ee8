"""The one exception type for bad input: the CLI prints its message and exits with code 2."""

from __future__ import annotations


class ModeguardError(ValueError):
    """A user-facing error: the message names the problem and the fix, on one line."""
