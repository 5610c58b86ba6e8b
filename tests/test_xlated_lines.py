"""Every line kind and instruction form of a ``bpftool prog dump xlated`` text (xlated.md 1.2, 2).

Each test parses a one-line dump with ``parse_text`` and checks the typed fields of its
one record and that the record renders back to its exact text. Lines are built from the
spec's tables, so the opcode byte each form must carry is computed here from the BPF
encoding (class | op | source bit), independently of ``bpflogs.encoding``.
"""

from __future__ import annotations

import pytest

import bpflogs
from bpflogs import Unparsed
from bpflogs.model.insn import (
    CallKind,
    CallTarget,
    FunctionHeader,
    InsnLine,
    Instruction,
    OpcodeBytes,
    ProgramHeader,
    Reg,
    SourceLine,
)

# ---------------------------------------------------------------------------------- helpers


def one(text: str) -> object:
    """The single record of a one-line capture; it covers line 1 and renders back to ``text``."""
    capture = bpflogs.parse_text(text)
    assert len(capture.records) == 1, capture.records
    record = capture.records[0]
    assert record.line == 1 and record.lines == (1,)
    assert record.text == text
    assert record.render() == text
    return record


def insn(text: str, *, flagged: bool = False) -> Instruction:
    """The instruction of a one-instruction dump; it is a program of one instruction and,
    unless ``flagged``, the opcode cross-check finds nothing wrong with it."""
    capture = bpflogs.parse_text(text)
    record = one(text)
    assert isinstance(record, InsnLine), record
    assert capture.kind == "xlated"
    assert len(capture.programs) == 1
    program = capture.programs[0]
    assert program.instructions == (record.insn,)
    if flagged:
        assert record.insn.flags, record.insn
    else:
        assert record.insn.flags == (), record.insn.flags
    return record.insn


def r(n: int) -> Reg:
    return Reg(n, 64)


def w(n: int) -> Reg:
    return Reg(n, 32)


# ---------------------------------------------------------------------------------- 2.1 ALU

# operator as printed, op name, op bits of the opcode, signed
ALU_OPS = [
    ("+=", "add", 0x00, False),
    ("-=", "sub", 0x10, False),
    ("*=", "mul", 0x20, False),
    ("/=", "div", 0x30, False),
    ("|=", "or", 0x40, False),
    ("&=", "and", 0x50, False),
    ("<<=", "lsh", 0x60, False),
    (">>=", "rsh", 0x70, False),
    ("%=", "mod", 0x90, False),
    ("^=", "xor", 0xA0, False),
    ("s>>=", "arsh", 0xC0, False),  # "signed" below is checked separately: arsh is always signed
    ("s/=", "div", 0x30, True),
    ("s%=", "mod", 0x90, True),
]
WIDTHS = [("r", 64, 0x07, "alu64"), ("w", 32, 0x04, "alu")]


@pytest.mark.parametrize("sym,op,bits,_signed", ALU_OPS, ids=[o[0] for o in ALU_OPS])
@pytest.mark.parametrize("letter,width,cls_bits,cls", WIDTHS, ids=["alu64", "alu32"])
def test_alu_imm(
    sym: str, op: str, bits: int, _signed: bool, letter: str, width: int, cls_bits: int, cls: str
) -> None:
    code = cls_bits | bits
    text = f"  12: ({code:02x}) {letter}3 {sym} -7"
    got = insn(text)
    assert got.slot == 12 and got.opcode == code and got.cls == cls
    assert got.op == op
    assert got.dst == Reg(3, width) and got.src is None
    assert got.imm == -7
    assert got.signed == sym.startswith("s")
    assert got.target is None and got.call is None and got.map is None and got.raw is None
    assert got.text == f"{letter}3 {sym} -7"


@pytest.mark.parametrize("sym,op,bits,_signed", ALU_OPS, ids=[o[0] for o in ALU_OPS])
@pytest.mark.parametrize("letter,width,cls_bits,cls", WIDTHS, ids=["alu64", "alu32"])
def test_alu_reg(
    sym: str, op: str, bits: int, _signed: bool, letter: str, width: int, cls_bits: int, cls: str
) -> None:
    code = cls_bits | bits | 0x08
    text = f"   3: ({code:02x}) {letter}0 {sym} {letter}10"
    got = insn(text)
    assert got.opcode == code and got.cls == cls and got.op == op
    assert got.dst == Reg(0, width) and got.src == Reg(10, width)
    assert got.imm is None
    assert got.signed == sym.startswith("s")


def test_alu_signed_div_is_div_with_signed_set() -> None:
    unsigned = insn("  89: (3f) r2 /= r1")
    signed = insn("  89: (3f) r2 s/= r1")
    assert unsigned.op == signed.op == "div"
    assert (unsigned.signed, signed.signed) == (False, True)
    assert insn("  80: (9f) r6 s%= r1").op == "mod"
    assert insn("  43: (3c) w5 s/= w8").dst == w(5)


