"""A whole capture file: strace output, xlated dumps (text or JSON), or both.

A capture may be ``cat strace.txt dump1.txt dump2.txt``, with ``$ bpftool prog dump
xlated ...`` command lines and ``# comment`` lines between the parts. Each line is
sorted to the part it belongs to by its shape; strace lines go through the strace
parser (which stitches unfinished calls across the whole log), each run of dump
lines becomes one or more programs. Every input line ends up in a record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

from bpflogs.errors import InputError
from bpflogs.model import insn as m
from bpflogs.model import records as r
from bpflogs.parse.strace import parse_lines as parse_strace_lines
from bpflogs.parse.xlated import DumpRecord, assemble, parse_dump_line
from bpflogs.parse.xlated_json import DumpShapeError, programs_from_json

__all__ = ["AnyRecord", "parse_capture"]

AnyRecord = r.Record | DumpRecord

_XLATED = re.compile(
    r"\s*\d+: (?:\([0-9a-f]{2}\) |BUG_)"  # instruction
    r"|[ \t]*;"  # source line
    r"|[ \t]+[0-9a-f]{2}(?: [0-9a-f]{2}){7}(?:(?: [0-9a-f]{2}){8})?[ \t]*$"  # opcode bytes
    r"|[A-Za-z_][^;=]*\(.*\):[ \t]*$"  # function signature
    r"|\d+: (?:type \d+|[a-z_0-9]+)  name "  # program header
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
    lines: Sequence[tuple[int, str]], name: str | None
) -> tuple[list[AnyRecord], list[m.Program]]:
    text = "\n".join(t for _, t in lines)
    doc = json.loads(text)
    first = lines[0][0]
    if isinstance(doc, dict) and "error" in doc:
        raise InputError(f"bpftool reported an error instead of a dump: {doc['error']}", None, first)
    programs = programs_from_json(doc, first, name)
    return [r.JsonLine(n, (n,), t) for n, t in lines], programs


def _whole_json(lines: Sequence[tuple[int, str]]) -> tuple[list[AnyRecord], list[m.Program]] | None:
    head = next((t.lstrip() for _, t in lines if t.strip()), "")
    if not head.startswith(("[", "{")) or head.startswith("[pid"):
        return None
    try:
        return _json_lines(lines, None)
    except (ValueError, DumpShapeError, RecursionError):
        return None  # not JSON after all (or not a dump, or nested past reading): line by line


def parse_capture(numbered: Iterable[tuple[int, str]], name: str) -> tuple[list[AnyRecord], list[m.Program]]:
    """Every record of a capture in line order, and the programs of its dumps."""
    lines = list(numbered)
    for number, text in lines:
        if text.startswith("digraph") and _DOT.match(text):
            raise InputError(
                "bpftool 'visual' (DOT) output is not read: its indices are function-relative and its "
                "text is cut, so it cannot be compared; dump without 'visual'",
                name,
                number,
            )
    whole = _whole_json(lines)
    if whole is not None:
        return whole
    records: list[AnyRecord] = []
    programs: list[m.Program] = []
    strace: list[tuple[int, str]] = []
    dump: list[DumpRecord | r.Unparsed] = []
    blanks: list[r.Blank] = []  # blank lines after a dump line: the dump's, if it goes on
    dump_name: str | None = None

    def end_dump() -> None:
        nonlocal dump, dump_name
        if dump:
            out, found = assemble(dump, dump_name)
            records.extend(out)
            programs.extend(found)
            dump, dump_name = [], None
        for blank in blanks:
            strace.append((blank.line, blank.text))
        blanks.clear()

    i = 0
    while i < len(lines):
        number, text = lines[i]
        if _XLATED.match(text):  # first: most lines of a big dump are instructions
            if blanks:
                records.extend(blanks)  # blank lines between dump lines belong to the dump
                blanks.clear()
            dump.append(parse_dump_line(number, text))
        elif dump and not text.strip():
            blanks.append(r.Blank(number, (number,), text))
        elif text.startswith("$ "):
            end_dump()
            records.append(r.Command(number, (number,), text, text[2:]))
            dump_name = _dump_name(text)
        elif text.startswith("#"):
            end_dump()
            records.append(r.Comment(number, (number,), text))
        elif text.startswith("[{") or text == "[":
            # "-j" prints the whole array on one line; "-p" opens it with "[{" (or "[")
            # and closes it with a line "]"
            end = (
                i
                if text.startswith("[{") and text.rstrip().endswith("]")
                else next((j for j in range(i, len(lines)) if lines[j][1] == "]"), i)
            )
            block = lines[i : end + 1]
            try:
                found_records, found = _json_lines(block, dump_name)
            except (ValueError, DumpShapeError, RecursionError):
                strace.append((number, text))
            else:
                end_dump()
                records.extend(found_records)
                programs.extend(found)
                dump_name = None  # a command line names only the dump right after it
                i = end + 1
                continue
        else:
            end_dump()
            strace.append((number, text))
        i += 1
    end_dump()
    records.extend(parse_strace_lines(strace))
    records.sort(key=lambda rec: rec.line)
    programs.sort(key=lambda p: p.line)
    return records, programs
