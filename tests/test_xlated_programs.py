"""Programs of xlated dumps: opcode cross-checks, jump targets, functions, names, versions.

Inputs are the real dumps in ``../shared/samples/xlated`` (bpftool 7.1 and 7.8 of the same
loaded programs; see the README there) and small dumps built here. Expected values are
read from the dump texts with plain regular expressions, not from bpflogs.
"""

from __future__ import annotations

import dataclasses
import re
import struct
from itertools import pairwise
from pathlib import Path

import pytest
from helpers import load as _load
from paths import missing_samples, sample_files, samples_or_skip

import bpflogs
from bpflogs import Capture
from bpflogs.model.insn import CallKind, FunctionHeader, InsnLine, Instruction, Program

# ---------------------------------------------------------------------------------- inputs


# Files in the samples folder that are not `prog dump xlated` output: verifier logs
# (`verifier-log.*`, the same disassembler with other prefixes and callbacks), bpftool's
# error messages (`errors.*`) and a `prog dump jited` excerpt (`calls.jited-shape.*`, host
# assembly); `*.dot` files are `visual` output, which bpflogs refuses.
NOT_DUMPS = ("verifier-log.", "errors.", "calls.jited-shape.")


def sample_path(name: str) -> Path:
    return samples_or_skip("xlated", name)


def load(name: str) -> Capture:
    return _load(sample_path(name))


def program(name: str) -> Program:
    capture = load(name)
    assert len(capture.programs) == 1, [p.name for p in capture.programs]
    return capture.programs[0]


def dump_samples(pattern: str) -> list[object]:
    """pytest params for the dumps matching ``pattern``; one skipped param if absent."""
    dumps = sample_files("xlated", lambda p: p.match(pattern) and not p.name.startswith(NOT_DUMPS))
    names = [p.name for p in dumps]
    return [pytest.param(n, id=n) for n in names] + missing_samples()


def insn_slots(text: str) -> list[tuple[int, str]]:
    """(slot, instruction text) of each instruction line of a text dump."""
    out = []
    for line in text.splitlines():
        found = re.match(r"^\s*(\d+): (?:\([0-9a-f]{2}\) (.*)|(BUG_\S*))$", line)
        if found:
            out.append((int(found.group(1)), found.group(2) or found.group(3)))
    return out


def opcodes_line(code: int, dst: int, src: int, off: int, imm: int) -> str:
    data = struct.pack("<BBhi", code, (src << 4) | dst, off, imm)
    return "       " + " ".join(f"{b:02x}" for b in data)


def only_insn(text: str) -> Instruction:
    capture = bpflogs.parse_text(text)
    assert capture.unparsed == ()
    for record in capture.records:
        assert record.render() == record.text
    (prog,) = capture.programs
    (insn,) = prog.instructions
    return insn


# ---------------------------------------------------------------------------------- opcode cross-checks


def test_old_gotol_text_flagged() -> None:
    insn = only_insn("  93: (06) if w0 jmp 0x0 goto pc+0\n")
    assert insn.flags
    assert all(flag.startswith("text-contradicts-opcode") for flag in insn.flags)


def test_old_gotol_in_real_dump_flagged() -> None:
    prog = program("v4.plain.bpftool-7.1.txt")
    insn = prog.at(93)
    assert insn is not None and insn.text == "if w0 jmp 0x0 goto pc+0"
    assert insn.flags
    fixed = program("v4.plain.bpftool-7.8.txt").at(93)
    assert fixed is not None and fixed.op == "gotol" and fixed.flags == ()
    assert fixed.target == insn.target == 94


