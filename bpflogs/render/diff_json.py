"""``bpflogs diff --format json``: the result tree as a versioned document for bots and CI.

Schema (README, "bpflogs diff --format json"); version 1. ``instructions`` lists every
row that is not plainly equal (rows equal only after a rule have op "equal" and the
rule in ``hidden``); with ``all_rows`` every row.
"""

from __future__ import annotations

from typing import Any, TextIO

from bpflogs.compare.result import (
    AttrChange,
    CallDiff,
    CallSide,
    DiffResult,
    InsnRow,
    InsnSide,
    ProgramDiff,
    ProgramSide,
    Status,
    TextDiff,
    TextLine,
    TextRow,
)
from bpflogs.render.json_text import dumps, name_fields

__all__ = ["DIFF_SCHEMA_VERSION", "diff_json", "write_diff_json"]

DIFF_SCHEMA_VERSION = 1


def diff_json(result: DiffResult, *, all_rows: bool = False, calls: bool = True) -> dict[str, Any]:
    """The document as plain JSON values (``json.dumps`` it)."""
    probes = result.probes
    return {
        "bpflogs_diff": DIFF_SCHEMA_VERSION,
        "equal": result.equal,
        "a": {**name_fields("file", result.a_name), "kind": result.a_kind, "calls": result.calls_a,
              "unparsed_lines": result.unparsed_a},
        "b": {**name_fields("file", result.b_name), "kind": result.b_kind, "calls": result.calls_b,
              "unparsed_lines": result.unparsed_b},
        "strict": result.strict,
        "notes": list(result.notes),
        "syscalls": [_call(c) for c in result.syscalls] if calls else [],
        "probes": None if probes is None else {
            "a": probes.a, "b": probes.b, "differing": probes.differing,
            "a_by_command": dict(probes.by_command_a), "b_by_command": dict(probes.by_command_b),
        },
        "programs": [_program(p, all_rows) for p in result.programs],
        "unparsed": [_text_part(p, all_rows) for p in result.unparsed],
        "hidden": dict(result.hidden),
    }  # fmt: skip


_ROWS = {"programs": "instructions", "unparsed": "lines"}  # lists written one row per line


def write_diff_json(result: DiffResult, out: TextIO, *, all_rows: bool = False) -> None:
    """The document, written with one call and one instruction row per line (the C encoder
    writes each; a pretty-printed dump of a 100k-call diff is several times slower)."""
    doc = diff_json(result, all_rows=all_rows, calls=False)  # the calls are written below
    out.write("{\n")
    keys = list(doc)
    for n, key in enumerate(keys):
        value = doc[key]
        out.write(f" {dumps(key)}: ")
        if key == "syscalls":
            _calls(result.syscalls, out)
        elif key in _ROWS:  # programs, unparsed: one object per part, one row per line
            out.write("[")
            for k, part in enumerate(value):
                rows = part.pop(_ROWS[key])
                out.write(",\n  " if k else "\n  ")
                out.write(dumps(part)[:-1] + f", {dumps(_ROWS[key])}: ")
                _lines(rows, out, "   ")
                out.write("}")
            out.write("\n ]" if value else "]")
        else:
            out.write(dumps(value))
        out.write(",\n" if n + 1 < len(keys) else "\n")
    out.write("}\n")


def _calls(calls: tuple[CallDiff, ...], out: TextIO) -> None:
    """The calls, one per line; the changes of a loop's calls are one shared tuple, so
    their JSON is written once and reused."""
    if not calls:
        out.write("[]")
        return
    written: dict[int, tuple[tuple[AttrChange, ...], str]] = {}
    heads: dict[tuple[Status, str, str, bool], str] = {}  # a loop's calls share their identity
    lines = []
    for call in calls:
        known = written.get(id(call.changes))
        if known is None or known[0] is not call.changes:
            known = (call.changes, dumps([_change(c) for c in call.changes]))
            written[id(call.changes)] = known
        ident = (call.status, call.command, call.key, call.probe)
        head = heads.get(ident)
        if head is None:
            head = heads[ident] = dumps(_call(call, changes=False)).split(', "a": ', 1)[0]
        sides = f'"a": {_side_text(call.a)}, "b": {_side_text(call.b)}'
        lines.append(f'  {head}, {sides}, "changes": {known[1]}}}')
    out.write("[\n" + ",\n".join(lines) + "\n ]")


