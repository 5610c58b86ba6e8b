"""The BPF instruction encoding: classes, fields, sizes, operations and how bpftool spells them.

One place for what an instruction's bytes hold and which text stands for which form. The
xlated parser maps the spellings of a dump's text onto the operation names here
(``ALU_OPS``, ``JMP_CONDS``, ``GOTO_KINDS``, ``ATOMIC_OPS``, ``SIZE_BYTES``); the
cross-check holds a text to its ``(CC)`` byte (``expected_opcode``) and, when the dump
carries them (``opcodes`` mode, JSON), to its raw bytes (``decode``, ``mismatches``): an
old bpftool prints some newer instructions as plain ones (xlated.md 2.9), and only the
encoding shows it. Validation and the diff read the same tables.

An instruction decoded from bytes and one read from text meet here: ``decode`` gives the
fields of an 8-byte slot (16 for an LD_IMM64) as ``Raw``, in the terms ``InsnForm`` uses
(``dst``, ``src``, ``off``, ``imm``). This module imports nothing of bpflogs.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = [
    "ALU",
    "ALU64",
    "ALU_NAMES",
    "ALU_OPS",
    "ALU_OP_BITS",
    "ALU_OP_NAMES",
    "ATOMIC_IMM",
    "ATOMIC_OPS",
    "CLASSES",
    "CLASS_NAMES",
    "ENDIAN_OPS",
    "FIELD_BYTE",
    "GOTO_KINDS",
    "JMP",
    "JMP32",
    "JMP_BITS",
    "JMP_CONDS",
    "JMP_OP_NAMES",
    "JUMP_NAMES",
    "LD",
    "LDX",
    "MODE_NAMES",
    "NAME_ALIASES",
    "PSEUDO_CALL",
    "PSEUDO_FUNC",
    "PSEUDO_KFUNC_CALL",
    "PSEUDO_MAP_FD",
    "PSEUDO_MAP_IDX_VALUE",
    "PSEUDO_MAP_VALUE",
    "Raw",
    "S16",
    "S32",
    "SIGNED_OPS",
    "SIZE_BITS",
    "SIZE_BYTES",
    "SIZE_NAMES",
    "SLOT_BYTES",
    "SOURCE_NAMES",
    "ST",
    "STX",
    "U32",
    "U64",
    "class_name",
    "decode",
    "expected_opcode",
    "mismatches",
    "out_of",
]

# ---------------------------------------------------------------- the opcode byte

# the class: the opcode's low three bits
CLASSES = ("ld", "ldx", "st", "stx", "alu", "jmp", "jmp32", "alu64")
LD, LDX, ST, STX, ALU, JMP, JMP32, ALU64 = range(8)
_CLASS_MASK = 0x07
_SOURCE_X = 0x08  # ALU and JMP classes: the operand is src_reg (BPF_X), not imm (BPF_K)

# access width in bytes -> size bits (loads, stores, atomics, LD_ABS/LD_IND)
SIZE_BITS = {4: 0x00, 2: 0x08, 1: 0x10, 8: 0x18}
# the bits a size is spelled with ("u8", "s16", "u32 *", "le64" ...) -> the width in bytes
SIZE_BYTES = {"8": 1, "16": 2, "32": 4, "64": 8}

# ALU operator as printed -> (op name, op bits); "s/=" and "s%=" are div/mod with off=1
ALU_OPS: dict[str, tuple[str, int]] = {
    "+=": ("add", 0x00), "-=": ("sub", 0x10), "*=": ("mul", 0x20), "/=": ("div", 0x30),
    "|=": ("or", 0x40), "&=": ("and", 0x50), "<<=": ("lsh", 0x60), ">>=": ("rsh", 0x70),
    "%=": ("mod", 0x90), "^=": ("xor", 0xA0), "s>>=": ("arsh", 0xC0),
    "s/=": ("div", 0x30), "s%=": ("mod", 0x90),
}  # fmt: skip
# ALU op name -> op bits: the operators, the move ("r1 = r2") and the negation ("r1 = -r1")
ALU_OP_BITS = {name: bits for name, bits in ALU_OPS.values()} | {"mov": 0xB0, "neg": 0x80}
ALU_NAMES = frozenset(ALU_OP_BITS)
# byte swaps (BPF_END): "r1 = le16 r1", "r1 = be32 r1" (class ALU), "r1 = bswap64 r1" (ALU64)
ENDIAN_OPS = ("le", "be", "bswap")
_ENDIAN_OPCODES = {"le": 0xD4, "be": 0xDC, "bswap": 0xD7}

# jump condition as printed -> (op name, op bits)
JMP_CONDS: dict[str, tuple[str, int]] = {
    "==": ("jeq", 0x10), ">": ("jgt", 0x20), ">=": ("jge", 0x30), "&": ("jset", 0x40),
    "!=": ("jne", 0x50), "s>": ("jsgt", 0x60), "s>=": ("jsge", 0x70), "<": ("jlt", 0xA0),
    "<=": ("jle", 0xB0), "s<": ("jslt", 0xC0), "s<=": ("jsle", 0xD0),
}  # fmt: skip
JMP_BITS = {name: bits for name, bits in JMP_CONDS.values()}
JUMP_NAMES = frozenset(JMP_BITS)  # the conditional jumps
# an unconditional jump as printed -> op name ("gotol" keeps its offset in imm)
GOTO_KINDS = {"goto": "ja", "gotol": "gotol", "may_goto": "may_goto"}
# the forms whose opcode byte is one value
_FIXED_OPCODES = {
    "ja": 0x05, "gotol": 0x06, "may_goto": 0xE5, "gotox": 0x0D, "call": 0x85, "exit": 0x95,
    "nospec": 0xC2, "ld_imm64": 0x18,
}  # fmt: skip
_ALU64_MOV_X = ("addr_space_cast", "percpu_addr")  # moves that off tells apart: 0xbf

# atomic operation -> imm (the opcode is STX|ATOMIC with the access size)
ATOMIC_IMM: dict[str, int] = {
    "atomic_add": 0x00, "atomic_or": 0x40, "atomic_and": 0x50, "atomic_xor": 0xA0,
    "fetch_add": 0x01, "fetch_or": 0x41, "fetch_and": 0x51, "fetch_xor": 0xA1,
    "xchg": 0xE1, "cmpxchg": 0xF1, "load_acquire": 0x100, "store_release": 0x110,
}  # fmt: skip
# "lock *(u64 *)(r0 +0) += r7": the operator -> the atomic_ op it names
ATOMIC_OPS = {"+=": "atomic_add", "|=": "atomic_or", "&=": "atomic_and", "^=": "atomic_xor"}

# the ops of which a signed ("s") form exists: s/=, s%=, s>>=, movsx, sign-extending
# loads, signed compares
SIGNED_OPS = frozenset({"div", "mod", "arsh", "movsx", "load", *JUMP_NAMES})

# ---------------------------------------------------------------- the kernel's names

# the kernel's names of an opcode's parts, as strace prints a code (``BPF_ALU64|BPF_X|BPF_MOV``,
# ``BPF_LDX|BPF_W|BPF_MEM``); the op names above are these, lower case without ``BPF_``
CLASS_NAMES = {
    LD: "BPF_LD", LDX: "BPF_LDX", ST: "BPF_ST", STX: "BPF_STX",
    ALU: "BPF_ALU", JMP: "BPF_JMP", JMP32: "BPF_JMP32", ALU64: "BPF_ALU64",
}  # fmt: skip
SIZE_NAMES = {0x00: "BPF_W", 0x08: "BPF_H", 0x10: "BPF_B", 0x18: "BPF_DW"}
MODE_NAMES = {
    0x00: "BPF_IMM", 0x20: "BPF_ABS", 0x40: "BPF_IND", 0x60: "BPF_MEM",
    0x80: "BPF_MEMSX",  # strace >= 6.6; older prints 0x80 /* BPF_??? */
    0xC0: "BPF_ATOMIC",  # printed as BPF_XADD up to strace 6.14
}  # fmt: skip
SOURCE_NAMES = {0x00: "BPF_K", _SOURCE_X: "BPF_X"}
ALU_OP_NAMES = {
    0x00: "BPF_ADD", 0x10: "BPF_SUB", 0x20: "BPF_MUL", 0x30: "BPF_DIV", 0x40: "BPF_OR",
    0x50: "BPF_AND", 0x60: "BPF_LSH", 0x70: "BPF_RSH", 0x80: "BPF_NEG", 0x90: "BPF_MOD",
    0xA0: "BPF_XOR", 0xB0: "BPF_MOV", 0xC0: "BPF_ARSH", 0xD0: "BPF_END",
}  # fmt: skip
JMP_OP_NAMES = {
    0x00: "BPF_JA", 0x10: "BPF_JEQ", 0x20: "BPF_JGT", 0x30: "BPF_JGE", 0x40: "BPF_JSET",
    0x50: "BPF_JNE", 0x60: "BPF_JSGT", 0x70: "BPF_JSGE", 0x80: "BPF_CALL", 0x90: "BPF_EXIT",
    0xA0: "BPF_JLT", 0xB0: "BPF_JLE", 0xC0: "BPF_JSLT", 0xD0: "BPF_JSLE",
    0xE0: "BPF_JCOND",  # strace >= 6.9
}  # fmt: skip
NAME_ALIASES = {"BPF_XADD": "BPF_ATOMIC"}  # an old name -> the one the encoding has now

# ---------------------------------------------------------------- the other fields

SLOT_BYTES = 8  # one instruction slot; an LD_IMM64 takes two
# which byte of a slot holds each field (dst_reg and src_reg share byte 1)
FIELD_BYTE = {"code": 0, "dst": 1, "src": 1, "off": 2, "imm": 4, "imm64": 4}
# the value ranges of the fields, as [low, high)
S16 = (-(1 << 15), 1 << 15)  # off
S32 = (-(1 << 31), 1 << 31)  # imm
U32 = (0, 1 << 32)  # imm shown unsigned (jump comparisons), map ids and indices
U64 = (0, 1 << 64)  # the constant of an LD_IMM64

# src_reg of an LD_IMM64: what imm holds
PSEUDO_MAP_FD = 1  # a map (by fd, or id after loading): map[id:N]
PSEUDO_MAP_VALUE = 2  # an address in a map's value: map[id:N][0]+off
PSEUDO_FUNC = 4  # a subprogram's address: subprog[+N]
PSEUDO_MAP_IDX_VALUE = 6  # an address in the value of the loader's map N: map[idx:N]+off
# src_reg of a call: whom it calls (0: a helper)
PSEUDO_CALL = 1  # a subprogram: call pc+N
PSEUDO_KFUNC_CALL = 2  # a kernel function, by its BTF id


def out_of(value: int | None, bounds: tuple[int, int]) -> bool:
    """Whether ``value`` (None: not shown) lies outside a field's ``[low, high)``."""
    return value is not None and not bounds[0] <= value < bounds[1]


