"""Every xlated dump we have parses completely, losslessly, and to the same model in every mode.

Files: the shared samples (``../shared/samples/xlated``: bpftool 7.1 and 7.8 of the same
loaded programs), the seed dump and the bpftool-stdout companion of an strace sample, and
this repository's ``corpus/xlated`` and ``corpus/mixed`` (regenerated at will, so they are
globbed when the tests are collected; ``.gz`` files are read transparently).
"""

from __future__ import annotations

import gzip
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import load
from paths import CORPUS, SAMPLES, have_samples, missing_samples, sample_files, samples_or_skip

from bpflogs import Unparsed
from bpflogs.model.insn import CallKind, Instruction, Program

# ---------------------------------------------------------------------------------- inputs

XLATED = SAMPLES / "xlated"
CORPUS_XLATED = CORPUS / "xlated"
CORPUS_MIXED = CORPUS / "mixed"
SEED = ("seed", "xlated-hello.txt")
COMPANION = ("strace", "v6.1_bpftool-prog-dump-xlated_v-s256.bpftool-stdout.txt")

# Not dumps, though they sit among the samples: `verifier-log.*` are verifier logs (same
# disassembler, other prefixes: `N: (CC) TEXT ; STATE`, liveness columns, `func#0 @0`),
# `errors.*` collects bpftool's error messages and exit codes, and `calls.jited-shape.*` is
# `prog dump jited` host assembly. `*.dot` (`visual`) is refused by design (test_mixed.py).
NOT_DUMPS = ("verifier-log.", "errors.", "calls.jited-shape.")


def shared_dumps() -> list[Path]:
    return sample_files(
        "xlated", lambda p: p.suffix in (".txt", ".json") and not p.name.startswith(NOT_DUMPS)
    )


def corpus_dumps() -> list[Path]:
    found = []
    for folder in (CORPUS_XLATED, CORPUS_MIXED):
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    return found


def _dump_params() -> Iterator[object]:
    for path in corpus_dumps():
        yield pytest.param(path, id=f"corpus/{path.parent.name}/{path.name}")
    for path in shared_dumps():
        yield pytest.param(path, id=f"samples/{path.name}")
    if have_samples():
        for parts in (SEED, COMPANION):
            path = samples_or_skip(*parts)
            yield pytest.param(path, id=f"samples/{path.parent.name}/{path.name}")
    yield from missing_samples()


def test_inputs_found() -> None:
    assert corpus_dumps(), f"no dumps in {CORPUS_XLATED}"
    assert any(".json" in p.name for p in corpus_dumps())
    samples_or_skip("xlated")
    names = {p.name for p in shared_dumps()}
    assert "calls.plain.bpftool-7.8.txt" in names and "v4.pretty-opcodes.bpftool-7.8.json" in names
    assert not any(n.startswith(NOT_DUMPS) or n.endswith(".dot") for n in names)


# ---------------------------------------------------------------------------------- every dump


@pytest.mark.parametrize("path", list(_dump_params()))
def test_dump_parses_completely(path: Path) -> None:
    capture = load(path)
    assert [(u.line, u.text, u.message) for u in capture.unparsed] == []
    assert not any(isinstance(r, Unparsed) for r in capture.records)
    for record in capture.records:
        assert record.render() == record.text, record
    # every line in exactly one record
    lines = sorted(n for record in capture.records for n in record.lines)
    assert lines == list(range(1, capture.line_count + 1))
    assert capture.programs
    assert capture.kind == ("mixed" if path.parent == CORPUS_MIXED else "xlated")
    for prog in capture.programs:
        assert prog.instructions and prog.functions and prog.name
        assert [i for f in prog.functions for i in f.instructions] == list(prog.instructions)


