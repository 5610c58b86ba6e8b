"""Two whole captures compared: their bpf() calls, then their dumped programs."""

from __future__ import annotations

from dataclasses import replace

from bpflogs.compare.calls import diff_calls
from bpflogs.compare.options import DiffOptions
from bpflogs.compare.programs import diff_program, pair_by_name
from bpflogs.compare.result import CallDiff, CaptureKind, DiffResult, ProbeSummary, Status
from bpflogs.compare.text import check_comparable, diff_unparsed
from bpflogs.errors import NothingInCommon
from bpflogs.model.capture import Capture
from bpflogs.model.insn import Program
from bpflogs.rules import Tally
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


def _parts(capture: Capture) -> str:
    return {"strace": "only bpf() calls (strace output)", "xlated": "only dumped programs"}[capture.kind]


def _check_in_common(a: Capture, b: Capture) -> None:
    """Raise ``NothingInCommon`` when neither part (calls, programs) is on both sides and
    neither side is empty: a strace log against a dump would compare nothing."""
    if "empty" in (a.kind, b.kind) or "mixed" in (a.kind, b.kind) or a.kind == b.kind:
        return
    raise NothingInCommon(
        f"{a.name} holds {_parts(a)}, {b.name} {_parts(b)}: nothing in common to compare"
    )


def diff_captures(a: Capture, b: Capture, options: DiffOptions | None = None) -> DiffResult:
    """What differs between capture ``a`` and capture ``b``.

    Raises ``NothingToCompare`` when a side holds text but nothing bpflogs can compare
    (no bpf() call, no strace event, no program): an llvm-objdump listing, a verifier log ...
    """
    check_comparable(a)
    check_comparable(b)
    _check_in_common(a, b)
    return _diff_captures(a, b, options or DiffOptions())


def _diff_captures(a: Capture, b: Capture, options: DiffOptions) -> DiffResult:
    hidden = Tally()  # what the rules hid: the calls', then each program's
    notes: list[str] = []
    calls: tuple[CallDiff, ...] = ()
    probes: ProbeSummary | None = None
    # a part one side holds and the other lacks is compared too: its calls or programs are
    # added or removed (a run whose dump step failed is no "equal" to one that dumped)
    if _has_calls(a) or _has_calls(b):
        found = diff_calls(a, b, options)
        calls, probes, hidden = found.calls, found.probes, found.hidden
        if not (_has_calls(a) and _has_calls(b)):
            side, other = ("a", "b") if _has_calls(a) else ("b", "a")
            notes.append(f"bpf() calls of {side} only: {other} holds no strace output")
    programs = []
    pairs: list[tuple[Program | None, Program | None]] = []
    if _has_dumps(a) or _has_dumps(b):
        names_a, names_b = _map_names(a), _map_names(b)
        pairs = pair_by_name(a.programs, b.programs, _program_name, leftovers=True)
        for pa, pb in pairs:
            program, hid = diff_program(pa, pb, a.name, b.name, names_a, names_b, options.strict)
            programs.append(program)
            hidden += hid
        if not (_has_dumps(a) and _has_dumps(b)):
            side, other = ("a", "b") if _has_dumps(a) else ("b", "a")
            notes.append(f"programs of {side} only: {other} holds no xlated dump")
    if a.kind == "empty" or b.kind == "empty":
        notes.append(f"{'a' if a.kind == 'empty' else 'b'} holds no bpf() call and no dump")
    unparsed = diff_unparsed(a, b, pairs)
    for part in unparsed:  # a dump holding a line that differs is a program that differs
        k = part.program_index
        if k is not None and part.status is not Status.SAME:
            programs[k] = replace(programs[k], status=Status.CHANGED, text_differs=True)
    if options.strict:
        hidden = Tally()  # nothing is hidden: every difference is listed
    return DiffResult(
        a_name=a.name,
        b_name=b.name,
        a_kind=CaptureKind(a.kind),
        b_kind=CaptureKind(b.kind),
        syscalls=calls,
        programs=tuple(programs),
        hidden=hidden.as_dict(),
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
