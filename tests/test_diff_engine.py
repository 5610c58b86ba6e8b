"""The diff engine on hand-made edits of real captures: one edit, one expected report."""

from __future__ import annotations

import pytest
from helpers import changed_rows, diff_texts, edit, insert_before
from paths import NO_SAMPLES, PAIRS, SAMPLES, have_samples

import bpflogs
from bpflogs.compare.result import Op, Status
from bpflogs.errors import NothingInCommon

DUMP = (PAIRS / "same-twice" / "a" / "xdp_pairs.xlated.txt").read_text()
LOAD = (PAIRS / "same-twice" / "a" / "load.strace.txt").read_text()


# --- instructions ----------------------------------------------------------


def test_a_dump_against_itself_is_equal() -> None:
    result = diff_texts(DUMP, DUMP)
    assert result.equal and not changed_rows(result) and result.hidden == {}


@pytest.mark.parametrize(
    ("old", "new", "classes"),
    [
        ("   4: (07) r1 += 14", "   4: (07) r1 += 16", ("immediate",)),
        ("   3: (bf) r1 = r8", "   3: (bf) r1 = r7", ("register",)),
        ("   6: (71) r1 = *(u8 *)(r8 +12)", "   6: (71) r1 = *(u8 *)(r8 +14)", ("offset",)),
        ("   9: (4f) r3 |= r1", "   9: (5f) r3 &= r1", ("opcode",)),
        ("  76: (85) call bpf_ktime_get_ns#2", "  76: (85) call bpf_ktime_get_boot_ns#2", ("call-target",)),
        # a jump that lands one instruction further: same offsets elsewhere, another target
        ("  17: (3d) if r2 >= r1 goto pc+4", "  17: (3d) if r2 >= r1 goto pc+5", ("jump-target",)),
    ],
)
def test_one_changed_instruction_is_one_change_of_its_class(
    old: str, new: str, classes: tuple[str, ...]
) -> None:
    result = diff_texts(DUMP, edit(DUMP, old, new))
    (row,) = changed_rows(result)
    assert row.op is Op.CHANGE and row.classes == classes
    assert row.a is not None and row.b is not None and row.a.slot == row.b.slot == int(old.split(":")[0])
    assert not result.equal


def test_helper_offsets_and_map_ids_are_hidden_and_counted() -> None:
    b = edit(DUMP, "  76: (85) call bpf_ktime_get_ns#274096", "  76: (85) call bpf_ktime_get_ns#999")
    b = b.replace("map[id:1256]", "map[id:77]").replace("map[id:1257]", "map[id:78]")
    result = diff_texts(DUMP, b)
    assert result.equal
    assert result.hidden == {"helper-addresses": 1, "map-ids": 3}


def test_one_map_reference_pointing_elsewhere_is_a_map_change() -> None:
    # the two references to map 1256 go to different maps of b: the one that breaks ranks changes
    b = edit(DUMP, "  87: (18) r1 = map[id:1256]", "  87: (18) r1 = map[id:1257]")
    (row,) = changed_rows(diff_texts(DUMP, b))
    assert row.classes == ("map",) and row.a is not None and row.a.slot == 87


def test_inserted_code_shifts_jumps_without_reporting_them() -> None:
    # an instruction inserted between jump 5 (to 41) and its target: offsets change, targets do not
    b_lines = insert_before(DUMP, "  13: (b7) r6 = 2", "  13: (b7) r9 = 7")
    b_lines = [  # the jumps and the call over the insertion point get their new offsets
        line.replace("goto pc+35", "goto pc+36").replace("call pc+30#", "call pc+31#")
        .replace("goto pc+4", "goto pc+5")
        if line.startswith(("   5:", "  10:", "  12:")) else line
        for line in b_lines
    ]  # fmt: skip
    result = diff_texts(DUMP, "\n".join(b_lines) + "\n")
    rows = changed_rows(result)
    assert [(r.op, r.b.text if r.b else None) for r in rows] == [(Op.INSERT, "(b7) r9 = 7")]
    assert result.hidden == {"jump-offsets": 3}


def test_functions_pair_by_name_and_an_added_function_is_reported() -> None:
    a = bpflogs.parse_text(DUMP, name="a")
    (program,) = a.programs
    names = [f.name for f in program.functions]
    assert names == ["xdp_pairs", "bump", "track_flow"]
    only_main = DUMP.split("int bump(")[0]
    result = diff_texts(only_main, DUMP)
    (prog,) = result.programs
    statuses = {f.name: f.status for f in prog.functions}
    assert statuses == {"xdp_pairs": Status.SAME, "bump": Status.ADDED, "track_flow": Status.ADDED}


def test_strict_turns_hidden_rows_into_changes() -> None:
    b = DUMP.replace("map[id:1256]", "map[id:77]")
    assert diff_texts(DUMP, b).equal
    strict = diff_texts(DUMP, b, strict=True)
    assert not strict.equal and strict.hidden == {}
    assert {r.classes for r in changed_rows(strict)} == {("map-ids",)}


