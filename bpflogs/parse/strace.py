"""strace logs into records: the grammar's rules mapped onto the model.

``parse_line`` turns one logical line (``bpflogs.parse.lines``) into its record; a line
the grammar rejects becomes an ``Unparsed`` record with the parser's message and column,
never an exception. ``bpflogs.parse.capture`` reads whole captures with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, cast

import lark
from lark import Token, v_args

from bpflogs import schema
from bpflogs.model import records as r
from bpflogs.model import values as v
from bpflogs.parse.grammar import lalr_parser
from bpflogs.parse.lines import PREFIX, LogicalLine
from bpflogs.parse.tokens import expected_of, expected_tokens, quoted

__all__ = ["command_name", "parse_line"]

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
        fields: dict[str, Any] = {"text": "".join(tokens)}
        for tok in tokens:
            kind = tok.type
            if kind == "PID":
                text = tok.strip()
                if text.startswith("[pid"):
                    text = text[4:-1].strip()
                num, _, comm = text.partition("<")
                fields["pid"] = int(num)
                if comm:
                    fields["comm"] = comm[:-1]
            elif kind == "SECONTEXT":
                fields["secontext"] = tok[1:-2]
            elif kind == "ABS_TIME":
                fields["time"] = tok[:-1]
            elif kind == "REL_TIME":
                fields["relative"] = tok.strip().strip("(+)").strip()
            elif kind == "SCNO":
                fields["scno"] = tok[1:-2].strip()
            elif kind == "IP":
                fields["ip"] = tok[1:-2]
        return r.Prefix(**fields)

    def bpf_call(self, _open: Token, args: tuple[Any, ...], end: tuple[Any, ...]) -> Any:
        arg_names, cmd, attr, size = args
        kind, pad, result = end
        if kind is r.CallEnd.COMPLETE and (_has_cut(attr) or (attr is None or size is None)):
            raise _Reject("the call's arguments end early but the line has a result")

        return _BpfEvent(command_name(cmd), cmd, attr, size, kind, result, pad, arg_names)

    def other_call(self, open_: Token, args: str | None, end: tuple[Any, ...]) -> Any:
        kind, pad, result = end
        name = open_[:-1]
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
        name = resumed[len("<... ") : -len(" resumed>")]

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
        duration = next((t[2:-1] for t in rest if t.type == "DURATION"), None)
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


_TIMED: dict[tuple[int, str], tuple[r.Result, r.Result]] = {}  # (id(result), duration) -> (it, timed)


def _timed(result: r.Result, duration: str) -> r.Result:
    """``result`` with a ``-T`` duration (durations repeat: each pair is made once)."""
    known = _TIMED.get((id(result), duration))
    if known is not None and known[0] is result:
        return known[1]
    timed = replace(result, duration=duration)
    if len(_TIMED) >= _CACHE_LIMIT:
        _TIMED.clear()
    _TIMED[(id(result), duration)] = (result, timed)
    return timed
_ELLIPSIS = v.Ellipsis()


@lru_cache(maxsize=4096)
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


@lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    return lalr_parser("strace.lark", _ToModel(), start=["start", "body"])


# A line is split at the end of its prefix (lines.PREFIX), its prefix read from the groups
# and its event parsed once per distinct text (a map operation in a loop repeats its event
# text; only pid and time change). A split the grammar would not make fails to parse as an
# event and falls back to parsing the whole line.
_EVENTS: dict[str, Callable[[r.Prefix], _Build]] = {}
_PREFIXES: dict[str, r.Prefix] = {}
_CACHE_LIMIT = 1 << 14  # distinct event texts (and prefixes) kept
_CACHE_TEXT = 1 << 20  # longer event texts are parsed each time, not kept
_CACHE_BUDGET = 1 << 26  # characters of event text kept at most (the cache starts over then)
_cached_chars = 0


def _keep(body: str, event: Callable[[r.Prefix], _Build]) -> None:
    """Keep ``event`` for ``body``, within the cache's count and size budget."""
    global _cached_chars
    if len(body) > _CACHE_TEXT:
        return
    if len(_EVENTS) >= _CACHE_LIMIT or _cached_chars + len(body) > _CACHE_BUDGET:
        _EVENTS.clear()
        _cached_chars = 0
    _EVENTS[body] = event
    _cached_chars += len(body)


def _prefix(m: re.Match[str]) -> r.Prefix:
    """The Prefix of a PREFIX match: the grammar's ``prefix`` rule, read from the groups."""
    text = m.group()
    known = _PREFIXES.get(text)
    if known is not None:
        return known
    if not text:
        return _EMPTY_PREFIX
    pid_text, secontext, time, relative, scno, ip = m.groups()
    pid = comm = None
    if pid_text is not None:
        num = pid_text.strip()
        if num.startswith("[pid"):
            num = num[4:-1].strip()
        num, _, comm_text = num.partition("<")
        pid = int(num)
        comm = comm_text[:-1] if comm_text else None
    prefix = r.Prefix(
        text,
        pid,
        comm,
        secontext[1:-2] if secontext is not None else None,
        time[:-1] if time is not None else None,
        relative.strip().strip("(+)").strip() if relative is not None else None,
        scno[1:-2].strip() if scno is not None else None,
        ip[1:-2] if ip is not None else None,
    )
    if time is None and relative is None:  # times never repeat: keep only the rest
        if len(_PREFIXES) >= _CACHE_LIMIT:
            _PREFIXES.clear()
        _PREFIXES[text] = prefix
    return prefix


