"""The human renderers of a diff result: plain text, rich terminal, Markdown.

The result trees are built by hand (two small dumps parsed with ``bpflogs.parse_text``),
so these tests check layout only: what the engine decides is given.
"""

from __future__ import annotations

import io
import re

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

import bpflogs
from bpflogs.compare.options import ViewOptions
from bpflogs.compare.result import (
    AttrChange,
    CallDiff,
    CallSide,
    DiffResult,
    EqualRun,
    FunctionDelta,
    InsnRow,
    InsnSide,
    Locator,
    Op,
    ProbeSummary,
    ProgramDiff,
    ProgramSide,
    Status,
)
from bpflogs.render.diff_markdown import escape, write_markdown
from bpflogs.render.diff_rich import print_rich
from bpflogs.render.diff_text import hunk_header, write_text

DUMP_A = """\
int prog(struct __sk_buff * skb):
; int x = 1; [file:p.c line_num:3 line_col:2]
   0: (b7) r0 = 1
   1: (bf) r2 = r1
   2: (b7) r3 = 0
   3: (b7) r4 = 0
; if (x) [file:p.c line_num:4 line_col:2]
   4: (61) r0 = *(u32 *)(r2 +0)
   5: (05) goto pc+1
   6: (b7) r0 = 0
   7: (b7) r5 = 0
   8: (b7) r6 = 0
   9: (95) exit
int sub(int a):
; return [red]a[/red]; [file:p.c line_num:9 line_col:2]
  10: (bf) r0 = r1
  11: (95) exit
"""

DUMP_B = """\
int prog(struct __sk_buff * skb):
; int x = 1; [file:p.c line_num:3 line_col:2]
   0: (b7) r0 = 1
   1: (bf) r2 = r1
   2: (b7) r3 = 0
   3: (b7) r4 = 0
; if (x) [file:p.c line_num:5 line_col:2]
   4: (61) r0 = *(u32 *)(r3 +0)
   5: (b7) r7 = 9
   6: (05) goto pc+2
   7: (b7) r0 = 0
   8: (b7) r5 = 0
   9: (b7) r6 = 0
  10: (95) exit
int sub(int a):
; return [red]a[/red]; [file:p.c line_num:9 line_col:2]
  11: (bf) r0 = r1
  12: (95) exit
"""

EVIL = '"[red]x[/red]\x1b[31m|`<b>&"'  # markup, an escape sequence, a pipe, a backtick, HTML


def _program() -> ProgramDiff:
    a = bpflogs.parse_text(DUMP_A, name="a.txt").programs[0]
    b = bpflogs.parse_text(DUMP_B, name="b.txt").programs[0]
    la, lb = Locator.of(a), Locator.of(b)
    reg = "(61) r0 = *(u32 *)(r2 +0)".index("r2")
    rows = (
        EqualRun(0, 0, 4),
        InsnRow(Op.CHANGE, la.side(4, ((reg, reg + 2),)), lb.side(4, ((reg, reg + 2),)), ("register",)),
        InsnRow(Op.INSERT, None, lb.side(5)),
        InsnRow(Op.EQUAL, la.side(5), lb.side(6), (), ("jump-offsets",)),
        EqualRun(6, 7, 6),
    )
    functions = (FunctionDelta("prog", Status.CHANGED, 10, 11, 2), FunctionDelta("sub", Status.SAME, 2, 2))
    side_a = ProgramSide("prog", 12, 12, 1, "a.txt")
    side_b = ProgramSide("prog", 13, 13, 1, "b.txt")
    calls = {"bpf_map_lookup_elem": (1, 2), "bpf_ktime_get_ns": (1, 1)}
    return ProgramDiff("prog", Status.CHANGED, side_a, side_b, functions, rows, la, lb, calls)


def _calls(value: str = "1024") -> tuple[CallDiff, ...]:
    return (
        CallDiff(
            Status.CHANGED,
            "BPF_MAP_CREATE",
            "BPF_MAP_CREATE map:counters",
            CallSide(12, "bpf(BPF_MAP_CREATE, ...) = 3"),
            CallSide(14, "bpf(BPF_MAP_CREATE, ...) = 4", pid=77),
            (
                AttrChange("max_entries", value, "2048", "semantic"),
                AttrChange("map_extra", None, "1", "semantic"),
                AttrChange("map_ifindex", "1", "2", "environment", "ifindex", hidden=True),
            ),
        ),
        CallDiff(
            Status.ADDED, "BPF_PROG_LOAD", "BPF_PROG_LOAD prog:handle", None, CallSide(30, "bpf(PL) = 7")
        ),
        CallDiff(
            Status.REMOVED, "BPF_LINK_CREATE", "BPF_LINK_CREATE link:0", CallSide(40, "bpf(LC) = 9"), None
        ),
        CallDiff(
            Status.SAME, "BPF_BTF_LOAD", "BPF_BTF_LOAD btf", CallSide(3, "bpf(BTF) = 3"), CallSide(3, "x")
        ),
    )


