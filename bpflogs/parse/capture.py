"""A whole capture file: strace output, xlated dumps (text or JSON), or both.

A capture may be ``cat strace.txt dump1.txt dump2.txt``, with ``$ bpftool prog dump
xlated ...`` command lines and ``# comment`` lines between the parts. Each line is
sorted to the part it belongs to by its shape; strace lines go through the strace
parser (which stitches unfinished calls across the whole log), each run of dump
lines becomes one or more programs. Every input line ends up in a record.
"""

from __future__ import annotations

import heapq
import itertools
import json
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace

from bpflogs.errors import InputError
from bpflogs.model import insn as m
from bpflogs.model import records as r
from bpflogs.model.capture import DumpRecord
from bpflogs.parse.cache import ParseCache
from bpflogs.parse.lines import WINDOW, LogicalLine, LogicalLines, Passing, stitch
from bpflogs.parse.programs import DumpReader
from bpflogs.parse.strace import parse_line
from bpflogs.parse.xlated_cache import XlatedCache
from bpflogs.parse.xlated_json import DumpShapeError, programs_from_json

__all__ = ["BOM", "AnyRecord", "CaptureStream"]

BOM = "\ufeff"  # a UTF-8 byte order mark, as the first line decodes it

AnyRecord = r.Record | DumpRecord

# The shape of each kind of dump line (grammars/xlated.lark, line kinds), for sorting a
# capture's lines into strace and dump parts. Written here, not built from the grammar's
# terminals: sorting must not load the xlated grammar for a capture with no dump in it, and
# a form is looser or stricter than its terminal on purpose. An instruction line is taken by
# its index and opcode (a broken one is the dump's to report, with any index: " *\d+" where
# INDEX reads no leading zeros); a function signature has no "=" and a program header has
# "  name " (FUNC_HEADER and PROG_REST read more), so that no strace line is taken for one.
# tests/test_strace_fastpath.py holds the source, opcode-bytes and opcode parts to the
# grammar's SOURCE, OPCODE_BYTES and OPCODE, and checks every dump line of the corpus sorts so.
DUMP_LINE_FORMS = {
    "insn_line": r"\s*\d+: (?:\([0-9a-f]{2}\) |BUG_)",
    "source_line": r"[ \t]*;",
    "opcodes_line": r"[ \t]+[0-9a-f]{2}(?: [0-9a-f]{2}){7}(?:(?: [0-9a-f]{2}){8})?[ \t]*$",
    "func_header": r"[A-Za-z_][^;=]*\(.*\):[ \t]*$",
    "prog_header": r"\d+: (?:type \d+|[a-z_0-9]+)  name ",
}
_XLATED = re.compile("|".join(DUMP_LINE_FORMS.values()))
# a line that can be part of a JSON document: JSON tokens only (a string cannot span lines)
_JSONISH = re.compile(
    r'\s*+(?:(?:"(?:[^"\\]|\\.)*+"|-?\d++(?:\.\d++)?+(?:[eE][+-]?+\d++)?+|true|false|null|[{}\[\],:])\s*+)*+$'
)
_DOT = re.compile(r'digraph "DOT graph for eBPF program"')
_COMMAND_TARGET = re.compile(r"\bprog\s+dump\s+xlated\s+(id|name|pinned|tag)\s+(\S+)")


def _dump_name(command: str) -> str | None:
    """The program a ``bpftool prog dump xlated`` command line names."""
    found = _COMMAND_TARGET.search(command)
    if found is None:
        return None
    kind, value = found.groups()
    if kind == "name":
        return value
    if kind == "pinned":
        return value.rstrip("/").rsplit("/", 1)[-1]
    return f"{kind}:{value}"


def _json_lines(
    lines: Sequence[tuple[int, str]], name: str | None, cache: XlatedCache
) -> tuple[list[AnyRecord], list[m.Program]]:
    text = "\n".join(t for _, t in lines)
    doc = json.loads(text)
    first = lines[0][0]
    if isinstance(doc, dict) and "error" in doc:
        raise InputError(f"bpftool reported an error instead of a dump: {doc['error']}", None, first)
    programs = programs_from_json(doc, first, name, cache)
    return [r.JsonLine(n, (n,), t) for n, t in lines], programs


def _whole_json(
    lines: Sequence[tuple[int, str]], cache: XlatedCache
) -> tuple[list[AnyRecord], list[m.Program]] | None:
    head = next((t.lstrip() for _, t in lines if t.strip()), "")
    if not head.startswith(("[", "{")) or head.startswith("[pid"):
        return None
    try:
        return _json_lines(lines, None, cache)
    except (ValueError, DumpShapeError, RecursionError):
        return None  # not JSON after all (or not a dump, or nested past reading): line by line


