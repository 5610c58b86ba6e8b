"""What strace's ``bpf()`` decoder prints, command by command, as data.

Transcribed from ``shared/formats/strace.md`` sections (b.3), (b.4), (b.6),
(c) and (d): for every command of c.1 the members of its attr struct (the
union over all strace releases, in strace 7.2's order), each member's
:class:`Kind` and diff :class:`Category`, and the constant tables that turn
the numbers of ``-X raw`` / ``0x63 /* BPF_MAP_TYPE_??? */`` into names and
back.  No parsing happens here.

Conventions a consumer relies on:

* ``rule`` (a ``bpflogs.rules.Rule``) is set exactly when ``category`` is not SEMANTIC.
* A member whose kind is STRUCT, ARRAY, INSNS or STRING may be printed as a
  bare address instead (abbreviated ``insns=0x7ffe…``, ``prog_ids=0x…`` of a
  failed PROG_QUERY, undecoded ``info=0x…``): such a value is a pointer and
  falls under the "pointers" rule, whatever the member's category.
* ``if_nametoindex("…")`` / ``makedev(…)`` decorations are host-dependent
  ("host") even where the number itself is compared (``prog_ifindex``).
* Values of a FLAGS member that strace prints in hex without names
  (``flags=0``, ``0x8``) decode through the same FLAG_SETS table.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bpflogs import encoding
from bpflogs.rules import Rule
from bpflogs.words import Word

__all__ = [
    "COMMANDS",
    "COMMANDS_BY_NUMBER",
    "ENUMS",
    "EXTRA_DATA",
    "FLAG_SETS",
    "INSN_ALIASES",
    "INSN_ALU_OPS",
    "INSN_CLASSES",
    "INSN_FIELDS",
    "INSN_JMP_OPS",
    "INSN_MODES",
    "INSN_SIZES",
    "INSN_SOURCES",
    "MAP_INFO",
    "PROG_INFO",
    "SIZE_ARGUMENT",
    "ZERO_NAMES",
    "Category",
    "CommandSpec",
    "FieldSpec",
    "Kind",
    "ObjectKind",
    "Returns",
    "command",
    "enum_name",
    "enum_value",
    "field",
    "flag_names",
    "flag_value",
]


class Kind(enum.Enum):
    """What a field's value is."""

    FD = "fd"
    POINTER = "pointer"
    ID = "id"  # a kernel object id (prog/map/btf/link): renumbered by the "ids" rule
    ENUM = "enum"
    FLAGS = "flags"
    SIZE = "size"  # a byte size or an element count
    STRING = "string"
    INT = "int"  # any other number, including BTF *type* ids (they are not object ids)
    STRUCT = "struct"
    ARRAY = "array"
    INSNS = "insns"


class Category(Word):
    """How ``bpflogs diff`` treats a field by default (section d); also the category of an
    attribute change in a diff result (``bpflogs.ChangeCategory``)."""

    SEMANTIC = "semantic"
    VOLATILE = "volatile"
    ENVIRONMENT = "environment"


class ObjectKind(enum.Enum):
    """The kind of bpf object an fd names."""

    MAP = "map"
    PROG = "prog"
    BTF = "btf"
    LINK = "link"
    ITER = "iter"
    TOKEN = "token"
    STATS = "stats"
    # whatever OBJ_GET found at the path: its kind shows only in later use
    PINNED = "pinned"
    ANY = "any"


class Returns(enum.Enum):
    """What a successful call returns."""

    FD = "fd"  # strace marks the return as an fd (decorated with -y)
    STATUS = "status"  # 0 / -1


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One member of an attr struct (or of a nested struct / array item)."""

    name: str
    kind: Kind
    category: Category
    rule: Rule | None = None  # the rule that hides its differences (bpflogs.rules)
    enum: str | None = None
    flags: str | None = None
    object: ObjectKind | None = None
    fields: tuple[FieldSpec, ...] = ()
    item: FieldSpec | None = None
    exit: bool = False


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One bpf command: its number, attr members, return and identity."""

    name: str
    number: int
    fields: tuple[FieldSpec, ...]
    returns: Returns
    creates: ObjectKind | None
    identity: tuple[str, ...] = ()


# ---------------------------------------------------------------------------
# Field constructors: one per recurring (kind, category, rule) combination.

_SEM = Category.SEMANTIC
_VOL = Category.VOLATILE
_ENV = Category.ENVIRONMENT


def _size(name: str, *, exit: bool = False) -> FieldSpec:
    return FieldSpec(name, Kind.SIZE, _SEM, exit=exit)


def _int(name: str, *, exit: bool = False) -> FieldSpec:
    return FieldSpec(name, Kind.INT, _SEM, exit=exit)


def _str(name: str, *, exit: bool = False) -> FieldSpec:
    return FieldSpec(name, Kind.STRING, _SEM, exit=exit)


def _enum(name: str, table: str, *, exit: bool = False) -> FieldSpec:
    return FieldSpec(name, Kind.ENUM, _SEM, enum=table, exit=exit)


def _flags(name: str, table: str, *, exit: bool = False) -> FieldSpec:
    return FieldSpec(name, Kind.FLAGS, _SEM, flags=table, exit=exit)


def _ptr(name: str, *, exit: bool = False) -> FieldSpec:
    return FieldSpec(name, Kind.POINTER, _VOL, Rule.POINTERS, exit=exit)


def _fd(name: str, obj: ObjectKind, *, exit: bool = False) -> FieldSpec:
    return FieldSpec(name, Kind.FD, _VOL, Rule.FDS, object=obj, exit=exit)


def _id(name: str, *, exit: bool = False) -> FieldSpec:
    return FieldSpec(name, Kind.ID, _ENV, Rule.IDS, exit=exit)


