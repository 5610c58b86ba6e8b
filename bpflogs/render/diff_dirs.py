"""The summary of a directory diff: one row per program of each file, veristat-style.

``File  Program  Insns (A)  Insns (B)  Insns (DIFF)  Status``: the delta is B minus A with
its percentage of A (``+4 (+4.76%)``), a file on one side only or in trouble is one row
saying so. As plain text (names inert), as a Markdown table (names escaped) and as the
JSON rows of ``bpflogs_diff_dirs``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from bpflogs.compare.dirs import FileSummary, ProgramCount
from bpflogs.render.diff_markdown import escape
from bpflogs.render.inert import inert
from bpflogs.render.json_text import name_fields

__all__ = ["HEAD", "json_rows", "markdown_table", "rows", "text_table"]

HEAD = ("File", "Program", "Insns (A)", "Insns (B)", "Insns (DIFF)", "Status")
_RIGHT = (False, False, True, True, True, False)  # the number columns align right


def _count(value: int | None) -> str:
    return "-" if value is None else str(value)


def diff_cell(program: ProgramCount) -> str:
    """``+4 (+4.76%)``, ``+0 (+0.00%)``; ``-`` where a side lacks the program."""
    delta, percent = program.delta, program.percent
    if delta is None:
        return "-"
    return f"{delta:+d}" if percent is None else f"{delta:+d} ({percent:+.2f}%)"


def _entries(files: Sequence[FileSummary]) -> Iterator[tuple[FileSummary, ProgramCount | None]]:
    """Each program of each file; a file without programs (one side only, trouble, a log of
    calls alone) once, with None."""
    for file in files:
        if not file.programs:
            yield file, None
        yield from ((file, program) for program in file.programs)


def rows(files: Sequence[FileSummary]) -> Iterator[tuple[str, ...]]:
    """The table's rows, cells as plain strings (not yet made inert or escaped)."""
    for file, p in _entries(files):
        if p is None:
            yield (file.name, "-", "-", "-", "-", str(file.state))
        else:
            yield (file.name, p.name, _count(p.a_insns), _count(p.b_insns), diff_cell(p), str(p.status))


def text_table(files: Sequence[FileSummary]) -> str:
    """The table as aligned plain text, a line per row, names inert."""
    body = [tuple(inert(cell) for cell in row) for row in rows(files)]
    widths = [max(len(row[i]) for row in (HEAD, *body)) for i in range(len(HEAD))]
    lines = []
    for row in (HEAD, tuple("-" * w for w in widths), *body):
        columns = zip(row, widths, _RIGHT, strict=True)
        cells = (cell.rjust(w) if right else cell.ljust(w) for cell, w, right in columns)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def markdown_table(files: Sequence[FileSummary]) -> str:
    """The table in Markdown, names escaped."""
    align = "|".join("---:" if right else ":---" for right in _RIGHT)
    lines = ["| " + " | ".join(HEAD) + " |", f"|{align}|"]
    lines.extend("| " + " | ".join(escape(cell) for cell in row) + " |" for row in rows(files))
    return "\n".join(lines) + "\n\n"


def json_rows(files: Sequence[FileSummary]) -> list[dict[str, Any]]:
    """One object per program row: ``file``, ``program``, ``a_insns``, ``b_insns``, ``delta``,
    ``percent`` (rounded to 2 places), ``status``; a file without programs has ``program``
    null."""
    out: list[dict[str, Any]] = []
    for file, p in _entries(files):
        if p is None:
            out.append({**name_fields("file", file.name), "program": None, "a_insns": None, "b_insns": None,
                        "delta": None, "percent": None, "status": str(file.state)})  # fmt: skip
        else:
            percent = p.percent
            out.append({
                **name_fields("file", file.name), **name_fields("program", p.name),
                "a_insns": p.a_insns, "b_insns": p.b_insns, "delta": p.delta,
                "percent": None if percent is None else round(percent, 2), "status": str(p.status),
            })  # fmt: skip
    return out
