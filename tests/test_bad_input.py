"""Input that is damaged, odd or not a log at all: records or a clear error, never a crash."""

from __future__ import annotations

import gzip
import io
import lzma
import random
from collections.abc import Callable
from pathlib import Path

import pytest

import bpflogs
from bpflogs import CallEnd, Capture, InputError, ParseError, Syscall, Unparsed
from bpflogs.errors import NothingToCompare

Load = Callable[[str], Capture]
GOOD = b"bpf(BPF_MAP_FREEZE, {map_fd=5}, 4) = 0\n"
MiB = 1024 * 1024


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def raw_bytes(capture: Capture) -> list[bytes]:
    return [r.render().encode("utf-8", "surrogateescape") for r in capture.records]


# ---------------------------------------------------------------------------------- odd bytes


def test_non_utf8_bytes_survive(tmp_path: Path) -> None:
    inside_string = b'bpf(BPF_OBJ_GET, {pathname="/sys/fs/bpf/\xff\xfe", bpf_fd=0, file_flags=0}, 16) = 3'
    foreign = b"junk \xc3\x28 from the program"
    capture = bpflogs.parse_file(write(tmp_path, "latin.txt", GOOD + inside_string + b"\n" + foreign + b"\n"))
    assert len(capture.records) == 3
    call, junk = capture.records[1], capture.records[2]
    assert isinstance(call, Syscall)
    pathname = call.get("pathname")
    assert pathname is not None and pathname.value == b"/sys/fs/bpf/\xff\xfe"  # type: ignore[union-attr]
    assert isinstance(junk, Unparsed)
    assert raw_bytes(capture) == [GOOD.rstrip(b"\n"), inside_string, foreign]


def test_nul_bytes_in_a_line(tmp_path: Path) -> None:
    data = GOOD + b"bpf(BPF_MAP_FREEZE, {map_fd=5\x00}, 4) = 0\n" + b"\x00\x00\x00\n" + GOOD
    capture = bpflogs.parse_file(write(tmp_path, "nul.txt", data))
    assert [type(r) for r in capture.records] == [Syscall, Unparsed, Unparsed, Syscall]
    assert capture.records[1].text == "bpf(BPF_MAP_FREEZE, {map_fd=5\x00}, 4) = 0"
    assert capture.records[1].column == len("bpf(BPF_MAP_FREEZE, {map_fd=5") + 1  # type: ignore[union-attr]
    assert b"".join(b + b"\n" for b in raw_bytes(capture)) == data


def test_crlf_is_read_as_lf(tmp_path: Path, corpus_path: Callable[[str], Path], corpus: Load) -> None:
    data = corpus_path("bpftool-prog-load-xdp_y.txt").read_bytes()
    crlf = bpflogs.parse_file(write(tmp_path, "crlf.txt", data.replace(b"\n", b"\r\n")))
    plain = corpus("bpftool-prog-load-xdp_y.txt")
    assert crlf.records == plain.records
    assert not any("\r" in r.text for r in crlf.records)
    # the object table does not care either
    assert [o.label for o in crlf.objects.objects] == [o.label for o in plain.objects.objects]


def test_last_line_cut_mid_struct(tmp_path: Path, corpus_path: Callable[[str], Path]) -> None:
    lines = corpus_path("bpftool-prog-load-xdp_plain.txt").read_bytes().splitlines(keepends=True)
    last = lines[20]
    cut = last[: last.index(b"key_size=") + len(b"key_size=4, val")]  # no newline at the end either
    capture = bpflogs.parse_file(write(tmp_path, "cut.txt", b"".join(lines[:20]) + cut))
    assert capture.line_count == 21 and len(capture.records) == 21
    tail = capture.records[-1]
    assert tail.text == cut.decode() and tail.render() == tail.text
    if isinstance(tail, Syscall):
        assert tail.end is CallEnd.UNFINISHED and tail.result is None
    else:
        assert isinstance(tail, Unparsed) and tail.line == 21
    assert all(isinstance(r, Syscall) for r in capture.records[:20])


def test_empty_file(tmp_path: Path) -> None:
    capture = bpflogs.parse_file(write(tmp_path, "empty.txt", b""))
    assert (capture.records, capture.syscalls, capture.line_count) == ((), (), 0)
    assert bpflogs.parse_text("").records == ()


# ---------------------------------------------------------------------------------- not a log