@pytest.mark.parametrize(
    "text,code,op,dst,operand",
    [
        ("(b7) r0 = -2085560268", 0xB7, "mov", r(0), -2085560268),
        ("(b4) w0 = -7", 0xB4, "mov", w(0), -7),
        ("(bf) r6 = r1", 0xBF, "mov", r(6), r(1)),
        ("(bc) w1 = w6", 0xBC, "mov", w(1), w(6)),
        ("(bc) w1 = w1", 0xBC, "mov", w(1), w(1)),  # explicit zero extension
    ],
)
def test_mov(text: str, code: int, op: str, dst: Reg, operand: object) -> None:
    got = insn("   0: " + text)
    assert got.opcode == code and got.op == op and got.dst == dst
    if isinstance(operand, Reg):
        assert got.src == operand and got.imm is None
    else:
        assert got.imm == operand and got.src is None
    assert not got.signed


def test_legacy_u32_alu_reg() -> None:
    got = insn("   4: (0c) (u32) r1 += (u32) r2")
    assert got.op == "add" and got.cls == "alu"
    # the 32-bit view printed with 64-bit register names (kernels <= 5.0)
    assert got.dst == w(1) and got.src == w(2)


def test_legacy_u32_alu_imm() -> None:
    got = insn("   4: (04) (u32) r1 += (u32) 5")
    assert got.op == "add" and got.dst == w(1) and got.imm == 5 and got.src is None


def test_legacy_u32_neg() -> None:
    got = insn("   4: (84) r1 = (u32) -r1")
    assert got.op == "neg" and got.dst == w(1) and got.imm is None


@pytest.mark.parametrize(
    "text,code,dst", [("(87) r0 = -r0", 0x87, r(0)), ("(84) w0 = -w0", 0x84, w(0))], ids=["neg64", "neg32"]
)
def test_neg(text: str, code: int, dst: Reg) -> None:
    got = insn("   9: " + text)
    assert got.op == "neg" and got.opcode == code and got.dst == dst
    assert got.imm is None and not got.signed


@pytest.mark.parametrize(
    "text,dst,src,bits",
    [
        ("(bf) r0 = (s8)r2", r(0), r(2), 8),
        ("(bf) r0 = (s16)r2", r(0), r(2), 16),
        ("(bf) r0 = (s32)r2", r(0), r(2), 32),
        ("(bc) w4 = (s16)w3", w(4), w(3), 16),
        ("(bc) w2 = (s8)w1", w(2), w(1), 8),
    ],
)
def test_movsx(text: str, dst: Reg, src: Reg, bits: int) -> None:
    got = insn("  18: " + text)
    assert got.op == "movsx" and got.signed
    assert got.dst == dst and got.src == src
    assert got.off == bits  # the encoding keeps the width in off
    assert got.size == bits // 8
    assert got.imm is None


@pytest.mark.parametrize(
    "text,code,op,bits",
    [
        ("(d4) r3 = le16 r3", 0xD4, "le", 16),
        ("(d4) r3 = le32 r3", 0xD4, "le", 32),
        ("(d4) r3 = le64 r3", 0xD4, "le", 64),
        ("(dc) r6 = be16 r6", 0xDC, "be", 16),
        ("(dc) r6 = be32 r6", 0xDC, "be", 32),
        ("(dc) r6 = be64 r6", 0xDC, "be", 64),
        ("(d7) r1 = bswap16 r1", 0xD7, "bswap", 16),
        ("(d7) r1 = bswap32 r1", 0xD7, "bswap", 32),
        ("(d7) r1 = bswap64 r1", 0xD7, "bswap", 64),
    ],
)
def test_byte_swap(text: str, code: int, op: str, bits: int) -> None:
    got = insn("  21: " + text)
    assert got.opcode == code and got.op == op
    assert got.imm == bits  # the width lives in imm
    assert got.dst is not None and got.dst.width == 64  # always "r", although d4/dc are class ALU
    assert got.cls == ("alu64" if code == 0xD7 else "alu")


def test_addr_space_cast() -> None:
    got = insn("   3: (bf) r1 = addr_space_cast(r0, 0, 1)")
    assert got.op == "addr_space_cast"
    assert got.dst == r(1) and got.src == r(0)
    assert got.off == 1
    assert got.imm == (0 << 16) | 1  # A = imm >> 16, B = imm & 0xffff
    other = insn("   3: (bf) r2 = addr_space_cast(r3, 1, 0)")
    assert other.imm == 1 << 16


def test_percpu_address_move() -> None:
    got = insn("  70: (bf) r0 = &(void __percpu *)(r0)")
    assert got.op == "percpu_addr" and got.opcode == 0xBF
    assert got.dst == r(0) and got.src == r(0) and got.off == -1


# ---------------------------------------------------------------------------------- 2.3 loads and stores

