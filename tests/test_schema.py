"""bpflogs.schema against section (c)/(d) of the strace spec and real strace captures."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from paths import NO_SAMPLES, SAMPLES, SHARED, have_samples

from bpflogs.schema import (
    COMMANDS,
    COMMANDS_BY_NUMBER,
    ENUMS,
    EXTRA_DATA,
    FLAG_SETS,
    INSN_ALIASES,
    INSN_ALU_OPS,
    INSN_CLASSES,
    INSN_JMP_OPS,
    INSN_MODES,
    INSN_SIZES,
    INSN_SOURCES,
    MAP_INFO,
    PROG_INFO,
    ZERO_NAMES,
    Category,
    FieldSpec,
    Kind,
    ObjectKind,
    Returns,
    command,
    enum_name,
    enum_value,
    field,
    flag_names,
    flag_value,
)

STRACE = SAMPLES / "strace"
SPEC = SHARED / "formats" / "strace.md"
ALL_COMMANDS_V = ("v7.2_ctypes-all-commands_v.txt", "v6.1_ctypes-all-commands_v.txt")

# section c.1, transcribed independently of the module
C1 = {
    0: "BPF_MAP_CREATE",
    1: "BPF_MAP_LOOKUP_ELEM",
    2: "BPF_MAP_UPDATE_ELEM",
    3: "BPF_MAP_DELETE_ELEM",
    4: "BPF_MAP_GET_NEXT_KEY",
    5: "BPF_PROG_LOAD",
    6: "BPF_OBJ_PIN",
    7: "BPF_OBJ_GET",
    8: "BPF_PROG_ATTACH",
    9: "BPF_PROG_DETACH",
    10: "BPF_PROG_TEST_RUN",
    11: "BPF_PROG_GET_NEXT_ID",
    12: "BPF_MAP_GET_NEXT_ID",
    13: "BPF_PROG_GET_FD_BY_ID",
    14: "BPF_MAP_GET_FD_BY_ID",
    15: "BPF_OBJ_GET_INFO_BY_FD",
    16: "BPF_PROG_QUERY",
    17: "BPF_RAW_TRACEPOINT_OPEN",
    18: "BPF_BTF_LOAD",
    19: "BPF_BTF_GET_FD_BY_ID",
    20: "BPF_TASK_FD_QUERY",
    21: "BPF_MAP_LOOKUP_AND_DELETE_ELEM",
    22: "BPF_MAP_FREEZE",
    23: "BPF_BTF_GET_NEXT_ID",
    24: "BPF_MAP_LOOKUP_BATCH",
    25: "BPF_MAP_LOOKUP_AND_DELETE_BATCH",
    26: "BPF_MAP_UPDATE_BATCH",
    27: "BPF_MAP_DELETE_BATCH",
    28: "BPF_LINK_CREATE",
    29: "BPF_LINK_UPDATE",
    30: "BPF_LINK_GET_FD_BY_ID",
    31: "BPF_LINK_GET_NEXT_ID",
    32: "BPF_ENABLE_STATS",
    33: "BPF_ITER_CREATE",
    34: "BPF_LINK_DETACH",
    35: "BPF_PROG_BIND_MAP",
    36: "BPF_TOKEN_CREATE",
    37: "BPF_PROG_STREAM_READ_BY_FD",
    38: "BPF_PROG_ASSOC_STRUCT_OPS",
}

RULES = {
    "pointers",
    "fds",
    "ids",
    "timestamps",
    "pids",
    "kernel-version",
    "vmlinux-btf-ids",
    "verifier",
    "counters",
    "host",
    "in-out-sizes",
    "size",
}


def need(path: Path) -> Path:
    """``path`` in the shared folder: skips without the shared samples, fails if they are there without it."""
    if not have_samples():
        pytest.skip(NO_SAMPLES)
    assert path.exists(), f"{path} is missing from the shared folder"
    return path


# ---------------------------------------------------------------------------
# A small scanner for the attr text of `bpf(` lines: member paths and the raw
# text of scalar values.  It knows strings, comments, fd decorations and
# macro-call parentheses, which is all the two -v captures contain.


def skip_string(text: str, i: int) -> int:
    i += 1
    while text[i] != '"':
        i += 2 if text[i] == "\\" else 1
    return i + 1


def skip_comment(text: str, i: int) -> int:
    return text.index("*/", i) + 2


def skip_decoration(text: str, i: int) -> int:
    depth = 0
    while i < len(text):
        c = text[i]
        if c == "<":
            depth += 1
        elif c == ">" and text[i - 1] != "-":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def skip_atom(text: str, i: int) -> int | None:
    """Index after a string, comment or decoration starting at i, else None."""
    if text[i] == '"':
        return skip_string(text, i)
    if text.startswith("/*", i):
        return skip_comment(text, i)
    if text[i] == "<":
        return skip_decoration(text, i)
    return None


def scalar_end(text: str, i: int) -> int:
    parens = 0
    while i < len(text):
        after = skip_atom(text, i)
        if after is not None:
            i = after
            continue
        c = text[i]
        if c == "(":
            parens += 1
        elif c == ")":
            if parens == 0:
                return i
            parens -= 1
        elif c in ",}]{[" and parens == 0:
            return i
        i += 1
    return i


def is_name_char(c: str) -> bool:
    return c.islower() or c.isdigit() or c == "_"


def attr_members(args: str) -> list[tuple[str, str]]:
    """(dotted path, raw scalar text) of every `name=` member in a bpf() argument list."""
    out: list[tuple[str, str]] = []
    stack: list[tuple[str, str]] = []  # (bracket, path of the container)
    last = ""  # path of the member whose value is being read
    expect_name = False
    i = 0
    while i < len(args):
        after = skip_atom(args, i)
        if after is not None:
            i = after
            continue
        c = args[i]
        if c in "{[":
            if not stack:
                prefix = ""
            elif stack[-1][0] == "[":
                prefix = stack[-1][1] + "[]"
            else:
                prefix = last
            stack.append((c, prefix))
            expect_name = c == "{"
        elif c in "}]":
            stack.pop()
        elif not stack:
            if c == ")":
                break
        elif c == ",":
            expect_name = stack[-1][0] == "{"
        elif c != " " and expect_name:
            expect_name = False
            j = i
            while j < len(args) and is_name_char(args[j]):
                j += 1
            if j > i and args.startswith("=", j) and not args.startswith("=>", j):
                container = stack[-1][1]
                last = f"{container}.{args[i:j]}" if container else args[i:j]
                end = scalar_end(args, j + 1)
                out.append((last, args[j + 1 : end].strip()))
                i = j + 1
                continue
        i += 1
    return out


def bpf_calls(path: Path) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """(command name, members) of every bpf() line of a capture whose command c.1 names."""
    for line in path.read_text(errors="replace").splitlines():
        k = line.find("bpf(")
        if k < 0 or (k > 0 and line[k - 1] not in " >]"):
            continue
        args = line[k + 4 :]
        args = args.removeprefix("cmd=")  # -N
        cmd_text = args[: args.find(",")].split(" /*")[0].strip()
        spec = command(int(cmd_text, 0) if cmd_text[:1].isdigit() else cmd_text)
        if spec is None:
            continue
        rest = args[args.find(",") + 1 :].lstrip()
        yield spec.name, attr_members(rest.removeprefix("attr="))


def info_kind(members: list[tuple[str, str]]) -> ObjectKind | None:
    for path, text in members:
        if path == "info.info.type":
            if "BPF_PROG_TYPE_" in text:
                return ObjectKind.PROG
            if "BPF_MAP_TYPE_" in text:
                return ObjectKind.MAP
    return None


def test_scanner_reads_nested_paths() -> None:
    line = (
        "{batch={in_batch=NULL, count=8, map_fd=3<anon_inode:bpf-map>, "
        'name="a, b=c", dev=makedev(0x1, 0x3) /* x, y=z */}} => {batch={count=5}}, 56) = 0'
    )
    assert attr_members(line) == [
        ("batch", ""),
        ("batch.in_batch", "NULL"),
        ("batch.count", "8"),
        ("batch.map_fd", "3<anon_inode:bpf-map>"),
        ("batch.name", '"a, b=c"'),
        ("batch.dev", "makedev(0x1, 0x3) /* x, y=z */"),
        ("batch", ""),
        ("batch.count", "5"),
    ]
    nested = "{link_create={iter_info=[{map={map_fd=3}}, {map={map_fd=0}}], iter_info_len=16}}"
    assert [p for p, _ in attr_members(nested)] == [
        "link_create",
        "link_create.iter_info",
        "link_create.iter_info[].map",
        "link_create.iter_info[].map.map_fd",
        "link_create.iter_info[].map",
        "link_create.iter_info[].map.map_fd",
        "link_create.iter_info_len",
    ]


# ---------------------------------------------------------------------------
# Commands


def test_every_command_of_c1() -> None:
    assert {n: spec.name for n, spec in COMMANDS_BY_NUMBER.items()} == C1
    assert {name: spec.number for name, spec in COMMANDS.items()} == {name: n for n, name in C1.items()}
    assert dict(ENUMS["cmd"]) == C1
    for number, name in C1.items():
        assert command(number) is command(name) is COMMANDS[name]
    assert command(39) is None
    assert command("BPF_NO_SUCH") is None


def test_c1_table_of_the_spec() -> None:
    text = need(SPEC).read_text()
    block = text.split("### c.1", 1)[1].split("```")[1]
    words = block.split()
    pairs = {int(a): b for a, b in itertools.pairwise(words) if a.isdigit()}
    assert pairs == C1


def test_returns_and_created_objects() -> None:
    fd_commands = {
        "BPF_MAP_CREATE": ObjectKind.MAP,
        "BPF_PROG_LOAD": ObjectKind.PROG,
        "BPF_OBJ_GET": ObjectKind.PINNED,
        "BPF_PROG_GET_FD_BY_ID": ObjectKind.PROG,
        "BPF_MAP_GET_FD_BY_ID": ObjectKind.MAP,
        "BPF_RAW_TRACEPOINT_OPEN": ObjectKind.LINK,
        "BPF_BTF_LOAD": ObjectKind.BTF,
        "BPF_BTF_GET_FD_BY_ID": ObjectKind.BTF,
        "BPF_LINK_CREATE": ObjectKind.LINK,
        "BPF_LINK_GET_FD_BY_ID": ObjectKind.LINK,
        "BPF_ENABLE_STATS": ObjectKind.STATS,
        "BPF_ITER_CREATE": ObjectKind.ITER,
        "BPF_TOKEN_CREATE": ObjectKind.TOKEN,
        # strace quirk (a.3): marked fd-returning, returns 0
        "BPF_OBJ_PIN": None,
        "BPF_PROG_BIND_MAP": None,
    }
    for name, spec in COMMANDS.items():
        if name in fd_commands:
            assert spec.returns is Returns.FD, name
            assert spec.creates is fd_commands[name], name
        else:
            assert spec.returns is Returns.STATUS, name
            assert spec.creates is None, name


def test_identities_resolve() -> None:
    assert COMMANDS["BPF_MAP_CREATE"].identity == ("map_name",)
    assert COMMANDS["BPF_PROG_LOAD"].identity == ("prog_name",)
    assert COMMANDS["BPF_OBJ_PIN"].identity == ("pathname",)
    assert COMMANDS["BPF_OBJ_GET"].identity == ("pathname",)
    assert COMMANDS["BPF_RAW_TRACEPOINT_OPEN"].identity == ("raw_tracepoint.name",)
    for spec in COMMANDS.values():
        for path in spec.identity:
            found = field(spec.name, path)
            assert found is not None, (spec.name, path)
            assert found.category is Category.SEMANTIC, (spec.name, path)


def test_wrapped_commands_have_one_struct_member() -> None:
    wrappers = {
        "BPF_PROG_TEST_RUN": "test",
        "BPF_OBJ_GET_INFO_BY_FD": "info",
        "BPF_PROG_QUERY": "query",
        "BPF_RAW_TRACEPOINT_OPEN": "raw_tracepoint",
        "BPF_TASK_FD_QUERY": "task_fd_query",
        "BPF_MAP_LOOKUP_BATCH": "batch",
        "BPF_MAP_LOOKUP_AND_DELETE_BATCH": "batch",
        "BPF_MAP_UPDATE_BATCH": "batch",
        "BPF_MAP_DELETE_BATCH": "batch",
        "BPF_LINK_CREATE": "link_create",
        "BPF_LINK_UPDATE": "link_update",
        "BPF_ENABLE_STATS": "enable_stats",
        "BPF_ITER_CREATE": "iter_create",
        "BPF_LINK_DETACH": "link_detach",
        "BPF_PROG_BIND_MAP": "prog_bind_map",
        "BPF_TOKEN_CREATE": "token_create",
        "BPF_PROG_STREAM_READ_BY_FD": "prog_stream_read",
        "BPF_PROG_ASSOC_STRUCT_OPS": "prog_assoc_struct_ops",
    }
    for name, spec in COMMANDS.items():
        if name in wrappers:
            assert [(f.name, f.kind) for f in spec.fields] == [(wrappers[name], Kind.STRUCT)]
        else:
            assert all(f.kind is not Kind.STRUCT for f in spec.fields), name


# ---------------------------------------------------------------------------
# Fields


def test_facts_from_the_spec() -> None:
    max_entries = field("BPF_MAP_CREATE", "max_entries")
    assert max_entries is not None
    assert (max_entries.kind, max_entries.category) == (Kind.SIZE, Category.SEMANTIC)

    btf_fd = field("BPF_PROG_LOAD", "prog_btf_fd")
    assert btf_fd is not None
    assert (btf_fd.kind, btf_fd.category, btf_fd.rule) == (Kind.FD, Category.VOLATILE, "fds")
    assert btf_fd.object is ObjectKind.BTF

    target = field("BPF_LINK_CREATE", "link_create.target_fd")
    assert target is not None
    assert (target.kind, target.category, target.rule) == (Kind.FD, Category.VOLATILE, "fds")

    prog_type = field("BPF_OBJ_GET_INFO_BY_FD", "info.info.type", ObjectKind.PROG)
    map_type = field("BPF_OBJ_GET_INFO_BY_FD", "info.info.type", ObjectKind.MAP)
    assert prog_type is not None and prog_type.enum == "prog_type"
    assert map_type is not None and map_type.enum == "map_type"
    assert field("BPF_OBJ_GET_INFO_BY_FD", "info.info.type") is None
    assert field("BPF_OBJ_GET_INFO_BY_FD", "info.info.type", ObjectKind.BTF) is None
    info = field("BPF_OBJ_GET_INFO_BY_FD", "info.info")
    assert info is not None and info.kind is Kind.STRUCT and info.exit


def expect(
    cmd: str,
    path: str,
    kind: Kind,
    category: Category,
    rule: str | None = None,
    *,
    info: ObjectKind | None = None,
    exit: bool | None = None,
) -> FieldSpec:
    spec = field(cmd, path, info)
    assert spec is not None, (cmd, path)
    assert (spec.kind, spec.category, spec.rule) == (kind, category, rule), (cmd, path)
    if exit is not None:
        assert spec.exit is exit, (cmd, path)
    return spec


SEM, VOL, ENV = Category.SEMANTIC, Category.VOLATILE, Category.ENVIRONMENT
PROG, MAP = ObjectKind.PROG, ObjectKind.MAP


def test_categories_of_section_d() -> None:
    expect("BPF_PROG_LOAD", "insns", Kind.INSNS, SEM)
    expect("BPF_PROG_LOAD", "insns[].imm", Kind.INT, SEM)
    expect("BPF_PROG_LOAD", "license", Kind.STRING, SEM)
    assert expect("BPF_PROG_LOAD", "prog_flags", Kind.FLAGS, SEM).flags == "prog_flags"
    expect("BPF_PROG_LOAD", "log_buf", Kind.STRING, ENV, "verifier")
    expect("BPF_PROG_LOAD", "kern_version", Kind.INT, ENV, "kernel-version")
    expect("BPF_PROG_LOAD", "attach_btf_id", Kind.INT, ENV, "vmlinux-btf-ids")
    expect("BPF_PROG_LOAD", "log_true_size", Kind.SIZE, ENV, "verifier", exit=True)
    expect("BPF_PROG_LOAD", "func_info", Kind.POINTER, VOL, "pointers")
    expect("BPF_MAP_CREATE", "btf_vmlinux_value_type_id", Kind.INT, ENV, "vmlinux-btf-ids")
    expect("BPF_MAP_CREATE", "map_name", Kind.STRING, SEM)
    expect("BPF_MAP_UPDATE_ELEM", "key", Kind.POINTER, VOL, "pointers")
    expect("BPF_BTF_LOAD", "btf", Kind.STRING, SEM)
    expect("BPF_BTF_LOAD", "btf_size", Kind.SIZE, SEM)
    expect("BPF_OBJ_PIN", "pathname", Kind.STRING, SEM)
    expect("BPF_RAW_TRACEPOINT_OPEN", "raw_tracepoint.name", Kind.STRING, SEM)
    expect("BPF_PROG_GET_NEXT_ID", "start_id", Kind.ID, ENV, "ids")
    expect("BPF_PROG_GET_NEXT_ID", "next_id", Kind.ID, ENV, "ids", exit=True)
    expect("BPF_LINK_GET_FD_BY_ID", "link_id", Kind.ID, ENV, "ids")
    expect("BPF_PROG_QUERY", "query.prog_ids", Kind.ARRAY, ENV, "ids", exit=True)
    expect("BPF_PROG_QUERY", "query.prog_ids[]", Kind.ID, ENV, "ids")
    expect("BPF_PROG_QUERY", "query.prog_cnt", Kind.SIZE, VOL, "in-out-sizes", exit=True)
    expect("BPF_OBJ_GET_INFO_BY_FD", "info.info_len", Kind.SIZE, VOL, "in-out-sizes", exit=True)
    expect("BPF_TASK_FD_QUERY", "task_fd_query.pid", Kind.INT, VOL, "pids")
    expect("BPF_TASK_FD_QUERY", "task_fd_query.buf_len", Kind.SIZE, VOL, "in-out-sizes")
    expect("BPF_TASK_FD_QUERY", "task_fd_query.prog_id", Kind.ID, ENV, "ids", exit=True)
    expect("BPF_PROG_TEST_RUN", "test.duration", Kind.INT, VOL, "timestamps")
    expect("BPF_PROG_TEST_RUN", "test.repeat", Kind.INT, SEM)
    expect("BPF_LINK_CREATE", "link_create.kprobe_multi.syms", Kind.ARRAY, SEM)
    expect("BPF_LINK_CREATE", "link_create.kprobe_multi.syms[]", Kind.STRING, SEM)
    expect("BPF_LINK_CREATE", "link_create.uprobe_multi.pid", Kind.INT, VOL, "pids")
    expect("BPF_LINK_CREATE", "link_create.attach_type", Kind.ENUM, SEM)
    expect("BPF_MAP_LOOKUP_BATCH", "batch.count", Kind.SIZE, SEM, exit=True)

    get_info = "BPF_OBJ_GET_INFO_BY_FD"
    expect(get_info, "info.info.id", Kind.ID, ENV, "ids", info=PROG)
    expect(get_info, "info.info.id", Kind.ID, ENV, "ids", info=MAP)
    expect(get_info, "info.info.load_time", Kind.INT, VOL, "timestamps", info=PROG)
    expect(get_info, "info.info.run_time_ns", Kind.INT, VOL, "timestamps", info=PROG)
    expect(get_info, "info.info.run_cnt", Kind.INT, VOL, "counters", info=PROG)
    expect(get_info, "info.info.recursion_misses", Kind.INT, VOL, "counters", info=PROG)
    expect(get_info, "info.info.created_by_uid", Kind.INT, ENV, "host", info=PROG)
    expect(get_info, "info.info.netns_dev", Kind.INT, ENV, "host", info=MAP)
    expect(get_info, "info.info.verified_insns", Kind.INT, ENV, "verifier", info=PROG)
    expect(get_info, "info.info.xlated_prog_len", Kind.SIZE, VOL, "in-out-sizes", info=PROG)
    expect(get_info, "info.info.xlated_prog_insns", Kind.INSNS, SEM, info=PROG)
    expect(get_info, "info.info.jited_prog_len", Kind.SIZE, VOL, "counters", info=PROG)
    expect(get_info, "info.info.attach_btf_obj_id", Kind.ID, ENV, "ids", info=PROG)
    expect(get_info, "info.info.attach_btf_id", Kind.INT, ENV, "vmlinux-btf-ids", info=PROG)
    expect(get_info, "info.info.btf_vmlinux_id", Kind.ID, ENV, "vmlinux-btf-ids", info=MAP)
    expect(get_info, "info.info.map_ids", Kind.ARRAY, ENV, "ids", info=PROG)
    expect(get_info, "info.info.tag", Kind.STRING, SEM, info=PROG)
    expect(get_info, "info.info.map_flags", Kind.FLAGS, SEM, info=MAP)
    assert field(get_info, "info.info.map_flags", PROG) is None


def test_path_forms() -> None:
    map_fd = field("BPF_LINK_CREATE", "link_create.iter_info[].map.map_fd")
    assert map_fd is not None and map_fd.object is ObjectKind.MAP
    assert field("BPF_LINK_CREATE", "link_create.iter_info.map.map_fd") is map_fd
    iter_info = field("BPF_LINK_CREATE", "link_create.iter_info")
    assert iter_info is not None and iter_info.kind is Kind.ARRAY
    code = field("BPF_OBJ_GET_INFO_BY_FD", "info.info.xlated_prog_insns[].code", PROG)
    assert code is not None and code.name == "code"
    reg = field("BPF_PROG_LOAD", "insns[].dst_reg")
    assert reg is not None and reg.enum == "reg"
    assert field("BPF_MAP_FREEZE", "extra_data") is EXTRA_DATA
    assert field("BPF_LINK_CREATE", "link_create.extra_data") is EXTRA_DATA
    for unknown in ("no_such", "max_entries.x", "max_entries[]", "", "link_create.", "."):
        assert field("BPF_MAP_CREATE", unknown) is None, unknown
    assert field("BPF_NO_SUCH", "max_entries") is None
    assert field("BPF_LINK_CREATE", "target_fd") is None  # it is inside the wrapper


def walk(fields: tuple[FieldSpec, ...], prefix: str = "") -> Iterator[tuple[str, FieldSpec]]:
    for spec in fields:
        path = f"{prefix}{spec.name}"
        yield path, spec
        yield from walk(spec.fields, f"{path}.")
        if spec.item is not None:
            yield f"{path}[]", spec.item
            yield from walk(spec.item.fields, f"{path}[].")


def all_specs() -> Iterator[tuple[str, str, ObjectKind | None, FieldSpec]]:
    """(command, path, info kind, spec) of every member, nested ones included."""
    for cmd in COMMANDS.values():
        for path, spec in walk(cmd.fields):
            yield cmd.name, path, None, spec
    for kind, members in ((PROG, PROG_INFO), (MAP, MAP_INFO)):
        for path, spec in walk(members, "info.info."):
            yield "BPF_OBJ_GET_INFO_BY_FD", path, kind, spec


def test_spec_invariants() -> None:
    for cmd, path, _, spec in all_specs():
        where = (cmd, path)
        assert (spec.rule is None) == (spec.category is Category.SEMANTIC), where
        assert spec.rule is None or spec.rule in RULES, where
        assert (spec.enum is not None) == (spec.kind is Kind.ENUM), where
        assert spec.enum is None or spec.enum in ENUMS, where
        assert (spec.flags is not None) == (spec.kind is Kind.FLAGS), where
        assert spec.flags is None or spec.flags in FLAG_SETS, where
        assert (spec.object is not None) == (spec.kind is Kind.FD), where
        if spec.kind is Kind.FD:
            assert (spec.category, spec.rule) == (Category.VOLATILE, "fds"), where
        if spec.kind is Kind.POINTER:
            assert (spec.category, spec.rule) == (Category.VOLATILE, "pointers"), where
        if spec.kind is Kind.ID:
            assert spec.rule in ("ids", "vmlinux-btf-ids"), where
        assert (spec.item is not None) == (spec.kind in (Kind.ARRAY, Kind.INSNS)), where
        if spec.item is not None:
            assert spec.item.name == f"{spec.name}[]", where
        if spec.kind is not Kind.STRUCT:
            assert spec.fields == (), where
        names = [f.name for f in spec.fields]
        assert len(names) == len(set(names)), where
    for command_spec in COMMANDS.values():
        names = [f.name for f in command_spec.fields]
        assert len(names) == len(set(names)), command_spec.name


def test_every_spec_is_reachable_by_field() -> None:
    for cmd, path, kind, spec in all_specs():
        assert field(cmd, path, kind) is spec, (cmd, path)


def test_prog_load_order_follows_7_2() -> None:
    names = [f.name for f in COMMANDS["BPF_PROG_LOAD"].fields]
    # size > 128 (7.2): core_relo_cnt before fd_array; size <= 128: fd_array follows attach_prog_fd
    tail = names[names.index("attach_prog_fd") :]
    assert tail[:5] == ["attach_prog_fd", "core_relo_cnt", "fd_array", "core_relos", "core_relo_rec_size"]
    assert names[:4] == ["prog_type", "insn_cnt", "insns", "license"]


# ---------------------------------------------------------------------------
# Real captures


SENTINELS = {
    ("BPF_PROG_LOAD", "insns[].code"),
    ("BPF_MAP_LOOKUP_BATCH", "batch.count"),
    ("BPF_LINK_CREATE", "link_create.attach_type"),
    ("BPF_OBJ_GET_INFO_BY_FD", "info.info.xlated_prog_insns[].imm"),
    ("BPF_OBJ_GET_INFO_BY_FD", "info.info.btf_value_type_id"),
    ("BPF_MAP_FREEZE", "extra_data"),
    ("BPF_TASK_FD_QUERY", "task_fd_query.probe_addr"),
}


@pytest.mark.parametrize("name", ALL_COMMANDS_V)
def test_every_member_of_the_all_commands_captures_is_known(name: str) -> None:
    seen: set[tuple[str, str]] = set()
    for cmd, members in bpf_calls(need(STRACE / name)):
        kind = info_kind(members)
        for path, _ in members:
            seen.add((cmd, path))
            assert field(cmd, path, kind) is not None, (cmd, path)
    assert seen >= SENTINELS


def sample_files() -> list[Path]:
    return sorted(p for p in need(STRACE).glob("*") if p.is_file() and p.name != "README.md")


def test_every_member_of_every_capture_is_known() -> None:
    files = sample_files()
    assert files
    unknown = {
        (p.name, cmd, path)
        for p in files
        for cmd, members in bpf_calls(p)
        for path, _ in members
        if field(cmd, path, info_kind(members)) is None
    }
    assert unknown == set()


def split_flags(text: str) -> list[str]:
    return [part for part in text.split("|") if part]


def insn_code(names: list[str]) -> int:
    """The opcode of `BPF_LD|BPF_DW|BPF_IMM` / `BPF_ALU64|BPF_K|BPF_MOV` by position."""
    classes = {v: k for k, v in INSN_CLASSES.items()}
    cls = classes[names[0]]
    if names[0] in ("BPF_LD", "BPF_LDX", "BPF_ST", "BPF_STX"):
        sizes = {v: k for k, v in INSN_SIZES.items()}
        modes = {v: k for k, v in INSN_MODES.items()}
        return cls | sizes[names[1]] | modes[INSN_ALIASES.get(names[2], names[2])]
    ops = INSN_ALU_OPS if names[0] in ("BPF_ALU", "BPF_ALU64") else INSN_JMP_OPS
    sources = {v: k for k, v in INSN_SOURCES.items()}
    return cls | sources[names[1]] | {v: k for k, v in ops.items()}[names[2]]


def insn_names(code: int) -> list[str]:
    cls = INSN_CLASSES[code & 0x07]
    if cls in ("BPF_LD", "BPF_LDX", "BPF_ST", "BPF_STX"):
        return [cls, INSN_SIZES[code & 0x18], INSN_MODES[code & 0xE0]]
    ops = INSN_ALU_OPS if cls in ("BPF_ALU", "BPF_ALU64") else INSN_JMP_OPS
    return [cls, INSN_SOURCES[code & 0x08], ops[code & 0xF0]]


def test_instruction_codes_decode() -> None:
    assert insn_names(0x18) == ["BPF_LD", "BPF_DW", "BPF_IMM"]
    assert insn_names(0xB7) == ["BPF_ALU64", "BPF_K", "BPF_MOV"]
    assert insn_names(0x85) == ["BPF_JMP", "BPF_K", "BPF_CALL"]
    assert insn_names(0x95) == ["BPF_JMP", "BPF_K", "BPF_EXIT"]
    assert insn_names(0xDB) == ["BPF_STX", "BPF_DW", "BPF_ATOMIC"]
    assert insn_code(["BPF_STX", "BPF_DW", "BPF_XADD"]) == 0xDB
    assert insn_names(0x91) == ["BPF_LDX", "BPF_B", "BPF_MEMSX"]
    assert insn_names(0xE5) == ["BPF_JMP", "BPF_K", "BPF_JCOND"]


def test_names_in_captures_decode() -> None:
    """Every constant of an ENUM / FLAGS member and every opcode in real captures is known."""
    files = [need(STRACE / n) for n in ALL_COMMANDS_V]
    files += [p for p in sample_files() if "_v" in p.name or "-v-" in p.name]
    checked = 0
    for path in files:
        for cmd, members in bpf_calls(path):
            kind = info_kind(members)
            for member, text in members:
                spec = field(cmd, member, kind)
                assert spec is not None
                if "???" in text or "/*" in text or not text[:1].isalpha():
                    continue  # unknown value, -X verbose/raw: another test
                where = (path.name, cmd, member, text)
                if member.endswith(".code") or member == "code":
                    names = split_flags(text)
                    assert insn_names(insn_code(names)) == [INSN_ALIASES.get(n, n) for n in names], where
                elif spec.kind is Kind.ENUM:
                    assert spec.enum is not None
                    assert enum_value(spec.enum, text) is not None, where
                elif spec.kind is Kind.FLAGS:
                    assert spec.flags is not None
                    assert flag_value(spec.flags, split_flags(text)) is not None, where
                else:
                    continue
                checked += 1
    assert checked > 500


@pytest.mark.parametrize(
    "name",
    [
        "v6.1_ctypes-all-commands_X-verbose.txt",
        "v6.1_bpftool-prog-load_X-verbose.txt",
        "v6.1_ctypes-special-values_X-verbose.txt",
    ],
)
def test_x_verbose_numbers_match_names(name: str) -> None:
    """`-X verbose` prints `NUM /* NAME */`: the tables must agree with strace."""
    checked = 0
    for cmd, members in bpf_calls(need(STRACE / name)):
        kind = info_kind(members)
        for member, text in members:
            spec = field(cmd, member, kind)
            assert spec is not None, (cmd, member)
            if " /* " not in text or spec.kind not in (Kind.ENUM, Kind.FLAGS):
                continue
            number_text, comment = text.split(" /* ", 1)
            number, shown = int(number_text, 0), comment.removesuffix(" */")
            where = (cmd, member, text)
            if spec.enum is not None:
                if shown.endswith("???"):
                    assert enum_name(spec.enum, number) is None, where
                else:
                    assert enum_name(spec.enum, number) == shown, where
                    assert enum_value(spec.enum, shown) == number, where
            else:
                assert spec.flags is not None
                names, rest = flag_names(spec.flags, number)
                if shown.endswith("???"):
                    assert names == () and rest == number, where
                    continue
                parts = split_flags(shown)
                if number == 0:
                    assert parts == [ZERO_NAMES[spec.flags]], where
                else:
                    assert [*names, *([hex(rest)] if rest else [])] == parts, where
                assert flag_value(spec.flags, parts) == number, where
            checked += 1
    assert checked > 10


def test_x_verbose_command_numbers() -> None:
    path = need(STRACE / "v6.1_ctypes-all-commands_X-verbose.txt")
    seen = 0
    for line in path.read_text().splitlines():
        if not line.startswith("bpf("):
            continue
        number, comment = line[4:].split(",", 1)[0].split(" /* ")
        shown = comment.removesuffix(" */")
        spec = command(int(number, 0))
        if shown.endswith("???"):
            # numbers strace 6.1 did not know yet still name a command of c.1 (or none)
            assert spec is None or spec.number > 34
        else:
            assert spec is not None and spec.name == shown
            seen += 1
    assert seen > 40


# ---------------------------------------------------------------------------
# Constant tables


def test_tables_from_the_spec() -> None:
    assert enum_name("map_type", 0x1B) == "BPF_MAP_TYPE_RINGBUF"
    assert enum_name("map_type", 0x63) is None
    assert enum_name("map_type", 35) == "BPF_MAP_TYPE_RHASH"
    assert enum_name("prog_type", 32) == "BPF_PROG_TYPE_NETFILTER"
    assert enum_name("attach_type", 0x25) == "BPF_XDP"
    assert enum_name("attach_type", 45) == "BPF_NETFILTER"
    assert enum_name("attach_type", 61) == "BPF_TRACE_FSESSION_MULTI"
    assert len(ENUMS["attach_type"]) == 62
    assert enum_name("task_fd_type", 0) == "BPF_FD_TYPE_RAW_TRACEPOINT"
    assert enum_name("stats_type", 0) == "BPF_STATS_RUN_TIME"
    assert enum_name("reg", 10) == "BPF_REG_10" and enum_name("reg", 11) is None
    assert enum_value("map_update_flags_value", "BPF_EXIST") == 2
    assert enum_value("prog_type", "BPF_PROG_TYPE_XDP") == 6
    assert enum_value("prog_type", "BPF_PROG_TYPE_NOPE") is None

    assert flag_names("map_flags", 0x480) == (("BPF_F_RDONLY_PROG", "BPF_F_MMAPABLE"), 0)
    assert flag_names("map_flags", 0x40000001) == (("BPF_F_NO_PREALLOC",), 0x40000000)
    assert flag_names("map_flags", 0x100) == (("BPF_F_WRONLY_PROG",), 0)
    assert flag_names("map_flags", 1 << 13) == (("BPF_F_LINK",), 0)
    assert flag_names("attach_flags", 0x2002) == (("BPF_F_ALLOW_MULTI", "BPF_F_LINK"), 0)
    assert flag_names("query_flags", 0xDEADF00D) == (("BPF_F_QUERY_EFFECTIVE",), 0xDEADF00C)
    assert flag_names("file_flags", 1 << 19) == (("BPF_F_RB_OVERWRITE",), 0)
    assert flag_names("file_mode_flags", 0x18) == (("BPF_F_RDONLY", "BPF_F_WRONLY"), 0)
    assert flag_names("prog_flags", 0x80) == (("BPF_F_TEST_REG_INVARIANTS",), 0)
    assert flag_names("elem_flags", 0x6) == (("BPF_EXIST", "BPF_F_LOCK"), 0)
    assert flag_names("elem_flags", 0) == ((), 0)
    assert ZERO_NAMES == {"elem_flags": "BPF_ANY"}
    assert flag_value("elem_flags", ["BPF_ANY"]) == 0
    assert flag_value("elem_flags", ["BPF_F_LOCK", "BPF_EXIST"]) == 6
    assert flag_value("map_flags", ["BPF_F_NO_PREALLOC", "0x40000000"]) == 0x40000001
    assert flag_value("map_flags", ["BPF_ANY"]) is None
    assert flag_value("map_flags", []) == 0
    with pytest.raises(ValueError):
        flag_names("map_flags", -1)
    with pytest.raises(KeyError):
        flag_names("no_such_set", 1)


def test_tables_round_trip() -> None:
    for key, table in ENUMS.items():
        assert len(set(table.values())) == len(table), key
        for value, name in table.items():
            assert enum_name(key, value) == name
            assert enum_value(key, name) == value
    for key, bits in FLAG_SETS.items():
        assert all(bit > 0 and bit & (bit - 1) == 0 for bit in bits), key
        everything = 0
        for bit, name in bits.items():
            assert flag_names(key, bit) == ((name,), 0)
            assert flag_value(key, [name]) == bit
            everything |= bit
        names, rest = flag_names(key, everything)
        assert rest == 0 and list(names) == [bits[b] for b in sorted(bits)]
        assert flag_value(key, names) == everything
    assert set(ZERO_NAMES) <= set(FLAG_SETS)


def test_instruction_tables() -> None:
    assert list(INSN_CLASSES) == list(range(8))
    assert dict(INSN_SIZES) == {0x00: "BPF_W", 0x08: "BPF_H", 0x10: "BPF_B", 0x18: "BPF_DW"}
    assert INSN_MODES[0xC0] == "BPF_ATOMIC" and INSN_MODES[0x80] == "BPF_MEMSX"
    assert dict(INSN_SOURCES) == {0x00: "BPF_K", 0x08: "BPF_X"}
    assert INSN_ALU_OPS[0x00] == "BPF_ADD" and INSN_ALU_OPS[0xD0] == "BPF_END"
    assert INSN_JMP_OPS[0x00] == "BPF_JA" and INSN_JMP_OPS[0xE0] == "BPF_JCOND"
    assert len(INSN_ALU_OPS) == 14 and len(INSN_JMP_OPS) == 15
    assert dict(INSN_ALIASES) == {"BPF_XADD": "BPF_ATOMIC"}
