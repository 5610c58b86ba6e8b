"""Checks on xlated dumps: are the slots whole, the jumps inside, the texts true to their bytes?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bpflogs.encoding import FIELD_BYTE, JMP32
from bpflogs.model.capture import DumpRecord
from bpflogs.model.insn import CallKind, FunctionHeader, Instruction, OpcodeBytes, Program
from bpflogs.validate.check import Check, Context, Scope
from bpflogs.validate.diagnostic import Finding, Severity

__all__ = ["CHECKS"]

_TARGET = re.compile(r"pc[+-]\d+|subprog\[[+-]?\d+\]")
_UNCONDITIONAL = ("exit", "ja", "gotol", "gotox")
_VERSION = re.compile(r"bpftool ([<>]=?) ?(\d+\.\d+)")
# BUG_ lines: the instruction bpftool did not know, and the bpftool that prints it
_BUG_VERSIONS = {
    0x81: "7.3", 0x89: "7.3", 0x91: "7.3", 0x99: "7.3",  # sign-extending loads (cpu v4)
    0xD7: "7.3",  # bswap
    0xC3: "7.8", 0xCB: "7.8", 0xD3: "7.8", 0xDB: "7.8",  # load_acquire / store_release
}  # fmt: skip


def _programs(ctx: Context) -> Iterator[tuple[int, Program]]:
    return iter(enumerate(ctx.capture.programs))


def _index_column(ctx: Context, line: int) -> int:
    text = ctx.sources.text(line)
    return len(text) - len(text.lstrip()) + 1


# ---------------------------------------------------------------------------------- slots


def _slots(ctx: Context) -> Iterator[Finding]:
    for k, program in _programs(ctx):
        if program.origin != "text" or not program.instructions:
            continue  # JSON has no index: its slots are counted
        first = program.instructions[0]
        if first.slot != 0:
            line, _ = ctx.place(k, first.slot)
            yield Finding(
                line, _index_column(ctx, line),
                f"program {program.name} starts at slot {first.slot}, not 0: its first lines are missing",
                "the dump was cut at its start", len(str(first.slot)),
            )  # fmt: skip
        expected = first.slot + first.slots
        previous = first
        for insn in program.instructions[1:]:
            if insn.slot != expected:
                line, _ = ctx.place(k, insn.slot)
                yield Finding(
                    line, _index_column(ctx, line), _gap(insn, previous, expected),
                    "each slot follows the one before by 1, or by 2 after an LD_IMM64", len(str(insn.slot)),
                )  # fmt: skip
            expected = max(expected, insn.slot + insn.slots)
            previous = insn


def _gap(insn: Instruction, previous: Instruction, expected: int) -> str:
    if insn.slot > expected:
        missing = f"slot {expected}" if insn.slot == expected + 1 else f"slots {expected}-{insn.slot - 1}"
        return f"slot {insn.slot} follows slot {previous.slot}: {missing} missing (a line deleted?)"
    if previous.op == "ld_imm64" and insn.slot == previous.slot + 1:
        return f"slot {insn.slot} is the second half of the LD_IMM64 at slot {previous.slot}"
    return f"slot {insn.slot} follows slot {previous.slot}, expected {expected}: lines out of order?"


# ---------------------------------------------------------------------------------- jumps


def _targets(ctx: Context) -> Iterator[Finding]:
    for k, program in _programs(ctx):
        if not program.instructions:
            continue
        starts = {i.slot for i in program.instructions}
        seconds = {i.slot + 1 for i in program.instructions if i.slots == 2}
        low = program.instructions[0].slot
        end = program.instructions[-1].slot + program.instructions[-1].slots
        for insn in program.instructions:
            target = insn.target
            if target is None or target in starts:
                continue
            if target < low or target >= end:
                problem = f"is outside the program (slots {low}-{end - 1})"
            elif target in seconds:
                problem = f"lands inside the LD_IMM64 at slot {target - 1}"
            else:
                problem = "is not an instruction of the dump"
            what = "call" if insn.op == "call" else "subprogram address" if insn.op == "ld_imm64" else "jump"
            line, column = ctx.place(k, insn.slot)
            found = _TARGET.search(insn.text)
            if found is not None:
                column += found.start()
            yield Finding(
                line, column, f"{what} target slot {target} of slot {insn.slot} {problem}",
                "a jump offset counts from the next slot: the offset, or the dump around it, was changed",
                len(found.group()) if found else 1,
            )  # fmt: skip


def _ends(ctx: Context) -> Iterator[Finding]:
    for k, program in _programs(ctx):
        for function in program.functions:
            if not function.instructions:
                continue
            last = function.instructions[-1]
            if last.op in _UNCONDITIONAL or last.op == "bug":
                continue
            line, column = ctx.place(k, last.slot)
            yield Finding(
                line, column,
                f"function {function.name} ends with '{last.text}' at slot {last.slot}, not with exit "
                "or an unconditional jump",
                "code falls off the end of the function: the dump is cut, or lines are missing",
                len(last.text),
            )  # fmt: skip


# ---------------------------------------------------------------------------------- opcodes


def _bytes_line(ctx: Context, line: int, record_lines: dict[int, DumpRecord]) -> OpcodeBytes | None:
    record = record_lines.get(line + 1)
    return record if isinstance(record, OpcodeBytes) else None


def _dump_records(ctx: Context) -> dict[int, DumpRecord]:
    return {r.line: r for r in ctx.capture.records if isinstance(r, OpcodeBytes)}


def _opcodes(ctx: Context) -> Iterator[Finding]:
    records = _dump_records(ctx)
    for k, program in _programs(ctx):
        for insn in program.instructions:
            for flag in insn.flags:
                if not flag.startswith("text-contradicts-opcode") or "bpftool" in flag:
                    continue  # an old bpftool's known misprint: the old-bpftool check
                problem = flag.split(": ", 1)[1]
                line, column = ctx.place(k, insn.slot)
                width = 4
                field = problem.split(":", 1)[0]
                raw = _bytes_line(ctx, line, records) if program.origin == "text" else None
                if raw is not None and (problem.startswith("bytes have") or field in FIELD_BYTE):
                    byte = 0 if problem.startswith("bytes have") else FIELD_BYTE[field]
                    line, column, width = raw.line, len(raw.indent) + 3 * byte + 1, 2
                elif program.origin == "text" and (at := _token_at(insn.text, field)) is not None:
                    column, width = column + at, len(field)  # the register, size ... the problem names
                elif program.origin == "text" and insn.opcode is not None:
                    column -= len("(cc) ")
                yield Finding(
                    line, column, f"slot {insn.slot}: '{insn.text}' contradicts its opcode: {problem}",
                    "the dump was edited or damaged: dump the program again", width,
                )  # fmt: skip


def _token_at(text: str, token: str) -> int | None:
    """Where the last ``token`` (a register, a size) stands in ``text``; None if it does not."""
    if not token or " " in token or token in FIELD_BYTE:
        return None
    found = list(re.finditer(rf"(?<![\w$.]){re.escape(token)}(?!\w)", text))
    return found[-1].start() if found else None


def _old_bpftool(ctx: Context) -> Iterator[Finding]:
    for k, program in _programs(ctx):
        for insn in program.instructions:
            for flag in insn.flags:
                line, column = ctx.place(k, insn.slot)
                if flag.startswith("bug-line"):
                    code = insn.raw[0] if insn.raw else insn.opcode if insn.opcode is not None else None
                    code = _bug_code(insn.text) if code is None else code
                    version = _bug_version(code)
                    yield Finding(
                        line, column,
                        f"slot {insn.slot}: '{insn.text}': this bpftool's disassembler does not know the "
                        "instruction, the dump lost it",
                        f"dump with bpftool >= {version}" if version else "dump with a newer bpftool",
                        len(insn.text),
                    )  # fmt: skip
                elif flag.startswith("text-contradicts-opcode") and "bpftool" in flag:
                    problem = flag.split(": ", 1)[1]
                    found = _VERSION.search(problem)
                    hint = f"dump with bpftool >= {found.group(2)}" if found else "dump with a newer bpftool"
                    yield Finding(
                        line, column,
                        f"slot {insn.slot}: '{insn.text}' misprints its instruction: {problem}",
                        hint, len(insn.text),
                    )  # fmt: skip


def _bug_version(code: int | None) -> str | None:
    if code is None:
        return None
    if code & 0x07 == JMP32:  # class JMP32 ("(06) BUG" before it had a name): bpftool of 5.1
        return "5.1"
    return _BUG_VERSIONS.get(code)


def _bug_code(text: str) -> int | None:
    tail = text.rsplit("_", 1)[-1]
    return int(tail, 16) if re.fullmatch(r"[0-9a-f]{2}", tail) else None


# ---------------------------------------------------------------------------------- functions, lines


def _headers(ctx: Context, k: int, program: Program) -> dict[int, int]:
    """slot -> line of the function header before it (text dumps)."""
    out: dict[int, int] = {}
    if program.origin != "text":
        return {f.start: ctx.place(k, f.start)[0] for f in program.functions if f.signature is not None}
    places = ctx.places[k]
    by_line = {line: slot for slot, (line, _) in places.items()}
    pending: int | None = None
    end = max((line for line, _ in places.values()), default=program.line)
    for record in ctx.capture.records:
        if record.line < program.line or record.line > end:
            continue
        if isinstance(record, FunctionHeader):
            pending = record.line
        elif record.line in by_line and pending is not None:
            out[by_line[record.line]] = pending
            pending = None
    return out


def _function_headers(ctx: Context) -> Iterator[Finding]:
    for k, program in _programs(ctx):
        if not any(f.signature is not None for f in program.functions) or not program.instructions:
            continue  # without BTF, functions are cut at call targets: nothing to compare
        first = program.instructions[0].slot
        calls: dict[int, Instruction] = {}
        for insn in program.instructions:
            subprog = insn.op == "call" and insn.call is not None and insn.call.kind is CallKind.SUBPROG
            if insn.target is not None and (subprog or insn.op == "ld_imm64"):
                calls.setdefault(insn.target, insn)
        headers = _headers(ctx, k, program)
        for function in program.functions:
            if function.signature is None or function.start == first or function.start in calls:
                continue
            line = headers.get(function.start, ctx.place(k, function.start)[0])
            yield Finding(
                line, 1, f"function header of {function.name} at slot {function.start}: no call targets it",
                "function headers sit where a subprogram call lands: lines were moved or a call changed",
                len(ctx.sources.text(line).rstrip()) or 1,
            )  # fmt: skip
        starts = {f.start for f in program.functions}
        for target, insn in calls.items():
            if target in starts or target not in {i.slot for i in program.instructions}:
                continue  # off the program: the jump-target check says so
            line, column = ctx.place(k, insn.slot)
            yield Finding(
                line, column, f"slot {insn.slot} calls slot {target}, where no function header stands",
                "with BTF, every subprogram starts with its header: a header line is missing", len(insn.text),
            )  # fmt: skip


def _linum(ctx: Context) -> Iterator[Finding]:
    for _, program in _programs(ctx):
        texts: dict[tuple[str, int], tuple[str, int]] = {}
        for _slot, source in program.sources:
            if source.file is None or source.line_num is None:
                continue
            line = source.line if source.lines else program.line
            text = ctx.sources.text(line)
            column = text.rfind("[file:") + 1 if source.lines else 1
            if not source.file.strip():
                yield Finding(line, column, "source line with an empty file name", None, 6)
                continue
            if source.line_num == 0 and source.source.strip():
                yield Finding(
                    line, column, f"source text '{source.source.strip()}' at line 0 of {source.file}",
                    "line 0 marks compiler-made code, which has no source text", len("[file:"),
                )  # fmt: skip
                continue
            key = (source.file, source.line_num)
            seen = texts.setdefault(key, (source.source.strip(), line))
            if seen[0] != source.source.strip() and source.line_num != 0:
                yield Finding(
                    line, column,
                    f"{source.file}:{source.line_num} reads '{source.source.strip()}' here but "
                    f"'{seen[0]}' at line {seen[1]}",
                    "one source line has one text: the dump was edited or spliced", len("[file:"),
                )  # fmt: skip


CHECKS = (
    Check("slot-continuity", Scope.XLATED, Severity.ERROR,
          "a slot that does not follow the one before by 1 (by 2 after an LD_IMM64)", _slots),
    Check("jump-target", Scope.XLATED, Severity.ERROR,
          "a jump or pseudo-call target outside the program or not on an instruction start", _targets),
    Check("function-end", Scope.XLATED, Severity.WARNING,
          "a function whose last instruction is not exit or an unconditional jump", _ends),
    Check("opcode-mismatch", Scope.XLATED, Severity.ERROR,
          "instruction text contradicting its (op) byte or opcode bytes (no old bpftool explains it)",
          _opcodes),
    Check("old-bpftool", Scope.XLATED, Severity.WARNING,
          "BUG_ lines and known misprints of a bpftool older than the program (hint: the version to use)",
          _old_bpftool),
    Check("function-header", Scope.XLATED, Severity.WARNING,
          "a function header where no call lands, or a called slot without a header", _function_headers),
    Check("linum", Scope.XLATED, Severity.WARNING,
          "implausible linum suffixes: empty file, text at line 0, one line with two texts", _linum),
)  # fmt: skip
