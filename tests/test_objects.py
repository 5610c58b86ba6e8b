"""The object table: which bpf object each fd-valued field names, on real corpus captures.

Expectations are worked out here from the records themselves (which earlier call returned
that fd number), not from fixed fds or line numbers: the corpus is regenerated at will.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import bpflogs
from bpflogs import BpfObject, Capture, Syscall
from bpflogs.model import values as v
from bpflogs.schema import ObjectKind

Load = Callable[[str], Capture]


def string(call: Syscall, path: str) -> str | None:
    node = call.get(path)
    return node.value.decode() if isinstance(node, v.String) else None


def number(call: Syscall, path: str) -> int | None:
    node = call.get(path)
    if isinstance(node, v.Decorated):
        node = node.value
    return node.value if isinstance(node, v.Number) else None


def succeeded(call: Syscall) -> bool:
    return call.result is not None and call.result.value is not None and not call.result.failed


def latest_return(capture: Capture, fd: int, before: Syscall, commands: tuple[str, ...]) -> Syscall:
    """The last successful call of ``commands`` before ``before`` that returned ``fd``."""
    found = [
        c
        for c in capture.syscalls
        if c.line < before.line and c.command in commands and succeeded(c) and c.result.value == fd  # type: ignore[union-attr]
    ]
    assert found, (fd, before.line)
    return found[-1]


def prog_load(capture: Capture, name: str) -> Syscall:
    loads = [c for c in capture.syscalls if c.command == "BPF_PROG_LOAD" and string(c, "prog_name") == name]
    assert len(loads) == 1
    return loads[0]


# ---------------------------------------------------------------------------------- BTF and maps


def test_prog_btf_fd_is_the_last_btf_loaded(corpus: Load) -> None:
    capture = corpus("bpftool-prog-load-xdp_y.txt")
    load = prog_load(capture, "xdp_stats")
    btf_loads = [
        c for c in capture.syscalls if c.command == "BPF_BTF_LOAD" and c.line < load.line and succeeded(c)
    ]
    assert len(btf_loads) > 1  # libbpf's probes reuse the same fd number
    last = btf_loads[-1]
    assert number(load, "prog_btf_fd") == last.result.value  # type: ignore[union-attr]
    btf = capture.objects.resolve(load, "prog_btf_fd")
    assert btf is not None
    assert btf is capture.objects.created_by(last)
    assert (btf.kind, btf.line, btf.origin) == (ObjectKind.BTF, last.line, "BPF_BTF_LOAD")
    assert btf.index == len(btf_loads) - 1 and btf.label == f"btf#{btf.index}"
    # the program this load created
    prog = capture.objects.created_by(load)
    assert prog is not None and prog.label == "prog:xdp_stats" and prog.kind is ObjectKind.PROG


def test_fd_zero_names_nothing(corpus: Load) -> None:
    """``prog_btf_fd=0</dev/null>`` in libbpf's probes is "no BTF", not an object."""
    capture = corpus("bpftool-prog-load-xdp_y.txt")
    probes = [c for c in capture.syscalls if c.command == "BPF_PROG_LOAD" and number(c, "prog_btf_fd") == 0]
    assert probes
    assert all(capture.objects.resolve(c, "prog_btf_fd") is None for c in probes)


@pytest.mark.parametrize("name", ["bpftool-prog-load-xdp_y.txt", "bpftool-prog-load-xdp_plain.txt"])
def test_map_fds_name_the_created_map(name: str, corpus: Load) -> None:
    capture = corpus(name)
    updates = [c for c in capture.syscalls if c.command in ("BPF_MAP_UPDATE_ELEM", "BPF_MAP_FREEZE")]
    assert len(updates) >= 4
    for call in updates:
        fd = number(call, "map_fd")
        assert fd is not None
        create = latest_return(capture, fd, call, ("BPF_MAP_CREATE",))
        resolved = capture.objects.resolve(call, "map_fd")
        assert resolved is not None and resolved is capture.objects.created_by(create)
        assert resolved.kind is ObjectKind.MAP and resolved.name == string(create, "map_name")
        assert capture.objects.paths(call) == {"map_fd": resolved}


