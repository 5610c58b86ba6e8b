"""Checks across a capture holding both an strace log and xlated dumps of what it loaded."""

from __future__ import annotations

from collections.abc import Iterator

from bpflogs.model import values as v
from bpflogs.model.insn import Program
from bpflogs.model.records import Syscall
from bpflogs.model.typed import Bytes, info_kind
from bpflogs.model.views import ProgLoad, view
from bpflogs.objects import insn_map_fds
from bpflogs.schema import ObjectKind
from bpflogs.validate.check import Check, Context, Scope
from bpflogs.validate.diagnostic import Finding, Severity

__all__ = ["CHECKS"]

# the kernel keeps BPF_OBJ_NAME_LEN - 1 characters of a program's name
_NAME_LEN = 15


def _mixed(ctx: Context) -> bool:
    return ctx.capture.kind == "mixed"


def _loads(ctx: Context) -> list[tuple[Syscall, ProgLoad]]:
    out = []
    for call in ctx.capture.syscalls:
        if call.command != "BPF_PROG_LOAD" or call.result is None or call.result.failed:
            continue
        typed = view(call)
        if isinstance(typed, ProgLoad):
            out.append((call, typed))
    return out


def _load_name(load: ProgLoad) -> str | None:
    name = load.prog_name
    return name.text[:_NAME_LEN] if isinstance(name, Bytes) and name.value else None


def _names(program: Program) -> set[str]:
    """The names a dumped program may have been loaded as (the kernel cuts them to 15)."""
    names = {program.name[:_NAME_LEN]}
    if program.functions:
        names.add(program.functions[0].name[:_NAME_LEN])
    return names


def _match(ctx: Context, program: Program) -> tuple[Syscall, ProgLoad] | None:
    """The last successful PROG_LOAD of the program's name (a loader retries; the last one stays)."""
    found = None
    for call, load in _loads(ctx):
        if _load_name(load) in _names(program):
            found = (call, load)
    return found


def _matching(ctx: Context) -> Iterator[Finding]:
    if not _mixed(ctx):
        return
    names = sorted({n for _, load in _loads(ctx) if (n := _load_name(load))})
    for program in ctx.capture.programs:
        if _match(ctx, program) is not None:
            continue
        loaded = ", ".join(names) if names else "none"
        yield Finding(
            program.line, 1,
            f"dumped program {program.name} has no successful BPF_PROG_LOAD of that name in the capture "
            f"(named loads: {loaded})",
            "the dump is of another program or run, or the strace log misses the load",
            len(ctx.sources.text(program.line)) or 1,
        )  # fmt: skip


def _counts(ctx: Context) -> Iterator[Finding]:
    if not _mixed(ctx):
        return
    for program in ctx.capture.programs:
        found = _match(ctx, program)
        if found is None:
            continue
        call, load = found
        if not isinstance(load.insn_cnt, int) or load.insn_cnt == program.slots:
            continue
        delta = program.slots - load.insn_cnt
        how = "grew" if delta > 0 else "shrank"
        yield Finding(
            program.line, 1,
            f"program {program.name}: the verifier {how} it from {load.insn_cnt} instructions "
            f"(insn_cnt at line {call.line}) to {program.slots} ({delta:+d})",
            "xlated code is the verifier's rewrite: helper inlining and map lookups grow it, dead code "
            "removal shrinks it", len(ctx.sources.text(program.line)) or 1,
        )  # fmt: skip


def _known_map_ids(ctx: Context) -> set[int]:
    """Map ids the strace log shows: ids of objects it names, map infos, a program's map_ids and
    the map ids in the LD_IMM64s of the xlated instructions it read (``-v``)."""
    ids = {o.id for o in ctx.capture.objects.objects if o.kind is ObjectKind.MAP and o.id is not None}
    for call in ctx.capture.syscalls:
        attr = call.fields
        if attr is None or call.command != "BPF_OBJ_GET_INFO_BY_FD":
            continue
        kind = info_kind(call.command, attr)
        if kind is ObjectKind.MAP:
            ident = attr.get("info.info.id")
            if isinstance(ident, v.Number):
                ids.add(ident.value)
        elif kind is ObjectKind.PROG:
            listed = attr.get("info.info.map_ids")
            if isinstance(listed, v.Changed):
                listed = listed.after
            if isinstance(listed, v.Array):
                ids.update(i.value for i in listed.items if isinstance(i, v.Number))
            # the kernel's own xlated instructions (-v) carry map ids in their LD_IMM64s
            insns = attr.get("info.info.xlated_prog_insns")
            if isinstance(insns, v.Changed):
                insns = insns.after
            if isinstance(insns, v.Array):
                ids.update(ident for _, ident in insn_map_fds(insns, "xlated_prog_insns"))
    return ids


def _map_ids(ctx: Context) -> Iterator[Finding]:
    if not _mixed(ctx):
        return
    known = _known_map_ids(ctx)
    if not known:
        return  # the log shows no map ids (no -v info calls): nothing to compare
    for k, program in enumerate(ctx.capture.programs):
        reported: set[int] = set()
        for insn in program.instructions:
            ref = insn.map
            if ref is None or ref.id is None or ref.id in known or ref.id in reported:
                continue
            reported.add(ref.id)
            line, column = ctx.place(k, insn.slot)
            text = ctx.sources.text(line)
            at = text.find(f"id:{ref.id}", column - 1)
            yield Finding(
                line, at + 1 if at >= 0 else column,
                f"map id {ref.id} of program {program.name} is not among the map ids the strace log shows "
                f"({', '.join(str(i) for i in sorted(known))})",
                "the map was created outside the traced run, or the dump is of another load",
                len(f"id:{ref.id}"),
            )  # fmt: skip


CHECKS = (
    Check("prog-load-match", Scope.CROSS, Severity.WARNING,
          "a dumped program without a successful PROG_LOAD of its name (cut to 15 characters)", _matching),
    Check("insn-count", Scope.CROSS, Severity.NOTE,
          "a dumped program whose instruction count differs from its PROG_LOAD insn_cnt", _counts),
    Check("map-ids", Scope.CROSS, Severity.NOTE,
          "a map id in a dump that the strace log, where it shows map ids, does not show", _map_ids),
)  # fmt: skip
