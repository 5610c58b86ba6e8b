#!/usr/bin/env python3
"""Check the captures in corpus/pairs/*/{a,b}/ against each facts.json.

Usage: python3 check_pairs.py PAIRS_DIR

This is not a diff: it only confirms, with plain string work, that what
facts.json states (written by hand from the dumps) holds for the captures
just made -- per-function instruction counts, calls, the listed changed /
inserted / deleted slots, the alignment of every other instruction, and
which strace lines differ in which attribute. Exit 0 when everything holds.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

INSN = re.compile(r"^ *(\d+): \(([0-9a-f]{2})\) (.*)$")
FUNC = re.compile(r"^\S.*?(\w+)\(.*\):$")
MAPID = re.compile(r"map\[id:\d+\]")
JUMP = re.compile(r"goto pc([-+]\d+)")
PCALL = re.compile(r"call pc([-+]\d+)#bpf_prog_([0-9a-f]{16})_(\w+)")
HCALL = re.compile(r"call ([A-Za-z_]\w*)#\d+")
PTR = re.compile(r"0x[0-9a-f]{6,}")

errors: list[str] = []


def err(msg: str) -> None:
    errors.append(msg)


def read_dump(path: Path):
    """[(slot, opcode, text, function, source_line)] of a plain xlated dump."""
    out, fn, src = [], None, None
    for line in path.read_text().splitlines():
        m = INSN.match(line)
        if m:
            out.append((int(m[1]), m[2], m[3], fn, src))
        elif line.startswith("; "):
            src = line[2:]
        elif FUNC.match(line):
            fn = FUNC.match(line)[1]
    return out


def functions(ins):
    f = {}
    for slot, op, _, fn, _ in ins:
        d = f.setdefault(fn, {"first_slot": slot, "insns": 0, "slots": 0})
        d["insns"] += 1
        d["slots"] += 2 if op == "18" else 1
    return f


def calls(ins):
    sub, helpers = {}, {}
    for _, _, text, fn, _ in ins:
        m = PCALL.search(text)
        if m:
            sub.setdefault(fn, Counter())[m[3]] += 1
        m = HCALL.search(text)
        if m:
            helpers.setdefault(fn, Counter())[m[1]] += 1
    return sub, helpers


def norm(text: str) -> str:
    """An instruction without its volatile map id and pc-relative offset."""
    text = MAPID.sub("map[id:N]", text)
    text = JUMP.sub("goto pc?", text)
    return PCALL.sub(r"call pc?#bpf_prog_\2_\3", text)


def offset(text: str):
    m = JUMP.search(text) or PCALL.search(text)
    return int(m[1]) if m else None


def check_program(pair: str, d: Path, name: str, facts: dict) -> None:
    a = read_dump(d / "a" / f"{name}.xlated.txt")
    b = read_dump(d / "b" / f"{name}.xlated.txt")
    fa, fb = functions(a), functions(b)
    for fn, want in facts["functions"].items():
        for key in ("insns", "slots", "first_slot"):
            got = [fa.get(fn, {}).get(key), fb.get(fn, {}).get(key)]
            if got != want[key]:
                err(f"{pair}: {fn} {key} is {got}, facts say {want[key]}")
    if set(fa) != set(facts["functions"]) or set(fb) != set(facts["functions"]):
        err(f"{pair}: functions {sorted(fa)} / {sorted(fb)}")
    for side, ins in (("a", a), ("b", b)):
        sub, helpers = calls(ins)
        for fn, want in facts["calls"].items():
            got = {"subprograms": dict(sub.get(fn, {})), "helpers": dict(helpers.get(fn, {}))}
            if got != want[side]:
                err(f"{pair}: calls of {fn} on side {side} are {got}")
    if "inserted_b_slots" not in facts:
        return  # no instruction alignment stated (compiler pairs)
    sa = {s: (op, t) for s, op, t, _, _ in a}
    sb = {s: (op, t) for s, op, t, _, _ in b}
    changed = {(c["a_slot"], c["b_slot"]): c for c in facts["changed"]}
    for (x, y), c in changed.items():
        if sa.get(x, (0, None))[1] != c["a"] or sb.get(y, (0, None))[1] != c["b"]:
            err(f"{pair}: changed a{x}/b{y} is {sa.get(x)} / {sb.get(y)}")
    ka = [s for s, *_ in a if s not in facts["deleted_a_slots"]]
    kb = [s for s, *_ in b if s not in facts["inserted_b_slots"]]
    for s in facts["inserted_b_slots"]:
        if s not in sb:
            err(f"{pair}: inserted b slot {s} is no instruction")
    for s in facts["deleted_a_slots"]:
        if s not in sa:
            err(f"{pair}: deleted a slot {s} is no instruction")
    if len(ka) != len(kb):
        err(f"{pair}: {len(ka)} kept a instructions vs {len(kb)} kept b instructions")
        return
    amap = dict(zip(ka, kb))
    shifted_j, shifted_c = [], []
    for x, y in zip(ka, kb):
        ta, tb = sa[x][1], sb[y][1]
        if (x, y) in changed:
            continue
        if norm(ta) != norm(tb):
            err(f"{pair}: a{x} `{ta}` vs b{y} `{tb}` differ but are not listed")
            continue
        oa, ob = offset(ta), offset(tb)
        if oa is None:
            continue
        if amap.get(x + oa + 1) != y + ob + 1:
            err(f"{pair}: a{x} jumps to a{x + oa + 1}, b{y} to b{y + ob + 1}: not the same target")
        elif oa != ob:
            (shifted_c if "call" in ta else shifted_j).append([x, y])
    if shifted_j != facts["shifted_jumps"]:
        err(f"{pair}: shifted jumps are {shifted_j}, facts say {facts['shifted_jumps']}")
    if shifted_c != facts["shifted_calls"]:
        err(f"{pair}: shifted calls are {shifted_c}, facts say {facts['shifted_calls']}")


def strace_calls(path: Path):
    lines = [l for l in path.read_text().splitlines() if "bpf(" in l]
    return [PTR.sub("0xPTR", l) for l in lines]


def command(line: str) -> str:
    m = re.search(r"bpf\((?:\w+ /\* )?(BPF_\w+)", line)
    return m[1] if m else "?"


def result(line: str) -> str:
    m = re.search(r"\) += (-?\d+)", line)
    return m[1] if m else "?"


def check_syscalls(pair: str, d: Path, facts: dict) -> None:
    a = strace_calls(d / "a" / facts["file"])
    b = strace_calls(d / "b" / facts["file"])
    if [command(l) for l in a] != facts["commands"] or [command(l) for l in b] != facts["commands"]:
        err(f"{pair}: bpf() command sequence differs from facts")
    if [result(l) for l in a] != [result(l) for l in b]:
        err(f"{pair}: return values differ")
    if facts.get("same_flags", True) is False:
        return  # different strace flags: lines are not comparable as text
    want = {c["index"]: c for c in facts["changed"]}
    for i, (x, y) in enumerate(zip(a, b)):
        c = want.get(i)
        if c is None:
            if x != y:
                err(f"{pair}: bpf() call #{i} differs but is not listed")
            continue
        for path in c["paths"]:
            va, vb = c["a"][path], c["b"][path]
            pa, pb = f"{path}={va}", f"{path}={vb}"  # a string is the printed text
            if pa not in x or pb not in y:
                err(f"{pair}: call #{i}: `{pa}` / `{pb}` not found")
            x, y = x.replace(pa, path + "=?"), y.replace(pb, path + "=?")
        if x != y:
            err(f"{pair}: call #{i} differs beyond {c['paths']}")


def main(argv: list[str]) -> int:
    root = Path(argv[1])
    n = 0
    for ff in sorted(root.glob("*/facts.json")):
        d, pair = ff.parent, ff.parent.name
        facts = json.loads(ff.read_text())
        for name, pf in facts.get("programs", {}).items():
            check_program(pair, d, name, pf)
        if "syscalls" in facts:
            check_syscalls(pair, d, facts["syscalls"])
        n += 1
    for e in errors:
        print(f"check_pairs.py: {e}", file=sys.stderr)
    if n == 0:
        print("check_pairs.py: no facts.json found", file=sys.stderr)
        return 1
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
