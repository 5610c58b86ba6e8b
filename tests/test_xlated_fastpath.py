"""Instruction forms parsed once per distinct text give what parsing each whole line gives,
on every line of every corpus and sample dump."""

from __future__ import annotations

from pathlib import Path

import pytest
from paths import CORPUS, missing_samples, sample_files

from bpflogs.parse.programs import DumpReader
from bpflogs.parse.xlated import grammar_record as _record
from bpflogs.parse.xlated import parse_dump_line
from bpflogs.read import open_source


def dumps() -> list[Path]:
    files = [p for p in sorted((CORPUS / "xlated").iterdir()) if ".txt" in p.name]
    files += sorted(CORPUS.joinpath("pairs").glob("*/*/*.txt"))
    files += sample_files(
        "xlated", lambda p: p.suffix == ".txt" and ("plain" in p.name or "opcodes" in p.name)
    )
    return [p for p in files if not p.name.startswith("load.")]


@pytest.mark.parametrize("path", dumps() + missing_samples(), ids=lambda p: f"{p.parent.name}/{p.name}")
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
        "   2: (b4) (u32) r8 = (u32) 0",  # before 5.1
        "   3: (84) r1 = (u32) -r1",
        "   4: (87) r1 neg 0",  # the 4.x verifier
        "   5: (85) call 1",
        "   6: (16) BUG",
        "   7: (dc) r1 = be16 r2",  # flagged
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


@pytest.mark.parametrize("path", dumps(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_bulk_loop_reads_a_dump_as_line_by_line_does(path: Path) -> None:
    """``DumpReader.read_insns`` (the loop of a big dump) against ``add`` line by line: the
    same records and the same programs, joined bytes, function headers and all."""
    with open_source(path) as src:
        lines = list(src.lines())
    one = DumpReader(None)
    for number, text in lines:
        one.add(number, text)
    bulk = DumpReader(None)
    rest = iter(lines)
    while (stop := bulk.read_insns(rest)) is not None:
        bulk.add(*stop)
    assert bulk.finish() == one.finish()


def test_a_restart_at_slot_zero_in_the_bulk_loop_starts_a_program_with_its_header() -> None:
    lines = [
        "int f(struct xdp_md * ctx):",
        "   0: (b7) r0 = 0",
        "   1: (95) exit",
        "int g(struct xdp_md * ctx):",
        "; return 2;",
        "   0: (b7) r0 = 2",
        "   1: (95) exit",
        "       95 00 00 00 00 00 00 00",
    ]
    reader = DumpReader(None)
    rest = iter(enumerate(lines, 1))
    while (stop := reader.read_insns(rest)) is not None:
        reader.add(*stop)
    records, programs = reader.finish()
    assert [r.render() for r in records] == lines
    assert [(p.name, p.line, len(p.instructions)) for p in programs] == [("f", 1, 2), ("g", 4, 2)]
    assert [s.source for _, s in programs[1].sources] == ["return 2;"]
    assert programs[1].instructions[-1].raw == bytes.fromhex("9500000000000000")
    assert records[6].insn == programs[1].instructions[-1]  # type: ignore[union-attr]
