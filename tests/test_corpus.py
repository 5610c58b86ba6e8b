"""Every real capture parses completely and losslessly; flag sets agree on semantic attributes."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bpflogs import Capture, OtherSyscall, Syscall
from bpflogs.model import values as v
from bpflogs.model.typed import Bytes, Insns, Pointer, Typed, flat_attrs
from bpflogs.schema import Category, command

UNFINISHED = " <unfinished ...>"
# the head of a bpf call after any prefix: start of line, or after a space, "]" or "<comm>"
BPF_HEAD = re.compile(r"(?:^|[ \]>])bpf\(")
SGR = re.compile(r"\x1b\[[0-9;]*m")


def raw_lines(path: Path) -> list[str]:
    """The file's physical lines, independently of bpflogs.read (plain text files only)."""
    return path.read_bytes().decode("utf-8", "surrogateescape").splitlines()


# ---------------------------------------------------------------------------------- every file


def test_no_unparsed_records(strace_path: Path, load_strace: Callable[[Path], Capture]) -> None:
    capture = load_strace(strace_path)
    assert capture.unparsed == (), [(u.line, u.message, u.text[:120]) for u in capture.unparsed]
    assert capture.records, "a capture without records"


def test_every_bpf_line_is_a_syscall(strace_path: Path, load_strace: Callable[[Path], Capture]) -> None:
    capture = load_strace(strace_path)
    not_calls = [
        (r.line, type(r).__name__) for r in capture.records if "bpf(" in r.text and not isinstance(r, Syscall)
    ]
    assert not_calls == []


def test_every_record_renders_to_its_text(strace_path: Path, load_strace: Callable[[Path], Capture]) -> None:
    capture = load_strace(strace_path)
    differ = [r.line for r in capture.records if r.render() != r.text]
    assert differ == []


def test_records_account_for_every_line(strace_path: Path, load_strace: Callable[[Path], Capture]) -> None:
    capture = load_strace(strace_path)
    covered = {n for r in capture.records for n in r.lines}
    assert covered == set(range(1, capture.line_count + 1))
    if strace_path.suffix == ".txt":
        assert capture.line_count == len(raw_lines(strace_path))
    # records come in the order of their first line
    firsts = [r.line for r in capture.records]
    assert firsts == sorted(firsts)
    assert all(r.line == r.lines[0] for r in capture.records)


def test_commands_are_known(strace_path: Path, load_strace: Callable[[Path], Capture]) -> None:
    capture = load_strace(strace_path)
    for call in capture.syscalls:
        assert type(call.command) is str
        if call.command.startswith("BPF_"):
            assert command(call.command) is not None, call.command
            continue
        # only a number strace itself could not name ("0x7f /* BPF_??? */", -e raw=bpf "0x64")
        # and which section c.1 does not know either may stay unnamed
        cmd = call.cmd.value if isinstance(call.cmd, v.Commented) else call.cmd
        assert isinstance(cmd, v.Number), (call.line, call.command)
        assert command(cmd.value) is None, (call.line, call.command)
        assert call.command == cmd.text
        if isinstance(call.cmd, v.Commented):
            assert call.cmd.comment == "BPF_???"


def test_syscall_count_matches_bpf_lines(strace_path: Path, load_strace: Callable[[Path], Capture]) -> None:
    """One Syscall per line with a ``bpf(`` call head; one stitched Syscall per resumed line."""
    if strace_path.suffix != ".txt" and not strace_path.name.startswith("v6.1_threads_ff."):
        pytest.skip("counted on plain text captures")
    lines = [SGR.sub("", line) for line in raw_lines(strace_path)]
    heads = sum(1 for line in lines if BPF_HEAD.search(line))
    resumed = sum(1 for line in lines if "<... bpf resumed>" in line)
    capture = load_strace(strace_path)
    assert len(capture.syscalls) == heads
    stitched = [
        c for c in capture.syscalls if len(c.lines) > 1 and any("<... bpf resumed>" in p for p in c.parts)
    ]
    orphans = [r for r in capture.records if type(r).__name__ == "Resumed" and r.name == "bpf"]
    assert len(stitched) + len(orphans) == resumed


