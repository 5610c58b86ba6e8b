"""bpf() calls of two runs paired by command and identity, then compared.

A call's identity is what names the object it creates or uses: ``prog_name``,
``map_name``, a pin path, the map an element operation works on, else nothing (then
order decides). The two call sequences are aligned on (command, identity), so an added
or removed call shifts nothing else; calls left over in a gap pair by command alone.
Objects created by paired calls are paired too, so fds of later calls compare by the
objects they name. Loader feature probes are set apart and summarised.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from bpflogs.compare.align import blocks, runs
from bpflogs.compare.attrs import CallContext, compare_calls
from bpflogs.compare.options import DiffOptions
from bpflogs.compare.result import CallDiff, CallSide, ProbeSummary, Status
from bpflogs.model.capture import BpfObject, Capture, ObjectTable
from bpflogs.model.records import Syscall
from bpflogs.model.values import Number, String, Value
from bpflogs.rules import Rule, Tally

__all__ = ["CallsDiff", "diff_calls", "identity", "probe_shaped", "probes"]

# a libbpf/bpftool feature probe loads at most this many instructions or BTF bytes
_PROBE_INSNS = 8
_PROBE_BTF_BYTES = 512

# fields naming what a call works on, by command (the object an fd names comes first)
_USES = {
    "BPF_MAP_LOOKUP_ELEM": "map_fd",
    "BPF_MAP_UPDATE_ELEM": "map_fd",
    "BPF_MAP_DELETE_ELEM": "map_fd",
    "BPF_MAP_GET_NEXT_KEY": "map_fd",
    "BPF_MAP_LOOKUP_AND_DELETE_ELEM": "map_fd",
    "BPF_MAP_FREEZE": "map_fd",
    "BPF_MAP_LOOKUP_BATCH": "batch.map_fd",
    "BPF_MAP_LOOKUP_AND_DELETE_BATCH": "batch.map_fd",
    "BPF_MAP_UPDATE_BATCH": "batch.map_fd",
    "BPF_MAP_DELETE_BATCH": "batch.map_fd",
    "BPF_OBJ_GET_INFO_BY_FD": "info.bpf_fd",
    "BPF_PROG_TEST_RUN": "test.prog_fd",
    "BPF_PROG_ATTACH": "attach_bpf_fd",
    "BPF_PROG_DETACH": "attach_bpf_fd",
    "BPF_LINK_CREATE": "link_create.prog_fd",
    "BPF_LINK_UPDATE": "link_update.new_prog_fd",
    "BPF_LINK_DETACH": "link_detach.link_fd",
    "BPF_PROG_BIND_MAP": "prog_bind_map.prog_fd",
    "BPF_ENABLE_STATS": "enable_stats.type",
    "BPF_RAW_TRACEPOINT_OPEN": "raw_tracepoint.name",
}


def _text(node: Value | None) -> str | None:
    return node.value.decode("utf-8", "backslashreplace") if isinstance(node, String) else None


def _number(node: Value | None) -> int | None:
    return node.value if isinstance(node, Number) else None


def identity(call: Syscall, objects: ObjectTable) -> str:
    """What names the object ``call`` creates or works on ("" when only order can tell)."""
    attr = call.fields
    if attr is None:
        return ""
    command = call.command
    if command == "BPF_PROG_LOAD":
        return _named("prog", _text(attr.get("prog_name")))
    if command == "BPF_MAP_CREATE":
        return _named("map", _text(attr.get("map_name")))
    if command in ("BPF_OBJ_PIN", "BPF_OBJ_GET"):
        return _text(attr.get("pathname")) or ""
    if command.endswith("_GET_FD_BY_ID") or command.endswith("_GET_NEXT_ID"):
        return ""  # ids change every load
    path = _USES.get(command)
    if path is None:
        return ""
    obj = objects.resolve(call, path)
    if obj is not None:
        return obj.label if obj.name or obj.path else obj.kind.value
    node = attr.get(path)
    return _text(node) or (node.render() if node is not None and not isinstance(node, Number) else "")


def _named(kind: str, name: str | None) -> str:
    return f"{kind}:{name}" if name else ""


def probe_shaped(call: Syscall) -> bool:
    """Whether a call looks like a loader feature probe: a PROG_LOAD of a few instructions
    without a name (or a ``libbpf_*`` one), a small BTF_LOAD, a ``libbpf_*`` map."""
    attr = call.fields
    if attr is None:
        return False
    if call.command == "BPF_PROG_LOAD":
        count = _number(attr.get("insn_cnt"))
        name = _text(attr.get("prog_name")) or ""
        return count is not None and count <= _PROBE_INSNS and (not name or name.startswith("libbpf_"))
    if call.command == "BPF_BTF_LOAD":
        size = _number(attr.get("btf_size"))
        return size is not None and size <= _PROBE_BTF_BYTES
    if call.command == "BPF_MAP_CREATE":
        return (_text(attr.get("map_name")) or "").startswith("libbpf_")
    return False


# probes use each other (a global-data probe loads the probe map; libbpf binds its
# det_bind map to its probe program): such uses do not make a probe real
_PROBE_USES = ("BPF_PROG_BIND_MAP",)


def probes(calls: Sequence[Syscall], objects: ObjectTable) -> list[bool]:
    """For each call, whether it is a loader feature probe: probe-shaped, and its object
    is used by no call other than probes and probe bindings."""
    known: dict[int, bool] = {}  # by attr: a loop repeats its attrs
    shaped = []
    for c in calls:
        attr = c.fields
        found = known.get(id(attr)) if attr is not None else False
        if found is None:
            found = known[id(attr)] = probe_shaped(c)
        shaped.append(found)
    used: set[int] = set()  # ids of the objects used (one table: an object is one object)
    for call, probe in zip(calls, shaped, strict=True):
        if not probe and call.command not in _PROBE_USES:
            refs = objects.refs.get(call.line)
            if refs:
                used.update(map(id, refs.values()))
    out = []
    for call, probe in zip(calls, shaped, strict=True):
        created = objects.created_by(call) if probe else None
        out.append(probe and (created is None or id(created) not in used))
    return out


@dataclass(frozen=True, slots=True)
class CallsDiff:
    calls: tuple[CallDiff, ...]
    probes: ProbeSummary
    pairing: dict[BpfObject, BpfObject]
    hidden: Tally  # what the rules hid, probes' pairs included


@dataclass(frozen=True, slots=True)
class _Side:
    calls: tuple[Syscall, ...]
    keys: list[tuple[str, str]]
    probe: list[bool]


def _side_of(capture: Capture) -> _Side:
    objects = capture.objects
    calls = capture.syscalls
    known: dict[tuple[int, int], str] = {}  # (attr, object used) -> identity: a loop repeats both
    keys = []
    for call in calls:
        path = _USES.get(call.command)
        used = objects.resolve(call, path) if path is not None else None
        memo = (id(call.fields), id(used))
        ident = known.get(memo) if call.fields is not None else None
        if ident is None:
            ident = identity(call, objects)
            if call.fields is not None:
                known[memo] = ident
        keys.append((call.command, ident))
    return _Side(calls, keys, probes(calls, objects))


def _common_identities(a: _Side, b: _Side) -> None:
    """Drop the identities of a command that only one side can show (an old strace cuts
    ``map_name`` off with ``...``; unnamed maps against named ones): order decides there."""
    named_a = {cmd for cmd, ident in a.keys if ident}
    named_b = {cmd for cmd, ident in b.keys if ident}
    commands = {cmd for cmd, _ in a.keys} & {cmd for cmd, _ in b.keys}
    blind = {cmd for cmd in commands if (cmd in named_a) != (cmd in named_b)}
    if blind:
        for side in (a, b):
            side.keys[:] = [(cmd, "" if cmd in blind else ident) for cmd, ident in side.keys]


def _pairs(a: _Side, b: _Side) -> list[tuple[int | None, int | None]]:
    """Rows of the alignment: (index in a, index in b), None for an added/removed call.

    First by command and identity, then what is left in a gap by command alone. Whether
    a call is a probe is no part of the key: a strace too old to decode a command cannot
    tell, and its calls must still pair with the decoded ones."""
    rows: list[tuple[int | None, int | None]] = []
    tiers: list[tuple[list[Hashable], list[Hashable]]] = [
        (list(a.keys), list(b.keys)),
        ([k[0] for k in a.keys], [k[0] for k in b.keys]),
    ]
    _rows(tiers, 0, 0, len(a.calls), 0, len(b.calls), rows)
    return rows


def _rows(tiers: Sequence[tuple[list[Hashable], list[Hashable]]], tier: int, alo: int, ahi: int,
          blo: int, bhi: int, rows: list[tuple[int | None, int | None]]) -> None:  # fmt: skip
    ka, kb = tiers[tier][0][alo:ahi], tiers[tier][1][blo:bhi]
    for tag, i1, i2, j1, j2 in blocks(runs(ka, kb), len(ka), len(kb)):
        if tag == "equal":
            rows.extend(zip(range(alo + i1, alo + i2), range(blo + j1, blo + j2), strict=True))
        elif tier + 1 < len(tiers) and i2 > i1 and j2 > j1:
            _rows(tiers, tier + 1, alo + i1, alo + i2, blo + j1, blo + j2, rows)
        else:
            rows.extend((alo + k, None) for k in range(i1, i2))
            rows.extend((None, blo + k) for k in range(j1, j2))


def _side(call: Syscall) -> CallSide:
    return CallSide(call.line, call.text, call.pid)


def diff_calls(a: Capture, b: Capture, options: DiffOptions) -> CallsDiff:
    """The calls of two captures paired and compared, and what the rules hid there.

    Probes pair like any call; a pair of probes that compares the same is only counted."""
    side_a, side_b = _side_of(a), _side_of(b)
    _common_identities(side_a, side_b)
    rows = _pairs(side_a, side_b)
    pairing: dict[BpfObject, BpfObject] = {}
    for i, j in rows:
        if i is not None and j is not None:
            oa = a.objects.created_by(side_a.calls[i])
            ob = b.objects.created_by(side_b.calls[j])
            if oa is not None and ob is not None:
                pairing.setdefault(oa, ob)
    ctx = CallContext(a.objects, b.objects, pairing, options)
    calls: list[CallDiff] = []
    probe_a: Counter[str] = Counter()
    probe_b: Counter[str] = Counter()
    differing = 0
    hidden: Counter[Rule] = Counter()
    for i, j in rows:
        probe = (i is not None and side_a.probe[i]) or (j is not None and side_b.probe[j])
        found, hid = _diff(side_a, side_b, i, j, ctx, probe)
        if hid:
            hidden.update(hid)
        if probe:
            if i is not None:
                probe_a[side_a.calls[i].command] += 1
            if j is not None:
                probe_b[side_b.calls[j].command] += 1
            if found.status is Status.SAME:
                continue
            differing += 1
        calls.append(found)
    summary = ProbeSummary(
        sum(probe_a.values()), sum(probe_b.values()), dict(probe_a), dict(probe_b), differing
    )
    return CallsDiff(tuple(calls), summary, pairing, Tally.of(hidden))


def _diff(sa: _Side, sb: _Side, i: int | None, j: int | None, ctx: CallContext,
          probe: bool = False) -> tuple[CallDiff, tuple[Rule, ...]]:  # fmt: skip
    """The pair's row, and the rule of each difference hidden in it."""
    ca = sa.calls[i] if i is not None else None
    cb = sb.calls[j] if j is not None else None
    if ca is None or cb is None:
        one = ca or cb
        assert one is not None
        key = sa.keys[i] if i is not None else sb.keys[j]  # type: ignore[index]
        status = Status.REMOVED if cb is None else Status.ADDED
        return CallDiff(status, one.command, _key(key), _opt(ca), _opt(cb), (), probe), ()
    changes, hid = compare_calls(ca, cb, ctx)
    status = Status.SAME
    for change in changes:
        if not change.hidden:
            status = Status.CHANGED
            break
    ka, kb = sa.keys[i], sb.keys[j]  # type: ignore[index]
    key = ka if ka == kb else (ca.command, f"{ka[1] or '?'} / {kb[1] or '?'}")
    return CallDiff(status, ca.command, _key(key), _side(ca), _side(cb), changes, probe), hid


def _opt(call: Syscall | None) -> CallSide | None:
    return None if call is None else _side(call)


def _key(key: tuple[str, str]) -> str:
    command, ident = key
    return f"{command} {ident}" if ident else command