def _hidden(name: str, kind: Kind, category: Category, rule: Rule, *, exit: bool = False) -> FieldSpec:
    return FieldSpec(name, kind, category, rule, exit=exit)


def _inout(name: str) -> FieldSpec:
    # `A => B` buffer/count negotiation with the kernel (d.1 "in/out sizes")
    return FieldSpec(name, Kind.SIZE, _VOL, Rule.IN_OUT_SIZES, exit=True)


def _struct(name: str, *members: FieldSpec, exit: bool = False) -> FieldSpec:
    return FieldSpec(name, Kind.STRUCT, _SEM, fields=members, exit=exit)


def _array(name: str, item: FieldSpec, *, exit: bool = False) -> FieldSpec:
    # the array is compared like its elements: prog_ids are ids, syms are semantic
    return FieldSpec(name, Kind.ARRAY, item.category, item.rule, item=item, exit=exit)


# ---------------------------------------------------------------------------
# eBPF instructions (b.6)

INSN_FIELDS: tuple[FieldSpec, ...] = (
    # `code` is an opcode such as BPF_LD|BPF_DW|BPF_IMM: decode with the INSN_* tables
    _int("code"),
    _enum("dst_reg", "reg"),
    _enum("src_reg", "reg"),
    _int("off"),
    # map fds / ids and helper addresses in imm are symbolised by the differ, not hidden
    _int("imm"),
)


def _insns(name: str, *, exit: bool = False) -> FieldSpec:
    item = _struct(f"{name}[]", *INSN_FIELDS)
    return FieldSpec(name, Kind.INSNS, _SEM, item=item, exit=exit)


# the kernel's names of an instruction code's parts, as strace prints them (bpflogs.encoding)
INSN_CLASSES: Mapping[int, str] = MappingProxyType(encoding.CLASS_NAMES)
INSN_SIZES: Mapping[int, str] = MappingProxyType(encoding.SIZE_NAMES)
INSN_MODES: Mapping[int, str] = MappingProxyType(encoding.MODE_NAMES)
INSN_SOURCES: Mapping[int, str] = MappingProxyType(encoding.SOURCE_NAMES)
INSN_ALU_OPS: Mapping[int, str] = MappingProxyType(encoding.ALU_OP_NAMES)
INSN_JMP_OPS: Mapping[int, str] = MappingProxyType(encoding.JMP_OP_NAMES)
INSN_ALIASES: Mapping[str, str] = MappingProxyType(encoding.NAME_ALIASES)


# ---------------------------------------------------------------------------
# Constant tables (c.1).  Only what strace 7.2 itself names: a name strace
# never prints would make a -X raw log decode differently from a default one.


def _seq(prefix: str, names: str, start: int = 0) -> dict[int, str]:
    return {start + i: prefix + n for i, n in enumerate(names.split())}


def _bits(prefix: str, names: str, first_bit: int = 0) -> dict[int, str]:
    return {1 << (first_bit + i): prefix + n for i, n in enumerate(names.split())}


_CMD_NAMES = """
    MAP_CREATE MAP_LOOKUP_ELEM MAP_UPDATE_ELEM MAP_DELETE_ELEM MAP_GET_NEXT_KEY
    PROG_LOAD OBJ_PIN OBJ_GET PROG_ATTACH PROG_DETACH
    PROG_TEST_RUN PROG_GET_NEXT_ID MAP_GET_NEXT_ID PROG_GET_FD_BY_ID MAP_GET_FD_BY_ID
    OBJ_GET_INFO_BY_FD PROG_QUERY RAW_TRACEPOINT_OPEN BTF_LOAD BTF_GET_FD_BY_ID
    TASK_FD_QUERY MAP_LOOKUP_AND_DELETE_ELEM MAP_FREEZE BTF_GET_NEXT_ID MAP_LOOKUP_BATCH
    MAP_LOOKUP_AND_DELETE_BATCH MAP_UPDATE_BATCH MAP_DELETE_BATCH LINK_CREATE LINK_UPDATE
    LINK_GET_FD_BY_ID LINK_GET_NEXT_ID ENABLE_STATS ITER_CREATE LINK_DETACH
    PROG_BIND_MAP TOKEN_CREATE PROG_STREAM_READ_BY_FD PROG_ASSOC_STRUCT_OPS
"""

_PROG_TYPES = """
    UNSPEC SOCKET_FILTER KPROBE SCHED_CLS SCHED_ACT TRACEPOINT XDP PERF_EVENT
    CGROUP_SKB CGROUP_SOCK LWT_IN LWT_OUT LWT_XMIT SOCK_OPS SK_SKB CGROUP_DEVICE
    SK_MSG RAW_TRACEPOINT CGROUP_SOCK_ADDR LWT_SEG6LOCAL LIRC_MODE2 SK_REUSEPORT
    FLOW_DISSECTOR CGROUP_SYSCTL RAW_TRACEPOINT_WRITABLE CGROUP_SOCKOPT TRACING
    STRUCT_OPS EXT LSM SK_LOOKUP SYSCALL NETFILTER
"""

_MAP_TYPES = """
    UNSPEC HASH ARRAY PROG_ARRAY PERF_EVENT_ARRAY PERCPU_HASH PERCPU_ARRAY
    STACK_TRACE CGROUP_ARRAY LRU_HASH LRU_PERCPU_HASH LPM_TRIE ARRAY_OF_MAPS
    HASH_OF_MAPS DEVMAP SOCKMAP CPUMAP XSKMAP SOCKHASH CGROUP_STORAGE
    REUSEPORT_SOCKARRAY PERCPU_CGROUP_STORAGE QUEUE STACK SK_STORAGE DEVMAP_HASH
    STRUCT_OPS RINGBUF INODE_STORAGE TASK_STORAGE BLOOM_FILTER USER_RINGBUF
    CGRP_STORAGE ARENA INSN_ARRAY RHASH
"""