def _result(**kw: object) -> DiffResult:
    args: dict[str, object] = {
        "a_name": "a.txt",
        "b_name": "b.txt",
        "a_kind": "mixed",
        "b_kind": "mixed",
        "syscalls": _calls(),
        "programs": (_program(),),
        "hidden": {"map-ids": 2, "fd-numbers": 5},
        "probes": ProbeSummary(3, 4, {"BPF_PROG_LOAD": 2, "BPF_MAP_CREATE": 1}, {"BPF_PROG_LOAD": 3}),
        "calls_a": 10,
        "calls_b": 11,
        "notes": ("prog sub: no BTF in b",),
    }
    args.update(kw)
    return DiffResult(**args)  # type: ignore[arg-type]


def text(result: DiffResult, **view: object) -> list[str]:
    out = io.StringIO()
    write_text(result, out, ViewOptions(**view))  # type: ignore[arg-type]
    return out.getvalue().splitlines()


def rich_text(result: DiffResult, width: int = 100, **view: object) -> str:
    console = Console(
        record=True, width=width, force_terminal=True, color_system="truecolor", file=io.StringIO()
    )
    print_rich(result, console, ViewOptions(**view))  # type: ignore[arg-type]
    return console.export_text()


def markdown(result: DiffResult, **view: object) -> str:
    out = io.StringIO()
    write_markdown(result, out, ViewOptions(**view))  # type: ignore[arg-type]
    return out.getvalue()


def hunk(lines: list[str]) -> list[str]:
    """The lines of the first hunk of a plain-text report (from ``@@`` up to a blank line)."""
    start = next(i for i, line in enumerate(lines) if line.startswith("@@"))
    end = lines.index("", start)
    return lines[start:end]


# ---------------------------------------------------------------------------
# plain text


def test_text_summary_counts_calls_programs_and_functions() -> None:
    lines = text(_result())
    assert lines[:10] == [
        "--- a: a.txt (mixed)",
        "+++ b: b.txt (mixed)",
        "calls: a 10, b 11; 1 changed, 1 added, 1 removed, 1 same",
        "probes: a 3, b 4 (BPF_MAP_CREATE 1/0, BPF_PROG_LOAD 2/3)",
        "programs: a 1, b 1; 1 changed, 0 added, 0 removed, 0 same",
        "  program  function       status   a insns  b insns  delta       %",
        "  prog                    changed       12       13     +1   +8.3%",
        "           prog           changed       10       11     +1  +10.0%",
        "           (1 more same)",
        "note: prog sub: no BTF in b",
    ]


def test_text_changed_calls_with_their_attributes() -> None:
    lines = text(_result())
    start = lines.index("changed calls:")
    assert lines[start : start + 8] == [
        "changed calls:",
        "  changed BPF_MAP_CREATE map:counters  (a line 12, b line 14 pid 77)",
        "    max_entries: 1024 -> 2048",
        "    map_extra: (absent) -> 1",
        "  added BPF_PROG_LOAD prog:handle  (b line 30)",
        "    + bpf(PL) = 7",
        "  removed BPF_LINK_CREATE link:0  (a line 40)",
        "    - bpf(LC) = 9",
    ]
    assert not any("map_ifindex" in line or "BPF_BTF_LOAD" in line for line in lines)  # hidden, same


def test_text_long_attribute_values_go_on_their_own_lines() -> None:
    lines = text(_result(syscalls=_calls("x" * 200)), width=80)
    start = lines.index("    max_entries:")
    assert lines[start : start + 3] == ["    max_entries:", "      a: " + "x" * 200, "      b: 2048"]


def test_text_hunk_rows_classes_source_and_marks() -> None:
    assert hunk(text(_result(), context=2)) == [
        "@@ program prog function prog: a slots 2-6, b slots 2-7 @@",
        "       ; int x = 1;  (line 3)",
        "  2 2  (b7) r3 = 0",
        "  3 3  (b7) r4 = 0",
        "-      ; if (x)  (line 4)",
        "+      ; if (x)  (line 5)",
        "- 4    (61) r0 = *(u32 *)(r2 +0)  <- register",
        "?                         ^^",
        "+   4  (61) r0 = *(u32 *)(r3 +0)",
        "?                         ^^",
        "+   5  (b7) r7 = 9",
        "~ 5    (05) goto pc+1             <- equal after jump-offsets",
        "~   6  (05) goto pc+2",
        "  6 7  (b7) r0 = 0",
    ]


