"""strace logs into records: the grammar's rules mapped onto the model.

``parse_line`` turns one logical line (``bpflogs.parse.lines``) into its record; a line
the grammar rejects becomes an ``Unparsed`` record with the parser's message and column,
never an exception. ``bpflogs.parse.capture`` reads whole captures with it.

What a parse remembers (each distinct event text parsed once) is a ``StraceCache`` the
caller owns (``ParseCache.strace``); nothing read is kept at module level.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, cast

import lark
from lark import Token, v_args

from bpflogs import schema
from bpflogs.model import records as r
from bpflogs.model import values as v
from bpflogs.parse.grammar import parser, register, terminal_regexp
from bpflogs.parse.lines import (
    GRAMMAR,
    PREFIX_FIELDS,
    LogicalLine,
    call_name,
    pid_of,
    prefix_pattern,
    resumed_name,
)
from bpflogs.parse.tokens import expected_of, expected_tokens, quoted

__all__ = ["StraceCache", "command_name", "parse_line"]

_Build = Callable[[LogicalLine], r.Record]


class _Reject(Exception):
    """A line the grammar accepts but whose meaning is inconsistent."""


# Python prints ints of at most 4,300 decimal digits: longer numbers are no strace output,
# and a value that cannot be printed back must not get into a record
_MAX_DIGITS = 3000


def _number(text: str) -> v.Number:
    neg = text.startswith("-")
    body = text[1:] if neg else text
    if len(body) > _MAX_DIGITS:
        raise ValueError("a number too long to read")
    value = int(body, 16) if body.startswith(("0x", "0X")) else int(body, 10)
    return v.Number(-value if neg else value, str(text))  # a plain str, not the lexer's Token


def _comment(token: str) -> str:
    # " /* text */" -> "text"
    return token.strip()[3:-3]


def _decoration(token: str) -> tuple[str, bool]:
    deleted = token.endswith("(deleted)")
    if deleted:
        token = token[: -len("(deleted)")]
    return token[1:-1], deleted


def _has_cut(value: v.Value | None) -> bool:
    if isinstance(value, v.Struct):
        return not value.closed or any(_has_cut(m.value) for m in value.members)
    if isinstance(value, v.Changed):
        return _has_cut(value.after)
    return isinstance(value, v.Empty)


def command_name(cmd: v.Value) -> str:
    """The bpf command a ``cmd`` argument names, whatever ``-X`` mode printed it."""
    if isinstance(cmd, v.Commented):
        cmd = cmd.value
    if isinstance(cmd, v.Symbol):
        return cmd.name
    if isinstance(cmd, v.Number):
        spec = schema.command(cmd.value)
        return spec.name if spec is not None else cmd.text
    return cmd.render()


def _arg_names(items: tuple[Any, ...]) -> tuple[list[Token], list[Any]]:
    """Split bpf() arguments into the -N names ("cmd=", ...) and the values."""
    names = [i for i in items if isinstance(i, Token) and i.type.startswith("ARG_")]
    return names, [i for i in items if not (isinstance(i, Token) and i.type.startswith("ARG_"))]


@v_args(inline=True)
class _ToModel(lark.Transformer[Token, Any]):
    """Builds model objects while the LALR parser runs (no parse tree)."""

    # ------------------------------------------------------------ line level
    def start(self, prefix: r.Prefix, event: Callable[[r.Prefix], _Build]) -> _Build:
        return event(prefix)

    def body(self, event: Callable[[r.Prefix], _Build]) -> Callable[[r.Prefix], _Build]:
        return event

    def prefix(self, *tokens: Token) -> r.Prefix:
        if not tokens:
            return _EMPTY_PREFIX
        texts: dict[str, str | None] = dict.fromkeys(PREFIX_FIELDS.values())
        texts.update((PREFIX_FIELDS[t.type], str(t)) for t in tokens)
        return _prefix_of(
            "".join(tokens), texts["pid"], texts["secontext"], texts["time"], texts["relative"],
            texts["scno"], texts["ip"],
        )  # fmt: skip

    def bpf_call(self, _open: Token, args: tuple[Any, ...], end: tuple[Any, ...]) -> Any:
        arg_names, cmd, attr, size = args
        kind, pad, result = end
        if kind is r.CallEnd.COMPLETE and (_has_cut(attr) or (attr is None or size is None)):
            raise _Reject("the call's arguments end early but the line has a result")

        return _BpfEvent(command_name(cmd), cmd, attr, size, kind, result, pad, arg_names)

    def other_call(self, open_: Token, args: str | None, end: tuple[Any, ...]) -> Any:
        kind, pad, result = end
        name = call_name(open_)
        text = args or ""

        def build(prefix: r.Prefix) -> _Build:
            return lambda ll: r.OtherSyscall(
                line=ll.lines[0],
                lines=ll.lines,
                text=ll.text,
                prefix=prefix,
                name=name,
                args=text,
                end=kind,
                result=result,
                pad=pad,
                parts=ll.parts,
            )

        return build

    def orphan_resumed(self, resumed: Token, rest: Token, pad: Token, result: r.Result) -> Any:
        name = resumed_name(resumed)

        def build(prefix: r.Prefix) -> _Build:
            return lambda ll: r.Resumed(
                line=ll.lines[0],
                lines=ll.lines,
                text=ll.text,
                prefix=prefix,
                name=name,
                rest=str(rest),
                result=result,
                pad=str(pad),
                parts=ll.parts,
            )

        return build

    def complete(self, pad: Token, result: r.Result) -> tuple[Any, ...]:
        return (r.CallEnd.COMPLETE, str(pad), result)

    def killed(self, _mark: Token, pad: Token, result: r.Result) -> tuple[Any, ...]:
        return (r.CallEnd.KILLED, str(pad), result)

    def unfinished(self, _mark: Token) -> tuple[Any, ...]:
        return (r.CallEnd.UNFINISHED, " ", None)

    def detached(self, _mark: Token) -> tuple[Any, ...]:
        return (r.CallEnd.DETACHED, " ", None)

    def result(self, retval: Token, *rest: Token) -> r.Result:
        notes = tuple(t[2:-1] for t in rest if t.type == "RET_NOTE")
        duration = next((_duration(t) for t in rest if t.type == "DURATION"), None)
        text = str(retval)
        if text.startswith("-1 ("):  # "-1 (errno 600)"
            return r.Result(
                text, -1, errno_number=int(text[len("-1 (errno ") : -1]), notes=notes, duration=duration
            )
        if text.startswith(("-1 ", "? ")) and text.endswith(")"):
            name, _, message = text.split(" ", 1)[1].partition(" (")  # after "-1 " or "? "
            value = -1 if text[0] == "-" else None
            return r.Result(text, value, errno=name, message=message[:-1], notes=notes, duration=duration)
        if text.startswith("?"):
            unavailable = "unavailable" if text.endswith("<unavailable>") else None
            return r.Result(text, None, message=unavailable, notes=notes, duration=duration)
        number, _, decoration = text.partition("<")
        return r.Result(
            text,
            _number(number).value,
            decoration=decoration[:-1] if decoration else None,
            notes=notes,
            duration=duration,
        )

    def signal(self, name: Token, info: Token) -> Any:
        return _simple(r.Signal, signal=str(name), info=str(info))

    def signal_stop(self, name: Token) -> Any:
        return _simple(r.Signal, signal=str(name), info=None, stopped=True)

    def exited(self, status: Token) -> Any:
        return _simple(r.Exit, kind="exited", status=int(status))

    def killed_by(self, name: Token, core: Token | None = None) -> Any:
        return _simple(r.Exit, kind="killed", signal=str(name), core_dumped=core is not None)

    def superseded(self, pid: Token) -> Any:
        return _simple(r.Exit, kind="superseded", status=int(pid))

    def personality(self, pid: Token, mode: Token) -> Any:
        return _simple(r.Personality, process=int(pid), mode=str(mode))

    def frame(self, _mark: Token, text: Token) -> Any:
        return _unprefixed(r.StackFrame, frame=str(text))

    def message(self, text: Token) -> Any:
        return _unprefixed(r.Message, message=str(text))

    # ------------------------------------------------------------ bpf() arguments
    def bpf_args(self, *items: Any) -> tuple[Any, ...]:
        names, vals = _arg_names(items)
        return (bool(names), vals[0], vals[1], vals[2])

    def bpf_args_cut(self, *items: Any) -> tuple[Any, ...]:
        names, vals = _arg_names(items)
        attr = vals[1] if len(vals) > 1 else (v.Empty() if len(names) > 1 else None)
        return (bool(names), vals[0], attr, None)

    def number(self, tok: Token) -> v.Number:
        return _number(tok)

    def symbol(self, tok: Token) -> v.Symbol:
        return v.Symbol(str(tok))

    def decorated(self, tok: Token, decor: Token) -> v.Decorated:
        inner: v.Number | v.Symbol = _number(tok) if tok.type == "NUMBER" else v.Symbol(str(tok))
        text, deleted = _decoration(decor)
        return v.Decorated(inner, text, deleted)

    def flags(self, *atoms: v.Number | v.Symbol) -> v.Flags:
        return v.Flags(tuple(atoms))

    def string(self, tok: Token) -> v.String:
        return _string(str(tok))

    def macro(self, open_: Token, *args: v.Value) -> v.Macro:
        return v.Macro(open_[:-1], tuple(args))

    def alternatives(self, first: Token, _or: Token, second: v.Value) -> v.Alternatives:
        return v.Alternatives(_number(first), second)

    def commented(self, value: v.Value, comment: Token) -> v.Commented:
        return v.Commented(value, _comment(comment))

    def changed(self, before: v.Value, arrow: Token, after: v.Value) -> v.Changed:
        return v.Changed(before, after, str(arrow))

    def changed_commented(self, before: v.Value, arrow: Token, after: v.Value, comment: Token) -> v.Changed:
        return v.Changed(before, v.Commented(after, _comment(comment)), str(arrow))

    def struct(self, members: tuple[v.Member, ...] = ()) -> v.Struct:
        return v.Struct(members)

    def struct_cut(self, members: tuple[v.Member, ...] = ()) -> v.Struct:
        return v.Struct(members, closed=False)

    def members(self, *members: v.Member) -> tuple[v.Member, ...]:
        return members

    def field(self, name: Token, value: v.Value) -> v.Member:
        return v.Member(str(name), value)

    def field_empty(self, name: Token) -> v.Member:
        return v.Member(str(name), v.Empty())

    def member_ellipsis(self, _tok: Token) -> v.Member:
        return v.Member(None, _ELLIPSIS)

    def anon_string(self, *toks: Token) -> v.Member:
        if len(toks) == 2:
            return v.Member(None, _string(str(toks[1])), lead_comment=toks[0].strip()[3:-3])
        return v.Member(None, _string(str(toks[0])))

    def array(self, *items: v.Value) -> v.Array:
        return v.Array(tuple(items))

    def ellipsis(self, _tok: Token, comment: Token | None = None) -> v.Ellipsis:
        return _ELLIPSIS if comment is None else v.Ellipsis(_comment(comment))

    # ------------------------------------------------------------ other syscalls' text
    def raw_args(self, *items: str) -> str:
        return "".join(items)

    def raw_group(self, *items: str) -> str:
        return "".join(items)


_EMPTY_PREFIX = r.Prefix()


def _prefix_of(
    text: str,
    pid: str | None = None,
    secontext: str | None = None,
    time: str | None = None,
    relative: str | None = None,
    scno: str | None = None,
    ip: str | None = None,
    cache: StraceCache | None = None,
) -> r.Prefix:
    """The Prefix of a prefix ``text`` from the text of each of its tokens (the grammar's
    PID, SECONTEXT, ABS_TIME, REL_TIME, SCNO, IP): the one decoder of each field. With a
    ``cache``, the fields that repeat from line to line (all but the times) are decoded once."""
    key = (pid, secontext, scno, ip)
    fixed = cache.untimed.get(key) if cache is not None else None
    if fixed is None:
        number, comm = pid_of(pid) if pid is not None else (None, None)
        fixed = (
            number,
            comm,
            secontext[1:-2] if secontext is not None else None,  # "[ctx] "
            scno[1:-2].strip() if scno is not None else None,  # "[  321] "
            ip[1:-2] if ip is not None else None,  # "[00007f3a5b1c2d3e] "
        )
        if cache is not None:
            if len(cache.untimed) >= cache.limit:
                cache.untimed.clear()
            cache.untimed[key] = fixed
    number, comm, secontext_field, scno_field, ip_field = fixed
    return r.Prefix(
        text,
        number,
        comm,
        secontext_field,
        time[:-1] if time is not None else None,  # "07:46:19.123 "
        relative.strip().strip("(+)").strip() if relative is not None else None,  # "(+ 0.000117) "
        scno_field,
        ip_field,
    )


def _duration(token: str) -> str:
    """The seconds of a DURATION token: " <0.000017>" -> "0.000017"."""
    return token[2:-1]


@dataclass(frozen=True, slots=True)
class _BpfEvent:
    """A parsed ``bpf(...) = result`` event, whatever its prefix and line."""

    command: str
    cmd: v.Value
    attr: v.Value | None
    size: v.Value | None
    end: r.CallEnd
    result: r.Result | None
    pad: str
    arg_names: bool

    def __call__(self, prefix: r.Prefix) -> _Build:
        return lambda ll: self.record(prefix, ll, self.result)

    def record(self, prefix: r.Prefix, ll: LogicalLine, result: r.Result | None) -> r.Syscall:
        return r.Syscall(
            line=ll.lines[0],
            lines=ll.lines,
            text=ll.text,
            prefix=prefix,
            command=self.command,
            cmd=self.cmd,
            attr=self.attr,
            size=self.size,
            end=self.end,
            result=result,
            pad=self.pad,
            arg_names=self.arg_names,
            parts=ll.parts,
        )


_Event = Callable[[r.Prefix], _Build]  # a parsed event: the record builder for its prefix
# a marked text's markers: (path in the attr, marker index) of each; None: it cannot be marked
_Marks = tuple[tuple[tuple[Any, ...], int], ...] | None


@dataclass(slots=True, eq=False)
class StraceCache:
    """What the strace parser remembers for one parse (or several that share it), within its
    limits: a table that reaches its limit starts over.

    A line is split at the end of its prefix (``lines.prefix_pattern``), its prefix read from
    the groups and its event parsed once per distinct text (a map operation in a loop repeats
    its event text; only pid and time change)."""

    limit: int = 1 << 14  # entries of each table
    text_limit: int = 1 << 20  # longer event texts are parsed each time, not kept
    budget: int = 1 << 26  # characters of event text kept at most (the events start over then)
    events: dict[str, _Event] = field(default_factory=dict)  # event text -> its parse
    chars: int = 0  # characters of the event texts kept
    prefixes: dict[str, r.Prefix] = field(default_factory=dict)  # prefix text (no time in it) -> Prefix
    # (pid, secontext, scno, ip) token texts of a prefix with times -> pid, comm, secontext, scno, ip
    untimed: dict[tuple[str | None, ...], tuple[Any, ...]] = field(default_factory=dict)
    marks: dict[str, _Marks] = field(default_factory=dict)  # marked event text -> its markers
    timed: dict[tuple[int, str], tuple[r.Result, r.Result]] = field(
        default_factory=dict
    )  # (id(result), duration) -> (result, result with the duration)

    def keep(self, body: str, event: _Event) -> None:
        """Keep ``event`` for ``body``, within the count and size budget."""
        if len(body) > self.text_limit:
            return
        if len(self.events) >= self.limit or self.chars + len(body) > self.budget:
            self.events.clear()
            self.chars = 0
        self.events[body] = event
        self.chars += len(body)


def _timed(result: r.Result, duration: str, cache: StraceCache) -> r.Result:
    """``result`` with a ``-T`` duration (durations repeat: each pair is made once)."""
    known = cache.timed.get((id(result), duration))
    if known is not None and known[0] is result:
        return known[1]
    timed = replace(result, duration=duration)
    if len(cache.timed) >= cache.limit:
        cache.timed.clear()
    cache.timed[(id(result), duration)] = (result, timed)
    return timed


_ELLIPSIS = v.Ellipsis()


def _string(text: str) -> v.String:
    truncated = text.endswith("...")
    body = text[1:-4] if truncated else text[1:-1]
    return v.String(text, v.decode_string(body), truncated)


def _simple(cls: Any, **fields: Any) -> Callable[[r.Prefix], _Build]:
    def build(prefix: r.Prefix) -> _Build:
        return lambda ll: cls(
            line=ll.lines[0], lines=ll.lines, text=ll.text, prefix=prefix, parts=ll.parts, **fields
        )

    return build


def _unprefixed(cls: Any, **fields: Any) -> Callable[[r.Prefix], _Build]:
    def build(prefix: r.Prefix) -> _Build:
        if prefix.text:
            raise _Reject("this kind of line has no prefix")
        return lambda ll: cls(line=ll.lines[0], lines=ll.lines, text=ll.text, parts=ll.parts, **fields)

    return build


register(GRAMMAR, _ToModel, start=("start", "body"))


def _parser() -> lark.Lark:
    return parser(GRAMMAR)


def _prefix(m: re.Match[str], cache: StraceCache) -> r.Prefix:
    """The Prefix of a ``prefix_pattern`` match: the grammar's ``prefix`` rule, read from the
    groups."""
    text = m.group()
    known = cache.prefixes.get(text)
    if known is not None:
        return known
    if not text:
        return _EMPTY_PREFIX
    groups = m.groups()
    pid, secontext, time, relative, scno, ip = groups if _FAST_ORDER else _FAST_FIELDS[0](groups)
    prefix = _prefix_of(text, pid, secontext, time, relative, scno, ip, cache)
    if time is None and relative is None:  # times never repeat: the others are kept whole
        if len(cache.prefixes) >= cache.limit:
            cache.prefixes.clear()
        cache.prefixes[text] = prefix
    return prefix


def _event(body: str, cache: StraceCache) -> _Event | None:
    """The parsed event of ``body`` (the line after its prefix), or None if it does not parse
    (a split the grammar would not make: the whole line is parsed then)."""
    event = cache.events.get(body)
    if event is not None:
        return event
    try:
        event = cast(_Event, _parser().parse(body, start="body"))
    except (lark.exceptions.LarkError, _Reject, RecursionError, ValueError):
        return None
    if _too_deep(event):
        return None
    cache.keep(body, event)
    return event


def _unparsed(ll: LogicalLine, message: str, column: int = 1, expected: Iterable[str] = ()) -> r.Unparsed:
    names = expected_tokens("strace.lark", _parser(), expected)
    return r.Unparsed(ll.lines[0], ll.lines, ll.text, message, column, names, ll.parts)


# Where each kind of event begins: the grammar's CALL_OPEN, and the leads of its other
# event kinds. Not the grammar's terminals themselves: these are looser on purpose (a line
# whose "<... " or "+++ " is followed by something wrong is a broken strace line, not foreign
# text), and no terminal says "the beginning of a kind". test_strace_fastpath checks that
# every terminal an event can begin with starts with one of them.
EVENT_LEADS = ("<... ", "--- ", "+++ ", "[ Process PID=", " > ", "strace: ")


@lru_cache(maxsize=1)
def _event_start() -> re.Pattern[str]:
    leads = "|".join(re.escape(lead) for lead in EVENT_LEADS)
    return re.compile(f"{terminal_regexp(GRAMMAR, 'CALL_OPEN')}|{leads}")


def _where(ll: LogicalLine, column: int, what: str) -> str:
    """A message for a failure at ``column``: foreign text, or what was wrong where."""
    start = prefix_pattern().match(ll.text)
    event_col = (start.end() if start else 0) + 1
    if column <= event_col and not _event_start().match(ll.text, event_col - 1):
        return "not a line strace writes (no syscall, signal, exit or strace message here)"
    return what


@lru_cache(maxsize=1)
def _duration_pattern() -> re.Pattern[str]:
    """The grammar's DURATION (strace -T) at the end of a line: it changes every call, so it
    is cut off before the event text is looked up and put back into the result."""
    return re.compile(terminal_regexp(GRAMMAR, "DURATION", groups=False) + r"\Z")


# parse_line's two patterns (prefix match, duration search), made on first use: looked up
# here for every line without a call; and what puts the prefix's groups (in the grammar's
# order) into _prefix_of's order, unless they are so already (_FAST_ORDER)
_FAST: list[Callable[[str], re.Match[str] | None]] = []
_FAST_FIELDS: list[Callable[[tuple[str | None, ...]], tuple[str | None, ...]]] = []
_FAST_ORDER = False
_FIELD_ORDER = ("pid", "secontext", "time", "relative", "scno", "ip")  # _prefix_of's parameters


def _fast() -> list[Callable[[str], re.Match[str] | None]]:
    global _FAST_ORDER
    if not _FAST:
        prefix = prefix_pattern()
        _FAST_FIELDS[:] = [operator.itemgetter(*(prefix.groupindex[name] - 1 for name in _FIELD_ORDER))]
        _FAST_ORDER = tuple(sorted(prefix.groupindex, key=prefix.groupindex.__getitem__)) == _FIELD_ORDER
        _FAST.extend((prefix.match, _duration_pattern().search))
    return _FAST


# User-space addresses in a bpf() attr (``key=0x7ffd6c1dafc0``) move with every process
# (ASLR): they are replaced by numbered markers before the event text is looked up, and
# the real numbers put back into the attr of the record built from the marked text.
# Not the grammar's NUMBER: which numbers to mark is a choice (hex of address size after
# "=", before the end of the value), not syntax; a marker that lands where the grammar reads
# no number is found by ``_unmark`` and the text is parsed as it is.
_POINTER = re.compile(r"(?<==)0x[0-9a-f]{8,16}(?=[,}\]])")
_MARK = "0xb10c5"  # + 11 hex digits: the marker's index


def _marked(body: str, pointers: list[str]) -> str:
    def mark(p: re.Match[str]) -> str:
        pointers.append(p.group())
        return f"{_MARK}{len(pointers) - 1:011x}"

    return _POINTER.sub(mark, body)


def parse_line(ll: LogicalLine, cache: StraceCache | None = None) -> r.Record:
    """Parse one logical line; a line that does not parse comes back as ``Unparsed``.

    ``cache`` keeps what was parsed for the lines after it (a parse passes its own; without
    one, the line is parsed with a fresh one)."""
    if cache is None:
        cache = StraceCache()
    match_prefix, search_duration = _FAST or _fast()
    text = ll.text
    m = match_prefix(text)
    assert m is not None  # every group is optional
    body = text[m.end() :]
    timed = search_duration(body) if body.endswith(">") else None
    if timed is not None:
        body = body[: timed.start()]
    event = cache.events.get(body)
    if event is None and body.startswith("bpf(") and "=0x" in body:
        event = _unmarked_event(body, cache)
    if event is None:
        event = _event(body, cache)
    if isinstance(event, _BpfEvent) and event.result is not None and event.result.duration is None:
        result = event.result if timed is None else _timed(event.result, _duration(timed.group()), cache)
        return event.record(_prefix(m, cache), ll, result)
    if event is not None:
        try:
            record = event(_prefix(m, cache))(ll)
        except _Reject:
            return _parse_whole(ll)  # the whole line gets the exact message
        if timed is None:
            return record
        done = getattr(record, "result", None)
        if isinstance(done, r.Result) and done.duration is None:
            timed_result = replace(done, duration=_duration(timed.group()))
            timed_record: r.Record = replace(cast(Any, record), result=timed_result)
            return timed_record
    return _parse_whole(ll)


def _unmarked_event(body: str, cache: StraceCache) -> _Event | None:
    """The event of ``body`` made from the event of its marked text (parsed once for every
    process's addresses), kept under ``body`` too; None where marking does not apply."""
    pointers: list[str] = []
    marked = _marked(body, pointers)
    if not pointers or cache.marks.get(marked, ()) is None:
        return None
    event = _event(marked, cache)
    if not isinstance(event, _BpfEvent):
        return None
    attr = _unmark(event.attr, marked, pointers, cache)
    if attr is None:  # a marker landed where no number was: parse the text as it is
        return None
    real = replace(event, attr=attr)
    cache.keep(body, real)
    return real


def _unmark(attr: v.Value | None, marked: str, pointers: list[str], cache: StraceCache) -> v.Value | None:
    """``attr`` (parsed from the marked text) with the real pointers put back."""
    if marked in cache.marks:
        known = cache.marks[marked]
    else:
        paths = tuple((p, int(t[len(_MARK) :], 16)) for t, p in _marker_paths(attr, ()))
        known = paths if sorted(i for _, i in paths) == list(range(len(pointers))) else None
        if len(cache.marks) >= cache.limit:
            cache.marks.clear()
        cache.marks[marked] = known
    if known is None:
        return None
    for path, index in known:
        text = pointers[index]
        attr = _put(attr, path, v.Number(int(text, 16), text))
    return attr


# strace nests a few levels (batch ops, link_create unions); a deeper value is no strace
# output, and renderers and converters that walk values recursively must not meet it
MAX_DEPTH = 100


def _depth(node: Any) -> int:
    """How deeply values nest under ``node`` (without recursion)."""
    deepest = 0
    stack = [(node, 1)] if node is not None else []
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        step = 0 if isinstance(item, v.Member) else 1  # a member and its value are one level
        for name in _CHILDREN.get(type(item), ()):
            child = getattr(item, name)
            if isinstance(child, tuple):
                stack.extend((c, level + step) for c in child)
            else:
                stack.append((child, level + step))
    return deepest


def _too_deep(event: Any) -> bool:
    return isinstance(event, _BpfEvent) and _depth(event.attr) > MAX_DEPTH


_CHILDREN: dict[type, tuple[str, ...]] = {
    v.Struct: ("members",),
    v.Member: ("value",),
    v.Array: ("items",),
    v.Changed: ("before", "after"),
    v.Commented: ("value",),
    v.Decorated: ("value",),
    v.Alternatives: ("first", "second"),
    v.Macro: ("args",),
    v.Flags: ("items",),
}


def _marker_paths(node: Any, path: tuple[Any, ...]) -> Iterable[tuple[str, Any]]:
    """(marker text, path) of every marker number under ``node``; a path is a tuple of
    (field, index or -1) steps."""
    if isinstance(node, v.Number):
        if node.text.startswith(_MARK) and len(node.text) == len(_MARK) + 11:
            yield node.text, path
        return
    for name in _CHILDREN.get(type(node), ()):
        child = getattr(node, name)
        if isinstance(child, tuple):
            for i, item in enumerate(child):
                yield from _marker_paths(item, (*path, (name, i)))
        else:
            yield from _marker_paths(child, (*path, (name, -1)))


def _put(node: Any, path: tuple[Any, ...], new: v.Number) -> Any:
    if not path:
        return new
    (name, index), rest = path[0], path[1:]
    child = getattr(node, name)
    if index < 0:
        return replace(node, **{name: _put(child, rest, new)})
    items = list(child)
    items[index] = _put(items[index], rest, new)
    return replace(node, **{name: tuple(items)})


def _parse_whole(ll: LogicalLine) -> r.Record:
    try:
        build = cast(_Build, _parser().parse(ll.text, start="start"))
        record = build(ll)
        if _depth(getattr(record, "attr", None)) > MAX_DEPTH:
            return _unparsed(ll, f"nested too deeply (more than {MAX_DEPTH} levels)")
        return record
    except lark.exceptions.UnexpectedCharacters as exc:
        pos = exc.pos_in_stream or 0
        char = ll.text[pos] if pos < len(ll.text) else ""
        message = _where(ll, exc.column, f"unexpected character {quoted(char)}")
        return _unparsed(ll, message, exc.column, expected_of(exc))
    except lark.exceptions.UnexpectedToken as exc:
        if exc.token.type == "$END":
            return _unparsed(ll, "line ends too early (cut short?)", len(ll.text) + 1, exc.expected)
        message = _where(ll, exc.column, f"unexpected {quoted(str(exc.token)[:40])}")
        return _unparsed(ll, message, exc.column, exc.expected)
    except lark.exceptions.UnexpectedEOF as exc:
        return _unparsed(ll, "line ends too early (cut short?)", len(ll.text) + 1, exc.expected)
    except _Reject as exc:
        return _unparsed(ll, str(exc))
    except RecursionError:
        return _unparsed(ll, f"nested too deeply (more than {MAX_DEPTH} levels)")
    except ValueError:  # Python reads at most 4,300 decimal digits
        return _unparsed(ll, "a number too long to read")
