"""What the diff reports can be trusted (issue 12): bytes compared where the text hides them,
what the loader asks for shown, each rule counting only what it hid, programs paired only
with their like, source annotations under their own rule. Real dumps, one edit each."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import changed_rows as changed
from helpers import diff_texts, edit, insert_before
from helpers import insn_rows as rows
from paths import CORPUS, PAIRS

import bpflogs
from bpflogs.cli import main
from bpflogs.compare.result import Op, Status

XLATED = CORPUS / "xlated"
DUMP = (PAIRS / "same-twice" / "a" / "xdp_pairs.xlated.txt").read_text()
OPCODES = (PAIRS / "same-twice" / "a" / "xdp_pairs.opcodes.txt").read_text()
V4 = (XLATED / "cpu_v4.cpu_v4.opcodes.txt").read_text()  # bpftool 7.1: BUG_ lines for v4 instructions
LOG_LEVEL = (PAIRS / "log-level" / "a" / "load.strace.txt").read_text()


def exit_code(tmp_path: Path, a: str, b: str, *options: str, suffix: str = ".txt") -> int:
    fa, fb = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    fa.write_text(a)
    fb.write_text(b)
    with open(os.devnull, "w") as sink, pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdout", sink)
        return main(["diff", *options, str(fa), str(fb)])


def as_bpftool_json(opcodes_dump: str, pretty: bool = False) -> str:
    """An opcodes dump as ``bpftool -j`` / ``-p prog dump xlated ... opcodes`` prints it
    (xlated.md 4.1): one object per instruction with its disasm, bytes and annotations."""
    (program,) = bpflogs.parse_text(opcodes_dump).programs
    heads = {f.start: f.signature for f in program.functions}
    sources = dict(program.sources)
    items = []
    for insn in program.instructions:
        assert insn.raw is not None
        item: dict[str, object] = {}
        if heads.get(insn.slot):
            item["proto"] = heads[insn.slot]
        if insn.slot in sources:
            item["src"] = sources[insn.slot].source
        item["disasm"] = insn.text if insn.opcode is None else f"({insn.opcode:02x}) {insn.text}"
        raw = insn.raw
        item["opcodes"] = {
            "code": f"0x{raw[0]:02x}", "src_reg": f"0x{raw[1] >> 4:x}", "dst_reg": f"0x{raw[1] & 15:x}",
            "off": [f"0x{x:02x}" for x in raw[2:4]], "imm": [f"0x{x:02x}" for x in raw[4:]],
        }  # fmt: skip
        items.append(item)
    return json.dumps(items, indent=4 if pretty else None, separators=None if pretty else (",", ":"))


# --- 1. bytes the text hides ---------------------------------------------------


def test_a_bug_line_whose_bytes_changed_is_an_encoding_change(tmp_path: Path) -> None:
    # bpftool 7.1 prints BUG_alu64_d7 for bswap32 and bswap64 alike: only the bytes tell
    b = edit(V4, "  37: BUG_alu64_d7\n       d7 08 00 00 20 00 00 00",
             "  37: BUG_alu64_d7\n       d7 08 00 00 40 00 00 00")  # fmt: skip
    result = diff_texts(V4, b)
    (row,) = changed(result)
    assert row.op is Op.CHANGE and row.classes == ("encoding",)
    assert row.a is not None and row.b is not None and row.a.slot == 37
    # the bytes are shown, the one that differs marked
    assert row.a.text == "BUG_alu64_d7  bytes d7 08 00 00 20 00 00 00"
    assert row.b.text == "BUG_alu64_d7  bytes d7 08 00 00 40 00 00 00"
    assert [row.a.text[s:e] for s, e in row.a.marks] == ["20"]
    assert not result.equal and exit_code(tmp_path, V4, b) == 1


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # an immediate byte edited under an unchanged text
        ("   4: (07) r1 += 14\n       07 01 00 00 0e 00 00 00",
         "   4: (07) r1 += 14\n       07 01 00 00 0f 00 00 00"),
        # off of an ALU instruction: the text does not show it
        ("   3: (bf) r1 = r8\n       bf 81 00 00 00 00 00 00",
         "   3: (bf) r1 = r8\n       bf 81 01 00 00 00 00 00"),
        # a register of a helper call: the text shows neither
        ("  76: (85) call bpf_ktime_get_ns#274096\n       85 00 00 00 b0 2e 04 00",
         "  76: (85) call bpf_ktime_get_ns#274096\n       85 03 00 00 b0 2e 04 00"),
    ],
)  # fmt: skip
def test_a_byte_the_text_hides_is_an_encoding_change(tmp_path: Path, old: str, new: str) -> None:
    b = edit(OPCODES, old, new)
    (row,) = changed(diff_texts(OPCODES, b))
    assert row.classes == ("encoding",) and row.a is not None and row.a.slot == int(old.split(":")[0])
    assert exit_code(tmp_path, OPCODES, b) == 1


@pytest.mark.parametrize("pretty", [False, True], ids=["json", "pretty"])
def test_bytes_of_bpftool_json_are_compared(tmp_path: Path, pretty: bool) -> None:
    a = as_bpftool_json(V4, pretty)
    b = as_bpftool_json(edit(V4, "d7 08 00 00 20 00 00 00", "d7 08 00 00 40 00 00 00"), pretty)
    assert diff_texts(a, a).equal
    (row,) = changed(diff_texts(a, b))
    assert row.classes == ("encoding",)
    assert exit_code(tmp_path, a, b, suffix=".json") == 1


def test_bytes_a_rule_compares_are_no_encoding_change() -> None:
    # two loads of one object: map ids differ in the bytes too, and so do they in the text
    b = (PAIRS / "same-twice" / "b" / "xdp_pairs.opcodes.txt").read_text()
    result = diff_texts(OPCODES, b)
    assert result.equal and result.hidden == {"map-ids": 3}
    # a helper's #N moves with the kernel build, in the text and in the bytes
    moved = edit(OPCODES, "  76: (85) call bpf_ktime_get_ns#274096\n       85 00 00 00 b0 2e 04 00",
                 "  76: (85) call bpf_ktime_get_ns#274097\n       85 00 00 00 b1 2e 04 00")  # fmt: skip
    assert diff_texts(OPCODES, moved).hidden == {"helper-addresses": 1}


def test_bytes_on_one_side_only_compare_nothing() -> None:
    # opcodes against plain: nothing to compare the bytes with, and nothing is said of them
    plain = "\n".join(line for line in OPCODES.splitlines() if not line.startswith("       ")) + "\n"
    assert plain != OPCODES and "       b7 06" not in plain
    result = diff_texts(OPCODES, plain)
    assert result.equal and not rows(result)
    changed_plain = edit(plain, "   4: (07) r1 += 14", "   4: (07) r1 += 16")
    (row,) = changed(diff_texts(OPCODES, changed_plain))
    assert row.classes == ("immediate",) and "bytes" not in row.a.text  # type: ignore[union-attr]


# --- 2. what the loader asks for ------------------------------------------------


def test_a_loader_asking_for_a_verifier_log_shows_all_three_attributes(tmp_path: Path) -> None:
    # a real PROG_LOAD (log_level=1, log_size=65536, log_buf=""), as a loader without a log
    # and as one asking for 16 MiB of it
    a = edit(LOG_LEVEL, 'log_level=1, log_size=65536, log_buf=""', "log_level=0, log_size=0, log_buf=NULL")
    b = edit(LOG_LEVEL, 'log_level=1, log_size=65536, log_buf=""',
             "log_level=1, log_size=16777216, log_buf=0x7f3c5a000010")  # fmt: skip
    result = diff_texts(a, b)
    (load,) = [c for c in result.syscalls if c.status is Status.CHANGED]
    assert [(c.path, c.a, c.b, c.category) for c in load.shown] == [
        ("log_level", "0", "1", "semantic"),
        ("log_size", "0", "16777216", "semantic"),
        ("log_buf", "NULL", "0x7f3c5a000010", "semantic"),
    ]
    assert result.hidden == {} and exit_code(tmp_path, a, b) == 1


def test_log_size_alone_is_a_difference_and_the_log_text_stays_hidden() -> None:
    bigger = edit(LOG_LEVEL, "log_size=65536", "log_size=131072")
    assert [c.path for c in diff_texts(LOG_LEVEL, bigger).syscalls[1].shown] == ["log_size"]
    # log_buf shows what a previous attempt left in the buffer: hidden by the verifier rule
    stale = edit(LOG_LEVEL, 'log_buf=""', 'log_buf="0: R1=ctx() R10=fp0\\n"')
    result = diff_texts(LOG_LEVEL, stale)
    assert result.equal and result.hidden == {"verifier": 1}


def test_btf_log_size_is_what_the_loader_asks_for() -> None:
    load = (PAIRS / "same-twice" / "a" / "load.strace.txt").read_text()
    line = next(x for x in load.splitlines() if "BPF_BTF_LOAD" in x and "btf_log_size=0" in x)
    asked = line.replace("btf_log_size=0", "btf_log_size=16777216")
    result = diff_texts(line + "\n", asked + "\n")
    (call,) = result.syscalls
    assert [c.path for c in call.shown] == ["btf_log_size"] and not result.equal


# --- 3. a rule counts what it hid -----------------------------------------------


def test_a_jump_whose_constant_changed_adds_nothing_to_jump_offsets() -> None:
    b = edit(DUMP, "  10: (15) if r3 == 0x8 goto pc+4", "  10: (15) if r3 == 0x9 goto pc+4")
    result = diff_texts(DUMP, b)
    (row,) = changed(result)
    assert row.classes == ("immediate",) and row.hidden == ()
    assert result.hidden == {}


def test_a_changed_row_counts_for_no_rule() -> None:
    # a jump over inserted code whose constant changed too: the row is a change; the offset
    # the rule hid shows with it, but only rows equal after a rule are counted
    b_lines = insert_before(DUMP, "  13: (b7) r6 = 2", "  13: (b7) r9 = 7")
    b_lines = [
        line.replace("goto pc+35", "goto pc+36").replace("call pc+30#", "call pc+31#")
        .replace("if r3 == 0x8 goto pc+4", "if r3 == 0x9 goto pc+5")
        if line.startswith(("   5:", "  10:", "  12:")) else line
        for line in b_lines
    ]  # fmt: skip
    result = diff_texts(DUMP, "\n".join(b_lines) + "\n")
    (jump,) = [r for r in changed(result) if r.op is Op.CHANGE]
    assert jump.classes == ("immediate",) and jump.hidden == ("jump-offsets",)
    assert result.hidden == {"jump-offsets": 2}  # the jump at 5 and the call at 12


def test_a_map_reference_that_changed_counts_for_no_map_id() -> None:
    old = "  87: (18) r1 = map[id:1256]"
    b = DUMP.replace("map[id:1256]", "map[id:77]").replace("map[id:1257]", "map[id:78]")
    b = edit(b, old.replace("1256", "77"), "  87: (18) r1 = map[id:77][0]+8")
    result = diff_texts(DUMP, b)
    (row,) = changed(result)
    assert row.classes == ("map",)
    assert result.hidden == {"map-ids": 2}  # the two references that are the same map


def test_a_map_id_of_the_same_number_that_names_another_map_is_a_change() -> None:
    # b created its maps in the other order (flows 1257, counters 1256) and loads flows at
    # 46 where a loaded counters: the ids there are the same number, the maps are not
    swapped = DUMP.replace("map[id:1256]", "map[id:X]").replace("map[id:1257]", "map[id:1256]")
    swapped = swapped.replace("map[id:X]", "map[id:1257]")
    b = edit(swapped, "  46: (18) r1 = map[id:1256]", "  46: (18) r1 = map[id:1257]")
    result = diff_texts(DUMP, b)
    (row,) = changed(result)
    assert row.classes == ("map",) and row.a is not None and row.a.slot == 46
    assert not result.equal and result.hidden == {"map-ids": 2}


def test_a_helper_whose_name_changed_counts_for_no_helper_address() -> None:
    b = edit(DUMP, "  76: (85) call bpf_ktime_get_ns#274096", "  76: (85) call bpf_ktime_get_boot_ns#999")
    result = diff_texts(DUMP, b)
    assert [r.classes for r in changed(result)] == [("call-target",)] and result.hidden == {}


def test_an_unknown_call_of_another_number_is_another_call() -> None:
    # pre-4.16 xlated prints `call unknown#IMM`: no name, the number is the helper
    a = edit(DUMP, "  76: (85) call bpf_ktime_get_ns#274096", "  76: (85) call unknown#274096")
    b = edit(DUMP, "  76: (85) call bpf_ktime_get_ns#274096", "  76: (85) call unknown#269488")
    result = diff_texts(a, b)
    assert [r.classes for r in changed(result)] == [("call-target",)] and result.hidden == {}


# --- 4. programs pair with their like -------------------------------------------


def _two(first: str, second: str) -> str:
    return (XLATED / first).read_text() + (XLATED / second).read_text()


def test_programs_whose_names_match_nothing_pair_only_when_their_shape_does() -> None:
    # a: tc_classify and a kprobe; b: tc_classify and a tracepoint of other helpers
    a = _two("tc_classify.tc_classify.plain.txt", "trace_events.kp_nanosleep.plain.txt")
    b = _two("tc_classify.tc_classify.plain.txt", "trace_events.tp_openat.plain.txt")
    result = diff_texts(a, b)
    assert [(p.name, p.status) for p in result.programs] == [
        ("tc_classify", Status.SAME), ("kp_nanosleep", Status.REMOVED), ("tp_openat", Status.ADDED),
    ]  # fmt: skip


def test_a_renamed_program_of_the_same_shape_pairs() -> None:
    a = (XLATED / "trace_events.kp_nanosleep.plain.txt").read_text()
    b = a.replace("kp_nanosleep", "kp_sleep")
    assert b != a
    result = diff_texts(a, b)
    (program,) = result.programs
    assert program.status is Status.SAME and result.equal
    # and one of another shape does not: one more helper
    other = edit(b, "call bpf_get_current_task#", "call bpf_get_current_task_btf#")
    assert [p.status for p in diff_texts(a, other).programs] == [Status.REMOVED, Status.ADDED]


def test_a_name_the_kernel_cut_pairs_with_the_whole_name() -> None:
    # a program header names a program as the kernel keeps it, 15 characters; a dump of one
    # program names it by its BTF function. The code changed too: the names still pair them.
    a = (XLATED / "trace_events.kp_nanosleep.plain.txt").read_text()
    a = a.replace("kp_nanosleep", "kp_nanosleep_long")
    header = "77: kprobe  name kp_nanosleep_lo  tag 0123456789abcdef  gpl\n"
    b = header + edit(a, "call bpf_get_current_task#", "call bpf_get_current_task_btf#")
    result = diff_texts(a, b)
    (program,) = result.programs
    assert program.status is Status.CHANGED and program.a is not None and program.b is not None
    assert [r.classes for r in changed(result)] == [("call-target",)]


def test_a_type_one_dump_does_not_show_does_not_keep_programs_apart() -> None:
    a = (XLATED / "trace_events.kp_nanosleep.plain.txt").read_text()
    b = "77: kprobe  name kp_sleep  tag 0123456789abcdef  gpl\n" + a.replace("kp_nanosleep", "kp_sleep")
    (program,) = diff_texts(a, b).programs
    assert program.status is Status.SAME
    # a type both show, and differs, does
    c = "77: tracepoint  name kp_other  tag 0123456789abcdef  gpl\n" + a.replace("kp_nanosleep", "kp_other")
    assert [p.status for p in diff_texts(b, c).programs] == [Status.REMOVED, Status.ADDED]


# --- 5. source annotations ---------------------------------------------------------


def test_an_empty_annotation_names_no_source_line() -> None:
    a = (PAIRS / "O1-vs-O2" / "a" / "xdp_pairs.xlated.txt").read_text()
    assert "\n; \n" in a
    b = edit(a, "  67: (bf) r2 = r10", "  67: (bf) r2 = r9")
    result = diff_texts(a, b)
    (program,) = result.programs
    (row,) = changed(result)
    assert row.a is not None and row.a.slot == 67
    after = next(r for r in program.all_rows() if r.a is not None and r.a.slot == 68)
    assert after.a is not None and after.a.source is None and after.a.source_line is None


def test_an_annotation_only_difference_is_counted_and_shown_with_strict(tmp_path: Path) -> None:
    b = edit(DUMP, "; bump(CNT_NON_IP);", "; bump(CNT_OTHER);")
    result = diff_texts(DUMP, b)
    assert result.equal and result.hidden == {"source-lines": 1}
    (row,) = rows(result)
    assert row.op is Op.EQUAL and row.hidden == ("source-lines",) and row.a is not None and row.a.slot == 11
    strict = diff_texts(DUMP, b, strict=True)
    assert [r.classes for r in changed(strict)] == [("source-lines",)] and not strict.equal
    assert exit_code(tmp_path, DUMP, b) == 0 and exit_code(tmp_path, DUMP, b, "--strict") == 1


def test_an_annotation_more_or_less_is_a_source_line_difference() -> None:
    dropped = edit(DUMP, "; bump(CNT_NON_IP);\n", "")
    result = diff_texts(DUMP, dropped)
    assert result.equal and result.hidden == {"source-lines": 1}
    # an empty one in its place is still none
    assert diff_texts(dropped, edit(DUMP, "; bump(CNT_NON_IP);\n", "; \n")).hidden == {}


def test_a_linum_dump_against_a_plain_one_compares_the_annotation_texts() -> None:
    # file, line and column are on one side only: nothing to compare them with
    plain, linum = (PAIRS / "same-twice" / "a" / f"xdp_pairs.{kind}.txt" for kind in ("xlated", "linum"))
    result = bpflogs.diff(plain, linum)
    assert result.equal and result.hidden == {}
    # a line number that moved between two linum dumps is a difference of the annotation
    text = linum.read_text()
    moved = edit(text, "line_num:105 line_col:3]", "line_num:106 line_col:3]")
    assert diff_texts(text, moved).hidden == {"source-lines": 1}


def test_the_compiler_pair_counts_its_annotation_only_rows() -> None:
    result = bpflogs.diff(*(PAIRS / "clang14-vs-clang19" / s / "xdp_pairs.linum.txt" for s in "ab"))
    # rows equal but for their annotations (and what other rules hid) count; changed rows do not
    equal = [r for r in rows(result) if r.op is Op.EQUAL and "source-lines" in r.hidden]
    assert result.hidden["source-lines"] == len(equal) == 3
    assert any("source-lines" in r.hidden for r in changed(result))
    # an empty `; ` (clang 14) is no annotation anywhere in the report
    assert all(s.source is None or s.source.strip() for r in rows(result) for s in (r.a, r.b) if s)
