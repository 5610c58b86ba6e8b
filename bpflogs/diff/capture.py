"""Two whole captures compared: their bpf() calls, then their dumped programs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from bpflogs.diff.calls import diff_calls
from bpflogs.diff.options import DiffOptions
from bpflogs.diff.programs import diff_program, pair_by_name
from bpflogs.diff.result import CallDiff, DiffResult, ProbeSummary, Status
from bpflogs.diff.text import check_comparable, diff_unparsed
from bpflogs.gcpause import cycle_collector_paused
from bpflogs.model.capture import Capture
from bpflogs.model.insn import Program
from bpflogs.schema import ObjectKind

__all__ = ["diff_captures"]


def _map_names(capture: Capture) -> dict[int, str]:
    """Map ids the capture ties to map names (an info call or GET_FD_BY_ID showed them)."""
    return {
        obj.id: obj.name
        for obj in capture.objects.objects
        if obj.kind is ObjectKind.MAP and obj.id is not None and obj.name
    }


def _has_calls(capture: Capture) -> bool:
    return capture.kind in ("strace", "mixed")


def _has_dumps(capture: Capture) -> bool:
    return capture.kind in ("xlated", "mixed")


def _compared(a: Capture, b: Capture, has: Callable[[Capture], bool]) -> bool:
    """Whether both sides hold this part; an empty capture holds none of any part (a run
    that made no bpf() call against one that made some: every call is added)."""
    return (has(a) or a.kind == "empty") and (has(b) or b.kind == "empty") and (has(a) or has(b))


def diff_captures(a: Capture, b: Capture, options: DiffOptions | None = None) -> DiffResult:
    """What differs between capture ``a`` and capture ``b``.

    Raises ``NothingToCompare`` when a side holds text but nothing bpflogs can compare
    (no bpf() call, no strace event, no program): an llvm-objdump listing, a verifier log ...
    """
    check_comparable(a)
    check_comparable(b)
    with cycle_collector_paused():  # the result holds no cycles; two big captures are millions of objects
        return _diff_captures(a, b, options or DiffOptions())


def _diff_captures(a: Capture, b: Capture, options: DiffOptions) -> DiffResult:
    hidden: Counter[str] = Counter()
    notes: list[str] = []
    calls: tuple[CallDiff, ...] = ()
    probes: ProbeSummary | None = None
    if _compared(a, b, _has_calls):
        found = diff_calls(a, b, options, hidden)
        calls, probes = found.calls, found.probes
    elif _has_calls(a) or _has_calls(b):
        side, other = ("a", "b") if _has_calls(a) else ("b", "a")
        count = len((a if side == "a" else b).syscalls)
        notes.append(f"bpf() calls not compared: {side} has {count}, {other} holds no strace output")
    programs = []
    pairs: list[tuple[Program | None, Program | None]] = []
    if _compared(a, b, _has_dumps):
        names_a, names_b = _map_names(a), _map_names(b)
        pairs = pair_by_name(a.programs, b.programs, _program_name, leftovers=True)
        for pa, pb in pairs:
            programs.append(diff_program(pa, pb, a.name, b.name, names_a, names_b, hidden, options.strict))
    elif _has_dumps(a) or _has_dumps(b):
        side, other = ("a", "b") if _has_dumps(a) else ("b", "a")
        count = len((a if side == "a" else b).programs)
        notes.append(f"programs not compared: {side} has {count} dumped, {other} holds no xlated dump")
    if a.kind == "empty" or b.kind == "empty":
        notes.append(f"{'a' if a.kind == 'empty' else 'b'} holds no bpf() call and no dump")
    unparsed = diff_unparsed(a, b, pairs)
    for part in unparsed:  # a dump holding a line that differs is a program that differs
        k = part.program_index
        if k is not None and part.status is not Status.SAME:
            programs[k] = replace(programs[k], status=Status.CHANGED, text_differs=True)
    if options.strict:
        hidden.clear()  # nothing is hidden: every difference is listed
    return DiffResult(
        a_name=a.name,
        b_name=b.name,
        a_kind=a.kind,
        b_kind=b.kind,
        syscalls=calls,
        programs=tuple(programs),
        hidden=dict(sorted(hidden.items())),
        probes=probes,
        calls_a=len(a.syscalls),
        calls_b=len(b.syscalls),
        notes=tuple(notes),
        strict=options.strict,
        unparsed_a=len(a.unparsed),
        unparsed_b=len(b.unparsed),
        unparsed=unparsed,
    )


def _program_name(program: Program) -> str:
    return program.name
