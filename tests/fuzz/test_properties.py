"""Properties every input must keep, whatever it is (issue 7).

* parsing never raises anything but the documented ParseError (strict) / InputError (bytes);
* every input line is accounted for: the records' line numbers are exactly 1..N, once each;
* every record renders back to its text, and the records give back the input lines exactly;
* a capture diffed with itself is equal, and every diff and validate renderer accepts it;
* JSON output is valid UTF-8 JSON for any input bytes;
* the CLI never lets an exception out and exits 0, 1 or 2.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

import bpflogs
from bpflogs import Capture, InputError, Message, ParseError
from bpflogs.cli import main
from bpflogs.compare import DiffOptions, ViewOptions
from bpflogs.compare.capture import diff_captures
from bpflogs.errors import NothingToCompare
from bpflogs.parse.lenient import unmangle
from bpflogs.render.diff_json import diff_json
from bpflogs.render.diff_markdown import write_markdown
from bpflogs.render.diff_text import write_text
from bpflogs.render.json import write_parse_json
from bpflogs.render.json_text import dumps
from bpflogs.render.validate_json import write_validate_json
from bpflogs.render.validate_text import write_results
from bpflogs.validate import validate

from .budget import budget
from .strategies import any_line, capture_lines, edited_capture, strace_line, xlated_line

pytestmark = pytest.mark.slow  # hundreds to thousands of examples each: about 80 s in all

_SGR = re.compile(r"\x1b\[[0-9;]*m")
_SURROGATE = re.compile("[\ud800-\udfff]")


def as_text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def expected_lines(lines: list[str]) -> list[str]:
    # the reader drops a "\r" before the newline (CRLF logs)
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def check_accounted(capture: Capture, lines: list[str], want: list[str] | None = None) -> None:
    """Every line is in exactly one record (a ``strace: Process N attached`` message cut out
    of a line shares it), and the records give back every line's text (``want``: the lines
    as the reader gives them)."""
    want = expected_lines(lines) if want is None else list(want)
    assert capture.line_count == len(want)
    if capture.bom:  # a byte order mark before the first line is the capture's, not its record's
        assert want[0].startswith("\ufeff")
        want[0] = want[0][1:]
    got: dict[int, str] = {}
    glued: list[Message] = []
    for record in capture.records:
        assert record.render() == record.text, f"line {record.line} does not render back"
        assert record.line == record.lines[0]
        if isinstance(record, Message) and any(
            isinstance(other, Message) is False and record.line in other.lines for other in capture.records
        ):
            glued.append(record)
            continue
        originals = getattr(record, "parts", ()) or (record.text,)
        assert len(originals) == len(record.lines), record
        for number, text in zip(record.lines, originals, strict=True):
            assert number not in got, f"line {number} is in two records"
            got[number] = text
    assert sorted(got) == list(range(1, len(want) + 1)), "a line is lost"
    assert [got[n] for n in range(1, len(want) + 1)] == want
    for message in glued:
        assert message.text in _SGR.sub("", got[message.line])


@budget(3000)
@given(st.lists(st.one_of(strace_line(), xlated_line()), min_size=1, max_size=8))
def test_grammar_shaped_lines(lines: list[str]) -> None:
    check_accounted(bpflogs.parse_text(as_text(lines)), lines)


@budget(3500)
@given(capture_lines())
def test_damaged_captures_parse_losslessly(lines: list[str]) -> None:
    capture = bpflogs.parse_text(as_text(lines))
    check_accounted(capture, lines)
    try:
        strict = bpflogs.parse_text(as_text(lines), strict=True)
    except ParseError as exc:
        first = capture.unparsed[0]
        assert (exc.line, exc.column) == (first.line, first.column)
    else:
        assert not capture.unparsed and strict.records == capture.records


@budget(1500)
@given(capture_lines(), st.sampled_from([b"\n", b"\r\n"]), st.booleans())
def test_bytes_are_read_losslessly(lines: list[str], newline: bytes, final: bool) -> None:
    data = newline.join(line.encode("utf-8", "surrogateescape") for line in lines) + (
        newline if final else b""
    )
    try:
        capture = bpflogs.parse_file(io.BytesIO(data))
    except InputError as exc:
        assert "not a text log" in exc.message  # the only refusal: mostly control bytes
        return
    if not final and lines and lines[-1] == "":
        lines = lines[:-1]  # "a\n" and "a\n" + "" are the same file
    # with "\r\n" line ends, a "\r" of the line's own stays
    want = expected_lines(lines) if newline == b"\n" else list(lines)
    if not final and want and want[-1].endswith("\r"):
        want[-1] = want[-1][:-1]  # a "\r" at the very end is a line end too
    check_accounted(capture, lines, want)


@contextlib.contextmanager
def utf8_stdout() -> Iterator[tuple[io.BytesIO, io.BytesIO]]:
    """stdout/stderr as a real UTF-8 terminal or pipe has them (strict: no lone surrogates)."""
    out, err = io.BytesIO(), io.BytesIO()
    out_text = io.TextIOWrapper(out, encoding="utf-8", errors="strict", write_through=True)
    err_text = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", write_through=True)
    with contextlib.redirect_stdout(out_text), contextlib.redirect_stderr(err_text):
        yield out, err
    out_text.detach()  # flushes, and leaves the bytes readable
    err_text.detach()


@budget(1200)
@given(capture_lines(max_size=10))
def test_diff_with_itself_is_equal_in_every_format(lines: list[str]) -> None:
    capture = bpflogs.parse_text(as_text(lines))
    for strict in (False, True):
        try:
            result = diff_captures(capture, capture, DiffOptions(strict=strict))
        except NothingToCompare:  # text, but no call, no event, no program
            assert capture.kind == "empty"
            return
        assert result.equal, [c for c in result.syscalls if c.status.value != "same"]
    view = ViewOptions(context=3, side_by_side=False, all_rows=True, width=100)
    text, markdown = io.StringIO(), io.StringIO()
    write_text(result, text, view)
    write_markdown(result, markdown, view)
    for document in (diff_json(result), diff_json(result, all_rows=True)):
        # as the CLI writes it: ASCII, text that is not UTF-8 as \xXX, no lone surrogate escape
        written = dumps(document)
        loaded = json.loads(written.encode("ascii").decode("ascii"))
        # a surrogate pair (an astral character such as U+1F480) is fine; a lone one is not
        assert not _SURROGATE.search(json.dumps(loaded, ensure_ascii=False))


@budget(1000)
@given(edited_capture())
def test_diff_of_an_edited_capture(pair: tuple[list[str], list[str]]) -> None:
    a, b = (bpflogs.parse_text(as_text(lines)) for lines in pair)
    check_accounted(b, pair[1])
    try:
        result = diff_captures(a, b, DiffOptions())
    except NothingToCompare:  # a side with text but no call, no event, no program
        assert "empty" in (a.kind, b.kind)
        return
    if pair[0] == pair[1]:
        assert result.equal
    view = ViewOptions(context=2, side_by_side=True, all_rows=False, width=120)
    write_text(result, io.StringIO(), view)
    write_markdown(result, io.StringIO(), view)
    json.loads(dumps(diff_json(result)))
    validate(b)


@budget(1000)
@given(capture_lines(max_size=10))
def test_validate_and_json_documents(lines: list[str]) -> None:
    capture = bpflogs.parse_text(as_text(lines))
    result = validate(capture)
    text = io.StringIO()
    write_results([result], text, quiet=False)
    with utf8_stdout() as (out, _):
        write_validate_json([result], sys.stdout, False)
    json.loads(out.getvalue().decode("utf-8"))
    with utf8_stdout() as (out, _):
        write_parse_json([capture], sys.stdout)
    doc = json.loads(out.getvalue().decode("utf-8"))
    (file,) = doc["files"]
    assert file["lines"] == len(lines)
    numbers = {n for rec in file["records"] for n in rec.get("lines", [rec["line"]])}
    assert sorted(numbers) == list(range(1, len(lines) + 1))
    assert len(file["records"]) == len(capture.records)


@budget(1000)
@given(
    capture_lines(), st.lists(st.sampled_from(["> ", "> > ", "  ", "- ", "$ ", "Nov 25 09:05:53 h p[1]: "]))
)
def test_lenient_keeps_every_line_and_its_number(lines: list[str], prefixes: list[str]) -> None:
    mangled = [(prefixes[n % len(prefixes)] if prefixes else "") + line for n, line in enumerate(lines)]
    numbered = list(enumerate(mangled, 1))
    out, report = unmangle(numbered)
    continued = {n for _, more in report.joined for n in more}
    assert [n for n, _ in out] == [n for n, _ in numbered if n not in continued]
    stripped = {n for s in report.strippings for n in s.lines}
    for n, text in out:
        if n not in stripped and n not in {first for first, _ in report.joined}:
            assert text == mangled[n - 1]  # a line lenient says nothing about is as it was
    capture = bpflogs.parse_lines(out, "<lenient>")
    assert all(r.render() == r.text for r in capture.records)
    assert {n for r in capture.records for n in r.lines} | continued == set(range(1, len(lines) + 1))


_COMMANDS = [
    ["parse", "{a}"],
    ["parse", "--json", "{a}"],
    ["parse", "--strict", "{a}", "{b}"],
    ["validate", "{a}"],
    ["validate", "--json", "--strict", "{a}"],
    ["diff", "--format", "text", "{a}", "{b}"],
    ["diff", "--format", "markdown", "--strict", "{a}", "{b}"],
    ["diff", "--format", "json", "{a}", "{b}"],
    ["diff", "--format", "rich", "--side-by-side", "{a}", "{b}"],
]


@budget(800)
@given(capture_lines(max_size=8), st.lists(any_line(), max_size=3), st.sampled_from(_COMMANDS))
def test_cli_exits_0_1_or_2(lines: list[str], extra: list[str], command: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        a, b = os.path.join(tmp, "a.txt"), os.path.join(tmp, "b.txt")
        with open(a, "wb") as f:
            f.write(as_text(lines).encode("utf-8", "surrogateescape"))
        with open(b, "wb") as f:
            f.write(as_text(lines + extra).encode("utf-8", "surrogateescape"))
        argv = [arg.format(a=a, b=b) for arg in command]
        with utf8_stdout() as (out, err):
            status = main(argv)
    assert status in (0, 1, 2), status
    assert b"Traceback" not in err.getvalue()
    if "json" in argv and not (argv[0] == "diff" and status == 2):  # trouble: nothing on stdout
        json.loads(out.getvalue().decode("utf-8"))
    if argv[0] == "diff" and not extra:
        assert status != 1  # a capture is equal to itself (2: --strict and a line that does not parse)
