"""How every command reads its FILEs: ``--max-line-bytes`` and ``--lenient``, one capture
loaded, or the numbered lines of an open source."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from bpflogs.commands.output import error
from bpflogs.read import DEFAULT_MAX_LINE

if TYPE_CHECKING:
    from bpflogs.model.capture import Capture
    from bpflogs.parse.cache import ParseCache
    from bpflogs.read import Source

__all__ = ["add_max_line", "at_least", "load", "source_lines"]


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than ``minimum``."""

    def number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more")
        return value

    return number


def add_max_line(parser: argparse.ArgumentParser) -> None:
    """``--max-line-bytes`` and ``--lenient``: how every command reads its files."""
    parser.add_argument(
        "--max-line-bytes",
        type=at_least(1),
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
