"""Programs of two runs paired and aligned instruction by instruction.

Programs pair by name, then by load order; their functions pair by name. Each function
pair is aligned on the masked instruction key (``insns.insn_key``); what stays unmatched
in a gap is aligned again on a coarse key (the operation), and those pairs become
changed rows, the rest inserts and deletes. Jumps are then checked against the
alignment: a jump is equal when its target corresponds to the other side's target.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bpflogs.diff.align import align, blocks
from bpflogs.diff.insns import COARSE_TIERS, FunctionSide, KeyTable, MapCorrespondence, classify, text_marks
from bpflogs.diff.result import (
    EqualRun,
    FunctionDelta,
    InsnRow,
    Locator,
    Op,
    ProgramDiff,
    ProgramSide,
    Status,
)
from bpflogs.model.insn import CallKind, Instruction, Program

__all__ = ["diff_program", "pair_by_name"]

T = TypeVar("T")

Pair = tuple[int | None, int | None]  # local instruction indexes of one row


def pair_by_name(
    a: Sequence[T], b: Sequence[T], name: Callable[[T], str], leftovers: bool = False
) -> list[tuple[T | None, T | None]]:
    """Items paired by name (the k-th of a name with the k-th of it), in a's order with
    b's unpaired items after; with ``leftovers``, unpaired items then pair by position."""
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
    if leftovers:
        for i, j in zip(lone_a, lone_b, strict=False):
            partner[i] = j
        lone_b = lone_b[len(lone_a) :]
    out: list[tuple[T | None, T | None]] = [
        (item, b[partner[i]] if i in partner else None) for i, item in enumerate(a)
    ]
    out.extend((None, b[j]) for j in lone_b)
    return out


@dataclass(frozen=True, slots=True)
class _Aligned:
    """One function pair and its rows as local index pairs."""

    a: FunctionSide | None
    b: FunctionSide | None
    rows: list[Pair]


def _sides(program: Program, map_names: Mapping[int, str]) -> list[FunctionSide]:
    callee = {f.start: f.name for f in program.functions}
    out, index = [], 0
    for function in program.functions:
        index_of = {insn.slot: k for k, insn in enumerate(function.instructions)}
        out.append(FunctionSide(function, index, callee, map_names, index_of))
        index += len(function.instructions)
    return out


def _align_pair(a: FunctionSide | None, b: FunctionSide | None, table: KeyTable) -> list[Pair]:
    if a is None or b is None:
        if a is not None:
            return [(i, None) for i in range(len(a.instructions))]
        return [] if b is None else [(None, j) for j in range(len(b.instructions))]
    rows: list[Pair] = []
    _refine(a.instructions, b.instructions, 0, 0, a.keys(table), b.keys(table), 0, rows)
    return rows


def _refine(ia: Sequence[Instruction], ib: Sequence[Instruction], oa: int, ob: int,
            ka: Sequence[Hashable], kb: Sequence[Hashable], tier: int, rows: list[Pair]) -> None:  # fmt: skip
    """Rows of ``ia`` against ``ib`` (offsets ``oa``/``ob``): matches of this tier's keys,
    gaps refined with the next, coarser tier; unmatched at the last tier: delete, insert."""
    for tag, i1, i2, j1, j2 in blocks(align(ka, kb), len(ia), len(ib)):
        if tag == "equal":
            rows.extend(zip(range(oa + i1, oa + i2), range(ob + j1, ob + j2), strict=True))
        elif tier < len(COARSE_TIERS) and i2 > i1 and j2 > j1:
            key = COARSE_TIERS[tier]
            sa, sb = ia[i1:i2], ib[j1:j2]
            _refine(sa, sb, oa + i1, ob + j1, [key(x) for x in sa], [key(x) for x in sb], tier + 1, rows)
        else:
            rows.extend((oa + k, None) for k in range(i1, i2))
            rows.extend((None, ob + k) for k in range(j1, j2))


class _Correspondence:
    """Where a jump target of one side lands on the other, through one function's rows."""

    def __init__(self, rows: list[Pair], na: int, nb: int) -> None:
        self.partner_a = [-1] * na
        self.partner_b = [-1] * nb
        for i, j in rows:
            if i is not None and j is not None:
                self.partner_a[i] = j
                self.partner_b[j] = i
        self.before_a = _paired_before(self.partner_a)
        self.before_b = _paired_before(self.partner_b)

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
        return self.before_a[ta] == self.before_b[tb]


def _paired_before(partner: list[int]) -> list[int]:
    out, count = [], 0
    for p in partner:
        out.append(count)
        count += p >= 0
    return out


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
    for insn in program.instructions if program is not None else ():
        call = insn.call
        if call is not None and call.kind is not CallKind.SUBPROG and call.name:
            out[call.name] += 1
    return out


