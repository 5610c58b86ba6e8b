"""What a text bpflogs does not read looks like: a disassembly, BPF assembly, a verifier log ...

Used to say why a file gives nothing to compare. Each kind has line patterns; the kind
with the most matching lines among the first ``LIMIT`` non-blank lines (their first
``WIDTH`` characters; every pattern is anchored or literal: linear in the line) wins, if enough of
them match (a marker line such as ``file format elf64-bpf`` is enough on its own).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

__all__ = ["LIMIT", "WIDTH", "describe", "looks_like", "phrase"]

LIMIT = 2000  # non-blank lines looked at
WIDTH = 1000  # characters of each: a hostile 100 kB line costs no more than a long one


@dataclass(frozen=True, slots=True)
class _Kind:
    name: str  # what the text looks like, as a message says it
    markers: re.Pattern[str]  # a line only this kind has
    lines: re.Pattern[str]  # lines typical of this kind
    needs: re.Pattern[str] | None = None  # without a marker, some line must match this too


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# a BPF instruction as llc prints it: r1 = 0, w2 += w3, *(u32 *)(r10 - 4) = r1, exit, call 1 ...
_BPF_ASM = (
    r"^\t(?:[rw]\d+ (?:[-+*/%&|^]|<<|>>|s>>)?= |\*\(u(?:8|16|32|64) \*\)\(r\d+ [-+] \d+\) = "
    r"|exit$|call \S|goto |if [rw]\d+ )"
)

_OBJDUMP = _Kind(
    "llvm-objdump -d output",
    _any(r"file format elf(?:32|64)-bpf", r"^Disassembly of section \S+:$"),
    _any(
        # 0:\tbf 16 00 00 00 00 00 00\tr6 = r1 (16 bytes for an ld_imm64)
        r"^\s*\d+:\t(?:[0-9a-f]{2} ){7}[0-9a-f]{2}(?: (?:[0-9a-f]{2} ){7}[0-9a-f]{2})?(?:\t|$)",
        r"^[0-9a-f]{16} <[^>]+>:$",  # 0000000000000000 <xdp_main>:
        r"^\s+[0-9a-f]+:\s+R_BPF_\w+\s",  # a relocation (-r)
    ),
)
_ASM = _Kind(
    "BPF assembly (llc or clang -S output)",
    re.compile(r"^\s*\.section\s+\.BTF(?:\.ext)?,"),
    _any(
        r"^\s*\.(?:text|file|globl|p2align|type|size|section|loc|cfi_\w+|byte|short|long|quad|asciz|ascii)\b",
        r"^\.?L\w+:",  # .Lfunc_end0:, LBB0_2:
        r"^# %bb\.\d+:",
        _BPF_ASM,
        r"^\s*#DEBUG_VALUE: ",
    ),
    re.compile(_BPF_ASM),  # other assembly is not what this names
)
_VERIFIER = _Kind(
    "a kernel verifier log",
    _any(
        r"^processed \d+ insns \(limit \d+\)",
        r"^func#\d+ @\d+$",
        r"^Live regs before insn:$",
        r"^verification time \d+ usec$",
        r"^-- (?:BEGIN|END) PROG LOAD LOG --$",
    ),
    _any(
        r"^\d+: R\d+(?:_\w+)?=",  # 0: R1=ctx() R10=fp0
        r"^\d+: \([0-9a-f]{2}\) .*;(?: R\d+| fp-\d+)",  # an instruction with the state after it
        r"^\s*\d+: [.0-9]{10,} \([0-9a-f]{2}\) ",  # live registers (level 7)
        r"^from \d+ to \d+: ",
        r"^R\d+ (?:invalid|type=|!read_ok|min value|max value|pointer|unbounded|offset|\w+ is)",
        r"^mark_precise: frame\d+: ",
        r"^(?:last_idx|regs=|parent didn't have regs|stack depth \d|to caller at \d|returning from callee:)",
        r"^Func#\d+ \('\w+'\) is global",
        r"^\d+: \([0-9a-f]{2}\) ",  # an instruction without indentation, as the verifier prints it
    ),
)
_LIBBPF = _Kind(
    "libbpf debug output",
    re.compile(r"^libbpf: "),
    re.compile(r"^libbpf: "),
)
# a bpf() call as strace prints it: nothing like code before it, its attr a struct or an address
_BPF_CALL = r"^[^\"'(=]*\bbpf\((?:BPF_[A-Z_]+|0x[0-9a-f]+|\d+), (?:\{|0x[0-9a-f]+|NULL)"
_LENIENT = "if it was mail-quoted, prefixed or wrapped, --lenient undoes that"
_STRACE = _Kind(
    f"strace output in a form bpflogs does not read ({_LENIENT})",
    re.compile(_BPF_CALL),
    _any(_BPF_CALL, r"^\+\+\+ (?:exited|killed) ", r"--- SIG[A-Z]+ "),
)
_XLATED = _Kind(
    f"a bpftool xlated dump in a form bpflogs does not read ({_LENIENT})",
    re.compile(r"^\s*\S.*?\b\d+: \([0-9a-f]{2}\) "),  # an instruction line with something before it
    _any(r"^\s*\S.*?\b\d+: \([0-9a-f]{2}\) ", r"^\s*\S[^;]*; .*\[file:\S+ line_num:\d+"),
)
_JITED = _Kind(
    "bpftool prog dump jited output (machine code), which bpflogs does not read",
    re.compile(r"^bpf_prog_[0-9a-f]{16}_\w+:$"),
    re.compile(r"^\s*[0-9a-f]+:\t[a-z]"),
)

_KINDS = (_LIBBPF, _VERIFIER, _OBJDUMP, _ASM, _JITED, _STRACE, _XLATED)  # ties go to the first


def looks_like(texts: Iterable[str]) -> str | None:
    """What the text seems to be (``"llvm-objdump -d output"`` ...), or None."""
    lines = list(islice((t[:WIDTH] for t in texts if t.strip()), LIMIT))
    if not lines:
        return None
    qualified = []  # (lines, kind) of the kinds with a marker line or a third of the lines typical
    for kind in _KINDS:
        markers = sum(1 for t in lines if kind.markers.search(t))
        typical = sum(1 for t in lines if kind.markers.search(t) or kind.lines.search(t))
        needed = kind.needs is None or any(kind.needs.search(t) for t in lines)
        if markers or (needed and 3 * typical >= len(lines)):
            qualified.append((typical, kind))
    if not qualified:
        return None
    best = max(qualified, key=lambda found: found[0])[1]  # the first of equals
    kinds = {kind for _, kind in qualified}
    if _LIBBPF in kinds and _VERIFIER in kinds:  # bpftool/libbpf's stderr with the log it printed
        return "libbpf debug output with a kernel verifier log"
    return best.name


def describe(texts: Iterable[str]) -> str:
    """``this looks like X, which bpflogs does not read``, or ``text bpflogs does not read``."""
    return phrase(looks_like(texts))


def phrase(kind: str | None) -> str:
    """What ``looks_like`` found, said in a message."""
    if kind is None:
        return "text bpflogs does not read (no bpf() call, no dumped program)"
    if "bpflogs does not read" in kind:
        return f"this looks like {kind}"
    return f"this looks like {kind}, which bpflogs does not read"