@dataclass(frozen=True, slots=True)
class Raw:
    """The fields of an instruction's bytes (16 bytes for an LD_IMM64)."""

    code: int
    dst: int
    src: int
    off: int
    imm: int
    imm64: int | None = None  # LD_IMM64: both halves
    head2: int | None = None  # LD_IMM64: the second slot's code, registers and offset (zero)


def decode(data: bytes) -> Raw | None:
    """The fields of 8 (or 16) instruction bytes; None if the length is wrong."""
    if len(data) not in (SLOT_BYTES, 2 * SLOT_BYTES):
        return None
    code, regs, off, imm = struct.unpack_from("<BBhi", data)
    imm64 = head2 = None
    if len(data) == 2 * SLOT_BYTES:
        head2, hi = struct.unpack_from("<II", data, 8)
        imm64 = (imm & 0xFFFFFFFF) | (hi << 32)
    return Raw(code, regs & 0x0F, regs >> 4, off, imm, imm64, head2)


def class_name(code: int) -> str:
    return CLASSES[code & _CLASS_MASK]


def expected_opcode(op: str, *, width: int | None = None, reg_src: bool = False, size: int | None = None,
                    cls: str | None = None) -> int | None:  # fmt: skip
    """The opcode byte of a form as the text describes it; None when the text cannot tell."""
    alu_class = ALU64 if width == 64 else ALU
    source = _SOURCE_X if reg_src else 0x00
    if op in ALU_OP_BITS:
        return alu_class | ALU_OP_BITS[op] | source
    if op == "movsx":
        return alu_class | ALU_OP_BITS["mov"] | _SOURCE_X
    if op in _ALU64_MOV_X:
        return ALU64 | ALU_OP_BITS["mov"] | _SOURCE_X
    if op in _ENDIAN_OPCODES:
        return _ENDIAN_OPCODES[op]
    if size not in SIZE_BITS:
        if op in JMP_BITS:
            return (JMP32 if width == 32 else JMP) | JMP_BITS[op] | source
        return _FIXED_OPCODES.get(op)
    bits = SIZE_BITS[size]
    if op == "load":
        return 0x61 | bits  # LDX|MEM
    if op == "load_signed":
        return 0x81 | bits  # LDX|MEMSX
    if op == "store":
        return (0x63 if reg_src else 0x62) | bits  # STX|MEM, ST|MEM
    if op == "ld_abs":
        return 0x20 | bits  # LD|ABS
    if op == "ld_ind":
        return 0x40 | bits  # LD|IND
    if op in ATOMIC_IMM:
        return 0xC3 | bits  # STX|ATOMIC
    return None


def mismatches(text_fields: dict[str, int | None], raw: Raw) -> list[str]:
    """Which fields the text shows differently from the bytes, as ``name: text X, bytes Y``."""
    out = []
    for name, shown in text_fields.items():
        if shown is None:
            continue
        actual = getattr(raw, name)
        if actual is None:
            continue
        # a 32-bit immediate may be shown unsigned (jumps print 0xfffffffd for -3)
        if shown != actual and not (name == "imm" and (shown - actual) % (1 << 32) == 0):
            out.append(f"{name}: text {shown}, bytes {actual}")
    return out
