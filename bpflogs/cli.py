"""The ``bpflogs`` command: argument parsing and exit codes, nothing more.

Each subcommand lives in ``bpflogs.commands.NAME`` (``register`` + ``run``). Exit codes
follow diff(1): 0 fine, 1 differences (or problems found), 2 trouble: unreadable input or
bad arguments. Errors are one line on stderr, ``bpflogs: FILE:LINE:COL: message``; never
a traceback. Output that cannot be written is trouble too (``<stdout>: cannot write: ...``);
output whose reader went away (``| head``) ends the process by SIGPIPE, as diff(1)'s does.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import io
import os
import signal
import sys
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import Any, NoReturn, TextIO, cast

import bpflogs
from bpflogs.commands import COMMANDS, EXIT_TROUBLE
from bpflogs.errors import BpflogsError, OutputError

__all__ = ["main"]


def _modules() -> list[ModuleType]:
    return [importlib.import_module(f"bpflogs.commands.{name}") for name in COMMANDS]


class _Parser(argparse.ArgumentParser):
    """argparse, whose error messages show arguments inert: ``unrecognized arguments: NAME``
    repeats a file name as given, escapes and all. (Subcommand parsers are of this class too.)"""

    def error(self, message: str) -> NoReturn:
        from bpflogs.render.inert import inert

        super().error(inert(message))


def _parser(modules: list[ModuleType]) -> argparse.ArgumentParser:
    top = _Parser(
        prog="bpflogs",
        description="Read strace bpf() logs and bpftool xlated dumps into typed, lossless data; "
        "compare two runs; check a capture.",
        epilog="Run 'bpflogs COMMAND --help' for a command's options.",
    )
    top.add_argument("--version", action="version", version=f"bpflogs {bpflogs.__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in modules:
        module.register(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Standard output is written through ``_Output``: a write that fails (a full disk, an
    I/O error) is ``bpflogs: <stdout>: cannot write: REASON`` and exit 2; a reader that went
    away (``bpflogs diff a b | head``) ends the process by SIGPIPE, as diff(1) does, so a
    cut-short output never exits 0. Both hold for every command and format, and for what is
    still buffered when the command is done (flushed here, not at interpreter exit).
    """
    real = sys.stdout
    guarded = _Output(_buffered(real))
    sys.stdout = cast(TextIO, guarded)
    try:
        try:
            status = _command(argv)
        except SystemExit:  # argparse: --help, --version, a usage error
            guarded.flush()
            raise
        guarded.flush()
        return status
    except BrokenPipeError:
        return _reader_gone(real)
    except OutputError as exc:
        _discard(real)
        from bpflogs.commands.parse import error

        error(str(exc))
        return EXIT_TROUBLE
    finally:
        sys.stdout = real
        guarded.release(real)


def _command(argv: Sequence[str] | None) -> int:
    modules = _modules()
    args = _parser(modules).parse_args(argv)
    from bpflogs.commands.parse import error

    named = [*getattr(args, "files", ()), *(getattr(args, side, None) for side in "ab")]
    if named.count("-") > 1 and args.command != "diff":  # diff has its own message for it
        error("only one FILE can be '-' (stdin)")
        return EXIT_TROUBLE
    if "-" in named and sys.stdin is None:  # started with stdin closed (<&-)
        error("<stdin>: cannot read: standard input is closed")
        return EXIT_TROUBLE
    try:
        for module in modules:
            if args.command == module.NAME:
                status: int = module.run(args)
                return status
    except KeyboardInterrupt:
        return 130
    except (BrokenPipeError, OutputError):
        raise  # main's: the output, not the command, failed
    except BpflogsError as exc:
        error(str(exc))
        return EXIT_TROUBLE
    except Exception as exc:  # a bug of ours: one line, not a traceback (BPFLOGS_DEBUG=1 shows it)
        if os.environ.get("BPFLOGS_DEBUG"):
            raise
        error(f"internal error: {type(exc).__name__}: {exc} (a bug in bpflogs: please report it)")
        return EXIT_TROUBLE
    return EXIT_TROUBLE


class _Output:
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
        """Flush and let go of a layer ``_buffered`` put over ``original``'s descriptor,
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


def _buffered(stream: TextIO | None) -> TextIO | None:
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


def _discard(stream: TextIO | None) -> None:
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


def _reader_gone(stream: TextIO | None) -> int:
    """The reader of standard output went away: die of SIGPIPE, as diff(1) and grep(1) do
    (the shell sees 141; under ``set -o pipefail`` the pipeline fails). Where there is no
    SIGPIPE, or stdout is no descriptor (a caller's stream), the status a shell would show."""
    _discard(stream)
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


if __name__ == "__main__":
    raise SystemExit(main())