def test_binary_file(tmp_path: Path) -> None:
    rng = random.Random(1)
    elf = b"\x7fELF\x02\x01\x01\x00" + bytes(rng.randrange(256) for _ in range(8192))
    path = write(tmp_path, "a.out", elf)
    with pytest.raises(InputError) as exc:
        bpflogs.parse_file(path)
    assert exc.value.path == str(path)
    assert str(path) in str(exc.value) and "ELF" in str(exc.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    with pytest.raises(InputError) as exc:
        bpflogs.parse_file(path)
    assert exc.value.path == str(path) and str(path) in str(exc.value)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        bpflogs.parse_file(tmp_path)
    assert exc.value.path == str(tmp_path)


@pytest.mark.slow
def test_fifty_megabyte_line(tmp_path: Path) -> None:
    """A -s huge verifier log on one line: parsed (or Unparsed), never an exception."""
    unit = b"0: R1=ctx() R10=fp0\\n"
    log = unit * (50 * MiB // len(unit) + 1)
    big = (
        b'bpf(BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_XDP, insn_cnt=2, insns=0x7ffe565f9970, license="GPL", '
        b'log_level=1, log_size=16777215, log_buf="' + log + b'"}, 128) = -1 EACCES (Permission denied)\n'
    )
    assert len(big) > 50 * MiB
    path = write(tmp_path, "big.txt", GOOD + big + GOOD)
    capture = bpflogs.parse_file(path)
    assert capture.line_count == 3 and [r.line for r in capture.records] == [1, 2, 3]
    record = capture.records[1]
    assert len(record.text) == len(big) - 1
    if isinstance(record, Syscall):
        assert record.result is not None and record.result.errno == "EACCES"
        log_buf = record.get("log_buf")
        assert log_buf is not None and log_buf.value.startswith(b"0: R1=ctx() R10=fp0\n")  # type: ignore[union-attr]
    else:
        assert isinstance(record, Unparsed)
    del capture, record

    with pytest.raises(InputError) as exc:
        bpflogs.parse_file(path, max_line=MiB)
    assert (exc.value.path, exc.value.line) == (str(path), 2)
    assert f"{path}:2" in str(exc.value)


# ---------------------------------------------------------------------------------- compression


@pytest.mark.parametrize(("suffix", "compress"), [(".gz", gzip.compress), (".xz", lzma.compress)])
def test_compressed_capture(
    suffix: str,
    compress: Callable[[bytes], bytes],
    tmp_path: Path,
    corpus_path: Callable[[str], Path],
    corpus: Load,
) -> None:
    data = corpus_path("bpftool-prog-load-xdp_y.txt").read_bytes()
    packed = bpflogs.parse_file(write(tmp_path, "capture.txt" + suffix, compress(data)))
    plain = corpus("bpftool-prog-load-xdp_y.txt")
    assert [(type(r), r.lines, r.text) for r in packed.records] == [
        (type(r), r.lines, r.text) for r in plain.records
    ]
    assert packed.syscalls == plain.syscalls
    # recognised by content, not by name
    unnamed = bpflogs.parse_file(io.BytesIO(compress(data)))
    assert len(unnamed.syscalls) == len(plain.syscalls)


@pytest.mark.parametrize(("suffix", "compress"), [(".gz", gzip.compress), (".xz", lzma.compress)])
@pytest.mark.parametrize("keep", [0.5, 0.95])
def test_truncated_compressed_capture(
    suffix: str,
    compress: Callable[[bytes], bytes],
    keep: float,
    tmp_path: Path,
    corpus_path: Callable[[str], Path],
) -> None:
    # a capture big enough that the damage is found while reading lines, not only when opening
    data = corpus_path("bpftool-prog-loadall-tracing_tt-T.txt").read_bytes() * 20
    packed = compress(data)
    path = write(tmp_path, "cut.txt" + suffix, packed[: int(len(packed) * keep)])
    with pytest.raises(InputError) as exc:
        bpflogs.parse_file(path)
    assert exc.value.path == str(path) and "truncated" in str(exc.value)
    # the line named is where the damage is: every line before it could be read
    readable = packed[: int(len(packed) * keep)]
    raw = io.BytesIO(readable)
    got = b""
    with gzip.GzipFile(fileobj=raw) if suffix == ".gz" else lzma.LZMAFile(raw) as stream:
        try:
            while chunk := stream.read1(4096):
                got += chunk
        except (EOFError, lzma.LZMAError):
            pass
    assert exc.value.line == got.count(b"\n") + 1


# ---------------------------------------------------------------------------------- strict mode


def test_strict_mode_names_line_and_column(tmp_path: Path) -> None:
    bad = b"bpf(BPF_MAP_FREEZE, {map_fd=5]}, 4) = 0\n"
    path = write(tmp_path, "bad.txt", GOOD + GOOD + bad + GOOD)
    lenient = bpflogs.parse_file(path)
    assert [u.line for u in lenient.unparsed] == [3]
    with pytest.raises(ParseError) as exc:
        bpflogs.parse_file(path, strict=True)
    err = exc.value
    assert (err.path, err.line, err.column) == (str(path), 3, bad.index(b"]") + 1)
    assert err.text == bad.decode().rstrip("\n")
    assert str(err).startswith(f"{path}:3:{err.column}: ")
    with pytest.raises(ParseError) as exc2:
        bpflogs.parse_text(bad.decode(), strict=True)
    assert (exc2.value.line, exc2.value.column) == (1, err.column)


def test_strict_mode_accepts_a_clean_capture(corpus_path: Callable[[str], Path]) -> None:
    capture = bpflogs.parse_file(corpus_path("ctypes-loader-threads_f-stderr.txt"), strict=True)
    assert capture.unparsed == () and capture.syscalls


def test_unparsed_joined_call_keeps_its_original_lines() -> None:
    capture = bpflogs.parse_text(
        "12 bpf(BPF_MAP_FREEZE, {map_fd=5 <unfinished ...>\n12 <... bpf resumed> garbage) = 0\n"
    )
    (bad,) = capture.unparsed
    assert bad.lines == (1, 2)
    assert bad.parts == (
        "12 bpf(BPF_MAP_FREEZE, {map_fd=5 <unfinished ...>",
        "12 <... bpf resumed> garbage) = 0",
    )


# --- what the fuzz suite found (tests/fuzz): each line is kept, renders back, diffs equal to itself


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bpf(BPF_MAP_CREATE, " + "{a=" * 300 + "1" + "}" * 300 + ", 4) = 0", "nested too deeply"),
        ("bpf(BPF_MAP_CREATE, " + "[" * 10000 + "1" + "]" * 10000 + ", 4) = 0", "nested too deeply"),
        ("bpf(BPF_MAP_CREATE, " + "1 => " * 10000 + "1, 4) = 0", "nested too deeply"),
        ("bpf(BPF_MAP_CREATE, " + "F(" * 10000 + "1" + ")" * 10000 + ", 4) = 0", "nested too deeply"),
        ("bpf(BPF_MAP_CREATE, " + "1 or " * 10000 + "1, 4) = 0", "nested too deeply"),
        ("bpf(BPF_MAP_FREEZE, {map_fd=5}, 4) = " + "9" * 5000, "a number too long"),
        ("bpf(BPF_MAP_CREATE, {key_size=" + "9" * 5000 + "}, 4) = 0", "a number too long"),
        ("0: (b7) r1 = " + "9" * 5000, "a number too long"),
        ("9" * 5000 + ": (b7) r1 = 1", "a number too long"),
        ("0: (18) r1 = 0x" + "f" * 5000, "a number too long"),  # hex has no digit limit in int()
        ("bpf(BPF_MAP_CREATE, {key_size=0x" + "f" * 100000 + "}, 4) = 0", "a number too long"),
        ("007: (b7) r1 = 1", "not a line"),  # bpftool prints no leading zeros: it would not render back
    ],
)
def test_hostile_lines_are_unparsed_not_raised(text: str, message: str) -> None:
    capture = bpflogs.parse_text(text + "\n")
    (record,) = capture.records
    assert isinstance(record, Unparsed) and message in record.message
    assert record.render() == text
    with pytest.raises(NothingToCompare):  # nothing but a line that does not parse
        bpflogs.diff(capture, capture)
    capture = bpflogs.parse_text(text + "\n+++ exited with 0 +++\n")
    assert bpflogs.diff(capture, capture).equal


