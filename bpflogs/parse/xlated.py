"""bpftool xlated dumps into typed instructions and programs.

``parse_dump_line`` maps one line onto a record (an ``Unparsed`` one when the
grammar rejects it); ``assemble`` groups a dump's records into ``Program``s:
opcode bytes join the instruction above them, jump and call targets become
absolute slots, functions are cut at their BTF headers (or, without BTF, at
pseudo-call targets), and every instruction is cross-checked against its
opcode byte and, when present, its raw bytes.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import lark
from lark import Token, v_args

from bpflogs import opcodes
from bpflogs.model import insn as m
from bpflogs.model.capture import DumpRecord
from bpflogs.model.records import Unparsed
from bpflogs.parse.grammar import lalr_parser
from bpflogs.parse.tokens import expected_of, expected_tokens, quoted

__all__ = [
    "DumpReader",
    "DumpRecord",
    "check",
    "check_form",
    "function_name",
    "insn_form",
    "insn_line",
    "instruction",
    "parse_dump_line",
    "split_functions",
    "traits",
]

_Build = Callable[[int, str], DumpRecord]

_LINUM = re.compile(r" \[file:([^\]]*) line_num:(\d+) line_col:(\d+)\]$")
_SIZES = {"8": 1, "16": 2, "32": 4, "64": 8}
_SUBPROG_SYMBOL = re.compile(r"bpf_prog_[0-9a-f]{16}_(.+)")


def _reg(tok: str) -> m.Reg:
    return m.Reg(int(tok[1:]), 64 if tok[0] == "r" else 32)


def _size(tok: str) -> int:
    return _SIZES[tok[1:]]


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


_BUG_FLAG = "bug-line: this bpftool's disassembler does not know the instruction (dump with a newer bpftool)"


@v_args(inline=True)
class _ToModel(lark.Transformer[Token, Any]):
    """Instruction forms into Instruction field dicts; lines into record builders."""

    # ------------------------------------------------------------ lines
    def start(self, line: _Build) -> _Build:
        return line

    def insn_line(self, index: Token, opcode: Token, fields: dict[str, Any]) -> _Build:
        slot, _ = _index(index)
        code = int(opcode, 16)
        return _InsnBuild(code, fields, slot, len(index) + len("(cc) "))

    def bug_line(self, index: Token, bug: Token) -> _Build:
        slot, _ = _index(index)
        code_text = bug.rsplit("_", 1)[-1]
        cls = None
        if re.fullmatch(r"[0-9a-f]{2}", code_text):
            cls = opcodes.class_name(int(code_text, 16))
        form = m.InsnForm(opcode=None, op="bug", text=str(bug), cls=cls, flags=(_BUG_FLAG,))
        insn = m.Instruction(slot, form)
        return lambda n, line: m.InsnLine(n, line, insn)

    def source_line(self, tok: Token) -> _Build:
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

    def func_header(self, tok: Token) -> _Build:
        text = str(tok)
        body = text.rstrip(" \t")
        trailing = text[len(body) :]
        signature = body[:-1]
        name = function_name(signature)
        return lambda n, line: m.FunctionHeader(n, (n,), line, signature, name, trailing)

    def prog_header(self, index: Token, rest: Token) -> _Build:
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

    def opcodes_line(self, tok: Token) -> _Build:
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
        name, _ = opcodes.ALU_OPS[sym]
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
        name, _ = opcodes.ALU_OPS[sym]
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
        name = {"+=": "add", "|=": "or", "&=": "and", "^=": "xor"}[op.strip()]
        return {
            "op": f"atomic_{name}",
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
        name = opcodes.JMP_CONDS[sym][0] if sym in opcodes.JMP_CONDS else "unknown"
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
        op = {"goto": "ja", "gotol": "gotol", "may_goto": "may_goto"}[kind.strip()]
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
            return {"op": "bug", "flags": (_BUG_FLAG,)}
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
        return check_form(m.InsnForm(opcode=code, text=text, cls=opcodes.class_name(code), **self.fields))

    def __call__(self, n: int, line: str) -> DumpRecord:
        return m.InsnLine(n, line, m.Instruction(self.slot, self.complete(line)))


@lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    return lalr_parser("xlated.lark", _ToModel())


# "  12: (bf) r1 = r6": the index, then the opcode and text that are looked up
_INSN_LINE = re.compile(r"( *)(0|[1-9]\d{0,9}): (\([0-9a-f]{2}\) .*)")
_FORMS: dict[str, m.InsnForm] = {}  # instruction text -> its checked form
_BUILDERS: dict[str, _Build] = {}
# (opcode, text, bytes) -> the form checked with its bytes: an unrolled loop repeats them
_WITH_BYTES: dict[tuple[int | None, str, bytes], m.InsnForm] = {}
_FORMS_LIMIT = 1 << 16


def with_bytes(form: m.InsnForm, data: bytes) -> m.InsnForm:
    """``form`` (one read from a dump line, without bytes) with its raw bytes ``data``,
    checked against them (the opcode and text determine the rest of such a form)."""
    key = (form.opcode, form.text, data)
    checked = _WITH_BYTES.get(key)
    if checked is None:
        checked = check_form(dataclasses.replace(form, raw=data))
        if len(_WITH_BYTES) >= _FORMS_LIMIT:
            _WITH_BYTES.clear()
        _WITH_BYTES[key] = checked
    return checked


def instruction(slot: int, disasm: str) -> m.Instruction | None:
    """The instruction of a JSON ``disasm`` text (``"(bf) r6 = r1"``) at ``slot``."""
    record = parse_dump_line(0, f"{slot}: {disasm}")
    return record.insn if isinstance(record, m.InsnLine) else None


def insn_form(rest: str) -> m.InsnForm | None:
    """The checked form of an instruction text ``"(bf) r1 = r6"``; None when it is none.
    Each distinct text is read once (a big program repeats its instructions)."""
    form = _FORMS.get(rest)
    if form is None:
        built = _builder(0, f"0: {rest}")
        if not isinstance(built, _InsnBuild):
            return None
        form = built.complete(f"0: {rest}")
        if len(_FORMS) >= _FORMS_LIMIT:
            _FORMS.clear()
        _FORMS[rest] = form
    return form


def insn_line(number: int, text: str) -> m.InsnLine | None:
    """The record of an instruction line in its common spelling (``"  12: (bf) r1 = r6"``);
    None for any other line (``parse_dump_line`` reads every kind)."""
    line = _INSN_LINE.fullmatch(text)
    if line is None:
        return None
    rest = line.group(3)
    form = _FORMS.get(rest) or insn_form(rest)
    return None if form is None else m.InsnLine(number, text, m.Instruction(int(line.group(2)), form))


def parse_dump_line(number: int, text: str) -> DumpRecord | Unparsed:
    """One line of a dump as its record; ``Unparsed`` when it is no dump line."""
    return insn_line(number, text) or _record(number, text)


def _record(number: int, text: str) -> DumpRecord | Unparsed:
    known = _BUILDERS.get(text)  # source lines and headers recur too (an unrolled loop)
    if known is not None:
        return known(number, text)
    built = _builder(number, text)
    if isinstance(built, Unparsed):
        return built
    if len(text) <= 512:
        if len(_BUILDERS) >= _FORMS_LIMIT:
            _BUILDERS.clear()
        _BUILDERS[text] = built
    return built(number, text)


def _builder(number: int, text: str) -> _Build | Unparsed:
    """The grammar's builder for a line, or ``Unparsed`` saying why there is none."""
    if len(text) > 3000 and not text.lstrip().startswith(";") and _TOO_LONG.search(text):
        return Unparsed(number, (number,), text, "a number too long to read", 1)
    try:
        return cast(_Build, _parser().parse(text))
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


