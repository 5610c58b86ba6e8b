"""An instruction's text held to its encoding: the opcode byte, the raw bytes, the fields.

``check_form`` flags what no bytes print so (a text that reads as another opcode, mixed
register views, a number too wide for its field ...) and, where the form carries its
bytes, every field the text shows differently from them; ``with_bytes`` joins a form
read from a dump line to the bytes of the opcodes line below it. The encoding itself is
``bpflogs.encoding``; whatever reads instructions (text or bytes) checks them here.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from bpflogs import encoding as enc
from bpflogs.encoding import ALU_NAMES, ATOMIC_IMM, ENDIAN_OPS, JUMP_NAMES, S16, S32, U32, U64, out_of
from bpflogs.model import insn as m
from bpflogs.parse.xlated_cache import XlatedCache

__all__ = ["BUG_FLAG", "CHECK_FLAG", "check", "check_form", "expected_opcode", "with_bytes"]

# the flag of a form whose text contradicts its encoding ("text-contradicts-opcode: ...")
CHECK_FLAG = "text-contradicts-opcode"
# the flag of a "BUG_..." line: an instruction the disassembler did not know
BUG_FLAG = "bug-line: this bpftool's disassembler does not know the instruction (dump with a newer bpftool)"

_W_REG = re.compile(r"(?<![\w$.])w\d")


def expected_opcode(insn: m.InsnForm) -> int | None:
    """The opcode byte the fields of ``insn`` encode as; None when no byte prints so."""
    op = insn.op
    width = insn.dst.width if insn.dst is not None else None
    # a negation has no operand (the 4.x verifier printed "r1 neg r2" for a source bit set)
    reg_src = bool(insn.echo) if op == "neg" else insn.src is not None
    if op == "load" and insn.signed:
        op = "load_signed"
    if op in ATOMIC_IMM:
        return enc.expected_opcode("atomic_add", size=insn.size)
    if op in ("load", "load_signed", "store", "ld_abs", "ld_ind"):
        return enc.expected_opcode(op, size=insn.size, reg_src=reg_src)
    return enc.expected_opcode(op, width=width, reg_src=reg_src)


def _text_fields(insn: m.InsnForm) -> dict[str, int | None]:
    """What the text says of each raw field (None: the text does not show it)."""
    op = insn.op
    fields: dict[str, int | None] = {
        "dst": insn.dst.number if insn.dst is not None else None,
        "src": insn.src.number if insn.src is not None else None,
        "off": insn.off,
        "imm": insn.imm,
    }
    if op in ALU_NAMES:
        fields["off"] = (1 if insn.signed else 0) if op in ("div", "mod") else (0 if op == "mov" else None)
        if op == "neg":  # "r1 = -r1" repeats dst; "r1 neg r2" (4.x) printed the source field
            fields["src"] = insn.echo[0].number if insn.echo and isinstance(insn.echo[0], m.Reg) else None
    elif op in ATOMIC_IMM:
        fields["imm"] = ATOMIC_IMM[op]
    elif op in ENDIAN_OPS:  # "r1 = be16 r1" repeats dst; the 4.x "(u32) r1 endian (u32) r0" printed src
        fields["src"] = insn.echo[0].number if insn.echo and isinstance(insn.echo[0], m.Reg) else None
    elif op in ("ld_abs", "ld_ind"):
        fields["dst"] = None  # "r0 = ..." whatever dst_reg holds
    elif op == "ld_imm64":
        ref = insn.map
        if ref is not None:
            ident = ref.id if ref.id is not None else ref.index
            fields["src"] = (
                (enc.PSEUDO_MAP_IDX_VALUE if ref.index is not None else enc.PSEUDO_MAP_VALUE)
                if ref.value
                else enc.PSEUDO_MAP_FD
            )
            fields["imm"] = None
            fields["imm64"] = None if ident is None else (ref.offset << 32) | ident if ref.value else None
            if not ref.value:
                fields["imm"] = ident
        elif insn.rel is not None:  # subprog[+N]: the second slot holds an internal index
            fields["src"] = enc.PSEUDO_FUNC
        else:
            fields["src"] = 0
            fields["imm64"], fields["imm"] = (insn.imm or 0) & (2**64 - 1), None
    elif op == "call" and insn.call is not None and insn.call.kind is m.CallKind.SUBPROG:
        # a JITed program keeps the pc-relative offset in off (imm is the subprog index)
        fields["src"], fields["imm"] = enc.PSEUDO_CALL, None
    elif op == "ja" or op == "may_goto":
        fields["imm"] = None
    return fields


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
    if op in ALU_NAMES or op == "movsx" or op in JUMP_NAMES:
        widths = {r.width for r in regs}
        if len(widths) > 1:
            yield f"{' and '.join(map(str, regs))}: one instruction views its registers one way (r or w)"
    else:  # loads, stores, atomics, byte swaps, calls ... print every register as rN
        for reg in regs:
            if reg.width == 32:
                yield f"{reg}: this form prints its registers as r{reg.number}"
    dst, src, echo = insn.dst, insn.src, insn.echo
    if (op == "neg" or op in ENDIAN_OPS) and dst is not None and src is not None and src.number != dst.number:
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
    if insn.signed and op not in enc.SIGNED_OPS:
        yield f"s{(insn.size or 0) * 8}: no {op} sign-extends"
    if op == "load" and insn.signed and insn.size == 8:
        yield "s64: a sign-extending load is of 1, 2 or 4 bytes"
    yield from _range_problems(insn)


def _range_problems(insn: m.InsnForm) -> Iterator[str]:
    op = insn.op
    if op == "ld_imm64":
        ref = insn.map
        if ref is not None:
            if out_of(ref.id if ref.id is not None else ref.index, U32):
                yield "map: an id or index has 32 bits"
            if out_of(ref.offset, (S32[0], U32[1])):
                yield "map: a value offset has 32 bits"
            if ref.value_index not in (None, 0):
                yield f"[{ref.value_index}]: a map value address is printed [0]"
        elif out_of(insn.imm, S32 if insn.rel is not None else U64):
            yield "imm: the immediate does not fit its field"
        return
    if op in JUMP_NAMES and insn.src is None:
        if out_of(insn.imm, U32):  # printed as unsigned hex
            yield "imm: the compared immediate has 32 bits"
    elif op == "addr_space_cast":
        to_as, from_as = (v if isinstance(v, int) else None for v in insn.echo)
        if out_of(to_as, S16) or out_of(from_as, (0, 1 << 16)):
            yield "addr_space_cast: each address space has 16 bits"
    elif out_of(insn.imm, S32):
        yield "imm: the immediate has 32 bits"
    if op not in ("addr_space_cast", "percpu_addr", "call") and out_of(insn.off, S16):
        yield "off: the offset has 16 bits"
    if out_of(insn.rel, S32 if op in ("gotol", "call") else S16):
        yield "off: the jump offset does not fit its field"


def _map_by_address(insn: m.InsnForm, raw: enc.Raw) -> bool:
    """Whether ``map[id:N]`` stands for bytes holding the map's kernel address: the crash
    utility's ``bpf -T`` shows the kernel's own instructions (src_reg 0 after the verifier),
    and names the address by the id of the map it belongs to."""
    ref = insn.map
    imm64 = raw.imm64
    return ref is not None and not ref.value and raw.src == 0 and imm64 is not None and imm64 >> 48 == 0xFFFF


def _hint(insn: m.InsnForm, raw: enc.Raw) -> str:
    """Why an old bpftool printed these bytes so (xlated.md 2.9)."""
    if insn.op == "mov" and raw.off in (8, 16, 32):
        return f" (the bytes are a sign-extending move (s{raw.off}); bpftool >= 7.3 prints it)"
    if insn.op == "mov" and raw.off == -1:
        return " (the bytes are a per-CPU address move; bpftool >= 7.5 prints it)"
    if insn.op in ("div", "mod") and raw.off == 1 and not insn.signed:
        return " (the bytes are a signed division; bpftool >= 7.3 prints s/= and s%=)"
    return ""


def check(insn: m.Instruction) -> m.Instruction:
    """``insn`` with flags where its text contradicts its opcode byte or raw bytes."""
    form = check_form(insn.form)
    return insn if form is insn.form else m.Instruction(insn.slot, form)


def _opcode_problems(form: m.InsnForm, code: int) -> Iterator[str]:
    """Where the text contradicts the opcode byte ``code``, or no bytes print so."""
    cls = enc.class_name(code)
    if form.op == "bug":  # "(06) BUG": class 6 before JMP32 had a name
        if code & 0x07 != enc.JMP32:
            yield f"'{form.text}' names class 6 (jmp32), opcode 0x{code:02x} is of class {cls}"
        return
    if form.op == "unknown" and form.cond is None:  # "(04) alu": the disassembler's last resort
        if form.text != cls:
            yield f"'{form.text}' names another class than opcode 0x{code:02x} ({cls})"
        return
    expected = expected_opcode(form)
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
    flags = [f for f in form.flags if not f.startswith(CHECK_FLAG)]
    changes: dict[str, Any] = {}
    if form.opcode is not None:
        flags.extend(f"{CHECK_FLAG}: {problem}" for problem in _opcode_problems(form, form.opcode))
    raw = enc.decode(form.raw) if form.raw is not None else None
    if raw is not None:
        if form.opcode is not None and raw.code != form.opcode:
            flags.append(f"{CHECK_FLAG}: bytes have opcode 0x{raw.code:02x}")
        elif form.opcode is not None:
            fields = _text_fields(form)
            if _map_by_address(form, raw):
                fields["src"] = fields["imm"] = None
            for problem in enc.mismatches(fields, raw):
                flags.append(f"{CHECK_FLAG}: {problem}{_hint(form, raw)}")
        if form.op == "call" and form.call is not None and raw.src == enc.PSEUDO_KFUNC_CALL:
            changes["call"] = dataclasses.replace(form.call, kind=m.CallKind.KFUNC)
        if form.op == "bug":
            changes["cls"] = enc.class_name(raw.code)
    if tuple(flags) != form.flags:
        changes["flags"] = tuple(flags)
    return dataclasses.replace(form, **changes) if changes else form


def with_bytes(form: m.InsnForm, data: bytes, cache: XlatedCache) -> m.InsnForm:
    """``form`` (one read from a dump line, without bytes) with its raw bytes ``data``,
    checked against them (the opcode and text determine the rest of such a form); ``cache``
    remembers it for the next line with the same text and bytes."""
    key = (form.opcode, form.text, data)
    checked = cache.with_bytes.get(key)
    if checked is None:
        checked = cache.keep(cache.with_bytes, key, check_form(dataclasses.replace(form, raw=data)))
    return checked
