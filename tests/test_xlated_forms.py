"""Every instruction form of grammars/xlated.lark, read true and checked against its encoding.

The forms are enumerated from the Lark grammar itself: each alternative of each rule under
``insn`` (with the inlined ``operand`` alternatives spelled out), so a form added to the
grammar without a sample here fails ``test_every_grammar_form_has_a_sample``. Each sample
is a real line (corpus/xlated, shared/samples/xlated) with its real bytes, or a hand-made
one whose bytes are encoded here from the BPF instruction layout, independently of
``bpflogs.encoding``. A sample parses without flags, in plain and in ``opcodes`` mode; each
single-field change of its text that contradicts the opcode byte or the bytes (another
register, the other register view, another operator, size or number, a repeated register
that is not the one it repeats) is flagged, or is no line bpflogs reads at all.
"""

from __future__ import annotations

import itertools
import re
import struct
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache

import lark
import pytest
from paths import CORPUS

import bpflogs
from bpflogs import Unparsed
from bpflogs.model.insn import InsnLine
from bpflogs.parse.grammar import grammar_text
from bpflogs.validate import validate

Shape = tuple[str, tuple[str, ...]]


def enc(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0, imm_hi: int | None = None) -> str:
    """The bytes of one instruction (two slots when ``imm_hi`` is given), as an opcodes line shows them."""
    data = struct.pack("<BBhi", code, (src << 4) | dst, off, imm)
    if imm_hi is not None:
        data += struct.pack("<BBhi", 0, 0, 0, imm_hi)
    return " ".join(f"{b:02x}" for b in data)


