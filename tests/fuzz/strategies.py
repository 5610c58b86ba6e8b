"""Hypothesis strategies for hostile input: grammar-shaped lines and mutated real lines.

* ``strace_line()``: lines in the shape of grammars/strace.lark: prefixes (pid, ``[pid N]``,
  times, ``-r``, ``-i``), bpf() calls with random value trees, unfinished/resumed halves,
  signals, exits, personality lines, ``-k`` frames, strace messages, other syscalls.
* ``xlated_line()``: lines in the shape of grammars/xlated.lark: instructions, source lines
  (with linum suffixes), function headers, program headers, opcode bytes, ``BUG_`` lines.
* ``seed_line()``: a line of a real capture in corpus/ (strace, xlated, mixed).
* ``mutated(line)``: a line cut, duplicated, swapped, byte-flipped, with quotes, braces,
  escapes, NULs, terminal escapes, huge numbers or deep nesting put in.
* ``capture_lines()``: a whole capture: a list of such lines (text, no newlines).

Lines are ``str``; bytes that are not UTF-8 are carried as surrogateescape characters,
the way bpflogs reads them.
"""

from __future__ import annotations

from functools import cache

from hypothesis import strategies as st
from paths import REPO

SEED_DIRS = ("corpus/strace", "corpus/mixed", "corpus/xlated")

# nesting: mostly around the parser's limit (100 levels), one time in ten 10k deep
_DEPTH = st.tuples(st.integers(2, 130), st.integers(0, 9)).map(lambda t: 10_000 if t[1] == 0 else t[0])
# numbers: around Python's 4300-digit limit for int(), one time in ten far over it
_DIGITS = st.tuples(st.integers(20, 5000), st.integers(0, 9)).map(lambda t: 100_000 if t[1] == 0 else t[0])


@cache
def seed_lines() -> tuple[str, ...]:
    """Every distinct line of the repository's own text captures (compressed ones left out)."""
    seen: dict[str, None] = {}
    for folder in SEED_DIRS:
        for path in sorted((REPO / folder).iterdir()):
            if path.suffix == ".gz" or not path.is_file():
                continue
            text = path.read_bytes().decode("utf-8", "surrogateescape")
            for line in text.split("\n"):
                if len(line) <= 4000:  # the rare huge lines are tested on their own (test_hostile)
                    seen.setdefault(line.rstrip("\r"), None)
    return tuple(seen)


def seed_line() -> st.SearchStrategy[str]:
    return st.sampled_from(seed_lines())


# ------------------------------------------------------------------------------ small pieces

_digits = st.integers(min_value=0, max_value=2**64).map(str)
_hex = st.integers(min_value=0, max_value=2**64).map(lambda n: f"0x{n:x}")
_number = st.one_of(_digits, _hex, _digits.map(lambda s: "-" + s))
_symbol = st.sampled_from(
    [
        "BPF_MAP_TYPE_HASH",
        "BPF_PROG_TYPE_XDP",
        "BPF_F_RDONLY",
        "BPF_ANY",
        "NULL",
        "???",
        "BPF_CGROUP_INET_INGRESS",
        "XDP_FLAGS_SKB_MODE",
        "O_RDWR",
    ]
)
_field = st.sampled_from(
    [
        "map_type",
        "key_size",
        "value_size",
        "max_entries",
        "map_flags",
        "map_name",
        "prog_type",
        "insn_cnt",
        "insns",
        "license",
        "log_buf",
        "prog_name",
        "map_fd",
        "key",
        "value",
        "flags",
        "info",
        "bpf_fd",
        "info_len",
        "link_create",
        "target_fd",
        "attach_type",
        "pathname",
        "next_id",
        "btf",
        "x",
    ]
)
_ESCAPES = ["\\n", "\\t", '\\"', "\\\\", "\\0", "\\x1b", "\\33", "\\377", "\\u202e"]
_string_body = st.lists(
    st.one_of(
        st.text(
            alphabet=st.characters(min_codepoint=32, max_codepoint=126, exclude_characters='"\\'), max_size=8
        ),
        st.sampled_from(_ESCAPES),
        st.sampled_from(["[red]", "[/]", "\x1b[31m", "\u202e", "|", "`", "<b>", "&amp;"]),
    ),
    max_size=6,
).map("".join)
_string = st.builds(lambda body, cut: f'"{body}"' + ("..." if cut else ""), _string_body, st.booleans())
_decoration = st.sampled_from(
    ["<anon_inode:bpf-map>", "<anon_inode:bpf-prog>", "</dev/null>", "<socket:[123]>", "<pipe:[9]>", "<a>b>"]
)
_comment = st.sampled_from([" /* 4 */", " /* bpf_prog */", " /* 0 vars */"])


