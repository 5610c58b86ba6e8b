"""Standard output that fails: a reader that leaves early (``| head``), a full disk, an I/O
error. Whatever the command and format, such a run never exits 0 and never ends in
"internal error" (issue 12)."""

from __future__ import annotations

import errno
import gzip
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from paths import REPO

from bpflogs.cli import main

XDP_Y = REPO / "corpus" / "strace" / "bpftool-prog-load-xdp_y.txt"
BIG_DUMP = REPO / "corpus" / "xlated" / "big_unroll.big_unroll.plain.txt.gz"
BENCH = REPO / "corpus" / "bench" / "maploop_f-tt-T.strace.txt.gz"
SIGPIPE_STATUS = 128 + 13  # what a shell shows for a process killed by SIGPIPE
NO_SPACE = "bpflogs: <stdout>: cannot write: No space left on device\n"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Inputs whose output is far larger than a pipe buffer (64 KiB)."""
    top = tmp_path_factory.mktemp("big")
    dump = gzip.decompress(BIG_DUMP.read_bytes())
    a, b = top / "a" / "dump.txt", top / "b" / "dump.txt"
    a.parent.mkdir()
    b.parent.mkdir()
    a.write_bytes(dump)
    b.write_bytes(dump.replace(b"(b7) r6 = 0", b"(b7) r6 = 1", 1))  # one difference
    bad = top / "garbage.txt"
    bad.write_text("garbage line here\n" * 3000)  # 3000 syntax errors
    strace = top / "calls.txt"
    strace.write_bytes(b"".join(gzip.decompress(BENCH.read_bytes()).splitlines(keepends=True)[:1000]))
    return {"a": a, "b": b, "a_dir": a.parent, "b_dir": b.parent, "bad": bad, "strace": strace}


def _argv(big: dict[str, Path], case: str) -> list[str]:
    command, _, fmt = case.partition(":")
    a, b = str(big["a"]), str(big["b"])
    return {
        "diff": ["diff", "--all", "--format", fmt, a, b],
        "diff-dirs": ["diff", "--all", "--format", fmt, str(big["a_dir"]), str(big["b_dir"])],
        "validate": ["validate", *(["--json"] if fmt == "json" else []), str(big["bad"])],
        "parse": ["parse", *(["--json"] if fmt == "json" else []), str(big["strace"])],
    }[command]


CASES = [
    "diff:text", "diff:json", "diff:markdown", "diff:rich", "diff-dirs:text", "diff-dirs:json",
    "validate:text", "validate:json", "parse:text", "parse:json",
]  # fmt: skip


# PYTHONUNBUFFERED=1: a short write used to lose the rest of the output unnoticed
PIPED = [(case, "1") for case in CASES] + [("diff:json", ""), ("validate:text", "")]


@pytest.mark.parametrize(("case", "unbuffered"), PIPED, ids=[f"{c}-{'u' if u else 'b'}" for c, u in PIPED])
def test_output_cut_short_dies_of_sigpipe(big: dict[str, Path], case: str, unbuffered: str) -> None:
    """``bpflogs ... | head`` under ``set -o pipefail``: the pipeline fails, as with diff(1)
    (SIGPIPE, status 141), never 0; nothing on stderr."""
    command = shlex.join([sys.executable, "-m", "bpflogs", *_argv(big, case)])
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered, "COLUMNS": "120"}
    proc = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command} | head -c 1000 >/dev/null"],
        capture_output=True, cwd=REPO, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert (proc.returncode, proc.stderr) == (SIGPIPE_STATUS, b"")


def test_output_read_whole_keeps_its_status(big: dict[str, Path]) -> None:
    """The same runs read to the end exit as ever: 1 for a difference, for errors."""
    for case in ("diff:json", "validate:text"):
        command = shlex.join([sys.executable, "-m", "bpflogs", *_argv(big, case)])
        proc = subprocess.run(
            ["bash", "-c", f"set -o pipefail; {command} | cat >/dev/null"],
            capture_output=True, cwd=REPO, timeout=60, check=False,
        )  # fmt: skip
        assert (proc.returncode, proc.stderr) == (1, b"")


# ------------------------------------------------------------------------ a full disk


def _to_dev_full(argv: list[str]) -> subprocess.CompletedProcess[str]:
    with open("/dev/full", "w") as full:
        return subprocess.run(
            [sys.executable, "-m", "bpflogs", *argv],
            stdout=full, stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=60, check=False,
        )  # fmt: skip


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("case", CASES)
def test_a_full_disk_is_one_line_and_exit_2(big: dict[str, Path], case: str) -> None:
    proc = _to_dev_full(_argv(big, case))
    assert (proc.returncode, proc.stderr) == (2, NO_SPACE)


SMALL = [
    ["parse", str(XDP_Y)],
    ["parse", "--json", str(XDP_Y)],
    ["diff", "--format", "text", str(XDP_Y), str(XDP_Y)],
    ["diff", "--format", "json", str(XDP_Y), str(XDP_Y)],
    ["diff", "--format", "markdown", str(XDP_Y), str(XDP_Y)],
    ["diff", "--format", "rich", str(XDP_Y), str(XDP_Y)],
    ["validate", str(XDP_Y)],
    ["validate", "--json", str(XDP_Y)],
    ["validate", "--list-checks"],
    ["--help"],
]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("argv", SMALL, ids=[" ".join(a[:3]).replace(str(XDP_Y), "F") for a in SMALL])
def test_a_full_disk_is_seen_when_the_output_is_flushed_at_exit(argv: list[str]) -> None:
    """Output small enough to stay in the buffer until the end is written, and fails, too."""
    proc = _to_dev_full(argv)
    assert (proc.returncode, proc.stderr) == (2, NO_SPACE)


class _Failing:
    """A stdout whose every write fails with ``error``."""

    def __init__(self, error: int) -> None:
        self.error = error

    def write(self, text: str) -> int:
        raise OSError(self.error, os.strerror(self.error))

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


@pytest.mark.parametrize("code", [errno.EIO, errno.ENOSPC, errno.EFBIG])
@pytest.mark.parametrize(
    "argv", SMALL[:-1], ids=[" ".join(a[:3]).replace(str(XDP_Y), "F") for a in SMALL[:-1]]
)
def test_any_write_error_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str], code: int
) -> None:
    monkeypatch.setattr(sys, "stdout", _Failing(code))
    assert main(argv) == 2
    assert capsys.readouterr().err == f"bpflogs: <stdout>: cannot write: {os.strerror(code)}\n"


def test_a_closed_stdout_is_a_write_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdout", None)  # what Python gives a process started with >&-
    assert main(["parse", str(XDP_Y)]) == 2
    assert capsys.readouterr().err == "bpflogs: <stdout>: cannot write: Bad file descriptor\n"


# ------------------------------------------------------------------------ stdin twice


@pytest.mark.parametrize("command", ["parse", "validate"])
def test_stdin_given_twice_is_a_usage_error(capsys: pytest.CaptureFixture[str], command: str) -> None:
    assert main([command, "-", "-"]) == 2
    assert capsys.readouterr().err == "bpflogs: only one FILE can be '-' (stdin)\n"


def test_a_closed_stdin_is_trouble(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", None)  # what Python gives a process started with <&-
    for argv in (["parse", "-"], ["validate", "-"], ["diff", "-", str(XDP_Y)]):
        assert main(argv) == 2
        assert capsys.readouterr().err == "bpflogs: <stdin>: cannot read: standard input is closed\n"
