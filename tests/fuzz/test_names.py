"""Hostile file names (issue 12): for any name, no byte of any command's output, in any
format, is an escape, a C0/C1 control (but newline and tab), a bidi control or a line
separator; the output is UTF-8; JSON is valid and holds the exact name; the CLI exits 0, 1
or 2 without a traceback."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path

from hypothesis import given

from bpflogs.cli import main

from .budget import budget
from .names import hostile_name
from .test_properties import utf8_stdout

CALL = "bpf(BPF_MAP_CREATE, {map_type=BPF_MAP_TYPE_HASH, key_size=4, value_size=8, max_entries=%d}, 72) = 3\n"
A = CALL % 64 + "a line that is no strace line\n"
B = CALL % 65
DUMP = "   0: (b7) r0 = 0\n   1: (95) exit\n"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _commands(top: Path, name: str) -> list[list[str]]:
    a, b, dump = top / "a" / name, top / "b" / name, top / f"{name}.xlated"
    dirs = [str(top / "a"), str(top / "b")]
    files = [str(a), str(b)]
    return [
        ["parse", str(a), str(dump)],
        ["parse", "--json", str(a), str(dump)],
        ["parse", "--strict", str(a)],
        ["validate", str(a), str(dump)],
        ["validate", "--json", str(a)],
        ["validate", "-q", str(a)],
        *(["diff", "--format", fmt, *files] for fmt in ("text", "markdown", "json", "rich")),
        *(["diff", "--format", fmt, *dirs] for fmt in ("text", "markdown", "json")),
        ["parse", str(top / f"{name}.missing")],
        ["diff", str(a), str(top / "b")],
    ]


def _check(argv: list[str], name: str) -> None:
    with utf8_stdout() as (out, err):
        try:
            status = main(argv)
        except SystemExit as exc:  # argparse: a name that reads as an option
            status = exc.code if isinstance(exc.code, int) else 2
    written, errors = out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8")
    assert status in (0, 1, 2), (argv, status, errors)
    assert "Traceback" not in errors and "internal error" not in errors, errors
    for stream in (written, errors):
        found = UNSAFE.search(stream)
        assert found is None, (argv, found.group(), stream[max(0, found.start() - 60) : found.end() + 20])
    if "json" in argv and status != 2:
        doc = json.loads(written)
        assert _holds(doc, name), argv


def _holds(doc: object, name: str) -> bool:
    """Somewhere in ``doc`` a name or file value is the exact name (or ends with it)."""
    if isinstance(doc, dict):
        for key in ("name", "file"):
            value = doc.get(key)
            if isinstance(value, str):
                raw = doc.get(f"{key}_hex")
                exact = value if raw is None else os.fsdecode(bytes.fromhex(str(raw)))
                if exact == name or exact.endswith(os.sep + name):
                    return True
        return any(_holds(v, name) for v in doc.values())
    if isinstance(doc, list):
        return any(_holds(v, name) for v in doc)
    return False


@budget(60)
@given(hostile_name())
def test_a_hostile_file_name_is_inert_everywhere(name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp)
        (top / "a").mkdir()
        (top / "b").mkdir()
        (top / "a" / name).write_text(A)
        (top / "b" / name).write_text(B)
        (top / "a" / f"{name}.only").write_text(B)
        (top / f"{name}.xlated").write_text(DUMP)
        for argv in _commands(top, name):
            _check(argv, name)
        if name != "-":  # stdin, not a file
            with contextlib.chdir(top / "a"):  # the bare name as an argument: '-...' is an option
                _check(["parse", name], name)
                _check(["validate", "--", name], name)