@pytest.mark.parametrize("path", list(_dump_params()))
def test_dump_text_is_kept(path: Path) -> None:
    """Each one-line record's text is its line of the file, byte for byte."""
    capture = load(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        lines = f.read().splitlines()
    assert len(lines) == capture.line_count
    singles = [r for r in capture.records if len(r.lines) == 1]
    assert singles
    for record in singles:
        assert lines[record.line - 1] == record.text


# ---------------------------------------------------------------------------------- equal models across modes


def _group(path: Path) -> tuple[str, str, str] | None:
    """(program, bpftool, mode) of a dump, or None if it is not part of a comparison."""
    name = path.name.removesuffix(".gz")
    if path.parent == CORPUS_XLATED:
        parts = name.split(".")
        return (f"{parts[0]}.{parts[1]}", "corpus", ".".join(parts[2:]))
    if path.parent != XLATED or "second-load" in name:  # a second load has other map ids
        return None
    found = re.match(r"^(\w+)\.(multi-by-name\.)?(?:([a-z-]+)\.)?bpftool-(7\.\d)\.(txt|json)$", name)
    if not found:
        return None
    prog = found.group(1) + (".multi-by-name" if found.group(2) else "")
    return (prog, found.group(4), f"{found.group(3) or 'plain'}.{found.group(5)}")


def _groups() -> dict[tuple[str, str], list[tuple[str, Path]]]:
    groups: dict[tuple[str, str], list[tuple[str, Path]]] = defaultdict(list)
    for path in corpus_dumps() + shared_dumps():
        key = _group(path)
        if key is not None:
            groups[key[:2]].append((key[2], path))
    return groups


def _pairs() -> Iterator[object]:
    """(reference, other) for each dump with a plain reference dump of the same program."""
    for (prog, version), members in sorted(_groups().items()):
        members.sort(key=lambda m: (not m[0].startswith("plain"), m[0]))
        ref_mode, ref = members[0]
        for mode, other in members[1:]:
            yield pytest.param(ref, other, version, id=f"{prog}@{version}:{ref_mode}~{mode}")


PAIRS = list(_pairs()) + missing_samples(3)
if not PAIRS:
    PAIRS = [pytest.param(None, None, None, marks=pytest.mark.skip(reason="no dumps to compare"))]


def _only_bytes_add(plain: Instruction, other: Instruction) -> None:
    """``other`` is ``plain`` plus what only raw bytes can tell: the bytes themselves,
    flags where they contradict the text, and kfunc calls."""
    assert other.raw is not None or other.flags == plain.flags
    assert set(plain.flags) <= set(other.flags)
    call = plain.call
    if call is not None and other.call is not None and other.call.kind is CallKind.KFUNC:
        assert other.raw is not None and call.kind is CallKind.HELPER
        call = other.call
    assert other.replace(raw=None, flags=plain.flags, call=call) == plain


def _sources(prog: Program, old_json: bool = False) -> list[tuple[int, str]]:
    """(slot, C text) of the source lines; ``old_json``: as bpftool 7.1 writes them in JSON,
    where its JSON writer prints a backslash as ``\\n`` (the samples' 7.8 JSON has ``\\\\n``
    for the same ``asm volatile("r6 = r1\\n"``), so ``\\n\\t`` comes back as newline, n,
    newline, t; a source line never holds a real newline."""
    return [(slot, s.source.replace("\\", "\n") if old_json else s.source) for slot, s in prog.sources]


@pytest.mark.parametrize("ref,other,version", PAIRS)
def test_same_program_same_model(ref: Path, other: Path, version: str) -> None:
    a, b = load(ref), load(other)
    assert len(a.programs) == len(b.programs)
    for pa, pb in zip(a.programs, b.programs, strict=True):
        assert pa.name == pb.name
        assert (pa.id, pa.type, pa.tag) == (pb.id, pb.type, pb.tag)
        assert len(pa.instructions) == len(pb.instructions)
        for ia, ib in zip(pa.instructions, pb.instructions, strict=True):
            if version == "7.8":  # a current bpftool prints everything right: bytes add nothing
                assert ib.replace(raw=None) == ia.replace(raw=None)
            else:
                _only_bytes_add(ia, ib)
        assert [(f.name, f.start, f.signature) for f in pa.functions] == [
            (f.name, f.start, f.signature) for f in pb.functions
        ]
        assert pa.slots == pb.slots
        # source lines: the same C text at the same slots in plain, linum and JSON dumps
        if pa.sources and pb.sources:
            old_json = version != "7.8" and pb.origin == "json" and pa.origin == "text"
            assert _sources(pa, old_json) == _sources(pb)


@pytest.mark.parametrize(
    "path", [p for p in corpus_dumps() + shared_dumps() if "linum" in p.name] + missing_samples() or [None]
)
def test_linum_dumps_carry_file_and_line(path: Path | None) -> None:
    if path is None:
        pytest.skip("no linum dumps")
    for prog in load(path).programs:
        assert prog.sources
        for _, source in prog.sources:
            assert source.file is not None and source.line_num is not None and source.line_col is not None
            assert "[file:" not in source.source
        if XLATED in path.parents:
            # the samples were built with -fdebug-prefix-map, so every path is ./NAME.bpf.c
            assert {s.file for _, s in prog.sources} == {f"./{path.name.split('.')[0]}.bpf.c"}
            assert any(s.line_num for _, s in prog.sources)


def test_linum_and_plain_source_texts_equal() -> None:
    samples_or_skip("xlated")
    for prog in ("calls", "maps"):
        for version in ("7.1", "7.8"):
            plain = load(XLATED / f"{prog}.plain.bpftool-{version}.txt").programs[0]
            linum = load(XLATED / f"{prog}.linum.bpftool-{version}.txt").programs[0]
            assert _sources(plain) == _sources(linum)
            assert all(s.file is None for _, s in plain.sources)
            # the texts as printed: "; TEXT" in plain, "; TEXT [file:...]" in linum
            for (_, p), (_, q) in zip(plain.sources, linum.sources, strict=True):
                assert q.text.startswith(p.text.rstrip() if p.source else ";")


def test_json_linum_matches_text_linum() -> None:
    samples_or_skip("xlated")
    text = load(XLATED / "calls.opcodes-linum.bpftool-7.8.txt").programs[0]
    json = load(XLATED / "calls.pretty-opcodes-linum.bpftool-7.8.json").programs[0]
    assert json.origin == "json" and text.origin == "text"

    def facts(prog: Program) -> list[tuple[int, str, str | None, int | None, int | None]]:
        return [(slot, s.source, s.file, s.line_num, s.line_col) for slot, s in prog.sources]

    assert facts(text) == facts(json)
    assert [i.raw for i in text.instructions] == [i.raw for i in json.instructions]


# ---------------------------------------------------------------------------------- bpftool 7.1 vs 7.8


def _insn_texts(path: Path) -> dict[int, str]:
    out = {}
    for line in path.read_text().splitlines():
        found = re.match(r"^\s*(\d+): (.*)$", line)
        if found and re.match(r"\([0-9a-f]{2}\) |BUG_", found.group(2)):
            out[int(found.group(1))] = found.group(2)
    return out


VERSION_PAIRS = [
    "alu.plain",
    "alu_v1_nobtf.plain",
    "arena.plain",
    "big.plain",
    "calls.plain",
    "calls.linum",
    "calls.opcodes",
    "jumps.plain",
    "kfunc.plain",
    "ldabs.plain",
    "maps.plain",
    "maps.linum",
    "maps.opcodes",
    "misc.plain",
    "v4.plain",
]

# the instructions bpftool 7.1 misprints (computed from the texts below; spelled out here
# for the two programs that have them, so a change of the samples is noticed)
MISPRINTED = {
    "v4.plain": {18, 21, 24, 29, 43, 55, 57, 69, 80, 89, 93, 104, 106, 109},
    "maps.plain": {70, 99},
    "maps.linum": {70, 99},
    "maps.opcodes": {70, 99},
    "kfunc.plain": {44},
}

# (what bpftool 7.8 prints, what 7.1 prints instead) for the silent misprints of xlated.md 2.9
SILENT = {("movsx", "mov"), ("div", "div"), ("mod", "mod"), ("percpu_addr", "mov")}


@pytest.mark.parametrize("stem", VERSION_PAIRS)
def test_old_bpftool_differs_only_where_it_misprints(stem: str) -> None:
    samples_or_skip("xlated")
    old_path, new_path = XLATED / f"{stem}.bpftool-7.1.txt", XLATED / f"{stem}.bpftool-7.8.txt"
    old_texts, new_texts = _insn_texts(old_path), _insn_texts(new_path)
    assert old_texts.keys() == new_texts.keys()
    differ = {slot for slot in old_texts if old_texts[slot] != new_texts[slot]}
    assert differ == MISPRINTED.get(stem, set())

    (old,) = load(old_path).programs
    (new,) = load(new_path).programs
    assert new.traits != old.traits or stem != "big.plain"
    assert [(f.name, f.start) for f in old.functions] == [(f.name, f.start) for f in new.functions]
    assert [i for i in new.instructions if i.flags] == []
    model_differ = set()
    for a, b in zip(old.instructions, new.instructions, strict=True):
        assert a.slot == b.slot
        if a.replace(raw=None) != b.replace(raw=None):
            model_differ.add(a.slot)
    assert model_differ == differ
    for slot in differ:
        was, right = old.at(slot), new.at(slot)
        assert was is not None and right is not None
        if was.op == "bug" or was.flags:
            continue  # flagged: a BUG_ line, or a text that is no form of its opcode (gotol)
        # a silent misprint: a plain form of the same registers, only bytes would tell
        assert was.raw is None, "with bytes, a misprint must be flagged"
        assert (right.op, was.op) in SILENT, (was, right)
        assert (was.dst, was.src, was.imm) == (right.dst, right.src, right.imm)
        assert was.opcode == right.opcode
        assert right.signed or right.op == "percpu_addr"
        assert not was.signed


def test_v4_flagged_and_silent_misprints() -> None:
    samples_or_skip("xlated")
    (old,) = load(XLATED / "v4.plain.bpftool-7.1.txt").programs
    flagged = {i.slot for i in old.instructions if i.flags}
    bugs = {i.slot for i in old.instructions if i.op == "bug"}
    assert bugs == {21, 29, 55, 69, 104, 106, 109}
    assert flagged == bugs | {93}  # 93: "(06) if w0 jmp 0x0 goto pc+0", gotol to 7.8
    silent = MISPRINTED["v4.plain"] - flagged
    assert silent == {18, 24, 43, 57, 80, 89}


def test_maps_misprints_flagged_with_bytes() -> None:
    samples_or_skip("xlated")
    for name in ("maps.opcodes.bpftool-7.1.txt", "maps.pretty-opcodes.bpftool-7.1.json"):
        (prog,) = load(XLATED / name).programs
        assert {i.slot for i in prog.instructions if i.flags} == MISPRINTED["maps.opcodes"], name


def test_json_versions_differ_like_text() -> None:
    samples_or_skip("xlated")
    (old,) = load(XLATED / "maps.json.bpftool-7.1.json").programs
    (new,) = load(XLATED / "maps.json.bpftool-7.8.json").programs
    differ = {a.slot for a, b in zip(old.instructions, new.instructions, strict=True) if a != b}
    assert differ == MISPRINTED["maps.plain"]
