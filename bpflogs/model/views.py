"""Typed views of the bpf commands users meet most.

``view(call)`` gives a frozen dataclass whose fields are the typed attributes of
the call (see ``typed.py``): enum names as str, flags as FlagSet, fds as Fd,
pointers as Pointer, strings as Bytes, ``X => Y`` as Update. A field the call
did not print (older strace, smaller attr size) is None. Wrapper structs
(``link_create={...}``) are flattened into the view.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from bpflogs.model.records import Syscall
from bpflogs.model.typed import Bytes, Fd, FlagSet, Insns, Pointer, Typed, Update, flat_attrs

__all__ = [
    "BtfLoad",
    "GetFdById",
    "GetNextId",
    "LinkCreate",
    "MapCreate",
    "MapElem",
    "ObjGetInfo",
    "ObjPath",
    "ProgAttach",
    "ProgLoad",
    "ProgQuery",
    "ProgTestRun",
    "RawTracepointOpen",
    "View",
    "view",
]

Int = int | Update | None


@dataclass(frozen=True, slots=True)
class MapCreate:
    map_type: str | None = None
    key_size: int | None = None
    value_size: int | None = None
    max_entries: int | None = None
    map_flags: FlagSet | None = None
    inner_map_fd: Fd | None = None
    numa_node: int | None = None
    map_name: Bytes | None = None
    map_ifindex: Typed | None = None
    btf_fd: Fd | None = None
    btf_key_type_id: int | None = None
    btf_value_type_id: int | None = None
    btf_vmlinux_value_type_id: int | None = None
    map_extra: int | None = None
    value_type_btf_obj_fd: Fd | None = None
    map_token_fd: Fd | None = None


@dataclass(frozen=True, slots=True)
class ProgLoad:
    prog_type: str | None = None
    insn_cnt: int | None = None
    insns: Insns | Pointer | None = None
    license: Bytes | Pointer | None = None
    log_level: int | None = None
    log_size: int | None = None
    log_buf: Bytes | Pointer | None = None
    kern_version: int | None = None
    prog_flags: FlagSet | None = None
    prog_name: Bytes | None = None
    prog_ifindex: Typed | None = None
    expected_attach_type: str | None = None
    prog_btf_fd: Fd | None = None
    func_info_rec_size: int | None = None
    func_info: Pointer | None = None
    func_info_cnt: int | None = None
    line_info_rec_size: int | None = None
    line_info: Pointer | None = None
    line_info_cnt: int | None = None
    attach_btf_id: int | None = None
    attach_prog_fd: Fd | None = None
    fd_array: Pointer | None = None
    core_relo_cnt: int | None = None
    core_relos: Pointer | None = None
    core_relo_rec_size: int | None = None
    log_true_size: int | None = None
    prog_token_fd: Fd | None = None
    fd_array_cnt: int | None = None


@dataclass(frozen=True, slots=True)
class BtfLoad:
    btf: Bytes | Pointer | None = None
    btf_log_buf: Pointer | None = None
    btf_size: int | None = None
    btf_log_size: int | None = None
    btf_log_level: int | None = None
    btf_log_true_size: int | None = None
    btf_flags: FlagSet | None = None
    btf_token_fd: Fd | None = None


@dataclass(frozen=True, slots=True)
class LinkCreate:
    prog_fd: Fd | None = None
    target_fd: Fd | None = None
    target_ifindex: Typed | None = None
    attach_type: str | None = None
    flags: FlagSet | int | None = None
    target_btf_id: int | None = None
    iter_info: Typed | None = None
    iter_info_len: int | None = None
    perf_event: Typed | None = None
    kprobe_multi: Typed | None = None
    tracing: Typed | None = None
    netfilter: Typed | None = None
    tcx: Typed | None = None
    netkit: Typed | None = None
    uprobe_multi: Typed | None = None
    cgroup: Typed | None = None


@dataclass(frozen=True, slots=True)
class ObjPath:
    """BPF_OBJ_PIN and BPF_OBJ_GET."""

    pathname: Bytes | Pointer | None = None
    bpf_fd: Fd | None = None
    file_flags: FlagSet | None = None
    path_fd: Fd | None = None


@dataclass(frozen=True, slots=True)
class ObjGetInfo:
    bpf_fd: Fd | None = None
    info_len: Int = None
    info: Typed | None = None  # a Pointer, or the decoded bpf_prog_info / bpf_map_info (-v)


@dataclass(frozen=True, slots=True)
class MapElem:
    """BPF_MAP_LOOKUP_ELEM, UPDATE_ELEM, DELETE_ELEM, GET_NEXT_KEY, LOOKUP_AND_DELETE_ELEM."""

    map_fd: Fd | None = None
    key: Pointer | None = None
    value: Pointer | None = None
    next_key: Pointer | None = None
    flags: FlagSet | None = None


@dataclass(frozen=True, slots=True)
class ProgAttach:
    """BPF_PROG_ATTACH and BPF_PROG_DETACH."""

    target_fd: Fd | None = None
    target_ifindex: Typed | None = None
    attach_bpf_fd: Fd | None = None
    attach_type: str | None = None
    attach_flags: FlagSet | None = None
    replace_bpf_fd: Fd | None = None
    relative_fd: Fd | None = None
    relative_id: int | None = None
    expected_revision: int | None = None


@dataclass(frozen=True, slots=True)
class ProgQuery:
    target_fd: Fd | None = None
    target_ifindex: Typed | None = None
    attach_type: str | None = None
    query_flags: FlagSet | None = None
    attach_flags: FlagSet | None = None
    prog_ids: Typed | None = None
    prog_cnt: Int = None
    prog_attach_flags: Typed | None = None
    link_ids: Typed | None = None
    link_attach_flags: Typed | None = None
    revision: int | None = None


@dataclass(frozen=True, slots=True)
class RawTracepointOpen:
    name: Bytes | Pointer | None = None
    prog_fd: Fd | None = None
    cookie: int | None = None


@dataclass(frozen=True, slots=True)
class GetNextId:
    """BPF_{PROG,MAP,BTF,LINK}_GET_NEXT_ID."""

    start_id: int | None = None
    next_id: Int = None
    open_flags: FlagSet | None = None


@dataclass(frozen=True, slots=True)
class GetFdById:
    """BPF_{PROG,MAP,BTF,LINK}_GET_FD_BY_ID."""

    prog_id: int | None = None
    map_id: int | None = None
    btf_id: int | None = None
    link_id: int | None = None
    next_id: int | None = None
    open_flags: FlagSet | None = None
    fd_by_id_token_fd: Fd | None = None


@dataclass(frozen=True, slots=True)
class ProgTestRun:
    prog_fd: Fd | None = None
    retval: int | None = None
    data_size_in: int | None = None
    data_size_out: int | None = None
    data_in: Pointer | None = None
    data_out: Pointer | None = None
    repeat: int | None = None
    duration: int | None = None
    ctx_size_in: int | None = None
    ctx_size_out: int | None = None
    ctx_in: Pointer | None = None
    ctx_out: Pointer | None = None
    flags: FlagSet | None = None
    cpu: int | None = None
    batch_size: int | None = None


View = (
    MapCreate
    | ProgLoad
    | BtfLoad
    | LinkCreate
    | ObjPath
    | ObjGetInfo
    | MapElem
    | ProgAttach
    | ProgQuery
    | RawTracepointOpen
    | GetNextId
    | GetFdById
    | ProgTestRun
)

_VIEWS: dict[str, tuple[type[Any], str]] = {
    "BPF_MAP_CREATE": (MapCreate, ""),
    "BPF_PROG_LOAD": (ProgLoad, ""),
    "BPF_BTF_LOAD": (BtfLoad, ""),
    "BPF_LINK_CREATE": (LinkCreate, "link_create."),
    "BPF_OBJ_PIN": (ObjPath, ""),
    "BPF_OBJ_GET": (ObjPath, ""),
    "BPF_OBJ_GET_INFO_BY_FD": (ObjGetInfo, "info."),
    "BPF_MAP_LOOKUP_ELEM": (MapElem, ""),
    "BPF_MAP_UPDATE_ELEM": (MapElem, ""),
    "BPF_MAP_DELETE_ELEM": (MapElem, ""),
    "BPF_MAP_GET_NEXT_KEY": (MapElem, ""),
    "BPF_MAP_LOOKUP_AND_DELETE_ELEM": (MapElem, ""),
    "BPF_PROG_ATTACH": (ProgAttach, ""),
    "BPF_PROG_DETACH": (ProgAttach, ""),
    "BPF_PROG_QUERY": (ProgQuery, "query."),
    "BPF_RAW_TRACEPOINT_OPEN": (RawTracepointOpen, "raw_tracepoint."),
    "BPF_PROG_GET_NEXT_ID": (GetNextId, ""),
    "BPF_MAP_GET_NEXT_ID": (GetNextId, ""),
    "BPF_BTF_GET_NEXT_ID": (GetNextId, ""),
    "BPF_LINK_GET_NEXT_ID": (GetNextId, ""),
    "BPF_PROG_GET_FD_BY_ID": (GetFdById, ""),
    "BPF_MAP_GET_FD_BY_ID": (GetFdById, ""),
    "BPF_BTF_GET_FD_BY_ID": (GetFdById, ""),
    "BPF_LINK_GET_FD_BY_ID": (GetFdById, ""),
    "BPF_PROG_TEST_RUN": (ProgTestRun, "test."),
}


def view(call: Syscall) -> View | None:
    """The typed view of ``call``; None for other commands or an undecoded attr."""
    entry = _VIEWS.get(call.command)
    attr = call.fields
    if entry is None or attr is None:
        return None
    cls, wrapper = entry
    flat = flat_attrs(call.command, attr)
    names = {f.name for f in fields(cls)}
    values: dict[str, Any] = {}
    for path, (typed, _spec) in flat.items():
        if not path.startswith(wrapper):
            continue
        name, _, rest = path[len(wrapper) :].partition(".")
        if name not in names:
            continue
        if rest:  # a nested member of a union struct: rebuild it as a mapping
            nested = values.setdefault(name, {})
            if isinstance(nested, dict):
                nested[rest] = typed
        else:
            values[name] = typed
    return cls(**values)  # type: ignore[no-any-return]
