"""From physical lines to logical lines (spec: strace.md a.4, a.8, a.9 and g.1-g.3).

Before the grammar sees a line: ANSI colour (strace >= 7.0 ``--color``) is removed,
``strace: Process N attached`` glued into the middle of a call is cut out (it becomes
a Message of its own), and each ``<unfinished ...>`` line is joined with its
``<... NAME resumed>`` line of the same pid into one call. Blank lines and the
``-c``/``-C`` summary table are recognised here too.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from bpflogs.model.records import Blank, Command, Comment, Message, SummaryLine
from bpflogs.parse.grammar import rule_expansions, terminal_regexp

__all__ = [
    "LATE",
    "PREFIX_FIELDS",
    "UNFINISHED",
    "WINDOW",
    "LogicalLine",
    "LogicalLines",
    "GRAMMAR",
    "call_name",
    "logical_lines",
    "pid_of",
    "prefix_pattern",
    "resumed_name",
    "stitch",
]

GRAMMAR = "strace.lark"
# the grammar's UNFINISHED terminal (a literal: test_strace_fastpath holds the two equal; a
# constant, since every line is tested against it and no grammar needs loading for that)
UNFINISHED = " <unfinished ...>"

_SGR = re.compile(r"\x1b\[[0-9;]*m")
_GLUED = re.compile(r"strace: Process \d+ (?:attached(?: with \d+ threads)?|detached|suspended)$")
_SUMMARY_HEADER = re.compile(r"% time +seconds")
_SUMMARY_ROW = re.compile(r"^(?:-+(?: -+)+|\s*[\d.]+ +[\d.]+ +\d+ +.*)$")
# (the four above are not the grammar's: colour, glued messages and the summary table are
# taken out before the grammar sees a line, and it has no terminals for them)

PREFIX_FIELDS = {
    "PID": "pid",
    "SECONTEXT": "secontext",
    "ABS_TIME": "time",
    "REL_TIME": "relative",
    "SCNO": "scno",
    "IP": "ip",
}
"""The terminals of the grammar's ``prefix`` rule, and the ``Prefix`` field each one gives."""


@lru_cache(maxsize=1)
def prefix_pattern() -> re.Pattern[str]:
    """The grammar's ``prefix`` rule as one regex, made of its own terminals in its order,
    each in a group named for its field (``PREFIX_FIELDS``), the only groups: where the event
    starts, the pid to stitch unfinished calls by, and (``bpflogs.parse.strace``) the
    prefix's fields."""
    expansions = rule_expansions(GRAMMAR, "prefix")
    order = max(expansions, key=len)
    every_subset = {c for n in range(len(order) + 1) for c in itertools.combinations(order, n)}
    if set(expansions) != every_subset or set(order) != set(PREFIX_FIELDS):
        # the regex reads "A? B? C? ..." over the known fields: another shape needs new code
        shape = " ".join(t + "?" for t in PREFIX_FIELDS)
        raise RuntimeError(f"{GRAMMAR}: the prefix rule is no longer {shape}")
    return re.compile(
        "".join(f"(?P<{PREFIX_FIELDS[t]}>{terminal_regexp(GRAMMAR, t, groups=False)})?" for t in order)
    )


@lru_cache(maxsize=1)
def _markers() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The grammar's RESUMED (``<... NAME resumed>``) and CALL_OPEN (``NAME(``) terminals."""
    return re.compile(terminal_regexp(GRAMMAR, "RESUMED")), re.compile(terminal_regexp(GRAMMAR, "CALL_OPEN"))


def pid_of(token: str) -> tuple[int, str | None]:
    """The pid and the command name (``-Y``, else None) of a PID token: ``"12<comm> "``,
    ``"[pid 12] "``."""
    text = token.strip()
    if text.startswith("[pid"):
        text = text[4:-1].strip()
    number, _, comm = text.partition("<")
    return int(number), (comm[:-1] if comm else None)


def resumed_name(marker: str) -> str:
    """The call a RESUMED token (``<... NAME resumed>``) names."""
    return marker[len("<... ") : -len(" resumed>")]


def call_name(open_: str) -> str:
    """The call a CALL_OPEN token (``NAME(``) names."""
    return open_[:-1]