def _side_text(side: CallSide | None) -> str:
    """``_call_side`` as JSON text (two ints: no escaping to do)."""
    if side is None:
        return "null"
    pid = "null" if side.pid is None else int(side.pid)
    return f'{{"line": {int(side.line)}, "pid": {pid}}}'


def _lines(items: list[Any], out: TextIO, indent: str) -> None:
    if not items:
        out.write("[]")
        return
    out.write("[\n")
    out.write(",\n".join(indent + dumps(item) for item in items))
    out.write(f"\n{indent[:-1]}]")


def _call(call: CallDiff, changes: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "status": call.status.value,
        "command": call.command,
        "key": call.key,
        "probe": call.probe,
        "a": _call_side(call.a),
        "b": _call_side(call.b),
    }
    if changes:
        out["changes"] = [_change(c) for c in call.changes]
    return out


def _call_side(side: CallSide | None) -> dict[str, Any] | None:
    if side is None:
        return None
    return {"line": side.line, "pid": side.pid}


def _change(change: AttrChange) -> dict[str, Any]:
    return {
        "path": change.path,
        "a": change.a,
        "b": change.b,
        "category": change.category,
        "rule": change.rule,
        "hidden": change.hidden,
    }


def _program(program: ProgramDiff, all_rows: bool) -> dict[str, Any]:
    rows = program.all_rows() if all_rows else (r for r in program.rows if isinstance(r, InsnRow))
    return {
        "name": program.name,
        "status": program.status.value,
        "a": _program_side(program.a),
        "b": _program_side(program.b),
        "functions": [
            {"name": f.name, "status": f.status.value, "a_insns": f.a_insns, "b_insns": f.b_insns,
             "changed": f.changed}
            for f in program.functions
        ],
        "helpers": {name: {"a": na, "b": nb} for name, (na, nb) in program.calls.items()},
        "instructions": [_row(r) for r in rows],
    }  # fmt: skip


def _program_side(side: ProgramSide | None) -> dict[str, Any] | None:
    if side is None:
        return None
    return {"file": side.file, "line": side.line, "insns": side.insns, "slots": side.slots}


def _row(row: InsnRow) -> dict[str, Any]:
    return {
        "op": row.op.value,
        "a": _insn_side(row.a),
        "b": _insn_side(row.b),
        "classes": list(row.classes),
        "hidden": list(row.hidden),
    }


def _insn_side(side: InsnSide | None) -> dict[str, Any] | None:
    if side is None:
        return None
    out: dict[str, Any] = {"slot": side.slot, "text": side.text, "function": side.function}
    if side.source is not None:
        out["source"] = side.source
    if side.source_line is not None:
        out["source_line"] = side.source_line
    return out


def _text_part(part: TextDiff, all_rows: bool) -> dict[str, Any]:
    rows = part.all_rows() if all_rows else (r for r in part.rows if isinstance(r, TextRow))
    return {
        "status": part.status.value,
        "program": part.program_index,
        "a_program": part.a_program,
        "b_program": part.b_program,
        "a_lines": len(part.a_lines),
        "b_lines": len(part.b_lines),
        "lines": [{"op": r.op.value, "a": _text_line(r.a), "b": _text_line(r.b)} for r in rows],
    }


def _text_line(line: TextLine | None) -> dict[str, Any] | None:
    if line is None:
        return None
    return {"line": line.line, **name_fields("text", line.text)}
