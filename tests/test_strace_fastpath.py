"""The event cache (prefix split off by a regex, each distinct event text parsed once) gives
exactly what parsing the whole line with the grammar gives, on every corpus and sample line."""

from __future__ import annotations

import re
from pathlib import Path

import lark
import pytest
from paths import CORPUS, missing_samples, sample_files

from bpflogs.model.records import OtherSyscall, Syscall, Unparsed
from bpflogs.parse import capture, grammar, lines, strace
from bpflogs.parse.grammar import rule_expansions, terminal_regexp, terminal_text
from bpflogs.parse.lines import LogicalLine, logical_lines
from bpflogs.parse.strace import StraceCache, _parse_whole, parse_line
from bpflogs.read import open_source


def strace_files() -> list[Path]:
    files = sorted((CORPUS / "strace").iterdir()) + sorted((CORPUS / "mixed").iterdir())
    files += sorted(CORPUS.joinpath("pairs").glob("*/*/load.strace.txt"))
    files += sample_files("strace", lambda p: p.name.startswith("v") and "stdout" not in p.name)
    return files


@pytest.mark.parametrize(
    "path", strace_files() + missing_samples(), ids=lambda p: f"{p.parent.name}/{p.name}"
)
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


# ------------------------------------------------------------------------ one source of syntax
# The fast paths are built from grammars/strace.lark's terminals; what is written by hand is
# held to the grammar here, so that a terminal changed in the grammar alone fails a test.


def _first_terminals(rule: str) -> set[str]:
    """The terminals ``rule`` of strace.lark can begin with (no rule under it is empty)."""
    first: set[str] = set()
    todo, seen = [rule], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for expansion in rule_expansions("strace.lark", name):
            head = expansion[0]
            if head.lstrip("_")[0].islower():  # a rule (terminals are upper case)
                todo.append(head)
            else:
                first.add(head)
    return first


def test_every_event_beginning_is_known_to_the_foreign_text_check() -> None:
    # the message "not a line strace writes" must not come for a line that begins like an event
    first = _first_terminals("body")
    regexes = {t for t in first if not _is_literal(t)}
    assert regexes == {"CALL_OPEN", "RESUMED"}, "a new kind of event beginning: add its lead to EVENT_LEADS"
    samples = {"CALL_OPEN": "bpf(", "RESUMED": "<... bpf resumed>"}
    for name in first:
        text = terminal_text("strace.lark", name) if _is_literal(name) else samples[name]
        assert re.fullmatch(terminal_regexp("strace.lark", name), text)
        assert strace._event_start().match(text), name


def _is_literal(terminal: str) -> bool:
    try:
        terminal_text("strace.lark", terminal)
    except ValueError:
        return False
    return True


def test_constants_equal_the_grammar_terminals() -> None:
    assert terminal_text("strace.lark", "UNFINISHED") == lines.UNFINISHED
    duration = terminal_regexp("strace.lark", "DURATION", groups=False)
    assert strace._duration_pattern().pattern == duration + r"\Z"
    resumed, call = lines._markers()
    assert resumed.pattern == terminal_regexp("strace.lark", "RESUMED")
    assert call.pattern == terminal_regexp("strace.lark", "CALL_OPEN")
    fields = lines.PREFIX_FIELDS.items()
    groups = [f"(?P<{field}>{terminal_regexp('strace.lark', t, groups=False)})?" for t, field in fields]
    assert lines.prefix_pattern().pattern == "".join(groups)


def _rebuild() -> None:
    """Forget every parser and pattern made of the grammars (the next use makes them again)."""
    strace._FAST.clear()
    for made in (grammar.parser, grammar._syntax, lines.prefix_pattern, lines._markers,
                 strace._duration_pattern, strace._event_start):  # fmt: skip
        made.cache_clear()


