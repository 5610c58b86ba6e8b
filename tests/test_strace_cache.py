"""What the strace parser remembers belongs to the parse (``ParseCache.strace``): nothing read
stays in a module when the parse returns, a cache passed to several parses is shared, and its
tables keep within their limits."""

from __future__ import annotations

import gc
import sys
import types
from typing import Any

import pytest

import bpflogs
from bpflogs.parse import strace
from bpflogs.parse.cache import ParseCache
from bpflogs.parse.capture import CaptureStream
from bpflogs.parse.lines import LogicalLine
from bpflogs.parse.strace import StraceCache, parse_line

MARK = "cache_probe_5b1f"  # in every event text of the log, and nowhere in bpflogs


def log(tag: str) -> str:
    # a map loop with -T times and user-space addresses, an other syscall, a pinned path
    return "".join(
        f"{pid} 10:00:0{i}.000001 bpf(BPF_MAP_UPDATE_ELEM, {{map_fd=3, key=0x7ffd6c1daf{i}0, "
        f"value=0x7ffd6c1dafc8, flags=BPF_ANY}}, 144) = 0 <0.00000{i}>\n"
        f'{pid} openat(AT_FDCWD, "/{MARK}{tag}", O_RDONLY) = 4\n'
        f'{pid} bpf(BPF_OBJ_GET, {{pathname="/sys/fs/bpf/{MARK}{tag}", bpf_fd=0, file_flags=0}}, 16) = 5\n'
        for i, pid in enumerate((7, 8, 9))
    )


def _strings_held_by_modules(needle: str) -> list[str]:
    """Every string containing ``needle`` that some bpflogs module reaches from its globals."""
    found: list[str] = []
    seen: set[int] = set()
    todo: list[Any] = [m.__dict__ for name, m in sys.modules.items() if name.startswith("bpflogs") and m]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, types.ModuleType):  # other modules: by their own dicts
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            if needle in obj:
                found.append(obj)
            continue
        todo.extend(gc.get_referents(obj))
    return found


def test_no_module_keeps_a_parse_s_event_texts() -> None:
    capture = bpflogs.parse_text(log("a"))
    assert len(capture.syscalls) == 6 and not capture.unparsed
    del capture
    gc.collect()
    assert _strings_held_by_modules(MARK + "a") == []


def test_the_search_finds_what_a_module_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    # the check above would see a table a module kept (here: a cache held at module level)
    kept = ParseCache()
    monkeypatch.setattr(strace, "_KEPT_FOR_THE_TEST", kept, raising=False)
    bpflogs.parse_text(log("b"), cache=kept)
    assert _strings_held_by_modules(MARK + "b")


def test_a_shared_cache_parses_each_event_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parses: list[str] = []
    real = strace._parser()

    class Counting:
        def parse(self, text: str, start: str) -> Any:
            parses.append(text)
            return real.parse(text, start=start)

    monkeypatch.setattr(strace, "_parser", lambda: Counting())
    shared = ParseCache()
    first = bpflogs.parse_text(log("c"), cache=shared)
    assert parses and shared.strace.events
    count = len(parses)
    again = bpflogs.parse_text(log("c"), cache=shared)
    assert len(parses) == count  # every event text came from the shared cache
    assert again.records == first.records
    bpflogs.parse_text(log("c"))  # a parse of its own starts empty
    assert len(parses) == 2 * count


def test_each_parse_has_its_own_cache_by_default() -> None:
    lines = [(1, "7 bpf(BPF_MAP_FREEZE, {map_fd=3}, 4) = 0")]
    one, two = CaptureStream(lines, "a"), CaptureStream(lines, "b")
    assert one.cache is not two.cache and one.cache.strace is not two.cache.strace
    list(one)
    assert one.cache.strace.events and not two.cache.strace.events


def test_tables_keep_within_their_limits() -> None:
    cache = StraceCache(limit=4, budget=200)
    for i in range(40):
        ll = LogicalLine((i + 1,), f"{i} bpf(BPF_MAP_FREEZE, {{map_fd={i}}}, 4) = 0 <0.{i:06d}>")
        record = parse_line(ll, cache)
        assert record.render() == ll.text
        assert len(cache.events) <= 4 and cache.chars <= 200
        assert len(cache.prefixes) <= 4 and len(cache.timed) <= 4 and len(cache.untimed) <= 4
    long = LogicalLine(
        (41,), f'bpf(BPF_OBJ_GET, {{pathname="/{"x" * 300}", bpf_fd=0, file_flags=0}}, 16) = 3'
    )
    small = StraceCache(text_limit=100)
    parse_line(long, small)
    assert not small.events  # a text longer than text_limit is parsed, not kept
