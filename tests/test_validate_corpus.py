"""Every real capture validates without errors; what it does report is true of the file.

Inputs: ``corpus/{strace,xlated,mixed}`` and the shared samples (``../shared/samples``).
Left out, because they are no captures: verifier logs (``verifier-log.*``), bpftool's
error collection (``errors.*``), ``prog dump jited`` shapes (``*.jited-shape.*``), bpftool's
stderr (``*.bpftool-stderr.txt``) and ``visual`` DOT dumps (``*.dot``, refused by design).

No sample is broken. The dumps made with bpftool 7.1 of programs newer than it
(``cpu_v4.*``, ``v4.plain.bpftool-7.1.txt``, the per-CPU moves in ``opcodes`` dumps) lose
or misprint instructions: ``old-bpftool`` warnings with the bpftool version to use,
asserted line by line below.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from helpers import load
from paths import CORPUS, NO_SAMPLES, have_samples, missing_samples, sample_files, samples_or_skip

from bpflogs.validate import CHECKS, Severity, ValidationResult, validate
from bpflogs.validate.locate import SourceMap, attr_offset, value_offsets

NOT_CAPTURES = ("verifier-log.", "errors.", ".jited-shape.", ".bpftool-stderr.txt", ".dot", "README.md")


def capture_paths() -> Iterator[object]:
    for folder in ("strace", "xlated", "mixed"):
        for path in sorted((CORPUS / folder).iterdir()):
            if path.is_file():
                yield pytest.param(path, id=f"corpus/{folder}/{path.name}")
    for folder in ("strace", "xlated", "seed"):
        for path in sample_files(folder, lambda p: not any(mark in p.name for mark in NOT_CAPTURES)):
            yield pytest.param(path, id=f"samples/{folder}/{path.name}")
    yield from missing_samples()


@cache
def checked(path: Path) -> ValidationResult:
    return validate(load(path))


@pytest.mark.parametrize("path", list(capture_paths()))
def test_every_capture_validates_without_errors(path: Path) -> None:
    result = checked(path)
    errors = [
        (d.line, d.column, d.check, d.message) for d in result.diagnostics if d.severity is Severity.ERROR
    ]
    assert errors == []
    assert result.passed()
    assert result.checks == tuple(c.name for c in CHECKS)


@pytest.mark.parametrize("path", list(capture_paths()))
def test_diagnostics_point_into_their_line(path: Path) -> None:
    """Every diagnostic names a line of the file, a column inside it (or just past its end), and
    carries that line's text."""
    capture = load(path)
    sources = SourceMap.of(capture)
    for diag in checked(path).diagnostics:
        assert 1 <= diag.line <= capture.line_count, diag
        assert diag.source == sources.text(diag.line)
        assert 1 <= diag.column <= len(diag.source) + 1, diag
        assert diag.message and "\n" not in diag.message


def strace_files(source: str) -> list[Path]:
    """The strace captures of the corpus or of the shared samples."""
    if source == "corpus":
        return sorted(p for p in (CORPUS / "strace").iterdir() if p.is_file())
    return sample_files("strace", lambda p: not p.name.endswith((".md", "stderr.txt")))


def sources(corpus: int, samples: int) -> list[object]:
    """(source, least) cases, the corpus and the samples each with the least count it must reach;
    the samples' case skips, with a reason, when they are absent."""
    absent = pytest.mark.skipif(not have_samples(), reason=NO_SAMPLES)
    return [
        pytest.param("corpus", corpus, id="corpus"),
        pytest.param("samples", samples, id="samples", marks=absent),
    ]


@pytest.mark.parametrize(("source", "least"), sources(corpus=10_000, samples=10_000))
def test_value_offsets_match_the_text(source: str, least: int) -> None:
    """The offset of every node of every attr is where its rendering stands in the call's text."""
    nodes = 0
    for path in strace_files(source):
        for call in load(path).syscalls:
            start = attr_offset(call)
            if start is None or call.attr is None:
                continue
            for node, offset in value_offsets(call.attr, start):
                rendered = node.render()
                assert call.text[offset : offset + len(rendered)] == rendered, (path.name, call.line)
                nodes += 1
    assert nodes > least


