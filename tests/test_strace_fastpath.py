"""The event cache (prefix split off by a regex, each distinct event text parsed once) gives
exactly what parsing the whole line with the grammar gives, on every corpus and sample line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpflogs.parse.lines import LogicalLine, logical_lines
from bpflogs.parse.strace import StraceCache, _parse_whole, parse_line
from bpflogs.read import open_source

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples" / "strace"


def strace_files() -> list[Path]:
    files = sorted((ROOT / "corpus" / "strace").iterdir()) + sorted((ROOT / "corpus" / "mixed").iterdir())
    files += sorted(ROOT.joinpath("corpus", "pairs").glob("*/*/load.strace.txt"))
    if SAMPLES.is_dir():
        files += [p for p in sorted(SAMPLES.iterdir()) if p.name.startswith("v") and "stdout" not in p.name]
    return files


@pytest.mark.parametrize("path", strace_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_cached_events_equal_whole_line_parses(path: Path) -> None:
    with open_source(path) as src:
        items = [x for x in logical_lines(src.lines()) if isinstance(x, LogicalLine)]
    assert items
    cache = StraceCache()  # one for the file, as a parse has
    for ll in items:
        assert parse_line(ll, cache) == _parse_whole(ll), ll.text
        assert parse_line(ll, cache) == _parse_whole(ll), ll.text  # and again, from the cache


@pytest.mark.parametrize(
    "text",
    [
        "12345678 bpf(BPF_MAP_FREEZE, {map_fd=3}, 4) = 0",
        "123456789 bpf(BPF_MAP_FREEZE, {map_fd=3}, 4) = 0",  # 9 digits: an epoch time
        "1700000000.123456 bpf(BPF_MAP_FREEZE, {map_fd=3}, 4) = 0",
        "     0.000117 bpf(BPF_MAP_FREEZE, {map_fd=3}, 4) = 0",
        "[pid 12] 07:46:19 (+ 0.000117) [  321] [00007f3a5b1c2d3e] bpf(BPF_MAP_FREEZE, {map_fd=3}, 4) = 0",
        "12<bpftool> [system_u:system_r:unconfined_t:s0] bpf(BPF_MAP_FREEZE, {map_fd=3}, 4) = 0",
        "+++ exited with 0 +++",
        "12 +++ exited with 0 +++",
        "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7, si_uid=0, si_status=0} ---",
        "12 12 bpf(BPF_MAP_FREEZE, {map_fd=3}, 4) = 0",  # not a line strace writes
        "bpf(BPF_MAP_FREEZE, {map_fd=3}, 4",  # cut
        " > /usr/lib/libc.so.6(syscall+0x1d) [0x10e9d]",
    ],
)
def test_prefix_forms(text: str) -> None:
    ll = LogicalLine((1,), text)
    assert parse_line(ll) == _parse_whole(ll)
