"""What an xlated parse remembers belongs to the parse: its ``ParseCache``, not the modules.

Also: the encoding tables of ``bpflogs.encoding`` are the ones the grammar spells, and the
xlated parse modules import one another in one direction only.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
import sys
from collections import deque
from pathlib import Path

import bpflogs
from bpflogs import encoding
from bpflogs.parse.cache import ParseCache
from bpflogs.parse.xlated import _parser
from bpflogs.parse.xlated_cache import XlatedCache

ROOT = Path(__file__).resolve().parents[1]

_DUMP = """\
int marker_func(struct xdp_md * ctx):
; int marker = 271828;
   0: (b7) r1 = 271828
       b7 01 00 00 d4 25 04 00
   1: (bf) r0 = r1
       bf 10 00 00 00 00 00 00
   2: (07) r0 += 314159
       07 00 00 00 2f cb 04 00
   3: (95) exit
       95 00 00 00 00 00 00 00
"""
_MARKERS = ("271828", "314159")


def _holders(marker: str) -> list[str]:
    """Where a module-level object of bpflogs holds a string containing ``marker``: the
    modules' globals walked through containers and dataclass instances."""
    found: list[str] = []
    seen: set[int] = set()
    for name, module in list(sys.modules.items()):
        if not (name == "bpflogs" or name.startswith("bpflogs.")):
            continue
        todo: deque[tuple[str, object]] = deque(
            (f"{name}.{attr}", value) for attr, value in vars(module).items()
        )
        while todo:
            where, value = todo.popleft()
            if isinstance(value, str):
                if marker in value:
                    found.append(where)
                continue
            if id(value) in seen:
                continue
            seen.add(id(value))
            if isinstance(value, dict):
                todo.extend((f"{where}[key]", k) for k in value)
                todo.extend((f"{where}[{k!r:.40}]", v) for k, v in value.items())
            elif isinstance(value, (list, tuple, set, frozenset, deque)):
                todo.extend((f"{where}[]", v) for v in value)
            elif dataclasses.is_dataclass(value) and not isinstance(value, type):
                todo.extend((f"{where}.{f.name}", getattr(value, f.name)) for f in dataclasses.fields(value))
    return found


def test_no_module_level_table_keeps_a_dump_after_its_parse() -> None:
    capture = bpflogs.parse_text(_DUMP)
    insns = capture.programs[0].instructions
    assert insns[0].text == "r1 = 271828" and not any(i.flags for i in insns)  # read, bytes and all
    del capture
    for marker in _MARKERS:
        assert _holders(marker) == [], f"{marker!r} kept after the parse returned"


def test_a_shared_parse_cache_is_reused_by_the_next_parse() -> None:
    cache = ParseCache()
    first = bpflogs.parse_text(_DUMP, cache=cache)
    second = bpflogs.parse_text(_DUMP.replace("marker_func", "other_func"), cache=cache)
    assert "(b7) r1 = 271828" in cache.xlated.forms
    assert (0xB7, bytes.fromhex("b7010000d4250400")) in {(k[0], k[2]) for k in cache.xlated.with_bytes}
    a, b = first.programs[0].instructions, second.programs[0].instructions
    assert len(a) == len(b) == 4
    assert all(x.form is y.form for x, y in zip(a, b, strict=True))  # checked once, shared
    # without a shared cache each parse reads for itself: equal forms, not the same objects
    alone = bpflogs.parse_text(_DUMP).programs[0].instructions
    assert [x.form for x in alone] == [x.form for x in a]
    assert not any(x.form is y.form for x, y in zip(alone, a, strict=True))


def test_a_bounded_cache_reads_the_same_as_an_unbounded_one() -> None:
    small = ParseCache(xlated=XlatedCache(limit=2))
    bounded = bpflogs.parse_text(_DUMP, cache=small)
    assert bounded.programs == bpflogs.parse_text(_DUMP).programs
    tables = (small.xlated.forms, small.xlated.builders, small.xlated.with_bytes)
    assert all(0 < len(table) <= 2 for table in tables)


def test_json_dumps_read_their_texts_into_the_parse_cache() -> None:
    fields = {"code": "0xb7", "src_reg": "0x0", "dst_reg": "0x1", "off": ["0x00", "0x00"],
              "imm": ["0xd4", "0x25", "0x04", "0x00"]}  # fmt: skip
    doc = [{"disasm": "(b7) r1 = 271828", "opcodes": fields}, {"disasm": "(95) exit"}]
    cache = ParseCache()
    capture = bpflogs.parse_text(json.dumps(doc), cache=cache)
    assert [i.op for i in capture.programs[0].instructions] == ["mov", "exit"]
    assert capture.programs[0].instructions[0].flags == ()  # the bytes agree with the text
    assert {"(b7) r1 = 271828", "(95) exit"} <= set(cache.xlated.forms)
    del capture
    assert _holders("271828") == []


