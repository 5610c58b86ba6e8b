"""The diff result as library users walk it: exported types, enums, typed values, instructions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bpflogs
from bpflogs.compare import insns, result
from bpflogs.model.typed import Fd, Insns, Pointer
from bpflogs.schema import Category

PAIRS = Path(__file__).resolve().parents[1] / "corpus" / "pairs"
DUMP = (PAIRS / "same-twice" / "a" / "xdp_pairs.xlated.txt").read_text()

HASH = "map_type=BPF_MAP_TYPE_HASH, key_size=4, value_size=8"
MAPS = (
    f'bpf(BPF_MAP_CREATE, {{{HASH}, max_entries=128, map_name="one"}}, 72) = 3\n'
    f'bpf(BPF_MAP_CREATE, {{{HASH}, max_entries=16, map_name="two"}}, 72) = 4\n'
    "bpf(BPF_MAP_UPDATE_ELEM, {map_fd=3, key=0x7ffd1000, value=0x7ffd2000, flags=BPF_ANY}, 32) = 0\n"
)


def diff_texts(a: str, b: str, **options: object) -> bpflogs.DiffResult:
    ca, cb = bpflogs.parse_text(a, name="a"), bpflogs.parse_text(b, name="b")
    return bpflogs.diff(ca, cb, **options)  # type: ignore[arg-type]


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def changes(found: bpflogs.DiffResult, path: str) -> list[bpflogs.AttrChange]:
    return [c for call in found.syscalls for c in call.changes if c.path == path]


RESULT_TYPES = [
    "AttrChange", "AttrValue", "CallDiff", "CallSide", "CaptureKind", "ChangeCategory", "ChangeClass",
    "DiffResult", "EqualRun", "FunctionDelta", "Hunk", "InsnRow", "InsnSide", "Op", "ProbeSummary",
    "ProgramDiff", "ProgramSide", "Status", "TextDiff", "TextLine", "TextRow",
]  # fmt: skip


@pytest.mark.parametrize("name", RESULT_TYPES)
def test_the_result_types_are_exported_at_the_top_level(name: str) -> None:
    assert name in bpflogs.__all__ and getattr(bpflogs, name) is getattr(result, name)


def test_what_a_result_names_are_enum_members_that_read_as_their_words() -> None:
    found = diff_texts(MAPS, edit(MAPS, "max_entries=128", "max_entries=256"))
    assert found.a_kind is bpflogs.CaptureKind.STRACE and found.b_kind is bpflogs.CaptureKind.STRACE
    statuses = [c.status for c in found.syscalls]
    assert statuses == [bpflogs.Status.CHANGED, bpflogs.Status.SAME, bpflogs.Status.SAME]
    assert all(type(s) is bpflogs.Status for s in statuses)
    (change,) = changes(found, "max_entries")
    assert change.category is bpflogs.ChangeCategory.SEMANTIC
    # members are their strings: equal to them, shown as them, written to JSON as them
    status = bpflogs.Status.CHANGED
    assert status == "changed" and str(status) == "changed" and f"{status:>8}" == " changed"
    assert json.dumps({"s": status, bpflogs.Op.INSERT: bpflogs.ChangeClass.CALL_TARGET}) == (
        '{"s": "changed", "insert": "call-target"}'
    )


def test_the_enums_follow_the_engine_and_the_schema() -> None:
    assert tuple(bpflogs.ChangeClass) == insns.CLASSES  # the order rows list them in
    assert bpflogs.ChangeCategory is Category  # one enum: the schema's categories are the result's
    assert all(c == c.value and f"{c}" == c.value for c in Category)


def test_an_attribute_change_keeps_its_typed_values() -> None:
    found = diff_texts(MAPS, edit(MAPS, "max_entries=128", "max_entries=256"))
    (change,) = changes(found, "max_entries")
    assert (change.a, change.b) == ("128", "256")  # the texts renderers show
    assert (change.a_value, change.b_value) == (128, 256)
    assert type(change.a_value) is int and type(change.b_value) is int


def test_an_fd_change_keeps_the_fds_and_the_text_names_their_objects() -> None:
    found = diff_texts(MAPS, MAPS.replace("map_fd=3,", "map_fd=4,"))
    (change,) = changes(found, "map_fd")
    assert (change.a, change.b) == ("map:one (fd 3)", "map:two (fd 4)")
    assert change.a_value == Fd(3) and change.b_value == Fd(4) and isinstance(change.a_value, Fd)


def test_pointer_result_and_absent_values_are_typed() -> None:
    b = edit(MAPS, "key=0x7ffd1000", "key=NULL")
    b = edit(b, "flags=BPF_ANY}, 32) = 0", "flags=BPF_ANY}, 32) = -1 EEXIST (File exists)")
    b = edit(b, ', map_name="two"', "")
    found = diff_texts(MAPS, b)
    (key,) = changes(found, "key")
    assert key.a_value == Pointer(0x7FFD1000) and key.b_value == Pointer(None) and key.b == "NULL"
    (res,) = changes(found, "<result>")
    assert isinstance(res.a_value, bpflogs.Result) and isinstance(res.b_value, bpflogs.Result)
    assert (res.a_value.value, res.b_value.value, res.b_value.errno) == (0, -1, "EEXIST")
    (name,) = changes(found, "map_name")
    assert name.b is None and name.b_value is None and name.a == '"two"'


def test_an_instruction_array_change_keeps_the_arrays() -> None:
    load = (
        "bpf(BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_XDP, insn_cnt=2, insns=["
        "{code=BPF_ALU64|BPF_K|BPF_MOV, dst_reg=BPF_REG_0, src_reg=BPF_REG_0, off=0, imm=0x2}, "
        "{code=BPF_JMP|BPF_K|BPF_EXIT, dst_reg=BPF_REG_0, src_reg=BPF_REG_0, off=0, imm=0}], "
        'license="GPL", prog_name="p"}, 148) = 5\n'
    )
    found = diff_texts(load, edit(load, "imm=0x2}", "imm=0x3}"))
    (change,) = changes(found, "insns")
    assert isinstance(change.a_value, Insns) and isinstance(change.b_value, Insns)
    assert (change.a_value.insns[0].imm, change.b_value.insns[0].imm) == (2, 3)
    assert change.a == "2 insns, 1 not in b [0]"


def test_pids_and_times_under_strict_are_typed_too() -> None:
    a = "100 12:00:00.000001 " + MAPS.splitlines(keepends=True)[0]
    b = "200 12:00:01.000001 " + MAPS.splitlines(keepends=True)[0]
    found = diff_texts(a, b, strict=True)
    (pid,) = changes(found, "<pid>")
    (time,) = changes(found, "<time>")
    assert (pid.a, pid.a_value, pid.b_value) == ("100", 100, 200)
    assert (time.a_value, time.b_value) == ("12:00:00.000001", "12:00:01.000001")
    assert pid.category is bpflogs.ChangeCategory.VOLATILE and pid.rule == "pids"


def test_a_row_reaches_the_parsed_instructions() -> None:
    b_text = edit(DUMP, "  13: (b7) r6 = 2", "  13: (b7) r6 = 3")
    a, b = bpflogs.parse_text(DUMP, name="a"), bpflogs.parse_text(b_text, name="b")
    (program,) = bpflogs.diff(a, b).programs
    (row,) = [r for r in program.rows if isinstance(r, bpflogs.InsnRow)]
    assert row.op is bpflogs.Op.CHANGE and row.classes == (bpflogs.ChangeClass.IMMEDIATE,)
    assert all(type(c) is bpflogs.ChangeClass for c in row.classes)
    ia, ib = row.instructions
    (pa,), (pb,) = a.programs, b.programs
    assert ia is next(i for i in pa.instructions if i.slot == 13)
    assert ib is next(i for i in pb.instructions if i.slot == 13)
    assert isinstance(ia, bpflogs.Instruction) and (ia.imm, ib.imm) == (2, 3)  # type: ignore[union-attr]
    # the equal rows a hunk shows around it, and every row of all_rows(), reach theirs too
    (hunk,) = program.hunks(2)
    for r in hunk.rows:
        assert r.a is not None and r.b is not None and r.a.instruction is not None
        assert r.a.instruction.slot == r.a.slot and r.instructions[1] is not None
    assert [r.instructions[0] for r in program.all_rows()] == list(pa.instructions)


def test_a_one_sided_row_has_none_for_the_missing_instruction() -> None:
    lines = DUMP.splitlines(keepends=True)
    at = lines.index("  13: (b7) r6 = 2\n")
    b = bpflogs.parse_text("".join(lines[:at] + lines[at + 1 :]), name="b")
    (program,) = bpflogs.diff(bpflogs.parse_text(DUMP, name="a"), b).programs
    deleted = [r for r in program.rows if isinstance(r, bpflogs.InsnRow) and r.op is bpflogs.Op.DELETE]
    assert deleted and all(r.instructions[1] is None and r.instructions[0] is not None for r in deleted)
    assert deleted[0].instructions[0].text == "r6 = 2"  # type: ignore[union-attr]


def test_under_strict_a_rule_shown_as_a_class_is_the_rule_and_its_name() -> None:
    b = DUMP.replace("map[id:1256]", "map[id:77]")
    (program,) = diff_texts(DUMP, b, strict=True).programs
    rows = [r for r in program.rows if isinstance(r, bpflogs.InsnRow) and r.op is bpflogs.Op.CHANGE]
    assert rows and all(r.classes == (bpflogs.Rule.MAP_IDS,) and r.classes == ("map-ids",) for r in rows)
