"""What the xlated parsers remember while they read: each distinct text read and checked once.

A big program repeats its instructions (an unrolled loop is the same few texts thousands
of times), and the programs of one build repeat across dumps: a text is parsed and
cross-checked once, and every line with that text shares the one ``InsnForm``. The tables
belong to one parse (``ParseCache.xlated``), or to the parses that share a ``ParseCache``;
nothing of them lives at module level. Each table starts over when it holds ``limit``
entries, so a cache stays bounded however many distinct texts it is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from bpflogs.model.capture import DumpRecord
from bpflogs.model.insn import InsnForm

__all__ = ["Build", "XlatedCache"]

# the grammar's reading of a line, made into its record at a line number with the line's text
Build = Callable[[int, str], DumpRecord]

_K = TypeVar("_K")
_V = TypeVar("_V")


@dataclass(slots=True, eq=False)
class XlatedCache:
    """The memo tables of the xlated parsers (text dumps and bpftool JSON)."""

    limit: int = 1 << 16  # entries per table (a full table is emptied, then filled again)
    line_limit: int = 512  # longest line whose builder is kept (source lines, headers)
    forms: dict[str, InsnForm] = field(default_factory=dict)  # "(bf) r1 = r6" -> its checked form
    builders: dict[str, Build] = field(default_factory=dict)  # other line -> its record builder
    # (opcode, text, bytes) -> the form checked against its bytes: an unrolled loop repeats them
    with_bytes: dict[tuple[int | None, str, bytes], InsnForm] = field(default_factory=dict)

    def keep(self, table: dict[_K, _V], key: _K, value: _V) -> _V:
        """``value``, remembered in ``table`` (one of this cache's) under ``key``."""
        if len(table) >= self.limit:
            table.clear()
        table[key] = value
        return value