def test_percpu_misprint_flagged_by_its_bytes() -> None:
    path = sample_path("maps.opcodes.bpftool-7.1.txt")
    lines = path.read_text().splitlines()
    # bpftool 7.1 prints the per-CPU address move (off=-1) as a plain register move
    misprinted = set()
    for i, line in enumerate(lines[:-1]):
        found = re.match(r"^\s*(\d+): \(bf\) (r\d+) = (r\d+)$", line)
        if found:
            off = struct.unpack("<h", bytes.fromhex("".join(lines[i + 1].split()[2:4])))[0]
            if off == -1:
                misprinted.add(int(found.group(1)))
    assert misprinted, "the sample has per-CPU moves"
    prog = program("maps.opcodes.bpftool-7.1.txt")
    flagged = {i.slot for i in prog.instructions if i.flags}
    assert flagged == misprinted
    for slot in misprinted:
        insn = prog.at(slot)
        assert insn is not None and insn.op == "mov" and insn.raw is not None
        assert any("off" in flag for flag in insn.flags)
        newer = program("maps.plain.bpftool-7.8.txt").at(slot)
        assert newer is not None and newer.op == "percpu_addr"


def test_percpu_misprint_not_flagged_without_bytes() -> None:
    # the same dump without opcodes cannot tell (xlated.md 2.9)
    prog = program("maps.plain.bpftool-7.1.txt")
    assert [i for i in prog.instructions if i.flags] == []


def test_unsigned_div_text_with_signed_bytes_flagged() -> None:
    text = "  89: (3f) r2 /= r1\n" + opcodes_line(0x3F, 2, 1, 1, 0) + "\n"
    insn = only_insn(text)
    assert insn.raw == bytes.fromhex("3f12010000000000")
    assert insn.op == "div" and not insn.signed
    assert insn.flags and any("off" in flag for flag in insn.flags)


def test_signed_div_text_with_signed_bytes_not_flagged() -> None:
    insn = only_insn("  89: (3f) r2 s/= r1\n" + opcodes_line(0x3F, 2, 1, 1, 0) + "\n")
    assert insn.signed and insn.flags == ()


def test_signed_div_text_with_unsigned_bytes_flagged() -> None:
    insn = only_insn("  89: (3f) r2 s/= r1\n" + opcodes_line(0x3F, 2, 1, 0, 0) + "\n")
    assert insn.flags


@pytest.mark.parametrize(
    "line,raw",
    [
        ("   0: (bf) r6 = r1", (0xBF, 6, 1, 0, 0)),
        ("   1: (07) r7 += -8", (0x07, 7, 0, 0, -8)),
        ("   2: (61) r2 = *(u32 *)(r1 +140)", (0x61, 2, 1, 140, 0)),
        ("   3: (15) if r0 == 0x0 goto pc+1", (0x15, 0, 0, 1, 0)),
        ("   3: (c6) if w3 s< 0xfffffffd goto pc+1", (0xC6, 3, 0, 1, -3)),
        ("   4: (db) lock *(u64 *)(r0 +0) += r7", (0xDB, 0, 7, 0, 0x00)),
        ("   4: (db) r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r3)", (0xDB, 1, 3, 0, 0xF1)),
        ("   5: (bf) r0 = &(void __percpu *)(r0)", (0xBF, 0, 0, -1, 0)),
        ("   5: (bc) w4 = (s16)w3", (0xBC, 4, 3, 16, 0)),
        ("   6: (85) call bpf_ktime_get_ns#269488", (0x85, 0, 0, 0, 269488)),
        ("   6: (85) call pc+71#bpf_prog_78c0e7843a747c32_mix64", (0x85, 0, 1, 71, 3)),
    ],
)
def test_matching_bytes_not_flagged(line: str, raw: tuple[int, int, int, int, int]) -> None:
    insn = only_insn(line + "\n" + opcodes_line(*raw) + "\n")
    assert insn.raw is not None and insn.raw[0] == raw[0]
    assert insn.flags == ()


def test_wrong_register_in_bytes_flagged() -> None:
    insn = only_insn("   0: (bf) r6 = r1\n" + opcodes_line(0xBF, 6, 2, 0, 0) + "\n")
    assert insn.flags and any("src" in flag for flag in insn.flags)


@pytest.mark.parametrize(
    "name",
    dump_samples("*.opcodes*bpftool-7.8.txt") + dump_samples("*opcodes*bpftool-7.8.json"),
)
def test_new_bpftool_opcodes_dumps_have_no_flags(name: str) -> None:
    capture = load(name)
    assert capture.programs
    for prog in capture.programs:
        assert all(i.raw is not None for i in prog.instructions), "every instruction carries its bytes"
        flagged = [(i.slot, i.text, i.flags) for i in prog.instructions if i.flags]
        assert flagged == []