def test_moderate_nesting_still_parses() -> None:
    text = "bpf(BPF_MAP_CREATE, " + "{a=" * 50 + "1" + "}" * 50 + ", 4) = 0"
    (record,) = bpflogs.parse_text(text + "\n").records
    assert not isinstance(record, Unparsed) and record.render() == text


@pytest.mark.parametrize(
    "text",
    [
        "; x![file:./x.bpf.c line_num:0 line_col:0]",  # no space before [file: -> source text
        "; [file:./x.bpf.c line_num:1 line_col:1]",
        ";  [file:./x.bpf.c line_num:1 line_col:1]",
    ],
)
def test_source_lines_render_back(text: str) -> None:
    (record,) = bpflogs.parse_text(text + "\n").records
    assert record.render() == text


@pytest.mark.parametrize(
    "line",
    [
        "\x1b[31m% time     seconds  usecs/call     calls    errors syscall",
        "\x1b[0m",
        "\x1b[31m[ Process PID=0 runs in 64 bit mode. ]",
        "\x1b[31m > /lib/x.so(f+0x1) [0x1]",
        "\x1b[31mstrace: Process 1 attached",
        "\x1b[31m--- SIGCHLD {si_signo=SIGCHLD} ---",
        "\x1b[31m+++ exited with 0 +++",
        "\x1b[31m<... bpf resumed>) = 0",
    ],
)
def test_coloured_lines_keep_the_line_as_read(line: str) -> None:
    (record,) = bpflogs.parse_text(line + "\n").records
    assert record.parts == (line,)
    assert "\x1b" not in record.text


@pytest.mark.parametrize("dump", ["   0: (05) goto pc+0\n", "   0: (05) goto pc+5\n   1: (95) exit\n"])
def test_a_damaged_dump_diffs_equal_to_itself(dump: str) -> None:
    capture = bpflogs.parse_text(dump)
    assert bpflogs.diff(capture, capture).equal
