"""``bpflogs parse --json``: every record of every file as one versioned JSON document.

The document is written record by record, so memory does not grow with the log: for a
capture read as a stream (``bpflogs.api.stream_lines``), each record as the stream gives it.
Schema: README.md, "JSON document (``bpflogs parse --json``, version 1)".
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, TextIO

from bpflogs.errors import BpflogsError
from bpflogs.model import records as r
from bpflogs.model.capture import BpfObject, Capture, DumpRecord, content_kind, is_event
from bpflogs.model.insn import (
    FunctionHeader,
    InsnLine,
    Instruction,
    OpcodeBytes,
    Program,
    ProgramHeader,
    SourceLine,
)
from bpflogs.model.records import Record
from bpflogs.model.typed import Bytes, Fd, FlagSet, Insns, Opaque, Pointer, Typed, Update, convert, typed_attr
from bpflogs.render.json_text import dumps, hex_if_not_utf8, name_fields
from bpflogs.schema import SIZE_ARGUMENT

__all__ = [
    "PARSE_SCHEMA_VERSION",
    "AttrMemo",
    "RecordSource",
    "instruction_json",
    "program_json",
    "record_json",
    "typed_json",
    "write_parse_json",
    "write_parse_json_streams",
]

PARSE_SCHEMA_VERSION = 1


def typed_json(value: Typed) -> Any:
    """A typed attribute as JSON: ints as numbers, strings as text, flags as lists,
    ``X => Y`` as ``{"before", "after"}``, NULL as null, other pointers as hex text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, str)):
        return value
    if isinstance(value, Fd):
        return (
            value.number if value.decoration is None else {"fd": value.number, "decoration": value.decoration}
        )
    if isinstance(value, Pointer):
        return None if value.address is None else hex(value.address)
    if isinstance(value, FlagSet):
        return [*value.names, value.unknown] if value.unknown else list(value.names)
    if isinstance(value, Bytes):
        try:
            text = value.value.decode("utf-8")
        except UnicodeDecodeError:
            return {"string": value.text, "hex": value.value.hex(), "truncated": value.truncated}
        return {"string": text, "truncated": True} if value.truncated else text
    if isinstance(value, Insns):
        insns = [
            {"code": i.code, "dst": i.dst, "src": i.src, "off": i.off, "imm": i.imm} for i in value.insns
        ]
        return {"insns": insns, "truncated": True} if value.truncated else insns
    if isinstance(value, Update):
        return {"before": typed_json(value.before), "after": typed_json(value.after)}
    if isinstance(value, Opaque):
        return {"text": value.text}
    if isinstance(value, Mapping):
        return {k: typed_json(x) for k, x in value.items()}
    return [typed_json(x) for x in value]


def _result(result: r.Result | None) -> Any:
    if result is None:
        return None
    out: dict[str, Any] = {"value": result.value}
    for key in ("errno", "errno_number", "message", "decoration", "duration"):
        val = getattr(result, key)
        if val is not None:
            out[key] = val
    if result.notes:
        out["notes"] = list(result.notes)
    return out


def _prefix(prefix: r.Prefix) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("pid", "comm", "secontext", "time", "relative", "scno", "ip"):
        val = getattr(prefix, key)
        if val is not None:
            out[key] = val
    return out


def _object(obj: BpfObject) -> dict[str, Any]:
    out: dict[str, Any] = {
        "label": obj.label,
        "kind": obj.kind.value,
        "index": obj.index,
        "line": obj.line,
        "fd": obj.fd,
        "origin": obj.origin,
    }
    for key in ("name", "path", "id"):
        val = getattr(obj, key)
        if val is not None:
            out[key] = val
    return out


