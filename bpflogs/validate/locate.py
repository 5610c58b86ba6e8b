"""Where a diagnostic points: physical lines, and columns inside joined calls and value trees.

A call stitched from an ``<unfinished ...>`` line and its ``<... resumed>`` line has one
logical text; a column in it is mapped back to the physical line and column it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bpflogs.model import values as v
from bpflogs.model.capture import Capture
from bpflogs.model.records import Syscall

__all__ = ["SourceMap", "attr_offset", "value_offsets"]

_UNFINISHED = " <unfinished ...>"
_SGR = re.compile(r"\x1b\[[0-9;]*m")
_RESUMED = re.compile(r"<\.\.\. [a-z_][a-z0-9_]*(?:#64)? resumed>")


@dataclass(frozen=True, slots=True)
class SourceMap:
    """The text of every physical line of a capture, as the parser saw it (colour removed)."""

    texts: dict[int, str]

    @classmethod
    def of(cls, capture: Capture) -> SourceMap:
        texts: dict[int, str] = {}
        for record in capture.records:
            parts: tuple[str, ...] = getattr(record, "parts", ())
            if len(record.lines) > 1 and len(parts) == len(record.lines):
                for number, part in zip(record.lines, parts, strict=True):
                    texts[number] = _SGR.sub("", part)
            else:
                texts[record.line] = record.text
        return cls(texts)

    def text(self, line: int) -> str:
        return self.texts.get(line, "")

    def locate(
        self, lines: tuple[int, ...], parts: tuple[str, ...], text: str, offset: int
    ) -> tuple[int, int]:
        """The physical (line, 1-based column) of 0-based ``offset`` in a record's logical ``text``."""
        if len(lines) < 2 or len(parts) != len(lines):
            return lines[0], offset + 1
        pos = 0
        for index, (number, raw) in enumerate(zip(lines, parts, strict=True)):
            part = _SGR.sub("", raw)
            start = 0
            if index:
                resumed = _RESUMED.search(part)
                start = resumed.end() if resumed is not None else 0
            body = part[start:]
            last = index == len(lines) - 1
            if not last and body.endswith(_UNFINISHED):
                length = len(body) - len(_UNFINISHED)
            else:
                length = _common_prefix(body, text[pos:])
            if last or offset < pos + length:
                return number, start + offset - pos + 1
            pos += length
        return lines[-1], 1  # not reached: the last part takes any offset


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def attr_offset(call: Syscall) -> int | None:
    """The 0-based offset of the attr argument in ``call.text`` (None without an attr)."""
    if call.attr is None:
        return None
    names = ("cmd=", "attr=") if call.arg_names else ("", "")
    return len(call.prefix.text) + len("bpf(") + len(names[0]) + len(call.cmd.render()) + 2 + len(names[1])


def value_offsets(node: v.Value, at: int = 0) -> Iterator[tuple[v.Value, int]]:
    """Every node of a value tree with its 0-based offset in the rendered text (node at ``at``)."""
    yield node, at
    if isinstance(node, v.Struct):
        yield from _members(node.members, at + 1)
    elif isinstance(node, v.Array):
        yield from _sequence(node.items, at + 1, ", ")
    elif isinstance(node, v.Changed):
        yield from value_offsets(node.before, at)
        yield from value_offsets(node.after, at + len(node.before.render()) + len(node.arrow))
    elif isinstance(node, (v.Commented, v.Decorated)):
        yield from value_offsets(node.value, at)
    elif isinstance(node, v.Macro):
        yield from _sequence(node.args, at + len(node.name) + 1, ", ")
    elif isinstance(node, v.Alternatives):
        yield from value_offsets(node.first, at)
        yield from value_offsets(node.second, at + len(node.first.render()) + len(" or "))
    elif isinstance(node, v.Flags):
        yield from _sequence(node.items, at, "|")


def _sequence(items: tuple[v.Value, ...], at: int, separator: str) -> Iterator[tuple[v.Value, int]]:
    for index, item in enumerate(items):
        if index:
            at += len(separator)
        yield from value_offsets(item, at)
        at += len(item.render())


def _members(members: tuple[v.Member, ...], at: int) -> Iterator[tuple[v.Value, int]]:
    for index, member in enumerate(members):
        if index:
            at += 2
        if member.name is not None:
            lead = len(member.name) + 1
        elif member.lead_comment is not None:
            lead = len(f"/* {member.lead_comment} */ ")
        else:
            lead = 0
        yield from value_offsets(member.value, at + lead)
        at += len(member.render())
