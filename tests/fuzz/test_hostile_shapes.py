"""Properties of the shapes hostile input takes (issue 12), on generated logs:

* many pids with calls in flight, resumed in any order: every line is accounted for, and a
  reader holding calls open for only a few lines (``window``) gives the calls the one holding
  them to their end gives (a late ``<... resumed>`` line joins its half), the same objects, and
  no unfinished or orphan findings for calls that did resume;
* a call that never resumes, floods of blank, whitespace, comment and command lines: records
  come out in line order, none held back longer than the window;
* a byte order mark before the first line is left out, for text and for bytes (gzip too);
  anywhere else it is text, and ``validate`` shows it escaped.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator

from hypothesis import assume, given
from hypothesis import strategies as st

import bpflogs
from bpflogs import Capture
from bpflogs.model.records import Resumed
from bpflogs.objects import replay
from bpflogs.parse.capture import AnyRecord, CaptureStream
from bpflogs.render.validate_text import write_results
from bpflogs.validate import validate

from .budget import budget
from .strategies import capture_lines, strace_line
from .test_properties import as_text, check_accounted

BOM = "\ufeff"
_CALLS = [
    "bpf(BPF_MAP_CREATE, {map_type=BPF_MAP_TYPE_ARRAY, key_size=4, value_size=4, max_entries=1}",
    "bpf(BPF_MAP_FREEZE, {map_fd=%d}",
    "bpf(BPF_OBJ_GET_INFO_BY_FD, {info={bpf_fd=%d, info_len=80, info=0x7ffd}}",
    "close(%d",
]
_TAIL = {"bpf": ", %d) = %d", "close": ") = 0"}


def _halves(call: str, fd: int, ret: int) -> tuple[str, str]:
    head = call % fd if "%d" in call else call
    name = head.partition("(")[0]
    tail = _TAIL[name] % (72, ret) if name == "bpf" else _TAIL[name]
    return f"{head} <unfinished ...>", f"<... {name} resumed>{tail}"


# what comes between the halves: another pid's call (None), blank and comment lines, and now
# and then any strace line (pid-less halves, signals, glued messages ...)
_BETWEEN = st.one_of(st.sampled_from([None, None, "", "# between"]), strace_line())


@st.composite
def many_pids(draw: st.DrawFn) -> list[str]:
    """Pids each starting a call and resuming it later, in an order of their own, with
    complete calls and other lines between; a pid's calls one after the other."""
    pids = draw(st.lists(st.integers(1, 99999), min_size=1, max_size=24, unique=True))
    events: list[tuple[int, int]] = []  # (pid, 0 start / 1 resume), in log order
    for pid in pids:
        events.append((pid, 0))
    order = draw(st.permutations(pids))
    for pid in order:
        events.insert(draw(st.integers(events.index((pid, 0)) + 1, len(events))), (pid, 1))
    lines: list[str] = []
    for pid, half in events:
        call = _CALLS[pid % len(_CALLS)]
        start, end = _halves(call, pid % 7 + 3, pid % 5 + 3)
        lines.append(f"{pid} {end if half else start}")
        for _ in range(draw(st.integers(0, 2))):
            lines.append(draw(_BETWEEN) or f"{pid + 100000} bpf(BPF_MAP_FREEZE, {{map_fd=3}}, 4) = 0")
    return lines


def _capture(lines: list[str], window: int) -> Capture:
    stream = CaptureStream(enumerate(lines, 1), "t", window=window)
    records = list(stream)
    return Capture.build("t", records, replay(records), stream.lines, stream.programs, stream.bom)