_ATTACH_TYPES = """
    CGROUP_INET_INGRESS CGROUP_INET_EGRESS CGROUP_INET_SOCK_CREATE CGROUP_SOCK_OPS
    SK_SKB_STREAM_PARSER SK_SKB_STREAM_VERDICT CGROUP_DEVICE SK_MSG_VERDICT
    CGROUP_INET4_BIND CGROUP_INET6_BIND CGROUP_INET4_CONNECT CGROUP_INET6_CONNECT
    CGROUP_INET4_POST_BIND CGROUP_INET6_POST_BIND CGROUP_UDP4_SENDMSG
    CGROUP_UDP6_SENDMSG LIRC_MODE2 FLOW_DISSECTOR CGROUP_SYSCTL CGROUP_UDP4_RECVMSG
    CGROUP_UDP6_RECVMSG CGROUP_GETSOCKOPT CGROUP_SETSOCKOPT TRACE_RAW_TP
    TRACE_FENTRY TRACE_FEXIT MODIFY_RETURN LSM_MAC TRACE_ITER
    CGROUP_INET4_GETPEERNAME CGROUP_INET6_GETPEERNAME CGROUP_INET4_GETSOCKNAME
    CGROUP_INET6_GETSOCKNAME XDP_DEVMAP CGROUP_INET_SOCK_RELEASE XDP_CPUMAP
    SK_LOOKUP XDP SK_SKB_VERDICT SK_REUSEPORT_SELECT SK_REUSEPORT_SELECT_OR_MIGRATE
    PERF_EVENT TRACE_KPROBE_MULTI LSM_CGROUP STRUCT_OPS NETFILTER TCX_INGRESS
    TCX_EGRESS TRACE_UPROBE_MULTI CGROUP_UNIX_CONNECT CGROUP_UNIX_SENDMSG
    CGROUP_UNIX_RECVMSG CGROUP_UNIX_GETPEERNAME CGROUP_UNIX_GETSOCKNAME
    NETKIT_PRIMARY NETKIT_PEER TRACE_KPROBE_SESSION TRACE_UPROBE_SESSION
    TRACE_FSESSION TRACE_FENTRY_MULTI TRACE_FEXIT_MULTI TRACE_FSESSION_MULTI
"""

ENUMS: Mapping[str, Mapping[int, str]] = MappingProxyType(
    {
        "cmd": MappingProxyType(_seq("BPF_", _CMD_NAMES)),
        "prog_type": MappingProxyType(_seq("BPF_PROG_TYPE_", _PROG_TYPES)),
        "map_type": MappingProxyType(_seq("BPF_MAP_TYPE_", _MAP_TYPES)),
        "attach_type": MappingProxyType(_seq("BPF_", _ATTACH_TYPES)),
        "task_fd_type": MappingProxyType(
            _seq(
                "BPF_FD_TYPE_",
                "RAW_TRACEPOINT TRACEPOINT KPROBE KRETPROBE UPROBE URETPROBE",
            )
        ),
        "stats_type": MappingProxyType({0: "BPF_STATS_RUN_TIME"}),
        "reg": MappingProxyType({i: f"BPF_REG_{i}" for i in range(11)}),
        # strace <= 6.x prints MAP_UPDATE_ELEM flags as one value; combinations are
        # `0x6 /* BPF_??? */`.  The bits agree with FLAG_SETS["elem_flags"].
        "map_update_flags_value": MappingProxyType(
            {0: "BPF_ANY", 1: "BPF_NOEXIST", 2: "BPF_EXIST", 4: "BPF_F_LOCK"}
        ),
    }
)

FLAG_SETS: Mapping[str, Mapping[int, str]] = MappingProxyType(
    {
        "map_flags": MappingProxyType(
            _bits(
                "BPF_F_",
                "NO_PREALLOC NO_COMMON_LRU NUMA_NODE RDONLY WRONLY STACK_BUILD_ID"
                " ZERO_SEED RDONLY_PROG WRONLY_PROG CLONE MMAPABLE PRESERVE_ELEMS"
                " INNER_MAP LINK",
            )
        ),
        "prog_flags": MappingProxyType(
            _bits(
                "BPF_F_",
                "STRICT_ALIGNMENT ANY_ALIGNMENT TEST_RND_HI32 TEST_STATE_FREQ SLEEPABLE"
                " XDP_HAS_FRAGS XDP_DEV_BOUND_ONLY TEST_REG_INVARIANTS",
            )
        ),
        "attach_flags": MappingProxyType(
            _bits("BPF_F_", "ALLOW_OVERRIDE ALLOW_MULTI REPLACE BEFORE AFTER ID PREORDER")
            | {1 << 13: "BPF_F_LINK"}
        ),
        # OBJ_PIN/OBJ_GET file_flags (>= 6.5) and BTF_LOAD btf_flags; a superset
        # of file_mode_flags, so it also decodes what older stracees print there
        "file_flags": MappingProxyType(
            _bits("BPF_F_", "RDONLY WRONLY", 3)
            | _bits(
                "BPF_F_",
                "PATH_FD VTYPE_BTF_OBJ_FD TOKEN_FD SEGV_ON_FAULT NO_USER_CONV RB_OVERWRITE",
                14,
            )
        ),
        "file_mode_flags": MappingProxyType(_bits("BPF_F_", "RDONLY WRONLY", 3)),
        # lookup and update flags in one table: strace's lookup list is the update
        # list minus NOEXIST/EXIST, and both name 0 BPF_ANY (ZERO_NAMES)
        "elem_flags": MappingProxyType(
            {
                1: "BPF_NOEXIST",
                2: "BPF_EXIST",
                4: "BPF_F_LOCK",
                8: "BPF_F_CPU",
                16: "BPF_F_ALL_CPUS",
            }
        ),
        "query_flags": MappingProxyType({1: "BPF_F_QUERY_EFFECTIVE"}),
        "test_run_flags": MappingProxyType({1: "BPF_F_TEST_RUN_ON_CPU", 2: "BPF_F_TEST_XDP_LIVE_FRAMES"}),
        "kprobe_multi_flags": MappingProxyType({1: "BPF_F_KPROBE_MULTI_RETURN"}),
        # PATH_FD: the spec lists it after RETURN (7.2 adds uprobe_multi.path_fd)
        "uprobe_multi_flags": MappingProxyType(
            {1: "BPF_F_UPROBE_MULTI_RETURN", 2: "BPF_F_UPROBE_MULTI_PATH_FD"}
        ),
        "netfilter_flags": MappingProxyType({1: "BPF_F_NETFILTER_IP_DEFRAG"}),
    }
)

