"""Instruction forms parsed once per distinct text give what parsing each whole line gives,
on every line of every corpus and sample dump."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpflogs.parse.xlated import _record, parse_dump_line
from bpflogs.read import open_source

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples" / "xlated"


def dumps() -> list[Path]:
    files = [p for p in sorted((ROOT / "corpus" / "xlated").iterdir()) if ".txt" in p.name]
    files += sorted(ROOT.joinpath("corpus", "pairs").glob("*/*/*.txt"))
    if SAMPLES.is_dir():
        files += [p for p in sorted(SAMPLES.glob("*.txt")) if "plain" in p.name or "opcodes" in p.name]
    return [p for p in files if not p.name.startswith("load.")]


@pytest.mark.parametrize("path", dumps(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_cached_forms_equal_whole_line_parses(path: Path) -> None:
    with open_source(path) as src:
        lines = list(src.lines())
    for number, text in lines:
        assert parse_dump_line(number, text) == _record(number, text), text


@pytest.mark.parametrize(
    "text",
    [
        "  12: (bf) r1 = r6",
        "1000: (05) goto pc-1000",
        "   3: (85) call pc+5#bpf_prog_29a333538e466fa1_f",
        "   6: (18) r2 = subprog[+46]",
        "   7: (bf) r1 = ",  # cut
        "   8: (zz) r1 = r2",
        "   9: (bf) r1 = r2 trailing",
        "BUG_alu64_d7",
        "  10: BUG_ldx_91",
    ],
)
def test_line_forms(text: str) -> None:
    assert parse_dump_line(5, text) == _record(5, text)
    assert parse_dump_line(5, text) == _record(5, text)
