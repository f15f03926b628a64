"""Errors meant for the person at the keyboard, not for a traceback.

The CLI prints their message and exits with status 2; anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """Bad input or bad arguments, explained in one message that says what was expected."""


class DataError(UserFacingError):
    """A problem in a data file, located as precisely as the check allows."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        example: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.file, self.column, self.example, self.expected = file, column, example, expected
        parts = [p for p in (file, f"column {column}" if column else None) if p]
        where = ": ".join(parts)
        text = f"{where}: {message}" if where else message
        if example is not None:
            text += f" (example: {example})"
        if expected is not None:
            text += f"; expected {expected}"
        super().__init__(text)
