"""Hostile input at the command line: limits with one clear line, and text from a log that
never drives the terminal or the document it is shown in. Assertions are on the exact bytes."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers import bpflogs_cli
from paths import REPO
from rich.console import Console

import bpflogs
from bpflogs import Unparsed
from bpflogs.compare import ViewOptions
from bpflogs.render.diff_rich import print_rich

# a map name holding rich markup, an OSC hyperlink, a pipe, backticks, HTML and a bidi override,
# as strace prints it (octal escapes); and a foreign line with the same, raw
HOSTILE_NAME = r'"[red]x\33]8;;http://e\7|`<b>`\342\200\256"'
CALL = (
    "bpf(BPF_MAP_CREATE, {map_type=BPF_MAP_TYPE_HASH, key_size=4, value_size=8, max_entries=%d, "
    "map_name=%s}, 72) = 3"
)
FOREIGN = b"\x1b]0;pwned\x07junk [bold]line\xe2\x80\xae|`<i>\xff\n"
SHOWN_NAME = r"[red]x\x1b]8;;http://e\x07|`<b>`\u202e"


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes((CALL % (64, HOSTILE_NAME)).encode() + b"\n" + FOREIGN)
    b.write_bytes((CALL % (65, HOSTILE_NAME)).encode() + b"\n")
    return a, b


# ------------------------------------------------------------------------- terminal and documents


def test_diff_text_shows_log_text_inert(hostile: tuple[Path, Path]) -> None:
    a, b = hostile
    run = bpflogs_cli("diff", "--format", "text", str(a), str(b))
    assert run.returncode == 1 and run.stderr == b""
    changed = f"  changed BPF_MAP_CREATE map:{SHOWN_NAME}  (a line 1, b line 1)\n    max_entries: 64 -> 65\n"
    assert changed.encode() in run.stdout
    assert b"\x1b" not in run.stdout and "\u202e".encode() not in run.stdout


def test_diff_markdown_escapes_pipes_backticks_and_html(hostile: tuple[Path, Path]) -> None:
    a, b = hostile
    run = bpflogs_cli("diff", "--format", "markdown", str(a), str(b))
    assert run.returncode == 1
    row = (
        r"| changed | BPF\_MAP\_CREATE map:\[red\]x\\x1b\]8;;http://e\\x07\|\`&lt;b&gt;\`\\u202e"
        r"<br>a line 1, b line 1 | max\_entries | 64 | 65 |" + "\n"
    )
    assert row.encode() in run.stdout
    assert b"<b>" not in run.stdout and b"\x1b" not in run.stdout


def test_diff_rich_on_a_terminal_styles_but_never_passes_log_escapes(hostile: tuple[Path, Path]) -> None:
    a, b = hostile
    result = bpflogs.diff(str(a), str(b))
    out = io.StringIO()
    console = Console(
        file=out,
        force_terminal=True,
        color_system="truecolor",
        width=200,
        highlight=False,
        emoji=False,
        markup=False,
    )
    view = ViewOptions(context=3, side_by_side=False, all_rows=False, width=200)
    print_rich(result, console, view)
    written = out.getvalue()
    # every escape written is a style of ours (SGR); the log's OSC and bidi are shown as text
    assert re.sub(r"\x1b\[[0-9;]*m", "", written).count("\x1b") == 0
    assert "\u202e" not in written and "\x07" not in written
    plain = re.sub(r"\x1b\[[0-9;]*m", "", written)
    assert f"map:{SHOWN_NAME}" in plain


def test_validate_shows_a_foreign_line_inert(hostile: tuple[Path, Path]) -> None:
    a, _ = hostile
    run = bpflogs_cli("validate", str(a))
    assert run.returncode == 1
    assert b"     2 | \\x1b]0;pwned\\x07junk [bold]line\\u202e|`<i>\\xff\n       | ^\n" in run.stdout
    assert b"\x1b" not in run.stdout


def test_parse_table_shows_log_text_inert(hostile: tuple[Path, Path]) -> None:
    a, _ = hostile
    run = bpflogs_cli("parse", str(a))
    assert run.returncode == 0
    assert f'map_name="{SHOWN_NAME}"'.encode() in run.stdout
    assert f"3 (map:{SHOWN_NAME})".encode() in run.stdout
    assert b"\x1b" not in run.stdout and "\u202e".encode() not in run.stdout


def test_parse_json_keeps_every_byte(hostile: tuple[Path, Path]) -> None:
    a, _ = hostile
    run = bpflogs_cli("parse", "--json", str(a))
    assert run.returncode == 0
    run.stdout.decode("ascii")  # written as ASCII: no raw escape or control byte reaches a terminal
    doc = json.loads(run.stdout)
    call, foreign = doc["files"][0]["records"]
    assert (
        call["attr"]["map_name"]
        == {
            "string": "[red]x\x1b]8;;http://e\x07|`<b>`\u202e",
            "truncated": False,
        }
        or call["attr"]["map_name"] == "[red]x\x1b]8;;http://e\x07|`<b>`\u202e"
    )
    # the foreign line, bytes that are not UTF-8 included, is represented, not dropped: the
    # text shows them as \xXX, text_hex holds the bytes; no lone surrogate escape is written
    assert bytes.fromhex(foreign["text_hex"]) == FOREIGN.rstrip(b"\n")
    assert "\\x" in foreign["text"]
    assert b"\\udc" not in run.stdout.replace(b"\\\\", b"")


def test_validate_and_diff_json_are_json(hostile: tuple[Path, Path]) -> None:
    a, b = hostile
    for args in (("validate", "--json", str(a)), ("diff", "--format", "json", str(a), str(b))):
        run = bpflogs_cli(*args)
        assert run.returncode == 1
        json.loads(run.stdout.decode("ascii"))


def test_error_messages_are_inert(tmp_path: Path) -> None:
    name = tmp_path / "x\x1b[2J\u202e.txt"
    run = bpflogs_cli("parse", str(name))
    assert run.returncode == 2
    assert (
        run.stderr
        == f"bpflogs: {tmp_path}/x\\x1b[2J\\u202e.txt: cannot open: No such file or directory\n".encode()
    )


# ------------------------------------------------------------------------- limits


def test_dev_zero() -> None:
    run = bpflogs_cli("parse", "/dev/zero", timeout=20)
    assert (run.returncode, run.stdout, run.stderr) == (
        2,
        b"",
        b"bpflogs: /dev/zero: not a text log: this looks like binary data\n",
    )


def _feed(stream: io.BufferedWriter | None, chunk: bytes, total: int) -> None:
    assert stream is not None
    try:
        for _ in range(total // len(chunk)):
            stream.write(chunk)
        stream.close()
    except (BrokenPipeError, OSError):
        pass  # the reader refused the line and went away: what this test wants


def test_endless_stdin_without_newlines() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpflogs", "parse", "--max-line-bytes", "1000000", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    feeder = threading.Thread(target=_feed, args=(proc.stdin, b"a" * 65536, 1 << 34), daemon=True)
    feeder.start()
    proc.wait(timeout=60)
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    assert (proc.returncode, out, err) == (
        2,
        b"",
        b"bpflogs: <stdin>:1: line is longer than 1000000 bytes (no newline found)\n",
    )


def test_fifo_without_newlines(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "wb") as f:
            _feed(f, b"bpf(" * 16384, 1 << 34)  # type: ignore[arg-type]

    threading.Thread(target=writer, daemon=True).start()
    run = bpflogs_cli("validate", "--max-line-bytes", "2000000", str(fifo))
    assert (run.returncode, run.stderr) == (
        2,
        f"bpflogs: {fifo}:1: line is longer than 2000000 bytes (no newline found)\n".encode(),
    )


@pytest.mark.parametrize(
    ("head", "what"),
    [(b"\x7fELF\x02\x01\x01\x00", "an ELF binary"), (b"\x89PNG\r\n\x1a\n", "a PNG image")],
)
def test_not_a_log(tmp_path: Path, head: bytes, what: str) -> None:
    path = tmp_path / "capture.txt"
    path.write_bytes(head + bytes(range(256)) * 8)
    for command in ("parse", "validate"):
        run = bpflogs_cli(command, str(path))
        assert (run.returncode, run.stderr) == (
            2,
            f"bpflogs: {path}: not a text log: this looks like {what}\n".encode(),
        )


def test_truncated_archive(tmp_path: Path) -> None:
    data = (REPO / "corpus/strace/bpftool-prog-loadall-tracing_tt-T.txt").read_bytes() * 20
    packed = gzip.compress(data)
    path = tmp_path / "run.txt.gz"
    path.write_bytes(packed[: len(packed) // 2])
    run = bpflogs_cli("diff", str(path), str(path))
    assert run.returncode == 2 and run.stdout == b""
    assert re.fullmatch(
        rb"bpflogs: "
        + re.escape(str(path).encode())
        + rb":\d+: compressed stream is damaged or truncated \(.*\)\n",
        run.stderr,
    ), run.stderr


def test_max_line_bytes_must_be_positive() -> None:
    run = bpflogs_cli("parse", "--max-line-bytes", "0", "-", stdin=b"")
    assert run.returncode == 2
    assert run.stderr.endswith(b"argument --max-line-bytes: must be 1 or more\n")


def _no_trouble(path: Path) -> None:
    """Every command reads the file: no traceback, nothing on stderr, the exit codes of a
    capture with lines that do not parse; a diff of lines that do not parse and nothing else
    says, in one line, that there is nothing to compare."""
    for args, status in (
        (("parse",), 0),
        (("parse", "--json"), 0),
        (("validate", "-q"), 1),
    ):
        run = bpflogs_cli(*args, str(path))
        assert (run.returncode, run.stderr) == (status, b""), run.stderr[-300:]
    run = bpflogs_cli("diff", str(path), str(path))
    assert (run.returncode, run.stdout) == (2, b"")
    assert run.stderr.startswith(f"bpflogs: {path}: nothing to compare: ".encode()), run.stderr[-300:]
    assert run.stderr.count(b"\n") == 1


def test_huge_integers(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_text(
        "bpf(BPF_MAP_FREEZE, {map_fd=5}, 4) = " + "9" * 5000 + "\n"
        "bpf(BPF_MAP_CREATE, {key_size=" + "9" * 100000 + "}, 4) = 0\n"
        "   0: (b7) r1 = " + "9" * 5000 + "\n"
    )
    capture = bpflogs.parse_file(path)
    assert [(type(r).__name__, getattr(r, "message", None)) for r in capture.records] == [
        ("Unparsed", "a number too long to read"),
        ("Unparsed", "a number too long to read"),
        ("Unparsed", "a number too long to read"),
    ]
    assert all(r.render() == r.text for r in capture.records)
    _no_trouble(path)


@pytest.mark.slow
def test_ten_thousand_deep_nesting(tmp_path: Path) -> None:
    path = tmp_path / "deep.txt"
    depth = 10_000
    values = (
        "{a=" * depth + "1" + "}" * depth,
        "[" * depth + "1" + "]" * depth,
        "F(" * depth + "1" + ")" * depth,
        "{a=" + "1 => " * depth + "1}",
        "{a=" + "1 or " * depth + "1}",
        "{a=" * depth,
    )
    path.write_text("".join(f"bpf(BPF_MAP_CREATE, {value}, 4) = 0\n" for value in values))
    capture = bpflogs.parse_file(path)
    assert all(isinstance(r, Unparsed) for r in capture.records)
    assert [r.message.startswith("nested too deeply") for r in capture.records] == [True] * 5 + [False]
    assert all(r.render() == r.text for r in capture.records)
    _no_trouble(path)


def test_huge_hex_number(tmp_path: Path) -> None:
    path = tmp_path / "hex.txt"
    path.write_text("bpf(BPF_MAP_CREATE, {key_size=0x" + "f" * 100000 + "}, 4) = 0\n")
    (record,) = bpflogs.parse_file(path).records
    assert isinstance(record, Unparsed) and record.message == "a number too long to read"
    _no_trouble(path)


def test_deep_json_like_capture(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 10_000 + "\n")
    _no_trouble(path)