# (instruction text after the index, its bytes); real ones first, from the file named
SAMPLES: list[tuple[str, str]] = [
    # corpus/xlated/big_unroll.big_unroll.opcodes.txt.gz
    ("(07) r2 += -4", "07 02 00 00 fc ff ff ff"),
    ("(0f) r0 += r1", "0f 10 00 00 00 00 00 00"),
    ("(85) call array_map_update_elem#359280", "85 00 00 00 70 7b 05 00"),
    ("(95) exit", "95 00 00 00 00 00 00 00"),
    ("(05) goto pc+1", "05 00 01 00 00 00 00 00"),
    ("(18) r3 = 0xf8000000", "18 03 00 00 00 00 00 f8 00 00 00 00 00 00 00 00"),
    ("(18) r1 = map[id:1130]", "18 11 00 00 6a 04 00 00 00 00 00 00 00 00 00 00"),
    ("(35) if r0 >= 0x1 goto pc+3", "35 00 03 00 01 00 00 00"),
    ("(6d) if r2 s> r4 goto pc+1", "6d 42 01 00 00 00 00 00"),
    ("(61) r8 = *(u32 *)(r1 +148)", "61 18 94 00 00 00 00 00"),
    ("(63) *(u32 *)(r10 -4) = r6", "63 6a fc ff 00 00 00 00"),
    ("(b7) r6 = 0", "b7 06 00 00 00 00 00 00"),
    ("(bf) r2 = r10", "bf a2 00 00 00 00 00 00"),
    # corpus/xlated/cpu_v4.cpu_v4.opcodes.txt
    ("(c3) lock *(u32 *)(r0 +16) += r2", "c3 20 10 00 00 00 00 00"),
    ("(c3) r2 = atomic_fetch_add((u32 *)(r0 +16), r2)", "c3 20 10 00 01 00 00 00"),
    ("(c3) r0 = atomic_cmpxchg((u32 *)(r3 +16), r0, r5)", "c3 53 10 00 f1 00 00 00"),
    ("(87) r6 = -r6", "87 06 00 00 00 00 00 00"),
    ("(62) *(u32 *)(r10 -4) = 0", "62 0a fc ff 00 00 00 00"),
    # corpus/xlated/cgroup_skb.cg_egress.opcodes.txt, xdp_stats.xdp_stats.opcodes.txt
    ("(85) call pc+2#bpf_prog_29a333538e466fa1_account", "85 10 02 00 01 00 00 00"),
    ("(dc) r1 = be16 r1", "dc 01 00 00 10 00 00 00"),
    # corpus/xlated/tc_classify.tc_classify.opcodes.txt
    ("(18) r2 = map[id:1099][0]+0", "18 22 00 00 4b 04 00 00 00 00 00 00 00 00 00 00"),
    # shared/samples/xlated: calls.opcodes-linum, v4.opcodes and maps.opcodes (bpftool 7.8)
    ("(18) r2 = subprog[+46]", "18 42 00 00 2e 00 00 00 00 00 00 00 01 00 00 00"),
    ("(db) r0 = load_acquire((u64 *)(r1 +0))", "db 10 00 00 00 01 00 00"),
    ("(db) store_release((u64 *)(r1 +0), r2)", "db 21 00 00 10 01 00 00"),
    ("(bc) w4 = (s16)w3", "bc 34 10 00 00 00 00 00"),
    ("(bf) r0 = &(void __percpu *)(r0)", "bf 00 ff ff 00 00 00 00"),
    # texts of xlated.md section 2 (real captures and kernel disassembler forms), bytes encoded here
    ("(0c) w0 += w2", enc(0x0C, 0, 2)),
    ("(c4) w0 s>>= 1", enc(0xC4, 0, imm=1)),
    ("(3f) r2 s/= r1", enc(0x3F, 2, 1, off=1)),
    ("(9f) r6 s%= r1", enc(0x9F, 6, 1, off=1)),
    ("(b4) w0 = -7", enc(0xB4, 0, imm=-7)),
    ("(84) w0 = -w0", enc(0x84, 0)),
    ("(bf) r0 = (s8)r2", enc(0xBF, 0, 2, off=8)),
    ("(d4) r3 = le64 r3", enc(0xD4, 3, imm=64)),
    ("(d7) r1 = bswap64 r1", enc(0xD7, 1, imm=64)),
    ("(bf) r1 = addr_space_cast(r0, 0, 1)", enc(0xBF, 1, 0, off=1, imm=1)),
    ("(91) r5 = *(s8 *)(r0 +0)", enc(0x91, 5, 0)),
    ("(7a) *(u64 *)(r10 -24) = 65535", enc(0x7A, 10, off=-24, imm=65535)),
    ("(c2) nospec", enc(0xC2)),
    ("(28) r0 = *(u16 *)skb[12]", enc(0x28, imm=12)),
    ("(50) r0 = *(u8 *)skb[r8 + 0]", enc(0x50, 0, 8)),
    ("(db) lock *(u64 *)(r1 +0) |= r3", enc(0xDB, 1, 3, imm=0x40)),
    ("(db) r3 = atomic64_xchg((u64 *)(r1 +0), r3)", enc(0xDB, 1, 3, imm=0xE1)),
    ("(db) r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r3)", enc(0xDB, 1, 3, imm=0xF1)),
    ("(18) r1 = map[idx:2]+8", enc(0x18, 1, 6, imm=2, imm_hi=8)),
    ("(1e) if w7 == w2 goto pc+1", enc(0x1E, 7, 2, off=1)),
    ("(c6) if w3 s< 0xfffffffd goto pc+1", enc(0xC6, 3, off=1, imm=-3)),
    ("(06) gotol pc+0", enc(0x06)),
    ("(e5) may_goto pc+1", enc(0xE5, off=1)),
    ("(0d) gotox r1", enc(0x0D, 1)),
    ("(85) call pc+30", enc(0x85, 0, 1, off=30, imm=1)),
    ("(85) call bpf_get_smp_processor_id", enc(0x85, imm=8)),  # selftests' text: no "#N"
    ("(07) alu64", enc(0x07)),  # the disassembler's last resort: the class name
    # before 5.1 (kernel/bpf/disasm.c 4.15-5.0, crash's "bpf -t"): the 32-bit view as "(u32) rN"
    ("(b4) (u32) r8 = (u32) 0", enc(0xB4, 8)),
    ("(bc) (u32) r1 = (u32) r2", enc(0xBC, 1, 2)),
    ("(04) (u32) r1 += (u32) 5", enc(0x04, 1, imm=5)),
    ("(cc) (u32) r2 s>>= (u32) r3", enc(0xCC, 2, 3)),
    ("(84) r1 = (u32) -r1", enc(0x84, 1)),
    # the 4.x verifier (<= 4.14): every ALU op through one format, "neg" and "endian" too
    ("(84) (u32) r1 neg (u32) 0", enc(0x84, 1)),
    ("(87) r1 neg 0", enc(0x87, 1)),
    ("(8f) r1 neg r2", enc(0x8F, 1, 2)),  # a source bit set (rejected, but printed so)
    ("(d4) (u32) r3 endian (u32) 16", enc(0xD4, 3, imm=16)),
    ("(dc) (u32) r6 endian (u32) r0", enc(0xDC, 6, imm=32)),  # be: the width is not printed
    ("(85) call 1", enc(0x85, imm=1)),  # <= 4.10: the helper id alone
]


