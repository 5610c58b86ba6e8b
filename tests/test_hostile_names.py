"""A file name is data like log text (issue 12): whatever bytes it holds, no output of any
command or format carries a terminal escape, control or bidi character from it, Markdown
gets it escaped, and JSON holds it exactly (``*_hex`` beside a name that is not UTF-8)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from helpers import run
from paths import REPO

from bpflogs.cli import main
from bpflogs.render.diff_markdown import escape
from bpflogs.render.inert import inert

XDP_Y = REPO / "corpus" / "strace" / "bpftool-prog-load-xdp_y.txt"

NAMES = {
    "osc52": "\x1b]52;c;aGVsbG8=\x07clip",
    "osc8": "\x1b]8;;https:evil\x1b\\link\x1b]8;;\x1b\\",
    "bel-cr-lf": "bell\x07cr\rnl\nend",
    "bidi": "bidi\u202eevil\u2066x\u2069\u200f\u061c",
    "markdown": "pipe|tick`<b>bold",
    "not-utf8": os.fsdecode(b"bad\x80\xff"),
    "c1": "csi\u009b31m\u0085nel",
}
# what no output may hold: C0 controls but tab and newline, DEL, C1, bidi controls, line
# separators, lone surrogates (an undecodable byte written raw)
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
SGR = re.compile(r"\x1b\[[0-9;]*m")


def safe(text: str, styled: bool = False) -> None:
    if styled:  # a terminal's output: our own colours (SGR) and nothing else
        text = SGR.sub("", text)
    found = UNSAFE.search(text)
    assert found is None, (
        f"{found.group()!r} at {found.start()}: {text[max(0, found.start() - 40) : found.end() + 40]!r}"
    )


@pytest.fixture(params=sorted(NAMES))
def name(request: pytest.FixtureRequest) -> str:
    return NAMES[request.param]


@pytest.fixture
def tree(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """a/NAME and b/NAME.2 (each on one side only), a/both-NAME and b/both-NAME (differing)."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    shutil.copy(XDP_Y, a / name)
    shutil.copy(XDP_Y, b / f"{name}.2")
    shutil.copy(XDP_Y, a / f"both-{name}")
    (b / f"both-{name}").write_text(XDP_Y.read_text().replace("max_entries=1", "max_entries=2", 1))
    return a, b


@pytest.mark.parametrize("fmt", ["text", "markdown", "rich"])
def test_directory_diff_shows_names_inert(capsys: pytest.CaptureFixture[str], tree: tuple[Path, Path],
                                          name: str, fmt: str) -> None:  # fmt: skip
    a, b = tree
    code, out, err = run(capsys, "diff", "--format", fmt, str(a), str(b))
    assert (code, err) == (1, "")
    safe(out)
    shown = escape if fmt == "markdown" else inert
    assert f"only in a: {shown(str(a / name))}\n" in out
    assert f"only in b: {shown(str(b / name))}.2\n" in out
    # the header of the pair compared (rich folds a line longer than its width)
    assert shown(str(a / f"both-{name}")) in (out.replace("\n", "") if fmt == "rich" else out)


def test_directory_diff_on_a_terminal(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                      tree: tuple[Path, Path], name: str) -> None:  # fmt: skip
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich takes stdout for a terminal: styled output
    a, b = tree
    code, out, _ = run(capsys, "diff", str(a), str(b))
    assert code == 1 and "\x1b[" in out
    safe(out, styled=True)


def test_directory_diff_json_holds_the_exact_names(capsys: pytest.CaptureFixture[str],
                                                   tree: tuple[Path, Path], name: str) -> None:  # fmt: skip
    a, b = tree
    code, out, _ = run(capsys, "diff", "--format", "json", str(a), str(b))
    assert code == 1
    out.encode("ascii")  # every character outside ASCII is a \u escape
    files = {exact(f, "name"): f for f in json.loads(out)["files"]}
    assert files[name]["only_in"] == "a" and files[f"{name}.2"]["only_in"] == "b"
    pair = files[f"both-{name}"]["diff"]
    assert exact(pair["a"], "file") == str(a / f"both-{name}")
    assert exact(pair["b"], "file") == str(b / f"both-{name}")