def test_ld_imm64_bytes_are_16() -> None:
    prog = program("maps.opcodes.bpftool-7.8.txt")
    for insn in prog.instructions:
        assert insn.raw is not None
        assert len(insn.raw) == (16 if insn.op == "ld_imm64" else 8)
        assert insn.raw[0] == insn.opcode


# ---------------------------------------------------------------------------------- kfunc detection

KFUNC_PREFIXES = ("bpf_task_", "bpf_rcu_", "bpf_iter_")


def _with_call_bytes(text: str) -> str:
    """The kfunc dump with an opcodes line after each call: src_reg 2 for kfuncs."""
    out = []
    for line in text.splitlines():
        out.append(line)
        found = re.match(r"^\s*\d+: \(85\) call (\w+)#(-?\d+)$", line)
        if found:
            src = 2 if found.group(1).startswith(KFUNC_PREFIXES) else 0
            out.append(opcodes_line(0x85, 0, src, 0, int(found.group(2))))
    return "\n".join(out) + "\n"


def test_kfunc_detected_from_src_reg_2() -> None:
    text = sample_path("kfunc.plain.bpftool-7.8.txt").read_text()
    plain = bpflogs.parse_text(text).programs[0]
    capture = bpflogs.parse_text(_with_call_bytes(text))
    assert capture.unparsed == ()
    (prog,) = capture.programs
    calls = [i for i in prog.instructions if i.op == "call"]
    assert len(calls) == 9
    for insn in calls:
        assert insn.call is not None and insn.call.name is not None
        want = CallKind.KFUNC if insn.call.name.startswith(KFUNC_PREFIXES) else CallKind.HELPER
        assert insn.call.kind is want, insn
        assert insn.flags == ()
    assert sum(1 for i in calls if i.call is not None and i.call.kind is CallKind.KFUNC) == 8
    # without bytes the text cannot tell a kfunc from a helper
    assert {i.call.kind for i in plain.instructions if i.call is not None} == {CallKind.HELPER}
    # bytes only refine: apart from raw and the call kind, the model is the plain one
    for a, b in zip(plain.instructions, prog.instructions, strict=True):
        b_call = b.call if b.call is None else dataclasses.replace(b.call, kind=CallKind.HELPER)
        assert b.replace(raw=None, call=b_call) == a


def test_kfunc_one_line() -> None:
    insn = only_insn("   1: (85) call bpf_task_acquire#284640\n" + opcodes_line(0x85, 0, 2, 0, 284640) + "\n")
    assert insn.call is not None
    assert insn.call.kind is CallKind.KFUNC and insn.call.name == "bpf_task_acquire"
    helper = only_insn(
        "   1: (85) call bpf_task_acquire#284640\n" + opcodes_line(0x85, 0, 0, 0, 284640) + "\n"
    )
    assert helper.call is not None and helper.call.kind is CallKind.HELPER


# ---------------------------------------------------------------------------------- jump targets


@pytest.mark.parametrize("name", dump_samples("*.plain.*.txt"))
def test_jump_and_call_targets_are_instructions(name: str) -> None:
    capture = load(name)
    assert capture.programs and capture.unparsed == ()
    checked = 0
    for prog in capture.programs:
        slots = {i.slot for i in prog.instructions}
        for insn in prog.instructions:
            if insn.target is None:
                continue
            checked += 1
            assert insn.target in slots, f"{prog.name}: slot {insn.slot} '{insn.text}' -> {insn.target}"
            if insn.op in ("call", "ld_imm64"):
                # a pseudo-call or callback address names a function's first slot
                assert insn.target in {f.start for f in prog.functions}, insn
    text = sample_path(name).read_text()
    relative = [t for _, t in insn_slots(text) if re.search(r"\bpc[+-]\d|subprog\[", t)]
    assert checked == len(relative)