SIZES = [("u8", 1, 0x10), ("u16", 2, 0x08), ("u32", 4, 0x00), ("u64", 8, 0x18)]


@pytest.mark.parametrize("sz,size,bits", SIZES, ids=[s[0] for s in SIZES])
def test_load(sz: str, size: int, bits: int) -> None:
    got = insn(f"   2: ({0x61 | bits:02x}) r2 = *({sz} *)(r1 +140)")
    assert got.op == "load" and got.cls == "ldx"
    assert got.dst == r(2) and got.src == r(1)
    assert got.off == 140 and got.size == size and not got.signed and got.imm is None


@pytest.mark.parametrize("sz,size,code", [("s8", 1, 0x91), ("s16", 2, 0x89), ("s32", 4, 0x81)])
def test_sign_extending_load(sz: str, size: int, code: int) -> None:
    got = insn(f"  29: ({code:02x}) r5 = *({sz} *)(r0 -8)")
    assert got.op == "load" and got.signed
    assert got.dst == r(5) and got.src == r(0) and got.off == -8 and got.size == size


@pytest.mark.parametrize("sz,size,bits", SIZES, ids=[s[0] for s in SIZES])
def test_store_imm(sz: str, size: int, bits: int) -> None:
    got = insn(f"   1: ({0x62 | bits:02x}) *({sz} *)(r10 -24) = 65535")
    assert got.op == "store" and got.cls == "st"
    assert got.dst == r(10) and got.src is None
    assert got.off == -24 and got.size == size and got.imm == 65535


def test_store_negative_imm() -> None:
    got = insn("   1: (62) *(u32 *)(r10 -4) = -1")
    assert got.imm == -1 and got.off == -4


@pytest.mark.parametrize("sz,size,bits", SIZES, ids=[s[0] for s in SIZES])
def test_store_reg(sz: str, size: int, bits: int) -> None:
    got = insn(f"   5: ({0x63 | bits:02x}) *({sz} *)(r10 -16) = r7")
    assert got.op == "store" and got.cls == "stx"
    assert got.dst == r(10) and got.src == r(7)
    assert got.off == -16 and got.size == size and got.imm is None


@pytest.mark.parametrize("sz,size,bits", SIZES, ids=[s[0] for s in SIZES])
def test_ld_abs(sz: str, size: int, bits: int) -> None:
    got = insn(f"   0: ({0x20 | bits:02x}) r0 = *({sz} *)skb[12]")
    assert got.op == "ld_abs" and got.cls == "ld"
    assert got.dst == r(0) and got.src is None and got.imm == 12 and got.size == size


@pytest.mark.parametrize("sz,size,bits", SIZES, ids=[s[0] for s in SIZES])
def test_ld_ind(sz: str, size: int, bits: int) -> None:
    got = insn(f"   0: ({0x40 | bits:02x}) r0 = *({sz} *)skb[r8 + 14]")
    assert got.op == "ld_ind" and got.cls == "ld"
    assert got.dst == r(0) and got.src == r(8) and got.imm == 14 and got.size == size


def test_nospec() -> None:
    got = insn("  17: (c2) nospec")
    assert got.op == "nospec" and got.cls == "st"
    assert got.dst is None and got.src is None and got.imm is None


# ---------------------------------------------------------------------------------- 2.6 atomics

ATOMIC_WIDTHS = [("u32", 4, 0xC3, "atomic_"), ("u64", 8, 0xDB, "atomic64_")]


@pytest.mark.parametrize("sym,name", [("+=", "add"), ("|=", "or"), ("&=", "and"), ("^=", "xor")])
@pytest.mark.parametrize("sz,size,code,_fn", ATOMIC_WIDTHS, ids=["32", "64"])
def test_atomic_lock(sym: str, name: str, sz: str, size: int, code: int, _fn: str) -> None:
    got = insn(f"  14: ({code:02x}) lock *({sz} *)(r0 +8) {sym} r7")
    assert got.op == f"atomic_{name}" and got.cls == "stx"
    assert got.dst == r(0) and got.src == r(7)  # dst: the memory base register
    assert got.off == 8 and got.size == size


@pytest.mark.parametrize("name", ["add", "and", "or", "xor"])
@pytest.mark.parametrize("sz,size,code,fn", ATOMIC_WIDTHS, ids=["32", "64"])
def test_atomic_fetch(name: str, sz: str, size: int, code: int, fn: str) -> None:
    got = insn(f"  20: ({code:02x}) r2 = {fn}fetch_{name}(({sz} *)(r1 -16), r2)")
    assert got.op == f"fetch_{name}"
    assert got.dst == r(1) and got.src == r(2)
    assert got.off == -16 and got.size == size