# ---------------------------------------------------------------- cross-checks

_ALU = {"add", "sub", "mul", "div", "or", "and", "lsh", "rsh", "mod", "xor", "arsh", "mov", "neg"}
_JUMPS = {name for name, _ in opcodes.JMP_CONDS.values()}
_ENDIAN = ("le", "be", "bswap")
_SIGNED_OK = {"div", "mod", "arsh", "movsx", "load", *_JUMPS}  # where "s" is part of a form
_S16, _S32, _U32 = (-(1 << 15), 1 << 15), (-(1 << 31), 1 << 31), (0, 1 << 32)
_U64 = (0, 1 << 64)
_W_REG = re.compile(r"(?<![\w$.])w\d")


def _expected(insn: m.InsnForm) -> int | None:
    op = insn.op
    width = insn.dst.width if insn.dst is not None else None
    # a negation has no operand (the 4.x verifier printed "r1 neg r2" for a source bit set)
    reg_src = bool(insn.echo) if op == "neg" else insn.src is not None
    if op == "load" and insn.signed:
        op = "load_signed"
    if op in opcodes.ATOMIC_IMM:
        return opcodes.expected_opcode("atomic_add", size=insn.size)
    if op in ("load", "load_signed", "store", "ld_abs", "ld_ind"):
        return opcodes.expected_opcode(op, size=insn.size, reg_src=reg_src)
    return opcodes.expected_opcode(op, width=width, reg_src=reg_src)