def exact(doc: dict[str, str], key: str) -> str:
    """The name a JSON object holds: its text, or the bytes of ``KEY_hex`` when there."""
    raw = doc.get(f"{key}_hex")
    return doc[key] if raw is None else os.fsdecode(bytes.fromhex(raw))


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_diff_of_two_files_shows_names_inert(
    capsys: pytest.CaptureFixture[str], tree: tuple[Path, Path], name: str, fmt: str
) -> None:
    a, b = tree
    code, out, err = run(capsys, "diff", "--format", fmt, str(a / name), str(b / f"{name}.2"))
    assert (code, err) == (0, "")
    safe(out)
    if fmt == "json":
        doc = json.loads(out)
        assert exact(doc["a"], "file") == str(a / name)
    else:
        assert (escape if fmt == "markdown" else inert)(str(a / name)) in out


def test_validate_prefixes_and_summary_are_inert(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 name: str) -> None:  # fmt: skip
    path = tmp_path / name
    path.write_text(XDP_Y.read_text() + "garbage line\n")
    code, out, err = run(capsys, "validate", str(path))
    assert (code, err) == (1, "")
    safe(out)
    assert f"{inert(str(path))}:{len(XDP_Y.read_text().splitlines()) + 1}:1: error: " in out
    assert f"\n{inert(str(path))}: 1 error, " in out
    code, out, _ = run(capsys, "validate", "--json", str(path))
    assert code == 1
    out.encode("ascii")
    (result,) = json.loads(out)["files"]
    assert exact(result, "file") == str(path)


def test_parse_titles_are_inert(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                tmp_path: Path, name: str) -> None:  # fmt: skip
    path = tmp_path / name
    shutil.copy(XDP_Y, path)
    dump = tmp_path / f"{name}.xlated"
    dump.write_text("   0: (b7) r0 = 0\n   1: (95) exit\n")
    code, out, err = run(capsys, "parse", str(path), str(dump))
    assert (code, err) == (0, "")
    safe(out)
    assert inert(str(path)) in out and inert(str(dump)) in out
    monkeypatch.setenv("FORCE_COLOR", "1")
    code, out, err = run(capsys, "parse", str(path), str(dump))
    assert code == 0 and "\x1b[" in out
    safe(out, styled=True)
    code, out, _ = run(capsys, "parse", "--json", str(path))
    assert code == 0
    out.encode("ascii")
    assert exact(json.loads(out)["files"][0], "file") == str(path)


@pytest.mark.parametrize("command", ["parse", "validate", "diff"])
def test_error_messages_name_the_file_inert(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                            name: str, command: str) -> None:  # fmt: skip
    missing = str(tmp_path / name)
    argv = [command, missing] + ([str(XDP_Y)] if command == "diff" else [])
    code, out, err = run(capsys, *argv)
    assert code == 2
    safe(out + err)
    assert err.startswith(f"bpflogs: {inert(missing)}: cannot open: ")


def test_argument_errors_repeat_a_name_inert(capsys: pytest.CaptureFixture[str], name: str) -> None:
    """A name that starts with '-' is an option to argparse: its complaint repeats it."""
    with pytest.raises(SystemExit) as exc:
        main(["parse", str(XDP_Y), f"-{name}"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    safe(err)
    assert f"error: unrecognized arguments: -{inert(name)}\n" in err


def test_json_keeps_a_character_beyond_the_bmp_whole() -> None:
    """U+12480 is the escape pair \\ud809\\udc80: its second half is no undecodable byte."""
    from bpflogs.render.json_text import dumps

    for text in ("\U00012480", "a/\U00012480\udc81", "\\\U00012480"):
        doc = dumps({"name": text})
        doc.encode("ascii")
        assert json.loads(doc)["name"] == text.replace("\udc81", "\\x81")