@pytest.mark.parametrize("sz,size,code,fn", ATOMIC_WIDTHS, ids=["32", "64"])
def test_atomic_xchg(sz: str, size: int, code: int, fn: str) -> None:
    got = insn(f"  20: ({code:02x}) r3 = {fn}xchg(({sz} *)(r1 +0), r3)")
    assert got.op == "xchg"
    assert got.dst == r(1) and got.src == r(3) and got.off == 0 and got.size == size


@pytest.mark.parametrize("sz,size,code,fn", ATOMIC_WIDTHS, ids=["32", "64"])
def test_atomic_cmpxchg(sz: str, size: int, code: int, fn: str) -> None:
    got = insn(f"  20: ({code:02x}) r0 = {fn}cmpxchg(({sz} *)(r1 +4), r0, r3)")
    assert got.op == "cmpxchg"
    assert got.dst == r(1) and got.src == r(3) and got.off == 4 and got.size == size


@pytest.mark.parametrize(
    "sz,size,code", [("u8", 1, 0xD3), ("u16", 2, 0xCB), ("u32", 4, 0xC3), ("u64", 8, 0xDB)]
)
def test_load_acquire(sz: str, size: int, code: int) -> None:
    got = insn(f" 104: ({code:02x}) r0 = load_acquire(({sz} *)(r1 +0))")
    assert got.op == "load_acquire"
    assert got.dst == r(0) and got.src == r(1)  # the normal dst/src fields
    assert got.size == size and got.off == 0


@pytest.mark.parametrize(
    "sz,size,code", [("u8", 1, 0xD3), ("u16", 2, 0xCB), ("u32", 4, 0xC3), ("u64", 8, 0xDB)]
)
def test_store_release(sz: str, size: int, code: int) -> None:
    got = insn(f" 106: ({code:02x}) store_release(({sz} *)(r1 -8), r2)")
    assert got.op == "store_release"
    assert got.dst == r(1) and got.src == r(2) and got.size == size and got.off == -8


# ---------------------------------------------------------------------------------- 2.7 LD_IMM64


def test_ld_imm64_constant() -> None:
    got = insn("  11: (18) r1 = 0x123456789abcdef0")
    assert got.op == "ld_imm64" and got.cls == "ld" and got.slots == 2
    assert got.dst == r(1) and got.imm == 0x123456789ABCDEF0 and got.map is None and got.target is None


def test_ld_imm64_kernel_address() -> None:
    got = insn("  11: (18) r1 = 0xffff888105a21800")
    assert got.imm == 0xFFFF888105A21800


def test_ld_imm64_map() -> None:
    got = insn("  23: (18) r1 = map[id:13]")
    assert got.op == "ld_imm64" and got.dst == r(1)
    assert got.map is not None
    assert (got.map.id, got.map.index, got.map.value, got.map.offset) == (13, None, False, 0)
    assert got.target is None


def test_ld_imm64_map_value() -> None:
    got = insn("  38: (18) r1 = map[id:1316][0]+4")
    assert got.map is not None
    assert (got.map.id, got.map.index, got.map.value, got.map.offset) == (1316, None, True, 4)


def test_ld_imm64_map_index_value() -> None:
    got = insn("   0: (18) r2 = map[idx:3]+16")
    assert got.map is not None
    assert (got.map.id, got.map.index, got.map.value, got.map.offset) == (None, 3, True, 16)


@pytest.mark.parametrize("rel,target", [("+46", 6 + 1 + 46), ("-5", 6 + 1 - 5)])
def test_ld_imm64_subprog(rel: str, target: int) -> None:
    got = insn(f"   6: (18) r2 = subprog[{rel}]")
    assert got.op == "ld_imm64" and got.dst == r(2) and got.map is None
    assert got.target == target  # relative to the next instruction, like call pc+N
    assert got.call is None and not got.is_jump


# ---------------------------------------------------------------------------------- 2.4 jumps

JMP_CONDS = [
    ("==", "jeq", 0x10),
    (">", "jgt", 0x20),
    (">=", "jge", 0x30),
    ("&", "jset", 0x40),
    ("!=", "jne", 0x50),
    ("s>", "jsgt", 0x60),
    ("s>=", "jsge", 0x70),
    ("<", "jlt", 0xA0),
    ("<=", "jle", 0xB0),
    ("s<", "jslt", 0xC0),
    ("s<=", "jsle", 0xD0),
]
JMP_CLASSES = [("r", 64, 0x05, "jmp"), ("w", 32, 0x06, "jmp32")]


@pytest.mark.parametrize("cond,op,bits", JMP_CONDS, ids=[c[0] for c in JMP_CONDS])
@pytest.mark.parametrize("letter,width,cls_bits,cls", JMP_CLASSES, ids=["jmp", "jmp32"])
def test_jump_imm(cond: str, op: str, bits: int, letter: str, width: int, cls_bits: int, cls: str) -> None:
    code = cls_bits | bits
    got = insn(f"  28: ({code:02x}) if {letter}7 {cond} 0xc9 goto pc+4")
    assert got.opcode == code and got.cls == cls and got.op == op
    assert got.cond == cond and got.signed == cond.startswith("s")
    assert got.dst == Reg(7, width) and got.src is None
    assert got.imm == 0xC9  # jump immediates are printed in hex
    assert got.off == 4 and got.target == 28 + 1 + 4
    assert got.is_jump and got.call is None


