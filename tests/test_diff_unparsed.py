"""Never "equal" about what was not compared (issue 12).

Lines that do not parse are aligned and compared as text, like diff(1), in the part of the
capture they belong to (the dump of a program, or outside every dump); a difference there
is a difference. A side holding text but nothing bpflogs can compare is trouble (exit 2)
with one line saying what the file looks like.

tests/fixtures/unreadable/ holds real outputs bpflogs does not read, made once with
``clang-19 -O1|-O2 -g -target bpf -c corpus/src/xdp_stats.bpf.c`` (the includes of
corpus/generate.sh) and ``llvm-objdump-19 -d``, and the first 60 lines of ``clang-14 -O2
-target bpf -S`` of the same file.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from helpers import run
from paths import REPO
from rich.console import Console

import bpflogs
from bpflogs.compare import ViewOptions
from bpflogs.compare.result import Op, Status
from bpflogs.errors import BpflogsError, NothingToCompare
from bpflogs.render.diff_markdown import write_markdown
from bpflogs.render.diff_rich import print_rich
from bpflogs.render.diff_text import write_text
from bpflogs.render.json_text import dumps
from bpflogs.sniff import describe, looks_like

UNREADABLE = Path("tests/fixtures/unreadable")  # relative: the messages name files as a user would
DUMP = REPO / "corpus" / "xlated" / "cgroup_skb.cg_egress.plain.txt"
INGRESS = REPO / "corpus" / "xlated" / "cgroup_skb.cg_ingress.plain.txt"
STRACE = REPO / "corpus" / "pairs" / "max-entries" / "a" / "load.strace.txt"
ESCAPED = "  22: (77) r6 &gt;&gt;= 32"  # bpftool's text, HTML-escaped on the way (a web page, a mail)


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def escaped_dump(shift: str = "32") -> str:
    text = DUMP.read_text()
    assert "  22: (77) r6 >>= 32\n" in text
    return text.replace("  22: (77) r6 >>= 32\n", ESCAPED.replace("32", shift) + "\n")


VIEW = ViewOptions(context=3, side_by_side=False, all_rows=False, width=120)


def outputs(result: bpflogs.DiffResult) -> dict[str, str]:
    text, markdown, rich = io.StringIO(), io.StringIO(), io.StringIO()
    write_text(result, text, VIEW)
    write_markdown(result, markdown, VIEW)
    print_rich(result, Console(file=rich, force_terminal=True, width=120, color_system="truecolor"), VIEW)
    return {"text": text.getvalue(), "markdown": markdown.getvalue(), "rich": rich.getvalue(),
            "json": json.dumps(bpflogs.diff_json(result))}  # fmt: skip


# --- a side with nothing to compare ---------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "rich"])
def test_two_objdump_listings_are_trouble_naming_objdump(
    capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    a, b = UNREADABLE / "xdp_stats.O1.objdump.txt", UNREADABLE / "xdp_stats.O2.objdump.txt"
    code, out, err = run(capsys, "diff", "--format", fmt, str(a), str(b))
    assert (code, out) == (2, "")  # it was 0: "no semantic differences ... compared nothing"
    assert err == (
        f"bpflogs: {a}: nothing to compare: this looks like llvm-objdump -d output, "
        "which bpflogs does not read\n"
    )


def test_the_api_raises_a_bpflogs_error() -> None:
    listing = REPO / UNREADABLE / "xdp_stats.O1.objdump.txt"
    with pytest.raises(NothingToCompare) as caught:
        bpflogs.diff(STRACE, listing)
    assert isinstance(caught.value, BpflogsError)
    assert caught.value.path == str(listing) and caught.value.looks_like == "llvm-objdump -d output"
    with pytest.raises(NothingToCompare):  # with itself too: whatever the content
        bpflogs.diff(listing, listing)


def test_an_empty_file_is_still_a_run_without_calls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for content in ("", "\n\n"):
        empty = write(tmp_path / "empty.txt", content)
        result = bpflogs.diff(empty, STRACE)
        assert not result.equal and {c.status for c in result.syscalls} == {Status.ADDED}
        assert run(capsys, "diff", empty, empty)[0] == 0


def test_text_only_beside_a_run_is_trouble(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = write(tmp_path / "notes.txt", "the run failed, see below\n# nothing else\n")
    code, out, err = run(capsys, "diff", str(STRACE), notes)
    assert (code, out) == (2, "")
    what = "text bpflogs does not read (no bpf() call, no dumped program)"
    assert err == f"bpflogs: {notes}: nothing to compare: {what}\n"


def test_a_directory_diff_applies_it_per_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for side in ("a", "b"):
        (tmp_path / side).mkdir()
        (tmp_path / side / "load.txt").write_text(STRACE.read_text())
        (tmp_path / side / "prog.objdump").write_text(
            (REPO / UNREADABLE / "xdp_stats.O1.objdump.txt").read_text()
        )
    code, _, err = run(capsys, "diff", str(tmp_path / "a"), str(tmp_path / "b"))
    assert code == 2
    assert f"{tmp_path / 'a' / 'prog.objdump'}: nothing to compare: this looks like llvm-objdump" in err


def _verifier_log() -> list[str]:
    text = (
        (REPO / "corpus" / "companion" / "verifier-reject_s1024.bpftool-stderr.txt").read_text().split("\n")
    )
    return text[text.index("0: R1=ctx() R10=fp0") : text.index("-- END PROG LOAD LOG --")]


@pytest.mark.parametrize(
    ("lines", "kind"),
    [
        (lambda: (REPO / UNREADABLE / "xdp_stats.O2.objdump.txt").read_text().split("\n"),
         "llvm-objdump -d output"),
        (lambda: (REPO / UNREADABLE / "xdp_stats.clang14.s").read_text().split("\n"),
         "BPF assembly (llc or clang -S output)"),
        (_verifier_log, "a kernel verifier log"),
        (lambda: (REPO / "corpus/companion/verifier-reject_s1024.bpftool-stderr.txt").read_text().split("\n"),
         "libbpf debug output with a kernel verifier log"),
        (lambda: ["libbpf: loading object 'xdp' from buffer", "libbpf: elf: section(3) xdp, size 96"],
         "libbpf debug output"),
        (lambda: (REPO / "tests/fixtures/mangled/mail-wrapped.strace.txt").read_text().split("\n"),
         "strace output in a form bpflogs does not read "
         "(if it was mail-quoted, prefixed or wrapped, --lenient undoes that)"),
        (lambda: ["\t.text", "\t.globl\tmain", "main:", "\tmovl\t$1, %eax", "\tret"], None),  # x86: not BPF
        (lambda: ["Dear reviewer,", "the numbers are below.", "", "Thanks"], None),
    ],
)  # fmt: skip
def test_what_a_file_looks_like(lines: object, kind: str | None) -> None:
    assert callable(lines)
    assert looks_like(lines()) == kind


def test_a_hostile_line_costs_what_a_long_line_does() -> None:
    # patterns are anchored or literal, and see a line's first WIDTH characters
    kind = looks_like(["x" + " 1" * 200_000 + ": (b7) r1 = 1", "; " * 200_000 + "[file:"])
    assert kind is None


def test_a_verifier_log_is_named_once_it_reads_as_nothing() -> None:
    # today a verifier log reads as dumped programs (issue 16); the sniffer already names it
    assert describe(_verifier_log()) == "this looks like a kernel verifier log, which bpflogs does not read"
    # strace captures holding a verifier log in log_buf are strace captures: equal to themselves
    capture = bpflogs.parse_file(REPO / "corpus" / "strace" / "verifier-reject_s1024.txt")
    assert bpflogs.diff(capture, capture).equal


# --- lines that do not parse, compared as text ---------------------------------------------


def test_an_escaped_line_that_differs_is_a_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(tmp_path / "a.txt", escaped_dump("32"))
    b = write(tmp_path / "b.txt", escaped_dump("31"))
    code, out, _ = run(capsys, "diff", "--format", "text", a, b)
    assert code == 1  # it was 0: the line was compared with nothing
    assert "unparsed lines: a 1, b 1 (compared as text); 1 added, 1 removed, 0 same" in out
    assert "program cg_egress: changed" in out
    assert "@@ program cg_egress: a line 31, b line 31 @@\n" in out
    assert f"- 31     {ESCAPED}\n" in out and f"+    31  {ESCAPED[:-2]}31\n" in out

    result = bpflogs.diff(a, b)
    (part,) = result.unparsed
    assert (part.status, part.program_index, part.a_program) == (Status.CHANGED, 0, "cg_egress")
    assert result.programs[0].status is Status.CHANGED and result.programs[0].changed_rows == 0
    assert result.programs[0].text_differs
    doc = json.loads(run(capsys, "diff", "--format", "json", a, b)[1])
    assert doc["equal"] is False
    assert doc["unparsed"] == [
        {"status": "changed", "program": 0, "a_program": "cg_egress", "b_program": "cg_egress",
         "a_lines": 1, "b_lines": 1, "lines": [
             {"op": "delete", "a": {"line": 31, "text": ESCAPED}, "b": None},
             {"op": "insert", "a": None, "b": {"line": 31, "text": ESCAPED.replace("32", "31")}}]},
    ]  # fmt: skip
    code, out, _ = run(capsys, "diff", "--format", "markdown", a, b)
    assert code == 1 and "### Unparsed lines, compared as text" in out
    assert "| unparsed lines (as text) | 1 | 1 | - | 1 | 1 |" in out


def test_the_same_escaped_line_is_equal_and_said_to_be_compared(tmp_path: Path) -> None:
    a = write(tmp_path / "a.txt", escaped_dump())
    result = bpflogs.diff(a, a)
    assert result.equal and result.hidden == {}
    (part,) = result.unparsed
    assert part.status is Status.SAME and part.same == 1
    text = outputs(result)["text"]
    assert text.startswith("no semantic differences") and "1/1 unparsed lines as text" in text


def test_an_unparsed_line_on_one_side_only_is_a_difference(tmp_path: Path) -> None:
    result = bpflogs.diff(DUMP, write(tmp_path / "b.txt", escaped_dump()))
    assert not result.equal
    (part,) = result.unparsed
    assert part.status is Status.ADDED and [r.op for r in part.all_rows()] == [Op.INSERT]
    # and strace: a mangled line in a log (outside every dump)
    result = bpflogs.diff(
        STRACE, write(tmp_path / "c.txt", STRACE.read_text() + "bpf(BPF_MAP_CREATE, {map_type=\n")
    )
    (part,) = result.unparsed
    assert not result.equal and part.program is None and part.added == 1
    assert all(c.status is Status.SAME for c in result.syscalls)


def test_lines_belong_to_their_program_whatever_the_dump_order(tmp_path: Path) -> None:
    egress, ingress = escaped_dump(), INGRESS.read_text()
    line = next(x for x in ingress.split("\n") if ">>=" in x)
    ingress = ingress.replace(line, line.replace(">>=", "&gt;&gt;="), 1)
    result = bpflogs.diff(
        write(tmp_path / "a.txt", egress + ingress), write(tmp_path / "b.txt", ingress + egress)
    )
    assert result.equal  # a text alignment of the whole files would see the two lines swapped
    assert sorted((p.a_program, p.status) for p in result.unparsed) == [
        ("cg_egress", Status.SAME),
        ("cg_ingress", Status.SAME),
    ]
    edited = ingress.replace("&gt;&gt;=", "&gt;&gt;= 1 +", 1)
    result = bpflogs.diff(
        write(tmp_path / "c.txt", egress + ingress), write(tmp_path / "d.txt", edited + egress)
    )
    assert [(p.a_program, p.status) for p in result.unparsed if p.status is not Status.SAME] == [
        ("cg_ingress", Status.CHANGED)
    ]
    assert [p.name for p in result.programs if p.status is Status.CHANGED] == ["cg_ingress"]


def test_log_text_is_inert_in_every_format(tmp_path: Path) -> None:
    hostile = "\x1b]52;c;ZXZpbA==\x07 [red]x[/red] <b>`|*_ \u202e"
    a = write(tmp_path / "a.txt", STRACE.read_text() + "one\n")
    b = write(tmp_path / "b.txt", STRACE.read_text() + hostile + "\n")
    result = bpflogs.diff(a, b)
    assert not result.equal
    for fmt, out in outputs(result).items():
        assert "\x07" not in out and "\u202e" not in out, fmt
        assert "\x1b]" not in out, fmt  # rich's own colour codes are CSI (ESC [), never OSC
    out = outputs(result)
    assert "\\x1b]52;c;ZXZpbA==\\x07" in out["text"] and "[red]x[/red]" in out["rich"]
    assert "&lt;b&gt;" not in out["markdown"].split("```diff")[1]  # a fence shows the text as it is
    assert "<b>" in out["markdown"].split("```diff")[1]


def test_all_lists_equal_unparsed_lines_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path / "a.txt", escaped_dump())
    code, out, _ = run(capsys, "diff", "--all", "--format", "json", a, a)
    assert code == 0
    (part,) = json.loads(out)["unparsed"]
    assert part["status"] == "same" and part["lines"] == [
        {"op": "equal", "a": {"line": 31, "text": ESCAPED}, "b": {"line": 31, "text": ESCAPED}}
    ]
    code, out, _ = run(capsys, "diff", "--all", "--format", "text", a, a)
    assert f"  31 31  {ESCAPED}" in out


def test_in_a_mixed_capture_the_dump_ends_at_the_next_command(tmp_path: Path) -> None:
    lines = (REPO / "corpus" / "mixed" / "xdp_load_and_dump.txt").read_text().split("\n")
    assert lines[36].startswith("$ bpftool prog dump xlated") and lines[231].startswith("$ bpftool")

    def edited(before_second_command: str, in_second_dump: str) -> str:
        # a line inside the first dump's region, just before the second command; and one
        # after the second dump's first instruction
        out = [*lines[:231], before_second_command, *lines[231:235], in_second_dump, *lines[235:]]
        return "\n".join(out)

    a = write(tmp_path / "a.txt", edited("Error: one", "   1: (bf) r1 = r6 &amp; 1"))
    b = write(tmp_path / "b.txt", edited("Error: one", "   1: (bf) r1 = r6 &amp; 2"))
    result = bpflogs.diff(a, b)
    assert [(p.program_index, p.status) for p in result.unparsed] == [(0, Status.SAME), (1, Status.CHANGED)]
    assert [p.status for p in result.programs] == [Status.SAME, Status.CHANGED]
    c = write(tmp_path / "c.txt", "\n".join([lines[0], "garbage", *lines[1:]]))
    (part,) = bpflogs.diff(REPO / "corpus" / "mixed" / "xdp_load_and_dump.txt", c).unparsed
    assert part.program_index is None and part.added == 1  # before any dump: outside


def test_astral_characters_survive_json(tmp_path: Path) -> None:
    # U+1F480 is written \ud83d\udc80: its second half is no undecodable byte (it became \x80)
    a = write(tmp_path / "a.txt", STRACE.read_text() + "skull \U0001f480 and a bad byte\n")
    data = tmp_path / "b.txt"
    data.write_bytes(STRACE.read_bytes() + "skull \U0001f480 and a bad byte ".encode() + b"\x80\n")
    doc = json.loads(dumps(bpflogs.diff_json(bpflogs.diff(a, str(data)))))
    (part,) = doc["unparsed"]
    texts = [side["text"] for row in part["lines"] for side in (row["a"], row["b"]) if side]
    assert texts == ["skull \U0001f480 and a bad byte", "skull \U0001f480 and a bad byte \\x80"]
