"""``bpflogs parse`` of a dump: per program, its functions, calls, maps and source coverage."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bpflogs.model.insn import CallKind, Program
from bpflogs.render.inert import inert

__all__ = ["print_program"]


def _calls(program: Program) -> str:
    by_kind: dict[str, Counter[str]] = {}
    for insn in program.instructions:
        call = insn.call
        if call is None:
            continue
        label = call.function or call.name or f"pc{insn.target}"
        by_kind.setdefault(call.kind.value, Counter())[label] += 1
    parts = []
    for kind in CallKind:
        names = by_kind.get(kind.value)
        if names:
            listed = ", ".join(f"{n} x{c}" if c > 1 else n for n, c in sorted(names.items()))
            parts.append(f"{kind.value}: {listed}")
    return "; ".join(parts) or "none"


def _maps(program: Program) -> str:
    refs: Counter[str] = Counter()
    for insn in program.instructions:
        ref = insn.map
        if ref is None:
            continue
        label = f"id:{ref.id}" if ref.id is not None else f"idx:{ref.index}"
        refs[label + (" (value)" if ref.value else "")] += 1
    return ", ".join(f"{n} x{c}" if c > 1 else n for n, c in sorted(refs.items())) or "none"


def print_program(program: Program, console: Console) -> None:
    """A summary of one program, then a table of its functions."""
    facts = [f"{len(program.instructions)} instructions in {program.slots} slots"]
    if program.id is not None:
        facts.append(f"id {program.id}")
    if program.type:
        facts.append(program.type)
    if program.tag:
        facts.append(f"tag {program.tag}")
    if program.origin == "json":
        facts.append("from bpftool JSON")
    title = Text(inert(f"program {program.name}"), style="bold")
    title.append(Text(inert(f" (line {program.line}): " + ", ".join(facts)), style=""))
    console.print(title)
    table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 2))
    table.add_column("function")
    table.add_column("first slot", justify="right")
    table.add_column("insns", justify="right")
    table.add_column("signature", overflow="fold")
    for function in program.functions:
        table.add_row(
            Text(inert(function.name)),
            str(function.start),
            str(len(function.instructions)),
            Text(inert(function.signature or "")),
        )
    console.print(table)
    lines = {(s.file, s.line_num, s.source) for _, s in program.sources}
    files = sorted({s.file for _, s in program.sources if s.file})
    covered = sum(1 for i in program.instructions if any(slot == i.slot for slot, _ in program.sources))
    console.print(Text(inert(f"  calls: {_calls(program)}")))
    console.print(Text(inert(f"  maps referenced: {_maps(program)}")))
    source = f"  source: {len(lines)} distinct lines at {covered} instructions"
    console.print(Text(inert(source + (f" in {', '.join(files)}" if files else ""))))
    flagged = [i for i in program.instructions if i.flags]
    if flagged:
        console.print(Text(f"  {len(flagged)} instructions flagged:", style="red"))
        for insn in flagged[:10]:
            console.print(Text(inert(f"    slot {insn.slot}: {insn.text}  — {insn.flags[0]}"), style="red"))
        if len(flagged) > 10:
            console.print(Text(f"    and {len(flagged) - 10} more", style="red"))