@pytest.mark.parametrize(("source", "least"), sources(corpus=50, samples=20))
def test_columns_of_stitched_calls_map_to_their_physical_lines(source: str, least: int) -> None:
    """A column in a call joined from an unfinished and a resumed line lands on the same character
    in the physical line it came from."""
    stitched = 0
    for path in strace_files(source):
        capture = load(path)
        sources = SourceMap.of(capture)
        for call in capture.syscalls:
            if len(call.lines) < 2:
                continue
            stitched += 1
            for offset in range(len(call.prefix.text), len(call.text), 7):
                line, column = sources.locate(call.lines, call.parts, call.text, offset)
                assert sources.text(line)[column - 1] == call.text[offset], (path.name, call.line, offset)
    assert stitched > least


# ---------------------------------------------------------------------------------- what real files report


def corpus(name: str) -> ValidationResult:
    return checked(CORPUS / name)


def sample(name: str) -> ValidationResult:
    return checked(samples_or_skip(name))


def found(result: ValidationResult, check: str) -> list[tuple[int, int, str]]:
    return [(d.line, d.column, d.message) for d in result.diagnostics if d.check == check]


def test_old_bpftool_bug_lines_are_warnings_with_the_version_to_use() -> None:
    result = sample("xlated/v4.plain.bpftool-7.1.txt")
    old = [d for d in result.diagnostics if d.check == "old-bpftool"]
    texts = {d.source.split(": ", 1)[1] for d in old}
    assert texts == {"BUG_db", "BUG_alu64_d7", "BUG_ldx_91", "BUG_ldx_89", "(06) if w0 jmp 0x0 goto pc+0"}
    assert len(old) == 8 and result.errors == 0
    hints = {d.source.split(": ", 1)[1]: d.hint for d in old}
    assert hints["BUG_ldx_91"] == "dump with bpftool >= 7.3"
    assert hints["BUG_db"] == "dump with bpftool >= 7.8"
    assert hints["(06) if w0 jmp 0x0 goto pc+0"] == "dump with bpftool >= 7.3"
    for d in old:  # the caret stands on the instruction text, after "(CC) " or at "BUG_"
        assert d.source[d.column - 1 :].startswith(("BUG_", "if w0"))
    # the same program dumped by bpftool 7.8: nothing lost
    assert found(sample("xlated/v4.plain.bpftool-7.8.txt"), "old-bpftool") == []


def test_per_cpu_moves_misprinted_by_bpftool_7_1_show_in_opcodes_mode() -> None:
    result = corpus("xlated/xdp_stats.xdp_stats.opcodes.txt")
    [(_, _, message)] = found(result, "old-bpftool")
    [diag] = [d for d in result.diagnostics if d.check == "old-bpftool"]
    assert diag.source.strip() == "108: (bf) r0 = r0"
    assert "per-CPU address move" in message and diag.hint == "dump with bpftool >= 7.5"
    # the plain dump of the same program cannot tell
    assert found(corpus("xlated/xdp_stats.xdp_stats.plain.txt"), "old-bpftool") == []


def test_a_json_dump_points_at_the_disasm_of_the_instruction() -> None:
    result = corpus("xlated/cpu_v4.cpu_v4.pretty.json")
    old = [d for d in result.diagnostics if d.check == "old-bpftool"]
    assert len(old) == 7
    for d in old:  # on the instruction text after "(CC) ", as in a text dump
        before = d.source[: d.column - 1]
        assert before.endswith('"disasm": "') or (
            before.endswith(") ") and before[:-5].endswith('"disasm": "')
        )
        assert d.message.split("'")[1] == d.source[d.column - 1 :].split('"')[0]