def test_reused_fd_names_the_newest_object(corpus: Load) -> None:
    capture = corpus("bpftool-prog-load-xdp_y.txt")
    freeze = next(c for c in capture.syscalls if c.command == "BPF_MAP_FREEZE")
    fd = number(freeze, "map_fd")
    creates = [
        c
        for c in capture.syscalls
        if c.command == "BPF_MAP_CREATE" and c.line < freeze.line and succeeded(c) and c.result.value == fd  # type: ignore[union-attr]
    ]
    assert len(creates) >= 2, "the capture reuses the .rodata map's fd number"
    older, newest = (capture.objects.created_by(c) for c in (creates[0], creates[-1]))
    assert older is not None and newest is not None and older is not newest
    assert older.fd == newest.fd == fd
    resolved = capture.objects.resolve(freeze, "map_fd")
    assert resolved is newest and resolved.name == "xdp_stat.rodata" != older.name


# ---------------------------------------------------------------------------------- pins and ids


@pytest.mark.parametrize("name", ["ctypes-loader_y.txt", "ctypes-loader_v.txt"])
def test_pin_then_get_is_the_same_object(name: str, corpus: Load) -> None:
    capture = corpus(name)
    gets = [c for c in capture.syscalls if c.command == "BPF_OBJ_GET"]
    ok = [c for c in gets if succeeded(c)]
    assert len(ok) >= 2
    for get in ok:
        path = string(get, "pathname")
        pins = [
            c
            for c in capture.syscalls
            if c.command == "BPF_OBJ_PIN"
            and c.line < get.line
            and succeeded(c)
            and string(c, "pathname") == path
        ]
        assert len(pins) == 1
        pinned = capture.objects.resolve(pins[0], "bpf_fd")
        assert pinned is not None and pinned.origin in ("BPF_MAP_CREATE", "BPF_PROG_LOAD")
        assert capture.objects.created_by(get) is pinned
        assert get.result is not None and get.result.value != pinned.fd  # a new fd, the same object
    failed = [c for c in gets if not succeeded(c)]
    assert failed and all(capture.objects.created_by(c) is None for c in failed)


def test_get_of_a_pin_from_another_run(corpus: Load) -> None:
    capture = corpus("bpftool-prog-run-xdp_tt-T.txt")
    get, run = capture.syscalls
    assert (get.command, run.command) == ("BPF_OBJ_GET", "BPF_PROG_TEST_RUN")
    obj = capture.objects.created_by(get)
    assert obj is not None
    assert (obj.origin, obj.path, obj.fd) == ("BPF_OBJ_GET", string(get, "pathname"), get.result.value)  # type: ignore[union-attr]
    assert obj.label == f"{obj.kind.value}:{obj.path}"
    assert capture.objects.resolve(run, "test.prog_fd") is obj


def test_get_fd_by_id_of_a_known_id(corpus: Load) -> None:
    capture = corpus("ctypes-loader_v.txt")
    by_id = {"BPF_PROG_GET_FD_BY_ID": "prog_id", "BPF_MAP_GET_FD_BY_ID": "map_id"}
    found = 0
    for call in capture.syscalls:
        if call.command not in by_id or not succeeded(call):
            continue
        ident = number(call, by_id[call.command])
        infos = [
            c
            for c in capture.syscalls
            if c.command == "BPF_OBJ_GET_INFO_BY_FD"
            and c.line < call.line
            and number(c, "info.info.id") == ident
        ]
        assert infos, "the id was learned from a decoded info (-v)"
        known = capture.objects.resolve(infos[0], "info.bpf_fd")
        assert known is not None
        assert capture.objects.created_by(call) is known
        # the new fd is used afterwards and still names that object
        later = [
            c
            for c in capture.syscalls
            if c.line > call.line and number(c, "info.bpf_fd") == call.result.value
        ]  # type: ignore[union-attr]
        assert later and capture.objects.resolve(later[0], "info.bpf_fd") is known
        found += 1
    assert found == 2


def test_get_fd_by_id_without_info_is_a_new_object(corpus: Load) -> None:
    """Without -v the info is an address: the id is new to the table, the object gets it."""
    capture = corpus("ctypes-loader_y.txt")
    call = next(c for c in capture.syscalls if c.command == "BPF_PROG_GET_FD_BY_ID" and succeeded(c))
    obj = capture.objects.created_by(call)
    assert obj is not None
    assert (obj.kind, obj.origin, obj.id) == (
        ObjectKind.PROG,
        "BPF_PROG_GET_FD_BY_ID",
        number(call, "prog_id"),
    )


# ---------------------------------------------------------------------------------- -v instructions


def ld_imm64_map_fds(call: Syscall) -> dict[int, int]:
    """insn index -> imm of every ``ld_imm64`` with src_reg BPF_PSEUDO_MAP_FD/VALUE (1/2)."""
    insns = call.get("insns")
    assert isinstance(insns, v.Array)
    out = {}
    for i, insn in enumerate(insns.items):
        assert isinstance(insn, v.Struct)
        code, src, imm = insn.get("code"), insn.get("src_reg"), insn.get("imm")
        if (
            isinstance(code, v.Flags)
            and code.render() == "BPF_LD|BPF_DW|BPF_IMM"
            and src in (v.Symbol("BPF_REG_1"), v.Symbol("BPF_REG_2"))
        ):
            assert isinstance(imm, v.Number)
            out[i] = imm.value
    return out