ZERO_NAMES: Mapping[str, str] = MappingProxyType({"elem_flags": "BPF_ANY"})


# ---------------------------------------------------------------------------
# bpf_prog_info / bpf_map_info (c.4): printed at exit inside OBJ_GET_INFO_BY_FD

PROG_INFO: tuple[FieldSpec, ...] = (
    _enum("type", "prog_type", exit=True),
    _id("id", exit=True),
    # stable for one object and map layout (d.2), so compared
    _str("tag", exit=True),
    _hidden("jited_prog_len", Kind.SIZE, _VOL, Rule.COUNTERS, exit=True),
    # the JIT image depends on the kernel; d.1 groups jited_* with counters
    _hidden("jited_prog_insns", Kind.STRING, _VOL, Rule.COUNTERS, exit=True),
    _inout("xlated_prog_len"),
    _insns("xlated_prog_insns", exit=True),
    _hidden("load_time", Kind.INT, _VOL, Rule.TIMESTAMPS, exit=True),
    _hidden("created_by_uid", Kind.INT, _ENV, Rule.HOST, exit=True),
    _inout("nr_map_ids"),
    _array("map_ids", _id("map_ids[]"), exit=True),
    _str("name", exit=True),
    _int("ifindex", exit=True),
    _int("gpl_compatible", exit=True),
    _hidden("netns_dev", Kind.INT, _ENV, Rule.HOST, exit=True),
    _hidden("netns_ino", Kind.INT, _ENV, Rule.HOST, exit=True),
    _hidden("nr_jited_ksyms", Kind.SIZE, _VOL, Rule.COUNTERS, exit=True),
    _hidden("nr_jited_func_lens", Kind.SIZE, _VOL, Rule.COUNTERS, exit=True),
    _ptr("jited_ksyms", exit=True),
    _ptr("jited_func_lens", exit=True),
    _id("btf_id", exit=True),
    _inout("func_info_rec_size"),
    _ptr("func_info", exit=True),
    _inout("nr_func_info"),
    _inout("nr_line_info"),
    _ptr("line_info", exit=True),
    _ptr("jited_line_info", exit=True),
    _hidden("nr_jited_line_info", Kind.SIZE, _VOL, Rule.COUNTERS, exit=True),
    _inout("line_info_rec_size"),
    _hidden("jited_line_info_rec_size", Kind.SIZE, _VOL, Rule.COUNTERS, exit=True),
    _inout("nr_prog_tags"),
    _ptr("prog_tags", exit=True),
    _hidden("run_time_ns", Kind.INT, _VOL, Rule.TIMESTAMPS, exit=True),
    _hidden("run_cnt", Kind.INT, _VOL, Rule.COUNTERS, exit=True),
    _hidden("recursion_misses", Kind.INT, _VOL, Rule.COUNTERS, exit=True),
    _hidden("verified_insns", Kind.INT, _ENV, Rule.VERIFIER, exit=True),
    _id("attach_btf_obj_id", exit=True),
    _hidden("attach_btf_id", Kind.INT, _ENV, Rule.VMLINUX_BTF_IDS, exit=True),
)

MAP_INFO: tuple[FieldSpec, ...] = (
    _enum("type", "map_type", exit=True),
    _id("id", exit=True),
    _size("key_size", exit=True),
    _size("value_size", exit=True),
    _size("max_entries", exit=True),
    _flags("map_flags", "map_flags", exit=True),
    _str("name", exit=True),
    _int("ifindex", exit=True),
    _hidden("btf_vmlinux_value_type_id", Kind.INT, _ENV, Rule.VMLINUX_BTF_IDS, exit=True),
    _hidden("netns_dev", Kind.INT, _ENV, Rule.HOST, exit=True),
    _hidden("netns_ino", Kind.INT, _ENV, Rule.HOST, exit=True),
    _id("btf_id", exit=True),
    _int("btf_key_type_id", exit=True),
    _int("btf_value_type_id", exit=True),
    # the object id of vmlinux BTF: differs per boot like any id, but the brief
    # groups it with the vmlinux BTF ids
    _hidden("btf_vmlinux_id", Kind.ID, _ENV, Rule.VMLINUX_BTF_IDS, exit=True),
    _int("map_extra", exit=True),
    # printed hex (`hash=0`) but it is the user buffer the kernel writes the hash to
    _ptr("hash", exit=True),
    _size("hash_size", exit=True),
)

# `info.info`: decoded as PROG_INFO / MAP_INFO only for a prog or map fd with -v;
# otherwise (and for BTF / link fds) an address.
_INFO_DATA = FieldSpec("info", Kind.STRUCT, _SEM, exit=True)


# ---------------------------------------------------------------------------
# Members shared by several commands

_ELEM_FLAGS = _flags("flags", "elem_flags")
_MAP_FD = _fd("map_fd", ObjectKind.MAP)
_KEY = _ptr("key")
_VALUE = _ptr("value")

# *_GET_NEXT_ID: `next_id` is an output (E->X in 5.18-6.17, X from 6.18)
_GET_NEXT_ID = (
    _id("start_id"),
    _id("next_id", exit=True),
    _flags("open_flags", "file_mode_flags", exit=True),
)

