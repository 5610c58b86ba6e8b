"""The entry points: a path, a file object or a string in, a Capture (or a stream of its
records) out; and two captures compared.

The library leaves Python's cycle collector alone; pausing it while a big capture is read
(``bpflogs.gcpause.cycle_collector_paused``) is the caller's choice, as the command line makes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from bpflogs.errors import BpflogsError, InputError, ParseError
from bpflogs.model.capture import BpfObject, Capture
from bpflogs.model.insn import Program
from bpflogs.model.records import CallEnd, Resumed, Syscall, Unparsed
from bpflogs.objects import Replay, replay
from bpflogs.parse.cache import ParseCache
from bpflogs.parse.capture import AnyRecord, CaptureStream
from bpflogs.read import DEFAULT_MAX_LINE, open_source

if TYPE_CHECKING:
    from bpflogs.compare.result import DiffResult
    from bpflogs.parse.lenient import LenientReport

__all__ = [
    "RecordStream",
    "StreamedRecord",
    "diff",
    "parse_file",
    "parse_file_lenient",
    "parse_lines",
    "parse_text",
    "stream_file",
    "stream_lines",
]

# a record as a stream gives it out: the record, what its fd fields named (field path ->
# object; None for a record that is no bpf() call), the object its returned fd created
StreamedRecord = tuple[AnyRecord, Mapping[str, BpfObject] | None, BpfObject | None]


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


def parse_file_lenient(
    source: str | Path | BinaryIO, *, strict: bool = False, max_line: int = DEFAULT_MAX_LINE
) -> tuple[Capture, LenientReport]:
    """``parse_file`` after ``bpflogs.parse.lenient.unmangle`` (mail quoting, journald prefixes,
    Markdown, prompts and wrapping undone): the capture, whose records render back to the
    unquoted text, and the report of what was stripped."""
    from bpflogs.parse.lenient import unmangle

    with open_source(source, max_line) as src:
        lines, report = unmangle(src.lines())
        return parse_lines(lines, src.name, strict), report


class RecordStream:
    """A capture read as a stream: iterate once for its records in line order, each given out
    as soon as it is whole (see ``CaptureStream``) and then forgotten, so memory does not grow
    with the log.

    Each item is a ``StreamedRecord``: ``(record, objects, created)``; for a bpf() call (or a
    late ``<... resumed>`` line carrying one) ``objects`` maps its fd fields to the objects
    they named and ``created`` is the object its returned fd names, as ``capture.objects``
    resolves them for a capture read whole. Once iterated, ``lines``, ``objects`` (every
    object the calls made), ``programs`` (of its dumps) and ``bom`` hold what is known only
    at the end. A read that fails midway raises ``InputError`` naming the file.
    """

    def __init__(self, lines: Iterable[tuple[int, str]], name: str, cache: ParseCache | None = None) -> None:
        self.name = name
        self._replay = Replay()
        self._stream = CaptureStream(lines, name, on_complete=self._replay.feed, cache=cache)

    def __iter__(self) -> Iterator[StreamedRecord]:
        take = self._replay.take
        try:
            for rec in self._stream:
                if isinstance(rec, Syscall):
                    refs, created = take(rec)
                    yield rec, refs, None if rec.end is CallEnd.UNFINISHED else created
                elif isinstance(rec, Resumed) and isinstance(rec.call, Syscall):
                    yield (rec, *take(rec.call))
                else:
                    yield rec, None, None
        except BpflogsError as exc:
            if exc.path is None:
                exc.path = self.name
            raise

    @property
    def lines(self) -> int:
        """The number of lines read."""
        return self._stream.lines

    @property
    def objects(self) -> tuple[BpfObject, ...]:
        """The objects the calls made, in creation order."""
        return self._replay.objects

    @property
    def programs(self) -> list[Program]:
        """The programs of the capture's dumps, in line order."""
        return self._stream.programs

    @property
    def bom(self) -> bool:
        """The first line began with a byte order mark (left out of its record)."""
        return self._stream.bom


def stream_lines(
    lines: Iterable[tuple[int, str]], name: str = "<lines>", cache: ParseCache | None = None
) -> RecordStream:
    """The records of numbered lines as a stream (``parse_lines``, record by record)."""
    return RecordStream(lines, name, cache)


@contextmanager
def stream_file(
    source: str | Path | BinaryIO, *, max_line: int = DEFAULT_MAX_LINE, cache: ParseCache | None = None
) -> Iterator[RecordStream]:
    """A capture file read as a stream, open while the ``with`` block runs::

    with bpflogs.stream_file("big.txt") as stream:
        for record, objects, created in stream:
            ...
    """
    with open_source(source, max_line) as src:
        yield RecordStream(src.lines(), src.name, cache)


def diff(
    a: Capture | str | Path,
    b: Capture | str | Path,
    *,
    strict: bool = False,
    ignore: tuple[str, ...] | list[str] = (),
) -> DiffResult:
    """What differs between two captures (parsed ones, or paths read with ``parse_file``).

    ``strict`` lists the differences the rules would hide (pointers, fds, ids, times ...)
    and counts them; ``ignore`` hides attribute paths matching any of the globs
    (``"BPF_PROG_LOAD.log_*"``, ``"*.log_buf"``, ``"max_entries"``).
    """
    from bpflogs.compare import DiffOptions, diff_captures

    cache = ParseCache()  # both sides': what they share is parsed once, and compared by identity
    ca = a if isinstance(a, Capture) else parse_file(a, cache=cache)
    cb = b if isinstance(b, Capture) else parse_file(b, cache=cache)
    return diff_captures(ca, cb, DiffOptions(strict=strict, ignore=tuple(ignore)))
