"""The entry points: a path, a file object or a string in, a Capture out."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from bpflogs.errors import InputError, ParseError
from bpflogs.gcpause import cycle_collector_paused
from bpflogs.model.capture import Capture
from bpflogs.model.records import Unparsed
from bpflogs.objects import replay
from bpflogs.parse.cache import ParseCache
from bpflogs.parse.capture import CaptureStream
from bpflogs.read import DEFAULT_MAX_LINE, open_source

__all__ = ["parse_file", "parse_lines", "parse_text"]


def parse_lines(
    lines: Iterable[tuple[int, str]],
    name: str = "<lines>",
    strict: bool = False,
    cache: ParseCache | None = None,
) -> Capture:
    """A Capture from numbered lines (1-based number, text without its line ending).

    strace output, xlated dumps (text or bpftool JSON) and captures holding both are
    recognised line by line. ``cache`` shares what was parsed with other parses (see ParseCache).
    """
    stream = CaptureStream(lines, name, cache=cache)
    with cycle_collector_paused():
        try:
            records = list(stream)
        except InputError as exc:
            if exc.path is None:
                exc.path = name
            raise
        programs = stream.programs
        if strict:
            bad = next((r for r in records if isinstance(r, Unparsed)), None)
            if bad is not None:
                raise ParseError(bad.message, name, bad.line, bad.column, bad.text)
        return Capture.build(name, records, replay(records), stream.lines, programs, stream.bom)


def parse_file(
    source: str | Path | BinaryIO,
    *,
    strict: bool = False,
    max_line: int = DEFAULT_MAX_LINE,
    cache: ParseCache | None = None,
) -> Capture:
    """Read a capture from a path, ``"-"`` (stdin) or a binary file object; gzip/xz are opened.

    Every line becomes a record; a line that does not parse is an ``Unparsed`` record,
    or, with ``strict``, a ``ParseError`` naming file, line and column. Unreadable
    input raises ``InputError``.
    """
    with open_source(source, max_line) as src:
        return parse_lines(src.lines(), src.name, strict, cache)


def parse_text(
    text: str, *, name: str = "<text>", strict: bool = False, cache: ParseCache | None = None
) -> Capture:
    """Read a capture from a string (lines split on ``\\n``; a ``\\r`` before it is dropped)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return parse_lines(
        ((i, line[:-1] if line.endswith("\r") else line) for i, line in enumerate(lines, 1)),
        name,
        strict,
        cache,
    )