@pytest.mark.parametrize("context", [0, 1, 2, 3])
def test_text_context_size_is_honoured(context: int) -> None:
    lines = text(_result(), context=context)
    expected = _program().hunks(context)
    assert [line for line in lines if line.startswith("@@")] == [
        hunk_header(_program(), h.rows) for h in expected
    ]
    shown = [line for line in hunk(lines) if line[:1] in " -+~" and not line.lstrip(" -+").startswith(";")]
    pairs = sum(
        1
        for r in expected[0].rows
        if r.op is Op.CHANGE or (r.hidden and r.a and r.b and r.a.text != r.b.text)
    )
    assert len(shown) == len(expected[0].rows) + pairs
    plain_equal = [line for line in shown if re.match(r"  +\d+ +\d+  \(", line)]
    assert len(plain_equal) == {0: 0, 1: 1, 2: 3, 3: 5}[context]  # the rule-equal row counts as context


def test_text_all_rows_shows_every_instruction_and_same_calls() -> None:
    lines = text(_result(), all_rows=True)
    assert "  same BPF_BTF_LOAD btf  (a line 3, b line 3)" in lines
    assert "    map_ifindex: 1 -> 2  [hidden: ifindex]" in lines
    rows = hunk(lines)
    assert rows[0] == "@@ program prog function prog: a slots 0-11, b slots 0-12 @@"
    assert "   0  0  (b7) r0 = 1" in rows
    assert rows[-4:] == [
        "         <sub>:",
        "         ; return [red]a[/red];  (line 9)",
        "  10 11  (bf) r0 = r1",
        "  11 12  (95) exit",
    ]


def test_text_side_by_side_puts_a_and_b_in_two_columns() -> None:
    lines = text(_result(), context=1, side_by_side=True, width=90)
    rows = hunk(lines)
    assert rows[3:8] == [
        "; if (x)  (line 4)                            ; if (x)  (line 5)",
        "4 (61) r0 = *(u32 *)(r2 +0)                 | 4 (61) r0 = *(u32 *)(r3 +0)  <- register",
        "                     ^^                                            ^^",
        "                                            > 5 (b7) r7 = 9",
        "5 (05) goto pc+1                            ~ 6 (05) goto pc+2",
    ]
    assert all(len(line) <= 90 for line in rows)


def test_text_side_by_side_cuts_long_text_to_the_width() -> None:
    long = ProgramSide("p", 1, 1, 1, "a.txt")
    row = InsnRow(Op.CHANGE, InsnSide(0, "(b7) r0 = " + "9" * 80), InsnSide(0, "(b7) r0 = 1"), ("immediate",))
    program = ProgramDiff("p", Status.CHANGED, long, long, (), (row,))
    lines = hunk(text(_result(programs=(program,)), side_by_side=True, width=60))
    assert lines[1] == "0 (b7) r0 = " + "9" * 15 + "… | 0 (b7) r0 = 1  <- immediate"
    assert len(lines[1]) <= 60
    lines = hunk(text(_result(programs=(program,)), side_by_side=True, width=50))
    assert lines[1:] == ["0 (b7) r0 = " + "9" * 10 + "… | 0 (b7) r0 = 1", " " * 26 + "<- immediate"]


def test_text_footer_counts_what_each_rule_hid() -> None:
    assert text(_result())[-1] == "hidden by rules: fd-numbers 5, map-ids 2 (run with --strict to see them)"
    assert text(_result(hidden={}, strict=True))[-1] == "strict: no rule hid anything"


def test_text_equal_result_is_one_line() -> None:
    same = ProgramDiff(
        "prog",
        Status.SAME,
        ProgramSide("prog", 12, 12, 1, "a"),
        ProgramSide("prog", 12, 12, 1, "b"),
        (),
        (EqualRun(0, 0, 12),),
    )
    result = _result(syscalls=_calls()[3:], programs=(same,), notes=())
    assert text(result) == [
        "no semantic differences between a.txt and b.txt: compared 10/11 bpf() calls, 1/1 programs "
        "(12/12 instructions); hidden: fd-numbers 5, map-ids 2; --strict shows them"
    ]
    assert markdown(result) == (
        "**No semantic differences** between a.txt and b.txt: compared 10/11 bpf() calls, 1/1 programs "
        "(12/12 instructions); hidden: fd-numbers 5, map-ids 2; --strict shows them\n"
    )