def test_mixed_captures_match_dumps_to_loads_and_note_the_verifier_growth() -> None:
    result = corpus("mixed/xdp_load_and_dump.txt")
    assert found(result, "prog-load-match") == []
    counts = found(result, "insn-count")
    assert [c[0] for c in counts] == [38, 233]  # the plain and the opcodes dump of one program
    assert all("grew it from 131 instructions (insn_cnt at line 29) to 144 (+13)" in c[2] for c in counts)
    shrank = found(corpus("mixed/tracing_loadall_tt-T_and_dump.txt"), "insn-count")
    assert any("kp_nanosleep: the verifier shrank it from 77" in c[2] for c in shrank)


def test_default_captures_report_what_strace_left_out() -> None:
    result = corpus("strace/bpftool-prog-load-xdp_plain.txt")
    [(_, column, message)] = found(result, "truncated")
    [diag] = [d for d in result.diagnostics if d.check == "truncated"]
    assert diag.source[column - 1] == '"' and "cut this string at 32 bytes" in message
    assert diag.hint is not None and "strace -s" in diag.hint
    [(_, column, message)] = found(result, "abbreviated")
    [diag] = [d for d in result.diagnostics if d.check == "abbreviated"]
    assert diag.source[column - 1 - len("insns=") : column - 1] == "insns="
    assert diag.hint is not None and "strace -v" in diag.hint
    # with -v the instructions are there
    assert all(
        "instructions" not in m
        for *_, m in found(corpus("strace/bpftool-prog-load-xdp_v.txt"), "abbreviated")
    )
    # with -s 1024 the strings are whole but for the BTF blob
    assert len(found(corpus("strace/bpftool-prog-load-xdp_s1024.txt"), "truncated")) == 1


def test_fds_from_other_processes_files_are_unknown() -> None:
    """``-ff`` writes each thread to its own file: fds created in another file are unknown here."""
    [(line, column, message)] = found(sample("strace/v6.1_threads_ff.12035"), "unknown-fd")
    assert message.startswith("fd 3 (map_fd of BPF_MAP_UPDATE_ELEM) was not created")
    assert (line, column) == (1, 34)


def test_failed_calls_are_summarised_by_command_and_errno() -> None:
    failed = found(sample("strace/v6.1_ctypes-all-commands.txt"), "failed-calls")
    assert (3, 265, "BPF_MAP_CREATE failed with EINVAL (Invalid argument) 3 times (lines 3, 4, 82)") in failed
    assert len({m.split(" failed")[0] + m.split("with ")[1].split(" ")[0] for *_, m in failed}) == len(failed)


def test_undecoded_calls_are_notes() -> None:
    result = sample("strace/v4.21_ctypes-all-commands.txt")
    undecoded = [d for d in result.diagnostics if d.check == "undecoded"]
    assert undecoded and all(d.severity is Severity.NOTE for d in undecoded)
    assert any(
        "does not know bpf command 0x1a /* BPF_??? */ (BPF_MAP_UPDATE_BATCH)" in d.message for d in undecoded
    )
    # -e raw=bpf prints numbers by request: not an old strace
    assert found(sample("strace/v6.1_ctypes-all-commands_e-raw-bpf.txt"), "undecoded") == []


def test_whole_runs_have_no_unknown_fds() -> None:
    """Every fd a complete run uses was created in it: the replayed object table resolves them all."""
    for name in (
        "bpftool-prog-load-xdp_y.txt",
        "bpftool-prog-loadall-tc-pinmaps_y.txt",
        "ctypes-loader_v.txt",
    ):
        assert found(corpus(f"strace/{name}"), "unknown-fd") == [], name


def test_attr_tails_strace_did_not_decode() -> None:
    result = corpus("strace/bpftool-cgroup-attach-show-detach_f-y.txt")
    [diag] = [d for d in result.diagnostics if d.check == "abbreviated" and "attr" in d.message]
    assert diag.source[diag.column - 1 : diag.column + 3] == "...}" and diag.width == 3
    assert diag.message.startswith("strace did not decode the end of BPF_PROG_QUERY's attr")
    assert "(44 such calls)" in diag.message and diag.severity is Severity.WARNING
