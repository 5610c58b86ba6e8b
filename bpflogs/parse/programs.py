"""Instructions assembled into programs and functions; a dump's lines read into both.

``split_functions`` cuts a program's instructions into functions at their BTF headers
(or, without BTF, at pseudo-call targets), ``traits`` says what a dump shows of the
bpftool that made it; text dumps (``DumpReader``) and bpftool JSON
(``bpflogs.parse.xlated_json``) build their ``Program``s with them. ``DumpReader`` reads
a dump line by line: opcode bytes join the instruction above them (checked against it),
and a program ends at the next program header or where the slots start again at 0.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence

from bpflogs.model import insn as m
from bpflogs.model.capture import DumpRecord
from bpflogs.model.records import Unparsed
from bpflogs.parse.insn_check import CHECK_FLAG, with_bytes
from bpflogs.parse.xlated import INSN_LINE, grammar_record, insn_form, insn_line
from bpflogs.parse.xlated_cache import XlatedCache

__all__ = ["DumpReader", "split_functions", "traits"]


def split_functions(
    insns: Sequence[m.Instruction], heads: dict[int, m.FunctionHeader], name: str
) -> tuple[m.Function, ...]:
    """The functions of a program's instructions (in slot order): cut at the BTF function
    headers, or, without BTF, at the program's first slot and its pseudo-call targets."""
    starts: dict[int, tuple[str, str | None]] = {s: (h.name, h.signature) for s, h in heads.items()}
    if not starts and insns:
        starts[insns[0].slot] = (name, None)
        for insn in insns:
            call = insn.form.call
            if call is not None and call.kind is m.CallKind.SUBPROG and insn.target is not None:
                label = call.function or f"func@{insn.target}"
                starts.setdefault(insn.target, (label, None))
    elif insns and insns[0].slot not in starts:
        starts[insns[0].slot] = (name, None)
    order = sorted(starts)
    slots = [insn.slot for insn in insns]
    cuts = [0] + [bisect.bisect_left(slots, start) for start in order[1:]] + [len(insns)]
    return tuple(
        m.Function(starts[start][0], starts[start][1], start, tuple(insns[cuts[k] : cuts[k + 1]]))
        for k, start in enumerate(order)
    )


def traits(insns: Sequence[m.Instruction], index_styles: Iterable[str] = ()) -> tuple[str, ...]:
    """What a dump shows of the bpftool that made it."""
    out = [f"index-width:{style}" for style in sorted(index_styles)]
    if any(f.startswith(("bug-line", CHECK_FLAG)) for i in insns if i.form.flags for f in i.form.flags):
        # its disassembler is older than some instructions of the program (xlated.md 2.9)
        out.append("disassembler:older-than-program")
    return tuple(out)


