"""The generic value tree of strace's bpf() arguments (spec: strace.md section b).

Every node keeps the spelling it was parsed from, so ``node.render()`` gives back
the exact text; typed meaning (numbers, bytes, flag names) sits beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Union

__all__ = [
    "Alternatives",
    "Array",
    "Changed",
    "Commented",
    "Decorated",
    "Ellipsis",
    "Empty",
    "Flags",
    "Macro",
    "Member",
    "Number",
    "String",
    "Struct",
    "Symbol",
    "Value",
    "decode_string",
]


@dataclass(frozen=True, slots=True)
class Number:
    """An integer in any of strace's spellings: ``4``, ``-1``, ``0x1b``."""

    value: int
    text: str

    @property
    def is_hex(self) -> bool:
        return "x" in self.text

    def render(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Symbol:
    """A bare word: a constant name, ``NULL``, ``UINT64_MAX``, ``AT_FDCWD``, ``???``."""

    name: str

    @property
    def is_null(self) -> bool:
        return self.name == "NULL"

    def render(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Decorated:
    """A value with an fd decoration from ``-y``/``-yy``: ``3<anon_inode:bpf-map>``."""

    value: Number | Symbol
    decoration: str  # the text between the outer angle brackets, escapes kept
    deleted: bool = False

    def render(self) -> str:
        tail = "(deleted)" if self.deleted else ""
        return f"{self.value.render()}<{self.decoration}>{tail}"


@dataclass(frozen=True, slots=True)
class Flags:
    """A flag set ``A|B|0x10``; items are names or numbers (unknown bits)."""

    items: tuple[Symbol | Number, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.items if isinstance(i, Symbol))

    @property
    def unknown_bits(self) -> int:
        bits = 0
        for item in self.items:
            if isinstance(item, Number):
                bits |= item.value
        return bits

    def render(self) -> str:
        return "|".join(i.render() for i in self.items)


@dataclass(frozen=True, slots=True)
class String:
    """A quoted string; ``value`` is the decoded bytes, ``truncated`` a trailing ``...``."""

    text: str  # with quotes and any trailing "..."
    value: bytes
    truncated: bool

    def render(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Commented:
    """A value followed by a comment: ``0x1b /* BPF_MAP_TYPE_??? */`` (also ``-X verbose``)."""

    value: Value
    comment: str  # the text inside /* */, without the surrounding spaces

    def render(self) -> str:
        return f"{self.value.render()} /* {self.comment} */"


@dataclass(frozen=True, slots=True)
class Macro:
    """A macro-call value: ``KERNEL_VERSION(6, 18, 44)``, ``if_nametoindex("lo")``."""

    name: str
    args: tuple[Value, ...]

    def render(self) -> str:
        return f"{self.name}({', '.join(a.render() for a in self.args)})"


@dataclass(frozen=True, slots=True)
class Alternatives:
    """``0xffffffff00000000 or NULL``: a 32-bit strace's two readings of a pointer."""

    first: Number
    second: Value

    def render(self) -> str:
        return f"{self.first.render()} or {self.second.render()}"


@dataclass(frozen=True, slots=True)
class Changed:
    """``X => Y``: the value at syscall entry and the value the kernel wrote back."""

    before: Value
    after: Value
    arrow: str = " => "  # strace 5.6-5.10 print "=> " after a whole batch attr

    def render(self) -> str:
        return f"{self.before.render()}{self.arrow}{self.after.render()}"


@dataclass(frozen=True, slots=True)
class Ellipsis:
    """``...``: a struct tail or array tail strace did not print (``... /* 0xADDR */``)."""

    comment: str | None = None

    def render(self) -> str:
        return "..." if self.comment is None else f"... /* {self.comment} */"


@dataclass(frozen=True, slots=True)
class Empty:
    """Nothing yet: ``prog_ids=`` at the point where a call was interrupted."""

    def render(self) -> str:
        return ""


@dataclass(frozen=True, slots=True)
class Member:
    """One struct member: ``name=value``, or an anonymous ``...`` / hex-string tail."""

    name: str | None
    value: Value
    lead_comment: str | None = None  # "/* bytes 4..39 */" before an anonymous string

    def render(self) -> str:
        if self.name is not None:
            return f"{self.name}={self.value.render()}"
        if self.lead_comment is not None:
            return f"/* {self.lead_comment} */ {self.value.render()}"
        return self.value.render()


@dataclass(frozen=True, slots=True)
class Struct:
    """``{a=1, b=2}``; ``closed`` is false when the call was cut inside it."""

    members: tuple[Member, ...]
    closed: bool = True

    def get(self, path: str) -> Value | None:
        """The value at a dotted path (``"info.info_len"``), or None if absent."""
        node: Value = self
        for name in path.split("."):
            if isinstance(node, Changed):
                node = node.after
            if not isinstance(node, Struct):
                return None
            for member in node.members:
                if member.name == name:
                    node = member.value
                    break
            else:
                return None
        return node

    def names(self) -> Iterator[str]:
        return (m.name for m in self.members if m.name is not None)

    def render(self) -> str:
        inner = ", ".join(m.render() for m in self.members)
        return f"{{{inner}}}" if self.closed else f"{{{inner}"


@dataclass(frozen=True, slots=True)
class Array:
    """``[a, b, ...]``."""

    items: tuple[Value, ...]

    def render(self) -> str:
        return f"[{', '.join(i.render() for i in self.items)}]"


Value = Union[
    Number,
    Symbol,
    Decorated,
    Flags,
    String,
    Commented,
    Macro,
    Alternatives,
    Changed,
    Ellipsis,
    Empty,
    Struct,
    Array,
]

_SIMPLE_ESCAPES = {
    "n": 10,
    "t": 9,
    "v": 11,
    "f": 12,
    "r": 13,
    "\\": 92,
    '"': 34,
    "'": 39,
    "a": 7,
    "b": 8,
}
_OCTAL = "01234567"
_HEX = "0123456789abcdefABCDEF"


def decode_string(body: str) -> bytes:
    """Decode the text between strace's quotes into bytes.

    Octal escapes take 1 to 3 digits, ``\\x`` exactly two hex digits (spec b.5:
    ``\\x000`` is byte 0 then ``'0'``); other characters are UTF-8 (undecodable
    input bytes come back as themselves through surrogateescape).
    """
    if "\\" not in body:
        return body.encode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c != "\\" or i + 1 >= n:
            out += c.encode("utf-8", "surrogateescape")
            i += 1
            continue
        e = body[i + 1]
        if e in _OCTAL:
            j = i + 1
            while j < n and j < i + 4 and body[j] in _OCTAL:
                j += 1
            out.append(int(body[i + 1 : j], 8) & 0xFF)
            i = j
        elif e == "x" and i + 3 < n and body[i + 2] in _HEX and body[i + 3] in _HEX:
            out.append(int(body[i + 2 : i + 4], 16))
            i += 4
        elif e in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[e])
            i += 2
        else:
            # an escape strace never writes: keep it literally
            out += body[i : i + 2].encode("utf-8", "surrogateescape")
            i += 2
    return bytes(out)