@budget(100)
@given(many_pids(), st.integers(1, 40))
def test_many_pids_with_a_short_window(lines: list[str], window: int) -> None:
    short, held = _capture(lines, window), _capture(lines, len(lines) + 1)
    check_accounted(short, lines)
    # two halves that each read and do not together: held open, one Unparsed record of both
    # lines; given out, an unfinished call and an Unparsed resumed line (both reported)
    assume(not any("it resumes:" in bad.message for bad in short.unparsed))
    assert short.syscalls == held.syscalls
    assert short.objects.objects == held.objects.objects
    for a, b in zip(short.syscalls, held.syscalls, strict=True):
        assert short.objects.created_by(a) == held.objects.created_by(b)
        assert short.objects.paths(a) == held.objects.paths(b)
    found = {(d.check, d.line) for d in validate(held).diagnostics}
    late = {(d.check, d.line) for d in validate(short).diagnostics}
    assert late == found
    for record in short.records:
        if isinstance(record, Resumed) and record.call is not None:
            assert record.resumes is not None and record.resumes < record.line
            assert record.call.lines == (record.resumes, record.line)


def _given_out(lines: list[str], window: int) -> Iterator[tuple[AnyRecord, int]]:
    """Each record, with how many lines had been read when it came."""
    read = 0

    def numbered() -> Iterator[tuple[int, str]]:
        nonlocal read
        for number, line in enumerate(lines, 1):
            read = number
            yield number, line

    for record in CaptureStream(numbered(), "t", window=window):
        yield record, read


_FLOOD_LINE = st.sampled_from(
    ["", " ", "\t", "   \t ", "#", "# a comment", "$ bpftool prog show", "#{[", "$ "]
)


@st.composite
def floods(draw: st.DrawFn) -> list[str]:
    """A call that never resumes (or none) among floods of blank, comment and command lines."""
    lines = draw(st.lists(_FLOOD_LINE, min_size=1, max_size=200))
    if draw(st.booleans()):
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, "7 bpf(BPF_MAP_FREEZE, {map_fd=3} <unfinished ...>")
        for _ in range(draw(st.integers(0, 3))):
            lines.insert(draw(st.integers(at + 1, len(lines))), "8 bpf(BPF_MAP_FREEZE, {map_fd=4}, 4) = 0")
    return lines


@budget(200)
@given(floods(), st.integers(1, 30))
def test_nothing_is_held_back_longer_than_the_window(lines: list[str], window: int) -> None:
    given_out = list(_given_out(lines, window))
    assert [r.line for r, _ in given_out] == sorted(r.line for r, _ in given_out)
    numbers = sorted(n for r, _ in given_out for n in r.lines)
    assert numbers == list(range(1, len(lines) + 1))
    for record, read in given_out:
        assert read - record.lines[-1] <= window + 1, (record, read)


@budget(150)
@given(capture_lines(max_size=10), st.booleans())
def test_a_byte_order_mark_is_left_out(lines: list[str], compressed: bool) -> None:
    text = as_text(lines)
    plain = bpflogs.parse_text(text)
    marked = bpflogs.parse_text(BOM + text)
    if lines and lines[0].startswith(BOM):
        return  # a second mark is text
    assert marked.bom and not plain.bom
    assert marked.records == plain.records and marked.programs == plain.programs
    data = (BOM + text).encode("utf-8", "surrogateescape")
    read = bpflogs.parse_file(io.BytesIO(gzip.compress(data) if compressed else data))
    unmarked = bpflogs.parse_file(io.BytesIO(text.encode("utf-8", "surrogateescape")))
    assert read.bom and read.records == unmarked.records


_INVISIBLE = st.sampled_from([BOM, "\u200b", "\u200d", "\u2060", "\u00ad", "\u2028", "\u061c"])


@budget(150)
@given(
    capture_lines(max_size=6), st.lists(st.tuples(st.integers(0, 400), _INVISIBLE), min_size=1, max_size=4)
)
def test_validate_shows_invisible_characters_escaped(lines: list[str], marks: list[tuple[int, str]]) -> None:
    text = as_text(lines) or "x\n"
    for at, char in marks:
        at = max(1, at % len(text))  # not before the first character: that mark is left out
        text = text[:at] + char + text[at:]
    out = io.StringIO()
    write_results([validate(bpflogs.parse_text(text))], out)
    for _, char in marks:
        assert char not in out.getvalue()