_KINDS: dict[type, str] = {
    InsnLine: "insn",
    SourceLine: "source",
    FunctionHeader: "function_header",
    ProgramHeader: "program_header",
    OpcodeBytes: "opcodes",
    r.Comment: "comment",
    r.Command: "command",
    r.JsonLine: "json",
    r.Syscall: "syscall",
    r.OtherSyscall: "other_syscall",
    r.Resumed: "resumed",
    r.Signal: "signal",
    r.Exit: "exit",
    r.Personality: "personality",
    r.StackFrame: "stack_frame",
    r.Message: "message",
    r.SummaryLine: "summary",
    r.Blank: "blank",
    r.Unparsed: "unparsed",
}


def instruction_json(insn: Instruction) -> dict[str, Any]:
    """An instruction's typed fields (those its form has)."""
    out: dict[str, Any] = {"slot": insn.slot, "opcode": insn.opcode, "op": insn.op, "class": insn.cls}
    for key in ("dst", "src"):
        reg = getattr(insn, key)
        if reg is not None:
            out[key] = str(reg)
    for key in ("imm", "off", "size", "cond", "target"):
        val = getattr(insn, key)
        if val is not None:
            out[key] = val
    if insn.signed:
        out["signed"] = True
    if insn.call is not None:
        call: dict[str, Any] = {"kind": insn.call.kind.value, "name": insn.call.name}
        if insn.call.suffix is not None:
            call["suffix"] = insn.call.suffix
        if insn.call.function is not None:
            call["function"] = insn.call.function
        out["call"] = call
    if insn.map is not None:
        ref = insn.map
        out["map"] = {"id": ref.id, "index": ref.index, "value": ref.value, "offset": ref.offset}
        if ref.value_index is not None:
            out["map"]["value_index"] = ref.value_index
    if insn.raw is not None:
        out["raw"] = insn.raw.hex()
    if insn.flags:
        out["flags"] = list(insn.flags)
    out["text"] = insn.text
    return out


def program_json(program: Program) -> dict[str, Any]:
    """A program: header facts, functions with instruction counts, source lines, instructions."""
    out: dict[str, Any] = {"name": program.name, "line": program.line, "origin": program.origin}
    for key in ("id", "type", "tag"):
        val = getattr(program, key)
        if val is not None:
            out[key] = val
    out["insns"] = len(program.instructions)
    out["slots"] = program.slots
    if program.traits:
        out["traits"] = list(program.traits)
    out["functions"] = [
        {"name": f.name, "signature": f.signature, "start": f.start, "insns": len(f.instructions)}
        for f in program.functions
    ]
    out["sources"] = [
        {"slot": slot, "source": s.source, "file": s.file, "line_num": s.line_num, "line_col": s.line_col}
        for slot, s in program.sources
    ]
    out["instructions"] = [instruction_json(i) for i in program.instructions]
    return out


class AttrMemo:
    """The JSON of attrs by the attr's identity, for one file's document: the parser shares
    the attr of a repeated event text (a loop), so each is typed once (the attr is kept alive
    beside its JSON, so its identity is not reused while it is known). At most ``limit`` are
    kept; then it starts over."""

    __slots__ = ("_known", "_limit")

    def __init__(self, limit: int = 1 << 14) -> None:
        self._known: dict[int, tuple[object, Any]] = {}
        self._limit = limit

    def __call__(self, command: str, attr: Any) -> Any:
        known = self._known.get(id(attr))
        if known is not None and known[0] is attr:
            return known[1]
        value = typed_json(typed_attr(command, attr))
        if len(self._known) >= self._limit:
            self._known.clear()
        self._known[id(attr)] = (attr, value)
        return value


def _attr_json(command: str, attr: Any) -> Any:
    return typed_json(typed_attr(command, attr))