def _text_fields(insn: m.InsnForm) -> dict[str, int | None]:
    """What the text says of each raw field (None: the text does not show it)."""
    op = insn.op
    fields: dict[str, int | None] = {
        "dst": insn.dst.number if insn.dst is not None else None,
        "src": insn.src.number if insn.src is not None else None,
        "off": insn.off,
        "imm": insn.imm,
    }
    if op in _ALU:
        fields["off"] = (1 if insn.signed else 0) if op in ("div", "mod") else (0 if op == "mov" else None)
        if op == "neg":  # "r1 = -r1" repeats dst; "r1 neg r2" (4.x) printed the source field
            fields["src"] = insn.echo[0].number if insn.echo and isinstance(insn.echo[0], m.Reg) else None
    elif op in opcodes.ATOMIC_IMM:
        fields["imm"] = opcodes.ATOMIC_IMM[op]
    elif op in _ENDIAN:  # "r1 = be16 r1" repeats dst; the 4.x "(u32) r1 endian (u32) r0" printed src
        fields["src"] = insn.echo[0].number if insn.echo and isinstance(insn.echo[0], m.Reg) else None
    elif op in ("ld_abs", "ld_ind"):
        fields["dst"] = None  # "r0 = ..." whatever dst_reg holds
    elif op == "ld_imm64":
        ref = insn.map
        if ref is not None:
            ident = ref.id if ref.id is not None else ref.index
            fields["src"] = (6 if ref.index is not None else 2) if ref.value else 1
            fields["imm"] = None
            fields["imm64"] = None if ident is None else (ref.offset << 32) | ident if ref.value else None
            if not ref.value:
                fields["imm"] = ident
        elif insn.rel is not None:  # subprog[+N]: the second slot holds an internal index
            fields["src"] = 4
        else:
            fields["src"] = 0
            fields["imm64"], fields["imm"] = (insn.imm or 0) & (2**64 - 1), None
    elif op == "call" and insn.call is not None and insn.call.kind is m.CallKind.SUBPROG:
        # a JITed program keeps the pc-relative offset in off (imm is the subprog index)
        fields["src"], fields["imm"] = 1, None
    elif op == "ja" or op == "may_goto":
        fields["imm"] = None
    return fields


def _out_of(value: int | None, bounds: tuple[int, int]) -> bool:
    return value is not None and not bounds[0] <= value < bounds[1]


def _registers(insn: m.InsnForm) -> list[m.Reg]:
    regs = [r for r in (insn.dst, insn.src) if r is not None]
    return regs + [r for r in insn.echo if isinstance(r, m.Reg)]


