"""Lines that do not parse are explained in the user's words (issue 12): the bad text as the
line shows it (``\\x80``, not ``\\udc80``) and the tokens expected by what they are
(``'=>'``, ``a number``, ``a register``), never by a grammar-internal name (``__ANON_12``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import lark
import pytest
from paths import REPO

from bpflogs import parse_lines
from bpflogs.model.records import Unparsed
from bpflogs.parse import strace, xlated
from bpflogs.parse.grammar import grammar_text
from bpflogs.parse.tokens import END, PATTERN_NAMES, token_name

GRAMMARS = {"strace.lark": strace._parser, "xlated.lark": xlated._parser}
# what an internal name looks like: Lark's __ANON_N, or a terminal's NAME
INTERNAL = re.compile(
    r"__ANON|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\b(?:NUMBER|SYMBOL|FIELD|REG|INT|HEX|RPAR|LPAR)\b"
)


def _terminals(grammar: str) -> list[lark.lexer.TerminalDef]:
    """Every terminal of the grammar: those of the parser bpflogs uses, and those of the
    grammar file compiled on its own (a terminal no rule uses yet is named too)."""
    used = list(GRAMMARS[grammar]().terminals)
    own = lark.Lark(grammar_text(grammar), parser="lalr", lexer="contextual", start=["start"]).terminals
    return used + [t for t in own if t.name not in {u.name for u in used}]


@pytest.mark.parametrize("grammar", sorted(GRAMMARS))
def test_every_terminal_has_a_readable_name(grammar: str) -> None:
    terminals = _terminals(grammar)
    assert len(terminals) > 30
    for terminal in terminals:
        name = token_name(grammar, terminal)
        assert name, f"{grammar}: terminal {terminal.name} ({terminal.pattern}) has no name for users"
        assert not INTERNAL.search(name), name
        assert name.strip("'") != terminal.name or isinstance(terminal.pattern, lark.lexer.PatternStr)


@pytest.mark.parametrize("grammar", sorted(GRAMMARS))
def test_no_name_is_kept_for_a_terminal_that_is_gone(grammar: str) -> None:
    names = {t.name for t in _terminals(grammar)}
    assert set(PATTERN_NAMES[grammar]) <= names


def _unparsed(text: bytes) -> Unparsed:
    line = text.decode("utf-8", "surrogateescape")
    capture = parse_lines([(1, line)], "t")
    (bad,) = capture.unparsed
    return bad


# one line per way a line fails: the strace grammar (a bad byte first, a bad token, a cut
# line) and the xlated grammar (a bad token, a cut line)
BAD = {
    "strace-byte": b"bpf(\x80",
    "strace-token": b"bpf(BPF_MAP_CREATE, {map_type=BPF_MAP_TYPE_HASH, key_size=4\x80, value_size=8}, 72)",
    "strace-cut": b"bpf(BPF_PROG_LOAD, {prog_type=",
    "xlated-token": b"   1: (bf) r1 = \x80r6",
    "xlated-cut": b"   4: (bf) r1 = ",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_unparsed_names_what_was_expected(case: str) -> None:
    bad = _unparsed(BAD[case])
    assert bad.expected, bad
    for name in bad.expected:
        assert not INTERNAL.search(name), (case, name)
    want = {
        "strace-byte": "a number",
        "strace-token": "'=>'",
        "strace-cut": "a number",
        "xlated-token": "a register",
        "xlated-cut": "a register",
    }[case]
    assert want in bad.expected
    if case.endswith("cut"):
        assert "too early" in bad.message
    else:
        assert "udc80" not in bad.message and "'\udc80" in bad.message  # the byte itself, quoted


def test_the_end_of_a_line_is_named() -> None:
    assert _unparsed(b"   3: (95) exit now").expected == (END,)
    assert "an operator ('+=', '<<=', ...)" in _unparsed(b"   2: (bf) r1 ?? r2").expected


def _cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bpflogs", *args], capture_output=True, cwd=REPO, timeout=60, check=False
    )


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.txt"
    path.write_bytes(b"\n".join(BAD[k] for k in ("strace-byte", "strace-token", "strace-cut")) + b"\n")
    return path


@pytest.fixture
def broken_dump(tmp_path: Path) -> Path:
    path = tmp_path / "dump.txt"
    path.write_bytes(
        b"   0: (b7) r6 = 0\n" + BAD["xlated-token"] + b"\n   2: (95) exit\n" + BAD["xlated-cut"] + b"\n"
    )
    return path


def test_parse_json_expected_is_readable(broken: Path, broken_dump: Path) -> None:
    run = _cli("parse", "--json", str(broken), str(broken_dump))
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    unparsed = [r for f in doc["files"] for r in f["records"] if "message" in r and "column" in r]
    assert len(unparsed) == 5
    for record in unparsed:
        assert record["expected"] and not any(INTERNAL.search(e) for e in record["expected"])
        assert "udc" not in record["message"]
    shown = [r["message"] for r in unparsed if "\\x80" in r["message"]]
    assert len(shown) == 3  # the bad byte as the text field shows it
    assert all(r["text"].count("\\x80") == 1 for r in unparsed if "\\x80" in r["message"])


def test_validate_syntax_diagnostics_are_readable(broken: Path, broken_dump: Path) -> None:
    run = _cli("validate", str(broken), str(broken_dump))
    assert run.returncode == 1, run.stderr
    out = run.stdout.decode()
    syntax = [line for line in out.splitlines() if line.endswith("[syntax]")]
    assert len(syntax) == 5
    for line in syntax:
        assert "; expected " in line and not INTERNAL.search(line.split("; expected ", 1)[1])
    assert "udc80" not in out and out.count("'\\x80") == 3
    assert "or a register" in out or "a register or" in out
    assert "'=>'" in out and "a number" in out
