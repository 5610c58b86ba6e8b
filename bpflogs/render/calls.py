"""``bpflogs parse``: a table of a capture's bpf() calls, for people."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bpflogs import schema
from bpflogs.model import records as r
from bpflogs.model.capture import Capture
from bpflogs.model.typed import Bytes, FlagSet, Pointer, Typed, Update, convert
from bpflogs.render.inert import inert

__all__ = ["describe", "print_capture"]

# per command: the attributes that say what a call is about
_IDENTIFYING: dict[str, tuple[str, ...]] = {
    "BPF_MAP_CREATE": ("map_type", "map_name", "key_size", "value_size", "max_entries", "map_flags"),
    "BPF_PROG_LOAD": ("prog_type", "prog_name", "insn_cnt", "expected_attach_type", "prog_flags"),
    "BPF_BTF_LOAD": ("btf_size",),
    "BPF_LINK_CREATE": ("link_create.attach_type",),
    "BPF_OBJ_PIN": ("pathname",),
    "BPF_OBJ_GET": ("pathname",),
    "BPF_PROG_ATTACH": ("attach_type", "attach_flags"),
    "BPF_PROG_DETACH": ("attach_type",),
    "BPF_PROG_QUERY": ("query.attach_type",),
    "BPF_RAW_TRACEPOINT_OPEN": ("raw_tracepoint.name",),
    "BPF_PROG_GET_FD_BY_ID": ("prog_id",),
    "BPF_MAP_GET_FD_BY_ID": ("map_id",),
    "BPF_BTF_GET_FD_BY_ID": ("btf_id",),
    "BPF_LINK_GET_FD_BY_ID": ("link_id",),
    "BPF_PROG_GET_NEXT_ID": ("start_id", "next_id"),
    "BPF_MAP_GET_NEXT_ID": ("start_id", "next_id"),
    "BPF_BTF_GET_NEXT_ID": ("start_id", "next_id"),
    "BPF_LINK_GET_NEXT_ID": ("start_id", "next_id"),
    "BPF_PROG_TEST_RUN": ("test.repeat", "test.data_size_in"),
    "BPF_MAP_UPDATE_ELEM": ("flags",),
    "BPF_MAP_LOOKUP_ELEM": ("flags",),
}


def _short(value: Typed) -> str:
    if isinstance(value, Bytes):
        return '"' + value.text + '"' + ("..." if value.truncated else "")
    if isinstance(value, FlagSet):
        parts = [n.removeprefix("BPF_F_") for n in value.names]
        parts += [hex(value.unknown)] if value.unknown else []
        return "|".join(parts) if parts else "0"
    if isinstance(value, Pointer):
        return "NULL" if value.address is None else hex(value.address)
    if isinstance(value, Update):
        return f"{_short(value.before)} => {_short(value.after)}"
    if isinstance(value, str):
        for prefix in ("BPF_PROG_TYPE_", "BPF_MAP_TYPE_", "BPF_"):
            if value.startswith(prefix):
                return value[len(prefix) :].lower()
        return value
    return str(value) if isinstance(value, int) else type(value).__name__


def describe(call: r.Syscall, capture: Capture) -> str:
    """The identifying attributes of a call, and the objects its fds name."""
    attr = call.fields
    if attr is None:
        return "(attr not decoded)" if call.attr is not None else ""
    parts = []
    for path in _IDENTIFYING.get(call.command, ()):
        node = attr.get(path)  # only the attributes shown are typed, not the whole attr
        typed = None if node is None else convert(node, schema.field(call.command, path))
        # zero values say nothing (expected_attach_type=BPF_CGROUP_INET_INGRESS is 0: unset)
        if typed not in (None, 0, "BPF_CGROUP_INET_INGRESS", FlagSet(()), Bytes(b"")):
            parts.append(f"{path.rpartition('.')[2]}={_short(typed)}")
    for path, obj in capture.objects.paths(call).items():
        parts.append(f"{path}→{obj.label}")
    return " ".join(parts)


def _result(call: r.Syscall, capture: Capture) -> Text:
    result = call.result
    if result is None:
        return Text(call.end.value, style="yellow")
    if result.failed:
        return Text(inert(result.errno or result.text), style="red")
    created = capture.objects.created_by(call)
    text = result.text.partition("<")[0]
    if created is not None:
        text += f" ({created.label})"
    return Text(inert(text), style="green")


def print_capture(capture: Capture, console: Console) -> None:
    """A table of the bpf() calls, then what else the log held and which lines did not parse."""
    table = Table(title=inert(capture.name), title_justify="left", show_edge=False, pad_edge=False)
    show_pid = any(call.pid is not None for call in capture.syscalls)
    table.add_column("line", justify="right", style="dim")
    if show_pid:
        table.add_column("pid", justify="right")
    table.add_column("command")
    table.add_column("attributes", overflow="fold")
    table.add_column("result")
    for call in capture.syscalls:
        command = call.command[len("BPF_") :] if call.command.startswith("BPF_") else call.command
        pid = ["" if call.pid is None else str(call.pid)] if show_pid else []
        table.add_row(
            str(call.line),
            *pid,
            Text(inert(command), style="bold"),
            Text(inert(describe(call, capture))),
            _result(call, capture),
        )
    if capture.syscalls:
        console.print(table)
    else:
        console.print(Text(inert(capture.name), style="bold underline"))
    counts: dict[str, int] = {}
    for record in capture.records:
        counts[type(record).__name__] = counts.get(type(record).__name__, 0) + 1
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing"
    console.print(Text(f"{capture.line_count} lines: {summary}; {len(capture.objects.objects)} objects"))
    if capture.unparsed:
        numbers = ", ".join(str(u.line) for u in capture.unparsed[:20])
        more = f" and {len(capture.unparsed) - 20} more" if len(capture.unparsed) > 20 else ""
        console.print(Text(f"{len(capture.unparsed)} unparsed lines: {numbers}{more}", style="red"))
