"""A diff result as plain text, and the line layout the rich view colours.

The layout is a list of lines, each a tuple of ``Span`` (text, a style name, whether it
is a part of an instruction that differs). Plain text joins the spans and marks the
differing parts with a caret line under them (``?`` in the first column, as ndiff does);
the rich view styles the same spans instead. Every string that came from a capture goes
through ``inert`` here, once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TextIO

from bpflogs.compare.options import ViewOptions
from bpflogs.compare.result import (
    AttrChange,
    CallDiff,
    CallSide,
    ChangeCategory,
    DiffResult,
    FunctionDelta,
    InsnRow,
    InsnSide,
    Op,
    ProbeSummary,
    ProgramDiff,
    ProgramSide,
    Status,
    TextDiff,
    TextLine,
    TextRow,
)
from bpflogs.render.inert import inert
from bpflogs.rules import Rule

__all__ = [
    "TEXT_DIFFERS",
    "Line",
    "Span",
    "call_title",
    "delta_text",
    "equal_text",
    "footer_text",
    "function_rows",
    "has_probes",
    "hunk_header",
    "hunk_lines",
    "layout",
    "percent_text",
    "plain",
    "probe_text",
    "shown_calls",
    "shown_changes",
    "shown_rows",
    "side_text",
    "text_hunk_header",
    "text_hunk_lines",
    "text_hunks",
    "unparsed_text",
    "write_text",
]

# style names (the rich view maps them to colours)
TITLE, HEADING, DIM, SAME = "title", "heading", "dim", "same"
REMOVED, ADDED, CHANGED, HIDDEN = "removed", "added", "changed", "hidden"
SOURCE, CLASSES, HUNK, NOTE = "source", "classes", "hunk", "note"

STATUS_STYLE = {Status.SAME: SAME, Status.CHANGED: CHANGED, Status.ADDED: ADDED, Status.REMOVED: REMOVED}
_SBS_MARKER = {Op.EQUAL: " ", Op.CHANGE: "|", Op.DELETE: "<", Op.INSERT: ">"}


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of a line; ``mark``: part of an instruction text that differs."""

    text: str
    style: str = ""
    mark: bool = False


Line = tuple[Span, ...]


def _line(*parts: str | Span) -> Line:
    return tuple(p if isinstance(p, Span) else Span(p) for p in parts)


def plain(line: Line) -> str:
    """The text of a line, without trailing whitespace."""
    return "".join(s.text for s in line).rstrip()


def _carets(line: Line, first: str) -> Line:
    """``^`` under the marked spans of ``line``; ``first`` replaces the first column."""
    text = "".join(("^" if s.mark else " ") * len(s.text) for s in line).rstrip()
    return (Span(first + text[len(first) :], DIM),)


def _fit(spans: Sequence[Span], width: int) -> list[Span]:
    """``spans`` cut to ``width`` characters, the last one shown as ``…`` when cut."""
    if sum(len(s.text) for s in spans) <= width:
        return list(spans)
    out: list[Span] = []
    room = max(width - 1, 0)
    for s in spans:
        if room <= 0:
            break
        out.append(replace(s, text=s.text[:room]))
        room -= len(s.text[:room])
    return [*out, Span("…", DIM)]


def _width(spans: Iterable[Span]) -> int:
    return sum(len(s.text) for s in spans)


# ---------------------------------------------------------------------------
# numbers


def delta_text(a: int | None, b: int | None) -> str:
    """``+4``, ``-2`` or ``0``; a missing side counts as 0."""
    d = (b or 0) - (a or 0)
    return f"{d:+d}" if d else "0"


def percent_text(a: int | None, b: int | None) -> str:
    """The change relative to ``a`` (``+3.3%``); empty when a side is missing or ``a`` is 0."""
    if not a or b is None:
        return ""
    return "0.0%" if a == b else f"{(b - a) / a * 100:+.1f}%"


def _count(n: int | None) -> str:
    return "-" if n is None else str(n)


# ---------------------------------------------------------------------------
# one-line texts (shared with the Markdown report)


