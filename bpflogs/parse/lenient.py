"""``--lenient``: logs as they arrive in mail, chat, issues and journals, made readable again.

Before parsing, each line loses what was put around it, and the report says what was taken:

* mail quoting: ``> ``, nested ``> > `` and ``>> `` (no strace or dump line starts with ``>``);
* journald prefixes: ``Nov 25 09:05:53 host prog[123]: `` (also ``-o short-iso``/``-precise``);
* Markdown: code fences (the fence line becomes blank), list markers before a log line
  (``- ``, ``1. ``), and the indentation of a list item or an indented code block, where an
  indented block holds lines that are never indented in a log (a call, a signal, a source line);
* shell prompts before a log line: ``$ bpf(...``, ``# 1234 bpf(...``, ``user@host:~# bpf(...``
  (a prompt before a command, ``$ bpftool prog dump xlated ...``, stays: it names the dump);
* lines wrapped at 72 (or any) columns: an strace line that does not end as a line ends, followed
  by lines that do not start as lines start, is joined with them when the joined line parses.

Line numbers stay those of the file: a stripped line keeps its number; a re-joined line has its
first line's number, and its continuation lines are reported (they have no record of their own).
Records render back to the *unquoted* text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from bpflogs.model.records import Unparsed
from bpflogs.parse.capture import BOM, CaptureStream

__all__ = ["LenientReport", "Stripping", "unmangle"]

Numbered = tuple[int, str]

_QUOTE = re.compile(r"(?:> ?)+")
_JOURNAL = re.compile(
    r"(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?"  # short, short-precise
    r"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:[+-]\d\d:?\d\d|Z)?)"  # short-iso(-precise)
    r" \S+ [^\s:\[\]]+(?:\[\d+\])?: "
)
_FENCE = re.compile(r"[ \t]*(?:```|~~~)[^`]*$")
_LIST_MARKER = re.compile(r"[ \t]*(?:[-*+]|\d{1,3}[.)]) (?=\S)")
_PROMPT = re.compile(r"(?:[\w.-]+@[\w.-]+(?::[^\s$#]*)?[ ]?)?[$#] ")
# where a log line starts that is never indented: an strace event with its prefix, a dump's
# function header, bpftool JSON (-r times are right-aligned, dumps' source lines and slots may be
# indented: they parse indented too)
_EVENT = (
    r"(?:\d{1,8}(?:<[^>]*>)? +|\[pid +\d+(?:<[^>]*>)?\] )?"
    r"(?:\d\d:\d\d:\d\d(?:\.\d+)? |\d{9,}(?:\.\d+)? )?"
    r"(?:\(\+ *\d+\.\d+\) |REL)?"
    r"(?:\[ *\d+\] )?(?:\[[0-9a-f?]{8,16}\] )?"
    r"(?:[a-z_][a-z0-9_]*(?:#64)?\(|<\.\.\. [a-z_]|--- (?:SIG|stopped)|\+\+\+ (?:exited|killed)"
    r"|strace: |\[ Process PID=)"
)
_STRACE_START = re.compile(_EVENT.replace("REL", r" *\d+\.\d+ "))
_UNINDENTED = re.compile(_EVENT.replace("REL", r"(?!)") + r"|[A-Za-z_][^;]*\(.*\):[ \t]*$|\[\{|\{\"")
# any line a log holds at its start: a continuation of a wrapped line is none of these
_LINE_START = re.compile(
    _STRACE_START.pattern
    + "|"
    + _UNINDENTED.pattern
    + r"|[ \t]*;|\s*\d+: |[ \t]+[0-9a-f]{2}(?: [0-9a-f]{2}){7}|\$ |#|[\[\]{}],?\s*$|\s+\"|\s+> "
)
_FREE_TEXT = re.compile(r"[ \t]*;")  # a source line: any text parses (commands, comments are not joined)
_CALL_END = re.compile(r"(?:\) += .*|<unfinished \.\.\.>|<detached \.\.\.>)$")
_MAX_JOIN = 2000  # continuation lines of one wrapped line (a -v PROG_LOAD can be long)


@dataclass(frozen=True, slots=True)
class Stripping:
    """One kind of mangling removed, from which lines."""

    kind: str  # "mail quoting", "journald prefix", ...
    shown: str  # how the report names it: 'mail quoting ("> ")'
    lines: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LenientReport:
    """What ``--lenient`` stripped and re-joined."""

    strippings: tuple[Stripping, ...]
    joined: tuple[tuple[int, tuple[int, ...]], ...]  # (first line, its continuation lines)

    @property
    def changed(self) -> bool:
        return bool(self.strippings or self.joined)

    def describe(self) -> str:
        """One line, e.g. ``stripped mail quoting ("> ") from 120 lines (1-120), re-joined 3 wrapped
        lines (11, 20, 31; continued on 12-13, 21, 32)``."""
        parts = [f"{s.shown} from {_count(s.lines)} ({_ranges(s.lines)})" for s in self.strippings]
        text = f"stripped {', '.join(parts)}" if parts else ""
        if self.joined:
            rest = [n for _, more in self.joined for n in more]
            text += (", " if text else "") + (
                f"re-joined {_plural(len(self.joined), 'wrapped line')} "
                f"({_ranges(first for first, _ in self.joined)}; continued on {_ranges(rest)})"
            )
        return text or "nothing to strip"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _count(lines: Sequence[int]) -> str:
    return _plural(len(lines), "line")


def _ranges(lines: Iterable[int], most: int = 6) -> str:
    """``1-120, 130, 140-141`` (at most ``most`` ranges, then ``...``)."""
    spans: list[list[int]] = []
    for n in sorted(lines):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    shown = [f"{a}-{b}" if b > a else f"{a}" for a, b in spans[:most]]
    return ", ".join(shown) + (", ..." if len(spans) > most else "")


class _Collector:
    def __init__(self) -> None:
        self.found: dict[str, tuple[str, list[int]]] = {}

    def add(self, kind: str, shown: str, line: int) -> None:
        self.found.setdefault(kind, (shown, []))[1].append(line)

    def strippings(self) -> tuple[Stripping, ...]:
        return tuple(Stripping(kind, shown, tuple(lines)) for kind, (shown, lines) in self.found.items())


def _unquote(lines: list[Numbered], found: _Collector) -> list[Numbered]:
    out: list[Numbered] = []
    for number, text in lines:
        if text.startswith(">"):
            quote = _QUOTE.match(text)
            assert quote is not None
            levels = quote.group().count(">")
            shown = " ".join([">"] * levels)
            found.add(f"mail quoting {levels}", f'mail quoting ("{shown} ")', number)
            text = text[quote.end() :]
        journal = _JOURNAL.match(text)
        if journal is not None:
            found.add("journald", "journald prefixes", number)
            text = text[journal.end() :]
        out.append((number, text))
    return out


def _markdown(lines: list[Numbered], found: _Collector) -> list[Numbered]:
    out = list(lines)
    for i, (number, text) in enumerate(out):
        if _FENCE.match(text):
            found.add("fence", "Markdown code fences (now blank lines)", number)
            out[i] = (number, "")
            continue
        marker = _LIST_MARKER.match(text)
        if marker is not None and _UNINDENTED.match(text, marker.end()):
            found.add("list", "Markdown list markers", number)
            out[i] = (number, " " * marker.end() + text[marker.end() :])  # the item's indentation, for below
    # indented blocks (blank lines inside), stripped by their smallest indentation where they
    # hold a line that a log never indents
    i = 0
    while i < len(out):
        if not out[i][1][:1].isspace() or not out[i][1].strip():
            i += 1
            continue
        j = i
        while j < len(out) and (out[j][1][:1].isspace() or not out[j][1].strip()):
            j += 1
        block = [k for k in range(i, j) if out[k][1].strip()]
        indent = min(len(out[k][1]) - len(out[k][1].lstrip()) for k in block)
        if any(_UNINDENTED.match(out[k][1], indent) for k in block):
            for k in block:
                number, text = out[k]
                found.add("indent", "Markdown indentation", number)
                out[k] = (number, text[indent:])
        i = j
    return out


def _after_prompt(rest: str) -> bool:
    """Is this what strace writes (not a command: ``$ bpftool(7.1) prog dump ...``)?"""
    start = _STRACE_START.match(rest)
    return start is not None and (start.group().endswith("bpf(") or _parses_whole(rest))


def _prompts(lines: list[Numbered], found: _Collector) -> list[Numbered]:
    out: list[Numbered] = []
    for number, text in lines:
        prompt = _PROMPT.match(text)
        if prompt is not None and _after_prompt(text[prompt.end() :]):
            found.add("prompt", "shell prompts", number)
            text = text[prompt.end() :]
        out.append((number, text))
    return out


def _parses_whole(text: str) -> bool:
    """Is ``text`` one complete strace line?"""
    if not _CALL_END.search(text) and not text.endswith(("---", "+++", "]")):
        return False
    line = text[:-1] if text.endswith("\r") else text  # as a file's line would read
    records = list(CaptureStream([(1, line)], "<text>"))
    return len(records) == 1 and not isinstance(records[0], Unparsed)


def _continuations(lines: list[Numbered], i: int, free: bool) -> list[str]:
    """The lines after ``i`` that do not start a line of their own (nor, after free text that
    any join parses, start with a space: wrappers do not indent)."""
    out: list[str] = []
    for _, nxt in lines[i + 1 : i + 1 + _MAX_JOIN]:
        if not nxt.strip() or _LINE_START.match(nxt) or (free and nxt[:1].isspace()):
            break
        out.append(nxt)
    return out


def _separators(pieces: list[str], width: int) -> list[list[str]]:
    """Guesses of what a wrapper took out between the pieces: a wrapper breaks at a space,
    dropping it (``fmt``, mail) or keeping it at the end of the line (``fold -s``,
    format=flowed); a word longer than the width it breaks at the width (``fold``)."""

    def hard(k: int) -> bool:
        head, tail = pieces[k], pieces[k + 1]
        word = len(head.rsplit(" ", 1)[-1]) + len(tail.split(" ", 1)[0])
        return len(head) >= width and word > width

    n = len(pieces) - 1
    return [
        ["" if pieces[k].endswith(" ") or hard(k) else " " for k in range(n)],
        ["" if p.endswith(" ") else " " for p in pieces[:-1]],
        [""] * n,
    ]


def _stitch(text: str, more: list[str], width: int) -> tuple[str, int] | None:
    """The longest join of ``text`` with the first lines of ``more`` that is one whole strace
    line (any join, for a source line, command or comment), and how many lines it took."""
    free = _FREE_TEXT.match(text) is not None
    best: tuple[str, int] | None = None
    for seps in _separators([text, *more], width):
        acc = text
        for k, nxt in enumerate(more):
            acc += seps[k] + nxt
            if (best is None or k + 1 > best[1]) and (free or _parses_whole(acc)):
                best = (acc, k + 1)
        if free:
            break
    return best


def _rejoin(lines: list[Numbered]) -> tuple[list[Numbered], list[tuple[int, tuple[int, ...]]]]:
    out: list[Numbered] = []
    joined: list[tuple[int, tuple[int, ...]]] = []
    # the wrapper's width: the longest line that another line seems to continue
    heads = [
        len(text)
        for (_, text), (_, nxt) in pairwise(lines)
        if nxt.strip() and not nxt[:1].isspace() and not _LINE_START.match(nxt)
    ]
    width = max(heads, default=0)
    i = 0
    while i < len(lines):
        number, text = lines[i]
        free = _FREE_TEXT.match(text) is not None
        more = _continuations(lines, i, free) if free or _STRACE_START.match(text) else []
        # a wrapper breaks a line only where the next word would not fit
        found = (
            _stitch(text, more, width)
            if more and len(text) + 1 + len(more[0].split(" ", 1)[0]) > width
            else None
        )
        if found is not None:
            acc, taken = found
            out.append((number, acc))
            joined.append((number, tuple(n for n, _ in lines[i + 1 : i + 1 + taken])))
            i += 1 + taken
            continue
        out.append((number, text))
        i += 1
    return out, joined


def unmangle(numbered: Iterable[Numbered]) -> tuple[list[Numbered], LenientReport]:
    """The lines with mail quoting, journald prefixes, Markdown, prompts and wrapping undone,
    and what was done. Numbers stay the file's; continuation lines of a re-joined line go."""
    found = _Collector()
    lines = list(numbered)
    # a byte order mark stands before the mail quoting or journald prefix of line 1: it is
    # set aside while they are undone, and given back for the capture reader to leave out
    bom = bool(lines) and lines[0][1].startswith(BOM)
    if bom:
        lines[0] = (lines[0][0], lines[0][1][len(BOM) :])
    lines = _unquote(lines, found)
    lines = _markdown(lines, found)
    lines = _prompts(lines, found)
    lines, joined = _rejoin(lines)
    if bom and lines:
        lines[0] = (lines[0][0], BOM + lines[0][1])
    return lines, LenientReport(found.strippings(), tuple(joined))