@pytest.mark.parametrize("name", dump_samples("*.plain.*.txt"))
def test_targets_recomputed_from_text(name: str) -> None:
    """target = slot + 1 + offset, the offset read from the text with a regex."""
    text = sample_path(name).read_text()
    expected = {}
    for slot, insn_text in insn_slots(text):
        found = re.search(r"(?:goto|gotol|may_goto|call) pc([+-]\d+)|subprog\[([+-]\d+)\]", insn_text)
        if found:
            expected[slot] = slot + 1 + int(found.group(1) or found.group(2))
    (prog,) = load(name).programs
    got = {i.slot: i.target for i in prog.instructions if i.target is not None}
    assert got == expected


@pytest.mark.parametrize("name", dump_samples("*.plain.*.txt"))
def test_slots_advance_by_instruction_width(name: str) -> None:
    for prog in load(name).programs:
        insns = prog.instructions
        assert insns[0].slot == 0
        for a, b in pairwise(insns):
            # LD_IMM64 takes two slots: the next printed index is +2
            assert b.slot == a.slot + a.slots, (a, b)
            assert a.slots == (2 if a.opcode == 0x18 else 1)
        assert prog.slots == insns[-1].slot + insns[-1].slots


def test_jump_over_ld_imm64_counts_two_slots() -> None:
    text = "   0: (15) if r1 == 0x0 goto pc+3\n   1: (18) r2 = 0x1\n   3: (b7) r0 = 1\n   4: (95) exit\n"
    (prog,) = bpflogs.parse_text(text).programs
    jump = prog.at(0)
    assert jump is not None and jump.target == 4
    target = prog.at(4)
    assert target is not None and target.op == "exit"
    assert prog.at(2) is None  # the second slot of the LD_IMM64 is no instruction
    assert prog.slots == 5


# ---------------------------------------------------------------------------------- functions


def _headers_from_text(text: str) -> list[tuple[str, int]]:
    """(function name, first slot) of each BTF header, read from the text."""
    out: list[tuple[str, int]] = []
    pending = None
    for line in text.splitlines():
        if re.match(r"^[A-Za-z_][^;]*\(.*\):$", line):
            pending = re.search(r"(\w+)\(", line).group(1)  # type: ignore[union-attr]
            continue
        found = re.match(r"^\s*(\d+): ", line)
        if found and pending:
            out.append((pending, int(found.group(1))))
            pending = None
    return out


def test_functions_split_at_btf_headers() -> None:
    prog = program("calls.plain.bpftool-7.8.txt")
    want = [("calls_prog", 0), ("loop_cb", 53), ("each_cb", 59), ("static_helper", 65), ("global_helper", 69)]
    assert [(f.name, f.start) for f in prog.functions] == want
    assert _headers_from_text(sample_path("calls.plain.bpftool-7.8.txt").read_text()) == want
    assert prog.functions[1].signature == "int loop_cb(__u32 idx, void * data)"
    assert (
        prog.functions[2].signature
        == "long each_cb(struct bpf_map * map, __u32 * key, __u64 * val, void * data)"
    )
    # every instruction is in exactly one function, in order
    assert [i for f in prog.functions for i in f.instructions] == list(prog.instructions)
    for f, nxt in pairwise(prog.functions):
        assert f.instructions[0].slot == f.start
        assert all(f.start <= i.slot < nxt.start for i in f.instructions)
    assert prog.functions[-1].instructions[-1].op == "exit"


@pytest.mark.parametrize("name", dump_samples("*.plain.*.txt") + dump_samples("*.linum.*.txt"))
def test_function_starts_match_headers(name: str) -> None:
    text = sample_path(name).read_text()
    heads = _headers_from_text(text)
    capture = load(name)
    if not heads:  # no BTF: no signatures
        assert all(f.signature is None for p in capture.programs for f in p.functions)
        return
    got = [(f.name, f.start) for p in capture.programs for f in p.functions]
    assert got == heads


