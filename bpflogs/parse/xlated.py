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

_LINUM = re.compile(r" ?\[file:([^\]]*) line_num:(\d+) line_col:(\d+)\]$")
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


@v_args(inline=True)
class _ToModel(lark.Transformer[Token, Any]):
    """Instruction forms into Instruction field dicts; lines into record builders."""

    # ------------------------------------------------------------ lines
    def start(self, line: _Build) -> _Build:
        return line

    def insn_line(self, index: Token, opcode: Token, fields: dict[str, Any]) -> _Build:
        slot, _ = _index(index)
        code = int(opcode, 16)
        form = m.InsnForm(opcode=code, text="", cls=opcodes.class_name(code), **fields)
        return _InsnBuild(form, slot, len(index) + len("(cc) "))

    def bug_line(self, index: Token, bug: Token) -> _Build:
        slot, _ = _index(index)
        code_text = bug.rsplit("_", 1)[-1]
        cls = None
        if re.fullmatch(r"[0-9a-f]{2}", code_text):
            cls = opcodes.class_name(int(code_text, 16))
        flag = (
            "bug-line: this bpftool's disassembler does not know the instruction (dump with a newer bpftool)"
        )
        insn = m.Instruction(slot, m.InsnForm(opcode=None, op="bug", text=str(bug), cls=cls, flags=(flag,)))
        return lambda n, line: m.InsnLine(n, line, insn)

    def source_line(self, tok: Token) -> _Build:
        text = str(tok)
        body = text.rstrip(" \t")
        trailing = text[len(body) :]
        indent = body[: len(body) - len(body.lstrip(" \t"))]
        body = body[len(indent) + 1 :]  # after ";"
        file = line_num = line_col = None
        linum = _LINUM.search(body) if tok.type == "SOURCE_LINUM" else None
        if linum is not None:
            file, line_num, line_col = linum.group(1), int(linum.group(2)), int(linum.group(3))
            body = body[: linum.start()]
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

    def alu_legacy(self, _u32: Token, dst: m.Reg, op: Token, _u32b: Token, operand: Any) -> dict[str, Any]:
        fields = self.alu(dst, op, operand)
        # "(u32) r1 += (u32) r2": the 32-bit view printed with 64-bit names (kernels <= 5.0)
        fields["dst"] = m.Reg(dst.number, 32)
        if isinstance(fields.get("src"), m.Reg):
            fields["src"] = m.Reg(fields["src"].number, 32)
        return fields

    def mov(self, dst: m.Reg, operand: Any) -> dict[str, Any]:
        return {"op": "mov", "dst": dst, **_operand(operand)}

    def neg(self, dst: m.Reg, neg: Token) -> dict[str, Any]:
        return {"op": "neg", "dst": dst, "src": _reg(neg[1:])}

    def neg_legacy(self, dst: m.Reg, _u32: Token, neg: Token) -> dict[str, Any]:
        return {"op": "neg", "dst": m.Reg(dst.number, 32), "src": m.Reg(int(neg[2:]), 32)}

    def movsx(self, dst: m.Reg, size: Token, src: m.Reg) -> dict[str, Any]:
        bits = int(size[1:])
        return {"op": "movsx", "dst": dst, "src": src, "size": bits // 8, "off": bits, "signed": True}

    def endian(self, dst: m.Reg, kind: Token, src: m.Reg) -> dict[str, Any]:
        match = re.fullmatch(r"(le|be|bswap)(\d+)", str(kind))
        assert match is not None
        return {"op": match.group(1), "dst": dst, "imm": int(match.group(2))}

    def addr_space_cast(self, dst: m.Reg, src: m.Reg, to_as: Token, from_as: Token) -> dict[str, Any]:
        return {
            "op": "addr_space_cast",
            "dst": dst,
            "src": src,
            "off": 1,
            "imm": (int(to_as) << 16) | int(from_as),
        }

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
            **_operand(operand),
        }

    def ld_abs(self, dst: m.Reg, size: Token, imm: Token) -> dict[str, Any]:
        return {"op": "ld_abs", "dst": dst, "size": _size(size), "imm": int(imm)}

    def ld_ind(self, dst: m.Reg, size: Token, src: m.Reg, imm: Token) -> dict[str, Any]:
        return {"op": "ld_ind", "dst": dst, "src": src, "size": _size(size), "imm": int(imm)}

    def atomic(self, mem: dict[str, Any], op: Token, src: m.Reg) -> dict[str, Any]:
        name = {"+=": "add", "|=": "or", "&=": "and", "^=": "xor"}[op.strip()]
        return {
            "op": f"atomic_{name}",
            "dst": mem["base"],
            "src": src,
            "size": mem["size"],
            "off": mem["off"],
        }

    def atomic_fetch(
        self, result: m.Reg, fn: Token, size: Token, base: m.Reg, off: Token, src: m.Reg
    ) -> dict[str, Any]:
        op = str(fn).split("_", 1)[1]  # "fetch_add", "xchg"
        return {"op": op, "dst": base, "src": src, "size": _size(size), "off": int(off)}

    def cmpxchg(
        self, result: m.Reg, _fn: Token, size: Token, base: m.Reg, off: Token, _r0: m.Reg, src: m.Reg
    ) -> dict[str, Any]:
        return {"op": "cmpxchg", "dst": base, "src": src, "size": _size(size), "off": int(off)}

    def load_acquire(self, dst: m.Reg, size: Token, src: m.Reg, off: Token) -> dict[str, Any]:
        return {"op": "load_acquire", "dst": dst, "src": src, "size": _size(size), "off": int(off)}

    def store_release(self, size: Token, dst: m.Reg, off: Token, src: m.Reg) -> dict[str, Any]:
        return {"op": "store_release", "dst": dst, "src": src, "size": _size(size), "off": int(off)}

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

    def exit(self, _tok: Token) -> dict[str, Any]:
        return {"op": "exit"}

    def nospec(self, _tok: Token) -> dict[str, Any]:
        return {"op": "nospec"}

    def class_only(self, tok: Token) -> dict[str, Any]:
        return {"op": "unknown"}


