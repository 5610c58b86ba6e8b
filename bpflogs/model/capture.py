"""A whole capture: its records and the bpf objects its fds name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bpflogs.model.elf import ObjectFile
from bpflogs.model.insn import FunctionHeader, InsnLine, OpcodeBytes, Program, ProgramHeader, SourceLine
from bpflogs.model.records import (
    CallEnd,
    Exit,
    Message,
    OtherSyscall,
    Personality,
    Record,
    Resumed,
    Signal,
    Syscall,
    Unparsed,
)
from bpflogs.schema import ObjectKind

__all__ = ["BpfObject", "Capture", "DumpRecord", "ObjectTable", "content_kind", "is_event", "late_calls"]


DumpRecord = InsnLine | SourceLine | FunctionHeader | ProgramHeader | OpcodeBytes


_STRACE_EVENTS = (Syscall, OtherSyscall, Resumed, Signal, Exit, Personality, Message)


@dataclass(frozen=True, slots=True)
class BpfObject:
    """A map, program, BTF, link ... that the capture created or opened.

    ``index`` counts objects of the same kind in creation order, so ``btf#0`` in one
    run and ``btf#0`` in another are the first BTF each loaded, whatever their fds.
    """

    kind: ObjectKind
    index: int
    line: int  # the line of the call that returned its first fd
    fd: int  # that fd
    origin: str  # the command that returned it, e.g. "BPF_MAP_CREATE", "BPF_OBJ_GET"
    name: str | None = None  # map_name / prog_name as the loader passed it
    path: str | None = None  # bpffs path it was pinned at or opened from
    id: int | None = None  # kernel id, when the capture shows it

    @property
    def label(self) -> str:
        """``map:counters``, ``prog:xdp_main``, ``btf#0``, ``pinned:/sys/fs/bpf/x``."""
        if self.name:
            return f"{self.kind.value}:{self.name}"
        if self.path:
            return f"{self.kind.value}:{self.path}"
        return f"{self.kind.value}#{self.index}"


@dataclass(frozen=True, slots=True)
class ObjectTable:
    """Objects of a capture and what each fd-valued field of each call names."""

    objects: tuple[BpfObject, ...] = ()
    # line of the call -> dotted attr path -> the object that fd named at that moment
    refs: Mapping[int, Mapping[str, BpfObject]] = field(default_factory=dict)
    # line of the call -> the object its returned fd names
    returns: Mapping[int, BpfObject] = field(default_factory=dict)
    # line of an unfinished half given out before its call resumed (``Resumed.resumes``) ->
    # what its own fd fields named (``refs`` holds the whole call's)
    halves: Mapping[int, Mapping[str, BpfObject]] = field(default_factory=dict)

    def resolve(self, call: Syscall | OtherSyscall, path: str) -> BpfObject | None:
        """The object the fd at ``path`` of ``call`` named (None: not created in this capture)."""
        return self.refs.get(call.line, {}).get(path)

    def created_by(self, call: Syscall) -> BpfObject | None:
        """The object whose fd ``call`` returned."""
        return self.returns.get(call.line)

    def paths(self, call: Syscall) -> dict[str, BpfObject]:
        """Every resolved fd field of ``call``, by path."""
        return dict(self.refs.get(call.line, {}))


@dataclass(frozen=True, slots=True)
class Capture:
    """Everything read from one capture. ``records`` accounts for every input line.

    A capture may hold strace output (``syscalls``), xlated dumps (``programs``) or both.
    """

    name: str
    records: tuple[Record | DumpRecord, ...]
    objects: ObjectTable
    line_count: int
    syscalls: tuple[Syscall, ...] = ()
    unparsed: tuple[Unparsed, ...] = ()
    programs: tuple[Program, ...] = ()
    has_events: bool = False  # any strace event (call, signal, exit, message) among the records
    bom: bool = False  # the file began with a UTF-8 byte order mark (not in the first record's text)
    # what the input was read as: "text" (strace, xlated dumps, bpftool JSON), "elf" (a BPF
    # object), "objdump" (an llvm-objdump -d listing), "asm" (llc / clang -S assembly)
    format: str = "text"
    object: ObjectFile | None = None  # an object's sections, maps, license (format "elf")

    @classmethod
    def build(
        cls, name: str, records: list[Record | DumpRecord], objects: ObjectTable, line_count: int,
        programs: list[Program] | None = None, bom: bool = False, format: str = "text",
        object: ObjectFile | None = None,
    ) -> Capture:  # fmt: skip
        kinds = set(map(type, records))  # a big dump is one kind of record: skip the filters
        syscalls = tuple(r for r in records if isinstance(r, Syscall)) if _any_of(kinds, Syscall) else ()
        late = late_calls(records) if syscalls and _any_of(kinds, Resumed) else {}
        if late:  # a call that resumed late is one call, where its half is
            syscalls = tuple(_whole(call, late) for call in syscalls)
        return cls(
            name=name,
            records=tuple(records),
            objects=objects,
            line_count=line_count,
            syscalls=syscalls,
            unparsed=tuple(r for r in records if isinstance(r, Unparsed)) if _any_of(kinds, Unparsed) else (),
            programs=tuple(programs or ()),
            has_events=_any_of(kinds, _STRACE_EVENTS),
            bom=bom,
            format=format,
            object=object,
        )

    @property
    def kind(self) -> str:
        """``strace``, ``xlated``, ``mixed`` or ``empty``: what the capture holds."""
        return content_kind(self.has_events, bool(self.programs))


def late_calls(records: Iterable[object]) -> dict[int, Syscall | OtherSyscall]:
    """The calls that resumed after the reader gave out their unfinished half (see
    ``Resumed``), by the line of that half."""
    return {
        r.resumes: r.call
        for r in records
        if isinstance(r, Resumed) and r.resumes is not None and r.call is not None
    }


def _whole(call: Syscall, late: Mapping[int, Syscall | OtherSyscall]) -> Syscall:
    """The call, or the whole call when ``call`` is a half that resumed late."""
    whole = late.get(call.line) if call.end is CallEnd.UNFINISHED else None
    return whole if isinstance(whole, Syscall) else call


def _any_of(kinds: set[type], of: type | tuple[type, ...]) -> bool:
    return any(issubclass(kind, of) for kind in kinds)


def is_event(record: object) -> bool:
    """Whether a record is strace output (a call, signal, exit, message ...)."""
    return isinstance(record, _STRACE_EVENTS)


def content_kind(has_events: bool, has_programs: bool) -> str:
    """``strace``, ``xlated``, ``mixed`` or ``empty``: what a capture with strace events
    and/or dumped programs holds."""
    if has_events and has_programs:
        return "mixed"
    return "strace" if has_events else "xlated" if has_programs else "empty"
