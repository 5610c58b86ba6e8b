"""``--lenient``: real captures mangled by mail, Markdown, journald, terminals and wrapping.

The fixtures in tests/fixtures/mangled/ were made from corpus captures (named in each test):
quoted and wrapped by a mail client at 72 columns, quoted twice, pasted into a Markdown list,
logged through journald, copied from a terminal with prompts and program output, and folded
by ``fold -w 72``. Read with ``--lenient`` they give the corpus capture's records back, with
the line numbers of the mangled file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from paths import FIXTURES, REPO

import bpflogs
from bpflogs import Capture, Unparsed
from bpflogs.api import parse_file_lenient
from bpflogs.parse.lenient import LenientReport, Stripping, unmangle
from bpflogs.read import open_source

MANGLED = FIXTURES / "mangled"


def texts(capture: Capture) -> list[str]:
    return [r.text for r in capture.records if not isinstance(r, Unparsed) and r.text.strip()]


def corpus_texts(name: str) -> list[str]:
    return texts(bpflogs.parse_file(REPO / "corpus" / name))


def lenient(name: str) -> tuple[Capture, LenientReport]:
    return parse_file_lenient(MANGLED / name)


def fixture_line(name: str, number: int) -> str:
    return (MANGLED / name).read_text().split("\n")[number - 1]


def test_mail_quoted_and_wrapped() -> None:
    capture, report = lenient("mail-wrapped.strace.txt")
    assert texts(capture) == corpus_texts("strace/bpftool-map-create-lru_X-raw.txt")
    assert report.describe() == (
        'stripped mail quoting ("> ") from 24 lines (2-25), re-joined 5 wrapped lines '
        "(4, 10, 16, 19, 23; continued on 5-9, 11-15, 17-18, 20-22, 24)"
    )
    # line numbers are the mail's: a re-joined call is at its first line and spans no others
    calls = capture.syscalls
    assert [c.line for c in calls] == [4, 10, 16, 19, 23]
    assert fixture_line("mail-wrapped.strace.txt", 4).startswith("> bpf(0x5, {prog_type=0x1, insn_cnt=2,")
    # the mail's own text stays, as lines that do not parse
    assert [u.line for u in capture.unparsed] == [1, 2, 27]
    assert all(r.render() == r.text for r in capture.records)


def test_nested_quote_of_a_dump() -> None:
    capture, report = lenient("nested-quote.xlated.txt")
    original = (REPO / "corpus/xlated/cgroup_skb.cg_ingress.linum.txt").read_text().split("\n")[:20]
    by_line = {r.line: r.text for r in capture.records}
    assert [by_line[n] for n in range(3, 23)] == original
    assert report.strippings == (
        Stripping("mail quoting 1", 'mail quoting ("> ")', (1, 23, 24)),
        Stripping("mail quoting 2", 'mail quoting ("> > ")', tuple(range(2, 23))),
    )
    (program,) = capture.programs
    assert program.name == "cg_ingress" and program.line == 3


def test_markdown_list_with_a_fence() -> None:
    capture, report = lenient("markdown-list.strace.md")
    assert texts(capture) == corpus_texts("strace/bpftool-prog-run-xdp_tt-T.txt")
    assert [c.line for c in capture.syscalls] == [7, 8]
    assert report.describe() == (
        "stripped Markdown code fences (now blank lines) from 2 lines (6, 10), "
        "Markdown indentation from 3 lines (7-9)"
    )


def test_journald_prefixes() -> None:
    capture, report = lenient("journald.strace.txt")
    original = (REPO / "corpus/strace/ctypes-loader-threads_f-stderr.txt").read_text().split("\n")[:24]
    plain = bpflogs.parse_text("\n".join(original) + "\n")
    assert [(type(r), r.lines, r.text) for r in capture.records] == [
        (type(r), r.lines, r.text) for r in plain.records
    ]
    assert not capture.unparsed
    assert report.describe() == "stripped journald prefixes from 24 lines (1-24)"


def test_terminal_prompts_and_program_output() -> None:
    capture, report = lenient("terminal.strace.txt")
    assert texts(capture) == corpus_texts("strace/bpftool-map-update-lpm.txt")
    assert [c.line for c in capture.syscalls] == [2, 3, 5]
    # the command, the program's output and the echo are not the log's: kept, as they were
    assert [(u.line, u.text) for u in capture.unparsed] == [
        (1, fixture_line("terminal.strace.txt", 1)),
        (4, "updated 1 element"),
        (7, "root@vm:~# echo done"),
        (8, "done"),
    ]
    assert report.describe() == "stripped shell prompts from 3 lines (2-3, 5)"


def test_fold_breaks_inside_words() -> None:
    capture, report = lenient("fold72.strace.txt")
    original = (REPO / "corpus/strace/bpftool-prog-load-xdp_tt-T.txt").read_text().split("\n")[:12]
    assert [r.text for r in capture.records] == original
    assert not capture.unparsed
    assert len(report.joined) == 12 and report.strippings == ()


def test_without_lenient_the_mangled_lines_do_not_parse() -> None:
    plain = bpflogs.parse_file(MANGLED / "mail-wrapped.strace.txt")
    assert not plain.syscalls and len(plain.unparsed) == plain.line_count - 1  # one quoted blank ">"


@pytest.mark.parametrize(
    "path",
    sorted(p for d in ("strace", "mixed", "xlated") for p in (REPO / "corpus" / d).iterdir() if p.is_file()),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_a_clean_capture_is_left_alone(path: Path) -> None:
    with open_source(path) as src:
        lines = list(src.lines())
    out, report = unmangle(lines)
    assert out == lines and not report.changed and report.describe() == "nothing to strip"


def test_only_lines_that_would_not_parse_are_touched() -> None:
    lines = [
        (1, "# a comment"),
        (2, "$ bpftool prog dump xlated name xdp_pass"),
        (3, "int xdp_pass(struct xdp_md * ctx):"),
        (4, " ; return XDP_PASS;"),
        (5, "   0: (b7) r0 = 2"),
        (6, "   1: (95) exit"),
        (7, "     0.000040 bpf(BPF_MAP_FREEZE, {map_fd=5}, 4) = 0"),
        (8, " > /usr/lib/libbpf.so.1(bpf_map_freeze+0x1) [0x1234]"),
    ]
    assert unmangle(lines) == (lines, LenientReport((), ()))


def test_cli_says_what_it_stripped() -> None:
    path = MANGLED / "mail-wrapped.strace.txt"
    run = subprocess.run(
        [sys.executable, "-m", "bpflogs", "validate", "--lenient", "-q", str(path)],
        capture_output=True,
        cwd=REPO,
        check=False,
    )
    assert (
        run.stderr
        == (
            f'bpflogs: {path}: --lenient stripped mail quoting ("> ") from 24 lines (2-25), '
            "re-joined 5 wrapped lines (4, 10, 16, 19, 23; continued on 5-9, 11-15, 17-18, 20-22, 24)\n"
        ).encode()
    )
    assert run.returncode == 1  # the mail's own lines are syntax errors: it says so, it does not hide them
    assert run.stdout == f"{path}: 3 errors, 1 warning, 0 notes\n".encode()
    diff = subprocess.run(
        [
            sys.executable,
            "-m",
            "bpflogs",
            "diff",
            "--lenient",
            "--format",
            "text",
            str(path),
            str(REPO / "corpus/strace/bpftool-map-create-lru_X-raw.txt"),
        ],
        capture_output=True,
        cwd=REPO,
        check=False,
    )
    # every call pairs and is equal; the mail's own lines are on one side only: a difference
    assert diff.returncode == 1, diff.stdout + diff.stderr
    assert b"calls: a 5, b 5; 0 changed, 0 added, 0 removed" in diff.stdout
    assert b"unparsed lines: a 3, b 0 (compared as text); 0 added, 3 removed, 0 same" in diff.stdout


@pytest.mark.parametrize("name", ["nested-quote.xlated.txt", "journald.strace.txt"])
def test_a_byte_order_mark_before_the_quoting_is_left_out(name: str, tmp_path: Path) -> None:
    # a mail saved by a Windows editor: the mark stands before the "> " of line 1
    marked = tmp_path / name
    marked.write_bytes(b"\xef\xbb\xbf" + (MANGLED / name).read_bytes())
    plain, _ = lenient(name)
    capture, report = parse_file_lenient(marked)
    assert capture.bom and not plain.bom
    assert texts(capture) == texts(plain)
    assert [u.line for u in capture.unparsed] == [u.line for u in plain.unparsed]
    assert report == parse_file_lenient(MANGLED / name)[1]