_OBJ_PATH = (
    _str("pathname"),
    _fd("bpf_fd", ObjectKind.ANY),
    _flags("file_flags", "file_flags"),
    _fd("path_fd", ObjectKind.ANY),  # a directory fd or AT_FDCWD
)


def _revision(name: str, *, exit: bool = False) -> FieldSpec:
    # counts changes of the attach point, so it grows from run to run on one host
    return _hidden(name, Kind.INT, _VOL, Rule.COUNTERS, exit=exit)


def _relative(name: str) -> FieldSpec:
    return _struct(
        name,
        _fd("relative_fd", ObjectKind.ANY),
        _id("relative_id"),
        _revision("expected_revision"),
    )


_PROG_ATTACH = (
    _fd("target_fd", ObjectKind.ANY),  # a cgroup, netns or sockmap fd
    _int("target_ifindex"),
    _fd("attach_bpf_fd", ObjectKind.PROG),
    _enum("attach_type", "attach_type"),
    _flags("attach_flags", "attach_flags"),
    _fd("replace_bpf_fd", ObjectKind.PROG),
    _fd("relative_fd", ObjectKind.ANY),  # a prog or a link
    _id("relative_id"),
    _revision("expected_revision"),
)


def _batch(*names: str) -> FieldSpec:
    members = {
        "in_batch": _ptr("in_batch"),
        "out_batch": _ptr("out_batch"),
        "keys": _ptr("keys"),
        "values": _ptr("values"),
        # the input count is the loader's; the `=> {batch={count=N}}` output is data
        "count": _size("count", exit=True),
        "map_fd": _MAP_FD,
        "elem_flags": _flags("elem_flags", "elem_flags"),
        "flags": _int("flags"),  # printed hex, no named bits
    }
    return _struct("batch", *(members[n] for n in names))


_LOOKUP_BATCH = _batch("in_batch", "out_batch", "keys", "values", "count", "map_fd", "elem_flags", "flags")

_LINK_CREATE = _struct(
    "link_create",
    _fd("prog_fd", ObjectKind.PROG),
    _fd("target_fd", ObjectKind.ANY),  # cgroup, netns, perf event, target prog or 0
    _int("target_ifindex"),
    _enum("attach_type", "attach_type"),
    _flags("flags", "attach_flags"),  # hex before strace 6.18, same bits
    # the union member, chosen by attach_type (c.5)
    # a program-local target is semantic (d.2) but the schema cannot tell; most are vmlinux
    _hidden("target_btf_id", Kind.INT, _ENV, Rule.VMLINUX_BTF_IDS),
    _relative("cgroup"),
    _array(
        "iter_info",
        _struct("iter_info[]", _struct("map", _fd("map_fd", ObjectKind.MAP))),
    ),
    _size("iter_info_len"),
    _struct("perf_event", _int("bpf_cookie")),
    _struct(
        "kprobe_multi",
        _flags("flags", "kprobe_multi_flags"),
        _size("cnt"),
        _array("syms", _str("syms[]")),
        # kernel addresses move with KASLR on every boot
        _array("addrs", _hidden("addrs[]", Kind.INT, _ENV, Rule.HOST)),
        _array("cookies", _int("cookies[]")),
    ),
    _struct(
        "tracing",
        _hidden("target_btf_id", Kind.INT, _ENV, Rule.VMLINUX_BTF_IDS),
        _int("cookie"),
    ),
    _struct(
        "tracing_multi",
        _array("ids", _hidden("ids[]", Kind.INT, _ENV, Rule.VMLINUX_BTF_IDS)),
        _array("cookies", _int("cookies[]")),
        _size("cnt"),
    ),
    _struct(
        "netfilter",
        _int("pf"),
        _int("hooknum"),
        _int("priority"),
        _flags("flags", "netfilter_flags"),
    ),
    _relative("tcx"),
    _relative("netkit"),
    _struct(
        "uprobe_multi",
        _str("path"),
        _array("offsets", _int("offsets[]")),
        _array("ref_ctr_offsets", _int("ref_ctr_offsets[]")),
        _array("cookies", _int("cookies[]")),
        _size("cnt"),
        _flags("flags", "uprobe_multi_flags"),
        _hidden("pid", Kind.INT, _VOL, Rule.PIDS),
        _fd("path_fd", ObjectKind.ANY),
    ),
)


# ---------------------------------------------------------------------------
# The commands (c.2-c.5), in number order

_S = Returns.STATUS
_F = Returns.FD

