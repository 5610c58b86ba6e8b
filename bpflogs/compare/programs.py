"""Programs of two runs paired and aligned instruction by instruction.

Programs pair by name, then (what is left) by shape: type, main signature, helpers;
their functions pair by name. Each function pair is aligned on the masked instruction
key (``insns.insn_key``); what stays unmatched in a gap is aligned again on a coarse
key (the operation), and those pairs become changed rows, the rest inserts and deletes.
Jumps are then checked against the alignment: a jump is equal when its target
corresponds to the other side's target.
Paired instructions whose source annotations differ are equal after ``source-lines``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress
from operator import attrgetter
from typing import TypeVar

from bpflogs.compare.align import blocks, runs
from bpflogs.compare.insns import (
    COARSE_TIERS,
    FunctionSide,
    KeyTable,
    MapCorrespondence,
    classify,
    text_marks,
)
from bpflogs.compare.result import (
    EqualRun,
    FunctionDelta,
    InsnRow,
    Locator,
    Op,
    ProgramDiff,
    ProgramSide,
    Status,
    change_classes,
)
from bpflogs.model.insn import CallKind, Function, Instruction, Program
from bpflogs.rules import Rule, Tally

__all__ = ["Shape", "diff_program", "pair_by_name", "program_shape"]

T = TypeVar("T")


_NAME_LEN = 15  # the kernel keeps this much of a program's name (BPF_OBJ_NAME_LEN - 1)


@dataclass(frozen=True, slots=True)
class Shape:
    """What an item whose name matches nothing must share with another to pair with it.
    ``type`` and ``signature`` None: the dump does not show them (they match anything);
    ``pairs`` False: the item pairs by name only."""

    name: str = ""
    type: str | None = None
    signature: str | None = None  # without the function's name: ``int (struct __sk_buff * skb)``
    helpers: frozenset[str] = frozenset()
    pairs: bool = True

    def same_name(self, other: Shape) -> bool:
        """One name is the other as the kernel keeps it (a program header's ``name``)."""
        short, full = sorted((self.name, other.name), key=len)
        return self.pairs and other.pairs and len(short) == _NAME_LEN < len(full) and full.startswith(short)

    def alike(self, other: Shape) -> bool:
        """The same helpers, and the same type and signature where both show them."""
        return (
            self.pairs and other.pairs and self.helpers == other.helpers
            and (self.type is None or other.type is None or self.type == other.type)
            and (self.signature is None or other.signature is None or self.signature == other.signature)
        )  # fmt: skip


_NO_SHAPE = Shape(pairs=False)


def pair_by_name(
    a: Sequence[T], b: Sequence[T], name: Callable[[T], str], leftovers: bool = False,
    shape: Callable[[T], Shape] | None = None,
) -> list[tuple[T | None, T | None]]:  # fmt: skip
    """Items paired by name (the k-th of a name with the k-th of it), in a's order with
    b's unpaired items after; with ``leftovers``, unpaired items then pair in order when
    their names are one as the kernel cut it, else when their shapes are alike (``shape``,
    by default ``program_shape``: a program pairs with none of another type, main
    signature or helpers)."""
    by_name: dict[str, list[int]] = {}
    for j, item in enumerate(b):
        by_name.setdefault(name(item), []).append(j)
    partner: dict[int, int] = {}
    for i, item in enumerate(a):
        free = by_name.get(name(item))
        if free:
            partner[i] = free.pop(0)
    used = set(partner.values())
    lone_a = [i for i in range(len(a)) if i not in partner]
    lone_b = [j for j in range(len(b)) if j not in used]
    if leftovers and lone_a and lone_b:
        of: Callable[[T], Shape] = shape or program_shape
        # an item whose shape pairs by name only is no candidate: only the others are tried
        shapes_a = {i: sh for i in lone_a if (sh := of(a[i])).pairs}
        shapes_b = {j: sh for j in lone_b if (sh := of(b[j])).pairs}
        for match in (Shape.same_name, Shape.alike):
            for i in shapes_a:
                if i in partner:
                    continue
                found = next((j for j in shapes_b if j not in used and match(shapes_a[i], shapes_b[j])), None)
                if found is not None:
                    partner[i] = found
                    used.add(found)
        lone_b = [j for j in lone_b if j not in used]
    out: list[tuple[T | None, T | None]] = [
        (item, b[partner[i]] if i in partner else None) for i, item in enumerate(a)
    ]
    out.extend((None, b[j]) for j in lone_b)
    return out


def _function_name(side: FunctionSide) -> str:
    return side.function.name


def _function_shape(side: FunctionSide) -> Shape:
    """A main function renamed with its program pairs with the other main function of
    the same signature; other functions pair by name only."""
    if side.start_index != 0:
        return _NO_SHAPE
    return Shape(side.function.name, None, _unnamed(side.function))


def _unnamed(function: Function) -> str | None:
    """The BTF signature of ``function`` without its name: ``int (struct __sk_buff * skb)``."""
    if function.signature is None:
        return None
    head, paren, params = function.signature.partition("(")
    head = head.rstrip()
    return (head.removesuffix(function.name) if function.name else head).rstrip() + paren + params


def program_shape(item: object) -> Shape:
    """What two programs of different names must share to be one program renamed: the
    program type, the signature of the main function without its name, the helpers it
    calls. What is no program has no shape: it pairs by name only."""
    if not isinstance(item, Program):
        return _NO_SHAPE
    signature = _unnamed(item.functions[0]) if item.functions else None
    return Shape(item.name, item.type, signature, frozenset(_helpers(item)))


Segment = tuple[bool, int, int, int, int]  # (paired, a_lo, a_hi, b_lo, b_hi), local indexes


@dataclass(frozen=True, slots=True)
class _Aligned:
    """One function pair and its rows: paired runs (a[i] with b[j], i and j rising together)
    and gaps (a's instructions deleted, then b's inserted), in order."""

    a: FunctionSide | None
    b: FunctionSide | None
    segments: list[Segment]


_CALL = attrgetter("form.call")
_MAP = attrgetter("form.map")


def _sides(program: Program, map_names: Mapping[int, str]) -> list[FunctionSide]:
    callee = {f.start: f.name for f in program.functions}
    out, index = [], 0
    for function in program.functions:
        out.append(FunctionSide.of(function, index, callee, map_names))
        index += len(function.instructions)
    return out


def _align_pair(a: FunctionSide | None, b: FunctionSide | None, table: KeyTable) -> list[Segment]:
    na = len(a.instructions) if a is not None else 0
    nb = len(b.instructions) if b is not None else 0
    if a is None or b is None:
        return [(False, 0, na, 0, nb)] if na or nb else []
    segments: list[Segment] = []
    _refine(a.instructions, b.instructions, 0, 0, a.keys(table), b.keys(table), 0, segments)
    return segments


def _refine(ia: Sequence[Instruction], ib: Sequence[Instruction], oa: int, ob: int,
            ka: Sequence[Hashable], kb: Sequence[Hashable], tier: int,
            out: list[Segment]) -> None:  # fmt: skip
    """Segments of ``ia`` against ``ib`` (offsets ``oa``/``ob``): matches of this tier's keys,
    gaps refined with the next, coarser tier; unmatched at the last tier: delete, insert."""
    for tag, i1, i2, j1, j2 in blocks(runs(ka, kb), len(ia), len(ib)):
        if tag == "equal":
            out.append((True, oa + i1, oa + i2, ob + j1, ob + j2))
        elif tier < len(COARSE_TIERS) and i2 > i1 and j2 > j1:
            key = COARSE_TIERS[tier]
            sa, sb = ia[i1:i2], ib[j1:j2]
            _refine(sa, sb, oa + i1, ob + j1, [key(x) for x in sa], [key(x) for x in sb], tier + 1, out)
        else:
            out.append((False, oa + i1, oa + i2, ob + j1, ob + j2))


class _Correspondence:
    """Where a jump target of one side lands on the other, through one function's rows."""

    def __init__(self, segments: list[Segment], na: int, nb: int) -> None:
        partner_a, partner_b = [-1] * na, [-1] * nb
        runs: list[tuple[int, int, int]] = []  # (i1, j1, n) of each paired run, in order
        for paired, i1, i2, j1, j2 in segments:
            if paired:
                partner_a[i1:i2] = range(j1, j2)
                partner_b[j1:j2] = range(i1, i2)
                runs.append((i1, j1, i2 - i1))
        self.partner_a, self.partner_b = partner_a, partner_b
        self._starts_a = [i for i, _, _ in runs]
        self._starts_b = [j for _, j, _ in runs]
        self._runs = runs
        self._counts = list(accumulate((n for _, _, n in runs), initial=0))  # paired before each run

    def _before(self, t: int, starts: list[int], side: int) -> int:
        """How many indexes before ``t`` are paired (on side 0: a, 1: b)."""
        k = bisect_right(starts, t) - 1
        if k < 0:
            return 0
        run = self._runs[k]
        return self._counts[k] + min(t - run[side], run[2])

    def same_place(self, ta: int, tb: int) -> bool:
        """Whether local index ``ta`` of a and ``tb`` of b are the same place in the code:
        paired with each other, or the first of the unpaired run just before it."""
        pa, pb = self.partner_a[ta], self.partner_b[tb]
        if pa >= 0 and pb >= 0:
            return pa == tb
        if pa < 0 and not _first_of_gap(self.partner_a, ta):
            return False
        if pb < 0 and not _first_of_gap(self.partner_b, tb):
            return False
        return self._before(ta, self._starts_a, 0) == self._before(tb, self._starts_b, 1)


def _first_of_gap(partner: list[int], t: int) -> bool:
    return t == 0 or partner[t - 1] >= 0


def _targets_match(a: Instruction, b: Instruction, fa: FunctionSide, fb: FunctionSide,
                   corr: _Correspondence) -> bool:  # fmt: skip
    if a.target is None or b.target is None:
        return a.target is None and b.target is None
    if a.op in ("call", "ld_imm64") or b.op in ("call", "ld_imm64"):  # a function, by name
        return fa.target_name(a) == fb.target_name(b)
    ta = _local(fa, a.target)
    tb = _local(fb, b.target)
    if ta is None or tb is None:  # outside the function (a damaged dump): the same offset is the same
        return ta is None and tb is None and a.target - a.slot == b.target - b.slot
    return corr.same_place(ta, tb)


def _local(side: FunctionSide, slot: int) -> int | None:
    return side.index_of.get(slot)


def _helpers(program: Program | None) -> Counter[str]:
    out: Counter[str] = Counter()
    calls = [c for c in map(_CALL, program.instructions) if c is not None] if program is not None else []
    for call in calls:
        if call.kind is not CallKind.SUBPROG and call.name:
            out[call.name] += 1
    return out


def diff_program(
    a: Program | None,
    b: Program | None,
    a_file: str,
    b_file: str,
    names_a: Mapping[int, str],
    names_b: Mapping[int, str],
    strict: bool = False,
) -> tuple[ProgramDiff, Tally]:
    """Two dumps of one program (or one alone: all added / removed), rows in a's function
    order, and what the rules hid: the rules of the rows equal only after them.

    With ``strict``, rows equal only after a rule are changes, their rules as classes (and
    nothing is hidden)."""
    sides_a = _sides(a, names_a) if a is not None else []
    sides_b = _sides(b, names_b) if b is not None else []
    table = KeyTable()
    aligned = [
        _Aligned(fa, fb, _align_pair(fa, fb, table))
        for fa, fb in pair_by_name(sides_a, sides_b, _function_name, True, _function_shape)
    ]
    corrs = [
        _Correspondence(x.segments, len(x.a.instructions), len(x.b.instructions))
        if x.a is not None and x.b is not None
        else None
        for x in aligned
    ]
    pairs: list[tuple[Instruction, Instruction]] = []
    for x, corr in zip(aligned, corrs, strict=True):
        if x.a is not None and x.b is not None and corr is not None:
            ia, ib = x.a.instructions, x.b.instructions
            refs = compress(range(len(ia)), map(_MAP, ia))
            pairs.extend((ia[i], ib[corr.partner_a[i]]) for i in refs if corr.partner_a[i] >= 0)
    maps = MapCorrespondence(pairs, names_a, names_b)
    loc_a = Locator.of(a) if a is not None else None
    loc_b = Locator.of(b) if b is not None else None
    rows: list[InsnRow | EqualRun] = []
    deltas: list[FunctionDelta] = []
    writer = _RowWriter(rows)
    notes = (_Annotations(a), _Annotations(b)) if a is not None and b is not None else None
    for x, corr in zip(aligned, corrs, strict=True):
        changed = _rows(x, corr, maps, loc_a, loc_b, writer, strict, notes)
        na = len(x.a.instructions) if x.a is not None else None
        nb = len(x.b.instructions) if x.b is not None else None
        name = (x.a or x.b).function.name  # type: ignore[union-attr]
        status = (
            Status.ADDED if na is None else Status.REMOVED if nb is None
            else Status.CHANGED if changed else Status.SAME
        )  # fmt: skip
        deltas.append(FunctionDelta(name, status, na, nb, changed))
    writer.flush()
    helpers_a, helpers_b = _helpers(a), _helpers(b)
    calls = {n: (helpers_a[n], helpers_b[n]) for n in sorted(helpers_a.keys() | helpers_b.keys())}
    differs = any(isinstance(r, InsnRow) and r.op is not Op.EQUAL for r in rows)
    status = (
        Status.ADDED if a is None else Status.REMOVED if b is None
        else Status.CHANGED if differs else Status.SAME
    )  # fmt: skip
    name = (a or b).name  # type: ignore[union-attr]
    diff = ProgramDiff(
        name,
        status,
        ProgramSide(a.name, len(a.instructions), a.slots, a.line, a_file) if a is not None else None,
        ProgramSide(b.name, len(b.instructions), b.slots, b.line, b_file) if b is not None else None,
        tuple(deltas),
        tuple(rows),
        loc_a,
        loc_b,
        calls,
    )
    return diff, _hidden(rows)


def _hidden(rows: list[InsnRow | EqualRun]) -> Tally:
    """What the rules hid in ``rows``: each rule of a row that is equal only after rules
    (a changed row shows what they hid, and counts for none of them)."""
    counts: Counter[str] = Counter()
    for row in rows:
        if isinstance(row, InsnRow) and row.hidden and row.op is Op.EQUAL:
            counts.update(row.hidden)
    return Tally.of(counts)


class _RowWriter:
    """Appends rows, gathering plainly equal ones into ``EqualRun``s."""

    def __init__(self, out: list[InsnRow | EqualRun]) -> None:
        self.out = out
        self.run_a = self.run_b = self.run_n = 0  # the equal stretch being gathered

    def equal(self, ga: int, gb: int, n: int) -> None:
        if n <= 0:
            return
        if self.run_n and self.run_a + self.run_n == ga and self.run_b + self.run_n == gb:
            self.run_n += n
        else:
            self.flush()
            self.run_a, self.run_b, self.run_n = ga, gb, n

    def row(self, row: InsnRow) -> None:
        self.flush()
        self.out.append(row)

    def flush(self) -> None:
        if self.run_n:
            self.out.append(EqualRun(self.run_a, self.run_b, self.run_n))
            self.run_n = 0


def _rows(
    x: _Aligned,
    corr: _Correspondence | None,
    maps: MapCorrespondence,
    loc_a: Locator | None,
    loc_b: Locator | None,
    out: _RowWriter,
    strict: bool,
    notes: tuple[_Annotations, _Annotations] | None = None,
) -> int:
    """Write the rows of one function pair; returns how many differ."""
    fa, fb = x.a, x.b
    changed = 0
    start_a = fa.start_index if fa is not None else 0
    start_b = fb.start_index if fb is not None else 0
    special = fa.special() if fa is not None and fb is not None else []
    for paired, i1, i2, j1, j2 in x.segments:
        if not paired:
            changed += (i2 - i1) + (j2 - j1)
            for i in range(i1, i2):
                side = loc_a.side(start_a + i) if loc_a is not None else None
                out.row(InsnRow(Op.DELETE, side, None))
            for j in range(j1, j2):
                side = loc_b.side(start_b + j) if loc_b is not None else None
                out.row(InsnRow(Op.INSERT, None, side))
            continue
        assert fa is not None and fb is not None and corr is not None and loc_a and loc_b
        ia, ib = fa.instructions, fb.instructions
        if fa.forms[i1:i2] == fb.forms[j1:j2]:
            # the same forms all along: plainly equal but where a target or a map may differ
            todo = special[bisect_left(special, i1) : bisect_left(special, i2)]
        else:
            todo = list(range(i1, i2))  # paired by a coarse key: row by row
        sources = _source_differences(notes, fa, fb, i1, i2, j1) if notes is not None else set()
        if sources:
            todo = sorted(sources.union(todo))
        at = i1
        for i in todo:
            j = j1 + (i - i1)
            out.equal(start_a + at, start_b + j1 + (at - i1), i - at)
            at = i + 1
            source = i in sources
            if not source and _jump_in_place(ia[i], ib[j], fa, fb, corr):
                out.equal(start_a + i, start_b + j, 1)
                continue
            changed += _pair_row(ia[i], ib[j], start_a + i, start_b + j, fa, fb, corr, maps, loc_a, loc_b,
                                 out, strict, source)  # fmt: skip
        out.equal(start_a + at, start_b + j1 + (at - i1), i2 - at)
    return changed


def _jump_in_place(a: Instruction, b: Instruction, fa: FunctionSide, fb: FunctionSide,
                   corr: _Correspondence) -> bool:  # fmt: skip
    """Whether ``a`` and ``b`` are one jump (the same form) to corresponding places: a plainly
    equal row, without classifying it."""
    form = a.form
    if form is not b.form or form.rel is None or form.op in ("call", "ld_imm64"):
        return False
    return _targets_match(a, b, fa, fb, corr)


def _pair_row(ia: Instruction, ib: Instruction, ga: int, gb: int, fa: FunctionSide, fb: FunctionSide,
              corr: _Correspondence, maps: MapCorrespondence, loc_a: Locator, loc_b: Locator,
              out: _RowWriter, strict: bool, source: bool = False) -> int:  # fmt: skip
    """Write the row of a paired instruction; 1 if it differs, else 0. ``source``: the
    source annotations before the two differ.

    A rule counts the row only when what it hid is all that differs there (the row is
    equal, the rules in its ``hidden``)."""
    classes: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    if (
        ia.text == ib.text and ia.opcode == ib.opcode and ia.target is None and ia.map is None
        and (ia.raw is None or ib.raw is None or ia.raw == ib.raw)
    ):  # fmt: skip
        pass  # the same text and bytes, nothing that moves: plainly equal
    else:
        classes, rules = classify(ia, ib, fa, fb, maps, _targets_match(ia, ib, fa, fb, corr))
    if source:
        rules = tuple(sorted((*rules, Rule.SOURCE_LINES)))
    if not classes and not rules:
        out.equal(ga, gb, 1)
        return 0
    if strict and rules:
        classes, rules = classes + rules, ()
    if classes:
        raw = "encoding" in classes  # the bytes are what differs: they are shown
        text_a, text_b = loc_a.side(ga, raw=raw).text, loc_b.side(gb, raw=raw).text
        marks_a, marks_b = text_marks(text_a, text_b)
        side_a, side_b = loc_a.side(ga, marks_a, raw=raw), loc_b.side(gb, marks_b, raw=raw)
        out.row(InsnRow(Op.CHANGE, side_a, side_b, change_classes(classes), rules))
        return 1
    out.row(InsnRow(Op.EQUAL, loc_a.side(ga), loc_b.side(gb), (), rules))
    return 0


_Note = tuple[str, str | None, int | None, int | None]  # source text, file, line, column


class _Annotations:
    """The source annotations of a program by the slot they precede (an empty ``; `` is
    none: clang 14 prints them where no line is known)."""

    __slots__ = ("at", "slots")

    def __init__(self, program: Program) -> None:
        at: dict[int, tuple[_Note, ...]] = {}
        for slot, line in program.sources:
            if line.source.strip():
                at[slot] = (*at.get(slot, ()), (line.source, line.file, line.line_num, line.line_col))
        self.at = at
        self.slots = sorted(at)  # annotated slots, in order

    def within(self, lo: int, hi: int) -> list[int]:
        """The annotated slots in [lo, hi]."""
        return self.slots[bisect_left(self.slots, lo) : bisect_right(self.slots, hi)]


def _source_differences(notes: tuple[_Annotations, _Annotations], fa: FunctionSide, fb: FunctionSide,
                        i1: int, i2: int, j1: int) -> set[int]:  # fmt: skip
    """The indexes ``i`` of the paired run ``a[i1:i2]`` / ``b[j1:]`` whose annotations
    differ (looked up only where either side has one)."""
    na, nb = notes
    if not na.slots and not nb.slots:
        return set()
    ia, ib = fa.instructions, fb.instructions
    j2 = j1 + (i2 - i1)
    candidates: set[int] = set()
    for slot in na.within(ia[i1].slot, ia[i2 - 1].slot):
        k = fa.index_of.get(slot)
        if k is not None:
            candidates.add(k)
    for slot in nb.within(ib[j1].slot, ib[j2 - 1].slot):
        k = fb.index_of.get(slot)
        if k is not None:
            candidates.add(i1 + k - j1)
    at_a, at_b = na.at, nb.at
    return {i for i in candidates if not _same_notes(at_a.get(ia[i].slot), at_b.get(ib[j1 + i - i1].slot))}


def _same_notes(a: tuple[_Note, ...] | None, b: tuple[_Note, ...] | None) -> bool:
    """Whether two slots' annotations say the same: the same texts, and the same file, line
    and column where both dumps show them (a ``linum`` dump against a plain one compares
    the texts only)."""
    if a == b:
        return True
    if a is None or b is None or len(a) != len(b):
        return False
    return all(
        x[0] == y[0] and all(p is None or q is None or p == q for p, q in zip(x[1:], y[1:], strict=True))
        for x, y in zip(a, b, strict=True)
    )
