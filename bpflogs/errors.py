"""The errors bpflogs raises: each names the file, line and column it is about."""

from __future__ import annotations

__all__ = ["BpflogsError", "InputError", "NothingInCommon", "NothingToCompare", "OutputError", "ParseError"]


class BpflogsError(Exception):
    """Base class: ``str(err)`` is one line, ``FILE:LINE:COL: message``."""

    def __init__(
        self, message: str, path: str | None = None, line: int | None = None, column: int | None = None
    ):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = [str(p) for p in (self.path, self.line, self.column) if p is not None]
        return ": ".join([":".join(where), self.message]) if where else self.message


class InputError(BpflogsError):
    """The input cannot be read as a log at all (missing, binary, damaged archive, endless line)."""


class NothingToCompare(InputError):
    """A file that holds text but no bpf() call and no dumped program: a diff would compare
    nothing. ``looks_like`` says what the text seems to be (None: nothing bpflogs knows)."""

    def __init__(self, message: str, path: str | None = None, looks_like: str | None = None):
        super().__init__(message, path)
        self.looks_like = looks_like


class NothingInCommon(BpflogsError):
    """Two captures that hold no part in common (bpf() calls on one side, dumped programs
    on the other): a diff would compare nothing and could only list everything."""


class ParseError(BpflogsError):
    """A line did not parse and the caller asked for strictness."""

    def __init__(
        self,
        message: str,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        text: str | None = None,
    ):
        super().__init__(message, path, line, column)
        self.text = text


class OutputError(Exception):
    """Standard output cannot be written (a full disk, an I/O error, a closed descriptor).

    Not a ``BpflogsError``: those are about an input, and code that reports a bad input
    and goes on must not take a failing output for one. ``str(err)`` is one line,
    ``<stdout>: cannot write: No space left on device``.
    """

    def __init__(self, reason: str, stream: str = "<stdout>"):
        super().__init__(f"{stream}: cannot write: {reason}")
        self.reason = reason
        self.stream = stream