def _rules(hidden: Mapping[Rule, int]) -> str:
    return ", ".join(f"{inert(rule)} {n}" for rule, n in sorted(hidden.items()))


def footer_text(result: DiffResult) -> str:
    """What each rule hid, and how to see it."""
    if result.strict:
        return "strict: no rule hid anything"
    if not result.hidden:
        return "no rule hid anything"
    return f"hidden by rules: {_rules(result.hidden)} (run with --strict to see them)"


def equal_text(result: DiffResult) -> str:
    """The one line of an equal result: what was compared and what was hidden."""
    compared = []
    if result.calls_a or result.calls_b or result.syscalls:
        compared.append(f"{result.calls_a}/{result.calls_b} bpf() calls")
    if result.programs:
        a = sum(1 for p in result.programs if p.a is not None)
        b = sum(1 for p in result.programs if p.b is not None)
        ia = sum(p.a.insns for p in result.programs if p.a is not None)
        ib = sum(p.b.insns for p in result.programs if p.b is not None)
        compared.append(f"{a}/{b} programs ({ia}/{ib} instructions)")
    if result.unparsed_a or result.unparsed_b:
        compared.append(f"{result.unparsed_a}/{result.unparsed_b} unparsed lines as text")
    what = ", ".join(compared) or "nothing"
    if result.strict:
        hidden = "strict: nothing hidden"
    elif result.hidden:
        hidden = f"hidden: {_rules(result.hidden)}; --strict shows them"
    else:
        hidden = "nothing hidden"
    names = f"{inert(result.a_name)} and {inert(result.b_name)}"
    return f"no semantic differences between {names}: compared {what}; {hidden}"


def probe_text(probes: ProbeSummary) -> str:
    """Loader feature probes in one line."""
    commands = sorted(set(probes.by_command_a) | set(probes.by_command_b))
    per = ", ".join(
        f"{inert(c)} {probes.by_command_a.get(c, 0)}/{probes.by_command_b.get(c, 0)}" for c in commands
    )
    text = f"probes: a {probes.a}, b {probes.b}" + (f" ({per})" if per else "")
    if probes.differing:
        text += f"; {probes.differing} differ{'s' if probes.differing == 1 else ''}, listed with the calls"
    return text


def call_title(call: CallDiff) -> str:
    """The call's identity (its command, then what it was paired by)."""
    key = call.key if call.key.startswith(call.command) else f"{call.command} {call.key}".rstrip()
    return inert(key) + (" (probe)" if call.probe else "")


def _where(side: CallSide | None, name: str) -> str:
    if side is None:
        return ""
    return f"{name} line {side.line}" + ("" if side.pid is None else f" pid {side.pid}")


def call_where(call: CallDiff) -> str:
    """``a line 12, b line 14 pid 7``."""
    return ", ".join(w for w in (_where(call.a, "a"), _where(call.b, "b")) if w)


def attr_tag(change: AttrChange) -> str:
    """Why an attribute is shown specially: hidden by a rule, or not a semantic one."""
    rule = f": {inert(change.rule)}" if change.rule else ""
    if change.hidden:
        return f"hidden{rule}"
    return "" if change.category == ChangeCategory.SEMANTIC else f"{inert(change.category)}{rule}"


def attr_value(value: str | None) -> str:
    return "(absent)" if value is None else inert(value)


# ---------------------------------------------------------------------------
# what is shown (layout choices every renderer shares)


def shown_calls(result: DiffResult, view: ViewOptions) -> list[CallDiff]:
    return [c for c in result.syscalls if view.all_rows or c.status is not Status.SAME]


def shown_changes(call: CallDiff, view: ViewOptions) -> tuple[AttrChange, ...]:
    return call.changes if view.all_rows else call.shown


def shown_rows(program: ProgramDiff, view: ViewOptions) -> list[tuple[InsnRow, ...]]:
    """The hunks to show: every row with ``--all``; none for a program only one side has."""
    if view.all_rows:
        rows = tuple(program.all_rows())
        return [rows] if rows else []
    if program.status is not Status.CHANGED:
        return []
    return [h.rows for h in program.hunks(view.context)]