class DumpReader:
    """The lines of one dump, read one by one into records and programs.

    Opcode bytes join the instruction above them; a new program starts at a program
    header or where the slot numbering starts again at 0 (the function header and source
    lines read since the last instruction lead the new program). ``finish`` gives the
    records, in line order, and the programs.
    """

    def __init__(self, name: str | None, cache: XlatedCache | None = None) -> None:
        self.name = name
        self.cache = XlatedCache() if cache is None else cache  # the parse's (texts read once)
        self.records: list[DumpRecord | Unparsed] = []
        self.programs: list[m.Program] = []
        self._new()

    def _new(self) -> None:
        self._start = len(self.records)  # index in records of the program's first record
        self._plain = False  # the program has begun and nothing waits for its next instruction
        self._first: int | None = None  # first line of the program being read
        self._header: m.ProgramHeader | None = None
        self._insns: list[m.Instruction] = []
        self._heads: dict[int, m.FunctionHeader] = {}
        self._sources: list[tuple[int, m.SourceLine]] = []
        self._pending_head: m.FunctionHeader | None = None
        self._pending_sources: list[m.SourceLine] = []
        self._wide: set[str] = set()  # what starts the lines of slots >= 1000

    def add_insn(self, number: int, text: str) -> bool:
        """Read ``text`` if it is an instruction line in its common spelling (most lines of
        a dump are); False, with nothing read, otherwise."""
        record = insn_line(number, text, self.cache)
        return record is not None and self._add_record(record)

    def read_insns(self, lines: Iterator[tuple[int, str]]) -> tuple[int, str] | None:
        """Read instruction lines (in their common spelling) from ``lines`` up to the first
        line that is none, which is returned unread; None when ``lines`` ran out.

        The loop of a big dump: what it needs is bound to local names."""
        cache = self.cache
        fullmatch, known, make = INSN_LINE.fullmatch, cache.forms.get, m.insn_line
        add_record, add_insn, add_wide = self.records.append, self._insns.append, self._wide.add
        for number, text in lines:
            line = fullmatch(text)
            if line is None:
                return number, text
            indent, index, rest = line.groups()
            form = known(rest) or insn_form(rest, cache)
            if form is None:
                return number, text
            slot = int(index)
            record = make(number, text, slot, form)
            if not (slot and self._plain):  # a program's first, or one with lines to attach
                self._add_record(record)
                add_insn, add_wide = self._insns.append, self._wide.add  # a new program's own
                continue
            add_record(record)
            add_insn(record.insn)
            if slot >= 1000:
                add_wide(indent[:1])
        return None

    def add(self, number: int, text: str) -> None:
        """Read any line of a dump (one that is none becomes an ``Unparsed`` record)."""
        if not self.add_insn(number, text):
            self._add_record(grammar_record(number, text, self.cache))

    def _add_record(self, record: DumpRecord | Unparsed) -> bool:
        kind = type(record)
        last = self._last_insn() if kind is m.OpcodeBytes else None
        if last is not None:
            line = self.records[last]
            assert isinstance(line, m.InsnLine) and isinstance(record, m.OpcodeBytes)
            if line.insn.raw is None:
                form = with_bytes(line.insn.form, record.data, self.cache)
                insn = m.Instruction(line.insn.slot, form)
                self.records[last] = m.InsnLine(line.line, line.text, insn)
                if self._insns and self._insns[-1] is line.insn:
                    self._insns[-1] = insn
            self.records.append(record)
            return True
        restart = kind is m.InsnLine and record.insn.slot == 0  # type: ignore[union-attr]
        if (kind is m.ProgramHeader or restart) and self._insns:
            carried = (self._pending_head, self._pending_sources)
            lead = self._lead_line() if restart else None
            self._flush()
            if restart:  # what was read since the last instruction leads the new program
                self._pending_head, self._pending_sources = carried
                self._first = lead
                self._start = len(self.records)
        if self._first is None:
            self._first = record.line
        if kind is m.InsnLine:
            insn = record.insn  # type: ignore[union-attr]
            self._insns.append(insn)
            if self._pending_head is not None:
                self._heads[insn.slot] = self._pending_head
                self._pending_head = None
            if self._pending_sources:
                self._sources.extend((insn.slot, s) for s in self._pending_sources)
                self._pending_sources = []
            if insn.slot >= 1000:
                self._wide.add(record.text[:1])  # " " or a digit
        elif kind is m.SourceLine:
            self._pending_sources.append(record)  # type: ignore[arg-type]
        elif kind is m.FunctionHeader:
            self._pending_head = record  # type: ignore[assignment]
        elif kind is m.ProgramHeader:
            self._header = record  # type: ignore[assignment]
        self.records.append(record)
        self._plain = self._pending_head is None and not self._pending_sources
        return True

    def _last_insn(self) -> int | None:
        """The index in records of the program's last instruction line (None: none yet)."""
        records = self.records
        for k in range(len(records) - 1, self._start - 1, -1):
            if type(records[k]) is m.InsnLine:
                return k
        return None

    def _lead_line(self) -> int | None:
        """The first line of what was read since the last instruction (None: nothing)."""
        lines = [s.line for s in self._pending_sources]
        if self._pending_head is not None:
            lines.append(self._pending_head.line)
        return min(lines) if lines else None

    def _flush(self) -> None:
        insns = self._insns
        if not insns:
            return  # a header or stray lines without instructions: they wait for the instructions
        header, heads = self._header, self._heads
        name = (header.name if header and header.name else None) or self.name
        if name is None:
            name = next(iter(heads.values())).name if heads else "prog"
        # a line of a slot >= 1000 starts with a space (space4) or with its index (width4)
        indents = {"space4" if first == " " else "width4" for first in self._wide}
        assert self._first is not None
        self.programs.append(
            m.Program(
                name=name,
                line=self._first,
                instructions=tuple(insns),
                functions=split_functions(insns, heads, name),
                sources=tuple(self._sources),
                header=header,
                id=header.id if header else None,
                type=header.type if header else None,
                tag=header.tag if header else None,
                traits=traits(insns, indents),
            )
        )
        self._new()

    def finish(self) -> tuple[list[DumpRecord | Unparsed], list[m.Program]]:
        """The records and programs of the dump."""
        self._flush()
        return self.records, self.programs