def record_json(
    record: Record | DumpRecord,
    refs: Mapping[str, BpfObject] | None = None,
    created: BpfObject | None = None,
    attr_json: Callable[[str, Any], Any] = _attr_json,
) -> dict[str, Any]:
    """One record as a JSON object (``kind``, ``line``, ``lines``, ``text`` and its typed fields).

    ``attr_json`` makes a call's attr JSON (an ``AttrMemo`` types each shared attr once)."""
    out: dict[str, Any] = {"kind": _KINDS[type(record)], "line": record.line}
    if len(record.lines) > 1:
        out["lines"] = list(record.lines)
    prefix = getattr(record, "prefix", None)
    if isinstance(prefix, r.Prefix) and prefix.text:
        out.update(_prefix(prefix))
    if isinstance(record, r.Syscall):
        out["command"] = record.command
        attr = record.attr
        out["attr"] = None if attr is None else attr_json(record.command, attr)
        size = record.size
        out["size"] = None if size is None else typed_json(convert(size, SIZE_ARGUMENT))
        out["end"] = record.end.value
        out["result"] = _result(record.result)
        if refs:
            out["objects"] = {path: obj.label for path, obj in refs.items()}
        if created is not None:
            out["creates"] = created.label
    elif isinstance(record, r.OtherSyscall):
        out.update(name=record.name, args=record.args, end=record.end.value, result=_result(record.result))
    elif isinstance(record, r.Resumed):
        out.update(name=record.name, rest=record.rest, result=_result(record.result))
        if record.call is not None:
            out["resumes"] = record.resumes
            out["call"] = record_json(record.call, refs, created, attr_json)
    elif isinstance(record, r.Signal):
        out.update(signal=record.signal, info=record.info, stopped=record.stopped)
    elif isinstance(record, r.Exit):
        out.update(
            exit=record.kind, status=record.status, signal=record.signal, core_dumped=record.core_dumped
        )
    elif isinstance(record, r.Personality):
        out.update(process=record.process, mode=record.mode)
    elif isinstance(record, r.StackFrame):
        out["frame"] = record.frame
    elif isinstance(record, r.Message):
        out["message"] = record.message
    elif isinstance(record, InsnLine):
        out["slot"] = record.insn.slot
    elif isinstance(record, SourceLine):
        out["source"] = record.source
    elif isinstance(record, FunctionHeader):
        out["function"] = record.name
    elif isinstance(record, ProgramHeader):
        out.update(id=record.id, type=record.type, name=record.name, tag=record.tag)
    elif isinstance(record, r.Command):
        out["command"] = record.command
    elif isinstance(record, r.Unparsed):
        out.update(column=record.column, message=record.message)
        if record.expected:
            out["expected"] = list(record.expected)
    out["text"] = record.text
    raw = hex_if_not_utf8(record.text)
    if raw is not None:
        out["text_hex"] = raw
    parts = getattr(record, "parts", ())
    if parts and parts != (record.text,):
        out["parts"] = list(parts)
        if any(hex_if_not_utf8(p) is not None for p in parts):
            out["parts_hex"] = [p.encode("utf-8", "surrogateescape").hex() for p in parts]
    return out


_Row = tuple[Record | DumpRecord, Mapping[str, BpfObject] | None, BpfObject | None]


class RecordSource(Protocol):
    """What a file's object is written from: a capture read as a stream
    (``bpflogs.api.RecordStream``). Its rows are ``(record, objects its fds named, object its
    returned fd created)``; ``lines``, ``objects``, ``programs`` and ``bom`` are asked for
    once every row is written."""

    @property
    def name(self) -> str: ...
    def __iter__(self) -> Iterator[_Row]: ...
    @property
    def lines(self) -> int: ...
    @property
    def objects(self) -> Sequence[BpfObject]: ...
    @property
    def programs(self) -> Sequence[Program]: ...
    @property
    def bom(self) -> bool: ...


