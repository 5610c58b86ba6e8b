"""Instructions compared: alignment keys, jump-target correspondence, change classes.

The alignment key of an instruction is its opcode and operands with what moves
between runs masked: jump and pseudo-call offsets (the targets are compared after
alignment instead), map ids (maps are compared through a correspondence built from
the alignment, or by name where the capture names them), helper ``#N`` offsets,
subprogram tags and raw kernel addresses (xlated.md section 3). Where both sides have
the instruction's bytes, they are compared field by field too: a field that differs
where the texts show the same (or show nothing) is an ``encoding`` change.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import attrgetter
from typing import Any

from bpflogs.encoding import ATOMIC_IMM, ENDIAN_OPS, decode
from bpflogs.model.insn import CallKind, Function, InsnForm, Instruction
from bpflogs.rules import Rule

__all__ = [
    "CLASSES",
    "FunctionSide",
    "KeyTable",
    "MapCorrespondence",
    "SlotIndex",
    "classify",
    "encoding_differs",
    "COARSE_TIERS",
    "insn_key",
    "text_marks",
]

# the change classes, in the order they are reported; ``encoding``: the bytes differ where
# the texts show the same (opcodes mode, bpftool JSON)
CLASSES = ("opcode", "register", "immediate", "offset", "call-target", "map", "jump-target", "encoding")

_KERNEL_ADDRESS = 0xFFFF_0000_0000_0000


def _is_kernel_address(insn: Instruction) -> bool:
    imm = insn.imm
    if insn.op != "ld_imm64" or imm is None or insn.map is not None or insn.target is not None:
        return False
    return (imm & 0xFFFF_FFFF_FFFF_FFFF) & _KERNEL_ADDRESS == _KERNEL_ADDRESS


def _moves(insn: Instruction) -> bool:
    """Whether ``imm``/``off`` of ``insn`` encode a target that is compared by correspondence."""
    return insn.target is not None


@dataclass(frozen=True, slots=True)
class FunctionSide:
    """One function of one program, ready to align: instructions and what names targets."""

    function: Function
    start_index: int  # index of its first instruction in the program
    callee: Mapping[int, str]  # slot of a function start -> function name (whole program)
    map_names: Mapping[int, str]  # map id -> map name, where the capture knows it
    index_of: Mapping[int, int]  # slot -> index in this function's instructions
    forms: list[InsnForm]  # the form of each instruction
    form_ids: list[int]  # their ids (a big function has few forms, each shared by many)
    distinct: dict[int, InsnForm]  # id -> form, each form once

    @classmethod
    def of(cls, function: Function, start_index: int, callee: Mapping[int, str],
           map_names: Mapping[int, str]) -> FunctionSide:  # fmt: skip
        insns = function.instructions
        forms = list(map(_FORM, insns))
        ids = list(map(id, forms))
        index_of = SlotIndex(list(map(_SLOT, insns)))
        return cls(function, start_index, callee, map_names, index_of, forms, ids,
                   dict(zip(ids, forms, strict=True)))  # fmt: skip

    @property
    def instructions(self) -> tuple[Instruction, ...]:
        return self.function.instructions

    def target_name(self, insn: Instruction) -> str | None:
        """The function a pseudo-call or ``subprog[...]`` load targets."""
        if insn.call is not None and insn.call.function:
            return insn.call.function
        return self.callee.get(insn.target) if insn.target is not None else None

    def special(self) -> list[int]:
        """Indexes of the instructions whose equality is more than their form's: jumps and
        calls (their targets), map references (their maps)."""
        moving = {i for i, f in self.distinct.items() if f.rel is not None or f.map is not None}
        return list(compress(range(len(self.form_ids)), map(moving.__contains__, self.form_ids)))

    def keys(self, keys: KeyTable) -> list[int]:
        """The alignment keys, as small ints from ``keys`` (one table for both programs)."""
        # a key follows from the instruction's form alone (one key per form), but for a map
        # reference (this side's map names) and a pseudo-call or subprog load (the
        # function it targets)
        by_form, mine = keys.by_form, {}
        for ident, form in self.distinct.items():
            if ident in by_form or (form.rel is not None and form.op in ("call", "ld_imm64")):
                continue
            key = keys.intern(insn_key(Instruction(0, form), self))
            if form.map is None:
                by_form[ident] = key
                keys.forms.append(form)  # kept alive while its id is a key
            else:
                mine[ident] = key
        out = list(map({**by_form, **mine}.get, self.form_ids))
        k = 0
        while True:
            try:
                k = out.index(None, k)
            except ValueError:
                return out  # type: ignore[return-value]
            out[k] = keys.intern(insn_key(self.instructions[k], self))
            k += 1


_FORM = attrgetter("form")
_SLOT = attrgetter("slot")


class SlotIndex(Mapping[int, int]):
    """slot -> index of the instruction at that slot, for instructions in slot order
    (found by bisection: no table of a million entries)."""

    def __init__(self, slots: list[int]) -> None:
        self._slots = slots

    def get(self, slot: int, default: Any = None) -> Any:
        k = bisect_left(self._slots, slot)
        return k if k < len(self._slots) and self._slots[k] == slot else default

    def __getitem__(self, slot: int) -> int:
        k = self.get(slot)
        if k is None:
            raise KeyError(slot)
        return int(k)

    def __iter__(self) -> Iterator[int]:
        return iter(self._slots)

    def __len__(self) -> int:
        return len(self._slots)


class KeyTable:
    """Alignment keys as small ints (cheap to hash), shared by the two sides of one diff."""

    def __init__(self) -> None:
        self.ids: dict[Hashable, int] = {}
        self.by_form: dict[int, int] = {}  # id of a form whose key is its own -> key
        self.forms: list[InsnForm] = []  # those forms

    def intern(self, key: Hashable) -> int:
        known = self.ids.get(key)
        if known is None:
            known = self.ids[key] = len(self.ids)
        return known


def insn_key(insn: Instruction, side: FunctionSide) -> Hashable:
    """The alignment key: equal keys mean the same instruction up to what moves between runs."""
    imm, off = insn.imm, insn.off
    call: Hashable = None
    ref: Hashable = None
    if insn.call is not None:
        kind = insn.call.kind
        if kind is CallKind.SUBPROG:
            call, off = ("subprog", side.target_name(insn)), None
        elif kind is CallKind.UNKNOWN:
            call = ("unknown", insn.call.name, insn.call.suffix)
        else:
            call, imm = (kind.value, insn.call.name), None
    elif _moves(insn):
        if insn.op == "ld_imm64":
            ref, imm = ("subprog", side.target_name(insn)), None
        else:
            imm = None if insn.op == "gotol" else imm
            off = None
    if insn.map is not None:
        m = insn.map
        name = side.map_names.get(m.id) if m.id is not None else None
        ref = ("map", name, m.index if m.id is None else None, m.value, m.offset, m.value_index)
    elif _is_kernel_address(insn):
        imm = None
        ref = "kernel-address"
    return (insn.opcode, insn.op, insn.dst, insn.src, imm, off, insn.size, insn.cond, call, ref)


def _operation(insn: Instruction) -> Hashable:
    return (insn.op, insn.cls)


def _opcode(insn: Instruction) -> Hashable:
    if insn.opcode is None and insn.op == "bug":  # "BUG_alu64_d7", "BUG_db": the code ends the text
        try:
            return int(insn.text[-2:], 16)
        except ValueError:
            return insn.text
    return insn.opcode


def _class(insn: Instruction) -> Hashable:
    return insn.cls


# What two unmatched instructions must share, tier after tier, to be shown as one
# changed instruction: the operation (a constant or register changed), else the opcode
# byte (an older bpftool printed the same instruction in another form), else the
# instruction class (another ALU operation, another load width).
COARSE_TIERS: tuple[Callable[[Instruction], Hashable], ...] = (_operation, _opcode, _class)


class MapCorrespondence:
    """Which map of run b each map id of run a stands for, learned from aligned instructions."""

    def __init__(self, pairs: Sequence[tuple[Instruction, Instruction]], names_a: Mapping[int, str],
                 names_b: Mapping[int, str]) -> None:  # fmt: skip
        votes: Counter[tuple[int, int]] = Counter()
        for a, b in pairs:
            if a.map is not None and b.map is not None and a.map.id is not None and b.map.id is not None:
                votes[(a.map.id, b.map.id)] += 1
        self.a_to_b: dict[int, int] = {}
        taken: set[int] = set()
        for ida, name in names_a.items():  # names the capture knows decide first
            for idb, other in names_b.items():
                if name == other and idb not in taken:
                    self.a_to_b[ida] = idb
                    taken.add(idb)
                    break
        for (ida, idb), _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])):
            if ida not in self.a_to_b and idb not in taken:
                self.a_to_b[ida] = idb
                taken.add(idb)

    def same(self, a: int | None, b: int | None) -> bool:
        if a is None or b is None:
            return a == b
        return self.a_to_b.get(a) == b


def classify(
    a: Instruction,
    b: Instruction,
    sa: FunctionSide,
    sb: FunctionSide,
    maps: MapCorrespondence,
    targets_match: bool,
) -> tuple[tuple[str, ...], tuple[Rule, ...]]:
    """The change classes of a paired row and the rules that hid what else differed.

    ``targets_match`` tells whether a jump's target corresponds through the alignment.
    """
    classes: set[str] = set()
    hidden: set[Rule] = set()
    if a.opcode != b.opcode or a.op != b.op:
        classes.add("opcode")
    if a.dst != b.dst or a.src != b.src:
        classes.add("register")
    moves_a, moves_b = _moves(a), _moves(b)
    if moves_a or moves_b:
        if not targets_match:
            classes.add("call-target" if a.op == "call" or b.op == "call" else "jump-target")
        elif a.form.rel != b.form.rel:  # the offset the text shows, whatever field holds it
            hidden.add(Rule.JUMP_OFFSETS)
        if a.call is not None and b.call is not None and a.call.suffix != b.call.suffix:
            hidden.add(Rule.SUBPROG_TAGS)
        if a.op != "gotol" and a.op != "ld_imm64" and a.op != "call" and a.imm != b.imm:
            classes.add("immediate")  # a conditional jump's compared constant
    elif a.call is not None or b.call is not None:
        ca, cb = a.call, b.call
        if ca is None or cb is None or (ca.kind, ca.name) != (cb.kind, cb.name):
            classes.add("call-target")
        elif ca.suffix != cb.suffix:
            if ca.kind is CallKind.UNKNOWN:  # `call unknown#N`: the number is all that names it
                classes.add("call-target")
            else:
                hidden.add(Rule.HELPER_ADDRESSES)
    elif a.map is not None or b.map is not None:
        ma, mb = a.map, b.map
        if ma is None or mb is None:
            classes.add("map")
        else:
            if (ma.value, ma.offset, ma.value_index, ma.index) != (
                mb.value, mb.offset, mb.value_index, mb.index
            ):  # fmt: skip
                classes.add("map")
            if not maps.same(ma.id, mb.id):
                classes.add("map")  # another map, whether or not its id is the same number
            elif ma.id != mb.id:
                hidden.add(Rule.MAP_IDS)
    elif _is_kernel_address(a) and _is_kernel_address(b):
        if a.imm != b.imm:
            hidden.add(Rule.KERNEL_ADDRESSES)
    else:
        if a.imm != b.imm:
            classes.add("immediate")
        if a.off != b.off:
            classes.add("offset")
    if (a.size, a.signed, a.cond) != (b.size, b.signed, b.cond) and "opcode" not in classes:
        classes.add("opcode")
    if a.raw is not None and b.raw is not None and a.raw != b.raw and encoding_differs(a, b):
        classes.add("encoding")
    if not classes and not hidden and a.text != b.text:
        if a.op in ("unknown", "bug") or b.op in ("unknown", "bug"):
            classes.add("opcode")  # a form bpflogs does not decode: the text is all there is
        else:
            hidden.add(Rule.FORMATTING)  # same fields, another bpftool's spelling
    return tuple(c for c in CLASSES if c in classes), tuple(sorted(hidden))


_MOVES = object()  # a field that encodes what is compared by correspondence or a rule


def _byte_fields(raw: bytes) -> tuple[object, ...]:
    """The fields of an instruction's bytes: code, dst_reg, src_reg, off, imm and, for an
    LD_IMM64, the second slot's first four bytes and the upper half of the constant; None
    where there is no second slot. Bytes of another length: the bytes."""
    fields = decode(raw)
    if fields is None:
        return (raw, None, None, None, None, None, None)
    hi = None if fields.imm64 is None else fields.imm64 >> 32
    return (fields.code, fields.dst, fields.src, fields.off, fields.imm, fields.head2, hi)


_ALU_OFF = frozenset(("div", "mod", "mov", "movsx", "addr_space_cast", "percpu_addr"))
_NO_SRC = frozenset(("neg", *ENDIAN_OPS))  # ops whose source bit is no register


def _shown(insn: Instruction) -> tuple[object, ...]:
    """What the text of ``insn`` says of each byte field (``_byte_fields``): a value, None where
    the text does not show the field, ``_MOVES`` where a rule or the alignment compares it
    (jump and call offsets, helper numbers, map ids, kernel addresses)."""
    form = insn.form
    op = form.op
    if op == "unknown":  # a text bpflogs does not read: it shows what it shows, all of it
        return (_opcode(insn), *([form.text] * 6))
    if op == "bug":  # "BUG_alu64_d7": the code, nothing else
        return (_opcode(insn), None, None, None, None, None, None)
    dst: object = form.dst.number if form.dst is not None else None
    src: object = form.src.number if form.src is not None and op not in _NO_SRC else None
    off: object = form.off
    imm: object = form.imm
    nxt: object = None
    hi: object = None
    if form.call is not None:
        src = form.call.kind.value  # helper, kfunc, pseudo-call: src_reg 0, 2, 1
        imm = _MOVES  # the helper's #N, a kfunc's BTF id, a pseudo-call's offset or index
        off = _MOVES if form.call.kind is CallKind.SUBPROG else None
    elif op == "ld_imm64":
        ref = form.map
        if ref is not None:
            src = ("map", ref.value, ref.index is not None)
            imm = _MOVES if ref.id is not None else ref.index
            hi = ref.offset if ref.value else None
        elif form.rel is not None:  # subprog[+N]: the offset, then the subprogram's index
            src, imm, hi = "func", _MOVES, _MOVES
        elif _is_kernel_address(insn):
            src, imm, hi = 0, _MOVES, _MOVES
        else:
            value = (form.imm or 0) & 0xFFFF_FFFF_FFFF_FFFF
            src, imm, hi = 0, value & 0xFFFF_FFFF, value >> 32
    elif form.rel is not None:  # a jump: the offset is compared through the alignment
        if op == "gotol":
            imm, off = _MOVES, None
        else:
            off = _MOVES
    elif form.cls in ("alu", "alu64"):
        off = (op, form.signed, form.size) if op in _ALU_OFF else None
    if op in ATOMIC_IMM:  # the operation is the imm
        imm = op
    return (_opcode(insn), dst, src, off, imm, nxt, hi)


def encoding_differs(a: Instruction, b: Instruction) -> bool:
    """Whether the bytes of ``a`` and ``b`` differ in a field their texts show the same (or
    do not show): a difference only the encoding tells. Fields a rule compares do not count."""
    assert a.raw is not None and b.raw is not None
    shown_a, shown_b = _shown(a), _shown(b)
    for ra, rb, sa, sb in zip(_byte_fields(a.raw), _byte_fields(b.raw), shown_a, shown_b, strict=True):
        if ra != rb and sa is not _MOVES and sb is not _MOVES and sa == sb:
            return True
    return False


_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


def text_marks(a: str, b: str) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """Spans of ``a`` and ``b`` that differ, token by token."""
    from difflib import SequenceMatcher  # short token lists only

    ta = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(a)]
    tb = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(b)]
    matcher = SequenceMatcher(None, [t[2] for t in ta], [t[2] for t in tb], autojunk=False)
    marks_a: list[tuple[int, int]] = []
    marks_b: list[tuple[int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            marks_a.append((ta[i1][0], ta[i2 - 1][1]))
        if j2 > j1:
            marks_b.append((tb[j1][0], tb[j2 - 1][1]))
    return tuple(marks_a), tuple(marks_b)