def test_a_terminal_changed_in_the_grammar_changes_the_fast_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    text = grammar.grammar_text("strace.lark")
    changes = {
        r"SCNO: /\[ *\d+\] /": r"SCNO: /\[ *(?:\d+|0x[0-9a-f]+)\] /",  # hex syscall numbers
        "DURATION: / <\\d+(\\.\\d+)?>/": "DURATION: / <\\d+(\\.\\d+)?s?>/",  # a unit
        "CALL_OPEN: /[a-z_][a-z0-9_]*": "CALL_OPEN: /[a-z_0-9][a-z0-9_]*",  # names from a digit
        r"RESUMED: /<\.\.\. [a-z_]": r"RESUMED: /<\.\.\. [a-z_0-9]",
    }
    for old, new in changes.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    real = grammar.grammar_text
    monkeypatch.setattr(grammar, "grammar_text", lambda name: text if name == "strace.lark" else real(name))
    _rebuild()
    try:
        hexed = LogicalLine((1,), "7 [0x141] bpf(BPF_MAP_FREEZE, {map_fd=3}, 4) = 0 <0.000005s>")
        record = parse_line(hexed)
        assert isinstance(record, Syscall) and record == _parse_whole(hexed)
        assert record.prefix.scno == "0x141"
        assert record.result is not None and record.result.duration == "0.000005s"
        # the stitcher reads call names as the grammar does
        halves = [
            (1, "7 9p_call(1 <unfinished ...>"),
            (2, "8 exit(0) = ?"),
            (3, "7 <... 9p_call resumed>) = 3"),
        ]
        stitched = [x for x in logical_lines(halves) if isinstance(x, LogicalLine)]
        assert [x.text for x in stitched] == ["8 exit(0) = ?", "7 9p_call(1) = 3"]
        assert isinstance(parse_line(stitched[1]), OtherSyscall)
    finally:
        monkeypatch.undo()
        _rebuild()
    assert parse_line(hexed) == _parse_whole(hexed)  # the real grammar again: that line is foreign
    assert isinstance(parse_line(hexed), Unparsed)


def test_a_prefix_in_another_order_is_read_in_that_order(monkeypatch: pytest.MonkeyPatch) -> None:
    text = grammar.grammar_text("strace.lark").replace("prefix: PID? SECONTEXT?", "prefix: SECONTEXT? PID?")
    monkeypatch.setattr(grammar, "grammar_text", lambda name: text)
    _rebuild()
    try:
        ll = LogicalLine((1,), "[u:r:t:s0] 12 07:46:19 bpf(BPF_MAP_FREEZE, {map_fd=3}, 4) = 0")
        record = parse_line(ll)
        assert isinstance(record, Syscall) and record == _parse_whole(ll)
        assert (record.prefix.pid, record.prefix.secontext) == (12, "u:r:t:s0")
        assert record.prefix.time == "07:46:19"
    finally:
        monkeypatch.undo()
        _rebuild()


@pytest.mark.parametrize(
    ("regexp", "plain"),
    [
        (r"\d\d(\.\d{1,9})? ", r"\d\d(?:\.\d{1,9})? "),
        (r"[(]a(b)\(c\)[^\]()](?P<x>y)(?=z)(?:q)", r"[(]a(?:b)\(c\)[^\]()](?:y)(?=z)(?:q)"),
        (r"[]()](a)", r"[]()](?:a)"),
    ],
)
def test_terminal_groups_made_non_capturing(regexp: str, plain: str) -> None:
    assert grammar._non_capturing(regexp) == plain


def test_a_prefix_rule_the_regex_cannot_follow_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    text = grammar.grammar_text("strace.lark").replace("prefix: PID? SECONTEXT?", "prefix: PID? SECONTEXT")
    monkeypatch.setattr(grammar, "grammar_text", lambda name: text)
    _rebuild()
    try:
        with pytest.raises(RuntimeError, match="prefix rule"):
            lines.prefix_pattern()
    finally:
        monkeypatch.undo()
        _rebuild()


# ------------------------------------------------------------------------ dump lines in a capture


def _xlated_terminal(name: str) -> str:
    return terminal_regexp("xlated.lark", name).replace("\t", r"\t")  # Lark reads "\t" as a tab


def test_dump_line_forms_follow_the_xlated_grammar() -> None:
    forms = capture.DUMP_LINE_FORMS
    assert forms["opcodes_line"] == _xlated_terminal("OPCODE_BYTES") + "$"
    assert _xlated_terminal("SOURCE").startswith(forms["source_line"])
    assert "\\(" + _xlated_terminal("OPCODE") + "\\) " in forms["insn_line"]
    assert _xlated_terminal("BUG").startswith("BUG_") and "|BUG_)" in forms["insn_line"]
    # every line kind of the grammar has its form (a bug line is an instruction line's "BUG_")
    assert set(forms) | {"bug_line"} == {e[0] for e in rule_expansions("xlated.lark", "line")}


def test_every_dump_line_of_the_corpus_is_sorted_to_the_dump() -> None:
    plain = lark.Lark(grammar.grammar_text("xlated.lark"), parser="lalr", lexer="contextual")
    files = sorted(CORPUS.joinpath("pairs").glob("*/*/*.xlated.txt"))
    assert files
    kinds: set[str] = set()
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                tree = plain.parse(line)
            except lark.exceptions.LarkError:
                continue
            kinds.update(str(c.data) for c in tree.children if isinstance(c, lark.Tree))
            assert capture._XLATED.match(line), line
    assert {"insn_line", "func_header"} <= kinds
