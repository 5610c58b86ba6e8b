"""``bpflogs parse --json`` reads each file as a stream: the document it writes is the one
written from the whole capture, for every corpus and sample file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from paths import CORPUS, missing_samples, sample_files

import bpflogs
from bpflogs.api import stream_lines
from bpflogs.errors import BpflogsError
from bpflogs.read import open_source
from bpflogs.render.json import write_parse_json, write_parse_json_streams

SKIP = (".dot", "README", "generators", "errors.bpftool")


def captures() -> list[Path]:
    files = [p for d in ("strace", "xlated", "mixed") for p in sorted((CORPUS / d).iterdir())]
    files += sorted(CORPUS.joinpath("pairs").glob("*/*/*.txt"))
    files += [p for d in ("strace", "xlated", "seed") for p in sample_files(d)]
    return [p for p in files if p.is_file() and not any(s in p.name for s in SKIP)]


def streamed(path: Path) -> dict[str, object]:
    out = io.StringIO()
    errors: list[BpflogsError] = []
    with open_source(path) as src:
        write_parse_json_streams([stream_lines(src.lines(), src.name)], out, errors.append)
    assert not errors
    doc: dict[str, object] = json.loads(out.getvalue())
    return doc


@pytest.mark.parametrize("path", captures() + missing_samples(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_streamed_document_is_the_whole_one(path: Path) -> None:
    whole = io.StringIO()
    write_parse_json([bpflogs.parse_file(path)], whole)
    assert streamed(path) == json.loads(whole.getvalue())


def test_records_are_written_before_the_file_is_read_to_its_end() -> None:
    # an unfinished call holds back only what follows it; a glued message only its line
    lines = [
        "1 bpf(BPF_MAP_FREEZE, {map_fd=3}, 4) = 0",
        "2 bpf(BPF_MAP_FREEZE, {map_fd=4} <unfinished ...>",
        "3 bpf(BPF_MAP_FREEZE, {map_fd=5}, 4) = 0",
        "2 <... bpf resumed>, 4) = 0",
        "3 bpf(BPF_MAP_FREEZE, {map_fd=6}, 4) = 0",
    ]
    seen: list[int] = []
    out = io.StringIO()

    def numbered() -> object:
        for n, text in enumerate(lines, 1):
            seen.append(n)
            yield n, text
        seen.append(0)  # the end

    class Probe(io.StringIO):
        def write(self, s: str) -> int:
            if '"kind": "syscall"' in s:
                written.append((json.loads(s.strip(",\n"))["line"], len(seen)))
            return super().write(s)

    written: list[tuple[int, int]] = []
    write_parse_json_streams([stream_lines(numbered(), "t")], Probe(), lambda e: None)  # type: ignore[arg-type]
    # line 1 is out as soon as it is read; lines 2 and 3 once line 4 resumed the call; 5 at once
    assert written == [(1, 1), (2, 4), (3, 4), (5, 5)]
    assert out.getvalue() == ""