def _event(body: str) -> Callable[[r.Prefix], _Build] | None:
    """The parsed event of ``body`` (the line after its prefix), or None if it does not parse."""
    event = _EVENTS.get(body)
    if event is not None:
        return event
    try:
        event = cast(Callable[[r.Prefix], _Build], _parser().parse(body, start="body"))
    except (lark.exceptions.LarkError, _Reject, RecursionError, ValueError):
        return None
    if _too_deep(event):
        return None
    _keep(body, event)
    return event


def _unparsed(ll: LogicalLine, message: str, column: int = 1, expected: Iterable[str] = ()) -> r.Unparsed:
    names = expected_tokens("strace.lark", _parser(), expected)
    return r.Unparsed(ll.lines[0], ll.lines, ll.text, message, column, names, ll.parts)


_EVENT_START = re.compile(r"[a-z_][a-z0-9_]*(#64)?\(|<\.\.\. |--- |\+\+\+ |\[ Process PID=| > |strace: ")


def _where(ll: LogicalLine, column: int, what: str) -> str:
    """A message for a failure at ``column``: foreign text, or what was wrong where."""
    start = PREFIX.match(ll.text)
    event_col = (start.end() if start else 0) + 1
    if column <= event_col and not _EVENT_START.match(ll.text, event_col - 1):
        return "not a line strace writes (no syscall, signal, exit or strace message here)"
    return what


# strace -T's duration ends the line; it changes every call, so it is cut off before the
# event text is looked up and put back into the result
_DURATION = re.compile(r" <(\d+\.\d+)>$")


# User-space addresses in a bpf() attr (``key=0x7ffd6c1dafc0``) move with every process
# (ASLR): they are replaced by numbered markers before the event text is looked up, and
# the real numbers put back into the attr of the record built from the marked text.
_POINTER = re.compile(r"(?<==)0x[0-9a-f]{8,16}(?=[,}\]])")
_MARK = "0xb10c5"  # + 11 hex digits: the marker's index
# marked text -> (path in the attr, marker index) of each marker; None: the text cannot be marked
_MARKS: dict[str, tuple[tuple[tuple[Any, ...], int], ...] | None] = {}


def _marked(body: str, pointers: list[str]) -> str:
    def mark(p: re.Match[str]) -> str:
        pointers.append(p.group())
        return f"{_MARK}{len(pointers) - 1:011x}"

    return _POINTER.sub(mark, body)


def parse_line(ll: LogicalLine) -> r.Record:
    """Parse one logical line; a line that does not parse comes back as ``Unparsed``."""
    text = ll.text
    m = PREFIX.match(text)
    assert m is not None  # every group is optional
    body = text[m.end() :]
    timed = _DURATION.search(body) if body.endswith(">") else None
    if timed is not None:
        body = body[: timed.start()]
    event = _EVENTS.get(body)
    if event is None and body.startswith("bpf(") and "=0x" in body:
        event = _unmarked_event(body)
    if event is None:
        event = _event(body)
    if isinstance(event, _BpfEvent) and event.result is not None and event.result.duration is None:
        result = event.result if timed is None else _timed(event.result, timed.group(1))
        return event.record(_prefix(m), ll, result)
    if event is not None:
        try:
            record = event(_prefix(m))(ll)
        except _Reject:
            return _parse_whole(ll)  # the whole line gets the exact message
        if timed is None:
            return record
        done = getattr(record, "result", None)
        if isinstance(done, r.Result) and done.duration is None:
            timed_result = replace(done, duration=timed.group(1))
            timed_record: r.Record = replace(cast(Any, record), result=timed_result)
            return timed_record
    return _parse_whole(ll)


def _unmarked_event(body: str) -> Callable[[r.Prefix], _Build] | None:
    """The event of ``body`` made from the event of its marked text (parsed once for every
    process's addresses), kept under ``body`` too; None where marking does not apply."""
    pointers: list[str] = []
    marked = _marked(body, pointers)
    if not pointers or _MARKS.get(marked, ()) is None:
        return None
    event = _event(marked)
    if not isinstance(event, _BpfEvent):
        return None
    attr = _unmark(event.attr, marked, pointers)
    if attr is None:  # a marker landed where no number was: parse the text as it is
        return None
    real = replace(event, attr=attr)
    _keep(body, real)
    return real


def _unmark(attr: v.Value | None, marked: str, pointers: list[str]) -> v.Value | None:
    """``attr`` (parsed from the marked text) with the real pointers put back."""
    if marked in _MARKS:
        known = _MARKS[marked]
    else:
        paths = tuple((p, int(t[len(_MARK) :], 16)) for t, p in _marker_paths(attr, ()))
        known = paths if sorted(i for _, i in paths) == list(range(len(pointers))) else None
        if len(_MARKS) >= _CACHE_LIMIT:
            _MARKS.clear()
        _MARKS[marked] = known
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
