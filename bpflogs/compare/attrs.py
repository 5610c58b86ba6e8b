"""Two paired bpf() calls compared attribute by attribute over their typed values.

Each difference gets a path, both values as display text, the schema's category and,
where a named rule explains it, that rule: fds compare the objects they name (paired
across the runs), pointers compare by NULL or not, truncated strings as prefixes, a
pointer against its decoded contents (``-v``) is no difference, instruction arrays
compare with map fds resolved to the maps they name.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from bpflogs import schema
from bpflogs.compare.align import blocks, runs
from bpflogs.compare.options import DiffOptions
from bpflogs.compare.result import AttrChange, AttrValue
from bpflogs.model.capture import BpfObject, ObjectTable
from bpflogs.model.records import CallEnd, Syscall
from bpflogs.model.typed import (
    Bytes,
    Fd,
    FlagSet,
    Insns,
    Opaque,
    Pointer,
    Typed,
    Update,
    flat_attrs,
    typed_attr,
)
from bpflogs.model.values import Struct
from bpflogs.rules import Rule
from bpflogs.schema import Category, FieldSpec

__all__ = ["CallContext", "Compared", "compare_calls", "insns_summary", "show"]

_MAX_SHOWN = 200  # characters of a value's display text

# what comparing two calls gives: the changes, and the rule of each hidden difference
Compared = tuple[tuple[AttrChange, ...], tuple[Rule, ...]]


@dataclass(frozen=True, slots=True)
class CallContext:
    """What comparing two calls needs beyond the calls: objects and how they pair."""

    objects_a: ObjectTable
    objects_b: ObjectTable
    pairing: Mapping[BpfObject, BpfObject]  # object of run a -> object of run b
    options: DiffOptions
    # the attribute changes of a pair of attrs naming the same objects, computed once:
    # a loop repeats its calls, and the parser shares the attr of a repeated event text
    memo: dict[tuple[object, ...], Compared] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Verdict:
    equal: bool  # equal once the rule is applied
    rule: Rule | None = None  # the rule that made them equal
    # a difference in what an fd or pointer field *means* (another object, NULL or not):
    # semantic even where the schema files the field under a volatile rule
    semantic: bool = False


_SAME = _Verdict(True)
_DIFFERENT = _Verdict(False)
_MEANING = _Verdict(False, semantic=True)
_FDS = _Verdict(True, Rule.FDS)
_POINTERS = _Verdict(True, Rule.POINTERS)
_TRUNCATED = _Verdict(True, Rule.TRUNCATED_STRINGS)
_ABSENT = _Verdict(True, Rule.ABSENT_MEMBERS)


def compare_calls(a: Syscall, b: Syscall, ctx: CallContext) -> Compared:
    """Every attribute (and result, pid, time) in which paired calls ``a`` and ``b`` differ,
    and what the rules hid: a rule for each hidden difference, those listed among the
    changes and those only counted (pids, times, durations; ``--strict`` lists them).

    Pairs whose attrs and named objects are the same get the same tuples (a loop's calls)."""
    out: list[AttrChange] = []
    command = a.command
    sa, sb = a.fields, b.fields
    known: tuple[AttrChange, ...] = ()
    hid: tuple[Rule, ...] = ()
    if sa is not None and sb is not None:
        refs_a, refs_b = ctx.objects_a.refs.get(a.line), ctx.objects_b.refs.get(b.line)
        # the paths follow from the attr: the objects they name are enough
        key = (
            id(sa), id(sb), command,
            tuple(map(id, refs_a.values())) if refs_a else (),
            tuple(map(id, refs_b.values())) if refs_b else (),
        )  # fmt: skip
        found = ctx.memo.get(key)
        if found is None:
            if len(ctx.memo) > 1 << 16:
                ctx.memo.clear()
            changes = tuple(_attrs(command, a, b, sa, sb, ctx))
            found = ctx.memo[key] = (changes, _hidden_by(changes))
        known, hid = found
    elif a.attr is not None and b.attr is not None and a.attr.render() != b.attr.render():
        # one side decoded, the other only an address (old strace, -e raw=bpf)
        decoded = sa is not None or sb is not None
        rule = Rule.UNDECODED if decoded else Rule.POINTERS
        out.append(_change(ctx, command, "attr", a.attr.render(), b.attr.render(), Category.VOLATILE, rule,
                           values=(typed_attr(command, a.attr), typed_attr(command, b.attr))))  # fmt: skip
    if a.size_value != b.size_value:
        out.append(_change(ctx, command, "<size>", _num(a.size_value), _num(b.size_value), Category.SEMANTIC,
                           values=(a.size_value, b.size_value)))  # fmt: skip
    out.extend(_result(command, a, b, ctx))
    counted = _prefix(command, a, b, ctx, out)
    if not out:
        return known, ((*hid, *counted) if counted else hid)
    return (*known, *out), (*hid, *_hidden_by(out), *counted)


def _hidden_by(changes: Sequence[AttrChange]) -> tuple[Rule, ...]:
    """The rule of each hidden change."""
    return tuple(Rule.named(c.rule) for c in changes if c.hidden and c.rule)


def _num(value: int | None) -> str | None:
    return None if value is None else str(value)


def _change(ctx: CallContext, command: str, path: str, a: str | None, b: str | None,
            category: Category, rule: Rule | None = None, *,
            values: tuple[AttrValue | None, AttrValue | None]) -> AttrChange:  # fmt: skip
    """The change of ``path``: display texts ``a``/``b`` of the typed ``values``."""
    if rule is None and ctx.options.ignore and _ignored(ctx.options.ignore, command, path):
        rule = Rule.IGNORED
    hidden = rule is not None and not ctx.options.strict
    return AttrChange(path, a, b, category, rule, hidden, *values)


def _ignored(globs: tuple[str, ...], command: str, path: str) -> bool:
    short = command.removeprefix("BPF_")
    candidates = (path, f"{command}.{path}", f"{short}.{path}")
    return any(fnmatch.fnmatchcase(c, g) for g in globs for c in candidates)


def _attrs(
    command: str, a: Syscall, b: Syscall, sa: Struct, sb: Struct, ctx: CallContext
) -> Iterator[AttrChange]:
    fa, fb = flat_attrs(command, sa), flat_attrs(command, sb)
    for path in [*fa, *(p for p in fb if p not in fa)]:
        va, spec_a = fa.get(path, (None, None))
        vb, spec_b = fb.get(path, (None, None))
        spec = spec_a or spec_b
        if (va is None and _under_pointer(fa, path)) or (vb is None and _under_pointer(fb, path)):
            continue  # a member of what one side shows only as an address (-v decodes it)
        if _is_ellipsis(va) or _is_ellipsis(vb):
            continue  # the "..." of an abbreviated struct is no attribute
        if (va is None and _abbreviated(fa, path)) or (vb is None and _abbreviated(fb, path)):
            va, vb = va if va is not None else Opaque("..."), vb if vb is not None else Opaque("...")
            yield _change(ctx, command, path, show(va), show(vb), Category.VOLATILE, Rule.ABBREVIATED_STRUCTS,
                          values=(va, vb))  # fmt: skip
            continue
        if isinstance(va, Pointer) and vb is None and _has_members(fb, path):
            vb = Opaque("{...}")
        elif isinstance(vb, Pointer) and va is None and _has_members(fa, path):
            va = Opaque("{...}")
        if va is not None and vb is not None and va == vb and not isinstance(va, Insns):
            continue
        verdict = _compare(va, vb, spec, path, a, b, ctx)
        if verdict.equal and verdict.rule is None:
            continue
        category = spec.category if spec is not None else Category.SEMANTIC
        if verdict.equal:  # equal once a rule is applied: the difference is volatile
            rule: Rule | None = verdict.rule
            category = Category.VOLATILE if category is Category.SEMANTIC else category
        elif verdict.semantic:
            rule, category = None, Category.SEMANTIC
        else:  # a real difference, hidden only where the schema says the field is not semantic
            rule = spec.rule if spec is not None and category is not Category.SEMANTIC else None
        text_a: str | None
        text_b: str | None
        if isinstance(va, Insns) and isinstance(vb, Insns) and not verdict.equal:
            text_a, text_b = insns_summary(va, vb)
        else:
            text_a = show(va, ctx.objects_a.resolve(a, path))
            text_b = show(vb, ctx.objects_b.resolve(b, path))
        yield _change(ctx, command, path, text_a, text_b, category, rule, values=(va, vb))


def _under_pointer(flat: Mapping[str, tuple[Typed, FieldSpec | None]], path: str) -> bool:
    head = path
    while "." in head:
        head = head.rpartition(".")[0]
        found = flat.get(head)
        if found is not None:
            return isinstance(found[0], Pointer) and not found[0].is_null
    return False


def _is_ellipsis(value: Typed | None) -> bool:
    return isinstance(value, Opaque) and value.text == "..."


def _abbreviated(flat: Mapping[str, tuple[Typed, FieldSpec | None]], path: str) -> bool:
    """Whether the struct holding ``path`` was cut short with ``...`` (strace -v keeps it)."""
    parent = path.rpartition(".")[0]
    prefix = parent + "." if parent else ""
    return any(
        _is_ellipsis(value)
        for key, (value, _) in flat.items()
        if key.startswith(prefix) and "." not in key[len(prefix) :] and key[len(prefix) :].startswith("_")
    )


def _has_members(flat: Mapping[str, tuple[Typed, FieldSpec | None]], path: str) -> bool:
    prefix = path + "."
    return any(p.startswith(prefix) for p in flat)


def _compare(va: Typed | None, vb: Typed | None, spec: FieldSpec | None, path: str,
             a: Syscall, b: Syscall, ctx: CallContext) -> _Verdict:  # fmt: skip
    if va is None or vb is None:
        present = va if va is not None else vb
        return _ABSENT if _zero(present, spec) else _DIFFERENT
    if isinstance(va, Update) or isinstance(vb, Update):
        ba, aa = (va.before, va.after) if isinstance(va, Update) else (None, va)
        bb, ab = (vb.before, vb.after) if isinstance(vb, Update) else (None, vb)
        after = _compare(aa, ab, spec, path, a, b, ctx)
        if ba is None or bb is None:  # `next_id=N` against `next_id=0 => N`: another strace
            return after if not after.equal else _Verdict(True, after.rule or Rule.STRACE_VERSION)
        before = _compare(ba, bb, spec, path, a, b, ctx)
        if not before.equal:
            return before
        return after
    if isinstance(va, Fd) and isinstance(vb, Fd):
        return _fds(va, vb, path, a, b, ctx)
    if isinstance(va, Pointer) or isinstance(vb, Pointer):
        return _pointers(va, vb)
    if isinstance(va, Bytes) and isinstance(vb, Bytes):
        return _strings(va, vb)
    if isinstance(va, Insns) and isinstance(vb, Insns):
        return _insns(va, vb, path, a, b, ctx)
    return _SAME if va == vb else _DIFFERENT


def _zero(value: Typed | None, spec: FieldSpec | None = None) -> bool:
    """Whether a value is what an older strace that does not print the member means:
    0, NULL, empty, or an enum name whose value is 0 (``BPF_CGROUP_INET_INGRESS``)."""
    if isinstance(value, str) and spec is not None and spec.enum is not None:
        return schema.enum_value(spec.enum, value) == 0
    if isinstance(value, Pointer):
        return value.is_null
    if isinstance(value, FlagSet):
        return not value.names and not value.unknown
    if isinstance(value, Opaque):
        return value.text in ("", "...")
    if isinstance(value, Bytes):
        return not value.value
    if isinstance(value, (tuple, Mapping)):
        return not value
    return value == 0 or value == ""


def _fds(va: Fd, vb: Fd, path: str, a: Syscall, b: Syscall, ctx: CallContext) -> _Verdict:
    oa, ob = ctx.objects_a.resolve(a, path), ctx.objects_b.resolve(b, path)
    if oa is not None and ob is not None:
        if ctx.pairing.get(oa) == ob:
            return _FDS if va.number != vb.number else _SAME
        return _MEANING
    if oa is not None or ob is not None:
        return _MEANING  # an object of the capture against an fd from outside it
    if va.number == vb.number:
        return _SAME
    if va.number == 0 or vb.number == 0:
        return _MEANING  # 0 is "none" in most fd fields
    return _FDS


def _pointers(va: Typed, vb: Typed) -> _Verdict:
    if isinstance(va, Pointer) and isinstance(vb, Pointer):
        if va.is_null != vb.is_null:
            return _MEANING  # a buffer given against none
        return _POINTERS if va.address != vb.address else _SAME
    pointer = va if isinstance(va, Pointer) else vb
    assert isinstance(pointer, Pointer)
    if pointer.is_null:
        return _MEANING
    return _POINTERS  # an address against the contents strace decoded there (-v)


def _strings(va: Bytes, vb: Bytes) -> _Verdict:
    if va.value == vb.value:
        return _SAME if va.truncated == vb.truncated else _TRUNCATED
    if (va.truncated and vb.value.startswith(va.value)) or (vb.truncated and va.value.startswith(vb.value)):
        return _TRUNCATED
    return _DIFFERENT


def _insn_keys(insns: Insns, path: str, call: Syscall, table: ObjectTable) -> list[tuple[object, ...]]:
    refs = table.paths(call)
    out: list[tuple[object, ...]] = []
    for k, i in enumerate(insns.insns):
        obj = refs.get(f"{path}[{k}].imm")
        out.append((i.code, i.dst, i.src, i.off, i.imm if obj is None else obj))
    return out


def _insns(va: Insns, vb: Insns, path: str, a: Syscall, b: Syscall, ctx: CallContext) -> _Verdict:
    ka = _insn_keys(va, path, a, ctx.objects_a)
    kb = _insn_keys(vb, path, b, ctx.objects_b)
    # a's map objects stand in as their partners in b, so paired maps compare equal
    ka = [tuple(ctx.pairing.get(x, x) if isinstance(x, BpfObject) else x for x in key) for key in ka]
    if va.truncated or vb.truncated:
        n = min(len(ka), len(kb))
        return _TRUNCATED if ka[:n] == kb[:n] else _DIFFERENT
    if ka == kb:
        plain_a = [(i.code, i.dst, i.src, i.off, i.imm) for i in va.insns]
        plain_b = [(i.code, i.dst, i.src, i.off, i.imm) for i in vb.insns]
        return _SAME if plain_a == plain_b else _FDS
    return _DIFFERENT


def insns_summary(va: Insns, vb: Insns) -> tuple[str, str]:
    """How two instruction arrays differ, as two short texts ("+2 at [10, 11]")."""
    ka = [(i.code, i.dst, i.src, i.off, i.imm) for i in va.insns]
    kb = [(i.code, i.dst, i.src, i.off, i.imm) for i in vb.insns]
    removed: list[int] = []
    added: list[int] = []
    for tag, i1, i2, j1, j2 in blocks(runs(ka, kb), len(ka), len(kb)):
        if tag == "replace":
            removed.extend(range(i1, i2))
            added.extend(range(j1, j2))
    return (
        f"{len(ka)} insns, {len(removed)} not in b {_indexes(removed)}",
        f"{len(kb)} insns, {len(added)} not in a {_indexes(added)}",
    )


def _indexes(items: list[int]) -> str:
    shown = ", ".join(str(i) for i in items[:8])
    return f"[{shown}{', ...' if len(items) > 8 else ''}]"


def _result(command: str, a: Syscall, b: Syscall, ctx: CallContext) -> Iterator[AttrChange]:
    ra, rb = a.result, b.result
    if a.end is not b.end:
        yield _change(ctx, command, "<end>", a.end.value, b.end.value, Category.SEMANTIC,
                      values=(a.end, b.end))  # fmt: skip
    if ra is None or rb is None:
        if (ra is None) != (rb is None) and a.end is b.end is CallEnd.COMPLETE:
            yield _change(ctx, command, "<result>", _shown_result(a), _shown_result(b), Category.SEMANTIC,
                          values=(ra, rb))  # fmt: skip
        return
    if ra.failed or rb.failed:
        if (ra.failed, ra.errno, ra.errno_number) != (rb.failed, rb.errno, rb.errno_number):
            yield _change(ctx, command, "<result>", _shown_result(a), _shown_result(b), Category.SEMANTIC,
                          values=(ra, rb))  # fmt: skip
        return
    if ra.value == rb.value:
        return
    spec = schema.command(command)
    returns_fd = spec is not None and spec.returns is schema.Returns.FD
    if returns_fd:
        yield _change(ctx, command, "<result>", _shown_result(a), _shown_result(b), Category.VOLATILE,
                      Rule.FDS, values=(ra, rb))  # fmt: skip
    else:
        yield _change(ctx, command, "<result>", _shown_result(a), _shown_result(b), Category.SEMANTIC,
                      values=(ra, rb))  # fmt: skip


def _shown_result(call: Syscall) -> str | None:
    r = call.result
    if r is None:
        return None
    return r.text


def _prefix(command: str, a: Syscall, b: Syscall, ctx: CallContext,
            out: list[AttrChange]) -> tuple[Rule, ...]:  # fmt: skip
    """Pids, times and durations: no attributes of the call, so only counted (the rules
    returned, one per difference) unless ``--strict`` asks to see them (added to ``out``)."""
    pa, pb = a.prefix, b.prefix
    strict = ctx.options.strict
    counted: tuple[Rule, ...] = ()
    if pa.pid != pb.pid and pa.pid is not None and pb.pid is not None:
        if strict:
            out.append(_change(ctx, command, "<pid>", str(pa.pid), str(pb.pid), Category.VOLATILE, Rule.PIDS,
                               values=(pa.pid, pb.pid)))  # fmt: skip
        else:
            counted = _PID
    if pa.time != pb.time and pa.time is not None and pb.time is not None:
        if strict:
            out.append(_change(ctx, command, "<time>", pa.time, pb.time, Category.VOLATILE, Rule.TIMESTAMPS,
                               values=(pa.time, pb.time)))  # fmt: skip
        else:
            counted = (*counted, Rule.TIMESTAMPS)
    da = a.result.duration if a.result else None
    db = b.result.duration if b.result else None
    if da != db and da is not None and db is not None:
        if strict:
            out.append(_change(ctx, command, "<duration>", da, db, Category.VOLATILE, Rule.TIMESTAMPS,
                               values=(da, db)))  # fmt: skip
        else:
            counted = (*counted, Rule.TIMESTAMPS)
    return counted


_PID = (Rule.PIDS,)


def show(value: Typed | None, obj: BpfObject | None = None) -> str | None:
    """A typed value as one line of display text (fds as the objects they name)."""
    if value is None:
        return None
    text = _show(value, obj)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _show(value: Typed, obj: BpfObject | None = None) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Fd):
        return f"{obj.label} (fd {value.number})" if obj is not None else f"fd {value.number}"
    if isinstance(value, Pointer):
        return "NULL" if value.address is None else hex(value.address)
    if isinstance(value, FlagSet):
        names = list(value.names) + ([hex(value.unknown)] if value.unknown else [])
        return "|".join(names) or "0"
    if isinstance(value, Bytes):
        body = repr(value.value)[2:-1].replace('"', '\\"')
        return f'"{body}"' + ("..." if value.truncated else "")
    if isinstance(value, Insns):
        return f"{len(value.insns)} insns" + (" (cut)" if value.truncated else "")
    if isinstance(value, Update):
        return f"{_show(value.before)} => {_show(value.after)}"
    if isinstance(value, Opaque):
        return value.text
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={_show(v)}" for k, v in value.items()) + "}"
    return "[" + ", ".join(_show(v) for v in value) + "]"

