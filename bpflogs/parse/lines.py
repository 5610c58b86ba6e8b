"""From physical lines to logical lines (spec: strace.md a.4, a.8, a.9 and g.1-g.3).

Before the grammar sees a line: ANSI colour (strace >= 7.0 ``--color``) is removed,
``strace: Process N attached`` glued into the middle of a call is cut out (it becomes
a Message of its own), and each ``<unfinished ...>`` line is joined with its
``<... NAME resumed>`` line of the same pid into one call. Blank lines and the
``-c``/``-C`` summary table are recognised here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bpflogs.model.records import Blank, Message, SummaryLine

__all__ = ["PREFIX", "LogicalLine", "LogicalLines", "logical_lines"]

UNFINISHED = " <unfinished ...>"

_SGR = re.compile(r"\x1b\[[0-9;]*m")
_GLUED = re.compile(r"strace: Process \d+ (?:attached(?: with \d+ threads)?|detached|suspended)$")
# The prefix terminals of grammars/strace.lark (PID, SECONTEXT, ABS_TIME, REL_TIME, SCNO,
# IP) in grammar order: where the event starts, the pid to stitch unfinished calls by, and
# (bpflogs.parse.strace) the prefix's fields.
PREFIX = re.compile(
    r"(?P<pid>\d{1,8}(?:<(?:\\.|[^\\>])*+>)? +|\[pid +\d+(?:<(?:\\.|[^\\>])*+>)?\] )?"
    r"(?P<secontext>\[[^\]\s]*:[^\]\s]*\] )?"
    r"(?P<time>\d\d:\d\d:\d\d(?:\.\d{1,9})? |\d{9,}(?:\.\d{1,9})? )?"
    r"(?P<relative>\(\+ *\d+\.\d+\) | *\d+\.\d+ )?"
    r"(?P<scno>\[ *\d+\] |\[\?\?\?\] )?"
    r"(?P<ip>\[[0-9a-f]{8}\] |\[[0-9a-f]{16}\] |\[\?{8}\] |\[\?{16}\] )?"
)
_RESUMED = re.compile(r"<\.\.\. ([a-z_][a-z0-9_]*(?:#64)?) resumed>")
_CALL_NAME = re.compile(r"([a-z_][a-z0-9_]*(?:#64)?)\(")
_SUMMARY_HEADER = re.compile(r"% time +seconds")
_SUMMARY_ROW = re.compile(r"^(?:-+(?: -+)+|\s*[\d.]+ +[\d.]+ +\d+ +.*)$")


@dataclass(frozen=True, slots=True)
class LogicalLine:
    """Text for the grammar, with the physical lines (1-based) it came from."""

    lines: tuple[int, ...]
    text: str
    parts: tuple[str, ...] = ()  # the physical texts, when they differ from ``text``


Item = LogicalLine | Message | SummaryLine | Blank


def _prefix(text: str) -> tuple[int | None, int]:
    """The pid (None without a pid prefix) and where the event starts."""
    m = PREFIX.match(text)
    assert m is not None  # every part of the pattern is optional
    pid = m.group("pid")
    if pid is None:
        return None, m.end()
    digits = pid.strip().removeprefix("[pid").strip(" ]")
    return int(digits.partition("<")[0]), m.end()


def _physical(numbered: Iterable[tuple[int, str]], state: LogicalLines) -> Iterator[Item]:
    """Colour removal, glued ``strace: Process`` messages, blank and summary lines."""
    carry: tuple[int, str, str] | None = None  # (line, text before the glued message, raw)
    in_summary = False
    for number, raw in numbered:
        text = _SGR.sub("", raw) if "\x1b" in raw else raw
        if carry is not None:
            first, before, first_raw = carry
            carry = None
            state.carried = None
            if text.startswith(" <"):
                yield LogicalLine((first, number), before + text, (first_raw, raw))
                continue
            yield LogicalLine((first,), before, (first_raw,))
        if in_summary:
            if _SUMMARY_ROW.match(text) or _SUMMARY_HEADER.match(text):
                yield SummaryLine(number, (number,), text, (raw,) if text is not raw else ())
                continue
            in_summary = False
        if not text.strip():
            yield Blank(number, (number,), text, (raw,) if text is not raw else ())
            continue
        if text.startswith("%") and _SUMMARY_HEADER.match(text):
            in_summary = True
            yield SummaryLine(number, (number,), text, (raw,) if text is not raw else ())
            continue
        if "strace: Process" in text and not text.startswith("strace: "):
            glued = _GLUED.search(text)
            if glued is not None:
                message = glued.group(0)
                yield Message(number, (number,), message, message[len("strace: ") :])
                carry = (number, text[: glued.start()], raw)
                state.carried = number
                continue
        yield LogicalLine((number,), text, (raw,) if text is not raw else ())
    if carry is not None:
        first, before, first_raw = carry
        state.carried = None
        yield LogicalLine((first,), before, (first_raw,))


def _parts(item: LogicalLine) -> tuple[str, ...]:
    return item.parts if item.parts else (item.text,)


def logical_lines(numbered: Iterable[tuple[int, str]]) -> Iterator[Item]:
    """Yield logical lines, with unfinished/resumed pairs joined.

    A joined call is yielded when its resumed half is read (in completion order);
    an unfinished half never resumed is yielded at the end, as it is.
    """
    return iter(LogicalLines(numbered))


class LogicalLines:
    """The logical lines of physical ones (see ``logical_lines``), telling as it goes which
    line is the oldest still open: an unfinished call waiting for its resumed half, or a
    line held back by a glued ``strace: Process`` message. Nothing from before that line
    will be yielded any more, so a reader can give out everything older in line order."""

    def __init__(self, numbered: Iterable[tuple[int, str]]) -> None:
        self._numbered = numbered
        self.pending: dict[int | None, tuple[LogicalLine, str]] = {}
        self.carried: int | None = None

    def oldest_open(self) -> int | None:
        """The first line of the oldest item not yet yielded (None: all yielded)."""
        if not self.pending:
            return self.carried
        firsts = [item.lines[0] for item, _ in self.pending.values()]
        if self.carried is not None:
            firsts.append(self.carried)
        return min(firsts) if firsts else None

    def __iter__(self) -> Iterator[Item]:
        pending = self.pending
        for item in _physical(self._numbered, self):
            if not isinstance(item, LogicalLine):
                yield item
                continue
            text = item.text
            if "<... " in text or text.endswith(UNFINISHED):
                pid, start = _prefix(text)
            else:
                yield item
                continue
            resumed = _RESUMED.match(text, start)
            if resumed is not None:
                name = resumed.group(1)
                key: int | None = pid
                if key not in pending or pending[key][1] != name:
                    # no pid prefix on one of the halves: the most recent call of that name
                    # (a resumed line with a pid never takes another pid's call)
                    keys = reversed(pending) if pid is None else (k for k in (None,) if k in pending)
                    key = next((k for k in keys if pending[k][1] == name), -1)
                if key != -1:
                    first, _ = pending.pop(key)
                    joined = first.text[: -len(UNFINISHED)] + text[resumed.end() :]
                    merged = LogicalLine(first.lines + item.lines, joined, _parts(first) + _parts(item))
                    if joined.endswith(UNFINISHED):
                        pending[key] = (merged, name)
                    else:
                        yield merged
                    continue
                yield item
                continue
            call = _CALL_NAME.match(text, start)
            if call is not None and text.endswith(UNFINISHED):
                if pid in pending:  # a second unfinished call of one pid: the first was cut
                    yield pending.pop(pid)[0]
                pending[pid] = (item, call.group(1))
                continue
            yield item
        for item, _ in list(pending.values()):
            yield item
        pending.clear()