# ---------------------------------------------------------------------------------- the grammar's forms


@lru_cache(maxsize=1)
def _tree_parser() -> lark.Lark:
    return lark.Lark(grammar_text("xlated.lark"), parser="lalr", lexer="contextual", keep_all_tokens=True)


def grammar_forms() -> set[Shape]:
    """Every instruction form the grammar has: (rule or alias, the symbols it matches)."""
    by_origin: dict[str, list[lark.grammar.Rule]] = defaultdict(list)
    for rule in _tree_parser().rules:
        by_origin[rule.origin.name].append(rule)
    inline = {name for name, rules in by_origin.items() if all(r.options.expand1 for r in rules)}
    forms: set[Shape] = set()
    seen: set[str] = set()

    def walk(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for rule in by_origin[name]:
            if name in inline and rule.alias is None and not rule.expansion[0].is_term:
                walk(rule.expansion[0].name)  # "?insn: alu | ...": the alternative is a form of its own
                continue
            choices: list[list[str]] = []
            for sym in rule.expansion:
                if sym.is_term:
                    choices.append([sym.name])
                elif sym.name in inline:  # "?operand: REG | INT": each is another form
                    choices.append([alt.expansion[0].name for alt in by_origin[sym.name]])
                    for alt in by_origin[sym.name]:
                        if not alt.expansion[0].is_term:
                            walk(alt.expansion[0].name)
                else:
                    choices.append([sym.name])
                    walk(sym.name)
            forms.update((rule.alias or name, combo) for combo in itertools.product(*choices))

    walk("insn")
    return forms


def sample_forms(text: str) -> set[Shape]:
    tree = _tree_parser().parse(f"0: {text}")
    return {
        (str(t.data), tuple(c.type if isinstance(c, lark.Token) else str(c.data) for c in t.children))
        for t in tree.iter_subtrees()
        if t.data not in ("start", "insn_line")
    }


def test_the_walk_finds_the_grammar_forms() -> None:
    forms = grammar_forms()
    assert ("alu", ("REG", "ALU_OP", "INT")) in forms and ("alu", ("REG", "ALU_OP", "REG")) in forms
    assert {name for name, _ in forms} >= {"call_pc", "call_sym", "imm64_map", "exit", "alu_legacy"}
    assert len(forms) >= 40


def test_every_grammar_form_has_a_sample() -> None:
    covered = set().union(*(sample_forms(text) for text, _ in SAMPLES))
    missing = grammar_forms() - covered
    assert not missing, f"grammar forms without a sample in SAMPLES: {sorted(missing)}"


# ---------------------------------------------------------------------------------- samples read true


def _flags(text: str, data: str | None) -> tuple[str, ...] | None:
    """The flags of instruction line ``text`` (with an opcodes line of ``data``); None when
    the line is no instruction bpflogs reads."""
    dump = f"   0: {text}\n" + (f"       {data}\n" if data is not None else "")
    capture = bpflogs.parse_text(dump)
    record = capture.records[0]
    if isinstance(record, Unparsed):
        return None
    assert isinstance(record, InsnLine)
    if data is not None:
        assert record.insn.raw == bytes.fromhex(data.replace(" ", ""))
    assert [r.render() for r in capture.records] == dump.splitlines()
    return record.insn.flags


@pytest.mark.parametrize("text,data", SAMPLES, ids=[t for t, _ in SAMPLES])
def test_sample_reads_without_flags(text: str, data: str) -> None:
    assert _flags(text, None) == ()
    assert _flags(text, data) == ()


# ---------------------------------------------------------------------------------- single-field mutations

_REG = re.compile(r"(?<![\w$.])([rw])(\d+)(?!\w)")
_NUM = re.compile(r"(?<![\w$.])([+-]?)(0x[0-9a-f]+|\d+)(?![\w])")
_OPS = {
    "+=": "-=", "-=": "+=", "*=": "/=", "/=": "s/=", "s/=": "s%=", "s%=": "%=", "%=": "^=", "^=": "|=",
    "|=": "&=", "&=": "<<=", "<<=": ">>=", ">>=": "s>>=", "s>>=": "+=", "=": "+=",
    "==": "!=", "!=": "==", ">": ">=", ">=": "<", "<": "<=", "<=": "s>", "s>": "s>=", "s>=": "s<",
    "s<": "s<=", "s<=": "&", "&": "==", "neg": "endian", "endian": "neg",
}  # fmt: skip
_WORDS = {
    "be16": "le16", "le64": "be64", "bswap64": "le64", "goto": "gotol", "gotol": "goto", "may_goto": "goto",
    "atomic_": "atomic64_", "atomic64_": "atomic_", "fetch_add": "fetch_or", "xchg": "fetch_xor",
    "u8": "u16", "u16": "u8", "u32": "u16", "u64": "u32", "s8": "s16", "s16": "s8",
}  # fmt: skip
_WORD = re.compile(
    r"(?<![\w$])(" + "|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True)) + r")(?:(?<=_)|(?!\w))"
)
# what a text prints that no field of the encoding holds: a call's symbol
_SYMBOL = re.compile(r"call (?!pc[+-])[^#]+")