def test_hunks_hold_context_rows_around_a_change() -> None:
    result = diff_texts(DUMP, edit(DUMP, "  33: (b7) r6 = 2", "  33: (b7) r6 = 3"))
    (prog,) = result.programs
    for context, size in ((0, 1), (1, 3), (3, 7)):
        (hunk,) = prog.hunks(context)
        assert len(hunk.rows) == size and hunk.changes == 1
    assert sum(1 for _ in prog.all_rows()) == 100


# --- bpf() calls -------------------------------------------------------------


def test_a_load_against_itself_is_equal_with_probes_grouped() -> None:
    result = diff_texts(LOAD, LOAD)
    assert result.equal and result.hidden == {}
    assert result.probes is not None and result.probes.a == result.probes.b == 13
    # libbpf's probes: 5 two-instruction PROG_LOADs and 8 small BTF blobs; the real BTF is not one
    assert result.probes.by_command_a == {"BPF_PROG_LOAD": 5, "BPF_BTF_LOAD": 8}
    assert [c.key for c in result.syscalls] == [
        "BPF_BTF_LOAD", "BPF_MAP_CREATE map:flows", "BPF_MAP_CREATE map:counters",
        "BPF_PROG_LOAD prog:xdp_pairs", "BPF_OBJ_PIN /sys/fs/bpf/bpflogs_pairs_prog",
    ]  # fmt: skip
    assert all(not c.probe for c in result.syscalls)


def test_fd_numbers_compare_by_the_object_they_name() -> None:
    # b's maps got other fd numbers (every use renumbered): no difference, counted as fds
    b = LOAD.replace("= 4\n", "= 14\n").replace("map_fd=4,", "map_fd=14,")
    if b == LOAD:
        pytest.skip("capture has no map fd 4")
    result = diff_texts(LOAD, b)
    assert result.equal


HASH = "map_type=BPF_MAP_TYPE_HASH, key_size=4, value_size=8"
MAPS = (
    f'bpf(BPF_MAP_CREATE, {{{HASH}, max_entries=16, map_name="one"}}, 72) = 3\n'
    f'bpf(BPF_MAP_CREATE, {{{HASH}, max_entries=16, map_name="two"}}, 72) = 4\n'
    "bpf(BPF_MAP_UPDATE_ELEM, {map_fd=3, key=0x7ffd1000, value=0x7ffd2000, flags=BPF_ANY}, 32) = 0\n"
)


def test_an_fd_naming_another_object_is_a_change() -> None:
    swapped = MAPS.replace("map_fd=3,", "map_fd=4,")
    result = diff_texts(MAPS, swapped)
    changes = [c for call in result.syscalls for c in call.shown]
    assert [(c.path, c.a, c.b) for c in changes] == [("map_fd", "map:one (fd 3)", "map:two (fd 4)")]


def test_renumbered_fds_and_moved_pointers_are_hidden() -> None:
    b = (
        MAPS.replace("= 3\n", "= 5\n").replace("= 4\n", "= 6\n").replace("map_fd=3,", "map_fd=5,")
        .replace("0x7ffd1000", "0x7ffe1000")
    )  # fmt: skip
    result = diff_texts(MAPS, b)
    assert result.equal
    assert result.hidden == {"fds": 3, "pointers": 1}


@pytest.mark.parametrize(
    ("old", "new", "path", "hidden"),
    [
        ("max_entries=16, map_name=\"one\"", "max_entries=32, map_name=\"one\"", "max_entries", False),
        ("key=0x7ffd1000", "key=NULL", "key", False),  # a buffer given or not is semantic
        ("flags=BPF_ANY", "flags=BPF_NOEXIST", "flags", False),
        (") = 0\n", ") = -1 EEXIST (File exists)\n", "<result>", False),
    ],
)
def test_attribute_changes(old: str, new: str, path: str, hidden: bool) -> None:
    result = diff_texts(MAPS, edit(MAPS, old, new))
    changes = [c for call in result.syscalls for c in call.changes if c.path == path]
    assert len(changes) == 1 and changes[0].hidden is hidden
    assert not result.equal


def test_added_call_shifts_nothing_else() -> None:
    extra = f'bpf(BPF_MAP_CREATE, {{{HASH}, max_entries=1, map_name="new"}}, 72) = 7\n'
    lines = MAPS.splitlines(keepends=True)
    result = diff_texts(MAPS, lines[0] + extra + "".join(lines[1:]))
    assert [c.status for c in result.syscalls] == [Status.SAME, Status.ADDED, Status.SAME, Status.SAME]
    assert result.syscalls[1].key == "BPF_MAP_CREATE map:new"