# ---------------------------------------------------------------------------------- fixed counts

# numbers read off the files by hand / from corpus/README.md ("each file has the same 35 lines")
XDP_FLAG_SETS = ("plain", "f", "tt-T", "y", "X-verbose", "X-raw", "v", "s1024")


@pytest.mark.parametrize("flags", XDP_FLAG_SETS)
def test_xdp_family_counts(flags: str, corpus: Callable[[str], Capture]) -> None:
    capture = corpus(f"bpftool-prog-load-xdp_{flags}.txt")
    assert capture.line_count == 35
    assert len(capture.records) == 35
    assert len(capture.syscalls) == 34  # every line but the final "+++ exited with 0 +++"
    commands = [c.command for c in capture.syscalls]
    assert commands.count("BPF_MAP_CREATE") == 10  # 7 of the object + libbpf's 3 probe maps
    assert commands.count("BPF_BTF_LOAD") == 9
    assert commands[-1] == "BPF_OBJ_PIN"
    assert type(capture.records[-1]).__name__ == "Exit"


def test_stitched_counts(corpus: Callable[[str], Capture], corpus_path: Callable[[str], Path]) -> None:
    for name in ("ctypes-loader-threads_f-o.txt", "ctypes-loader-threads_f-stderr.txt"):
        lines = raw_lines(corpus_path(name))
        capture = corpus(name)
        unfinished = sum(1 for line in lines if line.endswith(UNFINISHED) and BPF_HEAD.search(line))
        resumed = sum(1 for line in lines if "<... bpf resumed>" in line)
        assert unfinished == resumed > 0  # the capture has no half without its other half
        assert sum(1 for c in capture.syscalls if len(c.lines) == 2) == resumed
        assert len(capture.syscalls) == sum(1 for line in lines if BPF_HEAD.search(line))


# ---------------------------------------------------------------------------------- stitching

STITCHED_CORPUS = ("ctypes-loader-threads_f-o.txt", "ctypes-loader-threads_f-stderr.txt")
STITCHED_SAMPLES = ("v6.1_threads_exit-decoded-unfinished.txt", "v7.2_threads_exit-decoded-unfinished_f.txt")


def check_stitched(capture: Capture, lines: list[str]) -> int:
    calls = [r for r in capture.records if isinstance(r, (Syscall, OtherSyscall)) and len(r.lines) > 1]
    for call in calls:
        assert len(call.parts) == len(call.lines) == 2
        first, later = call.parts
        assert first.endswith(UNFINISHED)
        assert "resumed>" in later
        assert call.text == first[: -len(UNFINISHED)] + later.split("resumed>", 1)[1]
        # the parts are the physical lines they claim to be
        assert [lines[n - 1] for n in call.lines] == list(call.parts)
        assert call.lines[0] < call.lines[1]
    return len(calls)


@pytest.mark.parametrize("name", STITCHED_CORPUS)
def test_stitched_calls_corpus(
    name: str, corpus: Callable[[str], Capture], corpus_path: Callable[[str], Path]
) -> None:
    assert check_stitched(corpus(name), raw_lines(corpus_path(name))) > 0


@pytest.mark.parametrize("name", STITCHED_SAMPLES)
def test_stitched_calls_samples(
    name: str, sample: Callable[[str], Capture], sample_path: Callable[[str], Path]
) -> None:
    assert check_stitched(sample(name), raw_lines(sample_path(name))) > 0


def test_split_inside_struct_is_one_attr(sample: Callable[[str], Capture]) -> None:
    """``next_id=0 <unfinished ...>`` + ``<... bpf resumed> => 25}, 8)`` is one ``next_id=0 => 25``."""
    capture = sample("v6.1_threads_exit-decoded-unfinished.txt")
    splits = [c for c in capture.syscalls if c.command == "BPF_MAP_GET_NEXT_ID" and len(c.lines) == 2]
    assert splits
    for call in splits:
        next_id = call.get("next_id")
        assert isinstance(next_id, v.Changed)
        assert isinstance(next_id.after, v.Number)
        assert call.result is not None and call.size_value == 8


# ---------------------------------------------------------------------------------- flag sets


