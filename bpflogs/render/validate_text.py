"""``bpflogs validate``: diagnostics the way a compiler prints them.

Each diagnostic is ``FILE:LINE:COL: SEVERITY: MESSAGE [CHECK]``, then the line it is about
with a caret under the column, then the hint. Every file ends with a summary line. The
same lines are written plain (files, pipes) or styled on a terminal; text from the log is
always data (``rich.text.Text``, control characters made inert, characters that show as
nothing, a U+FEFF or a zero-width space, escaped too). Files that could not be read are
reported on stderr by the command, not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TextIO

from rich.console import Console
from rich.text import Text

from bpflogs.render.inert import inert, visible
from bpflogs.validate.check import Check
from bpflogs.validate.diagnostic import Diagnostic, Severity, ValidationResult

__all__ = ["check_list", "diagnostic_lines", "print_results", "summary_line", "write_results"]

_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "bold magenta", Severity.NOTE: "bold cyan"}
_WINDOW = 120  # characters of a long source line shown around the column


def _excerpt(source: str, column: int) -> tuple[str, int]:
    """The part of ``source`` to show, inert, and the caret's 0-based offset in it."""
    start = 0
    if len(source) > _WINDOW and column > _WINDOW // 2:
        start = min(column - 1 - _WINDOW // 2, max(0, len(source) - _WINDOW))
    piece = source[start : start + _WINDOW]
    lead = "..." if start else ""
    tail = "..." if start + _WINDOW < len(source) else ""
    shown = lead + visible(piece.replace("\t", " ")) + tail
    caret = len(lead) + len(visible(piece[: max(0, column - 1 - start)].replace("\t", " ")))
    return shown, caret


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def diagnostic_lines(diag: Diagnostic) -> Iterator[Text]:
    """The lines of one diagnostic: the headline, the source line with its caret, the hint."""
    head = Text()
    head.append(f"{inert(diag.file)}:{diag.line}:{diag.column}: ", style="bold")
    head.append(f"{diag.severity.value}:", style=_STYLES[diag.severity])
    head.append(f" {visible(diag.message)} ")
    head.append(f"[{diag.check}]", style="dim")
    yield head
    if diag.source:
        gutter = f"{diag.line:>6} | "
        shown, caret = _excerpt(diag.source, diag.column)
        yield Text(gutter) + Text(shown)
        width = max(1, min(diag.width, len(shown) - caret))
        marker = Text(" " * len(gutter.rstrip(" |")) + " | " + " " * caret)
        marker.append("^" + "~" * (width - 1), style="bold green")
        yield marker
    if diag.hint:
        hint = Text(" " * 7 + "= ")
        hint.append("hint:", style="bold")
        hint.append(f" {visible(diag.hint)}")
        yield hint


def summary_line(result: ValidationResult) -> Text:
    """``FILE: 1 error, 2 warnings, 0 notes``."""
    line = Text(f"{inert(result.file)}: ", style="bold")
    parts = [
        (_plural(result.errors, "error"), Severity.ERROR, result.errors),
        (_plural(result.warnings, "warning"), Severity.WARNING, result.warnings),
        (_plural(result.notes, "note"), Severity.NOTE, result.notes),
    ]
    for index, (text, severity, count) in enumerate(parts):
        if index:
            line.append(", ")
        line.append(text, style=_STYLES[severity] if count else "")
    return line


def _lines(results: Iterable[ValidationResult], quiet: bool) -> Iterator[Text]:
    for result in results:
        if not quiet:
            for diag in result.diagnostics:
                yield from diagnostic_lines(diag)
        yield summary_line(result)


def write_results(results: Iterable[ValidationResult], out: TextIO, quiet: bool = False) -> None:
    """Plain text: the same lines without styles."""
    for line in _lines(results, quiet):
        out.write(line.plain + "\n")


def print_results(results: Iterable[ValidationResult], console: Console, quiet: bool = False) -> None:
    """Styled, for a terminal; long lines are not wrapped (the caret must stay under its column)."""
    for line in _lines(results, quiet):
        console.print(line, soft_wrap=True, highlight=False)


def check_list(checks: Iterable[Check]) -> Iterator[Text]:
    """``--list-checks``: one line per check, its name, scope, severity and what it catches."""
    rows = list(checks)
    width = max((len(c.name) for c in rows), default=0)
    for check in rows:
        line = Text(f"{check.name:<{width}}  ", style="bold")
        line.append(f"{check.scope.value:<6}  ")
        line.append(f"{check.severity.value:<7}", style=_STYLES[check.severity])
        line.append(f"  {check.summary}")
        yield line
