"""Helpers more than one test file uses: running the CLI (in this process or its own), diffing
texts, editing dumps.

Where the inputs are is tests/paths.py; the fixtures that load them are in tests/conftest.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from paths import REPO

import bpflogs
from bpflogs import Capture
from bpflogs.cli import main
from bpflogs.compare.result import DiffResult, InsnRow, Op


@cache
def load(path: Path) -> Capture:
    """The Capture of a file, parsed once a session (the tests that read one file share it)."""
    return bpflogs.parse_file(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``bpflogs ARGV`` in this process, from the repository (so relative paths name files as a
    user there would): its exit code, standard output and standard error."""
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        code = main(list(argv))
    finally:
        os.chdir(cwd)
    out, err = capsys.readouterr()
    return code, out, err


def bpflogs_cli(
    *args: str, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    """``python -m bpflogs ARGS`` in a process of its own, from the repository, 200 columns wide
    (rich wraps no line a test looks at): its exit code and output as bytes."""
    return subprocess.run(
        [sys.executable, "-m", "bpflogs", *args], input=stdin, capture_output=True, cwd=REPO, timeout=timeout,
        check=False, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip


def diff_texts(a: str, b: str, **options: object) -> DiffResult:
    """``bpflogs.diff`` of two captures given as text (named ``a`` and ``b``)."""
    return bpflogs.diff(bpflogs.parse_text(a, name="a"), bpflogs.parse_text(b, name="b"), **options)  # type: ignore[arg-type]


def insn_rows(result: DiffResult) -> list[InsnRow]:
    """Every instruction row of every program of ``result``."""
    return [r for p in result.programs for r in p.rows if isinstance(r, InsnRow)]


def changed_rows(result: DiffResult) -> list[InsnRow]:
    """The instruction rows of ``result`` that are not equal."""
    return [r for r in insn_rows(result) if r.op is not Op.EQUAL]


def edit(text: str, old: str, new: str) -> str:
    """``text`` with its one occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def insert_before(dump: str, before: str, new: str) -> list[str]:
    """The lines of ``dump`` with instruction line ``new`` inserted before line ``before``,
    and the lines from there on moved one slot on (their jumps' offsets left as they were)."""
    lines = dump.splitlines()
    at = lines.index(before)
    return lines[:at] + [new] + [shift_slot(line) for line in lines[at:]]


def shift_slot(line: str) -> str:
    """A dump's instruction line moved one slot on (``  12: (b7) ...`` -> ``  13: (b7) ...``);
    any other line as it is."""
    head, colon, rest = line.partition(":")
    if colon and head.strip().isdigit() and rest.startswith(" ("):
        return f"{int(head) + 1:4d}:{rest}"
    return line
