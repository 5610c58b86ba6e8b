#!/usr/bin/env python3
"""bpflogs corpus loader: raw bpf(2) calls through ctypes, no libbpf.

Usage: python3 loader.py MODE
  all      one pass over map, program, pin, id and info commands; every
           call's result (including the deliberate failures) is checked
  threads  four threads hammer bpf() at once, so `strace -f` on a shared
           output stream has to split calls into <unfinished ...> and
           <... bpf resumed> halves

Pins are created under /sys/fs/bpf/bpflogs_corpus_ctypes_* and removed
before exit. Exit status is 0 when every call returned what was expected.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
import sys
import threading

SYS_BPF = 321  # x86-64

# bpf(2) commands used here (include/uapi/linux/bpf.h)
MAP_CREATE = 0
MAP_LOOKUP_ELEM = 1
MAP_UPDATE_ELEM = 2
MAP_DELETE_ELEM = 3
MAP_GET_NEXT_KEY = 4
PROG_LOAD = 5
OBJ_PIN = 6
OBJ_GET = 7
PROG_TEST_RUN = 10
PROG_GET_NEXT_ID = 11
MAP_GET_NEXT_ID = 12
PROG_GET_FD_BY_ID = 13
MAP_GET_FD_BY_ID = 14
OBJ_GET_INFO_BY_FD = 15
MAP_LOOKUP_BATCH = 24
MAP_FREEZE = 22

MAP_TYPE_HASH = 1
MAP_TYPE_ARRAY = 2
PROG_TYPE_SOCKET_FILTER = 1
PROG_TYPE_XDP = 6

BPF_ANY, BPF_NOEXIST, BPF_EXIST = 0, 1, 2
BPF_F_NO_PREALLOC = 1

PIN_PREFIX = "/sys/fs/bpf/bpflogs_corpus_ctypes_"

_libc = ctypes.CDLL(None, use_errno=True)  # CDLL drops the GIL during calls
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long
_syscall.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_uint]

u32, u64, s32 = ctypes.c_uint32, ctypes.c_uint64, ctypes.c_int32


class MapCreateAttr(ctypes.Structure):
    _fields_ = [
        ("map_type", u32), ("key_size", u32), ("value_size", u32),
        ("max_entries", u32), ("map_flags", u32), ("inner_map_fd", u32),
        ("numa_node", u32), ("map_name", ctypes.c_char * 16),
        ("map_ifindex", u32), ("btf_fd", u32), ("btf_key_type_id", u32),
        ("btf_value_type_id", u32), ("btf_vmlinux_value_type_id", u32),
        ("map_extra", u64),
    ]  # 72 bytes


class ElemAttr(ctypes.Structure):
    _fields_ = [("map_fd", u32), ("key", u64), ("value", u64), ("flags", u64)]  # 32


class BatchAttr(ctypes.Structure):
    _fields_ = [
        ("in_batch", u64), ("out_batch", u64), ("keys", u64), ("values", u64),
        ("count", u32), ("map_fd", u32), ("elem_flags", u64), ("flags", u64),
    ]  # 56


class ProgLoadAttr(ctypes.Structure):
    _fields_ = [
        ("prog_type", u32), ("insn_cnt", u32), ("insns", u64), ("license", u64),
        ("log_level", u32), ("log_size", u32), ("log_buf", u64),
        ("kern_version", u32), ("prog_flags", u32), ("prog_name", ctypes.c_char * 16),
        ("prog_ifindex", u32), ("expected_attach_type", u32),
        ("prog_btf_fd", u32), ("func_info_rec_size", u32), ("func_info", u64),
        ("func_info_cnt", u32), ("line_info_rec_size", u32), ("line_info", u64),
        ("line_info_cnt", u32), ("attach_btf_id", u32), ("attach_prog_fd", u32),
        ("core_relo_cnt", u32), ("fd_array", u64),
    ]  # 128 bytes; offsetof(expected_attach_type) + 4 == 72


class TestRunAttr(ctypes.Structure):
    _fields_ = [
        ("prog_fd", u32), ("retval", u32), ("data_size_in", u32),
        ("data_size_out", u32), ("data_in", u64), ("data_out", u64),
        ("repeat", u32), ("duration", u32), ("ctx_size_in", u32),
        ("ctx_size_out", u32), ("ctx_in", u64), ("ctx_out", u64),
        ("flags", u32), ("cpu", u32), ("batch_size", u32),
    ]  # 76 used, 80 with padding


class ObjAttr(ctypes.Structure):
    _fields_ = [("pathname", u64), ("bpf_fd", u32), ("file_flags", u32)]  # 16


class IdAttr(ctypes.Structure):
    _fields_ = [("id", u32), ("next_id", u32), ("open_flags", u32)]  # 12


class InfoAttr(ctypes.Structure):
    _fields_ = [("bpf_fd", u32), ("info_len", u32), ("info", u64)]  # 16


class BpfError(Exception):
    pass


def bpf(cmd: int, attr: ctypes.Structure | None, size: int | None = None) -> tuple[int, int]:
    """Issue bpf(cmd, &attr, size); return (result, errno)."""
    ptr = ctypes.addressof(attr) if attr is not None else None
    if size is None:
        size = ctypes.sizeof(attr) if attr is not None else 0
    ret = _syscall(SYS_BPF, cmd, ptr, size)
    return ret, (ctypes.get_errno() if ret < 0 else 0)


def expect(what: str, got: tuple[int, int], err: int = 0) -> int:
    ret, e = got
    if err == 0 and ret < 0:
        raise BpfError(f"{what}: unexpected {errno.errorcode.get(e, e)}")
    if err != 0 and (ret >= 0 or e != err):
        raise BpfError(f"{what}: expected {errno.errorcode[err]}, got ret={ret} errno={e}")
    return ret


def addr(buf) -> int:
    return ctypes.addressof(buf)


# --- instruction assembly -------------------------------------------------

def insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def ld_map_fd(dst: int, fd: int) -> bytes:
    return insn(0x18, dst, 1, 0, fd) + insn(0, 0, 0, 0, 0)  # BPF_PSEUDO_MAP_FD


R0, R1, R2, R6, R10 = 0, 1, 2, 6, 10
EXIT = insn(0x95)


def xdp_counter_prog(map_fd: int) -> bytes:
    """XDP: counters[0] += 1 atomically, return XDP_PASS."""
    return b"".join([
        insn(0xbf, R6, R1),              # r6 = r1
        insn(0x62, R10, 0, -4, 0),       # *(u32 *)(r10 - 4) = 0
        insn(0xbf, R2, R10),             # r2 = r10
        insn(0x07, R2, 0, 0, -4),        # r2 += -4
        ld_map_fd(R1, map_fd),           # r1 = map fd (ld_imm64)
        insn(0x85, 0, 0, 0, 1),          # call bpf_map_lookup_elem
        insn(0x15, R0, 0, 2, 0),         # if r0 == 0 goto +2
        insn(0xb7, R1, 0, 0, 1),         # r1 = 1
        insn(0xdb, R0, R1, 0, 0),        # lock *(u64 *)(r0 + 0) += r1
        insn(0xb7, R0, 0, 0, 2),         # r0 = XDP_PASS
        EXIT,
    ])


def bad_prog() -> bytes:
    """Exits without setting r0 ("R0 !read_ok"): the verifier answers EACCES."""
    return insn(0xb7, R1, 0, 0, 0) + EXIT  # r1 = 0; exit


# --- command wrappers -----------------------------------------------------

def map_create(mtype: int, ksz: int, vsz: int, n: int, name: bytes, flags: int = 0) -> int:
    a = MapCreateAttr(map_type=mtype, key_size=ksz, value_size=vsz,
                      max_entries=n, map_flags=flags, map_name=name)
    return expect(f"MAP_CREATE {name!r}", bpf(MAP_CREATE, a))


def elem(cmd: int, fd: int, key, value=None, flags: int = 0, err: int = 0) -> int:
    a = ElemAttr(map_fd=fd, key=addr(key) if key is not None else 0,
                 value=addr(value) if value is not None else 0, flags=flags)
    size = 16 if cmd == MAP_DELETE_ELEM else 24 if cmd == MAP_GET_NEXT_KEY else 32
    return expect(f"elem cmd {cmd}", bpf(cmd, a, size), err)


def prog_load(ptype: int, code: bytes, name: bytes, log: ctypes.Array | None = None,
              level: int = 0, size: int = 128, err: int = 0) -> int:
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    a = ProgLoadAttr(prog_type=ptype, insn_cnt=len(code) // 8, insns=addr(insns),
                     license=addr(lic), prog_name=name)
    if log is not None:
        a.log_level, a.log_size, a.log_buf = level, len(log), addr(log)
    return expect(f"PROG_LOAD {name!r}", bpf(PROG_LOAD, a, size), err)


def obj(cmd: int, path: str, fd: int = 0, err: int = 0) -> int:
    p = ctypes.create_string_buffer(path.encode())
    return expect(f"OBJ cmd {cmd} {path}", bpf(cmd, ObjAttr(pathname=addr(p), bpf_fd=fd)), err)


def next_id(cmd: int, start: int, err: int = 0) -> int:
    a = IdAttr(id=start)
    expect(f"GET_NEXT_ID {cmd}", bpf(cmd, a), err)
    return a.next_id


def fd_by_id(cmd: int, oid: int, err: int = 0) -> int:
    return expect(f"GET_FD_BY_ID {cmd}", bpf(cmd, IdAttr(id=oid)), err)


def info(fd: int, buf: ctypes.Array) -> int:
    a = InfoAttr(bpf_fd=fd, info_len=len(buf), info=addr(buf))
    expect("OBJ_GET_INFO_BY_FD", bpf(OBJ_GET_INFO_BY_FD, a))
    return a.info_len


def obj_id(fd: int) -> int:
    buf = ctypes.create_string_buffer(88)
    info(fd, buf)
    return struct.unpack_from("<I", buf.raw, 4)[0]


def test_run(prog_fd: int, repeat: int, pkt: bytes) -> tuple[int, int]:
    data_in = ctypes.create_string_buffer(pkt, len(pkt))
    data_out = ctypes.create_string_buffer(256)
    a = TestRunAttr(prog_fd=prog_fd, data_size_in=len(pkt), data_size_out=len(data_out),
                    data_in=addr(data_in), data_out=addr(data_out), repeat=repeat)
    expect("PROG_TEST_RUN", bpf(PROG_TEST_RUN, a))
    return a.retval, a.duration


PACKET = bytes.fromhex("ffffffffffff020000000001" "0800") + bytes(50)  # eth + zero payload


# --- modes ----------------------------------------------------------------

def mode_all() -> None:
    pins = [PIN_PREFIX + "map", PIN_PREFIX + "prog"]
    for p in pins:  # leftovers of an interrupted run
        if os.path.exists(p):
            os.unlink(p)

    # hash map: fill, read back, walk, delete
    h = map_create(MAP_TYPE_HASH, 4, 8, 16, b"ctypes_hash")
    for k in range(1, 7):
        elem(MAP_UPDATE_ELEM, h, u32(k), u64(k * 0x1111), BPF_ANY)
    elem(MAP_UPDATE_ELEM, h, u32(3), u64(0), BPF_NOEXIST, err=errno.EEXIST)
    elem(MAP_UPDATE_ELEM, h, u32(99), u64(0), BPF_EXIST, err=errno.ENOENT)
    for k in (1, 2, 3, 42):
        v = u64(0)
        elem(MAP_LOOKUP_ELEM, h, u32(k), v, err=errno.ENOENT if k == 42 else 0)
    key, nxt, seen = None, u32(0), 0
    while True:
        a = ElemAttr(map_fd=h, key=addr(key) if key is not None else 0, value=addr(nxt))
        ret, e = bpf(MAP_GET_NEXT_KEY, a, 24)
        if ret < 0:
            if e != errno.ENOENT:
                raise BpfError(f"GET_NEXT_KEY: errno {e}")
            break
        seen += 1
        key = u32(nxt.value)
    if seen != 6:
        raise BpfError(f"walked {seen} keys, expected 6")
    for k in (2, 4):
        elem(MAP_DELETE_ELEM, h, u32(k))
    elem(MAP_DELETE_ELEM, h, u32(4), err=errno.ENOENT)

    # batch lookup of what is left (4 keys) with room for 8
    keys = (u32 * 8)()
    vals = (u64 * 8)()
    out_batch = u32(0)
    b = BatchAttr(out_batch=addr(out_batch), keys=addr(keys), values=addr(vals),
                  count=8, map_fd=h)
    expect("MAP_LOOKUP_BATCH", bpf(MAP_LOOKUP_BATCH, b), errno.ENOENT)
    if b.count != 4:
        raise BpfError(f"batch returned {b.count} elements")

    # array map: out-of-range index, then freeze and a refused update
    arr = map_create(MAP_TYPE_ARRAY, 4, 8, 4, b"ctypes_array")
    elem(MAP_UPDATE_ELEM, arr, u32(1), u64(7), BPF_ANY)
    elem(MAP_UPDATE_ELEM, arr, u32(9), u64(7), BPF_ANY, err=errno.E2BIG)
    elem(MAP_UPDATE_ELEM, arr, u32(1), u64(7), BPF_NOEXIST, err=errno.EEXIST)
    ro = map_create(MAP_TYPE_ARRAY, 4, 4, 1, b"ctypes_frozen")
    expect("MAP_FREEZE", bpf(MAP_FREEZE, ctypes.c_uint32(ro), 4))
    elem(MAP_UPDATE_ELEM, ro, u32(0), u32(1), BPF_ANY, err=errno.EPERM)

    # programs: rejected (with log), retry reusing the log buffer, accepted
    log = ctypes.create_string_buffer(4096)
    prog_load(PROG_TYPE_SOCKET_FILTER, bad_prog(), b"ctypes_bad", log, 1, err=errno.EACCES)
    prog_load(PROG_TYPE_SOCKET_FILTER, bad_prog(), b"ctypes_bad", log, 2, err=errno.EACCES)
    prog_load(PROG_TYPE_SOCKET_FILTER, b"", b"ctypes_empty", size=72, err=errno.E2BIG)
    prog_load(PROG_TYPE_SOCKET_FILTER, insn(0xff) + EXIT, b"ctypes_badop", size=72,
              err=errno.EINVAL)  # unknown opcode 0xff
    counters = map_create(MAP_TYPE_ARRAY, 4, 8, 1, b"ctypes_counters")
    prog = prog_load(PROG_TYPE_XDP, xdp_counter_prog(counters), b"ctypes_xdp", size=72)

    retval, _ = test_run(prog, 25, PACKET)
    if retval != 2:
        raise BpfError(f"test run returned {retval}, expected XDP_PASS")
    hits = u64(0)
    elem(MAP_LOOKUP_ELEM, counters, u32(0), hits)
    if hits.value != 25:
        raise BpfError(f"counter is {hits.value}, expected 25")

    # pin, get back, look up through the pinned map
    obj(OBJ_PIN, pins[0], counters)
    obj(OBJ_PIN, pins[1], prog)
    obj(OBJ_PIN, pins[1], prog, err=errno.EEXIST)
    m2 = obj(OBJ_GET, pins[0])
    p2 = obj(OBJ_GET, pins[1])
    obj(OBJ_GET, PIN_PREFIX + "missing", err=errno.ENOENT)
    elem(MAP_LOOKUP_ELEM, m2, u32(0), hits)

    # info: map, then prog in two steps (size query, then the instructions)
    map_id = obj_id(m2)
    pinfo = ctypes.create_string_buffer(228)
    info(p2, pinfo)
    prog_id = struct.unpack_from("<I", pinfo.raw, 4)[0]
    xlated_len = struct.unpack_from("<I", pinfo.raw, 20)[0]
    xlated = ctypes.create_string_buffer(xlated_len)
    pinfo2 = ctypes.create_string_buffer(228)
    struct.pack_into("<I", pinfo2, 20, xlated_len)
    struct.pack_into("<Q", pinfo2, 32, addr(xlated))
    info(p2, pinfo2)

    # ids: step from just below our ids to the end, open by id
    for cmd, own in ((PROG_GET_NEXT_ID, prog_id), (MAP_GET_NEXT_ID, map_id)):
        cur, steps = own - 1, 0
        while steps < 8:
            a = IdAttr(id=cur)
            ret, e = bpf(cmd, a)
            if ret < 0:
                break
            cur, steps = a.next_id, steps + 1
    pfd = fd_by_id(PROG_GET_FD_BY_ID, prog_id)
    mfd = fd_by_id(MAP_GET_FD_BY_ID, map_id)
    fd_by_id(MAP_GET_FD_BY_ID, 0x7ffffff0, err=errno.ENOENT)
    if obj_id(pfd) != prog_id or obj_id(mfd) != map_id:
        raise BpfError("fd_by_id returned another object")

    # invalid command, NULL attr
    expect("bad cmd", bpf(0x7f, None, 0), errno.EINVAL)
    expect("NULL attr", bpf(MAP_CREATE, None, 72), errno.EFAULT)

    for p in pins:
        os.unlink(p)
    for fd in (h, arr, ro, counters, prog, m2, p2, pfd, mfd):
        os.close(fd)


def mode_threads() -> None:
    h = map_create(MAP_TYPE_HASH, 4, 8, 64, b"thr_hash")
    counters = map_create(MAP_TYPE_ARRAY, 4, 8, 1, b"thr_counters")
    prog = prog_load(PROG_TYPE_XDP, xdp_counter_prog(counters), b"thr_xdp")
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def runner():  # long in-kernel calls: the others interleave with them
        start.wait()
        for _ in range(4):
            test_run(prog, 200000, PACKET)

    def writer():
        start.wait()
        for i in range(40):
            elem(MAP_UPDATE_ELEM, h, u32(i), u64(i), BPF_ANY)
            elem(MAP_LOOKUP_ELEM, h, u32(i), u64(0))

    def walker():  # commands strace decodes partly at exit
        start.wait()
        for _ in range(30):
            a = IdAttr(id=0)
            bpf(MAP_GET_NEXT_ID, a)
            info(h, ctypes.create_string_buffer(88))

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
        return run

    threads = [threading.Thread(target=wrap(f)) for f in (runner, writer, walker)]
    for t in threads:
        t.start()
    start.wait()
    first = u32(0)
    for _ in range(10):  # first key of a map that is being filled: may be ENOENT
        bpf(MAP_GET_NEXT_KEY, ElemAttr(map_fd=h, key=0, value=addr(first)), 24)
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    os.close(prog)
    os.close(counters)
    os.close(h)


def main(argv: list[str]) -> int:
    modes = {"all": mode_all, "threads": mode_threads}
    if len(argv) != 2 or argv[1] not in modes:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        modes[argv[1]]()
    except BpfError as exc:
        print(f"loader.py: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
