"""A diff result in the terminal: the plain-text layout, coloured by change and class.

Lines are built as ``rich.text.Text`` from the layout's spans, never from markup strings,
so a log holding ``[red]`` or an escape sequence is shown as the characters it holds.
The differing parts of an instruction are shown reversed instead of under a caret line.
"""

from __future__ import annotations

from dataclasses import replace

from rich.console import Console
from rich.text import Text

from bpflogs.compare.options import ViewOptions
from bpflogs.compare.result import DiffResult
from bpflogs.render import diff_text as t

__all__ = ["print_rich"]

_STYLES = {
    t.TITLE: "bold",
    t.HEADING: "bold",
    t.DIM: "dim",
    t.SAME: "dim",
    t.REMOVED: "red",
    t.ADDED: "green",
    t.CHANGED: "yellow",
    t.HIDDEN: "cyan",
    t.SOURCE: "blue",
    t.CLASSES: "magenta",
    t.HUNK: "bold cyan",
    t.NOTE: "yellow",
}


def _text(line: t.Line) -> Text:
    text = Text(no_wrap=False, end="")
    for span in line:
        style = _STYLES.get(span.style, "")
        text.append(span.text, style=f"{style} reverse".strip() if span.mark else style)
    text.rstrip()
    return text


def print_rich(result: DiffResult, console: Console, view: ViewOptions) -> None:
    """The diff for a terminal: the same report as the plain text, in colour, fitted to the console."""
    lines = t.layout(result, replace(view, width=console.width), carets=False)
    console.print(Text("\n").join(_text(line) for line in lines), soft_wrap=False, highlight=False)