class CaptureStream:
    """The records of a capture in line order, given out as the lines are read.

    Iterate once; then ``programs`` holds the programs of its dumps and ``lines`` the number
    of lines read. A record is given out once nothing older can come any more: an
    unfinished call holds back what follows it until its resumed half is read, for at most
    ``window`` lines (then it is given out unfinished, and its resumed line names it); a
    dump's records come when the dump ends. A file that is one bpftool JSON document is read
    whole; what only begins like one is read line by line from the first line that cannot be
    JSON. A UTF-8 byte order mark before the first line is left out (``bom`` says so).
    """

    def __init__(
        self,
        numbered: Iterable[tuple[int, str]],
        name: str,
        on_complete: Callable[[AnyRecord], None] | None = None,
        window: int = WINDOW,
        cache: ParseCache | None = None,
    ) -> None:
        self.name = name
        self.cache = ParseCache() if cache is None else cache  # this parse's memo tables
        self._window = window  # lines an unfinished call is held open (bpflogs.parse.lines.WINDOW)
        self._on_complete = on_complete  # told of each strace record in the order calls completed
        self.programs: list[m.Program] = []
        self.lines = 0
        self.bom = False  # the first line began with a byte order mark (left out of its record)
        self._numbered = numbered
        # records waiting to be given out: those that came in line order in a queue, the
        # others (a stitched call completes after lines that follow it) in a heap
        self._queue: deque[AnyRecord] = deque()
        self._heap: list[tuple[int, int, AnyRecord]] = []  # (line, order, record)
        self._order = 0

    def _push(self, record: AnyRecord) -> None:
        if not self._queue or record.line > self._queue[-1].line:
            self._queue.append(record)
        else:
            heapq.heappush(self._heap, (record.line, self._order, record))
            self._order += 1

    def _push_all(self, records: Sequence[AnyRecord]) -> None:
        """Records in line order (a dump's) into the queue."""
        if records and (not self._queue or records[0].line > self._queue[-1].line):
            self._queue.extend(records)
        else:
            for record in records:
                self._push(record)

    def _ready(self, before: int | None) -> Iterator[AnyRecord]:
        """The waiting records of lines before ``before`` (None: all), in line order."""
        queue, heap = self._queue, self._heap
        if not heap and queue and (before is None or queue[-1].line < before):
            ready = list(queue)  # all of them (a dump's records come so, thousands at once)
            queue.clear()
            yield from ready
            return
        while queue or heap:
            from_heap = bool(heap) and (not queue or heap[0][0] < queue[0].line)
            line = heap[0][0] if from_heap else queue[0].line
            if before is not None and line >= before:
                return
            yield heapq.heappop(heap)[2] if from_heap else queue.popleft()

    def __iter__(self) -> Iterator[AnyRecord]:
        lines = self._after_bom(iter(self._numbered))
        for number, text in lines:  # the blank lines before the first that is not blank
            self.lines = number
            if text.strip():
                head = (number, text)
                break
            blank = r.Blank(number, (number,), text)
            if self._on_complete is not None:
                self._on_complete(blank)
            yield blank
        else:
            return
        first = head[1].lstrip()
        if first.startswith(("[", "{")) and not first.startswith("[pid"):
            document, rest = self._document(head, lines)
            if rest is None:
                whole = _whole_json(document, self.cache.xlated)
                if whole is not None:
                    records, self.programs = whole
                    yield from records
                    return
                lines = iter(document)
            else:
                lines = itertools.chain(document, rest)
        else:
            lines = itertools.chain((head,), lines)
        logical = LogicalLines(self._strace_lines(lines), self._window)
        queue, heap = self._queue, self._heap
        for item in logical:
            record = self._record(item) if isinstance(item, LogicalLine) else item
            if self._on_complete is not None:
                self._on_complete(record)
            oldest = logical.oldest_open()
            if oldest is None and not queue and not heap:
                yield record  # the common case: nothing waits, nothing is held back
                continue
            self._push(record)
            if oldest is None or (self._queue and self._queue[0].line < oldest) or self._heap:
                yield from self._ready(oldest)
        yield from self._ready(None)
        self.programs.sort(key=lambda p: p.line)

    def _after_bom(self, lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
        """The lines, a byte order mark at the start of the first left out (``bom`` says so)."""
        for number, text in lines:
            if text.startswith(BOM):
                self.bom = True
                text = text[len(BOM) :]
            yield number, text
            break
        yield from lines

    def _document(
        self, head: tuple[int, str], lines: Iterator[tuple[int, str]]
    ) -> tuple[list[tuple[int, str]], Iterator[tuple[int, str]] | None]:
        """The lines of what may be one JSON document, from ``head``: read to the end of the
        input (rest None), or up to the first line that cannot be part of one (then the
        lines from there)."""
        document = [head]
        for item in lines:
            self.lines = item[0]
            if not _JSONISH.match(item[1]):
                return document, itertools.chain((item,), lines)
            document.append(item)
        return document, None

    def _record(self, item: LogicalLine) -> r.Record:
        """The record of a logical line; a resumed line whose unfinished half was given out
        before (see ``WINDOW``) names that half and carries the call the two make."""
        record = parse_line(item, self.cache.strace)
        half = item.resumes
        if half is None or not isinstance(record, r.Resumed):
            return record
        call = parse_line(stitch(half, item), self.cache.strace)
        if isinstance(call, (r.Syscall, r.OtherSyscall)):
            return replace(record, resumes=half.lines[0], call=call)
        if isinstance(call, r.Unparsed):  # each half reads, the two together do not
            return r.Unparsed(
                record.line, record.lines, record.text,
                f"with the call of line {half.lines[0]} it resumes: {call.message}",
                parts=record.parts,
            )  # fmt: skip
        return record

    def _strace_lines(self, lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str] | Passing]:
        """The strace lines of the capture, and the records of comment and command lines in
        their place; a dump's records go to the output heap when the dump ends."""
        dump: DumpReader | None = None  # the dump being read
        blanks: list[r.Blank] = []  # blank lines after a dump line: the dump's, if it goes on
        dump_name: str | None = None
        back: list[tuple[int, str]] = []  # lines read ahead and given back (a JSON block that was not)

        def end_dump() -> Iterator[tuple[int, str] | Passing]:
            nonlocal dump, dump_name
            if dump is not None:
                out, found = dump.finish()
                self._push_all(out)
                self.programs.extend(found)
                dump, dump_name = None, None
            for blank in blanks:
                yield blank.line, blank.text
            blanks.clear()

        while True:
            if back:
                number, text = back.pop()
            else:
                item = next(lines, None)
                if item is None:
                    break
                number, text = item
                self.lines = number
            if dump is not None and not blanks and dump.add_insn(number, text):
                if back:
                    continue
                # most lines of a big dump are instructions: the dump reads them in a loop of its own
                stop = dump.read_insns(lines)
                if stop is None:
                    self.lines = dump.records[-1].line
                    continue
                number, text = stop
                self.lines = number
            if _XLATED.match(text):
                if blanks:
                    for blank in blanks:  # blank lines between dump lines belong to the dump
                        self._push(blank)
                    blanks.clear()
                if dump is None:
                    dump = DumpReader(dump_name, self.cache.xlated)
                dump.add(number, text)
            elif dump is not None and not text.strip():
                blanks.append(r.Blank(number, (number,), text))
                if len(blanks) >= self._window:  # so many blank lines: the dump has ended
                    yield from end_dump()
            elif text.startswith("$ "):
                yield from end_dump()
                yield r.Command(number, (number,), text, text[2:])
                dump_name = _dump_name(text)
            elif text.startswith("#"):
                yield from end_dump()
                yield r.Comment(number, (number,), text)
            elif text.startswith("[{") or text == "[":
                # "-j" prints the whole array on one line; "-p" opens it with "[{" (or "[")
                # and closes it with a line "]"
                block = [(number, text)]
                if not (text.startswith("[{") and text.rstrip().endswith("]")):
                    for more in lines:
                        self.lines = more[0]
                        block.append(more)
                        if more[1] == "]" or not _JSONISH.match(more[1]):
                            break
                    if block[-1][1] != "]":  # no closing line: not a block; read the lines after it again
                        back.extend(reversed(block[1:]))
                        block = block[:1]
                try:
                    found_records, found = _json_lines(block, dump_name, self.cache.xlated)
                except (ValueError, DumpShapeError, RecursionError):
                    back.extend(reversed(block[1:]))
                    yield number, text
                else:
                    yield from end_dump()
                    for record in found_records:
                        self._push(record)
                    self.programs.extend(found)
                    dump_name = None  # a command line names only the dump right after it
            else:
                if text.startswith("digraph") and _DOT.match(text):
                    raise InputError(
                        "bpftool 'visual' (DOT) output is not read: its indices are function-relative "
                        "and its text is cut, so it cannot be compared; dump without 'visual'",
                        self.name,
                        number,
                    )
                if dump is not None or blanks:
                    yield from end_dump()
                yield number, text
        yield from end_dump()
