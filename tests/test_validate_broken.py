"""Systematically broken copies of real captures: each gives the expected check at the expected
line and column.

Each test reads a real capture from ``corpus/`` (the shared samples where noted), breaks it
the way a capture gets broken — a deleted line, a line cut in half, a resumed line removed,
two instruction lines swapped, a jump offset pushed out of range, an opcode byte changed, a
timestamp moved back — and validates the copy.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from paths import CORPUS, samples_or_skip

import bpflogs
from bpflogs.validate import Diagnostic, Severity, ValidationResult, validate


def lines_of(path: Path) -> list[str]:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.decode("utf-8", "surrogateescape").split("\n")[:-1]


def sample_lines(name: str) -> list[str]:
    return lines_of(samples_or_skip(name))


def check(lines: list[str], name: str = "broken.txt") -> ValidationResult:
    return validate(bpflogs.parse_text("\n".join(lines) + "\n", name=name))


def first(result: ValidationResult, check_name: str) -> Diagnostic:
    found = [d for d in result.diagnostics if d.check == check_name]
    assert found, [(d.line, d.check, d.message) for d in result.diagnostics]
    return found[0]


def index(lines: list[str], pattern: str, start: int = 0) -> int:
    """The 0-based index of the first line matching ``pattern`` from ``start``."""
    rx = re.compile(pattern)
    return next(i for i in range(start, len(lines)) if rx.search(lines[i]))


def errors(result: ValidationResult) -> list[tuple[int, int, str]]:
    return [(d.line, d.column, d.check) for d in result.diagnostics if d.severity is Severity.ERROR]


THREADS = CORPUS / "strace" / "ctypes-loader-threads_f-o.txt"
TIMED = CORPUS / "strace" / "bpftool-prog-load-xdp_tt-T.txt"
PLAIN = CORPUS / "xlated" / "xdp_stats.xdp_stats.plain.txt"
OPCODES = CORPUS / "xlated" / "xdp_stats.xdp_stats.opcodes.txt"
MIXED = CORPUS / "mixed" / "xdp_load_and_dump.txt"


def test_the_originals_are_clean() -> None:
    for path in (THREADS, TIMED, PLAIN, OPCODES, MIXED):
        assert errors(check(lines_of(path))) == [], path.name


# ---------------------------------------------------------------------------------- strace logs


def test_a_deleted_unfinished_line_leaves_an_orphan_resumed_line() -> None:
    lines = lines_of(THREADS)
    start = index(lines, r"^(\d+) bpf\(.* <unfinished \.\.\.>$")
    pid = lines[start].split()[0]
    resumed = index(lines, rf"^{pid} <\.\.\. bpf resumed>", start)
    del lines[start]
    diag = first(check(lines), "orphan-resumed")
    assert (diag.line, diag.column) == (resumed, len(pid) + 2)  # the line moved up by one
    assert diag.severity is Severity.ERROR and diag.source.startswith(f"{pid} <... bpf resumed>")
    assert errors(check(lines)) == [(resumed, len(pid) + 2, "orphan-resumed")]


def test_a_removed_resumed_line_leaves_two_calls_in_flight() -> None:
    lines = lines_of(THREADS)
    start = index(lines, r"^(\d+) bpf\(.* <unfinished \.\.\.>$")
    pid = lines[start].split()[0]
    resumed = index(lines, rf"^{pid} <\.\.\. bpf resumed>", start)
    later = index(lines, rf"^{pid} ", resumed + 1)
    del lines[resumed]
    result = check(lines)
    diag = first(result, "calls-in-flight")
    assert (diag.line, diag.column) == (later, len(pid) + 2)  # the pid's next call, moved up by one
    assert "still in flight" in diag.message and f"line {start + 1}" in diag.message
    assert errors(result) == [(later, len(pid) + 2, "calls-in-flight")]


def test_a_capture_cut_after_an_unfinished_line_warns() -> None:
    lines = lines_of(THREADS)
    start = index(lines, r"^(\d+) bpf\(.* <unfinished \.\.\.>$")
    result = check(lines[: start + 1])
    diag = first(result, "unfinished")
    assert (diag.line, diag.column) == (start + 1, lines[start].index("<unfinished") + 1)
    assert diag.severity is Severity.WARNING and errors(result) == []


def test_a_line_cut_in_half() -> None:
    lines = lines_of(TIMED)
    n = index(lines, r"BPF_MAP_CREATE")
    text = lines[n]
    half = len(text) // 2
    lines[n : n + 1] = [text[:half], text[half:]]
    result = check(lines)
    cut, rest = [d for d in result.diagnostics if d.check == "syntax"]
    assert (cut.line, cut.column) == (n + 1, half + 1)
    assert cut.message.startswith("line ends too early") and "expected" in cut.message
    assert (rest.line, rest.column) == (n + 2, 1)
    assert rest.message.startswith("not a line strace writes")


def test_a_timestamp_moved_back() -> None:
    lines = lines_of(TIMED)
    n = index(lines, r"^\d\d:\d\d:\d\d\.\d+ bpf", 5)
    stamp = lines[n].split()[0]
    earlier = f"{int(stamp[:2]) - 1:02d}{stamp[2:]}"
    lines[n] = earlier + lines[n][len(stamp) :]
    diag = first(check(lines), "time-backwards")
    assert (diag.line, diag.column, diag.width) == (n + 1, 1, len(stamp))
    assert earlier in diag.message and errors(check(lines)) == [(n + 1, 1, "time-backwards")]


def test_a_deleted_map_create_leaves_an_unknown_fd() -> None:
    lines = lines_of(CORPUS / "strace" / "ctypes-loader_y.txt")
    n = index(lines, r"^bpf\(BPF_MAP_CREATE, .*= (\d+)<anon_inode:bpf-map>$")
    fd = re.search(r"= (\d+)<", lines[n]).group(1)  # type: ignore[union-attr]
    use = index(lines, rf"map_fd={fd}\b", n + 1)
    del lines[n]
    diag = first(check(lines), "unknown-fd")
    assert diag.message.startswith(f"fd {fd} ") and diag.line == use
    assert lines[use - 1][diag.column - 1 - len("map_fd=") : diag.column - 1 + len(fd)] == f"map_fd={fd}"


# ---------------------------------------------------------------------------------- xlated dumps


def slot_line(lines: list[str], slot: int) -> int:
    return index(lines, rf"^\s*{slot}: ")


def test_a_deleted_instruction_line() -> None:
    lines = lines_of(PLAIN)
    n = slot_line(lines, 3)
    assert "(18)" not in lines[n]
    del lines[n]
    result = check(lines)
    diag = first(result, "slot-continuity")
    assert diag.line == slot_line(lines, 4) + 1 and diag.column == lines[diag.line - 1].index("4:") + 1
    assert diag.message == "slot 4 follows slot 2: slot 3 missing (a line deleted?)"
    assert errors(result) == [(diag.line, diag.column, "slot-continuity")]


def test_two_instruction_lines_swapped() -> None:
    lines = lines_of(PLAIN)
    a, b = slot_line(lines, 4), slot_line(lines, 5)
    lines[a], lines[b] = lines[b], lines[a]
    result = check(lines)
    found = [d for d in result.diagnostics if d.check == "slot-continuity"]
    assert [(d.line, d.column) for d in found] == [(a + 1, 4), (b + 1, 4)]
    assert found[0].message.startswith("slot 5 follows slot 3: slot 4 missing")
    assert "lines out of order" in found[1].message


def test_a_jump_offset_pushed_out_of_range() -> None:
    lines = lines_of(PLAIN)
    n = index(lines, r"\(05\) goto pc\+\d+$")
    lines[n] = re.sub(r"pc\+\d+$", "pc+500", lines[n])
    result = check(lines)
    diag = first(result, "jump-target")
    assert (diag.line, diag.column, diag.width) == (n + 1, lines[n].index("pc+500") + 1, len("pc+500"))
    assert "is outside the program" in diag.message
    assert errors(result) == [(n + 1, diag.column, "jump-target")]


def test_a_jump_into_the_middle_of_an_ld_imm64() -> None:
    lines = lines_of(PLAIN)
    ld = next(i for i, t in enumerate(lines) if "(18) r" in t)
    slot = int(lines[ld].split(":")[0])
    n = index(lines, r"\(05\) goto pc\+\d+$")
    here = int(lines[n].split(":")[0])
    if slot + 1 <= here:  # aim backwards
        lines[n] = re.sub(r"pc\+\d+$", f"pc{slot + 1 - here - 1:+d}", lines[n])
    else:
        lines[n] = re.sub(r"pc\+\d+$", f"pc+{slot + 1 - here - 1}", lines[n])
    diag = first(check(lines), "jump-target")
    assert diag.line == n + 1 and f"lands inside the LD_IMM64 at slot {slot}" in diag.message


def test_an_opcode_byte_changed_in_the_bytes() -> None:
    lines = lines_of(OPCODES)
    n = slot_line(lines, 0) + 1  # the bytes line under slot 0
    assert lines[n].split()[0] == "79"
    lines[n] = lines[n].replace("79", "7a", 1)
    result = check(lines)
    diag = first(result, "opcode-mismatch")
    assert (diag.line, diag.column, diag.width) == (n + 1, 8, 2)
    assert "bytes have opcode 0x7a" in diag.message
    assert errors(result) == [(n + 1, 8, "opcode-mismatch")]


def test_an_opcode_byte_changed_in_the_text() -> None:
    lines = lines_of(OPCODES)
    n = slot_line(lines, 0)
    lines[n] = lines[n].replace("(79)", "(71)")
    result = check(lines)
    found = [d for d in result.diagnostics if d.check == "opcode-mismatch"]
    assert (found[0].line, found[0].column) == (n + 1, lines[n].index("(71)") + 1)
    assert "the text reads as opcode 0x79, the dump says 0x71" in found[0].message
    assert (found[1].line, found[1].column) == (n + 2, 8)  # and the bytes below disagree with (71)


def test_a_cut_dump_line_and_a_missing_exit() -> None:
    lines = lines_of(PLAIN)
    last = max(i for i, t in enumerate(lines) if re.match(r"\s*\d+: ", t))
    assert lines[last].endswith("exit")
    result = check(lines[:last])
    diag = first(result, "function-end")
    assert diag.line == last and diag.severity is Severity.WARNING  # the new last instruction
    cut = [*lines[:last], lines[last][: len(lines[last]) - 2]]  # "(95) ex"
    diag = first(check(cut), "syntax")
    assert (diag.line, diag.column) == (last + 1, cut[-1].rindex("ex") + 1)
    assert "cut short" in diag.message


def test_a_moved_function_header() -> None:
    lines = lines_of(CORPUS / "xlated" / "cgroup_skb.cg_egress.plain.txt")
    header = index(lines, r"^\w.* account\(.*\):$")
    after = slot_line(lines, 6)
    moved = lines[header]
    del lines[header]
    lines.insert(after - 1, moved)
    result = check(lines)
    call = index(lines, r"call pc\+")
    found = {(d.line, d.column, d.message) for d in result.diagnostics if d.check == "function-header"}
    assert found == {
        (after, 1, "function header of account at slot 6: no call targets it"),
        (call + 1, lines[call].index("call") + 1, "slot 2 calls slot 5, where no function header stands"),
    }


def test_one_source_line_with_two_texts() -> None:
    lines = lines_of(CORPUS / "xlated" / "xdp_stats.xdp_stats.linum.txt")
    seen: dict[str, int] = {}
    for i, text in enumerate(lines):
        found = re.search(r"\[file:(\S+) line_num:(\d+) ", text)
        if found and found.group(2) != "0":
            if found.group(0) in seen:
                break
            seen[found.group(0)] = i
    else:
        pytest.fail("no repeated linum line")
    lines[i] = lines[i].replace("; ", "; x = 1; ", 1)
    diag = first(check(lines), "linum")
    assert (diag.line, diag.column) == (i + 1, lines[i].rindex("[file:") + 1)
    assert f"at line {seen[found.group(0)] + 1}" in diag.message


# ---------------------------------------------------------------------------------- across


def test_a_renamed_load_no_longer_matches_its_dump() -> None:
    lines = lines_of(MIXED)
    n = index(lines, r'prog_name="xdp_stats"')
    lines[n] = lines[n].replace('prog_name="xdp_stats"', 'prog_name="xdp_other"')
    result = check(lines)
    found = [d for d in result.diagnostics if d.check == "prog-load-match"]
    assert [d.line for d in found] == [38, 233] and all(d.column == 1 for d in found)
    assert "named loads: libbpf_nametest, xdp_other" in found[0].message
    assert [d for d in result.diagnostics if d.check == "insn-count"] == []


def test_map_ids_of_a_dump_against_the_ids_its_strace_log_shows() -> None:
    strace = sample_lines("strace/v6.1_bpftool-prog-dump-xlated_v-s256.txt")
    dump = sample_lines("strace/v6.1_bpftool-prog-dump-xlated_v-s256.bpftool-stdout.txt")
    result = check(strace + dump)
    assert result.kind == "mixed" and [d for d in result.diagnostics if d.check == "map-ids"] == []
    n = index(dump, r"map\[id:\d+\]")
    ident = re.search(r"map\[id:(\d+)\]", dump[n]).group(1)  # type: ignore[union-attr]
    dump[n] = dump[n].replace(f"id:{ident}", "id:99999")
    diag = first(check(strace + dump), "map-ids")
    assert (diag.line, diag.column) == (len(strace) + n + 1, dump[n].index("id:99999") + 1)
    assert diag.severity is Severity.NOTE and "map id 99999" in diag.message
