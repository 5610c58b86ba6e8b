"""Lines that did not parse, compared as text like diff(1); and sides with nothing to compare.

An ``Unparsed`` line belongs to the program whose dump it sits in (from the program's first
line up to the next program, strace event or ``$ command`` line) or, outside every dump, to
the capture. Lines of a program are aligned with the lines of its partner's dump, lines
outside with lines outside: an escaped instruction line in one program is compared with
that program's partner, whatever order the programs were dumped in. A line on one side only
is a difference.
"""

from __future__ import annotations

from collections.abc import Sequence

from bpflogs.compare.align import blocks, runs
from bpflogs.compare.result import EqualRun, Op, Status, TextDiff, TextLine, TextRow
from bpflogs.errors import NothingToCompare
from bpflogs.model.capture import Capture, is_event
from bpflogs.model.insn import Program
from bpflogs.model.records import Blank, Command, Unparsed
from bpflogs.sniff import looks_like, phrase

__all__ = ["check_comparable", "diff_unparsed"]

ProgramPair = tuple[Program | None, Program | None]


def check_comparable(capture: Capture) -> None:
    """Raise ``NothingToCompare`` when ``capture`` holds text but no bpf() call, no strace
    event and no program. An empty capture (no line, or only blank ones) is comparable: a
    run that made no bpf() call."""
    if capture.kind != "empty" or all(isinstance(r, Blank) for r in capture.records):
        return
    kind = looks_like(r.text for r in capture.records)
    raise NothingToCompare(f"nothing to compare: {phrase(kind)}", capture.name, kind)


def diff_unparsed(a: Capture, b: Capture, pairs: Sequence[ProgramPair]) -> tuple[TextDiff, ...]:
    """The unparsed lines of ``a`` and ``b``, part by part: outside the programs first, then
    per pair of ``pairs`` (the programs the diff compared, in its order: a part's
    ``program_index`` is its pair's index)."""
    if not a.unparsed and not b.unparsed:
        return ()
    in_a = _by_program(a, {id(pa) for pa, _ in pairs if pa is not None})
    in_b = _by_program(b, {id(pb) for _, pb in pairs if pb is not None})
    out = []
    parts: list[tuple[int | None, ProgramPair]] = [(None, (None, None)), *enumerate(pairs)]
    for index, (pa, pb) in parts:
        lines_a = in_a.get(None if pa is None else id(pa), [])
        lines_b = in_b.get(None if pb is None else id(pb), [])
        if lines_a or lines_b:
            out.append(_compare(lines_a, lines_b, pa, pb, index))
    return tuple(out)


def _by_program(capture: Capture, compared: set[int]) -> dict[int | None, list[TextLine]]:
    """The capture's unparsed lines by the program whose dump holds them (its ``id``); None
    for those outside every dump, or in the dump of a program that was not compared."""
    starts = sorted(capture.programs, key=lambda p: p.line)
    out: dict[int | None, list[TextLine]] = {}
    k, current = 0, None  # the next program to start, the program whose dump we are in
    for record in capture.records:
        if is_event(record) or isinstance(record, Command):
            current = None  # the dump is over
        while k < len(starts) and record.line >= starts[k].line:
            current = id(starts[k]) if id(starts[k]) in compared else None
            k += 1
        if isinstance(record, Unparsed):
            out.setdefault(current, []).append(TextLine(record.line, record.text))
    return out


def _compare(
    a: list[TextLine], b: list[TextLine], pa: Program | None, pb: Program | None, index: int | None
) -> TextDiff:
    matched = runs([x.text for x in a], [x.text for x in b])
    rows: list[TextRow | EqualRun] = []
    for tag, alo, ahi, blo, bhi in blocks(matched, len(a), len(b)):
        if tag == "equal":
            rows.append(EqualRun(alo, blo, ahi - alo))
        else:  # as diff(1) shows a change: a's lines, then b's
            rows += [TextRow(Op.DELETE, line, None) for line in a[alo:ahi]]
            rows += [TextRow(Op.INSERT, None, line) for line in b[blo:bhi]]
    if not a:
        status = Status.ADDED
    elif not b:
        status = Status.REMOVED
    else:
        status = Status.CHANGED if any(isinstance(r, TextRow) for r in rows) else Status.SAME
    return TextDiff(
        status,
        None if pa is None else pa.name,
        None if pb is None else pb.name,
        tuple(a),
        tuple(b),
        tuple(rows),
        index,
    )
