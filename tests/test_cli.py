"""The command line: output, exit codes, and one-line errors on bad input."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run
from paths import CORPUS

import bpflogs
from bpflogs.cli import main

XDP_Y = CORPUS / "strace" / "bpftool-prog-load-xdp_y.txt"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"bpflogs {bpflogs.__version__}"


@pytest.mark.parametrize("argv", [["--help"], ["parse", "--help"]])
def test_help(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "usage: bpflogs" in out
    assert ("parse" in out) if argv == ["--help"] else ("--json" in out and "--strict" in out)


def test_no_command_is_an_argument_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2


def test_parse_table_names_calls_and_objects(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "parse", str(XDP_Y))
    assert code == 0 and err == ""
    assert "PROG_LOAD" in out and "MAP_CREATE" in out and "OBJ_PIN" in out
    assert "prog:xdp_stats" in out  # the pinned program, resolved from its fd
    assert "prog_btf_fd→btf#" in out
    assert f"{len(XDP_Y.read_text().splitlines())} lines" in out


def test_parse_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "parse", "--json", str(XDP_Y))
    assert code == 0
    doc = json.loads(out)
    assert doc["bpflogs_parse"] == 1
    (file,) = doc["files"]
    lines = XDP_Y.read_text().splitlines()
    assert file["lines"] == len(lines)
    assert [r["text"] for r in file["records"]] == lines
    creates = [r for r in file["records"] if r.get("command") == "BPF_MAP_CREATE"]
    assert creates and all(isinstance(r["attr"]["max_entries"], int) for r in creates)
    assert any(isinstance(r["attr"]["map_flags"], list) and r["attr"]["map_flags"] for r in creates)
    labels = {o["label"] for o in file["objects"]}
    assert "prog:xdp_stats" in labels


def test_parse_json_changes_are_before_after(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    log = tmp_path / "next.txt"
    log.write_text("bpf(BPF_PROG_GET_NEXT_ID, {start_id=0, next_id=0 => 101}, 8) = 0\n")
    code, out, _ = run(capsys, "parse", "--json", str(log))
    record = json.loads(out)["files"][0]["records"][0]
    assert code == 0 and record["attr"]["next_id"] == {"before": 0, "after": 101}


def test_strict_reports_file_line_column_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = tmp_path / "bad.txt"
    log.write_text("bpf(BPF_MAP_FREEZE, {map_fd=5}, 4) = 0\nbpf(BPF_MAP_FREEZE, {map_fd=5 4) = 0\n")
    code, out, err = run(capsys, "parse", "--strict", str(log))
    assert code == 1
    assert f"{log}:2:" in err and "Traceback" not in err
    code, out, err = run(capsys, "parse", str(log))
    assert code == 0 and "1 unparsed lines: 2" in out


def test_stdin_and_gzip(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    packed = tmp_path / "run.txt.gz"
    packed.write_bytes(gzip.compress(XDP_Y.read_bytes()))
    code, out, _ = run(capsys, "parse", "--json", str(packed))
    assert code == 0 and len(json.loads(out)["files"][0]["records"]) == len(XDP_Y.read_text().splitlines())
    proc = subprocess.run(
        [sys.executable, "-m", "bpflogs", "parse", "--json", "-"],
        input=XDP_Y.read_bytes(),
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["files"][0]["file"] == "<stdin>"


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "cannot open"),
        (b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 4, "not a text log"),
        (gzip.compress(b"bpf(BPF_MAP_FREEZE, {map_fd=5}, 4) = 0\n" * 1000)[:60], "compressed stream"),
    ],
    ids=["missing", "elf", "truncated-gz"],
)
def test_unreadable_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "input"
    if content is not None:
        path.write_bytes(content)
    code, _, err = run(capsys, "parse", str(path))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"bpflogs: {path}") and message in err


def test_log_text_is_never_markup(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    log = tmp_path / "markup.txt"
    log.write_text(
        "bpf(BPF_MAP_CREATE, {map_type=BPF_MAP_TYPE_HASH, key_size=4, value_size=8, max_entries=1, "
        'map_flags=0, inner_map_fd=0, map_name="[red]x\\33[2J"}, 72) = 3\n'
    )
    code, out, _ = run(capsys, "parse", str(log))
    assert code == 0
    assert "[red]x" in out and "\x1b" not in out and "\\x1b[2J" in out


def test_console_script_installed() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bpflogs", "parse", str(XDP_Y)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0 and "OBJ_PIN" in proc.stdout


def test_an_internal_error_is_one_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import bpflogs.commands.parse as parse_command

    def broken(args: object) -> int:
        raise KeyError("boom")

    monkeypatch.setattr(parse_command, "run", broken)
    monkeypatch.delenv("BPFLOGS_DEBUG", raising=False)
    assert main(["parse", str(XDP_Y)]) == 2
    err = capsys.readouterr().err
    assert err == "bpflogs: internal error: KeyError: 'boom' (a bug in bpflogs: please report it)\n"
    monkeypatch.setenv("BPFLOGS_DEBUG", "1")
    with pytest.raises(KeyError):
        main(["parse", str(XDP_Y)])
