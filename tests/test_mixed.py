"""Captures holding strace output and xlated dumps (text and JSON), and inputs that are refused.

Captures are built in tmp_path by concatenating real files, as ``cat log dump1 dump2``
would; what each part must give is read from that part parsed alone.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from paths import REPO, samples_or_skip

import bpflogs
from bpflogs import Blank, Capture, InputError, Unparsed
from bpflogs.model.insn import FunctionHeader, InsnLine, Program, ProgramHeader

# ---------------------------------------------------------------------------------- inputs

XLATED = "xlated"  # folders of the shared samples
STRACE = "strace"
STRACE_SAMPLE = "v6.1_bpftool-prog-dump-xlated_v-s256.txt"


def sample(folder: str, name: str) -> Path:
    return samples_or_skip(folder, name)


def xl(name: str) -> Path:
    return sample(XLATED, name)


def read(path: Path) -> str:
    text = path.read_text()
    assert text.endswith("\n")
    return text


def check_lossless(capture: Capture) -> None:
    """Every line in exactly one record, each rendering back to its text."""
    lines = sorted(n for record in capture.records for n in record.lines)
    assert lines == list(range(1, capture.line_count + 1))
    for record in capture.records:
        assert record.render() == record.text, record


def same_programs(a: Program, b: Program) -> None:
    assert a.name == b.name
    assert a.instructions == b.instructions
    assert [(f.name, f.start) for f in a.functions] == [(f.name, f.start) for f in b.functions]
    assert [(s, x.source) for s, x in a.sources] == [(s, x.source) for s, x in b.sources]


def run_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bpflogs", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# ---------------------------------------------------------------------------------- strace + dumps


@pytest.fixture
def mixed(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """The mixed capture, and the first line of each of its parts."""
    parts = [
        ("strace", read(sample(STRACE, STRACE_SAMPLE))),
        ("comment", "# dumps of the program loaded above\n"),
        ("command1", "$ bpftool prog dump xlated pinned /sys/fs/bpf/x\n"),
        ("plain", read(xl("alu.plain.bpftool-7.8.txt"))),
        ("blank", "\n"),
        ("command2", "$ bpftool -j prog dump xlated name calls_prog\n"),
        ("json", read(xl("calls.json.bpftool-7.8.json"))),
        ("pretty", read(xl("calls.pretty.bpftool-7.8.json"))),
        ("multi", read(xl("ldabs.multi-by-name.bpftool-7.8.txt"))),
    ]
    starts: dict[str, int] = {}
    line = 1
    for name, text in parts:
        starts[name] = line
        line += text.count("\n")
    starts["end"] = line
    path = tmp_path / "mixed.txt"
    path.write_text("".join(text for _, text in parts))
    return path, starts


def test_mixed_capture(mixed: tuple[Path, dict[str, int]]) -> None:
    path, starts = mixed
    capture = bpflogs.parse_file(path)
    assert capture.kind == "mixed"
    assert capture.line_count == starts["end"] - 1
    check_lossless(capture)
    assert capture.unparsed == ()

    alone = bpflogs.parse_file(sample(STRACE, STRACE_SAMPLE))
    assert alone.kind == "strace" and alone.syscalls
    assert [c.text for c in capture.syscalls] == [c.text for c in alone.syscalls]
    assert [c.line for c in capture.syscalls] == [c.line for c in alone.syscalls]

    names = [(p.name, p.origin) for p in capture.programs]
    assert names == [
        ("x", "text"),  # named by "pinned /sys/fs/bpf/x"
        ("calls_prog", "json"),
        ("calls_prog", "json"),
        ("ldabs_prog", "text"),
        ("ldabs_prog", "text"),
    ]
    plain, one_line, pretty, multi1, multi2 = capture.programs
    assert plain.line == starts["plain"]
    assert one_line.line == starts["json"] and pretty.line == starts["pretty"]
    assert multi1.line == starts["multi"]
    assert (multi1.id, multi2.id) == (3059, 3427)

    alu = bpflogs.parse_file(xl("alu.plain.bpftool-7.8.txt")).programs[0]
    assert plain.instructions == alu.instructions
    assert [(f.name, f.start) for f in plain.functions] == [(f.name, f.start) for f in alu.functions]
    calls = bpflogs.parse_file(xl("calls.json.bpftool-7.8.json")).programs[0]
    same_programs(one_line, calls)
    same_programs(pretty, calls)
    for got, want in zip(
        (multi1, multi2), bpflogs.parse_file(xl("ldabs.multi-by-name.bpftool-7.8.txt")).programs, strict=True
    ):
        same_programs(got, want)
        assert (got.id, got.type, got.tag) == (want.id, want.type, want.tag)

    by_line = {r.line: r for r in capture.records}
    assert type(by_line[starts["comment"]]).__name__ == "Comment"
    assert type(by_line[starts["command1"]]).__name__ == "Command"
    assert type(by_line[starts["command2"]]).__name__ == "Command"
    assert isinstance(by_line[starts["blank"]], Blank)
    assert isinstance(by_line[starts["plain"]], FunctionHeader)
    assert isinstance(by_line[starts["plain"] + 2], InsnLine)
    assert isinstance(by_line[starts["multi"]], ProgramHeader)
    for n in range(starts["json"], starts["multi"]):
        assert type(by_line[n]).__name__ == "JsonLine", by_line[n]


def test_mixed_capture_through_the_cli(mixed: tuple[Path, dict[str, int]]) -> None:
    path, _ = mixed
    done = run_cli("parse", "--json", str(path))
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    (file,) = doc["files"]
    assert file["kind"] == "mixed"
    assert [p["name"] for p in file["programs"]] == [
        "x",
        "calls_prog",
        "calls_prog",
        "ldabs_prog",
        "ldabs_prog",
    ]
    assert file["unparsed_lines"] == []
    assert [r["line"] for r in file["records"]] == list(range(1, file["lines"] + 1))


def test_two_plain_dumps_without_separator(tmp_path: Path) -> None:
    first, second = xl("alu.plain.bpftool-7.8.txt"), xl("calls.plain.bpftool-7.8.txt")
    path = tmp_path / "two.txt"
    path.write_text(read(first) + read(second))
    capture = bpflogs.parse_file(path)
    check_lossless(capture)
    assert capture.unparsed == () and capture.kind == "xlated"
    a, b = capture.programs  # the slot numbering starts again at 0: a new program
    want_a = bpflogs.parse_file(first).programs[0]
    want_b = bpflogs.parse_file(second).programs[0]
    same_programs(a, want_a)
    same_programs(b, want_b)
    # the second program starts at its function header, which is its, not the first one's
    assert a.line == 1
    assert b.line == len(read(first).splitlines()) + 1
    assert b.functions[0].signature == "int calls_prog(struct __sk_buff * skb)"
    slot, source = b.sources[0]
    assert (slot, source.source) == (0, want_b.sources[0][1].source)
    assert source.line == b.line + 1  # the line after the header


def test_two_plain_dumps_without_btf(tmp_path: Path) -> None:
    one = read(xl("alu_v1_nobtf.plain.bpftool-7.8.txt"))
    capture = bpflogs.parse_text(one + one)
    check_lossless(capture)
    a, b = capture.programs
    assert a.instructions == b.instructions
    assert b.line == len(one.splitlines()) + 1


def test_dump_after_strace_without_command(tmp_path: Path) -> None:
    text = read(sample(STRACE, STRACE_SAMPLE)) + read(xl("calls.plain.bpftool-7.8.txt"))
    capture = bpflogs.parse_text(text)
    assert capture.kind == "mixed"
    check_lossless(capture)
    assert capture.unparsed == ()
    assert [p.name for p in capture.programs] == ["calls_prog"]


def test_strace_sample_and_its_bpftool_stdout(tmp_path: Path) -> None:
    """The companion of an strace capture is the dump bpftool printed while being traced."""
    log = sample(STRACE, STRACE_SAMPLE)
    out = sample(STRACE, STRACE_SAMPLE.replace(".txt", ".bpftool-stdout.txt"))
    dump = bpflogs.parse_file(out)
    assert dump.kind == "xlated"
    (prog,) = dump.programs
    assert prog.name == "xdp_counter"
    # the traced BPF_OBJ_GET_INFO_BY_FD reports the size of the xlated program
    found = re.search(r"xlated_prog_len=(?:\d+ => )?([1-9]\d*)", log.read_text())
    assert found and int(found.group(1)) == prog.slots * 8
    both = bpflogs.parse_text(read(log) + read(out))
    assert both.kind == "mixed" and len(both.programs) == 1


# ---------------------------------------------------------------------------------- refused inputs


@pytest.mark.parametrize("name", ["calls.visual.bpftool-7.8.dot", "alu_v1_nobtf.visual.bpftool-7.8.dot"])
def test_dot_is_refused(name: str) -> None:
    path = xl(name)
    with pytest.raises(InputError) as exc:
        bpflogs.parse_file(path)
    message = str(exc.value)
    assert "\n" not in message
    assert "DOT" in message or "visual" in message
    assert exc.value.line == 1


def test_dot_after_other_lines_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "capture.txt"
    path.write_text(
        "$ bpftool prog dump xlated pinned /sys/fs/bpf/x visual\n" + read(xl("calls.visual.bpftool-7.1.dot"))
    )
    with pytest.raises(InputError) as exc:
        bpflogs.parse_file(path)
    assert exc.value.line == 2


def test_dot_through_the_cli() -> None:
    path = xl("calls.visual.bpftool-7.8.dot")
    done = run_cli("parse", str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("bpflogs: ") and str(path) in lines[0]
    assert "DOT" in lines[0] or "visual" in lines[0]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "text",
    [
        '{"error":"get by id (999999): No such file or directory"}\n',
        '{\n    "error": "can\'t get prog by id (999999): No such file or directory"\n}\n',
    ],
)
def test_json_error_document_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "error.json"
    path.write_text(text)
    with pytest.raises(InputError) as exc:
        bpflogs.parse_file(path)
    assert "No such file or directory" in str(exc.value)
    with pytest.raises(InputError):
        bpflogs.parse_text(text)
    done = run_cli("parse", str(path))
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_pretty_json(tmp_path: Path, keep: float) -> None:
    """A cut JSON dump is no dump: no exception and no program; every line stays, unparsed."""
    lines = read(xl("calls.pretty.bpftool-7.8.json")).splitlines(keepends=True)
    cut = lines[: int(len(lines) * keep)]
    path = tmp_path / "cut.json"
    path.write_text("".join(cut))
    capture = bpflogs.parse_file(path)
    check_lossless(capture)
    assert capture.line_count == len(cut)
    assert capture.programs == ()
    assert capture.unparsed
    assert all(isinstance(r, Unparsed) or not r.text.strip() for r in capture.records)


def test_truncated_pretty_json_after_a_good_dump(tmp_path: Path) -> None:
    good = read(xl("calls.plain.bpftool-7.8.txt"))
    cut = "".join(read(xl("calls.pretty.bpftool-7.8.json")).splitlines(keepends=True)[:40])
    capture = bpflogs.parse_text(good + cut)
    check_lossless(capture)
    assert [p.name for p in capture.programs] == ["calls_prog"]
    assert {u.line for u in capture.unparsed} == set(
        range(len(good.splitlines()) + 1, capture.line_count + 1)
    )


# ---------------------------------------------------------------------------------- the command line on dumps


def test_cli_json_instructions() -> None:
    path = xl("calls.plain.bpftool-7.8.txt")
    done = run_cli("parse", "--json", str(path))
    assert done.returncode == 0 and done.stderr == ""
    (file,) = json.loads(done.stdout)["files"]
    assert file["kind"] == "xlated"
    (prog,) = file["programs"]
    assert prog["name"] == "calls_prog"
    want = bpflogs.parse_file(path).programs[0]
    insns = prog["instructions"]
    assert [i["slot"] for i in insns] == [i.slot for i in want.instructions]
    assert [i["op"] for i in insns] == [i.op for i in want.instructions]
    assert [i.get("target") for i in insns] == [i.target for i in want.instructions]
    by_slot = {i["slot"]: i for i in insns}
    # a pseudo-call and a callback address, with absolute targets
    call = next(i for i in insns if i.get("call", {}).get("kind") == "subprog")
    assert call["op"] == "call" and call["target"] in by_slot
    assert any(i["op"] == "ld_imm64" and "target" in i for i in insns)
    assert [(f["name"], f["start"], f["insns"]) for f in prog["functions"]] == [
        (f.name, f.start, len(f.instructions)) for f in want.functions
    ]


def test_cli_text_names_functions_with_counts() -> None:
    path = xl("calls.plain.bpftool-7.8.txt")
    done = run_cli("parse", str(path))
    assert done.returncode == 0 and done.stderr == ""
    prog = bpflogs.parse_file(path).programs[0]
    assert "calls_prog" in done.stdout
    for function in prog.functions:
        row = rf"^\s*{function.name}\s+{function.start}\s+{len(function.instructions)}\b"
        assert re.search(row, done.stdout, re.M), (function.name, done.stdout)


def test_cli_text_reports_flagged_instructions() -> None:
    done = run_cli("parse", str(xl("v4.plain.bpftool-7.1.txt")))
    assert done.returncode == 0
    assert "flagged" in done.stdout and "BUG_" in done.stdout


def test_a_command_line_names_only_the_dump_right_after_it(tmp_path: Path) -> None:
    path = tmp_path / "named.txt"
    path.write_text(
        "$ bpftool -j prog dump xlated name renamed\n"
        + read(xl("calls.json.bpftool-7.8.json"))
        + read(xl("alu.plain.bpftool-7.8.txt"))
    )
    capture = bpflogs.parse_file(path)
    check_lossless(capture)
    assert [p.name for p in capture.programs] == ["renamed", "alu_prog"]