@pytest.mark.parametrize("cond,op,bits", JMP_CONDS, ids=[c[0] for c in JMP_CONDS])
@pytest.mark.parametrize("letter,width,cls_bits,cls", JMP_CLASSES, ids=["jmp", "jmp32"])
def test_jump_reg(cond: str, op: str, bits: int, letter: str, width: int, cls_bits: int, cls: str) -> None:
    code = cls_bits | bits | 0x08
    got = insn(f"  40: ({code:02x}) if {letter}6 {cond} {letter}7 goto pc-6")
    assert got.opcode == code and got.cls == cls and got.op == op and got.cond == cond
    assert got.dst == Reg(6, width) and got.src == Reg(7, width) and got.imm is None
    assert got.off == -6 and got.target == 40 + 1 - 6


def test_jump_imm_printed_as_unsigned_32_bit_hex() -> None:
    got = insn("   5: (c6) if w3 s< 0xfffffffd goto pc+1")
    assert got.op == "jslt" and got.signed and got.dst == w(3)
    assert got.imm == 0xFFFFFFFD  # the value as printed (-3 as a signed 32-bit number)
    assert got.target == 7
    other = insn("   5: (d6) if w1 s<= 0xffffffff goto pc+1")
    assert other.imm == 0xFFFFFFFF and other.op == "jsle"


def test_jump_zero_imm() -> None:
    got = insn("  11: (15) if r0 == 0x0 goto pc+1")
    assert got.imm == 0 and got.target == 13


@pytest.mark.parametrize(
    "text,target", [("(05) goto pc+1", 12), ("(05) goto pc-3", 8), ("(05) goto pc-1", 10)]
)
def test_goto(text: str, target: int) -> None:
    got = insn("  10: " + text)
    assert got.op == "ja" and got.cls == "jmp"
    assert got.target == target and got.off == target - 11
    assert got.dst is None and got.cond is None and got.is_jump


def test_gotol() -> None:
    got = insn("  93: (06) gotol pc+0")
    assert got.op == "gotol" and got.cls == "jmp32"
    assert got.target == 94
    assert got.imm == 0  # gotol keeps its offset in imm (32-bit)
    far = insn("  93: (06) gotol pc-40000")
    assert far.target == 93 + 1 - 40000 and far.imm == -40000


def test_may_goto() -> None:
    got = insn("   3: (e5) may_goto pc+1")
    assert got.op == "may_goto" and got.off == 1 and got.target == 5 and got.is_jump


def test_gotox() -> None:
    got = insn("   7: (0d) gotox r1")
    assert got.op == "gotox" and got.dst == r(1)
    assert got.target is None  # an indirect jump: the target is not in the text


def test_exit() -> None:
    got = insn("  50: (95) exit")
    assert got.op == "exit" and got.cls == "jmp" and got.target is None and got.dst is None


# ---------------------------------------------------------------------------------- 2.5 calls


@pytest.mark.parametrize(
    "name,number",
    [
        ("bpf_ktime_get_ns", 269488),
        ("bpf_trace_printk", -61360),
        ("__htab_map_lookup_elem", 330864),
        ("arch_bpf_timed_may_goto", -1542304),
        ("bpf_skb_load_helper_16_no_cache", 10283808),
    ],
)
def test_call_helper(name: str, number: int) -> None:
    got = insn(f"  10: (85) call {name}#{number}")
    assert got.op == "call" and got.opcode == 0x85 and got.cls == "jmp"
    assert got.call == CallTarget(CallKind.HELPER, name, number)
    assert got.imm == number
    assert got.target is None and not got.is_jump


def test_call_tail_call() -> None:
    got = insn("  60: (85) call bpf_tail_call#12")
    assert got.call == CallTarget(CallKind.TAIL_CALL, "bpf_tail_call", 12)
    assert got.imm == 12


@pytest.mark.parametrize(
    "rel,target,symbol,function",
    [
        ("+71", 22 + 1 + 71, "bpf_prog_78c0e7843a747c32_mix64", "mix64"),
        ("-5", 22 + 1 - 5, "bpf_prog_ae529e6ff8bd0ef4_static_helper", "static_helper"),
        ("+91", 22 + 1 + 91, "bpf_prog_85f50663755c68dc_F", "F"),
    ],
)
def test_call_subprog(rel: str, target: int, symbol: str, function: str) -> None:
    got = insn(f"  22: (85) call pc{rel}#{symbol}")
    assert got.op == "call"
    assert got.call is not None
    assert got.call.kind is CallKind.SUBPROG
    assert got.call.name == symbol
    assert got.call.function == function
    assert got.target == target
    assert got.off == int(rel)
    assert not got.is_jump  # a call is not a jump, though it has a target


