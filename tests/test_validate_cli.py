"""``bpflogs validate``: diagnostics as text and JSON, exit codes, check selection, bad input."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from paths import REPO
from rich.console import Console

import bpflogs
from bpflogs.cli import main
from bpflogs.render.validate_text import diagnostic_lines, print_results, write_results
from bpflogs.validate import CHECKS, Severity, validate

CLEAN = REPO / "corpus" / "strace" / "bpftool-prog-run-xdp_tt-T.txt"  # nothing to report
WARNED = REPO / "corpus" / "mixed" / "xdp_load_and_dump.txt"  # warnings and notes, no errors
HEADLINE = (  # FILE:LINE:COL: SEVERITY: MESSAGE [CHECK]
    r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|note): (?P<msg>.+) "
    r"\[(?P<check>[a-z-]+)\]$"
)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """An xlated dump with a jump pushed out of the program and a control character in a line."""
    lines = (REPO / "corpus" / "xlated" / "xdp_stats.xdp_stats.plain.txt").read_text().splitlines()
    n = next(i for i, t in enumerate(lines) if t.endswith("goto pc+1"))
    lines[n] = lines[n].replace("pc+1", "pc+900")
    lines.insert(0, "\x1b[31mnot a dump line\x1b]0;pwned\x07")
    path = tmp_path / "broken.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_clean_capture_exits_0_with_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["validate", str(CLEAN)], capsys)
    assert code == 0 and err == ""
    assert out.splitlines()[-1] == f"{CLEAN}: 0 errors, 0 warnings, 0 notes"


def test_warnings_pass_unless_strict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["validate", str(WARNED)], capsys)
    assert code == 0 and out.splitlines()[-1] == f"{WARNED}: 0 errors, 3 warnings, 3 notes"
    code, _, _ = run(["validate", "--strict", str(WARNED)], capsys)
    assert code == 1


def test_errors_print_like_a_compiler(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["validate", str(broken)], capsys)
    assert code == 1
    lines = out.splitlines()
    heads = [(i, re.match(HEADLINE, t)) for i, t in enumerate(lines) if re.match(HEADLINE, t)]
    assert [m.group("check") for _, m in heads if m.group("sev") == "error"] == ["syntax", "jump-target"]
    for i, m in heads:
        assert m.group("file") == str(broken)
        source, caret = lines[i + 1], lines[i + 2]
        gutter = source.index("| ") + 2
        assert source[: gutter - 3].strip() == m.group("line")
        # the caret stands under the column (the line here has no control characters before it)
        if m.group("check") == "jump-target":
            assert caret.index("^") - gutter == int(m.group("col")) - 1
            assert source[caret.index("^") :].startswith("pc+900")
            assert caret[caret.index("^") :] == "^~~~~~"
    assert "= hint: " in out
    assert lines[-1] == f"{broken}: 2 errors, 0 warnings, 0 notes"


def test_log_text_is_inert(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["validate", str(broken)], capsys)
    assert "\x1b" not in out and "\x07" not in out
    assert "not a dump line\\x1b]0;pwned\\x07" in out  # colour removed as strace's, the rest shown
    console = Console(record=True, force_terminal=True, color_system="standard", file=io.StringIO(), width=80)
    print_results([validate(bpflogs.parse_file(broken))], console)
    styled = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[" in styled  # rich styles on a terminal ...
    assert "pwned\x07" not in styled and "\x1b[31mnot" not in styled  # ... but none from the log
    assert "\\x1b]0;pwned\\x07" in console.export_text()


def test_json_is_one_versioned_document(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["validate", "--json", str(broken), str(CLEAN), "missing.txt"], capsys)
    assert code == 2 and err == ""
    doc = json.loads(out)
    assert doc["bpflogs_validate"] == 1
    first, second, third = doc["files"]
    assert first["summary"] == {"errors": 2, "warnings": 0, "notes": 0} and first["passed"] is False
    jump = next(d for d in first["diagnostics"] if d["check"] == "jump-target")
    assert set(jump) == {"line", "column", "width", "severity", "check", "message", "hint", "source"}
    assert jump["source"][jump["column"] - 1 :].startswith("pc+900") and jump["severity"] == "error"
    assert second["passed"] is True and second["kind"] == "strace"
    assert third == {"file": "missing.txt", "trouble": "missing.txt: cannot open: No such file or directory"}
    assert doc["summary"] == {"files": 3, "unreadable": 1, "errors": 2, "warnings": 0, "notes": 0}


def test_list_checks_names_every_check(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["validate", "--list-checks"], capsys)
    assert code == 0
    rows = out.splitlines()
    assert [r.split()[0] for r in rows] == [c.name for c in CHECKS]
    assert len({c.name for c in CHECKS}) == len(CHECKS) == 20
    for row, c in zip(rows, CHECKS, strict=True):
        assert row.split()[1:3] == [c.scope.value, c.severity.value] and row.endswith(c.summary)


def test_check_and_skip_select(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["validate", "--json", "--check", "jump-target", str(broken)], capsys)
    [found] = json.loads(out)["files"]
    assert found["checks"] == ["jump-target"] and {d["check"] for d in found["diagnostics"]} == {
        "jump-target"
    }
    code, out, _ = run(
        ["validate", "--json", "--skip", "jump-target", "--skip", "syntax", str(broken)], capsys
    )
    [found] = json.loads(out)["files"]
    assert code == 0 and "jump-target" not in found["checks"] and found["summary"]["errors"] == 0
    code, _, err = run(["validate", "--check", "no-such-check", str(broken)], capsys)
    assert code == 2 and "no check named 'no-such-check'" in err


def test_unreadable_input_is_trouble_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elf = tmp_path / "prog.o"
    elf.write_bytes(b"\x7fELF" + bytes(200))
    code, out, err = run(["validate", str(elf), str(tmp_path)], capsys)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"bpflogs: {elf}: not a text log: this looks like an ELF binary",
        f"bpflogs: {tmp_path}: cannot open: Is a directory",
    ]
    code, _, err = run(["validate"], capsys)
    assert code == 2 and "no FILE given" in err


def test_quiet_prints_only_summaries(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["validate", "-q", str(WARNED), str(CLEAN)], capsys)
    assert out.splitlines() == [
        f"{WARNED}: 0 errors, 3 warnings, 3 notes",
        f"{CLEAN}: 0 errors, 0 warnings, 0 notes",
    ]


def test_a_long_line_is_shown_around_its_column() -> None:
    text = "bpf(BPF_PROG_LOAD, {" + "x" * 400 + "\n"
    result = validate(bpflogs.parse_text(text, name="long.txt"))
    [diag] = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    head, source, caret, *_ = [t.plain for t in diagnostic_lines(diag)]
    assert head.startswith(f"long.txt:1:{len(text)}: error: line ends too early")
    assert len(source) < 200 and source.split("| ", 1)[1].startswith("...")
    assert caret.index("^") == source.index("x" * 10) + source.count("x")  # just past the last character
    out = io.StringIO()
    write_results([result], out)
    assert out.getvalue().endswith("long.txt: 1 error, 0 warnings, 0 notes\n")