def _leaf() -> st.SearchStrategy[str]:
    return st.one_of(
        _number,
        _symbol,
        _string,
        st.builds(lambda n, d: n + d, _digits, _decoration),
        st.builds(lambda n, c: n + c, _number, _comment),
        st.lists(st.one_of(_symbol, _hex), min_size=2, max_size=4).map("|".join),
    )


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    members = st.lists(
        st.one_of(st.builds(lambda f, v: f"{f}={v}", _field, inner), st.just("..."), _string),
        max_size=5,
    )
    return st.one_of(
        st.builds(lambda ms, closed: "{" + ", ".join(ms) + ("}" if closed else ""), members, st.booleans()),
        st.lists(st.one_of(inner, st.just("...")), max_size=5).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.builds(
            lambda name, args: f"{name}(" + ", ".join(args) + ")",
            st.sampled_from(["KERNEL_VERSION", "BPF_RAW_INSN", "makedev", "htons", "inet_addr"]),
            st.lists(inner, min_size=1, max_size=4),
        ),
        st.builds(lambda a, b: f"{a} => {b}", inner, inner),
        st.builds(lambda a, b: f"{a} or {b}", _number, inner),
    )


def value() -> st.SearchStrategy[str]:
    """A value tree as strace prints it (numbers, symbols, flags, strings, structs, arrays, macros)."""
    return st.recursive(_leaf(), _extend, max_leaves=12)


_time = st.one_of(
    st.just(""),
    st.builds(
        lambda h, m, s, f: f"{h:02d}:{m:02d}:{s:02d}{f} ",
        *(st.integers(0, 99),) * 3,
        st.sampled_from(["", ".123456", ".1", ".123456789"]),
    ),
    st.integers(10**8, 10**11).map(lambda n: f"{n}.000123 "),
)
_pid = st.one_of(
    st.just(""),
    st.integers(1, 10**8 - 1).map(lambda n: f"{n} "),
    st.integers(1, 10**8 - 1).map(lambda n: f"{n}  "),
    st.integers(1, 10**7).map(lambda n: f"[pid {n:5d}] "),
    st.integers(1, 10**7).map(lambda n: f"{n}<bpftool> "),
)
_rel = st.sampled_from(["", "(+ 0.000123) ", "     0.000040 "])
_ip = st.sampled_from(["", "[00007f1234567890] ", "[????????????????] ", "[ 321] "])
prefix = st.builds(lambda *parts: "".join(parts), _pid, _time, _rel, _ip)

_command = st.sampled_from(
    [
        "BPF_MAP_CREATE",
        "BPF_PROG_LOAD",
        "BPF_MAP_UPDATE_ELEM",
        "BPF_OBJ_GET_INFO_BY_FD",
        "BPF_LINK_CREATE",
        "BPF_BTF_LOAD",
        "BPF_OBJ_PIN",
        "BPF_MAP_FREEZE",
        "0x24 /* BPF_??? */",
        "BPF_PROG_TEST_RUN",
    ]
)
_retval = st.one_of(
    _digits,
    st.builds(lambda n, d: n + d, _digits, _decoration),
    st.sampled_from(
        [
            "-1 EPERM (Operation not permitted)",
            "-1 ENOENT (No such file or directory)",
            "-1 (errno 600)",
            "? ERESTARTSYS (To be restarted if SA_RESTART is set)",
            "?",
            "? <unavailable>",
            "0x7f00",
            "0 (INJECTED)",
        ]
    ),
)
_duration = st.sampled_from(["", " <0.000040>", " <12>"])
result = st.builds(
    lambda pad, rv, d: f"){pad}= {rv}{d}", st.sampled_from([" ", "        "]), _retval, _duration
)


def bpf_call() -> st.SearchStrategy[str]:
    end = st.one_of(result, st.just(" <unfinished ...>"), st.just(" <detached ...>"))
    return st.builds(
        lambda p, cmd, attr, size, e: f"{p}bpf({cmd}, {attr}, {size}{e}",
        prefix,
        _command,
        value(),
        _digits,
        end,
    )


def strace_line() -> st.SearchStrategy[str]:
    """One line in the shape of grammars/strace.lark."""
    return st.one_of(
        bpf_call(),
        st.builds(
            lambda p, v, r: f"{p}<... bpf resumed>{v}{r}",
            prefix,
            st.sampled_from(["", ", 16", " => 1}, 12"]),
            result,
        ),
        st.builds(lambda p, v: f"{p}--- SIGCHLD {{si_signo=SIGCHLD, si_pid={v}}} ---", prefix, _digits),
        st.builds(lambda p, v: f"{p}+++ exited with {v} +++", prefix, _digits),
        st.builds(lambda p: f"{p}+++ killed by SIGKILL (core dumped) +++", prefix),
        st.builds(lambda n: f"[ Process PID={n} runs in 64 bit mode. ]", _digits),
        st.builds(lambda s: f" > /usr/lib/libbpf.so.1(bpf_prog_load+0x{s}) [0x1234]", _hex),
        st.builds(lambda p, n: f"{p}strace: Process {n} attached", prefix, _digits),
        st.builds(lambda p, a, r: f"{p}close({a}{r}", prefix, _digits, result),
        st.builds(lambda p, s, r: f"{p}openat(AT_FDCWD, {s}, O_RDONLY|O_CLOEXEC{r}", prefix, _string, result),
        st.sampled_from(
            ["% time     seconds  usecs/call     calls    errors syscall", "------ ----------- -----", ""]
        ),
    )