def test_call_subprog_without_symbol() -> None:
    got = insn("  22: (85) call pc+30")
    assert got.call is not None and got.call.kind is CallKind.SUBPROG
    assert got.call.name is None and got.call.function is None
    assert got.target == 53


def test_call_subprog_hex_symbol() -> None:
    got = insn("  22: (85) call pc+30#0xffffffffc0201234")
    assert got.call is not None and got.call.kind is CallKind.SUBPROG
    assert got.call.function is None  # no bpf_prog_<tag>_<name> symbol
    assert got.target == 53


@pytest.mark.parametrize(
    "text,name,number", [("call 0x50c70#330864", "0x50c70", 330864), ("call unknown#5", "unknown", 5)]
)
def test_call_unknown(text: str, name: str, number: int) -> None:
    got = insn("  10: (85) " + text)
    assert got.call == CallTarget(CallKind.UNKNOWN, name, number)
    assert got.target is None


# ---------------------------------------------------------------------------------- 2.8 registers


def test_hidden_registers() -> None:
    assert insn("  30: (bf) r11 = r8").dst == r(11)
    got = insn("   2: (79) r12 = *(u64 *)(r10 -16)")
    assert got.dst == r(12) and got.src == r(10)
    assert insn("   3: (15) if r12 == 0x0 goto pc+6").dst == r(12)
    assert insn("   4: (26) if w11 > 0x1 goto pc+4").dst == w(11)


# ---------------------------------------------------------------------------------- 1.3 index padding


@pytest.mark.parametrize(
    "text,slot,indent",
    [
        ("   5: (bf) r6 = r1", 5, "   "),
        ("  22: (bf) r6 = r1", 22, "  "),
        (" 104: (bf) r6 = r1", 104, " "),
        (" 1000: (bf) r6 = r1", 1000, " "),  # bpftool <= 7.4: space flag, width 4
        ("1000: (bf) r6 = r1", 1000, ""),  # bpftool >= 7.5
        ("12345: (bf) r6 = r1", 12345, ""),
        ("0: (bf) r6 = r1", 0, ""),  # the verifier-log / selftest style without padding
    ],
)
def test_index_padding(text: str, slot: int, indent: str) -> None:
    capture = bpflogs.parse_text(text)
    record = one(text)
    assert isinstance(record, InsnLine)
    assert record.insn.slot == slot
    assert record.indent == indent
    assert capture.programs[0].instructions[0].slot == slot


def test_index_padding_traits() -> None:
    old = bpflogs.parse_text(" 1000: (bf) r6 = r1\n 1001: (95) exit\n").programs[0]
    new = bpflogs.parse_text("1000: (bf) r6 = r1\n1001: (95) exit\n").programs[0]
    assert old.traits != new.traits
    assert old.instructions == new.instructions


# ---------------------------------------------------------------------------------- 2.9/2.10 BUG_ lines


@pytest.mark.parametrize(
    "text,slot,cls",
    [
        (" 104: BUG_db", 104, "stx"),
        ("  21: BUG_alu64_d7", 21, "alu64"),
        ("  29: BUG_ldx_91", 29, "ldx"),
        ("  55: BUG_ldx_89", 55, "ldx"),
        ("   3: BUG_st_c2", 3, "st"),
        ("  13: BUG_ld_00", 13, "ld"),
    ],
)
def test_bug_line(text: str, slot: int, cls: str) -> None:
    got = insn(text, flagged=True)
    assert got.op == "bug"
    assert got.opcode is None  # no (CC) group
    assert got.slot == slot
    assert got.cls == cls  # read from the hex code at the end
    assert got.text == text.split(": ", 1)[1]
    assert any(flag.startswith("bug-line") for flag in got.flags)


def test_old_gotol_text_is_flagged() -> None:
    got = insn("  93: (06) if w0 jmp 0x0 goto pc+0", flagged=True)
    assert got.opcode == 0x06
    assert any("text-contradicts-opcode" in flag for flag in got.flags)


def test_opcode_that_contradicts_text_is_flagged() -> None:
    # "r6 = r1" is a 64-bit register move, opcode bf, not b7
    got = insn("   0: (b7) r6 = r1", flagged=True)
    assert got.op == "mov"
    assert any("0xbf" in flag and "0xb7" in flag for flag in got.flags)


# ---------------------------------------------------------------------------------- 1.2 source lines


def test_source_line() -> None:
    record = one("; __u32 k = ctx->ingress_ifindex & 7, zero = 0;")
    assert isinstance(record, SourceLine)
    assert record.source == "__u32 k = ctx->ingress_ifindex & 7, zero = 0;"
    assert record.file is None and record.line_num is None and record.line_col is None


def test_source_line_empty() -> None:
    record = one("; ")
    assert isinstance(record, SourceLine)
    assert record.source == ""
    assert record.file is None