def mutations(text: str) -> Iterator[tuple[str, str, bool]]:
    """Single-field changes of an instruction text: (kind, new text, whether the opcode byte
    alone contradicts it)."""
    head, body = text[:5], text[5:]  # "(cc) "
    for match in _REG.finditer(body):
        n = int(match.group(2))
        other = n + 1 if n < 10 else n - 1
        start, end = match.span(2)
        yield "register", head + body[:start] + str(other) + body[end:], False
        letter = "w" if match.group(1) == "r" else "r"
        yield "view", head + body[: match.start(1)] + letter + body[match.end(1) :], True
    symbol = _SYMBOL.match(body)  # "call 0x50c70#330864": the address names, no field holds it
    for match in _NUM.finditer(body):
        if symbol is not None and match.start() < symbol.end():
            continue
        digits = match.group(2)
        value = int(digits, 16) + 1 if digits.startswith("0x") else int(digits) + 1
        new = hex(value) if digits.startswith("0x") else str(value)
        yield "number", head + body[: match.start(2)] + new + body[match.end(2) :], False
        if match.group(1) and value != 1:  # "-8" -> "+8" (a zero is one whatever its sign)
            sign = "+" if match.group(1) == "-" else "-"
            yield "sign", head + body[: match.start(1)] + sign + body[match.end(1) :], False
    for match in re.finditer(r"pc([+-])([1-9]\d*)", body):  # "goto pc+1" -> "goto pc-1"
        sign = "+" if match.group(1) == "-" else "-"
        yield "sign", head + body[: match.start(1)] + sign + body[match.end(1) :], False
    for match in re.finditer(r"(?<= )(\S+)(?= )", body):
        op = match.group(1)
        if op in _OPS:
            # a signed division and an atomic op are told by off and imm: only bytes tell
            plain = not body.startswith("lock ") and {op, _OPS[op]} not in ({"/=", "s/="}, {"%=", "s%="})
            yield "operator", head + body[: match.start()] + _OPS[op] + body[match.end() :], plain
    for match in _WORD.finditer(body):
        word = match.group(1)
        # fetch_add/xchg are told by the immediate, a movsx width by the offset: only bytes tell
        plain = word[0] not in "xfs" or "*(s" in body
        yield "word", head + body[: match.start()] + _WORDS[word] + body[match.end() :], plain