def diff_program(
    a: Program | None,
    b: Program | None,
    a_file: str,
    b_file: str,
    names_a: Mapping[int, str],
    names_b: Mapping[int, str],
    hidden: Counter[str],
    strict: bool = False,
) -> ProgramDiff:
    """Two dumps of one program (or one alone: all added / removed), rows in a's function order.

    With ``strict``, rows equal only after a rule are changes, their rules as classes."""
    sides_a = _sides(a, names_a) if a is not None else []
    sides_b = _sides(b, names_b) if b is not None else []
    table = KeyTable()
    aligned = [
        _Aligned(fa, fb, _align_pair(fa, fb, table))
        for fa, fb in pair_by_name(sides_a, sides_b, lambda s: s.function.name)
    ]
    pairs = [
        (x.a.instructions[i], x.b.instructions[j])
        for x in aligned
        if x.a is not None and x.b is not None
        for i, j in x.rows
        if i is not None and j is not None and x.a.instructions[i].map is not None
    ]
    maps = MapCorrespondence(pairs, names_a, names_b)
    loc_a = Locator.of(a) if a is not None else None
    loc_b = Locator.of(b) if b is not None else None
    rows: list[InsnRow | EqualRun] = []
    deltas: list[FunctionDelta] = []
    for x in aligned:
        changed = _rows(x, maps, loc_a, loc_b, rows, hidden, strict)
        na = len(x.a.instructions) if x.a is not None else None
        nb = len(x.b.instructions) if x.b is not None else None
        name = (x.a or x.b).function.name  # type: ignore[union-attr]
        status = (
            Status.ADDED if na is None else Status.REMOVED if nb is None
            else Status.CHANGED if changed else Status.SAME
        )  # fmt: skip
        deltas.append(FunctionDelta(name, status, na, nb, changed))
    helpers_a, helpers_b = _helpers(a), _helpers(b)
    calls = {n: (helpers_a[n], helpers_b[n]) for n in sorted(helpers_a.keys() | helpers_b.keys())}
    differs = any(isinstance(r, InsnRow) and r.op is not Op.EQUAL for r in rows)
    status = (
        Status.ADDED if a is None else Status.REMOVED if b is None
        else Status.CHANGED if differs else Status.SAME
    )  # fmt: skip
    name = (a or b).name  # type: ignore[union-attr]
    return ProgramDiff(
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


def _rows(
    x: _Aligned,
    maps: MapCorrespondence,
    loc_a: Locator | None,
    loc_b: Locator | None,
    out: list[InsnRow | EqualRun],
    hidden: Counter[str],
    strict: bool,
) -> int:
    """Append the rows of one function pair to ``out``; returns how many differ."""
    fa, fb = x.a, x.b
    corr = (
        _Correspondence(x.rows, len(fa.instructions), len(fb.instructions))
        if fa is not None and fb is not None
        else None
    )
    changed = 0
    for i, j in x.rows:
        ga = fa.start_index + i if fa is not None and i is not None else None
        gb = fb.start_index + j if fb is not None and j is not None else None
        if ga is None or gb is None:
            changed += 1
            side_a = loc_a.side(ga) if loc_a is not None and ga is not None else None
            side_b = loc_b.side(gb) if loc_b is not None and gb is not None else None
            out.append(InsnRow(Op.DELETE if gb is None else Op.INSERT, side_a, side_b))
            continue
        assert fa is not None and fb is not None and corr is not None and loc_a and loc_b
        ia, ib = fa.instructions[i], fb.instructions[j]  # type: ignore[index]
        classes: tuple[str, ...] = ()
        rules: tuple[str, ...] = ()
        if ia.text == ib.text and ia.opcode == ib.opcode and ia.target is None and ia.map is None:
            pass  # the same text, nothing that moves: plainly equal
        else:
            classes, rules = classify(ia, ib, fa, fb, maps, _targets_match(ia, ib, fa, fb, corr))
        if rules:
            hidden.update(rules)
        if not classes and not rules and ia.text == ib.text and ia.opcode == ib.opcode:
            last = out[-1] if out else None
            if isinstance(last, EqualRun) and (last.a_index + last.count, last.b_index + last.count) == (
                ga,
                gb,
            ):
                out[-1] = EqualRun(last.a_index, last.b_index, last.count + 1)
            else:
                out.append(EqualRun(ga, gb, 1))
            continue
        if strict and rules:
            classes, rules = classes + rules, ()
        if classes:
            changed += 1
            marks_a, marks_b = text_marks(loc_a.side(ga).text, loc_b.side(gb).text)
            out.append(InsnRow(Op.CHANGE, loc_a.side(ga, marks_a), loc_b.side(gb, marks_b), classes, rules))
        else:
            out.append(InsnRow(Op.EQUAL, loc_a.side(ga), loc_b.side(gb), (), rules))
    return changed