_COMMAND_LIST: tuple[CommandSpec, ...] = (
    CommandSpec(
        "BPF_MAP_CREATE",
        0,
        (
            _enum("map_type", "map_type"),
            _size("key_size"),
            _size("value_size"),
            _size("max_entries"),
            _flags("map_flags", "map_flags"),
            _fd("inner_map_fd", ObjectKind.MAP),
            _int("numa_node"),
            _str("map_name"),
            _int("map_ifindex"),  # 0 vs offload device: compared (d.2 says so for progs)
            _fd("btf_fd", ObjectKind.BTF),
            # type ids inside the loader's own BTF blob are deterministic (d.2)
            _int("btf_key_type_id"),
            _int("btf_value_type_id"),
            _hidden("btf_vmlinux_value_type_id", Kind.INT, _ENV, Rule.VMLINUX_BTF_IDS),
            _int("map_extra"),
            _fd("value_type_btf_obj_fd", ObjectKind.BTF),
            _fd("map_token_fd", ObjectKind.TOKEN),
            _ptr("excl_prog_hash"),
            _size("excl_prog_hash_size"),
        ),
        _F,
        ObjectKind.MAP,
        ("map_name",),
    ),
    CommandSpec("BPF_MAP_LOOKUP_ELEM", 1, (_MAP_FD, _KEY, _VALUE, _ELEM_FLAGS), _S, None),
    CommandSpec("BPF_MAP_UPDATE_ELEM", 2, (_MAP_FD, _KEY, _VALUE, _ELEM_FLAGS), _S, None),
    CommandSpec("BPF_MAP_DELETE_ELEM", 3, (_MAP_FD, _KEY), _S, None),
    # next_key was printed at exit only by strace 4.11-4.18
    CommandSpec("BPF_MAP_GET_NEXT_KEY", 4, (_MAP_FD, _KEY, _ptr("next_key")), _S, None),
    CommandSpec(
        "BPF_PROG_LOAD",
        5,
        (
            _enum("prog_type", "prog_type"),
            _size("insn_cnt"),
            _insns("insns"),
            _str("license"),
            _int("log_level"),
            # what the loader asks for, like log_level (log_true_size is the kernel's answer)
            _size("log_size"),
            # printed at entry: a previous attempt's log, never this call's
            _hidden("log_buf", Kind.STRING, _ENV, Rule.VERIFIER),
            _hidden("kern_version", Kind.INT, _ENV, Rule.KERNEL_VERSION),
            _flags("prog_flags", "prog_flags"),
            _str("prog_name"),
            _int("prog_ifindex"),
            _enum("expected_attach_type", "attach_type"),
            _fd("prog_btf_fd", ObjectKind.BTF),
            _size("func_info_rec_size"),
            _ptr("func_info"),
            _size("func_info_cnt"),
            _size("line_info_rec_size"),
            _ptr("line_info"),
            _size("line_info_cnt"),
            _hidden("attach_btf_id", Kind.INT, _ENV, Rule.VMLINUX_BTF_IDS),
            _fd("attach_prog_fd", ObjectKind.ANY),  # union with attach_btf_obj_fd (module BTF)
            # >= 6.18 with size > 128 prints core_relo_cnt before fd_array; this order
            # keeps fd_array after attach_prog_fd for size <= 128 too
            _size("core_relo_cnt"),
            _ptr("fd_array"),
            _ptr("core_relos"),
            _size("core_relo_rec_size"),
            _hidden("log_true_size", Kind.SIZE, _ENV, Rule.VERIFIER, exit=True),
            _fd("prog_token_fd", ObjectKind.TOKEN, exit=True),
            _size("fd_array_cnt", exit=True),
            _str("signature", exit=True),
            _size("signature_size", exit=True),
            # key serial numbers are allocated per boot
            _hidden("keyring_id", Kind.INT, _ENV, Rule.HOST, exit=True),
        ),
        _F,
        ObjectKind.PROG,
        ("prog_name",),
    ),
    # OBJ_PIN returns 0, but strace marks it fd-returning (`= 0</dev/null>` with -y)
    CommandSpec("BPF_OBJ_PIN", 6, _OBJ_PATH, _F, None, ("pathname",)),
    CommandSpec("BPF_OBJ_GET", 7, _OBJ_PATH, _F, ObjectKind.PINNED, ("pathname",)),
    CommandSpec("BPF_PROG_ATTACH", 8, _PROG_ATTACH, _S, None, ("attach_type",)),
    # <= 6.17 prints only target_fd and attach_type; >= 6.18 the same members as ATTACH
    CommandSpec("BPF_PROG_DETACH", 9, _PROG_ATTACH, _S, None, ("attach_type",)),
    CommandSpec(
        "BPF_PROG_TEST_RUN",
        10,
        (
            # everything is printed at entry: retval/data_size_out are the inputs
            _struct(
                "test",
                _fd("prog_fd", ObjectKind.PROG),
                _int("retval"),
                _size("data_size_in"),
                _size("data_size_out"),
                _ptr("data_in"),
                _ptr("data_out"),
                _int("repeat"),
                _hidden("duration", Kind.INT, _VOL, Rule.TIMESTAMPS),
                _size("ctx_size_in"),
                _size("ctx_size_out"),
                _ptr("ctx_in"),
                _ptr("ctx_out"),
                _flags("flags", "test_run_flags"),
                _int("cpu"),
                _size("batch_size"),
            ),
        ),
        _S,
        None,
    ),
    CommandSpec("BPF_PROG_GET_NEXT_ID", 11, _GET_NEXT_ID, _S, None),
    CommandSpec("BPF_MAP_GET_NEXT_ID", 12, _GET_NEXT_ID, _S, None),
    # next_id (an unused input) up to strace 6.17; open_flags gone for progs in 6.18
    CommandSpec(
        "BPF_PROG_GET_FD_BY_ID",
        13,
        (_id("prog_id"), _id("next_id"), _flags("open_flags", "file_mode_flags")),
        _F,
        ObjectKind.PROG,
    ),
    CommandSpec(
        "BPF_MAP_GET_FD_BY_ID",
        14,
        (_id("map_id"), _id("next_id"), _flags("open_flags", "file_mode_flags")),
        _F,
        ObjectKind.MAP,
    ),
    CommandSpec(
        "BPF_OBJ_GET_INFO_BY_FD",
        15,
        (
            _struct(
                "info",
                _fd("bpf_fd", ObjectKind.ANY),
                _inout("info_len"),
                _INFO_DATA,
            ),
        ),
        _S,
        None,
    ),
    CommandSpec(
        "BPF_PROG_QUERY",
        16,
        (
            _struct(
                "query",
                _fd("target_fd", ObjectKind.ANY),
                _int("target_ifindex"),
                _enum("attach_type", "attach_type"),
                _flags("query_flags", "query_flags"),
                _flags("attach_flags", "attach_flags"),
                _array("prog_ids", _id("prog_ids[]"), exit=True),
                _inout("prog_cnt"),
                _array(
                    "prog_attach_flags",
                    _flags("prog_attach_flags[]", "attach_flags"),
                    exit=True,
                ),
                _array("link_ids", _id("link_ids[]"), exit=True),
                _array(
                    "link_attach_flags",
                    _flags("link_attach_flags[]", "attach_flags"),
                    exit=True,
                ),
                _revision("revision", exit=True),
            ),
        ),
        _S,
        None,
        ("query.attach_type",),
    ),
    CommandSpec(
        "BPF_RAW_TRACEPOINT_OPEN",
        17,
        (
            _struct(
                "raw_tracepoint",
                _str("name"),
                _fd("prog_fd", ObjectKind.PROG),
                _int("cookie"),
            ),
        ),
        _F,  # the fd is a link, but strace never decorates it
        ObjectKind.LINK,
        ("raw_tracepoint.name",),
    ),
    CommandSpec(
        "BPF_BTF_LOAD",
        18,
        (
            _str("btf"),
            _ptr("btf_log_buf"),
            _size("btf_size"),
            _size("btf_log_size"),  # asked for by the loader, like btf_log_level
            _int("btf_log_level"),
            _hidden("btf_log_true_size", Kind.SIZE, _ENV, Rule.VERIFIER, exit=True),
            _flags("btf_flags", "file_flags", exit=True),
            _fd("btf_token_fd", ObjectKind.TOKEN, exit=True),
        ),
        _F,
        ObjectKind.BTF,
    ),
    CommandSpec(
        "BPF_BTF_GET_FD_BY_ID",
        19,
        (
            _id("btf_id"),
            _flags("open_flags", "file_mode_flags"),
            _fd("fd_by_id_token_fd", ObjectKind.TOKEN),
        ),
        _F,
        ObjectKind.BTF,
    ),
    CommandSpec(
        "BPF_TASK_FD_QUERY",
        20,
        (
            _struct(
                "task_fd_query",
                _hidden("pid", Kind.INT, _VOL, Rule.PIDS),
                _fd("fd", ObjectKind.ANY),  # a perf event or raw tracepoint fd
                _int("flags"),
                _inout("buf_len"),
                _str("buf", exit=True),
                _id("prog_id", exit=True),
                _enum("fd_type", "task_fd_type", exit=True),
                _int("probe_offset", exit=True),
                _int("probe_addr", exit=True),
            ),
        ),
        _S,
        None,
    ),
    CommandSpec(
        "BPF_MAP_LOOKUP_AND_DELETE_ELEM",
        21,
        (_MAP_FD, _KEY, _VALUE, _ELEM_FLAGS),
        _S,
        None,
    ),
    CommandSpec("BPF_MAP_FREEZE", 22, (_MAP_FD,), _S, None),
    CommandSpec("BPF_BTF_GET_NEXT_ID", 23, _GET_NEXT_ID, _S, None),
    CommandSpec("BPF_MAP_LOOKUP_BATCH", 24, (_LOOKUP_BATCH,), _S, None),
    CommandSpec("BPF_MAP_LOOKUP_AND_DELETE_BATCH", 25, (_LOOKUP_BATCH,), _S, None),
    CommandSpec(
        "BPF_MAP_UPDATE_BATCH",
        26,
        (_batch("keys", "values", "count", "map_fd", "elem_flags", "flags"),),
        _S,
        None,
    ),
    CommandSpec(
        "BPF_MAP_DELETE_BATCH",
        27,
        (_batch("keys", "count", "map_fd", "elem_flags", "flags"),),
        _S,
        None,
    ),
    CommandSpec(
        "BPF_LINK_CREATE",
        28,
        (_LINK_CREATE,),
        _F,
        ObjectKind.LINK,
        ("link_create.attach_type",),
    ),
    CommandSpec(
        "BPF_LINK_UPDATE",
        29,
        (
            _struct(
                "link_update",
                _fd("link_fd", ObjectKind.LINK),
                _fd("new_prog_fd", ObjectKind.PROG),
                _flags("flags", "attach_flags"),
                _fd("old_prog_fd", ObjectKind.PROG),
            ),
        ),
        _S,
        None,
    ),
    CommandSpec("BPF_LINK_GET_FD_BY_ID", 30, (_id("link_id"),), _F, ObjectKind.LINK),
    CommandSpec("BPF_LINK_GET_NEXT_ID", 31, _GET_NEXT_ID, _S, None),
    CommandSpec(
        "BPF_ENABLE_STATS",
        32,
        (_struct("enable_stats", _enum("type", "stats_type")),),
        _F,
        ObjectKind.STATS,
        ("enable_stats.type",),
    ),
    CommandSpec(
        "BPF_ITER_CREATE",
        33,
        (_struct("iter_create", _fd("link_fd", ObjectKind.LINK), _int("flags")),),
        _F,
        ObjectKind.ITER,
    ),
    CommandSpec(
        "BPF_LINK_DETACH",
        34,
        (_struct("link_detach", _fd("link_fd", ObjectKind.LINK)),),
        _S,
        None,
    ),
    # returns 0, but strace (>= 6.5) marks it fd-returning like OBJ_PIN
    CommandSpec(
        "BPF_PROG_BIND_MAP",
        35,
        (
            _struct(
                "prog_bind_map",
                _fd("prog_fd", ObjectKind.PROG),
                _MAP_FD,
                _int("flags"),
            ),
        ),
        _F,
        None,
    ),
    CommandSpec(
        "BPF_TOKEN_CREATE",
        36,
        (
            _struct(
                "token_create",
                _int("flags"),
                _fd("bpffs_fd", ObjectKind.ANY),  # a bpffs mount, not a bpf object
            ),
        ),
        _F,
        ObjectKind.TOKEN,
    ),
    # succeeds with a byte count, not an fd: STATUS is the closer of the two
    CommandSpec(
        "BPF_PROG_STREAM_READ_BY_FD",
        37,
        (
            _struct(
                "prog_stream_read",
                # what the program wrote to its stream: its output, so compared
                _str("stream_buf", exit=True),
                _size("stream_buf_len", exit=True),
                _int("stream_id", exit=True),
                _fd("prog_fd", ObjectKind.PROG, exit=True),
                exit=True,
            ),
        ),
        _S,
        None,
    ),
    CommandSpec(
        "BPF_PROG_ASSOC_STRUCT_OPS",
        38,
        (
            _struct(
                "prog_assoc_struct_ops",
                _MAP_FD,
                _fd("prog_fd", ObjectKind.PROG),
                _int("flags"),
            ),
        ),
        _S,
        None,
    ),
)

