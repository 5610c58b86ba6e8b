"""The BPF instruction encoding: which opcode byte each instruction form has.

Used to cross-check a dump's text against its ``(CC)`` byte and, when the dump
carries them (``opcodes`` mode, JSON), against the instruction's raw bytes: an
old bpftool prints some newer instructions as plain ones (xlated.md 2.9), and
only the encoding shows it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = [
    "ALU_OPS",
    "ATOMIC_IMM",
    "JMP_CONDS",
    "Raw",
    "class_name",
    "decode",
    "expected_opcode",
    "mismatches",
]

CLASSES = ("ld", "ldx", "st", "stx", "alu", "jmp", "jmp32", "alu64")
SIZES = {4: 0x00, 2: 0x08, 1: 0x10, 8: 0x18}

# text operator -> (op name, op bits); "s/=" and "s%=" are div/mod with off=1
ALU_OPS: dict[str, tuple[str, int]] = {
    "+=": ("add", 0x00), "-=": ("sub", 0x10), "*=": ("mul", 0x20), "/=": ("div", 0x30),
    "|=": ("or", 0x40), "&=": ("and", 0x50), "<<=": ("lsh", 0x60), ">>=": ("rsh", 0x70),
    "%=": ("mod", 0x90), "^=": ("xor", 0xA0), "s>>=": ("arsh", 0xC0),
    "s/=": ("div", 0x30), "s%=": ("mod", 0x90),
}  # fmt: skip
_OP_BITS = {name: bits for name, bits in ALU_OPS.values()} | {"mov": 0xB0, "neg": 0x80}

# jump condition as printed -> (op name, op bits)
JMP_CONDS: dict[str, tuple[str, int]] = {
    "==": ("jeq", 0x10), ">": ("jgt", 0x20), ">=": ("jge", 0x30), "&": ("jset", 0x40),
    "!=": ("jne", 0x50), "s>": ("jsgt", 0x60), "s>=": ("jsge", 0x70), "<": ("jlt", 0xA0),
    "<=": ("jle", 0xB0), "s<": ("jslt", 0xC0), "s<=": ("jsle", 0xD0),
}  # fmt: skip
_JMP_BITS = {name: bits for name, bits in JMP_CONDS.values()}

# atomic operation -> imm
ATOMIC_IMM: dict[str, int] = {
    "atomic_add": 0x00, "atomic_or": 0x40, "atomic_and": 0x50, "atomic_xor": 0xA0,
    "fetch_add": 0x01, "fetch_or": 0x41, "fetch_and": 0x51, "fetch_xor": 0xA1,
    "xchg": 0xE1, "cmpxchg": 0xF1, "load_acquire": 0x100, "store_release": 0x110,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Raw:
    """The fields of an instruction's bytes (16 bytes for an LD_IMM64)."""

    code: int
    dst: int
    src: int
    off: int
    imm: int
    imm64: int | None = None  # LD_IMM64: both halves


def decode(data: bytes) -> Raw | None:
    """The fields of 8 (or 16) instruction bytes; None if the length is wrong."""
    if len(data) not in (8, 16):
        return None
    code, regs, off, imm = struct.unpack_from("<BBhi", data)
    imm64 = None
    if len(data) == 16:
        hi = struct.unpack_from("<I", data, 12)[0]
        imm64 = (imm & 0xFFFFFFFF) | (hi << 32)
    return Raw(code, regs & 0x0F, regs >> 4, off, imm, imm64)


def class_name(code: int) -> str:
    return CLASSES[code & 0x07]


def expected_opcode(op: str, *, width: int | None = None, reg_src: bool = False, size: int | None = None,
                    cls: str | None = None) -> int | None:  # fmt: skip
    """The opcode byte of a form as the text describes it; None when the text cannot tell."""
    alu_class = 0x07 if width == 64 else 0x04
    if op in _OP_BITS:
        return alu_class | _OP_BITS[op] | (0x08 if reg_src else 0x00)
    if op == "movsx":
        return alu_class | 0xB8
    if op in ("addr_space_cast", "percpu_addr"):
        return 0xBF
    if op in ("le", "be"):
        return 0xD4 if op == "le" else 0xDC
    if op == "bswap":
        return 0xD7
    if size not in SIZES:
        return _jumps(op, width, reg_src)
    bits = SIZES[size]
    if op == "load":
        return 0x61 | bits
    if op == "load_signed":
        return 0x81 | bits
    if op == "store":
        return (0x63 if reg_src else 0x62) | bits
    if op == "ld_abs":
        return 0x20 | bits
    if op == "ld_ind":
        return 0x40 | bits
    if op in ATOMIC_IMM:
        return 0xC3 | bits
    return None


def _jumps(op: str, width: int | None, reg_src: bool) -> int | None:
    if op in _JMP_BITS:
        return (0x06 if width == 32 else 0x05) | _JMP_BITS[op] | (0x08 if reg_src else 0x00)
    fixed = {"ja": 0x05, "gotol": 0x06, "may_goto": 0xE5, "gotox": 0x0D, "call": 0x85, "exit": 0x95,
             "nospec": 0xC2, "ld_imm64": 0x18}  # fmt: skip
    return fixed.get(op)


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