@dataclass(frozen=True, slots=True)
class LogicalLine:
    """Text for the grammar, with the physical lines (1-based) it came from."""

    lines: tuple[int, ...]
    text: str
    parts: tuple[str, ...] = ()  # the physical texts, when they differ from ``text``
    # a ``<... resumed>`` line whose unfinished half was given out before (see ``WINDOW``): that half
    resumes: LogicalLine | None = None


Item = LogicalLine | Message | SummaryLine | Blank | Comment | Command


def _prefix(text: str) -> tuple[int | None, int]:
    """The pid (None without a pid prefix) and where the event starts."""
    m = prefix_pattern().match(text)
    assert m is not None  # every part of the pattern is optional
    pid = m.group("pid")
    return (None if pid is None else pid_of(pid)[0]), m.end()


Passing = Comment | Command
"""Records a reader made of lines that are not strace's, passed through in their place."""


def _physical(numbered: Iterable[tuple[int, str] | Passing], state: LogicalLines) -> Iterator[Item]:
    """Colour removal, glued ``strace: Process`` messages, blank and summary lines."""
    carry: tuple[int, str, str] | None = None  # (line, text before the glued message, raw)
    in_summary = False
    for entry in numbered:
        if not isinstance(entry, tuple):
            yield entry
            continue
        number, raw = entry
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


_Key = int | None
_NOT_FOUND = -1  # no pid is negative


class _Halves:
    """Unfinished halves by pid, in the order of their first line, found by pid or by call
    name in constant time (however many pids there are)."""

    def __init__(self) -> None:
        self.by_pid: dict[_Key, tuple[LogicalLine, str]] = {}
        self._by_name: dict[str, dict[_Key, None]] = {}  # name -> pids, in the order added

    def __len__(self) -> int:
        return len(self.by_pid)

    def __contains__(self, pid: _Key) -> bool:
        return pid in self.by_pid

    def add(self, pid: _Key, item: LogicalLine, name: str) -> None:
        """A new half (newer than every other: it goes last)."""
        self.by_pid[pid] = (item, name)
        self._by_name.setdefault(name, {})[pid] = None

    def replace(self, pid: _Key, item: LogicalLine) -> None:
        """The half of ``pid`` grown by a resumed part that is unfinished again (its place and
        name stay)."""
        self.by_pid[pid] = (item, self.by_pid[pid][1])

    def pop(self, pid: _Key) -> tuple[LogicalLine, str]:
        item, name = self.by_pid.pop(pid)
        pids = self._by_name[name]
        del pids[pid]
        if not pids:
            del self._by_name[name]
        return item, name

    def first(self) -> tuple[_Key, LogicalLine] | None:
        """The pid and the half with the oldest first line."""
        for pid, (item, _) in self.by_pid.items():
            return pid, item
        return None

    def own(self, pid: _Key, name: str) -> bool:
        """Whether the half of ``pid`` is a call of ``name``."""
        found = self.by_pid.get(pid)
        return found is not None and found[1] == name

    def other(self, pid: _Key, name: str) -> _Key:
        """The pid of the half a ``<... NAME resumed>`` line of ``pid`` takes when ``pid`` has
        none of its own (``_NOT_FOUND``: none): with no pid prefix on one of the halves, the
        most recent call of that name (a resumed line with a pid never takes another pid's)."""
        if pid is None:
            pids = self._by_name.get(name)
            return next(reversed(pids)) if pids else _NOT_FOUND
        return None if self.own(None, name) else _NOT_FOUND

    def items(self) -> list[LogicalLine]:
        return [item for item, _ in self.by_pid.values()]


WINDOW = 10_000
"""Lines a call may wait for its ``<... resumed>`` half. A call still unfinished when the
log has gone this many lines past it is given out as it is (an unfinished call), so that
nothing after it is held back any longer; its resumed half, when it comes, is given out
with ``resumes`` naming the half (``LogicalLine.resumes``)."""

LATE = 1 << 16
"""Halves given out by the window that are kept to be joined with a late resumed line, at
most (the oldest are forgotten first: a resumed line of one of those is an orphan)."""


