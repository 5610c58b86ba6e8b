"""The ``bpflogs`` command: argument parsing and exit codes, nothing more.

Each subcommand lives in ``bpflogs.commands.NAME`` (``register`` + ``run``), imported only
when that command runs or its ``--help`` is asked for: ``bpflogs --version`` and
``bpflogs --help`` import none of them, nor the library. Exit codes
follow diff(1): 0 fine, 1 differences (or problems found), 2 trouble: unreadable input or
bad arguments. Errors are one line on stderr, ``bpflogs: FILE:LINE:COL: message``; never
a traceback. Output that cannot be written is trouble too (``<stdout>: cannot write: ...``);
output whose reader went away (``| head``) ends the process by SIGPIPE, as diff(1)'s does.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn, TextIO, cast

from bpflogs.commands import COMMANDS, EXIT_TROUBLE
from bpflogs.commands.output import Output, buffered, discard, error, reader_gone
from bpflogs.errors import BpflogsError, OutputError
from bpflogs.version import __version__

__all__ = ["main"]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"bpflogs.commands.{name}")


def _named(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names: its first word that is no option (the top parser's
    options, ``-h`` and ``--version``, take no value)."""
    for word in argv:
        if word != "--" and not word.startswith("-"):
            return word
    return None


class _Parser(argparse.ArgumentParser):
    """argparse, whose error messages show arguments inert: ``unrecognized arguments: NAME``
    repeats a file name as given, escapes and all. (Subcommand parsers are of this class too.)"""

    def error(self, message: str) -> NoReturn:
        from bpflogs.render.inert import inert

        super().error(inert(message))


def _parser(command: str | None) -> argparse.ArgumentParser:
    """The top parser, each subcommand listed; the arguments only of ``command``'s (the one
    that will parse: the others are never asked)."""
    top = _Parser(
        prog="bpflogs",
        description="Read strace bpf() logs and bpftool xlated dumps into typed, lossless data; "
        "compare two runs; check a capture.",
        epilog="Run 'bpflogs COMMAND --help' for a command's options.",
    )
    top.add_argument("--version", action="version", version=f"bpflogs {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_line in COMMANDS.items():
        parser = sub.add_parser(name, help=help_line)
        if name == command:
            _module(name).register(parser)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Standard output is written through ``commands.output.Output``: a write that fails (a full disk, an
    I/O error) is ``bpflogs: <stdout>: cannot write: REASON`` and exit 2; a reader that went
    away (``bpflogs diff a b | head``) ends the process by SIGPIPE, as diff(1) does, so a
    cut-short output never exits 0. Both hold for every command and format, and for what is
    still buffered when the command is done (flushed here, not at interpreter exit).
    """
    real = sys.stdout
    guarded = Output(buffered(real))
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
        return reader_gone(real)
    except OutputError as exc:
        discard(real)
        error(str(exc))
        return EXIT_TROUBLE
    finally:
        sys.stdout = real
        guarded.release(real)


def _command(argv: Sequence[str] | None) -> int:
    words = sys.argv[1:] if argv is None else argv
    args = _parser(_named(words)).parse_args(words)
    named = [*getattr(args, "files", ()), *(getattr(args, side, None) for side in "ab")]
    if named.count("-") > 1 and args.command != "diff":  # diff has its own message for it
        error("only one FILE can be '-' (stdin)")
        return EXIT_TROUBLE
    if "-" in named and sys.stdin is None:  # started with stdin closed (<&-)
        error("<stdin>: cannot read: standard input is closed")
        return EXIT_TROUBLE
    try:
        status: int = _module(args.command).run(args)
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


if __name__ == "__main__":
    raise SystemExit(main())