CASES = [(text, data, kind, new, plain) for text, data in SAMPLES for kind, new, plain in mutations(text)]


@pytest.mark.parametrize("text,data,kind,new,plain", CASES, ids=[f"{t} -> {n}" for t, _, _, n, _ in CASES])
def test_mutation_is_flagged(text: str, data: str, kind: str, new: str, plain: bool) -> None:
    with_bytes = _flags(new, data)
    assert with_bytes is None or any(f.startswith("text-contradicts-opcode") for f in with_bytes), (
        f"{kind} change not flagged against the bytes {data}: {with_bytes}"
    )
    if plain:
        alone = _flags(new, None)
        assert alone is None or any(f.startswith("text-contradicts-opcode") for f in alone), (
            f"{kind} change not flagged against the opcode byte: {alone}"
        )


@pytest.mark.parametrize(
    "text",
    [
        "(dc) r1 = be16 r2",
        "(dc) r2 = be16 r1",
        "(d4) r3 = le64 r4",
        "(d7) r1 = bswap64 r0",
        "(87) r6 = -r7",
        "(84) w0 = -w1",
        "(84) r1 = (u32) -r2",
        "(c3) r3 = atomic_fetch_add((u32 *)(r0 +16), r2)",
        "(db) r3 = atomic64_xchg((u64 *)(r1 +0), r4)",
        "(c3) r1 = atomic_cmpxchg((u32 *)(r3 +16), r0, r5)",
        "(c3) r0 = atomic_cmpxchg((u32 *)(r3 +16), r1, r5)",
        "(28) r1 = *(u16 *)skb[12]",
        "(50) r2 = *(u8 *)skb[r8 + 0]",
    ],
)
def test_a_repeated_or_fixed_register_that_differs_is_flagged_without_bytes(text: str) -> None:
    flags = _flags(text, None)
    assert flags is not None and any(f.startswith("text-contradicts-opcode") for f in flags), text


def test_the_source_register_dropped_from_a_byte_swap_is_flagged() -> None:
    # the reproducer: "r1 = be16 r2" was accepted with no flag
    flags = _flags("(dc) r1 = be16 r2", None)
    assert flags is not None
    assert [f for f in flags if "repeats" in f] == [
        "text-contradicts-opcode: r2: the text repeats a register the encoding has once, r1"
    ]
    assert _flags("(dc) r1 = be16 r2", "dc 01 00 00 10 00 00 00") == flags


def test_validate_points_at_the_register_a_byte_swap_repeats_wrongly() -> None:
    path = CORPUS / "xlated" / "xdp_stats.xdp_stats.plain.txt"
    lines = path.read_text().splitlines()
    n = next(i for i, t in enumerate(lines) if t.endswith("(dc) r1 = be16 r1"))
    lines[n] = lines[n][: -len("r1")] + "r2"  # the source register dropped
    result = validate(bpflogs.parse_text("\n".join(lines) + "\n", name="broken.txt"))
    (diag,) = [d for d in result.diagnostics if d.check == "opcode-mismatch"]
    assert (diag.line, diag.column, diag.width) == (n + 1, len(lines[n]) - 1, 2)
    assert "r2: the text repeats a register the encoding has once, r1" in diag.message