@dataclass(frozen=True, slots=True)
class _InsnBuild:
    """An instruction line the grammar read: its form (the text still to fill in) and slot."""

    form: m.InsnForm
    slot: int
    start: int  # where the text after "(cc) " starts

    def complete(self, line: str) -> m.InsnForm:
        """The checked form, with its text taken from ``line``."""
        return check_form(dataclasses.replace(self.form, text=line[self.start :]))

    def __call__(self, n: int, line: str) -> DumpRecord:
        return m.InsnLine(n, line, m.Instruction(self.slot, self.complete(line)))


@lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    return lalr_parser("xlated.lark", _ToModel())


# "  12: (bf) r1 = r6": the index, then the opcode and text that are looked up
_INSN_LINE = re.compile(r"( *)(0|[1-9]\d{0,9}): (\([0-9a-f]{2}\) .*)")
_FORMS: dict[str, m.InsnForm] = {}  # instruction text -> its checked form
_BUILDERS: dict[str, _Build] = {}
_FORMS_LIMIT = 1 << 16


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


def _expected(insn: m.InsnForm) -> int | None:
    op = insn.op
    width = insn.dst.width if insn.dst is not None else None
    reg_src = insn.src is not None
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
        if op == "neg":
            fields["src"] = None
    elif op in opcodes.ATOMIC_IMM:
        fields["imm"] = opcodes.ATOMIC_IMM[op]
    elif op in ("le", "be", "bswap"):
        fields["src"] = None
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


def check_form(form: m.InsnForm) -> m.InsnForm:
    """``form`` with flags where its text contradicts its opcode byte or raw bytes (the
    flags of an earlier check are replaced, not repeated).

    Also refines what only the bytes tell: a call with src_reg 2 is a kfunc.
    """
    flags = [f for f in form.flags if not f.startswith(_CHECK_FLAG)]
    changes: dict[str, Any] = {}
    if form.opcode is not None:
        expected = _expected(form)
        if form.op == "unknown" or expected is None:
            hint = " (bpftool < 7.3 prints gotol so)" if form.opcode == 0x06 and form.cond == "jmp" else ""
            flags.append(f"{_CHECK_FLAG}: '{form.text}' is no form of opcode 0x{form.opcode:02x}{hint}")
        elif expected != form.opcode:
            reads = f"the text reads as opcode 0x{expected:02x}"
            flags.append(f"{_CHECK_FLAG}: {reads}, the dump says 0x{form.opcode:02x}")
    raw = opcodes.decode(form.raw) if form.raw is not None else None
    if raw is not None:
        if form.opcode is not None and raw.code != form.opcode:
            flags.append(f"{_CHECK_FLAG}: bytes have opcode 0x{raw.code:02x}")
        elif form.opcode is not None:
            for problem in opcodes.mismatches(_text_fields(form), raw):
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
                form = check_form(dataclasses.replace(line.insn.form, raw=record.data))
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
