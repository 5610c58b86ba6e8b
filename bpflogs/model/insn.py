"""Typed BPF instructions and the programs of an xlated dump (spec: xlated.md).

Each dump line is a record (``InsnLine``, ``SourceLine``, ``FunctionHeader``,
``ProgramHeader``, ``OpcodeBytes``) that renders back to its exact text; a
``Program`` groups them into functions and instructions.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

__all__ = [
    "CallKind",
    "CallTarget",
    "Function",
    "FunctionHeader",
    "Instruction",
    "InsnForm",
    "InsnLine",
    "MapRef",
    "OpcodeBytes",
    "Program",
    "ProgramHeader",
    "Reg",
    "SourceLine",
    "insn_line",
]


@dataclass(frozen=True, slots=True)
class Reg:
    """A register operand: ``r3`` (64-bit view) or ``w3`` (32-bit view)."""

    number: int
    width: int  # 64 for rN, 32 for wN

    def __str__(self) -> str:
        return f"{'r' if self.width == 64 else 'w'}{self.number}"


class CallKind(enum.Enum):
    HELPER = "helper"  # a helper, or a kfunc: bpftool's text cannot tell them apart
    KFUNC = "kfunc"  # known to be a kfunc (src_reg 2 in the opcode bytes)
    SUBPROG = "subprog"  # bpf-to-bpf call "call pc+N"
    TAIL_CALL = "tail_call"  # bpf_tail_call#12
    UNKNOWN = "unknown"  # "call unknown#N", "call 0xADDR#N" (no symbol)


@dataclass(frozen=True, slots=True)
class CallTarget:
    """What a ``call`` calls: the name and the ``#N`` suffix kept apart."""

    kind: CallKind
    name: str | None  # "bpf_ktime_get_ns", "bpf_prog_78c0e7843a747c32_mix64", None for "call pc+30"
    suffix: int | str | None = None  # the number after "#" (helper offset), or the symbol of a pseudo-call
    function: str | None = None  # subprogram: the function name from the symbol ("mix64", "F")


@dataclass(frozen=True, slots=True)
class MapRef:
    """A map reference of an LD_IMM64: ``map[id:13]``, ``map[id:13][0]+4``, ``map[idx:2]+0``."""

    id: int | None  # the kernel map id (volatile across loads)
    index: int | None = None  # map[idx:N]: the loader's map index
    value: bool = False  # a map *value* address (global data) rather than the map
    offset: int = 0  # byte offset into the value
    value_index: int | None = None  # the [N] of map[id:M][N]+off (always 0 today)
    name: str | None = None  # an object's map by its symbol, map[name:counters]; global data: ".rodata"


