"""The spellings of kernels before 5.1, read as typed instructions.

Before the JMP32 work (5.1) the kernel's disassembler printed the 32-bit view as
``(u32) rN`` (kernel/bpf/disasm.c of 4.15-5.0, which bpftool of those kernels and the
crash utility's ``bpf -t`` carry); the 4.x verifier (<= 4.14, kernel/bpf/verifier.c's
own print_bpf_insn) printed every ALU op through one format, so a negation read
``r1 neg 0`` and a byte swap ``(u32) r1 endian (u32) 16``, a call ``call 1``, and class 6
(JMP32 today) ``(06) BUG``. These read as the fields of the modern spelling, are
cross-checked against the opcode byte and bytes, render back exactly, and diff like
modern instructions.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from paths import FIXTURES

import bpflogs
from bpflogs.cli import main
from bpflogs.model.insn import InsnForm, InsnLine, Instruction


def one(text: str) -> Instruction:
    capture = bpflogs.parse_text(text + "\n")
    (record,) = capture.records
    assert isinstance(record, InsnLine), record
    assert record.render() == text
    return record.insn


def fields(form: InsnForm) -> tuple[object, ...]:
    return (form.opcode, form.op, form.cls, form.dst, form.src, form.imm, form.off, form.size, form.signed)


ALU = ["+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "%=", "^=", "s>>="]
ALU_BITS = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xA0, 0xC0]


@pytest.mark.parametrize(
    "old,modern",
    [
        # disasm.c 4.15-5.0 and crash's "bpf -t": "(%02x) %sr%d %s %sr%d" with "(u32) " for class ALU
        ("   4: (b4) (u32) r8 = (u32) 0", "   4: (b4) w8 = 0"),
        ("   4: (b4) (u32) r8 = (u32) -1", "   4: (b4) w8 = -1"),
        ("   4: (bc) (u32) r1 = (u32) r2", "   4: (bc) w1 = w2"),
        ("   4: (bc) (u32) r1 = (u32) r1", "   4: (bc) w1 = w1"),
        ("   4: (84) r1 = (u32) -r1", "   4: (84) w1 = -w1"),
        # the 4.x verifier's "endian": le carries its width as the immediate
        ("   4: (d4) (u32) r3 endian (u32) 16", "   4: (d4) r3 = le16 r3"),
        ("   4: (d4) (u32) r3 endian (u32) 64", "   4: (d4) r3 = le64 r3"),
    ]
    + [
        (f"   4: ({0x04 | b:02x}) (u32) r1 {op} (u32) 5", f"   4: ({0x04 | b:02x}) w1 {op} 5")
        for op, b in zip(ALU, ALU_BITS, strict=True)
    ]
    + [
        (f"   4: ({0x0C | b:02x}) (u32) r1 {op} (u32) r9", f"   4: ({0x0C | b:02x}) w1 {op} w9")
        for op, b in zip(ALU, ALU_BITS, strict=True)
    ],
)
def test_old_spelling_reads_as_the_modern_one(old: str, modern: str) -> None:
    got, want = one(old), one(modern)
    assert fields(got.form) == fields(want.form)
    assert got.flags == () and want.flags == ()
    assert got.text == old.split(") ", 1)[1]


@pytest.mark.parametrize(
    "text,op,dst,src,imm,echo",
    [
        ("   0: (87) r1 neg 0", "neg", "r1", "r1", 0, ()),
        ("   0: (84) (u32) r1 neg (u32) 0", "neg", "w1", "w1", 0, ()),
        ("   0: (dc) (u32) r6 endian (u32) r0", "be", "r6", "r6", None, ("r0",)),  # be: no width printed
        ("   0: (85) call 1", "call", None, None, 1, ()),
        ("   0: (85) call -2", "call", None, None, -2, ()),
    ],
)
def test_verifier_4x_spellings(
    text: str, op: str, dst: str | None, src: str | None, imm: int | None, echo: tuple[str, ...]
) -> None:
    got = one(text)
    assert got.op == op and got.flags == ()
    assert (str(got.dst) if got.dst else None, str(got.src) if got.src else None) == (dst, src)
    assert got.imm == imm
    assert tuple(map(str, got.form.echo)) == echo


def test_old_call_by_id_names_the_helper() -> None:
    # "call 1" and "call 2" are other helpers: the id is the name, not a hidden address
    assert one("   0: (85) call 1").call != one("   0: (85) call 2").call


def test_class_6_by_its_old_name_is_an_instruction_the_disassembler_did_not_know() -> None:
    got = one("   3: (16) BUG")
    assert got.op == "bug" and got.cls == "jmp32" and got.opcode == 0x16
    assert len(got.flags) == 1 and got.flags[0].startswith("bug-line")
    wrong = one("   3: (15) BUG")  # class 5 had its name
    assert any(f.startswith("text-contradicts-opcode") for f in wrong.flags)


@pytest.mark.parametrize(
    "text",
    [
        "   0: (b7) (u32) r8 = (u32) 0",  # a 64-bit opcode
        "   0: (0f) (u32) r1 += (u32) r2",
        "   0: (04) (u32) r1 -= (u32) 5",
        "   0: (04) (u32) r1 += (u32) r5",  # the source bit
        "   0: (84) r1 = (u32) -r2",  # the repeated register
        "   0: (87) r1 = (u32) -r1",
        "   0: (84) w1 = (u32) -r1",  # "(u32)" views rN
        "   0: (dc) (u32) r1 endian (u32) 16",  # le printed, be encoded
        "   0: (d4) (u32) r1 endian (u32) r0",
        "   0: (87) r1 neg r2",  # a source bit the opcode has not
        "   0: (b4) (u32) r8 = (u32) 4294967296",  # no 32-bit immediate
    ],
)
def test_old_spelling_is_cross_checked_against_the_opcode(text: str) -> None:
    assert any(f.startswith("text-contradicts-opcode") for f in one(text).flags)


@pytest.mark.parametrize(
    "data,flagged",
    [
        ("b4 08 00 00 00 00 00 00", False),
        ("b4 08 00 00 01 00 00 00", True),  # imm 1
        ("b4 07 00 00 00 00 00 00", True),  # dst r7
        ("bc 08 00 00 00 00 00 00", True),  # another opcode
    ],
)
def test_old_spelling_is_cross_checked_against_the_bytes(data: str, flagged: bool) -> None:
    capture = bpflogs.parse_text(f"   0: (b4) (u32) r8 = (u32) 0\n       {data}\n")
    record = capture.records[0]
    assert isinstance(record, InsnLine)
    assert record.insn.raw == bytes.fromhex(data.replace(" ", ""))
    assert any(f.startswith("text-contradicts-opcode") for f in record.insn.flags) == flagged


@pytest.mark.parametrize(
    "text", ["   0: (0c) (u32) w1 += (u32) w2", "   0: (04) (u32) r1 += 5", "   0: (04) r1 += (u32) 5"]
)
def test_no_kernel_printed_these(text: str) -> None:
    (record,) = bpflogs.parse_text(text + "\n").records
    assert isinstance(record, bpflogs.Unparsed)


# ---------------------------------------------------------------------------------- diff

PROGRAM = [
    "   0: (b7) r0 = 0",
    "   1: (b4) (u32) r8 = (u32) 0",
    "   2: (bc) (u32) r1 = (u32) r8",
    "   3: (84) r1 = (u32) -r1",
    "   4: (04) (u32) r1 += (u32) 5",
    "   5: (95) exit",
]


def diff(tmp_path: Path, capsys: pytest.CaptureFixture[str], a: list[str], b: list[str]) -> tuple[int, dict]:
    pa, pb = tmp_path / "a.txt", tmp_path / "b.txt"
    pa.write_text("\n".join(a) + "\n")
    pb.write_text("\n".join(b) + "\n")
    code = main(["diff", "--format", "json", str(pa), str(pb)])
    out = json.loads(capsys.readouterr().out)
    return code, out


def changed_rows(out: dict) -> list[dict]:
    return [row for prog in out["programs"] for row in prog["instructions"] if row["op"] != "same"]


@pytest.mark.parametrize(
    "line,new,classes",
    [
        (1, "   1: (b4) (u32) r8 = (u32) 1", ["immediate"]),
        (2, "   2: (bc) (u32) r1 = (u32) r7", ["register"]),
        (3, "   3: (84) r2 = (u32) -r2", ["register"]),
        (4, "   4: (0c) (u32) r1 += (u32) r5", ["opcode", "register", "immediate"]),
        (4, "   4: (14) (u32) r1 -= (u32) 5", ["opcode"]),
    ],
)
def test_a_changed_old_instruction_is_a_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: int, new: str, classes: list[str]
) -> None:
    b = list(PROGRAM)
    b[line] = new
    code, out = diff(tmp_path, capsys, PROGRAM, b)
    assert code == 1 and out["equal"] is False
    (row,) = changed_rows(out)
    assert row["a"]["text"] == PROGRAM[line].split(": ", 1)[1] and row["classes"] == classes


def test_an_old_and_a_modern_spelling_of_one_program_differ_only_in_formatting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    modern = ["   0: (b7) r0 = 0", "   1: (b4) w8 = 0", "   2: (bc) w1 = w8", "   3: (84) w1 = -w1",
              "   4: (04) w1 += 5", "   5: (95) exit"]  # fmt: skip
    code, out = diff(tmp_path, capsys, PROGRAM, modern)
    rows = changed_rows(out)
    assert len(rows) == 4 and all(row["classes"] == [] and row["hidden"] == ["formatting"] for row in rows)
    assert code == 0


# ---------------------------------------------------------------------------------- a real crash listing

# `crash> bpf -p 13 -T` on a 2018 kernel (4.16-era), as the crash utility's own help text
# for its bpf command shows it: the kernel's instructions (not bpftool's), with their bytes
CRASH = FIXTURES / "crash-bpf-p13-T.txt"


def test_a_crash_listing_reads_typed_and_true_to_its_bytes() -> None:
    capture = bpflogs.parse_file(CRASH)
    assert capture.kind == "xlated"
    assert not [r for r in capture.records if isinstance(r, bpflogs.Unparsed)]
    (program,) = capture.programs
    assert program.slots == 37
    assert all(i.raw is not None and i.flags == () for i in program.instructions)
    by_slot = {i.slot: i for i in program.instructions}
    assert (by_slot[2].op, str(by_slot[2].dst), by_slot[2].imm) == ("mov", "w8", 0)
    assert (by_slot[17].op, str(by_slot[17].dst), by_slot[17].imm) == ("or", "w8", 2)
    # its map loads hold the map's kernel address (src_reg 0), which crash names by map id
    assert by_slot[10].map is not None and by_slot[10].map.id == 13


def test_a_crash_listing_whose_map_address_load_is_edited_is_flagged() -> None:
    text = CRASH.read_text().replace("18 01 00 00 00 7a 96 61", "18 21 00 00 00 7a 96 61", 1)
    (program,) = bpflogs.parse_text(text).programs
    assert any(f.startswith("text-contradicts-opcode") for f in program.at(10).flags)  # type: ignore[union-attr]
