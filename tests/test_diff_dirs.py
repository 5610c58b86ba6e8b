"""``bpflogs diff DIR_A DIR_B``: the summary table (veristat-style), the process pool, trouble
in one pair not stopping the others, and the JSON rows."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run
from paths import PAIRS, REPO

from bpflogs.compare.dirs import FileState, FileSummary, ProgramCount
from bpflogs.compare.result import Status
from bpflogs.render.diff_dirs import diff_cell, markdown_table, text_table

ADDED = PAIRS / "statement-added"


def test_the_table_comes_first_one_row_per_program(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "diff", "--jobs", "1", str(ADDED / "a"), str(ADDED / "b"))
    assert (code, err) == (1, "")
    head, rule, *rows = out.split("\n\n")[0].splitlines()
    assert head.split() == ["File", "Program", "Insns", "(A)", "Insns", "(B)", "Insns", "(DIFF)", "Status"]
    assert set(rule.replace(" ", "")) == {"-"}
    linum = next(r for r in rows if r.startswith("xdp_pairs.linum.txt"))
    assert linum.split() == ["xdp_pairs.linum.txt", "xdp_pairs", "100", "102", "+2", "(+2.00%)", "changed"]
    # then each pair's own report, in name order
    reports = out.split("\n\n", 1)[1]
    assert reports.index("load.strace.txt") < reports.index("xdp_pairs.linum.txt")


def test_the_pool_gives_what_one_process_gives(capsys: pytest.CaptureFixture[str]) -> None:
    serial = run(capsys, "diff", "--jobs", "1", str(ADDED / "a"), str(ADDED / "b"))
    pooled = run(capsys, "diff", "--jobs", "2", str(ADDED / "a"), str(ADDED / "b"))
    assert serial == pooled
    serial_json = run(capsys, "diff", "-j", "1", "--format", "json", str(ADDED / "a"), str(ADDED / "b"))
    pooled_json = run(capsys, "diff", "-j", "2", "--format", "json", str(ADDED / "a"), str(ADDED / "b"))
    assert serial_json == pooled_json


def test_a_pair_in_trouble_does_not_stop_the_others(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:  # fmt: skip
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(ADDED / "a", a)
    shutil.copytree(ADDED / "b", b)
    (b / "xdp_pairs.linum.txt").write_bytes(b"\x7fELF\x02\x01\x01" + bytes(100))  # not a capture
    code, out, err = run(capsys, "diff", "--jobs", "2", str(a), str(b))
    assert code == 2
    assert err.count("\n") == 1 and "xdp_pairs.linum.txt" in err
    table = out.split("\n\n")[0]
    assert any(r.startswith("xdp_pairs.linum.txt") and r.endswith("trouble") for r in table.splitlines())
    assert any(r.startswith("xdp_pairs.xlated.txt") and "+2 (+2.00%)" in r for r in table.splitlines())
    code, out, _ = run(capsys, "diff", "--format", "json", str(a), str(b))
    doc = json.loads(out)
    assert code == 2 and doc["equal"] is False
    files = {f["name"]: f for f in doc["files"]}
    assert "xdp_pairs.linum.txt" in files["xdp_pairs.linum.txt"]["trouble"]
    assert files["xdp_pairs.xlated.txt"]["diff"]["bpflogs_diff"] == 1


def test_json_summary_rows(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diff", "--format", "json", str(PAIRS / "same-twice" / "a"), str(ADDED / "b"))
    doc = json.loads(out)
    assert code == 1
    rows = {(r["file"], r["program"]): r for r in doc["summary"]}
    row = rows[("xdp_pairs.xlated.txt", "xdp_pairs")]
    assert (row["a_insns"], row["b_insns"], row["delta"], row["status"]) == (100, 102, 2, "changed")
    assert row["percent"] == 2.0
    assert rows[("load.strace.txt", None)]["status"] == "changed"


def test_same_directories_exit_0_with_every_row_same(capsys: pytest.CaptureFixture[str]) -> None:
    a = PAIRS / "same-twice" / "a"
    code, out, err = run(capsys, "diff", str(a), str(a))
    assert (code, err) == (0, "")
    table = out.split("\n\n")[0].splitlines()[2:]
    assert table and all(r.endswith(" same") for r in table)
    assert any("+0 (+0.00%)" in r for r in table)


def test_cells() -> None:
    assert diff_cell(ProgramCount("p", Status.CHANGED, 84, 80)) == "-4 (-4.76%)"
    assert diff_cell(ProgramCount("p", Status.CHANGED, 0, 3)) == "+3"  # no percentage of nothing
    assert diff_cell(ProgramCount("p", Status.ADDED, None, 3)) == "-"
    removed = FileSummary("x.o", FileState.CHANGED, (ProgramCount("p", Status.REMOVED, 7, None),))
    assert text_table([removed]).splitlines()[2].split() == ["x.o", "p", "7", "-", "-", "removed"]


def test_names_in_the_table_are_data() -> None:
    program = ProgramCount("[b]p", Status.CHANGED, 1, 2)
    hostile = FileSummary("\x1b[31mred|*x*.o", FileState.CHANGED, (program,))
    text = text_table([hostile])
    assert "\x1b" not in text and "\\x1b[31mred" in text
    md = markdown_table([hostile])
    assert "\x1b" not in md and "red|*x*" not in md  # the pipe and stars escaped


def test_a_directory_of_objects_runs_as_a_program(tmp_path: Path) -> None:
    # through the real entry point: the pool's workers start from the command line's process
    done = subprocess.run(
        [sys.executable, "-m", "bpflogs", "diff", "--jobs", "2", str(ADDED / "a"), str(ADDED / "b")],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and done.stderr == ""
    assert done.stdout.startswith("File ")