class LogicalLines:
    """The logical lines of physical ones (see ``logical_lines``), telling as it goes which
    line is the oldest still open: an unfinished call waiting for its resumed half, or a
    line held back by a glued ``strace: Process`` message. Nothing from before that line
    will be yielded any more, so a reader can give out everything older in line order.

    No line is held open longer than ``window`` lines (see ``WINDOW``): memory does not grow
    with the log, whatever calls never resume."""

    def __init__(self, numbered: Iterable[tuple[int, str] | Passing], window: int = WINDOW) -> None:
        self._numbered = numbered
        self._window = window
        self.pending = _Halves()  # halves waiting for their resumed line
        self.late = _Halves()  # halves given out by the window, still joined when they resume
        self.carried: int | None = None

    def oldest_open(self) -> int | None:
        """The first line of the oldest item not yet yielded (None: all yielded)."""
        first = self.pending.first()
        if first is None:
            return self.carried
        line = first[1].lines[0]
        return line if self.carried is None or line < self.carried else self.carried

    def _expire(self, now: int) -> Iterator[LogicalLine]:
        """The halves that have waited ``window`` lines by line ``now``, given out."""
        pending, late = self.pending, self.late
        while True:
            first = pending.first()
            if first is None or now - first[1].lines[0] < self._window:
                return
            pid = first[0]
            item, name = pending.pop(pid)
            if pid in late:
                late.pop(pid)
            elif len(late) >= LATE:
                oldest = late.first()
                assert oldest is not None
                late.pop(oldest[0])
            late.add(pid, item, name)
            yield item

    def __iter__(self) -> Iterator[Item]:
        pending, late = self.pending, self.late
        for item in _physical(self._numbered, self):
            if pending:
                yield from self._expire(item.lines[-1])
            if not isinstance(item, LogicalLine):
                yield item
                continue
            text = item.text
            if "<... " in text or text.endswith(UNFINISHED):
                pid, start = _prefix(text)
            else:
                yield item
                continue
            resumed_marker, call_open = _markers()
            resumed = resumed_marker.match(text, start)
            if resumed is not None:
                name = resumed_name(resumed.group())
                # the pid's own call first (still held, or given out), then one without a pid
                key = pid if pending.own(pid, name) else _NOT_FOUND
                if key == _NOT_FOUND and not (late and late.own(pid, name)):
                    key = pending.other(pid, name)
                if key != _NOT_FOUND:
                    first, _ = pending.by_pid[key]
                    merged = _join(first, item, resumed.end())
                    if merged.text.endswith(UNFINISHED):
                        pending.replace(key, merged)
                    else:
                        pending.pop(key)
                        yield merged
                    continue
                key = (pid if late.own(pid, name) else late.other(pid, name)) if late else _NOT_FOUND
                if key != _NOT_FOUND:
                    first, _ = late.pop(key)
                    if not text.endswith(UNFINISHED):
                        item = LogicalLine(item.lines, item.text, item.parts, first)
                yield item
                continue
            call = call_open.match(text, start)
            if call is not None and text.endswith(UNFINISHED):
                if pid in pending:  # a second unfinished call of one pid: the first was cut
                    yield pending.pop(pid)[0]
                if pid in late:  # nor will the one given out earlier resume any more
                    late.pop(pid)
                pending.add(pid, item, call_name(call.group()))
                continue
            yield item
        yield from pending.items()
        self.pending = _Halves()


def stitch(half: LogicalLine, resumed: LogicalLine) -> LogicalLine:
    """The call an unfinished half and the resumed line that completes it make together."""
    _, start = _prefix(resumed.text)
    marker = _markers()[0].match(resumed.text, start)
    assert marker is not None
    return _join(half, resumed, marker.end())


def _join(half: LogicalLine, resumed: LogicalLine, end: int) -> LogicalLine:
    """``half`` without its ``<unfinished ...>``, then ``resumed`` from ``end`` (just after
    its ``<... NAME resumed>``): one logical line of both."""
    return LogicalLine(
        half.lines + resumed.lines,
        half.text[: -len(UNFINISHED)] + resumed.text[end:],
        _parts(half) + _parts(resumed),
    )
