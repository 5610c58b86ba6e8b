"""Typed attribute values: what a value tree node means, whatever strace's spelling.

``-X verbose`` (``0x1 /* BPF_MAP_TYPE_HASH */``), ``-X raw`` (``0x1``) and the default
(``BPF_MAP_TYPE_HASH``) all become ``"BPF_MAP_TYPE_HASH"``; ``-x`` strings and
octal-escaped strings become the same ``Bytes``; fds with and without ``-y`` the
same ``Fd`` number. The schema says which reading each field gets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Union

from bpflogs import schema
from bpflogs.model import values as v
from bpflogs.schema import FieldSpec, Kind, ObjectKind

__all__ = [
    "Bytes",
    "Fd",
    "FlagSet",
    "Insn",
    "Insns",
    "Opaque",
    "Pointer",
    "Typed",
    "Update",
    "convert",
    "flat_attrs",
    "info_kind",
    "typed_attr",
]

AT_FDCWD = -100
UINT64_MAX = 2**64 - 1


@dataclass(frozen=True, slots=True)
class Fd:
    """A file descriptor number, with its ``-y`` decoration when strace printed one."""

    number: int
    decoration: str | None = None

    def __eq__(self, other: object) -> bool:  # the decoration is volatile (d.1)
        return isinstance(other, Fd) and other.number == self.number

    def __hash__(self) -> int:
        return hash(self.number)


@dataclass(frozen=True, slots=True)
class Pointer:
    """A user-space address; ``address`` is None for NULL (``NULL`` or old strace's ``0``)."""

    address: int | None

    @property
    def is_null(self) -> bool:
        return self.address is None


@dataclass(frozen=True, slots=True)
class FlagSet:
    """Flag names (lowest bit first; the zero name such as BPF_ANY dropped) and unknown bits."""

    names: tuple[str, ...]
    unknown: int = 0


@dataclass(frozen=True, slots=True)
class Bytes:
    """A string's bytes; ``truncated`` when strace cut it (``"..."...``)."""

    value: bytes
    truncated: bool = False

    @property
    def text(self) -> str:
        return self.value.decode("utf-8", "backslashreplace")


@dataclass(frozen=True, slots=True)
class Insn:
    """One ``{code=..., dst_reg=..., src_reg=..., off=..., imm=...}`` of a ``-v`` array."""

    code: int
    dst: int
    src: int
    off: int
    imm: int


@dataclass(frozen=True, slots=True)
class Insns:
    """An instruction array; ``truncated`` when strace stopped with ``...``."""

    insns: tuple[Insn, ...]
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class Update:
    """``X => Y``: the value at entry and the one the kernel wrote back."""

    before: Typed
    after: Typed


@dataclass(frozen=True, slots=True)
class Opaque:
    """A value this field's kind cannot read (``???``, ``if_nametoindex("lo")``, ``...``)."""

    text: str


Typed = Union[
    int,
    str,
    Fd,
    Pointer,
    FlagSet,
    Bytes,
    Insns,
    Update,
    Opaque,
    tuple["Typed", ...],
    Mapping[str, "Typed"],
]

_ELLIPSIS = Opaque("...")


def _int(node: v.Value) -> int | None:
    if isinstance(node, v.Number):
        return node.value
    if isinstance(node, (v.Commented, v.Decorated)):
        return _int(node.value)
    if isinstance(node, v.Symbol) and node.name == "UINT64_MAX":
        return UINT64_MAX
    if isinstance(node, v.Macro) and node.name == "KERNEL_VERSION" and len(node.args) == 3:
        parts = [_int(a) for a in node.args]
        if all(p is not None for p in parts):
            a, b, c = (p or 0 for p in parts)
            return (a << 16) + (b << 8) + min(c, 255)
    if isinstance(node, v.Macro) and node.name == "makedev" and len(node.args) == 2:
        major, minor = _int(node.args[0]), _int(node.args[1])
        if major is not None and minor is not None:
            # glibc's makedev(): strace prints makedev(major(dev), minor(dev)), -X raw prints dev
            return (
                (minor & 0xFF) | ((major & 0xFFF) << 8) | ((minor & ~0xFF) << 12) | ((major & ~0xFFF) << 32)
            )
    return None


def _enum(node: v.Value, table: str | None) -> Typed:
    if isinstance(node, v.Symbol):
        return node.name
    number = _int(node)
    if number is None:
        return Opaque(node.render())
    name = schema.enum_name(table, number) if table is not None and table in schema.ENUMS else None
    if name is None and isinstance(node, v.Commented) and "???" not in node.comment:
        name = node.comment
    return name if name is not None else f"{number:#x}"


def _flags(node: v.Value, table: str | None) -> Typed:
    zero = schema.ZERO_NAMES.get(table or "")
    known = table in schema.FLAG_SETS
    if isinstance(node, v.Flags):
        names = tuple(n for n in node.names if n != zero)
        return FlagSet(names, node.unknown_bits)
    if isinstance(node, v.Symbol):
        return FlagSet(() if node.name == zero else (node.name,))
    number = _int(node)
    if number is None:
        return Opaque(node.render())
    if known and table is not None and number >= 0:
        names, rest = schema.flag_names(table, number)
        return FlagSet(names, rest)
    return FlagSet((), number)


def _insn(node: v.Value) -> Insn | Opaque:
    if not isinstance(node, v.Struct):
        return Opaque(node.render())
    code = node.get("code")
    numbers = [_code(code) if code is not None else None]
    for name in ("dst_reg", "src_reg"):
        reg = node.get(name)
        numbers.append(None if reg is None else _reg(reg))
    for name in ("off", "imm"):
        part = node.get(name)
        numbers.append(None if part is None else _int(part))
    if any(n is None for n in numbers):
        return Opaque(node.render())
    code_, dst, src, off, imm = (n or 0 for n in numbers)
    return Insn(code_, dst, src, off, imm)


def _reg(node: v.Value) -> int | None:
    if isinstance(node, v.Symbol) and node.name.startswith("BPF_REG_"):
        suffix = node.name[len("BPF_REG_") :]
        return int(suffix) if suffix.isdigit() else None
    return _int(node)


_CODE_PARTS: dict[str, int] = {}
for _table in (schema.INSN_CLASSES, schema.INSN_SIZES, schema.INSN_MODES, schema.INSN_SOURCES):
    for _value, _name in _table.items():
        _CODE_PARTS.setdefault(_name, _value)
for _alias, _name in schema.INSN_ALIASES.items():
    _CODE_PARTS[_alias] = _CODE_PARTS[_name]


def _code(node: v.Value) -> int | None:
    if isinstance(node, v.Commented) and isinstance(node.value, v.Flags):
        node = node.value  # "BPF_ALU64|BPF_X|0xf0 /* BPF_??? */": the comment names nothing
    if isinstance(node, v.Flags):
        names = [i.name for i in node.items if isinstance(i, v.Symbol)]
        code = node.unknown_bits
        cls = _CODE_PARTS.get(names[0]) if names else None
        if cls is None:
            return None
        code |= cls
        alu_like = cls in (4, 5, 6, 7)  # ALU, JMP, JMP32, ALU64: SRC|OP
        ops = schema.INSN_ALU_OPS if cls in (4, 7) else schema.INSN_JMP_OPS
        for name in names[1:]:
            if alu_like and name in ("BPF_K", "BPF_X"):
                code |= 0x08 if name == "BPF_X" else 0x00
                continue
            bits = next((b for b, n in ops.items() if n == name), None) if alu_like else _CODE_PARTS.get(name)
            if bits is None:
                return None
            code |= bits
        return code
    return _int(node)


def _array(node: v.Array, item: FieldSpec | None) -> tuple[Typed, ...]:
    return tuple(_ELLIPSIS if isinstance(i, v.Ellipsis) else convert(i, item) for i in node.items)


def _struct(node: v.Struct, fields: tuple[FieldSpec, ...] | None) -> dict[str, Typed]:
    out: dict[str, Typed] = {}
    specs = {f.name: f for f in fields or ()}
    for index, member in enumerate(node.members):
        name = member.name if member.name is not None else f"_{index}"
        out[name] = convert(member.value, specs.get(name) if member.name else None)
    return out


def convert(node: v.Value, spec: FieldSpec | None) -> Typed:
    """The typed reading of ``node`` for a field described by ``spec`` (None: generic)."""
    if isinstance(node, v.Changed):
        return Update(convert(node.before, spec), convert(node.after, spec))
    if isinstance(node, v.Ellipsis):
        return _ELLIPSIS
    if isinstance(node, v.Empty):
        return Opaque("")
    kind = spec.kind if spec is not None else None
    if isinstance(node, v.Commented) and kind not in (Kind.ENUM, Kind.FLAGS):
        return convert(node.value, spec)
    if kind is Kind.FD:
        if isinstance(node, v.Decorated):
            number = AT_FDCWD if isinstance(node.value, v.Symbol) else _int(node.value)
            return Fd(number if number is not None else -1, node.decoration)
        if isinstance(node, v.Symbol) and node.name == "AT_FDCWD":
            return Fd(AT_FDCWD)
        number = _int(node)
        return Fd(number) if number is not None else Opaque(node.render())
    if kind is Kind.ENUM:
        return _enum(node, spec.enum if spec else None)
    if kind is Kind.FLAGS:
        return _flags(node, spec.flags if spec else None)
    if kind is Kind.INSNS and isinstance(node, v.Array):
        items = [i for i in node.items if not isinstance(i, v.Ellipsis)]
        insns = [_insn(i) for i in items]
        if all(isinstance(i, Insn) for i in insns):
            return Insns(tuple(i for i in insns if isinstance(i, Insn)), len(items) != len(node.items))
        return _array(node, None)
    if kind in (Kind.POINTER, Kind.STRING, Kind.INSNS, Kind.ARRAY, Kind.STRUCT):
        if isinstance(node, v.Symbol) and node.name == "NULL":
            return Pointer(None)
        if isinstance(node, v.Number):
            return Pointer(node.value or None)
        if isinstance(node, v.Alternatives):
            return Pointer(node.first.value or None)
    if isinstance(node, v.String):
        return Bytes(node.value, node.truncated)
    if isinstance(node, v.Array):
        return _array(node, spec.item if spec else None)
    if isinstance(node, v.Struct):
        return _struct(node, spec.fields if spec else None)
    if isinstance(node, v.Flags):
        return FlagSet(node.names, node.unknown_bits)
    if isinstance(node, v.Decorated):
        number = _int(node.value)
        return Fd(number, node.decoration) if number is not None else Opaque(node.render())
    if isinstance(node, v.Symbol):
        return UINT64_MAX if node.name == "UINT64_MAX" else node.name
    number = _int(node)
    return number if number is not None else Opaque(node.render())


def info_kind(command: str, attr: v.Value | None) -> ObjectKind | None:
    """Whether an OBJ_GET_INFO_BY_FD call's decoded ``info.info`` is a bpf_prog_info or a
    bpf_map_info (None for other commands, or when strace printed only a pointer)."""
    if isinstance(attr, v.Changed):
        attr = attr.after
    inner = (
        attr.get("info.info") if command == "BPF_OBJ_GET_INFO_BY_FD" and isinstance(attr, v.Struct) else None
    )
    if not isinstance(inner, v.Struct):
        return None
    names = set(inner.names())
    if names & {"tag", "xlated_prog_len", "jited_prog_len"}:
        return ObjectKind.PROG
    if names & {"key_size", "value_size", "max_entries"}:
        return ObjectKind.MAP
    return None


def flat_attrs(command: str, attr: v.Struct) -> dict[str, tuple[Typed, FieldSpec | None]]:
    """Every attr field by dotted path, typed, with its schema spec (None if unknown).

    Structs are walked into; arrays stay whole (a tuple of typed items).
    """
    out: dict[str, tuple[Typed, FieldSpec | None]] = {}
    info = info_kind(command, attr)

    def walk(struct: v.Struct, prefix: str) -> None:
        for index, member in enumerate(struct.members):
            name = member.name if member.name is not None else f"_{index}"
            path = prefix + name
            spec = schema.field(command, path, info) if member.name is not None else None
            node = member.value
            target = node.after if isinstance(node, v.Changed) else node
            if isinstance(target, v.Struct) and (spec is None or spec.kind is Kind.STRUCT):
                if isinstance(node, v.Changed):
                    out[path] = (convert(node, spec), spec)
                else:
                    walk(target, path + ".")
                continue
            out[path] = (convert(node, spec), spec)

    walk(attr, "")
    return out


def typed_attr(command: str, attr: v.Value) -> Typed:
    """The whole attr, typed by the command's schema, nesting kept (``=>`` as Update)."""
    spec = schema.command(command)
    if spec is None:
        return convert(attr, None)
    target = attr.after if isinstance(attr, v.Changed) else attr
    info = info_kind(command, attr)
    root = FieldSpec("attr", Kind.STRUCT, schema.Category.SEMANTIC, fields=spec.fields)
    typed = convert(attr, root)
    if info is not None and isinstance(typed, dict):
        wrapper = typed.get("info")
        inner = target.get("info.info") if isinstance(target, v.Struct) else None
        if isinstance(wrapper, dict) and inner is not None:
            members = schema.PROG_INFO if info is ObjectKind.PROG else schema.MAP_INFO
            wrapper["info"] = convert(
                inner, FieldSpec("info", Kind.STRUCT, schema.Category.SEMANTIC, fields=members)
            )
    return typed
