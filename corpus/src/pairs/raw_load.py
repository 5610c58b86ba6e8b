#!/usr/bin/env python3
"""bpflogs diff ground truth: one map and one program through raw bpf(2).

Usage: python3 raw_load.py [--max-entries N] [--prog-flags F] [--log-level L]

Makes exactly two bpf() calls, each with every attribute fixed by the
command line, so that two runs differ in exactly the attribute changed:
  1. BPF_MAP_CREATE  hash, key 4, value 8, max_entries N (default 128),
     name "pairs_flows" (attr size 72)
  2. BPF_PROG_LOAD   XDP, 11 hand-assembled instructions that count packets
     in that map and return XDP_PASS, name "pairs_raw", license "GPL",
     prog_flags F (default 0), attr size 128. With --log-level L (L > 0) the
     load carries a zeroed 65536-byte log buffer (log_size=65536) and
     log_level=L; without it log_level=0, log_size=0, log_buf=NULL (the
     kernel refuses a log buffer with log_level 0: EINVAL).
Both fds are closed again; nothing is pinned. Exit 0 when both calls succeed.
No libbpf: no feature probes, no BTF, so the strace capture is two lines.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import struct
import sys

SYS_BPF = 321  # x86-64
MAP_CREATE, PROG_LOAD = 0, 5
MAP_TYPE_HASH, PROG_TYPE_XDP = 1, 6
LOG_SIZE = 65536

_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long
_syscall.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_uint]
u32, u64 = ctypes.c_uint32, ctypes.c_uint64


class MapCreateAttr(ctypes.Structure):
    _fields_ = [
        ("map_type", u32), ("key_size", u32), ("value_size", u32),
        ("max_entries", u32), ("map_flags", u32), ("inner_map_fd", u32),
        ("numa_node", u32), ("map_name", ctypes.c_char * 16),
        ("map_ifindex", u32), ("btf_fd", u32), ("btf_key_type_id", u32),
        ("btf_value_type_id", u32), ("btf_vmlinux_value_type_id", u32),
        ("map_extra", u64),
    ]  # 72 bytes


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
    ]  # 128 bytes


def bpf(cmd: int, attr: ctypes.Structure) -> int:
    ret = _syscall(SYS_BPF, cmd, ctypes.addressof(attr), ctypes.sizeof(attr))
    if ret < 0:
        e = ctypes.get_errno()
        raise OSError(e, f"bpf({cmd}): {os.strerror(e)}")
    return ret


def insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def counter_prog(map_fd: int) -> bytes:
    """XDP: key 0 of the hash map += 1 if present; return XDP_PASS."""
    return b"".join([
        insn(0x62, 10, 0, -4, 0),        # *(u32 *)(r10 - 4) = 0
        insn(0xbf, 2, 10),               # r2 = r10
        insn(0x07, 2, 0, 0, -4),         # r2 += -4
        insn(0x18, 1, 1, 0, map_fd),     # r1 = map fd (ld_imm64, BPF_PSEUDO_MAP_FD)
        insn(0, 0, 0, 0, 0),
        insn(0x85, 0, 0, 0, 1),          # call bpf_map_lookup_elem
        insn(0x15, 0, 0, 2, 0),          # if r0 == 0 goto +2
        insn(0xb7, 1, 0, 0, 1),          # r1 = 1
        insn(0xdb, 0, 1, 0, 0),          # lock *(u64 *)(r0 + 0) += r1
        insn(0xb7, 0, 0, 0, 2),          # r0 = XDP_PASS
        insn(0x95),                      # exit
    ])


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-entries", type=int, default=128)
    ap.add_argument("--prog-flags", type=lambda s: int(s, 0), default=0)
    ap.add_argument("--log-level", type=int, default=0)
    args = ap.parse_args(argv[1:])

    m = MapCreateAttr(map_type=MAP_TYPE_HASH, key_size=4, value_size=8,
                      max_entries=args.max_entries, map_name=b"pairs_flows")
    map_fd = bpf(MAP_CREATE, m)

    code = counter_prog(map_fd)
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    p = ProgLoadAttr(prog_type=PROG_TYPE_XDP, insn_cnt=len(code) // 8,
                     insns=ctypes.addressof(insns), license=ctypes.addressof(lic),
                     prog_flags=args.prog_flags, prog_name=b"pairs_raw")
    log = None
    if args.log_level:
        log = ctypes.create_string_buffer(LOG_SIZE)
        p.log_level, p.log_size, p.log_buf = args.log_level, LOG_SIZE, ctypes.addressof(log)
    try:
        prog_fd = bpf(PROG_LOAD, p)
    except OSError as exc:
        if log is not None and log.value:
            sys.stderr.write(log.value.decode(errors="replace"))
        print(f"raw_load.py: {exc}", file=sys.stderr)
        return 1
    os.close(prog_fd)
    os.close(map_fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
