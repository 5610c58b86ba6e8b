"""Hypothesis strategy for hostile file names (issue 12).

``hostile_name()``: a name a file system accepts (no ``/``, no NUL, at most 200 bytes, not
``.`` or ``..``) made of pieces that attack the output: OSC 52 (clipboard) and OSC 8
(hyperlink) sequences, CSI, BEL, CR, LF, tab, DEL, C1 controls, bidi controls, line
separators, Markdown and HTML (``|``, backticks, ``<b>``, ``&amp;``, links), a leading
``-`` (an option to argparse), bytes that are not UTF-8 (``os.fsdecode``: surrogateescape,
as Python gives such names), and any other text.
"""

from __future__ import annotations

import os

from hypothesis import strategies as st

__all__ = ["hostile_name"]

_PIECES = [
    "\x1b]52;c;aGVsbG8=\x07",  # OSC 52: write the clipboard
    "\x1b]52;c;?\x1b\\",
    "\x1b]8;;https:evil\x1b\\",  # OSC 8: a hyperlink
    "\x1b]8;;\x07",
    "\x1b[2J",
    "\x1b[31m",
    "\x1b",
    "\x07",
    "\r",
    "\n",
    "\t",
    "\x7f",
    "\x08",
    "\u009b31m",  # C1 CSI
    "\u0085",
    "\u009d",
    "\u202e",  # right-to-left override
    "\u202a",
    "\u2066",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u2028",
    "\u2029",
    "|",
    "`",
    "```",
    "<b>",
    "</b>",
    "<img src=x>",
    "&amp;",
    "&#27;",
    "[x](javascript:y)",
    "*",
    "_",
    "~",
    "$",
    "\\",
    "\\x1b",
    "\\udc80",
    "'",
    '"',
    " ",
    "-",
    "--",
    ".",
    "[bold]",
    "%s",
    "{}",
]

_piece = st.one_of(
    st.sampled_from(_PIECES),
    st.binary(min_size=1, max_size=4).map(os.fsdecode),  # not UTF-8: lone surrogates
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=6),
)


def _valid(name: str) -> bool:
    if name in (".", "..") or "/" in name or "\x00" in name:
        return False
    try:
        raw = os.fsencode(name)
    except UnicodeEncodeError:
        return False
    return 0 < len(raw) <= 200


def _canonical(name: str) -> str:
    """The name as the file system gives it back: pieces of bytes that join into UTF-8
    (b"\xc2" + b"\x80") are that character, not two undecodable bytes."""
    try:
        return os.fsdecode(os.fsencode(name))
    except UnicodeEncodeError:  # a lone surrogate of no undecodable byte: _valid drops it
        return name


def hostile_name() -> st.SearchStrategy[str]:
    """A file name full of what must never reach a terminal or a document raw."""
    return st.lists(_piece, min_size=1, max_size=6).map("".join).map(_canonical).filter(_valid)