# ---------------------------------------------------------------- the encoding and the grammar


def _alternatives(terminal: str) -> set[str]:
    """The spellings a grammar terminal ``' (a|b|c) '`` accepts, without the spaces."""
    pattern = next(t.pattern.value for t in _parser().terminals if t.name == terminal)
    body = re.fullmatch(r" \((.*)\)(=?) ", pattern)
    assert body is not None, pattern
    return {re.sub(r"\\(.)", r"\1", alt) + body.group(2) for alt in re.split(r"(?<!\\)\|", body.group(1))}


def test_the_encoding_names_every_operator_the_grammar_spells() -> None:
    assert _alternatives("ALU_OP") == set(encoding.ALU_OPS)
    assert _alternatives("ATOMIC_OP") == set(encoding.ATOMIC_OPS)
    # "(null)" and "jmp": how bpftool prints a jump it cannot name (read as op "unknown")
    assert _alternatives("JMP_COND") - {"(null)", "jmp"} == set(encoding.JMP_CONDS)
    goto = next(t.pattern.value for t in _parser().terminals if t.name == "GOTO_KIND")
    assert all(re.fullmatch(goto, f"{kind} ") for kind in encoding.GOTO_KINDS)
    assert not re.fullmatch(goto, "gotox ")  # "gotox rN" has a rule of its own
    sizes = next(t.pattern.value for t in _parser().terminals if t.name == "SIZE")
    spelled = {bits for bits in ("8", "16", "32", "64", "128") if re.fullmatch(sizes, f"u{bits}")}
    assert spelled == set(encoding.SIZE_BYTES)
    fetch = next(t.pattern.value for t in _parser().terminals if t.name == "ATOMIC_FN")
    fetches = {op for op in encoding.ATOMIC_IMM if op.startswith(("fetch_", "xchg"))}
    assert fetches and all(re.fullmatch(fetch, f"atomic64_{op}") for op in fetches)


def test_each_op_the_encoding_names_has_its_opcode() -> None:
    for name in encoding.ALU_NAMES:
        assert encoding.expected_opcode(name, width=64, reg_src=True) == 0x0F | encoding.ALU_OP_BITS[name]
    for name in encoding.JUMP_NAMES:
        assert encoding.expected_opcode(name, width=32) == 0x06 | encoding.JMP_BITS[name]
    for op in encoding.ATOMIC_IMM:
        assert encoding.expected_opcode(op, size=8) == 0xDB
    assert {encoding.class_name(code) for code in range(8)} == set(encoding.CLASSES)
    raw = encoding.decode(bytes.fromhex("18 01 00 00 01 00 00 00 00 00 00 00 02 00 00 00"))
    assert raw == encoding.Raw(0x18, 1, 0, 0, 1, (2 << 32) | 1, head2=0)
    assert encoding.decode(b"\x95" * 9) is None


def test_the_op_names_are_the_kernels_names_strace_prints() -> None:
    """The xlated op names and the names strace decodes a code with are one table's."""
    for name, bits in encoding.ALU_OP_BITS.items():
        assert encoding.ALU_OP_NAMES[bits] == f"BPF_{name.upper()}"
    for name, bits in encoding.JMP_BITS.items():
        assert encoding.JMP_OP_NAMES[bits] == f"BPF_{name.upper()}"
    for op in ("ja", "call", "exit"):
        code = encoding.expected_opcode(op)
        assert code is not None and encoding.JMP_OP_NAMES[code & 0xF0] == f"BPF_{op.upper()}"
    assert [encoding.CLASS_NAMES[k] for k in range(8)] == [f"BPF_{c.upper()}" for c in encoding.CLASSES]
    assert set(encoding.SIZE_NAMES) == set(encoding.SIZE_BITS.values())


# ---------------------------------------------------------------- one direction of imports

_ORDER = (
    "bpflogs/encoding.py",
    "bpflogs/parse/xlated_cache.py",
    "bpflogs/parse/insn_check.py",
    "bpflogs/parse/xlated.py",
    "bpflogs/parse/programs.py",
    "bpflogs/parse/xlated_json.py",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return out


def test_the_xlated_modules_import_only_from_below() -> None:
    modules = [p.removesuffix(".py").replace("/", ".") for p in _ORDER]
    assert not {i for i in _imports(ROOT / _ORDER[0]) if i.startswith("bpflogs")}  # the bottom
    for k, path in enumerate(_ORDER):
        above = set(modules[k + 1 :])
        assert not (_imports(ROOT / path) & above), f"{path} imports from above it"
    for path in _ORDER:  # parsing, checking, assembling: none reaches the layers above parse
        assert not {i for i in _imports(ROOT / path) if i.startswith(("bpflogs.compare", "bpflogs.render",
                                                                       "bpflogs.api"))}  # fmt: skip