def test_callback_and_subprog_calls_name_functions() -> None:
    prog = program("calls.plain.bpftool-7.8.txt")
    starts = {f.start: f.name for f in prog.functions}
    for insn in prog.instructions:
        if insn.call is not None and insn.call.kind is CallKind.SUBPROG:
            assert insn.target is not None
            assert starts[insn.target] == insn.call.function
    # the bpf_for_each_map_elem callback: subprog[+N] points at each_cb
    loads = [i for i in prog.instructions if i.op == "ld_imm64" and i.target is not None]
    assert {starts[i.target] for i in loads if i.target is not None} >= {"each_cb"}


def test_functions_without_btf_split_at_pseudo_call_targets() -> None:
    name = "alu_v1_nobtf.plain.bpftool-7.8.txt"
    text = sample_path(name).read_text()
    assert not _headers_from_text(text) and "\n;" not in text
    targets = sorted(
        {s + 1 + int(m.group(1)) for s, t in insn_slots(text) if (m := re.match(r"call pc([+-]\d+)#", t))}
    )
    assert len(targets) == 2
    prog = program(name)
    assert [f.start for f in prog.functions] == [0, *targets]
    assert [f.signature for f in prog.functions] == [None, None, None]
    # the subprograms are named from their symbol bpf_prog_<tag>_F
    assert [f.name for f in prog.functions[1:]] == ["F", "F"]
    assert prog.sources == ()


def test_json_without_btf_splits_functions_like_text() -> None:
    text = program("alu_v1_nobtf.plain.bpftool-7.1.txt")
    json = program("alu_v1_nobtf.pretty.bpftool-7.1.json")
    assert json.origin == "json" and text.origin == "text"
    assert [(f.name, f.start) for f in json.functions] == [(f.name, f.start) for f in text.functions]


# ---------------------------------------------------------------------------------- several programs


@pytest.mark.parametrize("name", dump_samples("ldabs.multi-by-name.*"))
def test_multi_by_name_gives_two_programs_with_headers(name: str) -> None:
    capture = load(name)
    assert capture.unparsed == ()
    heads = [
        (3059, "socket_filter", "ldabs_prog", "89c83c1822847feb"),
        (3427, "socket_filter", "ldabs_prog", "89c83c1822847feb"),
    ]
    if name.endswith(".txt"):
        from_text = re.findall(
            r"^(\d+): (\S+)  name (\S+)  tag ([0-9a-f]{16})", sample_path(name).read_text(), re.M
        )
        assert [(int(a), b, c, d) for a, b, c, d in from_text] == heads
    assert [(p.id, p.type, p.name, p.tag) for p in capture.programs] == heads
    first, second = capture.programs
    assert len(first.instructions) == len(second.instructions) == 40
    strip = [i.replace(raw=None) for i in first.instructions]
    assert strip == [i.replace(raw=None) for i in second.instructions]
    assert [(f.name, f.start) for f in first.functions] == [("ldabs_prog", 0)]
    if name.endswith(".txt"):
        assert first.header is not None and second.header is not None
        assert first.line == first.header.line == 1
        assert second.line == second.header.line
        # the blank separator belongs to no program, but is a record
        blank = [r for r in capture.records if r.text == ""]
        assert len(blank) == 1 and first.line < blank[0].line < second.line


# ---------------------------------------------------------------------------------- program names


def _named(prefix: str, sample: str) -> Program:
    text = prefix + sample_path(sample).read_text()
    capture = bpflogs.parse_text(text)
    assert capture.unparsed == ()
    (prog,) = capture.programs
    return prog


def test_name_from_header() -> None:
    # a header beats the command line
    capture = bpflogs.parse_text(
        "$ bpftool prog dump xlated name other\n"
        + sample_path("ldabs.multi-by-name.bpftool-7.8.txt").read_text()
    )
    assert [p.name for p in capture.programs] == ["ldabs_prog", "ldabs_prog"]


def test_name_from_first_function() -> None:
    assert program("calls.plain.bpftool-7.8.txt").name == "calls_prog"
    assert program("kfunc.plain.bpftool-7.8.txt").name == "kfunc_prog"


def test_name_from_dump_by_name_command() -> None:
    assert (
        _named("$ bpftool prog dump xlated name my_alu\n", "alu_v1_nobtf.plain.bpftool-7.8.txt").name
        == "my_alu"
    )
    # the command line beats the first function
    assert (
        _named("$ bpftool prog dump xlated name some_name\n", "calls.plain.bpftool-7.8.txt").name
        == "some_name"
    )