def test_source_line_bare_semicolon() -> None:
    record = one(";")
    assert isinstance(record, SourceLine) and record.source == ""


def test_source_line_pasted_with_indent_and_trailing_spaces() -> None:
    record = one(" ; struct data_t data = {};  ")
    assert isinstance(record, SourceLine)
    assert record.source == "struct data_t data = {};"


def test_source_line_with_c_punctuation() -> None:
    text = '; asm volatile("r6 = r1\\n" "if r0 s>= 0x0 goto +1"); label: x[2] = y ? a : b;'
    record = one(text)
    assert isinstance(record, SourceLine)
    assert record.source == text[2:]
    assert record.file is None


def test_source_line_linum() -> None:
    record = one("; t = bpf_task_acquire(task); [file:./kfunc.bpf.c line_num:25 line_col:6]")
    assert isinstance(record, SourceLine)
    assert record.source == "t = bpf_task_acquire(task);"
    assert (record.file, record.line_num, record.line_col) == ("./kfunc.bpf.c", 25, 6)


def test_source_line_linum_empty_text() -> None:
    record = one(";  [file:./calls.bpf.c line_num:0 line_col:0]")
    assert isinstance(record, SourceLine)
    assert record.source == ""
    assert (record.file, record.line_num, record.line_col) == ("./calls.bpf.c", 0, 0)


def test_source_line_linum_parsed_from_the_end() -> None:
    # the source text has brackets, colons and even a fake "[file:" part of its own
    text = "; x = a[1] ? b[i:j] : c; /* [file:foo] */ [file:/src/my dir/k.bpf.c line_num:123 line_col:45]"
    record = one(text)
    assert isinstance(record, SourceLine)
    assert record.source == "x = a[1] ? b[i:j] : c; /* [file:foo] */"
    assert (record.file, record.line_num, record.line_col) == ("/src/my dir/k.bpf.c", 123, 45)


def test_source_line_only_the_last_linum_suffix_counts() -> None:
    text = '; s = "[file:a line_num:1 line_col:2]"; [file:./b.c line_num:3 line_col:4]'
    record = one(text)
    assert isinstance(record, SourceLine)
    assert record.source == 's = "[file:a line_num:1 line_col:2]";'
    assert (record.file, record.line_num, record.line_col) == ("./b.c", 3, 4)


def test_source_line_with_linum_like_text_not_at_the_end() -> None:
    text = "; [file:./b.c line_num:3 line_col:4] trailing code"
    record = one(text)
    assert isinstance(record, SourceLine)
    assert record.file is None
    assert record.source == text[2:]


# ---------------------------------------------------------------------------------- 1.2 function headers


@pytest.mark.parametrize(
    "text,name",
    [
        ("int alu_prog(struct __sk_buff * skb):", "alu_prog"),
        ("long each_cb(struct bpf_map * map, __u32 * key, __u64 * val, void * data):", "each_cb"),
        ("int kfunc_prog(unsigned long long * ctx):", "kfunc_prog"),
        ("__u64 mix64(__u64 a, __u64 b):", "mix64"),
        ("struct task_struct * get_task():", "get_task"),
        ("static int noargs(void):", "noargs"),
        ("int hello(void * ctx):", "hello"),
    ],
)
def test_function_header(text: str, name: str) -> None:
    record = one(text)
    assert isinstance(record, FunctionHeader)
    assert record.name == name
    assert record.signature == text[:-1]


def test_function_header_alone_is_no_program() -> None:
    capture = bpflogs.parse_text("int alu_prog(struct __sk_buff * skb):")
    assert capture.programs == ()


# ---------------------------------------------------------------------------------- 1.2 program headers


def test_program_header_gpl() -> None:
    record = one("3059: socket_filter  name ldabs_prog  tag 89c83c1822847feb  gpl")
    assert isinstance(record, ProgramHeader)
    assert (record.id, record.type, record.name, record.tag) == (
        3059,
        "socket_filter",
        "ldabs_prog",
        "89c83c1822847feb",
    )


def test_program_header_run_time() -> None:
    text = (
        "72: kprobe  name hello  tag 2b7a1a2e3a3d3a4c  gpl  run_time_ns 123456 run_cnt 42  recursion_misses 1"
    )
    record = one(text)
    assert isinstance(record, ProgramHeader)
    assert (record.id, record.type, record.name, record.tag) == (72, "kprobe", "hello", "2b7a1a2e3a3d3a4c")


def test_program_header_unknown_type() -> None:
    record = one("101: type 99  name future  tag 0123456789abcdef")
    assert isinstance(record, ProgramHeader)
    assert (record.id, record.type, record.name, record.tag) == (101, "type 99", "future", "0123456789abcdef")


