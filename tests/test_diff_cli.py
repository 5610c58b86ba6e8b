"""``bpflogs diff`` on the command line: exit codes, formats, bad input, golden outputs.

Golden files (tests/golden/diff/) are regenerated only on purpose:
``BPFLOGS_REGEN_GOLDEN=1 python -m pytest tests/test_diff_cli.py``.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run
from paths import GOLDEN, PAIRS, REPO

from bpflogs.cli import main

GOLDEN_DIFF = GOLDEN / "diff"
REGEN = os.environ.get("BPFLOGS_REGEN_GOLDEN") == "1"


def pair(name: str, file: str) -> list[str]:
    # relative paths: the golden outputs name the files as a user in the repository would
    return [f"corpus/pairs/{name}/a/{file}", f"corpus/pairs/{name}/b/{file}"]


GOLDENS = [
    ("statement-added", "xdp_pairs.linum.txt", "text", ()),
    ("statement-added", "xdp_pairs.linum.txt", "markdown", ()),
    ("constant-changed", "xdp_pairs.linum.txt", "text", ("--side-by-side", "--context", "1")),
    ("O1-vs-O2", "xdp_pairs.xlated.txt", "markdown", ()),
    ("max-entries", "load.strace.txt", "text", ()),
    ("statement-added", "load.strace.txt", "markdown", ()),
    ("same-twice", "load.strace.txt", "text", ()),
]


@pytest.mark.parametrize(("name", "file", "fmt", "extra"), GOLDENS)
def test_golden_output(
    capsys: pytest.CaptureFixture[str], name: str, file: str, fmt: str, extra: tuple[str, ...]
) -> None:
    code, out, err = run(capsys, "diff", "--format", fmt, *extra, *pair(name, file))
    assert err == ""
    assert code == (0 if name == "same-twice" else 1)
    suffix = "md" if fmt == "markdown" else "txt"
    golden = GOLDEN_DIFF / f"{name}.{file.split('.')[-2]}{''.join(extra).replace('-', '')}.{suffix}"
    if REGEN:
        golden.write_text(out)
    assert golden.exists(), f"{golden} missing: run with BPFLOGS_REGEN_GOLDEN=1"
    assert out == golden.read_text()


@pytest.mark.parametrize("fmt", ["text", "rich", "markdown", "json"])
def test_every_format_exits_like_diff(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    same = run(capsys, "diff", "--format", fmt, *pair("same-twice", "xdp_pairs.xlated.txt"))
    changed = run(capsys, "diff", "--format", fmt, *pair("constant-changed", "xdp_pairs.xlated.txt"))
    assert same[0] == 0 and changed[0] == 1
    assert same[2] == changed[2] == ""
    assert "1200" in changed[1] and "1200" not in same[1]


def test_json_lists_every_row_with_all(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "diff", "--format", "json", *pair("constant-changed", "xdp_pairs.xlated.txt"))
    doc = json.loads(out)
    assert doc["bpflogs_diff"] == 1 and doc["equal"] is False
    assert len(doc["programs"][0]["instructions"]) == 4  # the change and 3 map ids equal after a rule
    argv = ("diff", "--format", "json", "--all", *pair("constant-changed", "xdp_pairs.xlated.txt"))
    _, out, _ = run(capsys, *argv)
    rows = json.loads(out)["programs"][0]["instructions"]
    assert len(rows) == 100 and sum(r["op"] == "change" for r in rows) == 1


def test_stdin_is_one_side(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = pair("max-entries", "load.strace.txt")
    data = (REPO / b).read_bytes()

    class Stdin:
        buffer = __import__("io").BytesIO(data)

    monkeypatch.setattr(sys, "stdin", Stdin)
    code, out, _ = run(capsys, "diff", "--format", "json", a, "-")
    assert code == 1
    assert json.loads(out)["b"]["file"] == "<stdin>"


def test_compressed_side(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    a, b = pair("same-twice", "xdp_pairs.xlated.txt")
    packed = tmp_path / "b.txt.gz"
    packed.write_bytes(gzip.compress((REPO / b).read_bytes()))
    code, _, err = run(capsys, "diff", str(REPO / a), str(packed))
    assert (code, err) == (0, "")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.txt", "No such file"),
        (lambda p: p, "directory"),
        (lambda p: _write(p / "elf", b"\x7fELF\x02\x01\x01" + bytes(100)), "ELF"),
        (lambda p: _write(p / "cut.gz", gzip.compress(b"bpf(BPF_MAP_FREEZE) = 0\n" * 9)[:40]), "truncated"),
    ],
)
def test_bad_input_on_either_side_is_trouble(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make: object, message: str
) -> None:
    bad = str(make(tmp_path))  # type: ignore[operator]
    good = str(PAIRS / "max-entries" / "a" / "load.strace.txt")
    for argv in ([bad, good], [good, bad]):
        code, out, err = run(capsys, "diff", *argv)
        assert code == 2 and out == ""
        assert err.startswith("bpflogs: ") and message in err and err.count("\n") == 1
        assert "Traceback" not in err


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_strict_makes_an_unparsed_line_trouble(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    a = PAIRS / "max-entries" / "a" / "load.strace.txt"
    broken = tmp_path / "b.txt"
    broken.write_text(a.read_text() + "bpf(BPF_MAP_CREATE, {map_type=\n")
    # kept as an Unparsed record, on one side only: a difference (it was 0, a false "equal")
    assert run(capsys, "diff", str(a), str(broken))[0] == 1
    code, _, err = run(capsys, "diff", "--strict", str(a), str(broken))
    assert code == 2 and f"{broken}:{len(a.read_text().splitlines()) + 1}:" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["diff", "only-one"],
        ["diff", "-", "-"],
        ["diff", "--context", "-1", "a", "b"],
        ["diff", "--format", "xml", "a", "b"],
    ],
)
def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    assert code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_log_text_is_inert_in_every_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base = 'bpf(BPF_OBJ_PIN, {pathname="/sys/fs/bpf/%s", bpf_fd=3, file_flags=0}, 16) = 0\n'
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(base % "x")
    b.write_text(base % "[red]x[/red]\\33[31m|`<b>")
    for fmt in ("text", "rich", "markdown"):
        code, out, _ = run(capsys, "diff", "--format", fmt, str(a), str(b))
        assert code == 1
        assert "\x1b" not in out
        assert any(t in out for t in ("[red]x[/red]", "\\[red\\]x\\[/red\\]"))  # shown, markdown-escaped
        assert "\\x1b" in out  # the escape is visible as text
    _, md, _ = run(capsys, "diff", "--format", "markdown", str(a), str(b))
    assert "<b>" not in md


def test_the_command_runs_as_a_program() -> None:
    a, b = pair("statement-added", "xdp_pairs.xlated.txt")
    done = subprocess.run(
        [sys.executable, "-m", "bpflogs", "diff", a, b], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1 and done.stderr == ""
    assert "+    33  (b7) r1 = 4" in done.stdout


def test_two_directories_compare_file_by_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "diff", "corpus/pairs/same-twice/a", "corpus/pairs/same-twice/b")
    assert (code, err) == (0, "")
    assert out.count("no semantic differences between") == 4
    argv = ("diff", "--format", "json", "corpus/pairs/same-twice/a", "corpus/pairs/max-entries/b")
    code, out, _ = run(capsys, *argv)
    doc = json.loads(out)
    assert code == 1 and doc["bpflogs_diff_dirs"] == 1 and doc["equal"] is False
    files = {f["name"]: f for f in doc["files"]}
    assert files["xdp_pairs.xlated.txt"] == {"name": "xdp_pairs.xlated.txt", "only_in": "a"}
    assert files["load.strace.txt"]["diff"]["bpflogs_diff"] == 1


def test_a_directory_against_a_file_is_trouble(capsys: pytest.CaptureFixture[str]) -> None:
    folder, file = "corpus/pairs/same-twice/a", "corpus/pairs/max-entries/b/load.strace.txt"
    code, out, err = run(capsys, "diff", folder, file)
    assert code == 2 and out == "" and "a directory against a file" in err