def _text_problems(insn: m.InsnForm) -> Iterator[str]:
    """What no instruction's bytes print so: mixed register views, a repeated register that
    is not the one it repeats, a fixed register or a sign where the encoding has none, a
    number too wide for its field. The opcode byte is checked apart."""
    op = insn.op
    regs = _registers(insn)
    if "(u32) " in insn.text and _W_REG.search(insn.text):
        yield "a (u32) view names its registers rN (kernels <= 5.0)"
    for reg in regs:
        if reg.number > 15:
            yield f"{reg}: a register number has 4 bits"
    if op in _ALU or op == "movsx" or op in _JUMPS:
        widths = {r.width for r in regs}
        if len(widths) > 1:
            yield f"{' and '.join(map(str, regs))}: one instruction views its registers one way (r or w)"
    else:  # loads, stores, atomics, byte swaps, calls ... print every register as rN
        for reg in regs:
            if reg.width == 32:
                yield f"{reg}: this form prints its registers as r{reg.number}"
    dst, src, echo = insn.dst, insn.src, insn.echo
    if (op == "neg" or op in _ENDIAN) and dst is not None and src is not None and src.number != dst.number:
        yield f"{src}: the text repeats a register the encoding has once, {dst}"
    if op in ("fetch_add", "fetch_and", "fetch_or", "fetch_xor", "xchg", "cmpxchg") and echo:
        *printed, width = echo  # the result (and the compared r0), the width atomic64_ names
        if op == "cmpxchg":
            for fixed in printed:
                if isinstance(fixed, m.Reg) and fixed.number != 0:
                    yield f"{fixed}: a cmpxchg compares and returns r0"
        elif isinstance(printed[0], m.Reg) and src is not None and printed[0].number != src.number:
            yield f"{printed[0]}: a fetch returns into its source, {src}"
        if isinstance(width, int) and width != insn.size:
            name = f"atomic{'64' if width == 8 else ''}_{op}"
            yield f"{name}: names a {width * 8}-bit access, the cast u{(insn.size or 0) * 8}"
    if op in ("ld_abs", "ld_ind") and dst is not None and dst.number != 0:
        yield f"{dst}: LD_ABS and LD_IND load r0"
    if insn.signed and op not in _SIGNED_OK:
        yield f"s{(insn.size or 0) * 8}: no {op} sign-extends"
    if op == "load" and insn.signed and insn.size == 8:
        yield "s64: a sign-extending load is of 1, 2 or 4 bytes"
    yield from _range_problems(insn)


def _range_problems(insn: m.InsnForm) -> Iterator[str]:
    op = insn.op
    if op == "ld_imm64":
        ref = insn.map
        if ref is not None:
            if _out_of(ref.id if ref.id is not None else ref.index, _U32):
                yield "map: an id or index has 32 bits"
            if _out_of(ref.offset, (_S32[0], _U32[1])):
                yield "map: a value offset has 32 bits"
            if ref.value_index not in (None, 0):
                yield f"[{ref.value_index}]: a map value address is printed [0]"
        elif _out_of(insn.imm, _S32 if insn.rel is not None else _U64):
            yield "imm: the immediate does not fit its field"
        return
    if op in _JUMPS and insn.src is None:
        if _out_of(insn.imm, _U32):  # printed as unsigned hex
            yield "imm: the compared immediate has 32 bits"
    elif op == "addr_space_cast":
        to_as, from_as = (v if isinstance(v, int) else None for v in insn.echo)
        if _out_of(to_as, _S16) or _out_of(from_as, (0, 1 << 16)):
            yield "addr_space_cast: each address space has 16 bits"
    elif _out_of(insn.imm, _S32):
        yield "imm: the immediate has 32 bits"
    if op not in ("addr_space_cast", "percpu_addr", "call") and _out_of(insn.off, _S16):
        yield "off: the offset has 16 bits"
    if _out_of(insn.rel, _S32 if op in ("gotol", "call") else _S16):
        yield "off: the jump offset does not fit its field"