class _CaptureRows:
    """A capture read whole, as a ``RecordSource``: the rows its object table resolves."""

    def __init__(self, capture: Capture) -> None:
        self.name = capture.name
        self._capture = capture
        self.lines = capture.line_count
        self.objects: Sequence[BpfObject] = capture.objects.objects
        self.programs: Sequence[Program] = capture.programs
        self.bom = capture.bom

    def __iter__(self) -> Iterator[_Row]:
        table = self._capture.objects
        halves = table.halves
        for rec in self._capture.records:
            if isinstance(rec, r.Syscall):
                if rec.end is not r.CallEnd.UNFINISHED:
                    yield rec, table.paths(rec), table.created_by(rec)
                else:  # the half of a call that resumed late shows what it named itself
                    yield rec, dict(halves[rec.line]) if rec.line in halves else table.paths(rec), None
            elif isinstance(rec, r.Resumed) and isinstance(rec.call, r.Syscall):
                yield rec, table.paths(rec.call), table.created_by(rec.call)
            else:
                yield rec, None, None


def write_parse_json(captures: Iterable[Capture], out: TextIO) -> None:
    """Write ``{"bpflogs_parse": 1, "files": [...]}`` for captures already read."""
    out.write(f'{{"bpflogs_parse": {PARSE_SCHEMA_VERSION}, "files": [')
    for n, capture in enumerate(captures):
        out.write(", " if n else "")
        _write_file(out, _CaptureRows(capture))
    out.write("]}\n")


def write_parse_json_streams(
    sources: Iterable[RecordSource],
    out: TextIO,
    on_error: Callable[[BpflogsError], None],
    on_unparsed: Callable[[str, r.Unparsed], None] | None = None,
) -> None:
    """Write the same document for captures read as streams (``bpflogs.api.stream_lines``):
    each record is written as its stream gives it out, and then forgotten, so memory does not
    grow with the log. A source that fails midway ends its file object with ``"error"``;
    ``on_error`` is told."""
    out.write(f'{{"bpflogs_parse": {PARSE_SCHEMA_VERSION}, "files": [')
    first = True
    for source in sources:
        out.write("" if first else ", ")
        first = False
        try:
            _write_file(out, source, on_unparsed)
        except BpflogsError as exc:
            out.write(f'\n], "error": {dumps(str(exc))}}}')
            on_error(exc)
    out.write("]}\n")


def _write_file(
    out: TextIO, source: RecordSource, on_unparsed: Callable[[str, r.Unparsed], None] | None = None
) -> None:
    """One file's object: its records first (streamed), then what is known only at the end."""
    name = source.name
    attr_json = AttrMemo()  # this file's: freed with it
    out.write(dumps(name_fields("file", name))[:-1] + ', "records": [')
    counts: dict[str, int] = {}
    unparsed = array("q")  # the lines of unparsed records: 8 bytes each, however many
    has_events = False
    for i, (record, refs, created) in enumerate(source):
        kind = _KINDS[type(record)]
        counts[kind] = counts.get(kind, 0) + 1
        if isinstance(record, r.Unparsed):
            unparsed.append(record.line)
            if on_unparsed is not None:
                on_unparsed(name, record)
        has_events = has_events or is_event(record)
        out.write(",\n" if i else "\n")
        out.write(dumps(record_json(record, refs, created, attr_json)))
    programs = source.programs
    out.write("\n], " + dumps({"lines": source.lines, "counts": counts})[1:-1] + ', "unparsed_lines": [')
    for k in range(0, len(unparsed), 4096):  # written a piece at a time, as the records were
        out.write(", " if k else "")
        out.write(", ".join(map(str, unparsed[k : k + 4096])))
    tail: dict[str, Any] = {"kind": content_kind(has_events, bool(programs)),
                            "objects": [_object(o) for o in source.objects]}  # fmt: skip
    if source.bom:
        tail["bom"] = True  # the file began with a byte order mark, left out of line 1's text
    out.write("], " + dumps(tail)[1:-1] + ', "programs": [')
    for j, program in enumerate(programs):
        out.write(",\n" if j else "\n")
        out.write(dumps(program_json(program)))
    out.write("]}")
