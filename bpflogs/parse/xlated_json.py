"""bpftool's JSON dumps (``-j``, ``-p``) into the same programs as text dumps (xlated.md 4.1).

JSON has no index field: slots are counted, two for every LD_IMM64. Each object's
``disasm`` is parsed with the text grammar, and its ``opcodes`` become the raw bytes.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bpflogs.model import insn as m
from bpflogs.parse.insn_check import check_form
from bpflogs.parse.programs import split_functions, traits
from bpflogs.parse.xlated import function_name, instruction
from bpflogs.parse.xlated_cache import XlatedCache

__all__ = ["DumpShapeError", "is_dump", "programs_from_json"]


class DumpShapeError(ValueError):
    """The JSON is valid but not a bpftool xlated dump."""


def _raw(opcodes: Any) -> bytes | None:
    if not isinstance(opcodes, dict):
        return None
    try:
        code = int(opcodes["code"], 16)
        regs = (int(opcodes["src_reg"], 16) << 4) | int(opcodes["dst_reg"], 16)
        rest = bytes(int(b, 16) for b in [*opcodes["off"], *opcodes["imm"]])
    except (KeyError, TypeError, ValueError):
        return None
    data = bytes([code, regs]) + rest
    return data if len(data) in (8, 16) else None


def is_dump(doc: Any) -> bool:
    """Whether a parsed JSON document has the shape of an xlated dump."""
    if not isinstance(doc, list) or not doc:
        return False
    first = doc[0]
    return isinstance(first, dict) and ("disasm" in first or "insns" in first)


def _program(
    items: list[Any], line: int, meta: dict[str, Any], name: str | None, cache: XlatedCache
) -> m.Program:
    insns: list[m.Instruction] = []
    heads: dict[int, m.FunctionHeader] = {}
    sources: list[tuple[int, m.SourceLine]] = []
    slot = 0
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("disasm"), str):
            raise DumpShapeError(f"instruction {len(insns)} has no 'disasm' text")
        parsed = instruction(slot, item["disasm"], cache)
        form = parsed.form if parsed is not None else (
            m.InsnForm(None, "unknown", item["disasm"], flags=("unparsed-text",))
        )
        insn = m.Instruction(slot, check_form(dataclasses.replace(form, raw=_raw(item.get("opcodes")))))
        if isinstance(item.get("proto"), str):
            proto = item["proto"]
            heads[slot] = m.FunctionHeader(line, (), f"{proto}:", proto, function_name(proto))
        if isinstance(item.get("src"), str):
            src = item["src"]
            file = item.get("file") if isinstance(item.get("file"), str) else None
            num = item.get("line_num") if isinstance(item.get("line_num"), int) else None
            col = item.get("line_col") if isinstance(item.get("line_col"), int) else None
            if file is not None:
                num, col = num or 0, col or 0  # bpftool omits zero line/col
            sources.append((slot, m.SourceLine(line, (), f"; {src}", src, file, num, col)))
        insns.append(insn)
        slot += insn.slots
    label = meta.get("name") if isinstance(meta.get("name"), str) else name
    if label is None:
        label = next(iter(heads.values())).name if heads else "prog"
    return m.Program(
        name=label,
        line=line,
        instructions=tuple(insns),
        functions=split_functions(insns, heads, label),
        sources=tuple(sources),
        id=meta.get("id") if isinstance(meta.get("id"), int) else None,
        type=meta.get("type") if isinstance(meta.get("type"), str) else None,
        tag=meta.get("tag") if isinstance(meta.get("tag"), str) else None,
        origin="json",
        traits=traits(insns),
    )


def programs_from_json(
    doc: Any, line: int, name: str | None = None, cache: XlatedCache | None = None
) -> list[m.Program]:
    """The programs of a bpftool JSON dump (one program's array, or several programs' objects);
    ``cache`` is the parse's (each distinct ``disasm`` text read once), a fresh one if None."""
    cache = XlatedCache() if cache is None else cache
    if not is_dump(doc):
        raise DumpShapeError("not a bpftool xlated dump (expected a list of instructions or programs)")
    if "insns" in doc[0]:
        out = []
        for entry in doc:
            if not isinstance(entry, dict) or not isinstance(entry.get("insns"), list):
                raise DumpShapeError("a program object has no 'insns' list")
            out.append(_program(entry["insns"], line, entry, name, cache))
        return out
    return [_program(doc, line, {}, name, cache)]