def _map_by_address(insn: m.InsnForm, raw: opcodes.Raw) -> bool:
    """Whether ``map[id:N]`` stands for bytes holding the map's kernel address: the crash
    utility's ``bpf -T`` shows the kernel's own instructions (src_reg 0 after the verifier),
    and names the address by the id of the map it belongs to."""
    ref = insn.map
    imm64 = raw.imm64
    return ref is not None and not ref.value and raw.src == 0 and imm64 is not None and imm64 >> 48 == 0xFFFF


def _hint(insn: m.InsnForm, raw: opcodes.Raw) -> str:
    """Why an old bpftool printed these bytes so (xlated.md 2.9)."""
    if insn.op == "mov" and raw.off in (8, 16, 32):
        return f" (the bytes are a sign-extending move (s{raw.off}); bpftool >= 7.3 prints it)"
    if insn.op == "mov" and raw.off == -1:
        return " (the bytes are a per-CPU address move; bpftool >= 7.5 prints it)"
    if insn.op in ("div", "mod") and raw.off == 1 and not insn.signed:
        return " (the bytes are a signed division; bpftool >= 7.3 prints s/= and s%=)"
    return ""


_CHECK_FLAG = "text-contradicts-opcode"


def check(insn: m.Instruction) -> m.Instruction:
    """``insn`` with flags where its text contradicts its opcode byte or raw bytes."""
    form = check_form(insn.form)
    return insn if form is insn.form else m.Instruction(insn.slot, form)


def _opcode_problems(form: m.InsnForm, code: int) -> Iterator[str]:
    """Where the text contradicts the opcode byte ``code``, or no bytes print so."""
    cls = opcodes.class_name(code)
    if form.op == "bug":  # "(06) BUG": class 6 before JMP32 had a name
        if code & 0x07 != 0x06:
            yield f"'{form.text}' names class 6 (jmp32), opcode 0x{code:02x} is of class {cls}"
        return
    if form.op == "unknown" and form.cond is None:  # "(04) alu": the disassembler's last resort
        if form.text != cls:
            yield f"'{form.text}' names another class than opcode 0x{code:02x} ({cls})"
        return
    expected = _expected(form)
    if form.op == "unknown" or expected is None:
        hint = " (bpftool < 7.3 prints gotol so)" if code == 0x06 and form.cond == "jmp" else ""
        yield f"'{form.text}' is no form of opcode 0x{code:02x}{hint}"
        return
    if expected != code:
        yield f"the text reads as opcode 0x{expected:02x}, the dump says 0x{code:02x}"
    yield from _text_problems(form)


def check_form(form: m.InsnForm) -> m.InsnForm:
    """``form`` with flags where its text contradicts its opcode byte or raw bytes (the
    flags of an earlier check are replaced, not repeated). Every field the text shows is
    held to the encoding: the operation, class, register view (r/w), registers (repeated
    ones too), immediate, offset, size, sign and condition.

    Also refines what only the bytes tell: a call with src_reg 2 is a kfunc.
    """
    flags = [f for f in form.flags if not f.startswith(_CHECK_FLAG)]
    changes: dict[str, Any] = {}
    if form.opcode is not None:
        flags.extend(f"{_CHECK_FLAG}: {problem}" for problem in _opcode_problems(form, form.opcode))
    raw = opcodes.decode(form.raw) if form.raw is not None else None
    if raw is not None:
        if form.opcode is not None and raw.code != form.opcode:
            flags.append(f"{_CHECK_FLAG}: bytes have opcode 0x{raw.code:02x}")
        elif form.opcode is not None:
            fields = _text_fields(form)
            if _map_by_address(form, raw):
                fields["src"] = fields["imm"] = None
            for problem in opcodes.mismatches(fields, raw):
                flags.append(f"{_CHECK_FLAG}: {problem}{_hint(form, raw)}")
        if form.op == "call" and form.call is not None and raw.src == 2:
            changes["call"] = dataclasses.replace(form.call, kind=m.CallKind.KFUNC)
        if form.op == "bug":
            changes["cls"] = opcodes.class_name(raw.code)
    if tuple(flags) != form.flags:
        changes["flags"] = tuple(flags)
    return dataclasses.replace(form, **changes) if changes else form


