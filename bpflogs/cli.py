"""The ``bpflogs`` command: argument parsing and exit codes, nothing more.

Exit codes: 0 read (and, with --strict, every line parsed); 1 with --strict when a
line did not parse; 2 unreadable input or bad arguments. Errors are one line on
stderr, ``bpflogs: FILE:LINE:COL: message``; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

import bpflogs
from bpflogs.api import parse_file
from bpflogs.errors import BpflogsError
from bpflogs.model.capture import Capture
from bpflogs.read import DEFAULT_MAX_LINE
from bpflogs.render.inert import inert

__all__ = ["main"]

EXIT_OK, EXIT_DIFFERENT, EXIT_TROUBLE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="bpflogs",
        description="Read strace bpf() logs into typed, lossless data.",
        epilog="Run 'bpflogs COMMAND --help' for a command's options.",
    )
    top.add_argument("--version", action="version", version=f"bpflogs {bpflogs.__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parse = sub.add_parser(
        "parse",
        help="read strace logs and xlated dumps and show what they hold",
        description=(
            "Read strace logs, bpftool xlated dumps (text or JSON) or captures holding both "
            "('-' is stdin; .gz and .xz are read transparently). Shows a table of the bpf() "
            "calls with the objects their fds name, and for each dumped program its functions, "
            "calls, maps and source lines; --json writes everything as one document. Exit 0 when "
            "read, 1 with --strict if a line did not parse, 2 on unreadable input."
        ),
    )
    parse.add_argument("files", nargs="+", metavar="FILE", help="strace log or xlated dump; '-' for stdin")
    parse.add_argument("--json", action="store_true", help="write every record as one JSON document")
    parse.add_argument(
        "--strict", action="store_true", help="report each line that does not parse and exit 1 if any"
    )
    parse.add_argument(
        "--max-line-bytes",
        type=int,
        default=DEFAULT_MAX_LINE,
        metavar="N",
        help=f"refuse lines longer than N bytes (default {DEFAULT_MAX_LINE})",
    )
    return top


def _error(message: str) -> None:
    print(f"bpflogs: {inert(message)}", file=sys.stderr)


def _parse(args: argparse.Namespace) -> int:
    captures: list[Capture] = []
    status = EXIT_OK
    for name in args.files:
        try:
            captures.append(parse_file(name, max_line=args.max_line_bytes))
        except BpflogsError as exc:
            _error(str(exc))
            status = EXIT_TROUBLE
    if args.json:
        from bpflogs.render.json import write_parse_json

        write_parse_json(captures, sys.stdout)
    else:
        from bpflogs.render.calls import print_capture
        from bpflogs.render.programs import print_program

        console = Console(highlight=False, emoji=False)
        if not console.is_terminal:
            console.width = 160  # files and pipes: no terminal width to fit
        for capture in captures:
            if capture.syscalls or not capture.programs:
                print_capture(capture, console)
            else:
                console.print(Text(inert(capture.name), style="bold underline"))
            for program in capture.programs:
                print_program(program, console)
    if args.strict:
        for capture in captures:
            for bad in capture.unparsed:
                _error(f"{capture.name}:{bad.line}:{bad.column}: {bad.message}")
                if status == EXIT_OK:
                    status = EXIT_DIFFERENT
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "parse":
            return _parse(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`): not an error of ours
        return EXIT_OK
    except BpflogsError as exc:
        _error(str(exc))
        return EXIT_TROUBLE
    return EXIT_TROUBLE


if __name__ == "__main__":
    raise SystemExit(main())