COMMANDS: Mapping[str, CommandSpec] = MappingProxyType({c.name: c for c in _COMMAND_LIST})
COMMANDS_BY_NUMBER: Mapping[int, CommandSpec] = MappingProxyType({c.number: c for c in _COMMAND_LIST})

# `extra_data="\x…" /* bytes N..M */` (-v, >= 5.12) may end any struct: attr bytes
# past what this strace decodes.  They exist because of `size`, so the same rule hides them.
EXTRA_DATA = FieldSpec("extra_data", Kind.STRING, _ENV, Rule.SIZE)

# The third bpf() argument.  d.2: semantic for the loader's ABI but it moves with
# the libbpf version, so it gets its own rule.
SIZE_ARGUMENT = FieldSpec("size", Kind.SIZE, _ENV, Rule.SIZE)


# ---------------------------------------------------------------------------
# Lookups


def command(name_or_number: str | int) -> CommandSpec | None:
    """The command named ``BPF_…`` or numbered so; None if c.1 has no such command."""
    if isinstance(name_or_number, int):
        return COMMANDS_BY_NUMBER.get(name_or_number)
    return COMMANDS.get(name_or_number)


def _member(members: tuple[FieldSpec, ...], name: str) -> FieldSpec | None:
    for spec in members:
        if spec.name == name:
            return spec
    return EXTRA_DATA if name == EXTRA_DATA.name else None