@dataclass(frozen=True, slots=True)
class InsnForm:
    """What an instruction says, whatever slot it sits at: the decoded fields of its text
    (and of its bytes, when the dump has them). One form serves every line with the same
    text, so ``(bf) r1 = r6`` all over a big program is decoded, checked and stored once.

    Fields the form does not have are None; ``src`` of a negation or byte swap is the
    register the text repeats (``r1 = -r1``, ``r1 = be16 r1``), which must be ``dst``.
    ``op`` names the operation: ALU ops
    (``add`` ... ``arsh``, ``mov``, ``neg``, ``movsx``, ``le``/``be``/``bswap``),
    ``load``, ``store``, ``ld_abs``, ``ld_ind``, atomics (``atomic_add``/``or``/``and``/
    ``xor``, ``fetch_add``/..., ``xchg``, ``cmpxchg``, ``load_acquire``,
    ``store_release``), ``ld_imm64``, jumps (``ja``, ``jeq`` ... ``jsle``, ``gotol``,
    ``may_goto``, ``gotox``), ``call``, ``exit``, ``nospec``, ``addr_space_cast``,
    ``percpu_addr``, ``bug`` (a ``BUG_`` line) and ``unknown``.
    """

    opcode: int | None  # the (CC) byte; None for BUG_ lines
    op: str
    text: str  # the instruction text after "(CC) " (or "BUG_...")
    cls: str | None = None  # "alu", "alu64", "jmp", "jmp32", "ld", "ldx", "st", "stx"
    dst: Reg | None = None
    src: Reg | None = None
    imm: int | None = None
    off: int | None = None
    size: int | None = None  # access width in bytes
    signed: bool = False  # s>>=, s/=, s%=, signed compares, movsx, sign-extending loads
    cond: str | None = None  # jump condition as printed: "==", "s>=", "&" ...
    rel: int | None = None  # jumps, pseudo-calls, subprog loads: the target counted from the next slot
    call: CallTarget | None = None
    map: MapRef | None = None
    # what the text prints beyond the fields, each held to what the encoding allows by the
    # cross-check: the result register of a fetch or exchange (its source again), the two
    # r0 of a cmpxchg, the source register the 4.x verifier printed for "endian", the two
    # address spaces of an addr_space_cast
    echo: tuple[Reg | int, ...] = ()
    raw: bytes | None = None  # the instruction's bytes, from opcodes mode or JSON
    # problems found: "bug-line", "text-contradicts-opcode: ...", "unknown-encoding"
    flags: tuple[str, ...] = ()
    # what an object's relocations say of the instruction beyond its fields: a CO-RE
    # relocation ("core:field_byte_offset:task_struct:0:1"); not part of what is compared
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instruction: its slot and its form. The form's fields read as the
    instruction's own (``insn.op``, ``insn.dst``, ``insn.imm`` ...); ``target`` is the
    absolute slot a jump or pseudo-call goes to."""

    slot: int
    form: InsnForm

    def replace(self, **changes: Any) -> Instruction:
        """This instruction with fields of its form changed: ``insn.replace(raw=None)``."""
        return Instruction(self.slot, dataclasses.replace(self.form, **changes))

    @property
    def opcode(self) -> int | None:
        return self.form.opcode

    @property
    def op(self) -> str:
        return self.form.op

    @property
    def text(self) -> str:
        return self.form.text

    @property
    def cls(self) -> str | None:
        return self.form.cls

    @property
    def dst(self) -> Reg | None:
        return self.form.dst

    @property
    def src(self) -> Reg | None:
        return self.form.src

    @property
    def imm(self) -> int | None:
        return self.form.imm

    @property
    def off(self) -> int | None:
        return self.form.off

    @property
    def size(self) -> int | None:
        return self.form.size

    @property
    def signed(self) -> bool:
        return self.form.signed

    @property
    def cond(self) -> str | None:
        return self.form.cond

    @property
    def call(self) -> CallTarget | None:
        return self.form.call

    @property
    def map(self) -> MapRef | None:
        return self.form.map

    @property
    def raw(self) -> bytes | None:
        return self.form.raw

    @property
    def flags(self) -> tuple[str, ...]:
        return self.form.flags

    @property
    def target(self) -> int | None:
        """The absolute slot of a jump or pseudo-call target."""
        rel = self.form.rel
        return None if rel is None else self.slot + 1 + rel

    @property
    def slots(self) -> int:
        """1, or 2 for an LD_IMM64."""
        return 2 if self.form.op == "ld_imm64" else 1

    @property
    def is_jump(self) -> bool:
        form = self.form
        return form.rel is not None and form.op not in ("call", "ld_imm64")  # subprog[+N] loads an address


@dataclass(frozen=True, slots=True)
class InsnLine:
    """``  12: (18) r1 = map[id:13]``."""

    line: int
    text: str
    insn: Instruction

    @property
    def lines(self) -> tuple[int, ...]:
        return (self.line,)

    @property
    def indent(self) -> str:
        """The padding before the index (bpftool <= 7.4 and >= 7.5 differ)."""
        text = self.text
        return text[: len(text) - len(text.lstrip(" "))]

    def render(self) -> str:
        insn = self.insn
        if insn.opcode is None:
            return f"{self.indent}{insn.slot}: {insn.text}"
        return f"{self.indent}{insn.slot}: ({insn.opcode:02x}) {insn.text}"


_new = object.__new__
_set_slot, _set_form = (vars(Instruction)[name].__set__ for name in ("slot", "form"))
_set_line, _set_text, _set_insn = (vars(InsnLine)[name].__set__ for name in ("line", "text", "insn"))


def insn_line(line: int, text: str, slot: int, form: InsnForm) -> InsnLine:
    """``InsnLine(line, text, Instruction(slot, form))``, made without the generated
    ``__init__`` of a frozen class, which sets each field through ``object.__setattr__``:
    a big dump makes a million of these, and this is twice as fast."""
    insn = _new(Instruction)
    _set_slot(insn, slot)
    _set_form(insn, form)
    record = _new(InsnLine)
    _set_line(record, line)
    _set_text(record, text)
    _set_insn(record, insn)
    return record


@dataclass(frozen=True, slots=True)
class SourceLine:
    """``; source text`` with the ``linum`` suffix ``[file:F line_num:L line_col:C]``."""

    line: int
    lines: tuple[int, ...]
    text: str
    source: str  # the C text after "; " (may be empty)
    file: str | None = None
    line_num: int | None = None
    line_col: int | None = None
    indent: str = ""  # whitespace before ";" (pasted dumps)
    separator: str = " "  # what follows ";" before the text ("" for a bare ";")
    trailing: str = ""  # whitespace after the line's content

    def render(self) -> str:
        body = f"{self.indent};{self.separator}{self.source}"
        if self.file is not None:
            body += f" [file:{self.file} line_num:{self.line_num} line_col:{self.line_col}]"
        return body + self.trailing


@dataclass(frozen=True, slots=True)
class FunctionHeader:
    """``int xdp_prog(struct xdp_md * ctx):`` — a BTF function signature."""

    line: int
    lines: tuple[int, ...]
    text: str
    signature: str  # without the final ":"
    name: str
    trailing: str = ""

    def render(self) -> str:
        return f"{self.signature}:{self.trailing}"


@dataclass(frozen=True, slots=True)
class ProgramHeader:
    """``3059: socket_filter  name ldabs_prog  tag 89c83c1822847feb  gpl``."""

    line: int
    lines: tuple[int, ...]
    text: str
    id: int
    type: str
    name: str | None
    tag: str | None
    rest: str  # everything after the id, as printed

    def render(self) -> str:
        return f"{self.id}: {self.rest}"


@dataclass(frozen=True, slots=True)
class OpcodeBytes:
    """``       bf 16 00 00 00 00 00 00`` — the bytes of the instruction above."""

    line: int
    lines: tuple[int, ...]
    text: str
    data: bytes
    indent: str
    trailing: str = ""

    def render(self) -> str:
        return self.indent + " ".join(f"{b:02x}" for b in self.data) + self.trailing


_OP = attrgetter("form.op")


@dataclass(frozen=True, slots=True)
class Function:
    """A (sub)function: from its first slot up to the next function's."""

    name: str
    signature: str | None  # BTF signature text; None without BTF
    start: int  # first slot
    instructions: tuple[Instruction, ...]


@dataclass(frozen=True, slots=True)
class Program:
    """One dumped program."""

    name: str
    line: int  # first line of the dump in the capture
    instructions: tuple[Instruction, ...]
    functions: tuple[Function, ...]
    sources: tuple[tuple[int, SourceLine], ...] = ()  # (slot the source line precedes, line)
    header: ProgramHeader | None = None
    id: int | None = None
    type: str | None = None
    tag: str | None = None
    origin: str = "text"  # "text", "json" (bpftool), "elf" (an object), "objdump" (a listing), "asm" (.s)
    section: str | None = None  # an object's program: the ELF section of its entry ("xdp", "kprobe/do_exit")
    traits: tuple[str, ...] = ()  # what the dump shows of its bpftool, e.g. "index-width:space4"

    @property
    def slots(self) -> int:
        """How many slots the instructions take (an LD_IMM64 takes two)."""
        return len(self.instructions) + list(map(_OP, self.instructions)).count("ld_imm64")

    def at(self, slot: int) -> Instruction | None:
        """The instruction starting at ``slot``."""
        for insn in self.instructions:
            if insn.slot == slot:
                return insn
        return None