def test_program_header_applies_to_its_program() -> None:
    text = "3059: socket_filter  name ldabs_prog  tag 89c83c1822847feb  gpl\n   0: (b7) r0 = 0\n"
    capture = bpflogs.parse_text(text)
    (program,) = capture.programs
    assert (program.id, program.type, program.name, program.tag) == (
        3059,
        "socket_filter",
        "ldabs_prog",
        "89c83c1822847feb",
    )
    assert program.header is not None and program.header.line == 1
    assert program.line == 1


# ---------------------------------------------------------------------------------- 1.2 opcode bytes


def test_opcodes_line_8_bytes() -> None:
    record = one("       bf 16 00 00 00 00 00 00")
    assert isinstance(record, OpcodeBytes)
    assert record.data == bytes([0xBF, 0x16, 0, 0, 0, 0, 0, 0])


def test_opcodes_line_16_bytes() -> None:
    record = one("       18 42 00 00 2e 00 00 00 00 00 00 00 01 00 00 00")
    assert isinstance(record, OpcodeBytes)
    assert len(record.data) == 16
    assert record.data[:2] == bytes([0x18, 0x42]) and record.data[4] == 0x2E and record.data[12] == 1


def test_opcodes_join_their_instruction() -> None:
    text = (
        "   0: (bf) r6 = r1\n"
        "       bf 16 00 00 00 00 00 00\n"
        "   1: (18) r1 = map[id:46]\n"
        "       18 11 00 00 2e 00 00 00 00 00 00 00 00 00 00 00\n"
    )
    capture = bpflogs.parse_text(text)
    assert [type(x) for x in capture.records] == [InsnLine, OpcodeBytes, InsnLine, OpcodeBytes]
    first, second = capture.programs[0].instructions
    assert first.raw == bytes.fromhex("bf16000000000000")
    assert second.raw == bytes.fromhex("181100002e0000000000000000000000")
    assert first.flags == () and second.flags == ()
    assert second.map is not None and second.map.id == 46 and not second.map.value
    for record in capture.records:
        assert record.render() == record.text


# ---------------------------------------------------------------------- lines that are no dump lines


@pytest.mark.parametrize(
    "bad",
    [
        "   7: (bf) r1 = banana",
        "   7: (bf) r1 +== r2",
        "   7: (85) call",
        "   7: (18) r1 = map[id:]",
    ],
)
def test_no_dump_line_inside_a_dump_is_unparsed(bad: str) -> None:
    text = f"int f(void * ctx):\n   5: (bf) r6 = r1\n   6: (b7) r0 = 0\n{bad}\n   8: (95) exit\n"
    capture = bpflogs.parse_text(text)
    assert [x.line for x in capture.records] == [1, 2, 3, 4, 5]
    odd = capture.records[3]
    assert isinstance(odd, Unparsed)
    assert odd.text == bad and odd.render() == bad
    assert capture.unparsed == (odd,)
    (program,) = capture.programs
    assert [i.slot for i in program.instructions] == [5, 6, 8]


def test_line_of_another_shape_inside_a_dump_is_unparsed() -> None:
    # "(zz)" is no opcode byte: the line does not look like a dump line at all, so it
    # ends the dump (and is read as strace, which does not parse it either)
    text = "   5: (bf) r6 = r1\n   6: (b7) r0 = 0\n   7: (zz) r1 = r2\n   8: (95) exit\n"
    capture = bpflogs.parse_text(text)
    assert [x.line for x in capture.records] == [1, 2, 3, 4]
    assert [u.line for u in capture.unparsed] == [3]
    assert all(x.render() == x.text for x in capture.records)
    assert [i.slot for p in capture.programs for i in p.instructions] == [5, 6, 8]


def test_no_dump_line_alone_is_unparsed() -> None:
    record = one("   7: (bf) r1 = banana")
    assert isinstance(record, Unparsed)


@pytest.mark.parametrize(
    "last, column, message",
    [
        ("   1: (79) r1 = *(u6", 19, "unexpected 'u6'"),
        ("   1: (79) r1 = *(u64 *)(r1 +8", None, "ends too early"),
    ],
)
def test_a_dump_line_cut_short_says_where(last: str, column: int | None, message: str) -> None:
    capture = bpflogs.parse_text("   0: (79) r6 = *(u64 *)(r1 +8)\n" + last + "\n")
    (bad,) = capture.unparsed
    assert bad.line == 2 and message in bad.message
    assert bad.column == (column if column is not None else len(last) + 1)


def test_source_line_linum_after_a_bare_file_tag_renders_back() -> None:
    # a fuzz finding: the suffix starts at the last " [file:" (the grammar's reading); an
    # earlier "[file:" with no space before it is source text, and the line renders back
    text = "; 0[file: [file:./x.bpf.c line_num:1 line_col:2]"
    record = one(text)
    assert isinstance(record, SourceLine)
    assert record.render() == text
    assert record.source == "0[file:"
    assert (record.file, record.line_num, record.line_col) == ("./x.bpf.c", 1, 2)