def test_name_from_pinned_command() -> None:
    prog = _named("$ bpftool prog dump xlated pinned /sys/fs/bpf/dir/prog\n", "calls.plain.bpftool-7.8.txt")
    assert prog.name == "prog"
    prog = _named(
        "$ sudo bpftool prog dump xlated pinned /sys/fs/bpf/calls/pinned_calls/ opcodes\n",
        "calls.opcodes.bpftool-7.8.txt",
    )
    assert prog.name == "pinned_calls"


def test_name_from_id_command() -> None:
    seed = samples_or_skip("seed", "xlated-hello.txt")
    alone = bpflogs.parse_file(seed).programs[0]
    assert alone.name == "hello"  # its first (BTF) function
    capture = bpflogs.parse_text("$ bpftool prog dump xlated id 72\n" + seed.read_text())
    (prog,) = capture.programs
    assert "72" in prog.name and prog.name != "hello"
    assert prog.functions[0].name == "hello"


def test_name_without_btf_or_command() -> None:
    prog = program("alu_v1_nobtf.plain.bpftool-7.8.txt")
    assert prog.name  # some name, never empty
    assert prog.functions[0].name == prog.name


def test_command_name_applies_to_the_json_dump_after_it() -> None:
    text = (
        "$ bpftool -j prog dump xlated name nobtf\n"
        + sample_path("alu_v1_nobtf.pretty.bpftool-7.1.json").read_text()
    )
    capture = bpflogs.parse_text(text)
    (prog,) = capture.programs
    assert prog.origin == "json" and prog.name == "nobtf"


# ---------------------------------------------------------------------- bpftool 7.1 vs 7.8 index padding


def test_big_index_padding_traits_and_equal_models() -> None:
    old_text = sample_path("big.plain.bpftool-7.1.txt").read_text()
    new_text = sample_path("big.plain.bpftool-7.8.txt").read_text()
    assert re.search(r"^ 1000: ", old_text, re.M) and re.search(r"^1000: ", new_text, re.M)
    old, new = program("big.plain.bpftool-7.1.txt"), program("big.plain.bpftool-7.8.txt")
    assert old.traits != new.traits
    assert any("index-width" in t for t in old.traits) and any("index-width" in t for t in new.traits)
    assert len(old.instructions) > 1000
    assert old.instructions == new.instructions
    assert [(f.name, f.start, f.signature) for f in old.functions] == [
        (f.name, f.start, f.signature) for f in new.functions
    ]
    assert [(s, x.source) for s, x in old.sources] == [(s, x.source) for s, x in new.sources]
    # and the records keep each version's padding
    old_lines = {r.insn.slot: r for r in load("big.plain.bpftool-7.1.txt").records if isinstance(r, InsnLine)}
    new_lines = {r.insn.slot: r for r in load("big.plain.bpftool-7.8.txt").records if isinstance(r, InsnLine)}
    assert old_lines[1000].indent == " " and new_lines[1000].indent == ""
    assert old_lines[999].indent == new_lines[999].indent == " "


def test_small_dumps_have_no_padding_trait() -> None:
    # below slot 1000 both versions print the same: nothing tells them apart
    assert program("calls.plain.bpftool-7.1.txt").traits == program("calls.plain.bpftool-7.8.txt").traits


def test_function_header_records() -> None:
    capture = load("calls.plain.bpftool-7.8.txt")
    heads = [r for r in capture.records if isinstance(r, FunctionHeader)]
    assert [h.name for h in heads] == [f.name for f in capture.programs[0].functions]


def test_traits_name_an_old_disassembler_and_the_index_padding() -> None:
    assert "disassembler:older-than-program" in program("v4.plain.bpftool-7.1.txt").traits
    assert "disassembler:older-than-program" not in program("v4.plain.bpftool-7.8.txt").traits
    assert "index-width:space4" in program("big.plain.bpftool-7.1.txt").traits
    assert "index-width:width4" in program("big.plain.bpftool-7.8.txt").traits
