"""The lines of bpftool xlated dumps into typed records (spec: xlated.md sections 1 and 2).

``parse_dump_line`` maps one line onto a record (an ``Unparsed`` one when the grammar
rejects it); ``insn_line`` and ``insn_form`` read an instruction line in its common
spelling without the grammar once its text is known. Each instruction form is checked
against its encoding as it is made (``bpflogs.parse.insn_check``); the records of a dump
become programs in ``bpflogs.parse.programs``. What a parse reads once and reuses lives in
the ``XlatedCache`` it passes (a fresh one when none is given).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import lark
from lark import Token, v_args

from bpflogs.encoding import ALU_OPS, ATOMIC_OPS, GOTO_KINDS, JMP_CONDS, SIZE_BYTES, class_name
from bpflogs.model import insn as m
from bpflogs.model.capture import DumpRecord
from bpflogs.model.records import Unparsed
from bpflogs.parse.grammar import lalr_parser
from bpflogs.parse.insn_check import BUG_FLAG, check_form
from bpflogs.parse.tokens import expected_of, expected_tokens, quoted
from bpflogs.parse.xlated_cache import Build, XlatedCache

__all__ = [
    "INSN_LINE",
    "DumpRecord",
    "function_name",
    "grammar_record",
    "insn_form",
    "insn_line",
    "instruction",
    "parse_dump_line",
]

_LINUM = re.compile(r" \[file:([^\]]*) line_num:(\d+) line_col:(\d+)\]$")
_SUBPROG_SYMBOL = re.compile(r"bpf_prog_[0-9a-f]{16}_(.+)")


def _reg(tok: str) -> m.Reg:
    return m.Reg(int(tok[1:]), 64 if tok[0] == "r" else 32)


def _size(tok: str) -> int:
    return SIZE_BYTES[tok[1:]]


def _int(tok: str) -> int:
    return int(tok, 16) if tok.startswith("0x") else int(tok)


# Python prints ints of at most 4,300 decimal digits: a longer number is no bpftool output
_TOO_LONG = re.compile(r"[0-9a-fA-F]{3001}")


def _index(tok: str) -> tuple[int, str]:
    """The slot of an index token like ``"  12: "`` and the padding before it."""
    stripped = tok.lstrip()
    return int(stripped.rstrip()[:-1]), tok[: len(tok) - len(stripped)]


def function_name(signature: str) -> str:
    """The function a BTF signature names: ``int xdp_prog(struct xdp_md * ctx)`` -> ``xdp_prog``."""
    head = signature.split("(", 1)[0].rstrip()
    return re.split(r"[\s*]+", head)[-1]


def _operand(value: m.Reg | Token) -> dict[str, Any]:
    return {"src": value} if isinstance(value, m.Reg) else {"imm": _int(value)}


def _sized(tok: Token) -> dict[str, Any]:
    """The access width of a size token; ``signed`` too when it reads ``s8`` ... (the
    cross-check tells where no sign-extending form exists)."""
    return {"size": _size(tok), "signed": True} if tok.startswith("s") else {"size": _size(tok)}


@v_args(inline=True)
class _ToModel(lark.Transformer[Token, Any]):
    """Instruction forms into Instruction field dicts; lines into record builders."""

    # ------------------------------------------------------------ lines
    def start(self, line: Build) -> Build:
        return line

    def insn_line(self, index: Token, opcode: Token, fields: dict[str, Any]) -> Build:
        slot, _ = _index(index)
        code = int(opcode, 16)
        return _InsnBuild(code, fields, slot, len(index) + len("(cc) "))

    def bug_line(self, index: Token, bug: Token) -> Build:
        slot, _ = _index(index)
        code_text = bug.rsplit("_", 1)[-1]
        cls = None
        if re.fullmatch(r"[0-9a-f]{2}", code_text):
            cls = class_name(int(code_text, 16))
        form = m.InsnForm(opcode=None, op="bug", text=str(bug), cls=cls, flags=(BUG_FLAG,))
        insn = m.Instruction(slot, form)
        return lambda n, line: m.InsnLine(n, line, insn)

    def source_line(self, tok: Token) -> Build:
        text = str(tok)
        body = text.rstrip(" \t")
        trailing = text[len(body) :]
        indent = body[: len(body) - len(body.lstrip(" \t"))]
        body = body[len(indent) + 1 :]  # after ";"
        file = line_num = line_col = None
        # the suffix starts at the last " [file:", as the grammar's SOURCE_LINUM reads it
        # (the text before may hold a "[file:" of its own)
        start = body.rfind(" [file:") if tok.type == "SOURCE_LINUM" else -1
        linum = _LINUM.match(body, start) if start >= 0 else None
        if linum is not None:
            file, line_num, line_col = linum.group(1), int(linum.group(2)), int(linum.group(3))
            body = body[:start]
        separator = " " if body.startswith(" ") else ""
        source = body[len(separator) :]
        return lambda n, line: m.SourceLine(
            n, (n,), line, source, file, line_num, line_col, indent, separator, trailing
        )

    def func_header(self, tok: Token) -> Build:
        text = str(tok)
        body = text.rstrip(" \t")
        trailing = text[len(body) :]
        signature = body[:-1]
        name = function_name(signature)
        return lambda n, line: m.FunctionHeader(n, (n,), line, signature, name, trailing)

    def prog_header(self, index: Token, rest: Token) -> Build:
        ident, indent = _index(index)
        if indent:
            return lambda n, line: Unparsed(n, (n,), line, "a program header is never indented", 1)  # type: ignore[return-value]
        fields = str(rest).split("  ")
        kind = fields[0]
        name = tag = None
        for part in fields[1:]:
            key, _, value = part.partition(" ")
            if key == "name":
                name = value
            elif key == "tag":
                tag = value
        return lambda n, line: m.ProgramHeader(n, (n,), line, ident, kind, name, tag, str(rest))

    def opcodes_line(self, tok: Token) -> Build:
        text = str(tok)
        body = text.rstrip(" \t")
        trailing = text[len(body) :]
        indent = body[: len(body) - len(body.lstrip(" \t"))]
        data = bytes(int(b, 16) for b in body.split())
        return lambda n, line: m.OpcodeBytes(n, (n,), line, data, indent, trailing)

    # ------------------------------------------------------------ instruction forms
    def REG(self, tok: Token) -> m.Reg:  # Lark calls terminal callbacks by the terminal's name
        return _reg(tok)

    def alu(self, dst: m.Reg, op: Token, operand: Any) -> dict[str, Any]:
        sym = op.strip()
        name, _ = ALU_OPS[sym]
        return {"op": name, "dst": dst, "signed": sym.startswith("s"), **_operand(operand)}

    def alu_legacy(self, dst_tok: Token, op: Token, operand: Token) -> dict[str, Any]:
        # "(u32) r1 += (u32) r2": the 32-bit view printed with 64-bit names (kernels <= 5.0);
        # the fields are those of the modern spelling "w1 += w2"
        dst = m.Reg(int(dst_tok[len("(u32) r") :]), 32)
        value = operand[len("(u32) ") :]
        src = m.Reg(int(value[1:]), 32) if value.startswith("r") else None
        given: dict[str, Any] = {"imm": int(value)} if src is None else {"src": src}
        sym = op.strip()
        if sym == "endian":  # the 4.x verifier: le is K (its width printed), be X (src_reg printed)
            whole = m.Reg(dst.number, 64)  # what "r1 = le16 r1" says
            if src is None:
                return {"op": "le", "dst": whole, "src": whole, **given}
            return {"op": "be", "dst": whole, "src": whole, "echo": (m.Reg(src.number, 64),)}
        if sym == "neg":
            return {"op": "neg", "dst": dst, "src": dst, **({"echo": (src,)} if src else given)}
        if sym == "=":
            return {"op": "mov", "dst": dst, **given}
        name, _ = ALU_OPS[sym]
        return {"op": name, "dst": dst, "signed": sym.startswith("s"), **given}

    def mov(self, dst: m.Reg, operand: Any) -> dict[str, Any]:
        return {"op": "mov", "dst": dst, **_operand(operand)}

    def neg(self, dst: m.Reg, neg: Token) -> dict[str, Any]:
        return {"op": "neg", "dst": dst, "src": _reg(neg[1:])}

    def neg_legacy(self, dst: m.Reg, neg: Token) -> dict[str, Any]:
        # "r1 = (u32) -r1" (4.15-5.0): "w1 = -w1"
        return {"op": "neg", "dst": m.Reg(dst.number, 32), "src": m.Reg(int(neg[len("(u32) -r") :]), 32)}

    def neg_word(self, dst: m.Reg, operand: Any) -> dict[str, Any]:
        # "r1 neg 0" (the 4.x verifier printed the operand field; a negation has none)
        if isinstance(operand, m.Reg):
            return {"op": "neg", "dst": dst, "src": dst, "echo": (operand,)}
        return {"op": "neg", "dst": dst, "src": dst, "imm": _int(operand)}

    def movsx(self, dst: m.Reg, size: Token, src: m.Reg) -> dict[str, Any]:
        bits = int(size[1:])
        return {"op": "movsx", "dst": dst, "src": src, "size": bits // 8, "off": bits, "signed": True}

    def endian(self, dst: m.Reg, kind: Token, src: m.Reg) -> dict[str, Any]:
        match = re.fullmatch(r"(le|be|bswap)(\d+)", str(kind))
        assert match is not None
        return {"op": match.group(1), "dst": dst, "src": src, "imm": int(match.group(2))}

    def addr_space_cast(self, dst: m.Reg, src: m.Reg, to_as: Token, from_as: Token) -> dict[str, Any]:
        # the kernel prints imm >> 16 (signed) and imm & 0xffff
        spaces = (int(to_as), int(from_as))
        return {"op": "addr_space_cast", "dst": dst, "src": src, "off": 1,
                "imm": spaces[0] * 0x10000 + spaces[1], "echo": spaces}  # fmt: skip

    def percpu(self, dst: m.Reg, src: m.Reg) -> dict[str, Any]:
        return {"op": "percpu_addr", "dst": dst, "src": src, "off": -1}

    def mem(self, size: Token, base: m.Reg, off: Token) -> dict[str, Any]:
        return {"size": _size(size), "signed": size.startswith("s"), "base": base, "off": int(off)}

    def load(self, dst: m.Reg, mem: dict[str, Any]) -> dict[str, Any]:
        return {
            "op": "load",
            "dst": dst,
            "src": mem["base"],
            "size": mem["size"],
            "off": mem["off"],
            "signed": mem["signed"],
        }

    def store(self, mem: dict[str, Any], operand: Any) -> dict[str, Any]:
        return {
            "op": "store",
            "dst": mem["base"],
            "size": mem["size"],
            "off": mem["off"],
            "signed": mem["signed"],
            **_operand(operand),
        }

    def ld_abs(self, dst: m.Reg, size: Token, imm: Token) -> dict[str, Any]:
        return {"op": "ld_abs", "dst": dst, **_sized(size), "imm": int(imm)}

    def ld_ind(self, dst: m.Reg, size: Token, src: m.Reg, imm: Token) -> dict[str, Any]:
        return {"op": "ld_ind", "dst": dst, "src": src, **_sized(size), "imm": int(imm)}

    def atomic(self, mem: dict[str, Any], op: Token, src: m.Reg) -> dict[str, Any]:
        return {
            "op": ATOMIC_OPS[op.strip()],
            "dst": mem["base"],
            "src": src,
            "size": mem["size"],
            "off": mem["off"],
            "signed": mem["signed"],
        }

    def atomic_fetch(
        self, result: m.Reg, fn: Token, size: Token, base: m.Reg, off: Token, src: m.Reg
    ) -> dict[str, Any]:
        name, sixty_four = str(fn).split("_", 1)[1], str(fn).startswith("atomic64")  # "fetch_add", "xchg"
        return {"op": name, "dst": base, "src": src, **_sized(size), "off": int(off),
                "echo": (result, 8 if sixty_four else 4)}  # fmt: skip

    def cmpxchg(
        self, result: m.Reg, fn: Token, size: Token, base: m.Reg, off: Token, old: m.Reg, src: m.Reg
    ) -> dict[str, Any]:
        sixty_four = str(fn).startswith("atomic64")
        return {"op": "cmpxchg", "dst": base, "src": src, **_sized(size), "off": int(off),
                "echo": (result, old, 8 if sixty_four else 4)}  # fmt: skip

    def load_acquire(self, dst: m.Reg, size: Token, src: m.Reg, off: Token) -> dict[str, Any]:
        return {"op": "load_acquire", "dst": dst, "src": src, **_sized(size), "off": int(off)}

    def store_release(self, size: Token, dst: m.Reg, off: Token, src: m.Reg) -> dict[str, Any]:
        return {"op": "store_release", "dst": dst, "src": src, **_sized(size), "off": int(off)}

    def imm64(self, dst: m.Reg, value: Token) -> dict[str, Any]:
        return {"op": "ld_imm64", "dst": dst, "imm": int(value, 16)}

    def imm64_map(self, dst: m.Reg, ident: Token) -> dict[str, Any]:
        return {"op": "ld_imm64", "dst": dst, "map": m.MapRef(int(ident))}

    def imm64_map_value(self, dst: m.Reg, ident: Token, index: Token, off: Token) -> dict[str, Any]:
        return {"op": "ld_imm64", "dst": dst, "map": m.MapRef(int(ident), None, True, int(off), int(index))}

    def imm64_map_idx(self, dst: m.Reg, index: Token, off: Token) -> dict[str, Any]:
        return {"op": "ld_imm64", "dst": dst, "map": m.MapRef(None, int(index), True, int(off))}

    def imm64_subprog(self, dst: m.Reg, rel: Token) -> dict[str, Any]:
        return {"op": "ld_imm64", "dst": dst, "imm": int(rel), "rel": int(rel)}

    def jump(self, dst: m.Reg, cond: Token, operand: Any, pcrel: Token) -> dict[str, Any]:
        sym = cond.strip()
        name = JMP_CONDS[sym][0] if sym in JMP_CONDS else "unknown"
        return {
            "op": name,
            "dst": dst,
            "cond": sym,
            "signed": sym.startswith("s"),
            "off": int(pcrel[2:]),
            "rel": int(pcrel[2:]),
            **_operand(operand),
        }

    def goto(self, kind: Token, pcrel: Token) -> dict[str, Any]:
        op = GOTO_KINDS[kind.strip()]
        rel = int(pcrel[2:])
        return {"op": op, "rel": rel, **({"imm": rel} if op == "gotol" else {"off": rel})}

    def gotox(self, reg: m.Reg) -> dict[str, Any]:
        return {"op": "gotox", "dst": reg}

    def call_pc(self, pcrel: Token, symbol: Token | None = None) -> dict[str, Any]:
        rel = int(pcrel[2:])
        function = None
        if symbol is not None:
            match = _SUBPROG_SYMBOL.fullmatch(symbol)
            function = match.group(1) if match else None
        target = m.CallTarget(
            m.CallKind.SUBPROG,
            None if symbol is None else str(symbol),
            None if symbol is None else str(symbol),
            function,
        )
        return {"op": "call", "off": rel, "rel": rel, "call": target}

    def call_sym(self, symbol: Token, number: Token) -> dict[str, Any]:
        name = str(symbol)
        if name == "bpf_tail_call":
            kind = m.CallKind.TAIL_CALL
        elif name == "unknown" or name.startswith("0x"):
            kind = m.CallKind.UNKNOWN
        else:
            kind = m.CallKind.HELPER
        return {"op": "call", "imm": int(number), "call": m.CallTarget(kind, name, int(number))}

    def call_bare(self, symbol: Token) -> dict[str, Any]:
        name = str(symbol)
        kind = m.CallKind.UNKNOWN if name == "unknown" else m.CallKind.HELPER
        return {"op": "call", "call": m.CallTarget(kind, name)}

    def call_id(self, number: Token) -> dict[str, Any]:
        # "call 1": the 4.x verifier printed the helper id alone, which names the helper
        return {"op": "call", "imm": int(number), "call": m.CallTarget(m.CallKind.HELPER, str(number))}

    def exit(self, _tok: Token) -> dict[str, Any]:
        return {"op": "exit"}

    def nospec(self, _tok: Token) -> dict[str, Any]:
        return {"op": "nospec"}

    def class_only(self, tok: Token) -> dict[str, Any]:
        if tok == "BUG":  # class 6 by its pre-JMP32 name: the disassembler does not know it
            return {"op": "bug", "flags": (BUG_FLAG,)}
        return {"op": "unknown"}


@dataclass(frozen=True, slots=True)
class _InsnBuild:
    """An instruction line the grammar read: its opcode, fields and slot (the text is the
    line's, taken when the form is made)."""

    opcode: int
    fields: dict[str, Any]
    slot: int
    start: int  # where the text after "(cc) " starts

    def complete(self, line: str) -> m.InsnForm:
        """The checked form, with its text taken from ``line``."""
        code = self.opcode
        text = line[self.start :]
        return check_form(m.InsnForm(opcode=code, text=text, cls=class_name(code), **self.fields))

    def __call__(self, n: int, line: str) -> DumpRecord:
        return m.InsnLine(n, line, m.Instruction(self.slot, self.complete(line)))


@lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    return lalr_parser("xlated.lark", _ToModel())


# "  12: (bf) r1 = r6": the index, then the opcode and text that are looked up
INSN_LINE = re.compile(r"( *)(0|[1-9]\d{0,9}): (\([0-9a-f]{2}\) .*)")


def instruction(slot: int, disasm: str, cache: XlatedCache | None = None) -> m.Instruction | None:
    """The instruction of a JSON ``disasm`` text (``"(bf) r6 = r1"``) at ``slot``."""
    line = parse_dump_line(0, f"{slot}: {disasm}", cache)
    return line.insn if isinstance(line, m.InsnLine) else None


def insn_form(rest: str, cache: XlatedCache | None = None) -> m.InsnForm | None:
    """The checked form of an instruction text ``"(bf) r1 = r6"``; None when it is none.
    Each distinct text is read once per ``cache`` (a big program repeats its instructions)."""
    forms = (cache := XlatedCache() if cache is None else cache).forms
    form = forms.get(rest)
    if form is None:
        built = _builder(0, f"0: {rest}")
        if not isinstance(built, _InsnBuild):
            return None
        form = cache.keep(forms, rest, built.complete(f"0: {rest}"))
    return form


def insn_line(number: int, text: str, cache: XlatedCache | None = None) -> m.InsnLine | None:
    """The record of an instruction line in its common spelling (``"  12: (bf) r1 = r6"``);
    None for any other line (``parse_dump_line`` reads every kind)."""
    line = INSN_LINE.fullmatch(text)
    if line is None:
        return None
    rest = line.group(3)
    form = insn_form(rest, cache)
    return None if form is None else m.insn_line(number, text, int(line.group(2)), form)


def parse_dump_line(number: int, text: str, cache: XlatedCache | None = None) -> DumpRecord | Unparsed:
    """One line of a dump as its record; ``Unparsed`` when it is no dump line."""
    cache = XlatedCache() if cache is None else cache
    return insn_line(number, text, cache) or grammar_record(number, text, cache)


def grammar_record(number: int, text: str, cache: XlatedCache | None = None) -> DumpRecord | Unparsed:
    """The record of any dump line read by the grammar (``insn_line`` reads the common
    instruction lines without it); ``Unparsed`` when it is no dump line."""
    builders = (cache := XlatedCache() if cache is None else cache).builders
    known = builders.get(text)  # source lines and headers recur too (an unrolled loop)
    if known is not None:
        return known(number, text)
    built = _builder(number, text)
    if isinstance(built, Unparsed):
        return built
    if len(text) <= cache.line_limit:
        cache.keep(builders, text, built)
    return built(number, text)


def _builder(number: int, text: str) -> Build | Unparsed:
    """The grammar's builder for a line, or ``Unparsed`` saying why there is none."""
    if len(text) > 3000 and not text.lstrip().startswith(";") and _TOO_LONG.search(text):
        return Unparsed(number, (number,), text, "a number too long to read", 1)
    try:
        return cast(Build, _parser().parse(text))
    except ValueError:  # Python reads at most 4,300 decimal digits
        return Unparsed(number, (number,), text, "a number too long to read", 1)
    except lark.exceptions.UnexpectedInput as exc:
        cut = isinstance(exc, lark.exceptions.UnexpectedEOF) or (
            isinstance(exc, lark.exceptions.UnexpectedToken) and exc.token.type == "$END"
        )
        expected = expected_tokens("xlated.lark", _parser(), expected_of(exc))
        if cut:
            message = "dump line ends too early (cut short?)"
            return Unparsed(number, (number,), text, message, len(text) + 1, expected)
        column = getattr(exc, "column", 1) or 1
        rest = text[column - 1 :].strip()
        if column > 1 and text[: column - 1].strip() and rest:
            message = f"unexpected {quoted(rest[:20])} (a line cut short, or a form bpflogs does not know)"
        else:
            message = "not a line of a bpftool xlated dump"
        return Unparsed(number, (number,), text, message, column, expected)
