"""The value forms of spec section (b), one bpf() line each: the tree, the typed meaning, the text."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from bpflogs import Record, Syscall
from bpflogs.model import values as v
from bpflogs.model.typed import (
    UINT64_MAX,
    Bytes,
    Fd,
    FlagSet,
    Insn,
    Insns,
    Opaque,
    Pointer,
    Typed,
    Update,
    flat_attrs,
)

OneLine = Callable[[str], Record]


@pytest.fixture
def call(one_line: OneLine) -> Callable[[str], Syscall]:
    def parse(text: str) -> Syscall:
        record = one_line(text)
        assert isinstance(record, Syscall), record
        assert record.text == text
        return record

    return parse


def typed(call: Syscall, path: str) -> Typed:
    fields = call.fields
    assert fields is not None
    return flat_attrs(call.command, fields)[path][0]


def member_value(call: Syscall, path: str) -> v.Value:
    value = call.get(path)
    assert value is not None, path
    return value


# ---------------------------------------------------------------------------------- b.2 structs


def test_flat_struct(call: Callable[[str], Syscall]) -> None:
    c = call("bpf(BPF_MAP_FREEZE, {map_fd=5}, 4)      = 0")
    assert isinstance(c.attr, v.Struct) and c.attr.closed
    assert list(c.attr.names()) == ["map_fd"]
    assert member_value(c, "map_fd") == v.Number(5, "5")
    assert typed(c, "map_fd") == Fd(5)
    assert c.size == v.Number(4, "4") and c.size_value == 4
    assert c.pad == "      "


def test_nested_struct(call: Callable[[str], Syscall]) -> None:
    c = call(
        "bpf(BPF_PROG_TEST_RUN, {test={prog_fd=3, retval=0, data_size_in=64, data_size_out=128, "
        "data_in=0x7f26dbb1a530, data_out=NULL, repeat=1000, duration=0}}, 80) = 0"
    )
    assert list(c.fields.names()) == ["test"]  # type: ignore[union-attr]
    assert isinstance(member_value(c, "test"), v.Struct)
    assert typed(c, "test.prog_fd") == Fd(3)
    assert typed(c, "test.repeat") == 1000
    assert typed(c, "test.data_in") == Pointer(0x7F26DBB1A530)
    assert typed(c, "test.data_out") == Pointer(None)
    assert c.get("test.nope") is None and c.get("test.prog_fd.deeper") is None


# ---------------------------------------------------------------------------------- arrays


def test_empty_array(call: Callable[[str], Syscall]) -> None:
    c = call(
        "bpf(BPF_PROG_QUERY, {query={target_fd=3, attach_type=BPF_CGROUP_INET_INGRESS, query_flags=0, "
        "attach_flags=0, prog_ids=[], prog_cnt=0}}, 28) = 0"
    )
    assert member_value(c, "query.prog_ids") == v.Array(())
    assert typed(c, "query.prog_ids") == ()


def test_array_with_ellipsis_and_struct_ellipsis(call: Callable[[str], Syscall]) -> None:
    c = call(
        "bpf(BPF_PROG_QUERY, {query={target_fd=3, attach_type=BPF_CGROUP_INET_INGRESS, query_flags=0, "
        "attach_flags=0, prog_ids=[101, 102, ...], prog_cnt=1024 => 3}, ...}, 40) = 0"
    )
    ids = member_value(c, "query.prog_ids")
    assert isinstance(ids, v.Array)
    assert ids.items[:2] == (v.Number(101, "101"), v.Number(102, "102"))
    assert ids.items[2] == v.Ellipsis()
    assert typed(c, "query.prog_ids") == (101, 102, Opaque("..."))
    # ", ..." after the wrapper: an anonymous member
    assert c.fields is not None
    assert c.fields.members[-1] == v.Member(None, v.Ellipsis())
    assert typed(c, "query.prog_cnt") == Update(1024, 3)


def test_array_unreadable_tail(call: Callable[[str], Syscall]) -> None:
    c = call(
        "bpf(BPF_PROG_QUERY, {query={target_fd=3, attach_type=BPF_CGROUP_INET_INGRESS, query_flags=0, "
        "attach_flags=0, prog_ids=[7, ... /* 0x7fa6c0000000 */], prog_cnt=8}}, 28) = 0"
    )
    ids = member_value(c, "query.prog_ids")
    assert isinstance(ids, v.Array)
    assert ids.items == (v.Number(7, "7"), v.Ellipsis("0x7fa6c0000000"))


# ---------------------------------------------------------------------------------- b.5 strings

ESCAPES = [
    # (printed body, bytes) — spec b.5: octal takes 1-3 digits, \x exactly two hex digits
    (r"\0", b"\x00"),
    (r"\10", b"\x08"),
    (r"\237", b"\x9f"),
    (r"\0000", b"\x000"),  # 3 octal digits, then the character '0'
    (r"\x000", b"\x000"),  # \x00 then '0' (a greedy \x decoder would be wrong)
    (r"\1234", b"S4"),  # at most 3 octal digits
    (r"\t\n\v\f\r", b"\t\n\v\f\r"),
    (r"\"\\", b'"\\'),
    (r"\237\353\1\0\30\0\0\0", b"\x9f\xeb\x01\x00\x18\x00\x00\x00"),  # a BTF header, default mode
    (r"\x9f\xeb\x01\x00", b"\x9f\xeb\x01\x00"),  # the same with -x
    (r"a) = 3, {b}", b"a) = 3, {b}"),  # call syntax inside a string is text
]


@pytest.mark.parametrize(("body", "expected"), ESCAPES, ids=[e[0] for e in ESCAPES])
def test_string_escapes(body: str, expected: bytes, call: Callable[[str], Syscall]) -> None:
    c = call(
        f'bpf(BPF_BTF_LOAD, {{btf="{body}", btf_log_buf=NULL, btf_size=16, btf_log_size=0, '
        f"btf_log_level=0}}, 28) = 3"
    )
    node = member_value(c, "btf")
    assert isinstance(node, v.String)
    assert node.value == expected and not node.truncated
    assert node.text == f'"{body}"'
    assert typed(c, "btf") == Bytes(expected)


def test_every_escape_in_one_string(call: Callable[[str], Syscall]) -> None:
    c = call(r'bpf(BPF_BTF_LOAD, {btf="\0\10\237\0000\x000\t\n\v\f\r\"\\", btf_size=16}, 28) = 3')
    assert typed(c, "btf") == Bytes(b'\x00\x08\x9f\x000\x000\t\n\v\f\r"\\')


def test_truncated_strings(call: Callable[[str], Syscall]) -> None:
    c = call(
        "bpf(BPF_MAP_CREATE, {map_type=BPF_MAP_TYPE_HASH, key_size=4, value_size=8, max_entries=16, "
        'map_flags=0, inner_map_fd=0, map_name="0123456789abcde"...}, 72) = 3'
    )
    assert typed(c, "map_name") == Bytes(b"0123456789abcde", truncated=True)
    c = call('bpf(BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_SOCKET_FILTER, insn_cnt=2, license=""...}, 72) = 3')
    assert typed(c, "license") == Bytes(b"", truncated=True)
    # dots inside the quotes are text, not truncation
    c = call(
        'bpf(BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_SOCKET_FILTER, insn_cnt=2, license="GPL..."}, 72) = 3'
    )
    assert typed(c, "license") == Bytes(b"GPL...", truncated=False)


# ---------------------------------------------------------------------------------- b.3 numbers


def test_numbers(call: Callable[[str], Syscall]) -> None:
    c = call(
        "bpf(BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_XDP, insn_cnt=4096, insns=0x7ffe565f9970, "
        'license="GPL", log_level=-1, log_size=0, log_buf=NULL, kern_version=0}, 72) = 3'
    )
    insn_cnt, insns, log_level = (member_value(c, p) for p in ("insn_cnt", "insns", "log_level"))
    assert insn_cnt == v.Number(4096, "4096") and not insn_cnt.is_hex  # type: ignore[union-attr]
    assert insns == v.Number(0x7FFE565F9970, "0x7ffe565f9970") and insns.is_hex  # type: ignore[union-attr]
    assert log_level == v.Number(-1, "-1")
    assert typed(c, "insn_cnt") == 4096
    assert typed(c, "log_level") == -1
    assert typed(c, "insns") == Pointer(0x7FFE565F9970)
    assert all(type(m.value.text) is str for m in c.fields.members if isinstance(m.value, v.Number))  # type: ignore[union-attr]


def test_big_numbers(call: Callable[[str], Syscall]) -> None:
    c = call("bpf(BPF_MAP_GET_NEXT_ID, {start_id=4294967280, next_id=0 => 18446744073709551615}, 12) = 0")
    assert typed(c, "start_id") == 4294967280
    assert typed(c, "next_id") == Update(0, 2**64 - 1)


# ---------------------------------------------------------------------------------- b.4 symbols, flags


def test_flags_with_unknown_bits(call: Callable[[str], Syscall]) -> None:
    c = call(
        "bpf(BPF_MAP_CREATE, {map_type=BPF_MAP_TYPE_HASH, key_size=4, value_size=8, max_entries=16, "
        "map_flags=BPF_F_NO_PREALLOC|BPF_F_NUMA_NODE|0x10}, 72) = 3"
    )
    node = member_value(c, "map_flags")
    assert isinstance(node, v.Flags)
    assert node.names == ("BPF_F_NO_PREALLOC", "BPF_F_NUMA_NODE")
    assert node.unknown_bits == 0x10
    assert typed(c, "map_flags") == FlagSet(("BPF_F_NO_PREALLOC", "BPF_F_NUMA_NODE"), 0x10)


# map_flags=BPF_F_RDONLY_PROG|BPF_F_MMAPABLE in the three -X styles, and the zero flag
X_STYLES = {
    "default": ("BPF_MAP_CREATE", "BPF_MAP_TYPE_HASH", "BPF_F_RDONLY_PROG|BPF_F_MMAPABLE", "BPF_ANY"),
    "verbose": (
        "0 /* BPF_MAP_CREATE */",
        "0x1 /* BPF_MAP_TYPE_HASH */",
        "0x480 /* BPF_F_RDONLY_PROG|BPF_F_MMAPABLE */",
        "0 /* BPF_ANY */",
    ),
    "raw": ("0", "0x1", "0x480", "0"),
}


@pytest.mark.parametrize("style", X_STYLES)
def test_x_styles_mean_the_same(style: str, call: Callable[[str], Syscall]) -> None:
    cmd, map_type, flags, _ = X_STYLES[style]
    c = call(
        f"bpf({cmd}, {{map_type={map_type}, key_size=4, value_size=8, max_entries=16, map_flags={flags}}}, "
        f"72) = 3"
    )
    assert c.command == "BPF_MAP_CREATE"
    assert typed(c, "map_type") == "BPF_MAP_TYPE_HASH"
    assert typed(c, "map_flags") == FlagSet(("BPF_F_RDONLY_PROG", "BPF_F_MMAPABLE"))
    if style == "verbose":
        node = member_value(c, "map_type")
        assert node == v.Commented(v.Number(1, "0x1"), "BPF_MAP_TYPE_HASH")


@pytest.mark.parametrize("style", X_STYLES)
def test_zero_flag_name(style: str, call: Callable[[str], Syscall]) -> None:
    zero = X_STYLES[style][3]
    c = call(
        f"bpf(BPF_MAP_UPDATE_ELEM, {{map_fd=3, key=0x7f54d654ed10, value=0x7f54d654f100, flags={zero}}}, "
        f"32) = 0"
    )
    assert typed(c, "flags") == FlagSet(())


@pytest.mark.parametrize(
    ("cmd", "name"),
    [("0x5 /* BPF_PROG_LOAD */", "BPF_PROG_LOAD"), ("0x5", "BPF_PROG_LOAD"), ("0x1c", "BPF_LINK_CREATE")],
)
def test_numeric_commands(cmd: str, name: str, call: Callable[[str], Syscall]) -> None:
    assert call(f"bpf({cmd}, 0x7ffe565f8dc0, 48) = 3").command == name


def test_unknown_command_stays_a_number(call: Callable[[str], Syscall]) -> None:
    c = call("bpf(0x7f /* BPF_??? */, NULL, 0)        = -1 EINVAL (Invalid argument)")
    assert c.command == "0x7f" and type(c.command) is str
    assert c.cmd == v.Commented(v.Number(0x7F, "0x7f"), "BPF_???")
    assert c.attr == v.Symbol("NULL") and c.fields is None


def test_unknown_constant_with_default_comment(call: Callable[[str], Syscall]) -> None:
    # strace 4.21 did not know 0x1b; the schema (strace 7.2's list) does: the same meaning
    c = call(
        "bpf(BPF_MAP_CREATE, {map_type=0x1b /* BPF_MAP_TYPE_??? */, key_size=0, value_size=0, "
        "max_entries=4096}, 72) = 3"
    )
    assert member_value(c, "map_type") == v.Commented(v.Number(0x1B, "0x1b"), "BPF_MAP_TYPE_???")
    assert typed(c, "map_type") == "BPF_MAP_TYPE_RINGBUF"
    c = call(
        "bpf(BPF_MAP_CREATE, {map_type=0x63 /* BPF_MAP_TYPE_??? */, key_size=4, value_size=4, "
        "max_entries=1}, 72) = -1 EINVAL (Invalid argument)"
    )
    assert typed(c, "map_type") == "0x63"
    c = call(
        "bpf(BPF_MAP_CREATE, {map_type=BPF_MAP_TYPE_HASH, key_size=4, value_size=8, max_entries=16, "
        "map_flags=0x400 /* BPF_F_??? */}, 72) = 3"
    )
    assert typed(c, "map_flags") == FlagSet(("BPF_F_MMAPABLE",))  # strace 4.21 did not know bit 10


def test_verbose_flags_with_unknown_bits(call: Callable[[str], Syscall]) -> None:
    verbose = call(
        "bpf(BPF_MAP_CREATE, {map_type=BPF_MAP_TYPE_HASH, "
        "map_flags=0x40000001 /* BPF_F_NO_PREALLOC|0x40000000 */}, 72) = 3"
    )
    default = call(
        "bpf(BPF_MAP_CREATE, {map_type=BPF_MAP_TYPE_HASH, map_flags=BPF_F_NO_PREALLOC|0x40000000}, 72) = 3"
    )
    assert (
        typed(verbose, "map_flags")
        == typed(default, "map_flags")
        == FlagSet(("BPF_F_NO_PREALLOC",), 0x40000000)
    )


KERNEL_VERSIONS = [
    "KERNEL_VERSION(6, 18, 44)",
    "0x6122c /* KERNEL_VERSION(6, 18, 44) */",
    "0x6122c",
    "397868",
]


@pytest.mark.parametrize("spelling", KERNEL_VERSIONS)
def test_kernel_version(spelling: str, call: Callable[[str], Syscall]) -> None:
    c = call(
        f'bpf(BPF_PROG_LOAD, {{prog_type=BPF_PROG_TYPE_KPROBE, insn_cnt=2, insns=0x7f, license="GPL", '
        f"kern_version={spelling}}}, 72) = 4"
    )
    assert typed(c, "kern_version") == (6 << 16) + (18 << 8) + 44
    if spelling.startswith("KERNEL"):
        node = member_value(c, "kern_version")
        assert isinstance(node, v.Macro) and node.name == "KERNEL_VERSION"
        assert [a.value for a in node.args] == [6, 18, 44]  # type: ignore[union-attr]


MAP_INFO = (
    "bpf(BPF_OBJ_GET_INFO_BY_FD, {{info={{bpf_fd=3, info_len=88 => 80, info={{type=BPF_MAP_TYPE_HASH, id=5, "
    'key_size=4, value_size=8, max_entries=16, map_flags=0, name="m", ifindex={ifindex}, '
    "btf_vmlinux_value_type_id=0, netns_dev={dev}, netns_ino=4026531840}}}}}}, 16) = 0"
)


@pytest.mark.parametrize(
    ("major", "minor", "spellings"),
    [
        (1, 3, ["makedev(0x1, 0x3)", "0x103 /* makedev(0x1, 0x3) */", "0x103"]),
        (0, 0, ["makedev(0, 0)", "0"]),
        # minor above 0xff: glibc's dev_t layout, which -X raw prints as a number
        (1, 0x104, ["makedev(0x1, 0x104)", "0x100104 /* makedev(0x1, 0x104) */", "0x100104"]),
    ],
)
def test_makedev(major: int, minor: int, spellings: list[str], call: Callable[[str], Syscall]) -> None:
    # strace prints makedev(major(dev), minor(dev)) with <sys/sysmacros.h>; -X raw prints dev
    for dev in spellings:
        c = call(MAP_INFO.format(ifindex=0, dev=dev))
        assert typed(c, "info.info.netns_dev") == os.makedev(major, minor), dev
    node = call(MAP_INFO.format(ifindex=0, dev=spellings[0])).get("info.info.netns_dev")
    assert isinstance(node, v.Macro) and node.name == "makedev"


def test_makedev_devices_stay_distinct(call: Callable[[str], Syscall]) -> None:
    a = call(MAP_INFO.format(ifindex=0, dev="makedev(0x1, 0x4)"))
    b = call(MAP_INFO.format(ifindex=0, dev="makedev(0, 0x104)"))
    assert typed(a, "info.info.netns_dev") != typed(b, "info.info.netns_dev")


def test_if_nametoindex(call: Callable[[str], Syscall]) -> None:
    c = call(MAP_INFO.format(ifindex='if_nametoindex("lo")', dev="makedev(0, 0)"))
    node = c.get("info.info.ifindex")
    assert node == v.Macro("if_nametoindex", (v.String('"lo"', b"lo", False),))
    # the name is host-dependent (spec b.4): no number to read
    assert typed(c, "info.info.ifindex") == Opaque('if_nametoindex("lo")')
    c = call(MAP_INFO.format(ifindex='1 /* if_nametoindex("lo") */', dev="makedev(0, 0)"))
    assert typed(c, "info.info.ifindex") == 1


# ---------------------------------------------------------------------------------- b.2 "=>"


def test_changed_member(call: Callable[[str], Syscall]) -> None:
    c = call(MAP_INFO.format(ifindex=0, dev="makedev(0, 0)"))
    node = c.get("info.info_len")
    assert node == v.Changed(v.Number(88, "88"), v.Number(80, "80"))
    assert typed(c, "info.info_len") == Update(88, 80)
    assert typed(c, "info.info.type") == "BPF_MAP_TYPE_HASH"


def test_changed_pointer(call: Callable[[str], Syscall]) -> None:
    c = call(
        "bpf(BPF_OBJ_GET_INFO_BY_FD, {info={bpf_fd=4, info_len=228, info={type=BPF_PROG_TYPE_XDP, id=675, "
        "jited_prog_len=0 => 101, jited_ksyms=NULL => 0x7ffc00001000}}}, 16) = 0"
    )
    node = c.get("info.info.jited_ksyms")
    assert node == v.Changed(v.Symbol("NULL"), v.Number(0x7FFC00001000, "0x7ffc00001000"))


@pytest.mark.parametrize("arrow", [" => ", "=> "])
def test_changed_whole_attr(arrow: str, call: Callable[[str], Syscall]) -> None:
    c = call(
        "bpf(BPF_MAP_LOOKUP_BATCH, {batch={in_batch=NULL, out_batch=0x7f54d654f100, keys=0x7f54d654f200, "
        f"values=0x7f54d654f300, count=8, map_fd=3, elem_flags=0, flags=0}}}}{arrow}{{batch={{count=5}}}}, "
        f"56) = 0"
    )
    assert isinstance(c.attr, v.Changed) and c.attr.arrow == arrow
    assert isinstance(c.attr.before, v.Struct)
    assert c.attr.before.get("batch.count") == v.Number(8, "8")
    # fields: the attr as the kernel left it
    assert c.get("batch.count") == v.Number(5, "5")
    assert typed(c, "batch.count") == 5


# ---------------------------------------------------------------------------------- special words


def test_null_and_alternative_pointers(call: Callable[[str], Syscall]) -> None:
    c = call(
        "bpf(BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_SOCKET_FILTER, insn_cnt=2, "
        "insns=0xffffffff0804a040 or NULL, "
        'license="GPL", log_level=0, log_size=0, log_buf=NULL}, 72) = 3'
    )
    node = member_value(c, "insns")
    assert node == v.Alternatives(v.Number(0xFFFFFFFF0804A040, "0xffffffff0804a040"), v.Symbol("NULL"))
    assert typed(c, "insns") == Pointer(0xFFFFFFFF0804A040)
    assert member_value(c, "log_buf") == v.Symbol("NULL")
    assert typed(c, "log_buf") == Pointer(None)


@pytest.mark.parametrize(
    "spelling", ["UINT64_MAX", "18446744073709551615 /* UINT64_MAX */", "18446744073709551615"]
)
def test_uint64_max(spelling: str, call: Callable[[str], Syscall]) -> None:
    c = call(
        "bpf(BPF_MAP_CREATE, {map_type=BPF_MAP_TYPE_BLOOM_FILTER, key_size=0, value_size=4, max_entries=16, "
        f"map_flags=0, inner_map_fd=0, map_extra={spelling}}}, 72) = 3"
    )
    assert typed(c, "map_extra") == UINT64_MAX == 2**64 - 1


def test_at_fdcwd(call: Callable[[str], Syscall]) -> None:
    c = call(
        'bpf(BPF_OBJ_GET, {pathname="/sys/fs/bpf/x", bpf_fd=0, file_flags=0, path_fd=AT_FDCWD</root>}, '
        "20) = 3"
    )
    assert member_value(c, "path_fd") == v.Decorated(v.Symbol("AT_FDCWD"), "/root")
    assert typed(c, "path_fd") == Fd(-100)
    plain = call(
        'bpf(BPF_OBJ_GET, {pathname="/sys/fs/bpf/x", bpf_fd=0, file_flags=0, path_fd=AT_FDCWD}, 20) = 3'
    )
    assert typed(plain, "path_fd") == Fd(-100)


def test_unavailable_value(call: Callable[[str], Syscall]) -> None:
    c = call("bpf(BPF_MAP_FREEZE, {map_fd=???}, 4) = -1 EBADF (Bad file descriptor)")
    assert member_value(c, "map_fd") == v.Symbol("???")
    assert isinstance(typed(c, "map_fd"), Opaque)


# ---------------------------------------------------------------------------------- extra bytes


def test_struct_ellipsis_member(call: Callable[[str], Syscall]) -> None:
    c = call("bpf(BPF_MAP_FREEZE, {map_fd=3, ...}, 40) = -1 EINVAL (Invalid argument)")
    assert c.fields is not None
    assert c.fields.members == (v.Member("map_fd", v.Number(3, "3")), v.Member(None, v.Ellipsis()))
    assert list(c.fields.names()) == ["map_fd"]


def test_extra_bytes_lead_comment(call: Callable[[str], Syscall]) -> None:
    # 4.22 - 5.11 with -v
    c = call(
        r'bpf(BPF_MAP_FREEZE, {map_fd=3, /* bytes 4..39 */ "\x00\x00\x5a\x00"}, '
        r"40) = -1 EINVAL (Invalid argument)"
    )
    assert c.fields is not None
    extra = c.fields.members[1]
    assert extra.name is None and extra.lead_comment == "bytes 4..39"
    assert extra.value == v.String(r'"\x00\x00\x5a\x00"', b"\x00\x00Z\x00", False)


def test_extra_data_member(call: Callable[[str], Syscall]) -> None:
    # >= 5.12 with -v
    c = call(
        r'bpf(BPF_MAP_FREEZE, {map_fd=3, extra_data="\x00\x00\x5a\x00" /* bytes 4..39 */}, '
        r"40) = -1 EINVAL (Invalid argument)"
    )
    assert member_value(c, "extra_data") == v.Commented(
        v.String(r'"\x00\x00\x5a\x00"', b"\x00\x00Z\x00", False), "bytes 4..39"
    )
    assert typed(c, "extra_data") == Bytes(b"\x00\x00Z\x00")


def test_anonymous_extra_string(call: Callable[[str], Syscall]) -> None:
    # 4.19 - 4.21 with -v
    c = call(
        r"bpf(BPF_MAP_CREATE, {map_type=BPF_MAP_TYPE_HASH, key_size=4, value_size=8, max_entries=16, "
        r'map_flags=0, inner_map_fd=0, "\x62\x70\x66\x6c\x6f\x67\x73\x00"}, 72) = 3'
    )
    assert c.fields is not None
    last = c.fields.members[-1]
    assert last.name is None and last.lead_comment is None
    assert isinstance(last.value, v.String) and last.value.value == b"bpflogs\x00"


# ---------------------------------------------------------------------------------- undecoded attr


def test_undecoded_attrs(call: Callable[[str], Syscall]) -> None:
    address = call("bpf(BPF_PROG_BIND_MAP, 0x7ffe565f8dc0, 12) = 0")
    assert address.attr == v.Number(0x7FFE565F8DC0, "0x7ffe565f8dc0")
    assert address.fields is None and address.get("prog_fd") is None
    null = call("bpf(BPF_MAP_CREATE, NULL, 72) = -1 EFAULT (Bad address)")
    assert null.attr == v.Symbol("NULL") and null.fields is None
    raw = call("bpf(0x2, 0x7f54d654ed10, 0x20) = 0x3")  # -e raw=bpf
    assert raw.command == "BPF_MAP_UPDATE_ELEM"
    assert raw.size_value == 0x20
    assert raw.result is not None and raw.result.value == 3


# ---------------------------------------------------------------------------------- b.6 insns

LD_IMM64 = (
    "[{{code={c1}, dst_reg={r1}, src_reg={r1}, off=0, imm=0x4}}, "
    "{{code={c0}, dst_reg={r0}, src_reg={r0}, off=0, imm=0}}, "
    "{{code={mov}, dst_reg={r1}, src_reg={r0}, off=-4, imm=0xfffffffc}}, "
    "{{code={xadd}, dst_reg={r1}, src_reg={r0}, off=0, imm=0}}, "
    "{{code={exit}, dst_reg={r0}, src_reg={r0}, off=0, imm=0}}]"
)
INSN_STYLES = {
    "default": dict(
        c1="BPF_LD|BPF_DW|BPF_IMM",
        c0="BPF_LD|BPF_W|BPF_IMM",
        mov="BPF_ALU64|BPF_K|BPF_MOV",
        xadd="BPF_STX|BPF_DW|BPF_XADD",
        exit="BPF_JMP|BPF_K|BPF_EXIT",
        r1="BPF_REG_1",
        r0="BPF_REG_0",
    ),
    "atomic": dict(  # strace >= 6.15 names the same opcode BPF_ATOMIC
        c1="BPF_LD|BPF_DW|BPF_IMM",
        c0="BPF_LD|BPF_W|BPF_IMM",
        mov="BPF_ALU64|BPF_K|BPF_MOV",
        xadd="BPF_STX|BPF_DW|BPF_ATOMIC",
        exit="BPF_JMP|BPF_K|BPF_EXIT",
        r1="BPF_REG_1",
        r0="BPF_REG_0",
    ),
    "raw": dict(c1="0x18", c0="0", mov="0xb7", xadd="0xdb", exit="0x95", r1="0x1", r0="0"),
    "verbose": dict(
        c1="0x18 /* BPF_LD|BPF_DW|BPF_IMM */",
        c0="0 /* BPF_LD|BPF_W|BPF_IMM */",
        mov="0xb7 /* BPF_ALU64|BPF_K|BPF_MOV */",
        xadd="0xdb /* BPF_STX|BPF_DW|BPF_XADD */",
        exit="0x95 /* BPF_JMP|BPF_K|BPF_EXIT */",
        r1="0x1 /* BPF_REG_1 */",
        r0="0 /* BPF_REG_0 */",
    ),
}
EXPECTED_INSNS = Insns(
    (
        Insn(0x18, 1, 1, 0, 4),
        Insn(0x00, 0, 0, 0, 0),
        Insn(0xB7, 1, 0, -4, 0xFFFFFFFC),  # imm printed unsigned, off signed
        Insn(0xDB, 1, 0, 0, 0),
        Insn(0x95, 0, 0, 0, 0),
    )
)


@pytest.mark.parametrize("style", INSN_STYLES)
def test_instruction_arrays(style: str, call: Callable[[str], Syscall]) -> None:
    insns = LD_IMM64.format(**INSN_STYLES[style])
    c = call(
        f'bpf(BPF_PROG_LOAD, {{prog_type=BPF_PROG_TYPE_XDP, insn_cnt=5, insns={insns}, license="GPL"}}, '
        f"128) = 5"
    )
    assert typed(c, "insns") == EXPECTED_INSNS


def test_instruction_array_cut(call: Callable[[str], Syscall]) -> None:
    c = call(
        "bpf(BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_XDP, insn_cnt=5000, "
        "insns=[{code=BPF_JMP|BPF_K|BPF_EXIT, "
        'dst_reg=BPF_REG_0, src_reg=BPF_REG_0, off=0, imm=0}, ...], license="GPL"}, 128) = 5'
    )
    assert typed(c, "insns") == Insns((Insn(0x95, 0, 0, 0, 0),), truncated=True)


def test_instruction_with_unknown_opcode_bits(call: Callable[[str], Syscall]) -> None:
    # an opcode strace cannot name: "BPF_ALU64|BPF_X|0xf0 /* BPF_??? */" is 0x07|0x08|0xf0
    named = call(
        "bpf(BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_SOCKET_FILTER, insn_cnt=1, "
        "insns=[{code=BPF_ALU64|BPF_X|0xf0 "
        '/* BPF_??? */, dst_reg=BPF_REG_0, src_reg=BPF_REG_0, off=0, imm=0}], license="GPL"}, '
        "128) = -1 EINVAL (Invalid argument)"
    )
    raw = call(
        "bpf(0x5, {prog_type=0x1, insn_cnt=1, insns=[{code=0xff, dst_reg=0, src_reg=0, off=0, imm=0}], "
        'license="GPL"}, 128) = -1 EINVAL (Invalid argument)'
    )
    assert typed(named, "insns") == typed(raw, "insns") == Insns((Insn(0xFF, 0, 0, 0, 0),))


# ---------------------------------------------------------------------------------- fd decorations

DECORATIONS = [
    ("3<anon_inode:bpf-map>", 3, "anon_inode:bpf-map", False),
    ("0</dev/null<char 1:3>>", 0, "/dev/null<char 1:3>", False),  # -yy
    ("3<TCP:[1.2.3.4:22->5.6.7.8:5000]>", 3, "TCP:[1.2.3.4:22->5.6.7.8:5000]", False),  # -yy socket
    ("4<anon_inode:bpf-prog>(deleted)", 4, "anon_inode:bpf-prog", True),  # >= 5.19
    ("5</tmp/a\\76b (deleted)>", 5, "/tmp/a\\76b (deleted)", False),  # < 5.19, escaped ">"
    ("13</sys/fs/cgroup/unified/bpflogs_test>", 13, "/sys/fs/cgroup/unified/bpflogs_test", False),
]


@pytest.mark.parametrize(
    ("text", "number", "decoration", "deleted"), DECORATIONS, ids=[d[0] for d in DECORATIONS]
)
def test_fd_decorations(
    text: str, number: int, decoration: str, deleted: bool, call: Callable[[str], Syscall]
) -> None:
    c = call(
        f"bpf(BPF_LINK_CREATE, {{link_create={{prog_fd={text}, target_fd={text}, "
        f"attach_type=BPF_CGROUP_INET_INGRESS, "
        f"flags=0}}}}, 16) = 7<anon_inode:bpf_link>"
    )
    for path in ("link_create.prog_fd", "link_create.target_fd"):
        node = member_value(c, path)
        assert node == v.Decorated(v.Number(number, str(number)), decoration, deleted)
        fd = typed(c, path)
        assert isinstance(fd, Fd) and fd.number == number and fd.decoration == decoration
        assert fd == Fd(number)  # the decoration is volatile
    assert typed(c, "link_create.attach_type") == "BPF_CGROUP_INET_INGRESS"
    assert c.result is not None and c.result.decoration == "anon_inode:bpf_link" and c.result.value == 7


# ---------------------------------------------------------------------------------- -N


def test_arg_names(call: Callable[[str], Syscall]) -> None:
    c = call(
        "9821  bpf(cmd=BPF_MAP_CREATE, attr={map_type=BPF_MAP_TYPE_ARRAY, key_size=4, value_size=8, "
        'max_entries=2, map_flags=0, inner_map_fd=0, map_name="bpflogs_short"}, size=72) = 3'
    )
    assert c.arg_names
    assert c.command == "BPF_MAP_CREATE" and c.size_value == 72 and c.pid == 9821
    assert typed(c, "map_type") == "BPF_MAP_TYPE_ARRAY"
    assert typed(c, "map_name") == Bytes(b"bpflogs_short")