def test_ld_imm64_map_fds_resolve_to_maps(corpus: Load) -> None:
    capture = corpus("bpftool-prog-load-xdp_v.txt")
    load = prog_load(capture, "xdp_stats")
    expected = ld_imm64_map_fds(load)
    assert len(expected) >= 7
    resolved = {p: o for p, o in capture.objects.paths(load).items() if p.startswith("insns[")}
    assert set(resolved) == {f"insns[{i}].imm" for i in expected}
    for i, fd in expected.items():
        obj = resolved[f"insns[{i}].imm"]
        create = latest_return(capture, fd, load, ("BPF_MAP_CREATE",))
        assert obj is capture.objects.created_by(create) and obj.kind is ObjectKind.MAP
    names = {o.name for o in resolved.values()}
    assert names == {
        "len_stats",
        "xdp_config",
        "proto_count",
        "blocklist_v4",
        "xdp_stat.rodata",
        "xdp_stat.data",
        "xdp_stat.bss",
    }
    # bpf-to-bpf calls also have src_reg=BPF_REG_1, but their imm is an offset, not an fd
    insns = load.get("insns")
    assert isinstance(insns, v.Array)
    pseudo_calls = [
        i
        for i, insn in enumerate(insns.items)
        if isinstance(insn, v.Struct)
        and insn.get("code") == v.Flags((v.Symbol("BPF_JMP"), v.Symbol("BPF_K"), v.Symbol("BPF_CALL")))
        and insn.get("src_reg") == v.Symbol("BPF_REG_1")
    ]
    assert pseudo_calls and not any(f"insns[{i}].imm" in resolved for i in pseudo_calls)


def test_ld_imm64_in_hand_assembled_program(corpus: Load) -> None:
    capture = corpus("ctypes-loader_v.txt")
    load = prog_load(capture, "ctypes_xdp")
    expected = ld_imm64_map_fds(load)
    assert len(expected) == 1
    ((index, fd),) = expected.items()
    obj = capture.objects.resolve(load, f"insns[{index}].imm")
    assert obj is not None and obj.label == "map:ctypes_counters" and obj.fd == fd


# ---------------------------------------------------------------------------------- close()


def test_close_unbinds_the_fd(corpus_path: Callable[[str], Path]) -> None:
    """The mixed capture up to ``close(N)`` of a program's fd, plus one call using fd N."""
    lines = corpus_path("bpftool-prog-load-socket_mixed.txt").read_text().splitlines()
    load_at = next(i for i, line in enumerate(lines) if 'prog_name="libbpf_nametest"' in line)
    fd = bpflogs.parse_text(lines[load_at]).syscalls[0].result.value  # type: ignore[union-attr]
    close_at = next(i for i in range(load_at + 1, len(lines)) if lines[i].startswith(f"close({fd})"))
    probe = (
        f'bpf(BPF_OBJ_PIN, {{pathname="/sys/fs/bpf/probe", bpf_fd={fd}, file_flags=0}}, 16)'
        " = -1 EBADF (Bad file descriptor)"
    )

    def resolve_probe(kept: list[str]) -> BpfObject | None:
        capture = bpflogs.parse_text("\n".join([*kept, probe]) + "\n")
        assert capture.unparsed == ()
        return capture.objects.resolve(capture.syscalls[-1], "bpf_fd")

    before_close = resolve_probe(lines[:close_at])
    assert before_close is not None and before_close.label == "prog:libbpf_nametest"
    assert resolve_probe(lines[: close_at + 1]) is None


def test_whole_mixed_capture_objects(corpus: Load) -> None:
    capture = corpus("bpftool-prog-load-socket_mixed.txt")
    load = prog_load(capture, "sock_count")
    maps = [c for c in capture.syscalls if c.command == "BPF_MAP_CREATE" and c.line < load.line]
    btf = capture.objects.resolve(load, "prog_btf_fd")
    assert btf is not None and btf.kind is ObjectKind.BTF
    for create in maps:
        assert capture.objects.resolve(create, "btf_fd") is btf
    pin = next(c for c in capture.syscalls if c.command == "BPF_OBJ_PIN")
    assert capture.objects.resolve(pin, "bpf_fd") is capture.objects.created_by(load)