def field(command: str, path: str, info: ObjectKind | None = None) -> FieldSpec | None:
    """The spec of the member at dotted ``path`` from the attr root of ``command``.

    ``name[]`` steps into an array's item; a path may also go through an array
    without ``[]`` (``link_create.iter_info.map.map_fd``).  Members of the decoded
    ``info.info`` need ``info`` = PROG or MAP (the kind of the ``bpf_fd``): with
    anything else they are None.  ``extra_data`` is known at every struct level.
    Unknown command or member: None.
    """
    spec = COMMANDS.get(command)
    if spec is None or not path:
        return None
    members = spec.fields
    found: FieldSpec | None = None
    for step in path.split("."):
        if found is not None:
            members_or_none = _members_of(found, info)
            if members_or_none is None:
                return None
            members = members_or_none
        name, into_item = (step[:-2], True) if step.endswith("[]") else (step, False)
        found = _member(members, name)
        if found is None:
            return None
        if into_item:
            if found.item is None:
                return None
            found = found.item
    return found


def _members_of(spec: FieldSpec, info: ObjectKind | None) -> tuple[FieldSpec, ...] | None:
    if spec is _INFO_DATA:
        if info is ObjectKind.PROG:
            return PROG_INFO
        if info is ObjectKind.MAP:
            return MAP_INFO
        return None
    if spec.item is not None:  # going through an array without "[]"
        spec = spec.item
    return spec.fields if spec.kind is Kind.STRUCT else None


_ENUM_VALUES: Mapping[str, Mapping[str, int]] = MappingProxyType(
    {key: MappingProxyType({n: v for v, n in t.items()}) for key, t in ENUMS.items()}
)
_FLAG_VALUES: Mapping[str, Mapping[str, int]] = MappingProxyType(
    {
        key: MappingProxyType(
            {n: v for v, n in t.items()} | ({ZERO_NAMES[key]: 0} if key in ZERO_NAMES else {})
        )
        for key, t in FLAG_SETS.items()
    }
)


def enum_name(enum: str, value: int) -> str | None:
    """The name of ``value`` in ENUMS[enum], None if unnamed.  KeyError for an unknown table."""
    return ENUMS[enum].get(value)


def enum_value(enum: str, name: str) -> int | None:
    """The value named ``name`` in ENUMS[enum], None if unknown.  KeyError for an unknown table."""
    return _ENUM_VALUES[enum].get(name)


def flag_names(flags: str, value: int) -> tuple[tuple[str, ...], int]:
    """Split ``value`` into the known bit names of FLAG_SETS[flags] (lowest bit
    first) and the leftover unknown bits.

    The zero name (ZERO_NAMES) is never returned: 0 gives ``((), 0)``.
    KeyError for an unknown table, ValueError for a negative value.
    """
    if value < 0:
        raise ValueError(f"flag value must not be negative: {value}")
    names: list[str] = []
    rest = value
    for bit, name in sorted(FLAG_SETS[flags].items()):
        if value & bit:
            names.append(name)
            rest &= ~bit
    return tuple(names), rest


def flag_value(flags: str, names: Iterable[str]) -> int | None:
    """OR of the named bits of FLAG_SETS[flags]; None if a name is unknown.

    The set's zero name counts as 0, and numeric parts as strace prints them
    (``BPF_F_NO_PREALLOC|0x40000000``) are taken as raw bits.  KeyError for an
    unknown table.
    """
    table = _FLAG_VALUES[flags]
    value = 0
    for name in names:
        bit = table.get(name)
        if bit is None:
            bit = _number(name)
            if bit is None:
                return None
        value |= bit
    return value


def _number(text: str) -> int | None:
    try:
        number = int(text, 0)
    except ValueError:
        return None
    return number if number >= 0 else None
