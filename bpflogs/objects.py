"""Replaying a capture's fds into the bpf objects they name (spec: strace.md d.1).

Calls are replayed in the order they completed. A successful call that returns an
fd (MAP_CREATE, PROG_LOAD, BTF_LOAD, LINK_CREATE, OBJ_GET, *_GET_FD_BY_ID, ...)
binds that fd number to an object; a later call's fd-valued fields resolve to the
object bound at that moment, so a reused fd number names the newest object. A
traced ``close(fd)`` unbinds it. fd tables of different processes are not told
apart (strace does not say which pids share one).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from bpflogs import schema
from bpflogs.model import values as v
from bpflogs.model.capture import BpfObject, ObjectTable
from bpflogs.model.records import OtherSyscall, Resumed, Syscall
from bpflogs.model.typed import info_kind
from bpflogs.schema import FieldSpec, Kind, ObjectKind

__all__ = ["Replay", "fd_fields", "insn_map_fds", "replay", "spec_path"]

# -y decorations of fds returned by OBJ_GET name the object's kind
_DECORATION_KINDS = {
    "anon_inode:bpf-map": ObjectKind.MAP,
    "anon_inode:bpf-prog": ObjectKind.PROG,
    "anon_inode:bpf_link": ObjectKind.LINK,
    "anon_inode:btf": ObjectKind.BTF,
    "anon_inode:bpf_iter": ObjectKind.ITER,
}
_ID_FIELDS = {
    "prog_id": ObjectKind.PROG,
    "map_id": ObjectKind.MAP,
    "btf_id": ObjectKind.BTF,
    "link_id": ObjectKind.LINK,
}
# ld_imm64 src_reg values whose imm is a map fd (BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE)
_PSEUDO_MAP_REGS = ("BPF_REG_1", "BPF_REG_2")


def _fd_number(node: v.Value) -> int | None:
    if isinstance(node, v.Changed):
        node = node.before
    if isinstance(node, v.Commented):
        node = node.value
    if isinstance(node, v.Decorated):
        node = node.value
    return node.value if isinstance(node, v.Number) else None


def _text(node: v.Value | None) -> str | None:
    if isinstance(node, v.String):
        return node.value.decode("utf-8", "backslashreplace")
    return None


def fd_fields(command: str, attr: v.Struct) -> Iterator[tuple[str, int]]:
    """(path, fd number) of every fd-valued field of a call, ld_imm64 map fds included."""
    info = info_kind(command, attr)

    def walk(node: v.Value, path: str, spec: FieldSpec | None) -> Iterator[tuple[str, int]]:
        if isinstance(node, v.Changed):
            node = node.after
        if isinstance(node, v.Struct):
            for member in node.members:
                if member.name is None:
                    continue
                sub = f"{path}.{member.name}" if path else member.name
                yield from walk(member.value, sub, schema.field(command, spec_path(sub), info))
        elif isinstance(node, v.Array) and spec is not None:
            if spec.kind is Kind.INSNS:
                yield from insn_map_fds(node, path)
            else:
                for i, item in enumerate(node.items):
                    yield from walk(item, f"{path}[{i}]", spec.item)
        elif spec is not None and spec.kind is Kind.FD:
            number = _fd_number(node)
            if number is not None:
                yield path, number

    yield from walk(attr, "", None)


def spec_path(path: str) -> str:
    """The schema path of an attribute path: ``link_create.iter_info[3].map.map_fd`` ->
    ``link_create.iter_info[].map.map_fd``."""
    out = []
    for step in path.split("."):
        name, bracket, _ = step.partition("[")
        out.append(name + "[]" if bracket else name)
    return ".".join(out)


def insn_map_fds(insns: v.Array, path: str) -> Iterator[tuple[str, int]]:
    """(path of the imm, map fd) of every ld_imm64 map reference in a ``-v`` instruction array."""
    for i, insn in enumerate(insns.items):
        if not isinstance(insn, v.Struct):
            continue
        code, src, imm = insn.get("code"), insn.get("src_reg"), insn.get("imm")
        if (
            isinstance(code, v.Flags)
            and code.names[:3] == ("BPF_LD", "BPF_DW", "BPF_IMM")
            and isinstance(src, v.Symbol)
            and src.name in _PSEUDO_MAP_REGS
            and isinstance(imm, v.Number)
        ):
            yield f"{path}[{i}].imm", imm.value


class _Replay:
    def __init__(self) -> None:
        self.objects: list[BpfObject] = []
        self.counts: dict[ObjectKind, int] = {}
        self.fds: dict[int, BpfObject] = {}
        self.pins: dict[str, BpfObject] = {}
        self.ids: dict[tuple[ObjectKind, int], BpfObject] = {}
        self.refs: dict[int, dict[str, BpfObject]] = {}
        self.returns: dict[int, BpfObject] = {}
        # repeated calls share their attr object (the parser parses an event text once):
        # its fd fields are found once, keyed by identity (the attr is kept alive with them)
        self.fd_cache: dict[int, tuple[v.Struct, list[tuple[str, int]]]] = {}

    def new(self, call: Syscall, kind: ObjectKind, fd: int, **extra: str | int | None) -> BpfObject:
        index = self.counts.get(kind, 0)
        self.counts[kind] = index + 1
        obj = BpfObject(kind, index, call.line, fd, call.command, **extra)  # type: ignore[arg-type]
        self.objects.append(obj)
        return obj

    def close(self, call: OtherSyscall) -> None:
        number = call.args.partition("<")[0].strip()
        if call.result is not None and call.result.value == 0 and number.isdigit():
            self.fds.pop(int(number), None)

    def call(self, call: Syscall) -> None:
        attr = call.fields
        spec = schema.command(call.command)
        if attr is not None:
            cached = self.fd_cache.get(id(attr))
            if cached is None or cached[0] is not attr:
                cached = (attr, list(fd_fields(call.command, attr)))
                self.fd_cache[id(attr)] = cached
            refs = {path: self.fds[fd] for path, fd in cached[1] if fd in self.fds}
            if refs:
                self.refs[call.line] = refs
            self.learn(call, attr, refs)
        result = call.result
        if spec is None or spec.creates is None or result is None or result.value is None:
            return
        if result.failed or result.value < 0:
            return
        fd = result.value
        obj = self.opened(call, spec.creates, fd, attr)
        self.fds[fd] = obj
        self.returns[call.line] = obj

    def opened(self, call: Syscall, kind: ObjectKind, fd: int, attr: v.Struct | None) -> BpfObject:
        get = attr.get if attr is not None else (lambda _path: None)
        if call.command == "BPF_OBJ_GET":
            path = _text(get("pathname"))
            if path is not None and path in self.pins:
                return self.pins[path]
            decoration = call.result.decoration if call.result else None
            kind = _DECORATION_KINDS.get(decoration or "", ObjectKind.PINNED)
            return self.new(call, kind, fd, path=path)
        for name, id_kind in _ID_FIELDS.items():
            node = get(name)
            if id_kind is kind and isinstance(node, v.Number):
                known = self.ids.get((kind, node.value))
                if known is not None:
                    return known
                obj = self.new(call, kind, fd, id=node.value)
                self.ids[(kind, node.value)] = obj
                return obj
        name_node = get("map_name") if kind is ObjectKind.MAP else get("prog_name")
        return self.new(call, kind, fd, name=_text(name_node) or None)

    def learn(self, call: Syscall, attr: v.Struct, refs: dict[str, BpfObject]) -> None:
        """Facts a call tells about existing objects: pin paths, kernel ids."""
        if call.command == "BPF_OBJ_PIN" and call.result is not None and not call.result.failed:
            path = _text(attr.get("pathname"))
            obj = refs.get("bpf_fd")
            if path is not None and obj is not None:
                self.pins[path] = obj
        elif call.command == "BPF_OBJ_GET_INFO_BY_FD":
            obj = refs.get("info.bpf_fd")
            ident = attr.get("info.info.id")
            if obj is not None and isinstance(ident, v.Number):
                self.ids.setdefault((obj.kind, ident.value), obj)


class Replay:
    """The object table built as calls come, in the order they returned (for a capture read
    as a stream): ``take`` hands out, and forgets, what one call's fds named."""

    def __init__(self) -> None:
        self._state = _Replay()

    @property
    def objects(self) -> tuple[BpfObject, ...]:
        return tuple(self._state.objects)

    def feed(self, record: object) -> None:
        state = self._state
        if isinstance(record, Resumed) and record.call is not None:
            record = record.call  # a call that resumed late: the whole call returns now
        if isinstance(record, Syscall):
            if len(state.fd_cache) > 1 << 14:
                state.fd_cache.clear()
            state.call(record)
        elif isinstance(record, OtherSyscall) and record.name == "close":
            state.close(record)

    def take(self, call: Syscall) -> tuple[dict[str, BpfObject], BpfObject | None]:
        """What the fd fields of ``call`` named, and the object its returned fd names."""
        return self._state.refs.pop(call.line, {}), self._state.returns.pop(call.line, None)


def _replayed(record: object) -> Syscall | OtherSyscall | None:
    """The call a record makes the replay see: a bpf call, a ``close``, or the whole call of a
    late ``<... resumed>`` line (its unfinished half is a record of its own)."""
    if isinstance(record, Resumed):
        record = record.call
    if isinstance(record, Syscall) or (isinstance(record, OtherSyscall) and record.name == "close"):
        return record
    return None


def replay(records: Sequence[object]) -> ObjectTable:
    """The object table of a capture's records."""
    state = _Replay()
    calls = [c for c in map(_replayed, records) if c is not None]
    calls.sort(key=lambda r: r.lines[-1])  # in the order the calls returned
    late = {r.resumes for r in records if isinstance(r, Resumed) and r.call is not None}
    halves: dict[int, dict[str, BpfObject]] = {}
    for call in calls:
        if isinstance(call, Syscall):
            if late and len(call.lines) > 1 and call.line in late:  # its half has been replayed
                halves[call.line] = state.refs.pop(call.line, {})
            state.call(call)
        else:
            state.close(call)
    return ObjectTable(tuple(state.objects), state.refs, state.returns, halves)
