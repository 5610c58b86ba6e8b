"""A diff result as a Markdown report for a pull-request comment (GitHub flavoured).

Text from a log is escaped wherever Markdown would read it (tables, headings, paragraphs):
``\\``, backticks, emphasis and link characters, table pipes, ``~`` and ``$`` are
backslash-escaped, ``<``, ``>`` and ``&`` become entities. Instruction hunks are the
plain-text hunks in fenced blocks, fenced longer than any backtick run they hold; a hunk
longer than ``_FOLD`` lines is folded in ``<details>``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TextIO

from bpflogs.compare.options import ViewOptions
from bpflogs.compare.result import CallDiff, DiffResult, InsnRow, Op, ProgramDiff, Status
from bpflogs.render import diff_text as t
from bpflogs.render.inert import inert

__all__ = ["escape", "write_markdown"]

_FOLD = 30  # hunks with more lines than this are folded
_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")
_BACKTICKS = re.compile(r"`+")


def escape(text: str) -> str:
    """``text`` (from a log) as inert Markdown inline text, safe in a table cell."""
    text = _SPECIAL.sub(r"\\\1", inert(text))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _html(text: str) -> str:
    """``text`` (from a log) for an HTML element GitHub may or may not read as Markdown: entities only."""
    return _SPECIAL.sub(lambda m: f"&#{ord(m.group())};", html.escape(inert(text), quote=False))


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(head: Sequence[str], align: str, rows: Sequence[Sequence[str]]) -> list[str]:
    """A table; ``align`` has one letter per column, ``l`` or ``r``."""
    rule = "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"
    return [_row(*head), rule, *(_row(*r) for r in rows)]


def _fence(lines: Sequence[str], info: str) -> list[str]:
    """``lines`` in a fenced block no line of theirs can close."""
    longest = max((len(m) for line in lines for m in _BACKTICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + info, *lines, fence]


# ---------------------------------------------------------------------------
# sections


def _summary(result: DiffResult) -> list[str]:
    def counts(statuses: Sequence[Status]) -> list[str]:
        return [
            str(sum(1 for s in statuses if s is k)) for k in (Status.CHANGED, Status.ADDED, Status.REMOVED)
        ]

    rows = []
    if result.calls_a or result.calls_b or result.syscalls:
        calls = [c.status for c in result.syscalls]
        rows.append(["bpf() calls", str(result.calls_a), str(result.calls_b), *counts(calls)])
    if result.programs:
        programs = [p.status for p in result.programs]
        a = sum(1 for p in result.programs if p.a is not None)
        b = sum(1 for p in result.programs if p.b is not None)
        rows.append(["programs", str(a), str(b), *counts(programs)])
    if result.unparsed_a or result.unparsed_b:  # lines, as diff(1) counts them: none is "changed"
        added, removed = sum(p.added for p in result.unparsed), sum(p.removed for p in result.unparsed)
        rows.append(["unparsed lines (as text)", str(result.unparsed_a), str(result.unparsed_b), "-",
                     str(added), str(removed)])  # fmt: skip
    out = [
        f"**a:** {escape(result.a_name)} ({escape(result.a_kind)}) → "
        f"**b:** {escape(result.b_name)} ({escape(result.b_kind)})",
        "",
    ]
    if rows:
        out += [*_table(["", "a", "b", "changed", "added", "removed"], "lrrrrr", rows), ""]
    facts = [t.probe_text(result.probes)] if result.probes is not None and t.has_probes(result) else []
    out += [*(escape(f) + "  " for f in facts[:-1]), *(escape(f) for f in facts[-1:])]
    out += [""] if facts else []
    for note in result.notes:
        out += [f"> **note:** {escape(note)}", ""]
    return out


def _call_rows(call: CallDiff, view: ViewOptions) -> list[list[str]]:
    head = [call.status.value, f"{escape(t.call_title(call))}<br>{escape(t.call_where(call))}"]
    rows: list[list[str]] = []
    for change in t.shown_changes(call, view):
        tag = t.attr_tag(change)
        path = escape(change.path) + (f" <sub>{escape(tag)}</sub>" if tag else "")
        a = "*absent*" if change.a is None else escape(change.a)
        b = "*absent*" if change.b is None else escape(change.b)
        rows.append([*(head if not rows else ["", ""]), path, a, b])
    if not rows:
        a = escape(call.a.text) if call.a is not None and call.status is Status.REMOVED else ""
        b = escape(call.b.text) if call.b is not None and call.status is Status.ADDED else ""
        rows.append([*head, "", a, b])
    return rows


def _calls(result: DiffResult, view: ViewOptions) -> list[str]:
    calls = t.shown_calls(result, view)
    if not calls:
        return []
    rows = [r for call in calls for r in _call_rows(call, view)]
    title = "### Calls" if view.all_rows else "### Changed calls"
    return [title, "", *_table(["", "call", "attribute", "a", "b"], "lllll", rows), ""]


def _functions(program: ProgramDiff, view: ViewOptions) -> list[str]:
    a = program.a.insns if program.a is not None else None
    b = program.b.insns if program.b is not None else None
    rows = [_numbers("**total**", program.status, a, b)]
    listed, left_out = t.function_rows(program, view)
    rows += [_numbers(escape(f.name), f.status, f.a_insns, f.b_insns) for f in listed]
    if left_out:
        rows.append([f"*{left_out} more same*", "", "", "", "", ""])
    return _table(["function", "status", "a insns", "b insns", "delta", "%"], "llrrrr", rows)


def _numbers(name: str, status: Status, a: int | None, b: int | None) -> list[str]:
    return [
        name,
        status.value,
        "-" if a is None else str(a),
        "-" if b is None else str(b),
        t.delta_text(a, b),
        t.percent_text(a, b),
    ]


def _hunk(program: ProgramDiff, rows: Sequence[InsnRow], view: ViewOptions) -> list[str]:
    lines = [t.plain(line) for line in t.hunk_lines(program, rows, view, carets=True)]
    block = _fence(lines, "text" if view.side_by_side else "diff")
    if len(lines) <= _FOLD:
        return [*block, ""]
    changes = sum(1 for r in rows if r.op is not Op.EQUAL)
    summary = _html(f"{lines[0]} ({changes} rows differ, {len(lines)} lines)")
    return [f"<details><summary>{summary}</summary>", "", *block, "", "</details>", ""]


def _program(program: ProgramDiff, view: ViewOptions, a_name: str, b_name: str) -> list[str]:
    if program.status is Status.SAME and not view.all_rows:
        return []
    out = [
        f"### Program {escape(program.name)}: {program.status.value}",
        "",
        escape(f"a: {t.side_text(program.a, a_name)}; b: {t.side_text(program.b, b_name)}"),
        "",
        *_functions(program, view),
        "",
    ]
    calls = [(n, c) for n, c in sorted(program.calls.items()) if view.all_rows or c[0] != c[1]]
    if calls:
        listed = ", ".join(f"{escape(n)} {a} → {b}" if a != b else f"{escape(n)} {a}" for n, (a, b) in calls)
        out += [f"calls: {listed}", ""]
    if program.text_differs:
        out += [escape(t.TEXT_DIFFERS), ""]
    for rows in t.shown_rows(program, view):
        out += _hunk(program, rows, view)
    return out


def _unparsed(result: DiffResult, view: ViewOptions) -> list[str]:
    """The lines that did not parse, compared as text: every hunk in one fenced diff block."""
    lines = [t.plain(line) for part in result.unparsed for rows in t.text_hunks(part, view)
             for line in t.text_hunk_lines(part, rows)]  # fmt: skip
    if not lines:
        return []
    block = _fence(lines, "diff")
    out = ["### Unparsed lines, compared as text", ""]
    if len(lines) <= _FOLD:
        return [*out, *block, ""]
    summary = _html(f"{len(lines)} lines")
    return [*out, f"<details><summary>{summary}</summary>", "", *block, "", "</details>", ""]


def _footer(result: DiffResult) -> list[str]:
    text = escape(t.footer_text(result)).replace("--strict", "`--strict`")
    return ["---", "", f"<sub>{text}</sub>"]


def write_markdown(result: DiffResult, out: TextIO, view: ViewOptions) -> None:
    """The diff as a Markdown report: summary table, changed calls, per program its functions and hunks."""
    if result.equal and not view.all_rows:
        rest = t.equal_text(result).removeprefix("no semantic differences")
        lines = [f"**No semantic differences**{escape(rest)}"]
        lines += [f"\n> **note:** {escape(n)}" for n in result.notes]
    else:
        lines = ["## bpflogs diff", "", *_summary(result), *_calls(result, view)]
        for program in result.programs:
            lines += _program(
                program, replace(view, width=min(view.width, 120)), result.a_name, result.b_name
            )
        lines += _unparsed(result, view)
        lines += _footer(result)
    for line in lines:
        out.write(line.rstrip() + "\n")
