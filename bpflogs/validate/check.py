"""A named check, and what every check is given: the capture and where its lines are."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bpflogs.model.capture import Capture
from bpflogs.model.insn import InsnLine, Program
from bpflogs.model.records import JsonLine
from bpflogs.validate.diagnostic import Finding, Severity
from bpflogs.validate.locate import SourceMap

__all__ = ["Check", "Context", "Scope"]

_DISASM = re.compile(r'"disasm": ?"(?:\([0-9a-f]{2}\) )?')  # to the text after "(CC) ", as in text dumps


class Scope(enum.Enum):
    """What part of a capture a check looks at."""

    STRACE = "strace"
    XLATED = "xlated"
    CROSS = "cross"  # a capture holding both


@dataclass(frozen=True, slots=True)
class Context:
    """A capture with its physical lines and, per program, the line of each instruction slot."""

    capture: Capture
    sources: SourceMap
    # per program (index in capture.programs): slot -> (line, 1-based column of the instruction text)
    places: tuple[dict[int, tuple[int, int]], ...]

    @classmethod
    def of(cls, capture: Capture) -> Context:
        return cls(capture, SourceMap.of(capture), _places(capture))

    def place(self, program: int, slot: int) -> tuple[int, int]:
        """Where the instruction at ``slot`` of program number ``program`` is (line, column)."""
        found = self.places[program].get(slot)
        if found is None:
            return self.capture.programs[program].line, 1
        return found


def _places(capture: Capture) -> tuple[dict[int, tuple[int, int]], ...]:
    programs = capture.programs
    out: list[dict[int, tuple[int, int]]] = [{} for _ in programs]
    starts = [p.line for p in programs]
    text_lines = [r for r in capture.records if isinstance(r, InsnLine)]
    k = -1
    for record in text_lines:  # records are in line order, programs too
        while k + 1 < len(programs) and starts[k + 1] <= record.line and programs[k + 1].origin == "text":
            k += 1
        if k >= 0:
            out[k].setdefault(record.insn.slot, (record.line, len(record.text) - len(record.insn.text) + 1))
    _json_places(capture, programs, out)
    return tuple(out)


def _json_places(
    capture: Capture, programs: tuple[Program, ...], out: list[dict[int, tuple[int, int]]]
) -> None:
    """Instructions of a JSON dump: the n-th ``"disasm"`` of the document is its n-th instruction."""
    json_lines = [r for r in capture.records if isinstance(r, JsonLine)]
    by_doc: dict[int, list[int]] = {}
    for index, program in enumerate(programs):
        if program.origin == "json":
            by_doc.setdefault(program.line, []).append(index)
    for first, indices in by_doc.items():
        needed = sum(len(programs[i].instructions) for i in indices)
        spots: list[tuple[int, int]] = []
        for record in json_lines:
            if len(spots) >= needed:
                break
            if record.line >= first:
                spots.extend((record.line, m.end() + 1) for m in _DISASM.finditer(record.text))
        n = 0
        for index in indices:
            for insn in programs[index].instructions:
                if n < len(spots):
                    out[index][insn.slot] = spots[n]
                n += 1


@dataclass(frozen=True, slots=True)
class Check:
    """One named check: what it catches (one line), how bad that is, and the code that finds it."""

    name: str
    scope: Scope
    severity: Severity
    summary: str
    find: Callable[[Context], Iterable[Finding]]
