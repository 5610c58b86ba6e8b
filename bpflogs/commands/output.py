"""Standard output while a command runs: a write that fails is ``OutputError``, a reader
that went away ends the process by SIGPIPE, as diff(1)'s does (never a status that looks
like an answer). And ``error``: a command's one line on standard error."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO

from bpflogs.errors import OutputError

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["Output", "buffered", "discard", "error", "output_console", "reader_gone"]


def error(message: str) -> None:
    """One line on stderr, ``bpflogs: MESSAGE``, control characters made visible."""
    from bpflogs.render.inert import inert

    print(f"bpflogs: {inert(message)}", file=sys.stderr)


class Output:
    """``sys.stdout`` while a command runs: the same stream, whose write errors are
    ``OutputError`` (``BrokenPipeError`` when the reader went away). Everything else
    (``isatty``, ``encoding``, ...) is the stream's own."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if self._stream is None:  # started with stdout closed (>&-)
            raise OutputError(os.strerror(errno.EBADF))
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(exc.strerror or str(exc)) from None

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(exc.strerror or str(exc)) from None

    def release(self, original: TextIO | None) -> None:
        """Flush and let go of a layer ``buffered`` put over ``original``'s descriptor,
        leaving the descriptor open."""
        if self._stream is None or self._stream is original:
            return
        with contextlib.suppress(OSError, ValueError):
            self._stream.flush()
        with contextlib.suppress(OSError, ValueError):
            self._stream.detach().detach()  # type: ignore[attr-defined]

    def isatty(self) -> bool:
        return self._stream is not None and self._stream.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def buffered(stream: TextIO | None) -> TextIO | None:
    """``stream``, with a buffer between it and its descriptor if it has none.

    With ``python -u`` or ``PYTHONUNBUFFERED`` the text layer writes to the descriptor at
    once and drops what a short write (a pipe whose reader left midway, a signal) did not
    take: the rest of the output is lost and the broken pipe goes unnoticed. A buffered
    writer writes every byte, or raises.
    """
    raw = getattr(stream, "buffer", None)
    if stream is None or not isinstance(raw, io.FileIO):
        return stream
    stream.flush()
    return io.TextIOWrapper(
        io.BufferedWriter(raw),
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=bool(stream.line_buffering or raw.isatty()),
    )


def discard(stream: TextIO | None) -> None:
    """Point the stream's descriptor at /dev/null: what is still buffered in it goes
    nowhere at exit instead of failing again (nothing to do for a stream without one)."""
    try:
        fd = stream.fileno() if stream is not None else -1
    except (OSError, ValueError, AttributeError):  # a caller's stream, not a descriptor
        return
    if fd < 0:
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def reader_gone(stream: TextIO | None) -> int:
    """The reader of standard output went away: die of SIGPIPE, as diff(1) and grep(1) do
    (the shell sees 141; under ``set -o pipefail`` the pipeline fails). Where there is no
    SIGPIPE, or stdout is no descriptor (a caller's stream), the status a shell would show."""
    discard(stream)
    status = 128 + 13
    sigpipe = getattr(signal, "SIGPIPE", None)
    if sigpipe is None or stream is None or not _has_fd(stream):
        return status
    sys.stderr.flush()
    signal.signal(sigpipe, signal.SIG_DFL)
    os.kill(os.getpid(), sigpipe)
    return status  # not reached: the signal ends the process


def _has_fd(stream: TextIO) -> bool:
    try:
        stream.fileno()
    except (OSError, ValueError, AttributeError):
        return False
    return True


def output_console(**options: Any) -> Console:
    """The rich console a command prints to standard output with.

    rich answers a reader that went away with ``SystemExit(1)``; here the
    ``BrokenPipeError`` goes on to ``bpflogs.cli``, which ends the process by SIGPIPE as
    for every other format (never an exit status that looks like an answer).
    """
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    return _Console(**options)