def test_text_program_only_one_side_has_is_a_summary_row_not_a_hunk() -> None:
    added = ProgramDiff(
        "new",
        Status.ADDED,
        None,
        ProgramSide("new", 4, 5, 20, "b.txt"),
        (FunctionDelta("new", Status.ADDED, None, 4),),
        (InsnRow(Op.INSERT, None, InsnSide(0, "x")),),
    )
    lines = text(_result(programs=(added,)))
    assert lines[5:8] == [
        "  program  function  status  a insns  b insns  delta  %",
        "  new                added         -        4     +4",
        "           new       added         -        4     +4",
    ]
    assert "program new: added (a: none; b: line 20, 4 insns in 5 slots)" in lines
    assert not any(line.startswith("@@") for line in lines)


def test_text_is_deterministic_without_trailing_whitespace() -> None:
    for view in ({}, {"side_by_side": True}, {"all_rows": True}, {"context": 0, "width": 40}):
        first, second = text(_result(), **view), text(_result(), **view)
        assert first == second
        assert not [line for line in first if line != line.rstrip()]


# ---------------------------------------------------------------------------
# text from a log stays inert


def _evil_result() -> DiffResult:
    row = InsnRow(
        Op.CHANGE, InsnSide(3, f"(b7) r0 = {EVIL}", source=EVIL), InsnSide(3, "(b7) r0 = 1"), ("immediate",)
    )
    side = ProgramSide(EVIL, 1, 1, 1, "dump " + EVIL)  # not the capture: its file is named
    program = ProgramDiff(
        EVIL, Status.CHANGED, side, side, (FunctionDelta(EVIL, Status.CHANGED, 1, 1),), (row,)
    )
    call = CallDiff(Status.ADDED, "BPF_PROG_LOAD", EVIL, None, CallSide(1, EVIL))
    return _result(a_name=EVIL, syscalls=(*_calls(EVIL), call), programs=(program,), notes=(EVIL,))


INERT = '"[red]x[/red]\\x1b[31m|`<b>&"'  # as shown: the ESC spelled out, the rest as it is


def test_text_shows_markup_and_escapes_literally() -> None:
    out = "\n".join(text(_evil_result()))
    assert "\x1b" not in out
    assert f"    max_entries: {INERT} -> 2048" in out
    assert f"--- a: {INERT} (mixed)" in out
    assert f"; {INERT}" in out
    assert f"- 3    (b7) r0 = {INERT}  <- immediate" in out
    assert out.count("[red]x") == out.count(INERT) == 13  # every log string, whole


def test_rich_shows_markup_and_escapes_literally() -> None:
    shown = rich_text(_evil_result(), width=200)
    assert "\x1b" not in shown
    assert f"    max_entries: {INERT} -> 2048" in shown
    assert f"- 3    (b7) r0 = {INERT}  <- immediate" in shown
    assert shown.count("[red]x") == shown.count(INERT) == 13


def test_rich_is_the_text_layout_with_styles_instead_of_carets() -> None:
    plain = [line for line in text(_result(), width=100) if not line.startswith("?")]
    assert rich_text(_result(), width=100).splitlines() == plain
    console = Console(width=100, force_terminal=True, color_system="standard", file=io.StringIO())
    print_rich(_result(), console, ViewOptions())
    raw = console.file.getvalue()  # type: ignore[attr-defined]
    assert re.search("\x1b\\[[0-9;]*7[0-9;]*mr2\x1b\\[0m", raw)  # the differing register, reversed
    assert "\x1b[35m<- register\x1b[0m" in raw


def test_rich_side_by_side_fits_the_console() -> None:
    lines = rich_text(_result(), width=70, side_by_side=True).splitlines()
    rows = hunk(lines)
    assert "4 (61) r0 = *(u32 *)(r2 +0)       | 4 (61) r0 = *(u32 *)(r3 +0)" in rows
    assert "                                    <- register" in rows  # no room after the b column
    assert max(len(line) for line in rows) <= 70


# ---------------------------------------------------------------------------
# Markdown


def _cells(md: str) -> list[list[str]]:
    """The rows of every table in ``md`` as a CommonMark reader with GFM tables renders them (HTML cells)."""
    html = MarkdownIt("commonmark").enable("table").render(md)
    return [
        re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, re.S) for tr in re.findall(r"<tr>(.*?)</tr>", html, re.S)
    ]