# ---------------------------------------------------------------- programs


def split_functions(
    insns: Sequence[m.Instruction], heads: dict[int, m.FunctionHeader], name: str
) -> tuple[m.Function, ...]:
    """The functions of a program's instructions (in slot order): cut at the BTF function
    headers, or, without BTF, at the program's first slot and its pseudo-call targets."""
    starts: dict[int, tuple[str, str | None]] = {s: (h.name, h.signature) for s, h in heads.items()}
    if not starts and insns:
        starts[insns[0].slot] = (name, None)
        for insn in insns:
            call = insn.form.call
            if call is not None and call.kind is m.CallKind.SUBPROG and insn.target is not None:
                label = call.function or f"func@{insn.target}"
                starts.setdefault(insn.target, (label, None))
    elif insns and insns[0].slot not in starts:
        starts[insns[0].slot] = (name, None)
    order = sorted(starts)
    slots = [insn.slot for insn in insns]
    cuts = [0] + [bisect.bisect_left(slots, start) for start in order[1:]] + [len(insns)]
    return tuple(
        m.Function(starts[start][0], starts[start][1], start, tuple(insns[cuts[k] : cuts[k + 1]]))
        for k, start in enumerate(order)
    )


def traits(insns: Sequence[m.Instruction], index_styles: Iterable[str] = ()) -> tuple[str, ...]:
    """What a dump shows of the bpftool that made it."""
    out = [f"index-width:{style}" for style in sorted(index_styles)]
    if any(f.startswith(("bug-line", _CHECK_FLAG)) for i in insns if i.form.flags for f in i.form.flags):
        # its disassembler is older than some instructions of the program (xlated.md 2.9)
        out.append("disassembler:older-than-program")
    return tuple(out)


