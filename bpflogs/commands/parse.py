"""``bpflogs parse``: read captures and show what they hold."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from bpflogs.commands import EXIT_DIFFERENT, EXIT_OK, EXIT_TROUBLE
from bpflogs.commands.inputs import add_max_line, load, source_lines
from bpflogs.commands.output import error

if TYPE_CHECKING:
    from bpflogs.api import RecordStream
    from bpflogs.model.capture import Capture

NAME = "parse"


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Read strace logs, bpftool xlated dumps (text or JSON) or captures holding both "
        "('-' is stdin; .gz and .xz are read transparently). Shows a table of the bpf() "
        "calls with the objects their fds name, and for each dumped program its functions, "
        "calls, maps and source lines; --json writes everything as one document. Exit 0 when "
        "read, 1 with --strict if a line did not parse, 2 on unreadable input."
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="strace log or xlated dump; '-' for stdin")
    parser.add_argument("--json", action="store_true", help="write every record as one JSON document")
    parser.add_argument(
        "--strict", action="store_true", help="report each line that does not parse and exit 1 if any"
    )
    add_max_line(parser)


def run(args: argparse.Namespace) -> int:
    if args.json:  # streamed with the cycle collector running: the memory stays what it was
        return _run_json(args)
    from bpflogs.gcpause import cycle_collector_paused

    with cycle_collector_paused():  # whole captures in memory, no cycles among them
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from rich.text import Text

    from bpflogs.commands.output import output_console
    from bpflogs.errors import BpflogsError
    from bpflogs.render.inert import inert

    captures: list[Capture] = []
    status = EXIT_OK
    from bpflogs.parse.cache import ParseCache

    cache = ParseCache()  # the files' common texts parsed once
    for name in args.files:
        try:
            captures.append(load(name, args, cache=cache))
        except BpflogsError as exc:
            error(str(exc))
            status = EXIT_TROUBLE
    from bpflogs.render.calls import print_capture
    from bpflogs.render.programs import print_program

    console = output_console(highlight=False, emoji=False)
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
                error(f"{capture.name}:{bad.line}:{bad.column}: {bad.message}")
                if status == EXIT_OK:
                    status = EXIT_DIFFERENT
    return status


def _run_json(args: argparse.Namespace) -> int:
    """``--json``: each file read as a stream, each record written as soon as it is whole."""
    from bpflogs.api import stream_lines
    from bpflogs.errors import BpflogsError
    from bpflogs.model.records import Unparsed
    from bpflogs.read import open_source
    from bpflogs.render.json import write_parse_json_streams

    status = EXIT_OK

    def trouble(exc: BpflogsError) -> None:
        nonlocal status
        error(str(exc))
        status = EXIT_TROUBLE

    def unparsed(name: str, bad: Unparsed) -> None:
        nonlocal status
        if args.strict:
            error(f"{name}:{bad.line}:{bad.column}: {bad.message}")
            if status == EXIT_OK:
                status = EXIT_DIFFERENT

    def streams() -> Iterator[RecordStream]:
        for name in args.files:
            try:
                with open_source(name, args.max_line_bytes) as src:
                    yield stream_lines(source_lines(src, args), src.name)
            except BpflogsError as exc:  # the file could not be opened, or read further
                trouble(exc)

    write_parse_json_streams(streams(), sys.stdout, trouble, unparsed)
    return status