_reg = st.builds(lambda c, n: f"{c}{n}", st.sampled_from("rw"), st.integers(0, 11))
_imm = st.integers(-(2**63), 2**64).map(str)
_off = st.integers(-(2**15), 2**15).map(lambda n: f"{n:+d}")
_size = st.sampled_from(["u8", "u16", "u32", "u64", "s8", "s16", "s32"])


def _insn_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(
            lambda d, op, s: f"{d} {op}= {s}",
            _reg,
            st.sampled_from(["+", "-", "*", "/", "s>>", "&", "<<"]),
            st.one_of(_reg, _imm),
        ),
        st.builds(lambda d, s: f"{d} = {s}", _reg, st.one_of(_reg, _imm)),
        st.builds(lambda d, sz, s, o: f"{d} = *({sz} *)({s} {o})", _reg, _size, _reg, _off),
        st.builds(lambda sz, s, o, v: f"*({sz} *)({s} {o}) = {v}", _size, _reg, _off, st.one_of(_reg, _imm)),
        st.builds(lambda d, i: f"{d} = map[id:{i}]", _reg, _digits),
        st.builds(lambda d, h: f"{d} = {h}", _reg, _hex),
        st.builds(
            lambda a, c, b, o: f"if {a} {c} {b} goto pc{o}",
            _reg,
            st.sampled_from(["==", "s>", "&", "!="]),
            st.one_of(_reg, _hex),
            _off,
        ),
        st.builds(lambda o: f"goto pc{o}", _off),
        st.builds(
            lambda n, h: f"call {n}#{h}",
            st.sampled_from(["bpf_map_lookup_elem", "bpf_trace_printk", "x"]),
            _digits,
        ),
        st.builds(lambda o: f"call pc{o}#bpf_prog_29a333538e466fa1_f", _off),
        st.sampled_from(["exit", "nospec", "r0 = (s8)r2", "r1 = le16 r1", "lock *(u64 *)(r0 +0) += r7"]),
    )


def xlated_line() -> st.SearchStrategy[str]:
    """One line in the shape of grammars/xlated.lark."""
    slot = st.integers(0, 10**6)
    opcode = st.integers(0, 255).map(lambda n: f"{n:02x}")
    return st.one_of(
        st.builds(lambda s, o, t: f"{s:4d}: ({o}) {t}", slot, opcode, _insn_text()),
        st.builds(lambda s: f"{s:4d}: BUG_ld_00", slot),
        st.builds(
            lambda t, f, n, c: f"; {t} [file:{f} line_num:{n} line_col:{c}]",
            _string_body,
            st.sampled_from(["./x.bpf.c", "a b.c", ""]),
            _digits,
            _digits,
        ),
        _string_body.map(lambda t: f"; {t}"),
        st.sampled_from(["int cg_egress(struct __sk_buff * skb):", "static int f(void * ctx):", "x():"]),
        st.builds(
            lambda s, n: f"{s}: xdp  name {n}  tag 89c83c1822847feb  gpl", slot, st.sampled_from(["p", "x y"])
        ),
        st.lists(st.integers(0, 255).map(lambda n: f"{n:02x}"), min_size=8, max_size=8).map(
            lambda bs: "       " + " ".join(bs)
        ),
        st.sampled_from(["$ bpftool prog dump xlated name xdp_pass linum", "# a comment", ""]),
    )


# ------------------------------------------------------------------------------ mutations

_INSERTS = [
    '"',
    "'",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "\\",
    "\\x",
    "\\\\",
    "\x00",
    "\t",
    "\r",
    " ",
    ",",
    "=",
    "...",
    "=> ",
    " or ",
    "/* ",
    " */",
    " <unfinished ...>",
    "<... bpf resumed>",
    "\x1b[31m",
    "\x1b]8;;x\x07",
    "\x1b[2J",
    "\x9b",
    "\u202e",
    "\u2066",
    "[red]",
    "[/red]",
    "[bold]",
    "|",
    "`",
    "<script>",
    "&lt;",
    "\udcff",
    "\ufeff",
    "\x7f",
    "\x08",
    ":",
    ";",
    "#",
    "$ ",
    "> ",
]