def function_rows(program: ProgramDiff, view: ViewOptions) -> tuple[list[FunctionDelta], int]:
    """The functions to list, and how many same ones were left out."""
    listed = [f for f in program.functions if view.all_rows or f.status is not Status.SAME]
    return listed, len(program.functions) - len(listed)


# ---------------------------------------------------------------------------
# summary


def _table(rows: Sequence[Sequence[tuple[str, str]]], right: frozenset[int], indent: str) -> list[Line]:
    """Cells (text, style) aligned in columns; columns in ``right`` right-aligned."""
    widths = [max(len(r[i][0]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        spans = [Span(indent)]
        for i, (text, style) in enumerate(row):
            cell = text.rjust(widths[i]) if i in right else text.ljust(widths[i])
            spans += [Span("  ")] if i else []
            spans.append(Span(cell, style))
        out.append(tuple(spans))
    return out


def _status_counts(statuses: Iterable[Status]) -> str:
    counts = dict.fromkeys(Status, 0)
    for s in statuses:
        counts[s] += 1
    order = (Status.CHANGED, Status.ADDED, Status.REMOVED, Status.SAME)
    return ", ".join(f"{counts[s]} {s.value}" for s in order)


def _program_table(result: DiffResult, view: ViewOptions) -> list[Line]:
    head = ("program", "function", "status", "a insns", "b insns", "delta", "%")
    rows: list[list[tuple[str, str]]] = [[(h, HEADING) for h in head]]
    for p in result.programs:
        if not view.all_rows and p.status is Status.SAME:
            continue
        a = p.a.insns if p.a is not None else None
        b = p.b.insns if p.b is not None else None
        style = STATUS_STYLE[p.status]
        rows.append(_number_row(inert(p.name), "", p.status, a, b, style))
        listed, left_out = function_rows(p, view)
        for f in listed:
            rows.append(
                _number_row("", inert(f.name), f.status, f.a_insns, f.b_insns, STATUS_STYLE[f.status])
            )
        if left_out:
            rows.append([("", ""), (f"({left_out} more same)", DIM), *[("", "")] * 5])
    return _table(rows, frozenset({3, 4, 5, 6}), "  ") if len(rows) > 1 else []


def _number_row(
    program: str, function: str, status: Status, a: int | None, b: int | None, style: str
) -> list[tuple[str, str]]:
    return [
        (program, HEADING if program else ""),
        (function, ""),
        (status.value, style),
        (_count(a), ""),
        (_count(b), ""),
        (delta_text(a, b), style),
        (percent_text(a, b), style),
    ]


def _summary(result: DiffResult, view: ViewOptions) -> list[Line]:
    out = [
        _line(Span(f"--- a: {inert(result.a_name)}", REMOVED), Span(f" ({inert(result.a_kind)})", DIM)),
        _line(Span(f"+++ b: {inert(result.b_name)}", ADDED), Span(f" ({inert(result.b_kind)})", DIM)),
    ]
    if result.calls_a or result.calls_b or result.syscalls:
        counts = _status_counts(c.status for c in result.syscalls)
        out.append(_line(Span("calls:", HEADING), f" a {result.calls_a}, b {result.calls_b}; {counts}"))
    if result.probes is not None and has_probes(result):
        out.append(_line(Span(probe_text(result.probes), DIM)))
    if result.programs:
        a = sum(1 for p in result.programs if p.a is not None)
        b = sum(1 for p in result.programs if p.b is not None)
        counts = _status_counts(p.status for p in result.programs)
        out.append(_line(Span("programs:", HEADING), f" a {a}, b {b}; {counts}"))
        out += _program_table(result, view)
    if result.unparsed_a or result.unparsed_b:
        out.append(_line(Span("unparsed lines:", HEADING), " " + unparsed_text(result)))
    out += [_line(Span(f"note: {inert(n)}", NOTE)) for n in result.notes]
    return out


def unparsed_text(result: DiffResult) -> str:
    """``a 3, b 4 (compared as text); 1 added, 0 removed, 3 same``."""
    added = sum(t.added for t in result.unparsed)
    removed = sum(t.removed for t in result.unparsed)
    same = sum(t.same for t in result.unparsed)
    return (
        f"a {result.unparsed_a}, b {result.unparsed_b} (compared as text); "
        f"{added} added, {removed} removed, {same} same"
    )


# ---------------------------------------------------------------------------
# calls


def _attr_lines(change: AttrChange, width: int) -> list[Line]:
    tag = attr_tag(change)
    tail = (Span(f"  [{tag}]", HIDDEN if change.hidden else DIM),) if tag else ()
    style = HIDDEN if change.hidden else ""
    a, b = attr_value(change.a), attr_value(change.b)
    path = Span(inert(change.path), style or HEADING)
    one = _line("    ", path, ": ", Span(a, REMOVED), " -> ", Span(b, ADDED), *tail)
    if _width(one) <= width:
        return [one]
    return [
        _line("    ", path, ":", *tail),
        _line("      a: ", Span(a, REMOVED)),
        _line("      b: ", Span(b, ADDED)),
    ]


def _call_lines(call: CallDiff, view: ViewOptions) -> list[Line]:
    style = STATUS_STYLE[call.status]
    out = [
        _line(
            "  ",
            Span(call.status.value, style),
            " ",
            Span(call_title(call), HEADING),
            Span(f"  ({call_where(call)})", DIM),
        )
    ]
    for change in shown_changes(call, view):
        out += _attr_lines(change, view.width)
    for side, sign, side_style in ((call.a, "-", REMOVED), (call.b, "+", ADDED)):
        if side is not None and call.status in (Status.ADDED, Status.REMOVED):
            for text in side.text.split("\n"):
                out.append(_line(*_fit([Span(f"    {sign} {inert(text)}", side_style)], view.width)))
    return out


def _calls(result: DiffResult, view: ViewOptions) -> list[Line]:
    calls = shown_calls(result, view)
    if not calls:
        return []
    out = [_line(Span("calls:" if view.all_rows else "changed calls:", HEADING))]
    for call in calls:
        out += _call_lines(call, view)
    return out


# ---------------------------------------------------------------------------
# programs and hunks


def _range(sides: Sequence[InsnSide], name: str) -> str:
    if not sides:
        return f"{name} none"
    first, last = sides[0].slot, sides[-1].slot
    return f"{name} slot {first}" if first == last else f"{name} slots {first}-{last}"


def _first_function(rows: Sequence[InsnRow]) -> str | None:
    for row in rows:
        for side in (row.a, row.b):
            if side is not None and side.function is not None:
                return side.function
    return None


def hunk_header(program: ProgramDiff, rows: Sequence[InsnRow]) -> str:
    """``@@ program P function F: a slots 10-25, b slots 10-27 @@``."""
    fn = _first_function(rows)
    where = f"program {inert(program.name)}" + ("" if fn is None else f" function {inert(fn)}")
    a = _range([r.a for r in rows if r.a is not None], "a")
    b = _range([r.b for r in rows if r.b is not None], "b")
    return f"@@ {where}: {a}, {b} @@"


def _note(row: InsnRow) -> str:
    if row.op is Op.EQUAL:
        return f"<- equal after {', '.join(inert(h) for h in row.hidden)}" if row.hidden else ""
    parts = [", ".join(inert(c) for c in row.classes)] if row.classes else []
    parts += [f"hidden: {', '.join(inert(h) for h in row.hidden)}"] if row.hidden else []
    return "<- " + "; ".join(parts) if parts else ""


def _text_spans(side: InsnSide, style: str) -> list[Span]:
    """The instruction text, its marked (differing) parts as their own spans."""
    text, at, out = side.text, 0, []
    for start, end in sorted(side.marks):
        start, end = max(start, at), min(end, len(text))
        if start >= end:
            continue
        if start > at:
            out.append(Span(inert(text[at:start]), style))
        out.append(Span(inert(text[start:end]), style, mark=True))
        at = end
    if at < len(text) or not out:
        out.append(Span(inert(text[at:]), style))
    return out


def _source_text(side: InsnSide) -> str:
    line = "" if side.source_line is None else f"  (line {side.source_line})"
    return f"; {inert(side.source or '')}{line}"


@dataclass(frozen=True, slots=True)
class _Context:
    """What a side of a hunk last showed: its function and its source line."""

    function: str | None = None
    source: tuple[str | None, int | None] | None = None


def _changes(prev: _Context, side: InsnSide | None) -> tuple[_Context, list[str]]:
    """The context lines ``side`` brings (function, source) and the side's new context."""
    if side is None:
        return prev, []
    texts = []
    if side.function is not None and side.function != prev.function:
        texts.append(f"<{inert(side.function)}>:")
    source = (side.source, side.source_line)
    if side.source is not None and source != prev.source:
        texts.append(_source_text(side))
    return _Context(side.function, source if side.source is not None else prev.source), texts


@dataclass(frozen=True, slots=True)
class _Grid:
    """Column sizes of one hunk."""

    slot: int  # digits of the widest slot
    text: int  # widest instruction text (for aligning the notes), or 0 not to align
    width: int
    carets: bool
    side_by_side: bool


def _grid(rows: Sequence[InsnRow], view: ViewOptions, carets: bool) -> _Grid:
    sides = [s for r in rows for s in (r.a, r.b) if s is not None]
    slot = max((len(str(s.slot)) for s in sides), default=1)
    text = max((_width(_text_spans(s, "")) for s in sides), default=0)
    if 2 * slot + 5 + text + 30 > view.width:
        text = 0
    return _Grid(slot, text, view.width, carets, view.side_by_side)


def _slot(side: InsnSide | None, g: _Grid) -> str:
    return " " * g.slot if side is None else str(side.slot).rjust(g.slot)


def _unified_line(
    sign: str, a: InsnSide | None, b: InsnSide | None, text: InsnSide, style: str, note: str, g: _Grid
) -> list[Line]:
    spans = _text_spans(text, style)
    tail: tuple[Span, ...] = ()
    if note:
        pad = max(g.text - _width(spans), 0) + 2
        tail = (Span(" " * pad), Span(note, CLASSES))
    line = (Span(sign, style), Span(f" {_slot(a, g)} {_slot(b, g)}  ", DIM), *spans, *tail)
    return [line, _carets(line, "?")] if g.carets and any(s.mark for s in spans) else [line]


def _unified_context(a_texts: list[str], b_texts: list[str], row: InsnRow, g: _Grid) -> list[Line]:
    blank = " " * (2 * g.slot + 4)
    if row.a is not None and row.b is not None and a_texts == b_texts:
        return [_line(" ", blank, Span(t, SOURCE)) for t in a_texts]
    return [_line(Span("-", REMOVED), blank, Span(t, SOURCE)) for t in a_texts] + [
        _line(Span("+", ADDED), blank, Span(t, SOURCE)) for t in b_texts
    ]


def _unified_row(row: InsnRow, g: _Grid) -> list[Line]:
    a, b, note = row.a, row.b, _note(row)
    if row.op is Op.INSERT and b is not None:
        return _unified_line("+", None, b, b, ADDED, note, g)
    if row.op is Op.DELETE and a is not None:
        return _unified_line("-", a, None, a, REMOVED, note, g)
    if a is None or b is None:  # a row the engine left one-sided: show the side it has
        side = a or b
        assert side is not None
        return _unified_line(" ", a, b, side, "", note, g)
    if row.op is Op.EQUAL and not row.hidden:
        return _unified_line(" ", a, b, a, "", "", g)
    if row.op is Op.EQUAL and a.text == b.text:
        return _unified_line("~", a, b, a, HIDDEN, note, g)
    if row.op is Op.EQUAL:
        return _unified_line("~", a, None, a, HIDDEN, note, g) + _unified_line("~", None, b, b, HIDDEN, "", g)
    return _unified_line("-", a, None, a, REMOVED, note, g) + _unified_line("+", None, b, b, ADDED, "", g)


def _column(spans: Sequence[Span], width: int) -> list[Span]:
    """``spans`` fitted into a column of ``width`` and padded to it."""
    fitted = _fit(spans, width)
    return [*fitted, Span(" " * (width - _width(fitted)))]


def _sbs_sides(row: InsnRow) -> tuple[str, str, str]:
    """The marker between the columns, and the styles of the a and b columns."""
    if row.op is Op.EQUAL:
        return ("~", HIDDEN, HIDDEN) if row.hidden else (" ", "", "")
    return _SBS_MARKER[row.op], REMOVED, ADDED


def _sbs_cell(side: InsnSide | None, style: str, g: _Grid, column: int, pad: bool) -> list[Span]:
    if side is None:
        return [Span(" " * column)] if pad else []
    spans = _text_spans(side, style)
    text = _column(spans, column - g.slot - 1) if pad else _fit(spans, column - g.slot - 1)
    return [Span(_slot(side, g) + " ", DIM), *text]


def _sbs_row(row: InsnRow, g: _Grid) -> list[Line]:
    column = max((g.width - 3) // 2, g.slot + 8)
    marker, a_style, b_style = _sbs_sides(row)
    line = (
        *_sbs_cell(row.a, a_style, g, column, True),
        Span(f" {marker} ", a_style or b_style),
        *_sbs_cell(row.b, b_style, g, column, False),
    )
    out = [line]
    note = _note(row)
    if note and _width(line) + 2 + len(note) <= g.width:
        out = [(*line, Span("  " + note, CLASSES))]
    elif note:
        out.append(_line(" " * (column + 3), Span(note, CLASSES)))
    if g.carets and any(s.mark for s in line):
        out.insert(1, _carets(line, " "))
    return out


def _sbs_context(a_texts: list[str], b_texts: list[str], g: _Grid) -> list[Line]:
    column = max((g.width - 3) // 2, g.slot + 8)
    out = []
    for i in range(max(len(a_texts), len(b_texts))):
        left = [Span(a_texts[i], SOURCE)] if i < len(a_texts) else []
        right = [Span(b_texts[i], SOURCE)] if i < len(b_texts) else []
        out.append(_line(*_column(left, column), "   ", *_fit(right, column)))
    return out


def hunk_lines(
    program: ProgramDiff, rows: Sequence[InsnRow], view: ViewOptions, *, carets: bool
) -> list[Line]:
    """One hunk: its header, then per row the context it changes (function, source) and the row."""
    g = _grid(rows, view, carets)
    out = [_line(Span(hunk_header(program, rows), HUNK))]
    first = _first_function(rows)
    prev_a = prev_b = _Context(first)
    for row in rows:
        prev_a, a_texts = _changes(prev_a, row.a)
        prev_b, b_texts = _changes(prev_b, row.b)
        out += (
            _sbs_context(a_texts, b_texts, g)
            if g.side_by_side
            else _unified_context(a_texts, b_texts, row, g)
        )
        out += _sbs_row(row, g) if g.side_by_side else _unified_row(row, g)
    return out


def side_text(side: ProgramSide | None, capture: str) -> str:
    """Where a program's dump is (its file only when it is not the capture itself) and its size."""
    if side is None:
        return "none"
    where = f"line {side.line}" if side.file == capture else f"{inert(side.file)}:{side.line}"
    return f"{where}, {side.insns} insns in {side.slots} slots"


def has_probes(result: DiffResult) -> bool:
    p = result.probes
    return p is not None and bool(p.a or p.b or p.differing)


TEXT_DIFFERS = "lines of its dump that did not parse differ: see the unparsed lines below"


def _program_lines(result: DiffResult, program: ProgramDiff, view: ViewOptions, carets: bool) -> list[Line]:
    hunks = shown_rows(program, view)
    if program.status is Status.SAME and not view.all_rows:
        return []
    style = STATUS_STYLE[program.status]
    out = [
        _line(
            Span(f"program {inert(program.name)}", HEADING),
            ": ",
            Span(program.status.value, style),
            Span(
                f" (a: {side_text(program.a, result.a_name)}; b: {side_text(program.b, result.b_name)})", DIM
            ),
        )
    ]
    calls = [(n, c) for n, c in sorted(program.calls.items()) if view.all_rows or c[0] != c[1]]
    if calls:
        listed = ", ".join(f"{inert(n)} {a} -> {b}" if a != b else f"{inert(n)} {a}" for n, (a, b) in calls)
        out.append(_line("  calls: ", listed))
    if program.text_differs:
        out.append(_line(Span(f"  {TEXT_DIFFERS}", NOTE)))
    for rows in hunks:
        out += hunk_lines(program, rows, view, carets=carets)
    return out


# ---------------------------------------------------------------------------
# lines that did not parse, compared as text


def text_hunks(part: TextDiff, view: ViewOptions) -> list[tuple[TextRow, ...]]:
    """The hunks of a part to show: every row with ``--all``, else the differing rows in context."""
    if view.all_rows:
        rows = tuple(part.all_rows())
        return [rows] if rows else []
    return part.hunks(view.context)


def _lines_range(lines: Sequence[TextLine], name: str) -> str:
    if not lines:
        return f"{name} none"
    first, last = lines[0].line, lines[-1].line
    return f"{name} line {first}" if first == last else f"{name} lines {first}-{last}"


def text_hunk_header(part: TextDiff, rows: Sequence[TextRow]) -> str:
    """``@@ program P: a lines 30-31, b line 30 @@`` (no program: outside the dumps)."""
    a = _lines_range([r.a for r in rows if r.a is not None], "a")
    b = _lines_range([r.b for r in rows if r.b is not None], "b")
    if part.a_program is None and part.b_program is None:
        return f"@@ {a}, {b} @@"
    names = [inert(n) for n in (part.a_program, part.b_program) if n is not None]
    where = names[0] if len(set(names)) == 1 else " / ".join(names)
    return f"@@ program {where}: {a}, {b} @@"


def text_hunk_lines(part: TextDiff, rows: Sequence[TextRow]) -> list[Line]:
    """One hunk of unparsed lines as ``diff -u`` shows it, each line with its line numbers."""
    width = max((len(str(s.line)) for r in rows for s in (r.a, r.b) if s is not None), default=1)
    out = [_line(Span(text_hunk_header(part, rows), HUNK))]
    for row in rows:
        sign, style = {Op.EQUAL: (" ", ""), Op.DELETE: ("-", REMOVED), Op.INSERT: ("+", ADDED)}[row.op]
        side = row.a if row.a is not None else row.b
        assert side is not None
        a = " " * width if row.a is None else str(row.a.line).rjust(width)
        b = " " * width if row.b is None else str(row.b.line).rjust(width)
        spans = [Span(sign, style), Span(f" {a} {b}  ", DIM), Span(inert(side.text), style)]
        out.append(tuple(spans))
    return out


def _unparsed_lines(result: DiffResult, view: ViewOptions) -> list[Line]:
    out: list[Line] = []
    for part in result.unparsed:
        for rows in text_hunks(part, view):
            out += text_hunk_lines(part, rows)
    return [_line(Span("unparsed lines, compared as text:", HEADING)), *out] if out else []


# ---------------------------------------------------------------------------
# the whole report


def layout(result: DiffResult, view: ViewOptions, *, carets: bool = True) -> list[Line]:
    """Every line of the report; ``carets``: mark differing text with caret lines (plain text)."""
    if result.equal and not view.all_rows:
        return [_line(Span(equal_text(result), TITLE))] + [
            _line(Span(f"note: {inert(n)}", NOTE)) for n in result.notes
        ]
    sections = [_summary(result, view), _calls(result, view)]
    sections += [_program_lines(result, p, view, carets) for p in result.programs]
    sections.append(_unparsed_lines(result, view))
    sections.append([_line(Span(footer_text(result), DIM))])
    out: list[Line] = []
    for section in sections:
        if section:
            out += ([()] if out else []) + section
    return out


def write_text(result: DiffResult, out: TextIO, view: ViewOptions) -> None:
    """The diff as plain text: summary, changed calls, instruction hunks, what rules hid."""
    for line in layout(result, view, carets=True):
        out.write(plain(line) + "\n")
