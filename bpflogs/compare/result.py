"""The diff result tree: what ``bpflogs.diff`` found, for every renderer to visit.

Frozen, slotted dataclasses only. The tree holds what the engine decided (pairings,
classes, hidden rules); renderers (text, rich, Markdown, JSON) only walk it. Equal
instructions are kept as runs (``EqualRun``) that point into the two programs, so a
million-instruction diff holds objects only for the rows that differ.

What the tree names is an enum (``Status``, ``Op``, ``ChangeClass``, ``ChangeCategory``,
``CaptureKind``) whose members are also their strings: ``Status.SAME == "same"``, and
``str()``, f-strings and ``json.dumps`` give the value, so every rendering reads them as the
words they stand for. An attribute change keeps the typed values it compared beside their
display texts; an instruction row's sides keep the ``Instruction`` s they show.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar, Union

from bpflogs.model.insn import Instruction, Program
from bpflogs.model.records import CallEnd, Result
from bpflogs.model.typed import Typed
from bpflogs.rules import Rule
from bpflogs.schema import Category
from bpflogs.words import Word

__all__ = [
    "AttrChange",
    "AttrValue",
    "CallDiff",
    "CallSide",
    "CaptureKind",
    "ChangeCategory",
    "ChangeClass",
    "DiffResult",
    "EqualRun",
    "FunctionDelta",
    "Hunk",
    "InsnRow",
    "InsnSide",
    "Locator",
    "Op",
    "ProbeSummary",
    "ProgramDiff",
    "ProgramSide",
    "Status",
    "TextDiff",
    "TextLine",
    "TextRow",
    "change_classes",
]


class Status(Word):
    """How a paired thing (call, program, function, part of unparsed lines) compares."""

    SAME = "same"
    CHANGED = "changed"
    ADDED = "added"  # only in b
    REMOVED = "removed"  # only in a


class Op(Word):
    """One row of an instruction alignment (or of a text alignment, which has no CHANGE)."""

    EQUAL = "equal"
    INSERT = "insert"  # only in b
    DELETE = "delete"  # only in a
    CHANGE = "change"  # paired, with classified differences


class ChangeClass(Word):
    """What differs in a changed instruction row, in the order rows list them."""

    OPCODE = "opcode"
    REGISTER = "register"
    IMMEDIATE = "immediate"
    OFFSET = "offset"
    CALL_TARGET = "call-target"
    MAP = "map"
    JUMP_TARGET = "jump-target"
    ENCODING = "encoding"  # the bytes differ where the texts show the same (opcodes mode, bpftool JSON)


_CLASS_OF: dict[str, ChangeClass] = {c.value: c for c in ChangeClass}


def change_classes(names: Sequence[str]) -> tuple[ChangeClass | Rule, ...]:
    """``names`` as a row's classes: ``ChangeClass`` members, and (under ``strict``) the rules
    that would have hidden a difference."""
    return tuple(_CLASS_OF[n] if n in _CLASS_OF else Rule.named(n) for n in names)


ChangeCategory = Category  # how a difference of an attribute counts: the schema's Category of its field


class CaptureKind(Word):
    """What a compared capture holds (``Capture.kind``)."""

    STRACE = "strace"  # strace output, no dumped program
    XLATED = "xlated"  # dumped programs, no strace output
    MIXED = "mixed"  # both
    EMPTY = "empty"  # neither


# ---------------------------------------------------------------------------
# bpf() calls


# The typed value of one side of an attribute change: an attribute's value as
# ``bpflogs.model.typed`` reads it (``int``, ``str`` enum names, ``Fd``, ``Pointer``,
# ``FlagSet``, ``Bytes``, ``Insns``, ``Update``, ``Opaque``, tuples, mappings; the whole attr
# for path ``attr``), the call's ``Result`` for ``<result>``, its ``CallEnd`` for ``<end>``,
# the ``int`` of ``<size>`` and ``<pid>``, the ``str`` of ``<time>`` and ``<duration>``.
AttrValue = Union[Typed, Result, CallEnd]


@dataclass(frozen=True, slots=True)
class AttrChange:
    """One attribute that differs between two paired calls.

    ``a``/``b`` are display texts (None: the attribute is absent on that side); fds are
    shown as the objects they name, an instruction array as a summary of what differs, a
    text longer than 200 characters is cut. ``a_value``/``b_value`` are the typed values
    compared (``AttrValue``; None where that side is absent): ``max_entries`` 128 -> 256 has
    ``a == "128"`` and ``a_value == 128``. ``hidden`` is true when a rule (``rule``) says
    the difference is volatile or environmental and the diff was not asked to show it.
    """

    path: str  # "max_entries", "link_create.target_fd", "<result>", "<pid>"
    a: str | None
    b: str | None
    category: ChangeCategory
    rule: Rule | None = None
    hidden: bool = False
    a_value: AttrValue | None = None
    b_value: AttrValue | None = None


@dataclass(frozen=True, slots=True)
class CallSide:
    """Where a call is in its capture."""

    line: int
    text: str  # the call's line(s) as captured
    pid: int | None = None


@dataclass(frozen=True, slots=True)
class CallDiff:
    """A bpf() call of one run paired with one of the other, or one without a partner."""

    status: Status
    command: str
    key: str  # the identity it was paired by: "BPF_MAP_CREATE map:counters"
    a: CallSide | None
    b: CallSide | None
    changes: tuple[AttrChange, ...] = ()
    probe: bool = False  # a loader feature probe (listed only when it differs)

    @property
    def shown(self) -> tuple[AttrChange, ...]:
        return tuple(c for c in self.changes if not c.hidden)


@dataclass(frozen=True, slots=True)
class ProbeSummary:
    """Loader feature probes (libbpf's tiny PROG_LOADs, BTF and map probes), counted."""

    a: int
    b: int
    by_command_a: Mapping[str, int] = field(default_factory=dict)
    by_command_b: Mapping[str, int] = field(default_factory=dict)
    differing: int = 0  # probes listed among the calls because they differ


# ---------------------------------------------------------------------------
# programs and instructions


@dataclass(frozen=True, slots=True)
class InsnSide:
    """One side of an instruction row: where it is, how it reads, and the ``Instruction``
    itself (the program's own object, as parsed)."""

    slot: int
    text: str  # "(b7) r0 = 2", as the dump printed it (an ``encoding`` change: then "  bytes b7 00 ...")
    source: str | None = None  # the `; source` line in effect at this instruction
    source_line: int | None = None  # its line_num (linum dumps)
    function: str | None = None
    marks: tuple[tuple[int, int], ...] = ()  # [start, end) spans of ``text`` that differ
    instruction: Instruction | None = field(default=None, repr=False)  # None: a side made by hand


@dataclass(frozen=True, slots=True)
class InsnRow:
    """An aligned row: equal (only after a rule: ``hidden`` names it), inserted, deleted or changed."""

    op: Op
    a: InsnSide | None
    b: InsnSide | None
    # ChangeClass members (OPCODE, REGISTER, ...); under --strict also the rules that would
    # have hidden a difference ("jump-offsets"), as their names
    classes: tuple[ChangeClass | Rule, ...] = ()
    hidden: tuple[Rule, ...] = ()  # rules that made it equal: "jump-offsets", "map-ids", ...

    @property
    def instructions(self) -> tuple[Instruction | None, Instruction | None]:
        """The instructions of a and b (None for a side the row does not have)."""
        return (
            self.a.instruction if self.a is not None else None,
            self.b.instruction if self.b is not None else None,
        )


@dataclass(frozen=True, slots=True)
class EqualRun:
    """``count`` plainly equal instructions from index ``a_index`` / ``b_index`` of the two programs."""

    a_index: int
    b_index: int
    count: int


@dataclass(frozen=True, slots=True)
class FunctionDelta:
    name: str
    status: Status
    a_insns: int | None
    b_insns: int | None
    changed: int = 0  # rows inserted, deleted or changed in this function


@dataclass(frozen=True, slots=True)
class ProgramSide:
    name: str
    insns: int
    slots: int
    line: int  # where its dump starts in the capture
    file: str


@dataclass(frozen=True, slots=True)
class Hunk:
    """Consecutive rows around changes, with ``context`` equal rows either side."""

    rows: tuple[InsnRow, ...]
    changes: int  # rows that are not equal


@dataclass(frozen=True, slots=True)
class ProgramDiff:
    """Two dumps of one program, aligned instruction by instruction."""

    name: str
    status: Status
    a: ProgramSide | None
    b: ProgramSide | None
    functions: tuple[FunctionDelta, ...]
    rows: tuple[InsnRow | EqualRun, ...]  # in alignment order
    a_locator: Locator | None = field(default=None, repr=False, compare=False)
    b_locator: Locator | None = field(default=None, repr=False, compare=False)
    calls: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # helper -> (calls in a, in b)
    text_differs: bool = False  # lines of its dumps that did not parse differ (``DiffResult.unparsed``)

    @property
    def changed_rows(self) -> int:
        return sum(1 for r in self.rows if isinstance(r, InsnRow) and r.op is not Op.EQUAL)

    def all_rows(self) -> Iterator[InsnRow]:
        """Every row, plainly equal ones too (expanded from their runs)."""
        for row in self.rows:
            if isinstance(row, InsnRow):
                yield row
            else:
                yield from self._expand(row, 0, row.count)

    def _expand(self, run: EqualRun, start: int, stop: int) -> Iterator[InsnRow]:
        a, b = self.a_locator, self.b_locator
        if a is None or b is None:
            return
        for k in range(start, stop):
            yield InsnRow(Op.EQUAL, a.side(run.a_index + k), b.side(run.b_index + k))

    def hunks(self, context: int = 3) -> list[Hunk]:
        """Rows that differ with up to ``context`` rows around them, like a unified diff:
        hunks whose context would touch are joined. Rows equal only after a rule do not
        start a hunk; inside one they show with their rule."""
        return [
            Hunk(rows, sum(1 for r in rows if r.op is not Op.EQUAL))
            for rows in _hunks(self.rows, lambda row: row.op is not Op.EQUAL, self._expand, context)
        ]


@dataclass(frozen=True, slots=True)
class Locator:
    """Finds, for an instruction of a program, its source line and function (by bisection)."""

    program: Program
    source_slots: tuple[int, ...]
    function_starts: tuple[int, ...]

    @classmethod
    def of(cls, program: Program) -> Locator:
        return cls(
            program, tuple(at for at, _ in program.sources), tuple(f.start for f in program.functions)
        )

    def side(self, index: int, marks: tuple[tuple[int, int], ...] = (), raw: bool = False) -> InsnSide:
        """Instruction number ``index`` of the program as one side of a row; with ``raw``,
        its text is followed by its bytes, as ``opcodes`` mode prints them."""
        insn = self.program.instructions[index]
        text = insn.text if insn.opcode is None else f"({insn.opcode:02x}) {insn.text}"
        if raw and insn.raw is not None:
            text += "  bytes " + " ".join(f"{b:02x}" for b in insn.raw)
        source = line = None
        at = bisect_right(self.source_slots, insn.slot) - 1
        if at >= 0 and self.program.sources[at][1].source.strip():  # an empty `; ` names no line
            src = self.program.sources[at][1]
            source, line = src.source, src.line_num
        fn = bisect_right(self.function_starts, insn.slot) - 1
        function = self.program.functions[fn].name if fn >= 0 else None
        return InsnSide(insn.slot, text, source, line, function, marks, insn)


# ---------------------------------------------------------------------------
# lines that did not parse, compared as text


@dataclass(frozen=True, slots=True)
class TextLine:
    """A line of a capture that did not parse (an ``Unparsed`` record), as one side of a row."""

    line: int  # its line number in the capture
    text: str


@dataclass(frozen=True, slots=True)
class TextRow:
    """A row of a text alignment: ``Op.EQUAL`` (both sides), ``Op.DELETE`` (a only) or
    ``Op.INSERT`` (b only), as diff(1) shows them; a text alignment has no ``Op.CHANGE``."""

    op: Op
    a: TextLine | None
    b: TextLine | None


@dataclass(frozen=True, slots=True)
class TextDiff:
    """The lines that did not parse in one part of the two captures, aligned as text.

    A part is either one pair of programs (the lines inside their dumps: ``a_program`` /
    ``b_program`` name them) or everything outside the programs compared (both None).
    ``rows`` holds the rows that differ and ``EqualRun`` s of equal lines, indexes into
    ``a_lines`` / ``b_lines``. A program pair whose lines differ is ``changed`` among the
    programs too, even when every instruction is equal.
    """

    status: Status  # same; changed; added / removed: only b / only a has such lines here
    a_program: str | None
    b_program: str | None
    a_lines: tuple[TextLine, ...] = field(repr=False)
    b_lines: tuple[TextLine, ...] = field(repr=False)
    rows: tuple[TextRow | EqualRun, ...] = ()
    program_index: int | None = None  # the pair's ProgramDiff in ``DiffResult.programs``

    @property
    def program(self) -> str | None:
        """The program these lines are in (a's name, else b's); None outside any program."""
        return self.a_program if self.a_program is not None else self.b_program

    @property
    def removed(self) -> int:
        """Lines only a has."""
        return sum(1 for r in self.rows if isinstance(r, TextRow) and r.op is Op.DELETE)

    @property
    def added(self) -> int:
        """Lines only b has."""
        return sum(1 for r in self.rows if isinstance(r, TextRow) and r.op is Op.INSERT)

    @property
    def same(self) -> int:
        return sum(r.count for r in self.rows if isinstance(r, EqualRun))

    def all_rows(self) -> Iterator[TextRow]:
        """Every row, equal ones too (expanded from their runs)."""
        for row in self.rows:
            if isinstance(row, TextRow):
                yield row
            else:
                yield from self._expand(row, 0, row.count)

    def _expand(self, run: EqualRun, start: int, stop: int) -> Iterator[TextRow]:
        for k in range(start, stop):
            yield TextRow(Op.EQUAL, self.a_lines[run.a_index + k], self.b_lines[run.b_index + k])

    def hunks(self, context: int = 3) -> list[tuple[TextRow, ...]]:
        """The rows that differ with up to ``context`` equal lines around them, like ``diff -u``."""
        return _hunks(self.rows, lambda row: True, self._expand, context)


_Row = TypeVar("_Row", "InsnRow", "TextRow")


def _hunks(
    rows: Sequence[_Row | EqualRun],
    differs: Callable[[_Row], bool],
    expand: Callable[[EqualRun, int, int], Iterator[_Row]],
    context: int,
) -> list[tuple[_Row, ...]]:
    """The rows that differ with up to ``context`` rows around them, like a unified diff
    (windows that would touch are joined); ``expand`` gives rows ``start`` to ``stop`` of an
    ``EqualRun``."""
    starts: list[int] = []  # position of each entry of rows among all rows
    changed: list[int] = []
    position = 0
    for row in rows:
        starts.append(position)
        if isinstance(row, EqualRun):
            position += row.count
        else:
            if differs(row):
                changed.append(position)
            position += 1
    windows: list[list[int]] = []
    for p in changed:
        lo, hi = max(0, p - context), min(position, p + context + 1)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    return [tuple(_between(rows, starts, lo, hi, expand)) for lo, hi in windows]


def _between(
    rows: Sequence[_Row | EqualRun], starts: list[int], lo: int, hi: int,
    expand: Callable[[EqualRun, int, int], Iterator[_Row]],
) -> Iterator[_Row]:  # fmt: skip
    """The rows at positions [lo, hi), equal runs expanded."""
    k = bisect_right(starts, lo) - 1
    while k < len(rows) and starts[k] < hi:
        row = rows[k]
        if isinstance(row, EqualRun):
            first = starts[k]
            yield from expand(row, max(0, lo - first), min(row.count, hi - first))
        else:
            yield row
        k += 1


# ---------------------------------------------------------------------------
# the whole diff


@dataclass(frozen=True, slots=True)
class DiffResult:
    """Everything ``bpflogs.diff`` found between capture ``a`` and capture ``b``."""

    a_name: str
    b_name: str
    a_kind: CaptureKind
    b_kind: CaptureKind
    syscalls: tuple[CallDiff, ...]
    programs: tuple[ProgramDiff, ...]
    hidden: Mapping[Rule, int]  # rule -> differences it hid
    probes: ProbeSummary | None = None
    calls_a: int = 0  # bpf() calls in each capture
    calls_b: int = 0
    notes: tuple[str, ...] = ()  # what could not be compared, e.g. a dump against a strace log
    strict: bool = False
    unparsed_a: int = 0
    unparsed_b: int = 0
    # the lines that did not parse, compared as text: one entry per part holding any
    unparsed: tuple[TextDiff, ...] = ()

    @property
    def equal(self) -> bool:
        """No semantic difference (hidden ones do not count); a line that did not parse
        and differs, or is on one side only, is a difference."""
        return (
            not any(c.status is not Status.SAME for c in self.syscalls)
            and not any(p.status is not Status.SAME for p in self.programs)
            and not any(t.status is not Status.SAME for t in self.unparsed)
        )