class DumpReader:
    """The lines of one dump, read one by one into records and programs.

    Opcode bytes join the instruction above them; a new program starts at a program
    header or where the slot numbering starts again at 0 (the function header and source
    lines read since the last instruction lead the new program). ``finish`` gives the
    records, in line order, and the programs.
    """

    def __init__(self, name: str | None) -> None:
        self.name = name
        self.records: list[DumpRecord | Unparsed] = []
        self.programs: list[m.Program] = []
        self._new()

    def _new(self) -> None:
        self._start = len(self.records)  # index in records of the program's first record
        self._plain = False  # the program has begun and nothing waits for its next instruction
        self._first: int | None = None  # first line of the program being read
        self._header: m.ProgramHeader | None = None
        self._insns: list[m.Instruction] = []
        self._heads: dict[int, m.FunctionHeader] = {}
        self._sources: list[tuple[int, m.SourceLine]] = []
        self._pending_head: m.FunctionHeader | None = None
        self._pending_sources: list[m.SourceLine] = []
        self._wide: set[str] = set()  # what starts the lines of slots >= 1000

    def add_insn(self, number: int, text: str) -> bool:
        """Read ``text`` if it is an instruction line in its common spelling (most lines of
        a dump are); False, with nothing read, otherwise."""
        record = insn_line(number, text)
        return record is not None and self._add_record(record)

    def read_insns(self, lines: Iterator[tuple[int, str]]) -> tuple[int, str] | None:
        """Read instruction lines (in their common spelling) from ``lines`` up to the first
        line that is none, which is returned unread; None when ``lines`` ran out.

        The loop of a big dump: what it needs is bound to local names."""
        fullmatch, known, make = _INSN_LINE.fullmatch, _FORMS.get, m.insn_line
        add_record, add_insn, add_wide = self.records.append, self._insns.append, self._wide.add
        for number, text in lines:
            line = fullmatch(text)
            if line is None:
                return number, text
            indent, index, rest = line.groups()
            form = known(rest) or insn_form(rest)
            if form is None:
                return number, text
            slot = int(index)
            record = make(number, text, slot, form)
            if not (slot and self._plain):  # a program's first, or one with lines to attach
                self._add_record(record)
                add_insn, add_wide = self._insns.append, self._wide.add  # a new program's own
                continue
            add_record(record)
            add_insn(record.insn)
            if slot >= 1000:
                add_wide(indent[:1])
        return None

    def add(self, number: int, text: str) -> None:
        """Read any line of a dump (one that is none becomes an ``Unparsed`` record)."""
        if not self.add_insn(number, text):
            self._add_record(_record(number, text))

    def _add_record(self, record: DumpRecord | Unparsed) -> bool:
        kind = type(record)
        last = self._last_insn() if kind is m.OpcodeBytes else None
        if last is not None:
            line = self.records[last]
            assert isinstance(line, m.InsnLine) and isinstance(record, m.OpcodeBytes)
            if line.insn.raw is None:
                form = with_bytes(line.insn.form, record.data)
                insn = m.Instruction(line.insn.slot, form)
                self.records[last] = m.InsnLine(line.line, line.text, insn)
                if self._insns and self._insns[-1] is line.insn:
                    self._insns[-1] = insn
            self.records.append(record)
            return True
        restart = kind is m.InsnLine and record.insn.slot == 0  # type: ignore[union-attr]
        if (kind is m.ProgramHeader or restart) and self._insns:
            carried = (self._pending_head, self._pending_sources)
            lead = self._lead_line() if restart else None
            self._flush()
            if restart:  # what was read since the last instruction leads the new program
                self._pending_head, self._pending_sources = carried
                self._first = lead
                self._start = len(self.records)
        if self._first is None:
            self._first = record.line
        if kind is m.InsnLine:
            insn = record.insn  # type: ignore[union-attr]
            self._insns.append(insn)
            if self._pending_head is not None:
                self._heads[insn.slot] = self._pending_head
                self._pending_head = None
            if self._pending_sources:
                self._sources.extend((insn.slot, s) for s in self._pending_sources)
                self._pending_sources = []
            if insn.slot >= 1000:
                self._wide.add(record.text[:1])  # " " or a digit
        elif kind is m.SourceLine:
            self._pending_sources.append(record)  # type: ignore[arg-type]
        elif kind is m.FunctionHeader:
            self._pending_head = record  # type: ignore[assignment]
        elif kind is m.ProgramHeader:
            self._header = record  # type: ignore[assignment]
        self.records.append(record)
        self._plain = self._pending_head is None and not self._pending_sources
        return True

    def _last_insn(self) -> int | None:
        """The index in records of the program's last instruction line (None: none yet)."""
        records = self.records
        for k in range(len(records) - 1, self._start - 1, -1):
            if type(records[k]) is m.InsnLine:
                return k
        return None

    def _lead_line(self) -> int | None:
        """The first line of what was read since the last instruction (None: nothing)."""
        lines = [s.line for s in self._pending_sources]
        if self._pending_head is not None:
            lines.append(self._pending_head.line)
        return min(lines) if lines else None

    def _flush(self) -> None:
        insns = self._insns
        if not insns:
            return  # a header or stray lines without instructions: they wait for the instructions
        header, heads = self._header, self._heads
        name = (header.name if header and header.name else None) or self.name
        if name is None:
            name = next(iter(heads.values())).name if heads else "prog"
        # a line of a slot >= 1000 starts with a space (space4) or with its index (width4)
        indents = {"space4" if first == " " else "width4" for first in self._wide}
        assert self._first is not None
        self.programs.append(
            m.Program(
                name=name,
                line=self._first,
                instructions=tuple(insns),
                functions=split_functions(insns, heads, name),
                sources=tuple(self._sources),
                header=header,
                id=header.id if header else None,
                type=header.type if header else None,
                tag=header.tag if header else None,
                traits=traits(insns, indents),
            )
        )
        self._new()

    def finish(self) -> tuple[list[DumpRecord | Unparsed], list[m.Program]]:
        """The records and programs of the dump."""
        self._flush()
        return self.records, self.programs