def test_truncated_string_compares_as_a_prefix_and_ignore_hides_paths() -> None:
    a = 'bpf(BPF_OBJ_PIN, {pathname="/sys/fs/bpf/a_long_pin_name", bpf_fd=3, file_flags=0}, 16) = 0\n'
    b = 'bpf(BPF_OBJ_PIN, {pathname="/sys/fs/bpf/a_long"..., bpf_fd=3, file_flags=0}, 16) = 0\n'
    result = diff_texts(a, b)
    assert result.equal and result.hidden == {"truncated-strings": 1}
    c = a.replace("file_flags=0", "file_flags=BPF_F_RDONLY")
    assert not diff_texts(a, c).equal
    assert diff_texts(a, c, ignore=["BPF_OBJ_PIN.file_*"]).hidden == {"ignored": 1}


def test_sides_with_nothing_in_common_are_trouble() -> None:
    # an strace log against a dump compares nothing: never "equal" (issue 12)
    with pytest.raises(NothingInCommon, match="nothing in common to compare"):
        diff_texts(LOAD, DUMP)
    with pytest.raises(NothingInCommon):
        diff_texts(DUMP, LOAD)


def test_a_part_on_one_side_only_is_added_or_removed() -> None:
    # a run whose dump step failed against one that dumped: its programs are removed
    result = diff_texts(LOAD + DUMP, LOAD)
    assert not result.equal
    assert [p.status for p in result.programs] == [Status.REMOVED]
    assert all(c.status is Status.SAME for c in result.syscalls)
    assert any("programs of a only" in n for n in result.notes)
    result = diff_texts(DUMP, LOAD + DUMP)
    assert not result.equal and result.syscalls and all(c.status is Status.ADDED for c in result.syscalls)
    assert any("bpf() calls of b only" in n for n in result.notes)


STRACE = SAMPLES / "strace"


@pytest.mark.skipif(not have_samples(), reason=NO_SAMPLES)
def test_pointer_against_decoded_contents_is_no_difference() -> None:
    # the same loader run plain and with -v: info structs decoded on one side only
    plain, verbose = STRACE / "v6.1_ctypes-all-commands.txt", STRACE / "v6.1_ctypes-all-commands_v.txt"
    result = bpflogs.diff(plain, verbose)
    shown = [(c.key, x.path) for c in result.syscalls for x in c.shown]
    # the only real difference: the two runs walked the hash map in another order
    assert shown == [
        ("BPF_MAP_GET_NEXT_KEY map:bpflogs_hash", "<result>"),
        ("BPF_MAP_GET_NEXT_KEY map:bpflogs_hash", "<result>"),
    ]
    assert result.hidden["pointers"] > 0


@pytest.mark.skipif(not have_samples(), reason=NO_SAMPLES)
def test_identities_only_one_strace_shows_do_not_split_the_pairing() -> None:
    # strace 4.21 cuts MAP_CREATE before map_name: the maps still pair, in order
    result = bpflogs.diff(STRACE / "v4.21_ctypes-all-commands.txt", STRACE / "v7.2_ctypes-all-commands.txt")
    creates = [c for c in result.syscalls if c.command == "BPF_MAP_CREATE"]
    assert len(creates) == 9 and all(c.a is not None and c.b is not None for c in creates)
    # what 4.21 left out after "..." is hidden, not a difference
    assert [c.status for c in creates] == [Status.SAME] * 9
    assert result.hidden["abbreviated-structs"] >= 5


@pytest.mark.skipif(not have_samples(), reason=NO_SAMPLES)
@pytest.mark.parametrize(
    ("a", "b"),
    [
        # strace 4.21 cannot decode BTF_LOAD nor name the maps: the probes still pair
        ("v4.21_bpftool-prog-load_f-y.txt", "v5.10_bpftool-prog-load_f-y.txt"),
        # strace 7.2 decodes PROG_BIND_MAP, which uses libbpf's probe map and program
        ("v6.1_bpftool-prog-load_v.txt", "v7.2_bpftool-prog-load_f-v-y-tt-T.txt"),
    ],
)
def test_one_bpftool_load_under_two_strace_releases_is_equal(a: str, b: str) -> None:
    result = bpflogs.diff(STRACE / a, STRACE / b)
    assert result.equal
    assert result.probes is not None
    assert result.probes.by_command_a == result.probes.by_command_b == {
        "BPF_PROG_LOAD": 7, "BPF_BTF_LOAD": 8, "BPF_MAP_CREATE": 3,
    }  # fmt: skip
    assert [c.key for c in result.syscalls][-1] == "BPF_OBJ_PIN /sys/fs/bpf/bpflogs_x"


def test_an_empty_capture_against_a_run_adds_every_call_and_program() -> None:
    result = diff_texts("", MAPS)
    assert not result.equal
    assert [c.status for c in result.syscalls] == [Status.ADDED] * 3
    result = diff_texts(DUMP, "")
    assert not result.equal and [p.status for p in result.programs] == [Status.REMOVED]
    assert diff_texts("", "").equal