def test_markdown_summary_and_function_tables() -> None:
    md = markdown(_result())
    assert "| bpf() calls | 10 | 11 | 1 | 1 | 1 |" in md
    assert "| programs | 1 | 1 | 1 | 0 | 0 |" in md
    assert "| **total** | changed | 12 | 13 | +1 | +8.3% |" in md
    assert "| prog | changed | 10 | 11 | +1 | +10.0% |" in md
    assert "| *1 more same* |  |  |  |  |  |" in md
    assert (
        "| changed | BPF\\_MAP\\_CREATE map:counters<br>a line 12, b line 14 pid 77 "
        "| max\\_entries | 1024 | 2048 |" in md
    )
    assert "|  |  | map\\_extra | *absent* | 1 |" in md
    assert md.rstrip().endswith(
        "<sub>hidden by rules: fd-numbers 5, map-ids 2 (run with `--strict` to see them)</sub>"
    )


def test_markdown_hunk_is_a_diff_block() -> None:
    md = markdown(_result(), context=1)
    block = md[md.index("```diff\n") :]
    block = block[: block.index("\n```\n") + 5]
    assert block.splitlines() == ["```diff", *hunk(text(_result(), context=1)), "```"]


def test_markdown_escapes_pipes_backticks_and_html_in_log_text() -> None:
    md = markdown(_evil_result())
    assert "\x1b" not in md
    outside = md[: md.index("```")]  # before the first hunk: tables and paragraphs only
    assert "<b>&" not in outside and "[red]" not in outside
    inside = md[md.index("```") :]
    assert f"- 3    (b7) r0 = {INERT}  <- immediate" in inside  # a fenced block shows it as it is
    rows = _cells(md)
    calls = next(r for r in rows if r[2:3] == ["max_entries"])
    assert len(calls) == 5  # the pipe in the value did not split the cell
    assert calls[3] == "&quot;[red]x[/red]\\x1b[31m|`&lt;b&gt;&amp;&quot;"  # shown as the log held it
    functions = next(r for r in rows if r[1:2] == ["changed"] and r[0].startswith("&quot;"))
    assert len(functions) == 6
    assert "<code>" not in MarkdownIt("commonmark").enable("table").render(md.split("```")[0])


def test_markdown_escape() -> None:
    assert escape("a|b`c") == "a\\|b\\`c"
    assert escape("<script>&") == "&lt;script&gt;&amp;"
    assert escape("*(u32 *)(r1 +0) [x] ~y~ $z$ \\") == "\\*(u32 \\*)(r1 +0) \\[x\\] \\~y\\~ \\$z\\$ \\\\"
    assert escape("\x1b[31m") == "\\\\x1b\\[31m"


def test_markdown_fence_outlasts_backticks_in_the_log() -> None:
    row = InsnRow(Op.CHANGE, InsnSide(0, "(b7) r0 = ```` x"), InsnSide(0, "(b7) r0 = 1"), ("immediate",))
    side = ProgramSide("p", 1, 1, 1, "a.txt")
    md = markdown(_result(programs=(ProgramDiff("p", Status.CHANGED, side, side, (), (row,)),)))
    assert "\n`````diff\n@@ program p: a slot 0, b slot 0 @@\n" in md
    assert "- 0    (b7) r0 = ```` x  <- immediate\n" in md
    html = MarkdownIt("commonmark").render(md)
    assert html.count("<pre>") == 1 and "(b7) r0 = 1\n" in html  # the whole hunk is one block


def test_markdown_folds_long_hunks() -> None:
    rows = tuple(InsnRow(Op.INSERT, None, InsnSide(i, f"(b7) r{i % 10} = {i}")) for i in range(40))
    side = ProgramSide("p<1>", 1, 1, 1, "a.txt")
    md = markdown(_result(programs=(ProgramDiff("p<1>", Status.CHANGED, side, side, (), rows),)))
    assert (
        "<details><summary>@@ program p&lt;1&gt;: a none, b slots 0-39 @@ "
        "(40 rows differ, 41 lines)</summary>" in md
    )
    assert md.count("<details>") == 1 and md.count("</details>") == 1
    assert "<details>" not in markdown(_result(), context=1)


def test_markdown_side_by_side_is_a_text_block() -> None:
    md = markdown(_result(), context=1, side_by_side=True, width=90)
    assert "```text\n@@ program prog function prog: a slots 3-5, b slots 3-6 @@\n" in md
    assert "4 (61) r0 = *(u32 *)(r2 +0)                 | 4 (61) r0 = *(u32 *)(r3 +0)  <- register\n" in md
