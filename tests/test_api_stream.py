"""``bpflogs.stream_file`` / ``stream_lines``: a capture record by record, each with the
objects its fds named, as the capture read whole resolves them; ``bpflogs.diff`` takes paths
or Captures, ``bpflogs.compare.diff_captures`` Captures."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

import bpflogs
from bpflogs.compare import DiffOptions, diff_captures
from bpflogs.model.records import CallEnd, Resumed, Syscall

ROOT = Path(__file__).resolve().parents[1]
CAPTURES = [
    ROOT / "corpus" / "strace" / "bpftool-prog-load-xdp_y.txt",
    ROOT / "corpus" / "mixed" / "tracing_loadall_tt-T_and_dump.txt",
]


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.name)
def test_a_stream_gives_what_the_whole_capture_holds(path: Path) -> None:
    whole = bpflogs.parse_file(path)
    table = whole.objects
    with bpflogs.stream_file(path) as stream:
        rows = list(stream)
    assert stream.name == whole.name
    assert [rec for rec, _, _ in rows] == list(whole.records)
    for rec, objects, created in rows:
        call = rec.call if isinstance(rec, Resumed) else rec
        if not isinstance(call, Syscall):
            assert objects is None and created is None
        elif isinstance(rec, Syscall) and rec.end is CallEnd.UNFINISHED:
            assert created is None
        else:
            assert dict(objects or {}) == table.paths(call)
            assert created is table.created_by(call) or created == table.created_by(call)
    assert stream.lines == whole.line_count
    assert list(stream.objects) == list(table.objects)
    assert stream.programs == list(whole.programs)
    assert stream.bom is whole.bom
    assert any(objects for _, objects, _ in rows) or whole.kind == "xlated"


def test_a_stream_gives_records_before_its_input_ends() -> None:
    read: list[int] = []

    def lines() -> object:
        for n in range(1, 4):
            read.append(n)
            yield n, f"{n} bpf(BPF_MAP_FREEZE, {{map_fd={n + 2}}}, 4) = 0"

    stream = bpflogs.stream_lines(lines(), "t")  # type: ignore[arg-type]
    first = next(iter(stream))
    assert first[0].line == 1 and read == [1]


def test_a_stream_that_fails_midway_names_its_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.txt.gz"
    data = gzip.compress(b"1 bpf(BPF_MAP_FREEZE, {map_fd=3}, 4) = 0\n" * 50)
    path.write_bytes(data[: len(data) // 2])
    with bpflogs.stream_file(path) as stream, pytest.raises(bpflogs.InputError) as info:
        list(stream)
    assert info.value.path is not None and "cut.txt.gz" in info.value.path
    with bpflogs.stream_file(io.BytesIO(b"bpf(BPF_MAP_FREEZE, {map_fd=3}, 4) = 0\n")) as stream:
        assert len(list(stream)) == 1


def test_diff_takes_paths_or_captures_and_compare_takes_captures() -> None:
    a, b = CAPTURES[0], CAPTURES[0]
    by_path = bpflogs.diff(a, b, ignore=["max_entries"])
    ca = bpflogs.parse_file(a)
    by_capture = diff_captures(ca, bpflogs.parse_file(b), DiffOptions(ignore=("max_entries",)))
    assert by_path.equal and by_capture.equal
    assert (
        bpflogs.diff_json(by_path)
        == bpflogs.diff_json(by_capture)
        == bpflogs.diff_json(bpflogs.diff(ca, str(b)))
    )
    assert not hasattr(by_path, "to_json")  # results do not know their renderers