@st.composite
def mutated(draw: st.DrawFn, line: str) -> str:
    """``line`` damaged one to three times in the ways logs get damaged (or crafted)."""
    for _ in range(draw(st.integers(1, 3))):
        n = len(line)
        i = draw(st.integers(0, n))
        j = draw(st.integers(i, n))
        kind = draw(st.integers(0, 9))
        if kind == 0:  # cut
            line = line[:i] if draw(st.booleans()) else line[i:]
        elif kind == 1:  # duplicate a piece
            line = line[:j] + line[i:j] + line[j:]
        elif kind == 2:  # swap two pieces
            k = draw(st.integers(j, n))
            line = line[:i] + line[j:k] + line[i:j] + line[k:]
        elif kind == 3:  # flip a byte of the UTF-8 encoding
            raw = bytearray(line.encode("utf-8", "surrogateescape"))
            if raw:
                at = draw(st.integers(0, len(raw) - 1))
                raw[at] ^= draw(st.integers(1, 255))
                if raw[at] == 0x0A:  # a newline would make two lines: the capture's business, not this line's
                    raw[at] = 0x0B
                line = raw.decode("utf-8", "surrogateescape")
        elif kind in (4, 5):  # insert a quote, brace, escape, NUL, terminal escape ...
            line = line[:i] + draw(st.sampled_from(_INSERTS)) * draw(st.integers(1, 3)) + line[i:]
        elif kind == 6:  # huge number
            digits = draw(_DIGITS)
            line = line[:i] + draw(st.sampled_from(["", "-", "0x"])) + "9" * digits + line[j:]
        elif kind == 7:  # deep nesting around a piece
            depth = draw(_DEPTH)
            opener, closer = draw(
                st.sampled_from([("{a=", "}"), ("[", "]"), ("F(", ")"), ("{", "}"), ("(", ")")])
            )
            closed = draw(st.booleans())
            line = line[:i] + opener * depth + line[i:j] + (closer * depth if closed else "") + line[j:]
        elif kind == 8:  # a piece of another real line
            other = draw(seed_line())
            a = draw(st.integers(0, len(other)))
            line = line[:i] + other[a : a + draw(st.integers(0, 80))] + line[j:]
        else:  # random text (any code point, surrogate-escaped bytes too)
            line = line[:i] + draw(st.text(max_size=12).map(lambda s: s.replace("\n", " "))) + line[j:]
    return line.replace("\n", " ")


def any_line() -> st.SearchStrategy[str]:
    """A grammar-shaped or real line, whole or damaged."""
    whole = st.one_of(strace_line(), xlated_line(), seed_line())
    return st.one_of(whole, whole.flatmap(mutated))


def capture_lines(max_size: int = 12) -> st.SearchStrategy[list[str]]:
    """A capture: lines of both grammars and of the corpus, some damaged; duplicated runs and
    whole real captures' stretches too (so unfinished/resumed halves and dumps meet)."""
    stretch = st.builds(
        lambda start, size: list(seed_lines()[start : start + size]),
        st.integers(0, len(seed_lines()) - 1),
        st.integers(1, 12),
    )
    pieces = st.lists(
        st.one_of(any_line().map(lambda x: [x]), stretch), min_size=1, max_size=max_size // 2 + 1
    )
    return pieces.map(lambda ps: [line for piece in ps for line in piece][: max_size * 2])


@cache
def seed_captures() -> tuple[tuple[str, ...], ...]:
    """The repository's own small text captures, whole (at most 400 lines each)."""
    found = []
    for folder in SEED_DIRS:
        for path in sorted((REPO / folder).iterdir()):
            if path.suffix == ".gz" or not path.is_file():
                continue
            lines = path.read_bytes().decode("utf-8", "surrogateescape").split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            if len(lines) <= 400 and max(map(len, lines), default=0) <= 4000:
                found.append(tuple(line.rstrip("\r") for line in lines))
    return tuple(found)


@st.composite
def edited_capture(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """A real capture and a copy edited the way captures get edited: lines deleted,
    duplicated, moved, damaged, or the capture cut."""
    original = list(draw(st.sampled_from(seed_captures())))
    edited = list(original)
    for _ in range(draw(st.integers(0, 4))):
        if not edited:
            break
        i = draw(st.integers(0, len(edited) - 1))
        kind = draw(st.integers(0, 4))
        if kind == 0:
            del edited[i]
        elif kind == 1:
            edited.insert(i, edited[i])
        elif kind == 2:
            j = draw(st.integers(0, len(edited) - 1))
            edited[i], edited[j] = edited[j], edited[i]
        elif kind == 3:
            edited[i] = draw(mutated(edited[i]))
        else:
            edited = edited[: i + 1]
    return original, edited
