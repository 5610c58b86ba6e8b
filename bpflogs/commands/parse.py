"""``bpflogs parse``: read captures and show what they hold."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from bpflogs.commands import EXIT_DIFFERENT, EXIT_OK, EXIT_TROUBLE
from bpflogs.read import DEFAULT_MAX_LINE, Source

if TYPE_CHECKING:
    from bpflogs.model.capture import Capture
    from bpflogs.parse.cache import ParseCache

NAME = "parse"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parse = sub.add_parser(
        NAME,
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
    add_max_line(parse)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def add_max_line(parser: argparse.ArgumentParser) -> None:
    """``--max-line-bytes`` and ``--lenient``: how every command reads its files."""
    parser.add_argument(
        "--max-line-bytes",
        type=_positive,
        default=DEFAULT_MAX_LINE,
        metavar="N",
        help=f"refuse lines longer than N bytes (default {DEFAULT_MAX_LINE})",
    )
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="undo mail quoting ('> '), journald prefixes, Markdown indentation and fences, shell "
        "prompts and line wrapping before parsing, and say on stderr what was stripped "
        "(records then render back to the unquoted text)",
    )


def load(
    name: str, args: argparse.Namespace, strict: bool = False, cache: ParseCache | None = None
) -> Capture:
    """Read one capture as the command's options say (``--max-line-bytes``, ``--lenient``);
    with ``--lenient``, what was stripped is said on stderr. ``cache``: shared with the
    other captures the command reads (their common texts parsed once)."""
    from bpflogs.api import parse_lines
    from bpflogs.read import open_source

    with open_source(name, args.max_line_bytes) as src:
        return parse_lines(source_lines(src, args), src.name, strict, cache)


def source_lines(src: Source, args: argparse.Namespace) -> Iterable[tuple[int, str]]:
    """The numbered lines of an open source; with ``--lenient`` unmangled, what was stripped
    said on stderr."""
    if not getattr(args, "lenient", False):
        return src.lines()
    from bpflogs.parse.lenient import unmangle

    lines, report = unmangle(src.lines())
    if report.changed:
        error(f"{src.name}: --lenient {report.describe()}")
    return lines


def error(message: str) -> None:
    """One line on stderr, control characters made visible."""
    from bpflogs.render.inert import inert

    print(f"bpflogs: {inert(message)}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from rich.text import Text

    from bpflogs.commands.output import output_console
    from bpflogs.errors import BpflogsError
    from bpflogs.render.inert import inert

    if args.json:
        return _run_json(args)
    captures: list[Capture] = []
    status = EXIT_OK
    for name in args.files:
        try:
            captures.append(load(name, args))
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

    def sources() -> Iterator[tuple[str, Iterable[tuple[int, str]]]]:
        for name in args.files:
            try:
                with open_source(name, args.max_line_bytes) as src:
                    yield src.name, source_lines(src, args)
            except BpflogsError as exc:  # the file could not be opened, or read further
                trouble(exc)

    write_parse_json_streams(sources(), sys.stdout, trouble, unparsed)
    return status
