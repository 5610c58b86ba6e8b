"""``bpflogs diff``: what changed between two captures, with diff(1)'s exit codes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bpflogs.commands import EXIT_DIFFERENT, EXIT_OK, EXIT_TROUBLE
from bpflogs.commands.inputs import add_max_line, at_least, load
from bpflogs.commands.output import error

if TYPE_CHECKING:
    from rich.console import Console

    from bpflogs.compare.result import DiffResult

NAME = "diff"
FORMATS = ("rich", "text", "json", "markdown")


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Compare two captures of the same thing (strace logs, xlated dumps, or captures "
        "holding both; '-' is stdin, .gz/.xz are read). bpf() calls pair by command and "
        "identity and compare attribute by attribute, fds by the objects they name; dumped "
        "programs pair by name and align instruction by instruction. Volatile differences "
        "(pointers, fds, ids, helper addresses, timestamps, pids, ...) are hidden and counted. "
        "Exit 0 no semantic difference, 1 differences, 2 trouble."
    )
    parser.add_argument("a", metavar="A", help="the first capture ('-' for stdin)")
    parser.add_argument("b", metavar="B", help="the second capture")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="output format (default: rich on a terminal, text otherwise)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="show (and count as differences) what the rules hide; a line that does not parse is trouble",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="PATH_GLOB",
        help="hide attributes whose path matches, e.g. 'BPF_PROG_LOAD.log_*' or 'max_entries' (repeatable)",
    )
    parser.add_argument("--side-by-side", action="store_true", help="instructions of a and b in two columns")
    parser.add_argument(
        "--context", type=at_least(0), default=3, metavar="N", help="equal instructions around a change (3)"
    )
    parser.add_argument(
        "--all", action="store_true", dest="all_rows", help="list every call and instruction, equal ones too"
    )
    parser.add_argument(
        "--jobs", "-j", type=at_least(1), default=None, metavar="N",
        help="two directories: compare N file pairs at once (default: one per usable CPU)",
    )
    add_max_line(parser)


def run(args: argparse.Namespace) -> int:
    from bpflogs.gcpause import cycle_collector_paused

    with cycle_collector_paused():  # whole captures in memory, no cycles among them
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from bpflogs.compare import DiffOptions
    from bpflogs.compare.capture import diff_captures
    from bpflogs.errors import BpflogsError
    from bpflogs.parse.cache import ParseCache

    if args.a == "-" and args.b == "-":
        error("only one side can be '-' (stdin)")
        return EXIT_TROUBLE
    dirs = Path(args.a).is_dir(), Path(args.b).is_dir()
    if all(dirs):
        from bpflogs.commands.dirs import run_dirs

        return run_dirs(Path(args.a), Path(args.b), args)
    if any(dirs):
        folder = args.a if dirs[0] else args.b
        error(f"{folder}: a directory against a file: give two files or two directories")
        return EXIT_TROUBLE
    captures = []
    cache = ParseCache()  # both sides': what they share is parsed once, and compared by identity
    for name in (args.a, args.b):
        try:
            captures.append(load(name, args, strict=args.strict, cache=cache))
        except BpflogsError as exc:
            error(str(exc))
            return EXIT_TROUBLE
    options = DiffOptions(strict=args.strict, ignore=tuple(args.ignore))
    result = diff_captures(captures[0], captures[1], options)
    from bpflogs.commands.output import output_console

    console = output_console(highlight=False, emoji=False, markup=False)
    fmt, width = report_format(args, console)
    write_report(result, args, fmt, width, sys.stdout, console)
    return EXIT_OK if result.equal else EXIT_DIFFERENT


def report_format(args: argparse.Namespace, console: Console) -> tuple[str, int]:
    """The format of a pair's report and its width: ``--format``, else rich on a terminal and
    plain text otherwise; the terminal's width, else 160 columns."""
    if args.format == "json":
        return "json", 160
    fmt = args.format or ("rich" if console.is_terminal else "text")
    return fmt, console.width if console.is_terminal else 160


def write_report(result: DiffResult, args: argparse.Namespace, fmt: str, width: int, out: TextIO,
                 console: Console | None = None) -> None:  # fmt: skip
    """One pair's report in ``fmt`` ("json", "rich", "markdown", "text") to ``out``; rich
    prints to ``console`` (which writes to ``out``)."""
    from bpflogs.compare import ViewOptions

    if fmt == "json":
        from bpflogs.render.diff_json import write_diff_json

        write_diff_json(result, out, all_rows=args.all_rows)
        return
    view = ViewOptions(
        context=args.context, side_by_side=args.side_by_side, all_rows=args.all_rows, width=width
    )
    if fmt == "rich":
        from bpflogs.render.diff_rich import print_rich

        assert console is not None, "a rich report needs its console"
        print_rich(result, console, view)
    elif fmt == "markdown":
        from bpflogs.render.diff_markdown import write_markdown

        write_markdown(result, out, view)
    else:
        from bpflogs.render.diff_text import write_text

        write_text(result, out, view)
