"""Two directories compared file by file: what each file's diff comes to, per program.

A directory diff pairs files by relative name, like ``diff -r``; each pair is one ordinary
diff (``diff_captures``). What the directory's report shows first is a table, one row per
program of each file (veristat's comparison: instructions in A, in B, the delta and its
percentage), so a build of hundreds of objects reads at a glance: ``FileSummary`` holds a
file's rows, ``summarize`` makes them from its ``DiffResult``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpflogs.compare.result import DiffResult, Status
from bpflogs.words import Word

__all__ = ["FileState", "FileSummary", "ProgramCount", "only_in", "summarize", "trouble"]


class FileState(Word):
    """How one relative name of two directories compares."""

    SAME = "same"  # both sides, no semantic difference
    CHANGED = "changed"  # both sides, differences
    ONLY_A = "only in a"
    ONLY_B = "only in b"
    TROUBLE = "trouble"  # a side could not be read or compared (the message says why)


@dataclass(frozen=True, slots=True)
class ProgramCount:
    """One program of a file pair: its instructions on each side (None: not on that side)."""

    name: str
    status: Status
    a_insns: int | None
    b_insns: int | None

    @property
    def delta(self) -> int | None:
        """B minus A, where both sides have the program."""
        if self.a_insns is None or self.b_insns is None:
            return None
        return self.b_insns - self.a_insns

    @property
    def percent(self) -> float | None:
        """The delta as a percentage of A (None where A is 0 or a side is missing)."""
        delta = self.delta
        if delta is None or not self.a_insns:
            return None
        return 100.0 * delta / self.a_insns


@dataclass(frozen=True, slots=True)
class FileSummary:
    """One relative name: its state, its programs, the message of its trouble."""

    name: str
    state: FileState
    programs: tuple[ProgramCount, ...] = ()
    message: str | None = None  # the trouble, as one line naming the file

    @property
    def equal(self) -> bool:
        return self.state is FileState.SAME


def summarize(name: str, result: DiffResult) -> FileSummary:
    """The summary of one file pair's diff: every program it paired, added or removed."""
    programs = tuple(
        ProgramCount(
            p.name,
            p.status,
            None if p.a is None else p.a.insns,
            None if p.b is None else p.b.insns,
        )
        for p in result.programs
    )
    return FileSummary(name, FileState.SAME if result.equal else FileState.CHANGED, programs)


def only_in(name: str, side: str) -> FileSummary:
    """A name one directory has and the other lacks (``side``: "a" or "b")."""
    return FileSummary(name, FileState.ONLY_A if side == "a" else FileState.ONLY_B)


def trouble(name: str, message: str) -> FileSummary:
    """A name whose pair could not be read or compared."""
    return FileSummary(name, FileState.TROUBLE, message=message)