def semantic(call: Syscall) -> dict[str, Typed]:
    fields = call.fields
    if fields is None:
        return {}
    return {
        path: typed
        for path, (typed, spec) in flat_attrs(call.command, fields).items()
        if spec is not None and spec.category is Category.SEMANTIC
    }


def comparable(value: Typed) -> Typed:
    # A semantic field printed as a bare address (insns without -v, an undecoded info
    # buffer) carries only NULL vs non-NULL: the address is new on every run (spec d.1).
    if isinstance(value, Pointer):
        return Pointer(None if value.is_null else 1)
    return value


def same_bytes(a: Typed, b: Typed) -> bool:
    # A string cut at -s N (trailing "...") is a prefix of the same string printed longer.
    if isinstance(a, Bytes) and isinstance(b, Bytes) and (a.truncated or b.truncated):
        short, long = (a, b) if len(a.value) <= len(b.value) else (b, a)
        return short.truncated and long.value.startswith(short.value)
    return False


def compare_runs(base: Capture, other: Capture, verbose: bool = False) -> int:
    assert [c.command for c in other.syscalls] == [c.command for c in base.syscalls]
    compared = 0
    for x, y in zip(base.syscalls, other.syscalls, strict=True):
        assert x.result is not None and y.result is not None
        if x.command != "BPF_MAP_GET_NEXT_KEY":
            # (a GET_NEXT_KEY walk over a hash map ends where that run's hash order says)
            assert (x.result.errno, x.result.failed) == (y.result.errno, y.result.failed), x.line
        assert type(x.attr) is type(y.attr), x.line
        sx, sy = semantic(x), semantic(y)
        if verbose:
            # -v prints insns as an instruction array where the others print an address:
            # compare its length with insn_cnt (ld_imm64 counts as two, as printed) instead.
            for s in (sx, sy):
                insns = s.pop("insns", None)
                if isinstance(insns, Insns):
                    assert len(insns.insns) == s["insn_cnt"], x.line
            # -v decodes the bpf_prog_info / bpf_map_info that the others print as an
            # address: those members exist on one side only.
            for s in (sx, sy):
                for path in [p for p in s if p == "info.info" or p.startswith("info.info.")]:
                    del s[path]
        assert sx.keys() == sy.keys(), x.line
        for path in sx:
            a, b = comparable(sx[path]), comparable(sy[path])
            assert a == b or same_bytes(a, b), (x.line, path, a, b)
            compared += 1
    return compared


@pytest.mark.parametrize("flags", [f for f in XDP_FLAG_SETS if f != "plain"])
def test_xdp_flag_sets_agree(flags: str, corpus: Callable[[str], Capture]) -> None:
    base = corpus("bpftool-prog-load-xdp_plain.txt")
    other = corpus(f"bpftool-prog-load-xdp_{flags}.txt")
    assert compare_runs(base, other, verbose=flags == "v") > 200


@pytest.mark.parametrize("suffix", ["_X-raw", "_X-verbose", "_xx", "_yy", "_v", "_s1024"])
def test_ctypes_all_commands_flag_sets_agree(suffix: str, sample: Callable[[str], Capture]) -> None:
    base = sample("v6.1_ctypes-all-commands.txt")
    other = sample(f"v6.1_ctypes-all-commands{suffix}.txt")
    assert compare_runs(base, other, verbose=suffix == "_v") > 200


def test_flag_sets_really_differ_in_spelling(corpus: Callable[[str], Capture]) -> None:
    """The agreement above is not vacuous: the texts of the same call differ."""
    plain, raw, verbose = (
        corpus(f"bpftool-prog-load-xdp_{f}.txt").syscalls[28] for f in ("plain", "X-raw", "X-verbose")
    )  # line 29 of each file: the XDP program's load
    assert plain.command == raw.command == verbose.command == "BPF_PROG_LOAD"
    assert len({plain.text, raw.text, verbose.text}) == 3
    assert "prog_type=BPF_PROG_TYPE_XDP" in plain.text
    assert "prog_type=0x6," in raw.text
    assert semantic(plain)["prog_type"] == semantic(raw)["prog_type"] == "BPF_PROG_TYPE_XDP"
