"""Checks on strace logs: is every line read, every call whole, every fd accounted for?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bpflogs import schema
from bpflogs.model import values as v
from bpflogs.model.capture import late_calls
from bpflogs.model.records import CallEnd, Exit, OtherSyscall, Personality, Resumed, Signal, Syscall
from bpflogs.model.typed import info_kind
from bpflogs.objects import fd_fields, spec_path
from bpflogs.schema import ObjectKind
from bpflogs.validate.check import Check, Context, Scope
from bpflogs.validate.diagnostic import Finding, Severity
from bpflogs.validate.locate import attr_offset, value_offsets

__all__ = ["CHECKS"]

_UNFINISHED = " <unfinished ...>"
_Event = Syscall | OtherSyscall | Resumed | Signal | Exit | Personality
_Call = Syscall | OtherSyscall


def _events(ctx: Context) -> list[_Event]:
    """The events of the capture; a call that resumed late (``Resumed.call``) is one event, the
    whole call, where its unfinished half is."""
    kinds = (Syscall, OtherSyscall, Resumed, Signal, Exit, Personality)
    events: list[_Event] = [r for r in ctx.capture.records if isinstance(r, kinds)]
    late = late_calls(events)
    if not late:
        return events
    return [
        late.get(e.line, e) if isinstance(e, (Syscall, OtherSyscall)) and e.end is CallEnd.UNFINISHED else e
        for e in events
        if not (isinstance(e, Resumed) and e.call is not None)
    ]


def _where(ctx: Context, record: _Call | Resumed, offset: int) -> tuple[int, int]:
    parts: tuple[str, ...] = getattr(record, "parts", ())
    return ctx.sources.locate(record.lines, parts, record.text, offset)


# ---------------------------------------------------------------------------------- syntax


def _syntax(ctx: Context) -> Iterator[Finding]:
    for bad in ctx.capture.unparsed:
        line, column = ctx.sources.locate(bad.lines, bad.parts, bad.text, bad.column - 1)
        message = bad.message
        if bad.expected:  # the tokens' readable names (bpflogs/parse/tokens.py)
            message += f"; expected {' or '.join(bad.expected)}"
        hint = None
        if "too early" in bad.message:
            hint = "the line was cut: was the capture interrupted, or the file truncated?"
        elif "not a line" in bad.message:
            hint = "foreign text in the capture, or the second half of a line cut in two"
        yield Finding(line, column, message, hint)


# ---------------------------------------------------------------------------------- unfinished calls


def _flights(ctx: Context) -> list[tuple[_Call, _Event]]:
    """(a call, an event of its pid that came while the call was still in flight).

    In a log where some lines carry a pid, lines without one cannot be given to a pid and
    are left out; in a log without pids (one process, or ``-ff`` files) all lines are one pid's.
    """
    events = _events(ctx)
    prefixed = any(e.prefix.pid is not None for e in events)
    open_calls: dict[int | None, _Call] = {}
    overlaps: list[tuple[_Call, _Event]] = []
    for event in events:  # in the order of their first line
        key = event.prefix.pid
        if (key is None and prefixed) or isinstance(event, (Signal, Personality)):
            continue
        current = open_calls.get(key)
        if current is not None:
            busy_until = float("inf") if current.end is CallEnd.UNFINISHED else current.lines[-1]
            if event.line < busy_until:
                overlaps.append((current, event))
            del open_calls[key]
        if isinstance(event, (Syscall, OtherSyscall)) and (
            event.end is CallEnd.UNFINISHED or len(event.lines) > 1
        ):
            open_calls[key] = event
    return overlaps


def _unfinished(ctx: Context) -> Iterator[Finding]:
    overlapped = {id(call) for call, _ in _flights(ctx)}
    late = late_calls(ctx.capture.records)
    for record in ctx.capture.records:
        if isinstance(record, (Syscall, OtherSyscall)) and record.end is CallEnd.UNFINISHED:
            if id(record) in overlapped or record.line in late:
                continue  # its pid went on: a resumed line is missing (calls-in-flight); or it resumed late
            line, column = _where(ctx, record, len(record.text) - len(_UNFINISHED) + 1)
            name = record.command if isinstance(record, Syscall) else f"{record.name}()"
            yield Finding(
                line,
                column,
                f"{name} never returns in this capture: the capture was cut while the call was in flight",
                "let strace run until the traced program exits (or detach it with Ctrl-C, not kill)",
                len(_UNFINISHED) - 1,
            )


def _in_flight(ctx: Context) -> Iterator[Finding]:
    for current, event in _flights(ctx):
        name = current.command if isinstance(current, Syscall) else f"{current.name}()"
        who = "the process" if event.prefix.pid is None else f"pid {event.prefix.pid}"
        if isinstance(event, Exit):
            what = f"{who} exits"
        elif isinstance(event, Resumed):
            what = f"{who} resumes {event.name}()"
        else:
            started = event.command if isinstance(event, Syscall) else f"{getattr(event, 'name', '')}()"
            what = f"{who} starts {started}"
        state = (
            "never returns"
            if current.end is CallEnd.UNFINISHED
            else f"returns only at line {current.lines[-1]}"
        )
        yield Finding(
            event.line,
            len(event.prefix.text) + 1,
            f"{what} while its {name} of line {current.line} is still in flight (it {state})",
            "a thread makes one call at a time: the capture lost the call's resumed line, or lines "
            "were reordered",
        )


def _orphans(ctx: Context) -> Iterator[Finding]:
    for record in ctx.capture.records:
        if isinstance(record, Resumed) and record.call is None:
            marker = f"<... {record.name} resumed>"
            yield Finding(
                record.line,
                len(record.prefix.text) + 1,
                f"{marker} has no '<unfinished ...>' half in the capture",
                "the line that started the call is missing: deleted, or the capture was spliced",
                len(marker),
            )


# ---------------------------------------------------------------------------------- lost data


def _cut(ctx: Context) -> Iterator[Finding]:
    strings: list[tuple[Syscall, v.String, int]] = []
    arrays: list[tuple[Syscall, v.Array, int]] = []
    for call in ctx.capture.syscalls:
        start = attr_offset(call)
        if start is None or call.attr is None:
            continue
        seen_string = seen_array = False
        for node, offset in value_offsets(call.attr, start):
            if isinstance(node, v.String) and node.truncated and not seen_string:
                strings.append((call, node, offset))
                seen_string = True
            elif (
                isinstance(node, v.Array)
                and not seen_array
                and any(isinstance(i, v.Ellipsis) for i in node.items)
            ):
                arrays.append((call, node, offset))
                seen_array = True
    if strings:
        call, node, offset = strings[0]
        line, column = _where(ctx, call, offset)
        size = len(node.value)
        more = f"; {len(strings)} calls in this capture have cut strings" if len(strings) > 1 else ""
        yield Finding(
            line,
            column,
            f"strace cut this string at {size} bytes: the capture lost data{more}",
            f"re-capture with `strace -s {max(4096, size * 4)}`",
            len(node.text),
        )
    if arrays:
        call, array, offset = arrays[0]
        line, column = _where(ctx, call, offset)
        shown = sum(1 for i in array.items if not isinstance(i, v.Ellipsis))
        more = f"; {len(arrays)} calls in this capture have cut arrays" if len(arrays) > 1 else ""
        yield Finding(
            line,
            column,
            f"strace printed {shown} elements of this array, '...' for the rest: the capture lost data{more}",
            f"re-capture with a larger `strace -s` (it limits array elements too): -s {max(1024, shown * 4)}",
        )


def _abbreviated(ctx: Context) -> Iterator[Finding]:
    addresses: list[tuple[Syscall, str, int]] = []
    tails: dict[str, list[tuple[Syscall, int]]] = {}
    for call in ctx.capture.syscalls:
        start = attr_offset(call)
        if start is None or call.attr is None:
            continue
        for node, offset in value_offsets(call.attr, start):
            if isinstance(node, v.Struct):
                tail = next(
                    (m for m in node.members if m.name is None and isinstance(m.value, v.Ellipsis)), None
                )
                if tail is not None and call.command not in tails:
                    tails[call.command] = [(call, offset + len(node.render()) - 4)]
                elif tail is not None:
                    tails[call.command].append((call, offset))
        path = {"BPF_PROG_LOAD": "insns", "BPF_OBJ_GET_INFO_BY_FD": "info.info"}.get(call.command)
        if path is not None and call.result is not None and not call.result.failed:
            address = call.get(path)
            if isinstance(address, v.Number) and address.value != 0:
                offset = next((o for n, o in value_offsets(call.attr, start) if n is address), start)
                addresses.append((call, path, offset))
    if addresses:
        call, path, offset = addresses[0]
        line, column = _where(ctx, call, offset)
        what = "instructions" if path == "insns" else "object info"
        more = f"; {len(addresses)} calls print only addresses" if len(addresses) > 1 else ""
        yield Finding(
            line,
            column,
            f"strace printed the {what} of {call.command} as an address (abbreviated){more}",
            "re-capture with `strace -v` to keep instructions and object info",
        )
    for command, found in tails.items():
        call, offset = found[0]
        line, column = _where(ctx, call, offset)
        more = f" ({len(found)} such calls)" if len(found) > 1 else ""
        yield Finding(
            line,
            column,
            f"strace did not decode the end of {command}'s attr ('...'): the capture lost data{more}",
            "the attr has fields this strace does not know: a newer strace decodes more of it",
            3,
        )


# ---------------------------------------------------------------------------------- fds


def _checked_fd(command: str, path: str, info: ObjectKind | None) -> bool:
    """Whether an fd field names a bpf object (not a cgroup, netns, perf event or directory fd)."""
    if path.endswith(".imm"):
        # an LD_IMM64 map fd of the loaded instructions (xlated_prog_insns hold map ids instead)
        return path.startswith("insns[")
    if "iter_info[" in path and not path.startswith(("link_create.iter_info[0].", "iter_info[0].")):
        return False  # strace prints iter_info_len *bytes* as elements: only the first one is real
    spec = schema.field(command, spec_path(path), info)
    if spec is None:
        return False
    return spec.object is not ObjectKind.ANY or spec.name == "bpf_fd"


def _unknown_fds(ctx: Context) -> Iterator[Finding]:
    reported: dict[int, list[int]] = {}
    first: dict[int, Finding] = {}
    for call in ctx.capture.syscalls:
        attr = call.fields
        if attr is None or (call.result is not None and call.result.errno == "EBADF"):
            continue
        info = info_kind(call.command, attr)
        for path, fd in fd_fields(call.command, attr):
            if fd <= 0 or not _checked_fd(call.command, path, info):
                continue
            if ctx.capture.objects.resolve(call, path) is not None:
                continue
            reported.setdefault(fd, []).append(call.line)
            if fd in first:
                continue
            name = re.sub(r"\[\d+\]", "[]", path).rsplit(".", 1)[-1]
            found = re.search(rf"\b{re.escape(name)}={fd}(?![0-9])", call.text)
            offset = found.start() + len(name) + 1 if found else (attr_offset(call) or 0)
            line, column = _where(ctx, call, offset)
            first[fd] = Finding(
                line,
                column,
                f"fd {fd} ({path} of {call.command}) was not created by any earlier call in this capture",
                "the capture started late, or the fd was inherited or opened by a call strace did not trace",
                len(str(fd)),
            )
    for fd, finding in first.items():
        uses = reported[fd]
        if len(uses) > 1:
            finding = Finding(
                finding.line, finding.column, f"{finding.message}; used by {len(uses)} calls", finding.hint,
                finding.width,
            )  # fmt: skip
        yield finding


# ---------------------------------------------------------------------------------- undecoded


def _undecoded(ctx: Context) -> Iterator[Finding]:
    seen: dict[str, list[Syscall]] = {}
    for call in ctx.capture.syscalls:
        unnamed = isinstance(call.cmd, v.Commented) and "???" in call.cmd.comment
        raw_mode = isinstance(call.cmd, v.Number)  # -X raw / -e raw=bpf: numbers by request
        bare = isinstance(call.attr, v.Number) and not raw_mode
        if bare and call.result is not None and call.result.errno in ("EFAULT", "E2BIG"):
            bare = False  # strace could not read the attr (a bad pointer or size): nothing to decode
        if bare and call.size_value == 0:
            bare = False
        if unnamed or bare:
            seen.setdefault(call.command, []).append(call)
    for command, calls in seen.items():
        call = calls[0]
        more = f" ({len(calls)} calls)" if len(calls) > 1 else ""
        if isinstance(call.cmd, v.Commented) and "???" in call.cmd.comment:
            known = schema.command(command) is not None
            offset = len(call.prefix.text) + len("bpf(") + (len("cmd=") if call.arg_names else 0)
            line, column = _where(ctx, call, offset)
            if known:
                message = f"strace does not know bpf command {call.cmd.render()} ({command}){more}"
                hint = "strace is too old for this command: a newer strace decodes it"
            else:
                message = f"bpf command {call.cmd.value.render()} is unknown to strace and to bpflogs{more}"
                hint = "not a command the kernel defines today: a caller probing, or a newer kernel API"
            yield Finding(line, column, message, hint, len(call.cmd.render()))
        else:
            offset = attr_offset(call) or 0
            line, column = _where(ctx, call, offset)
            yield Finding(
                line,
                column,
                f"strace printed only the attr address of {command}: the call is not decoded{more}",
                "strace is too old for this command (or ran with -e verbose=none): a newer strace decodes it",
                len(call.attr.render()) if call.attr is not None else 1,
            )


# ---------------------------------------------------------------------------------- time


def _clock(seconds: float, previous: float, time: str) -> float:
    # -t/-tt times are since midnight: a capture across midnight starts again at 0
    if ":" in time and previous - seconds > 12 * 3600:
        return seconds + 24 * 3600
    return seconds


def _time(ctx: Context) -> Iterator[Finding]:
    events = _events(ctx)
    last: dict[int | None, tuple[float, str, int, float]] = {}  # pid -> (seconds, text, line, day offset)
    for event in events:
        time = event.prefix.time
        seconds = event.prefix.seconds
        if time is None or seconds is None:
            continue
        pid = event.prefix.pid
        before = last.get(pid)
        day = before[3] if before else 0.0
        now = seconds + day
        if before is not None:
            adjusted = _clock(now, before[0], time)
            day += adjusted - now
            now = adjusted
            if now < before[0]:
                who = "the process" if pid is None else f"pid {pid}"
                column = event.prefix.text.find(time) + 1
                yield Finding(
                    event.line,
                    column,
                    f"time goes back within {who}: {time} comes after {before[1]} (line {before[2]})",
                    "strace writes each process's lines in time order: lines were moved or edited",
                    len(time),
                )
                continue  # keep the later time: one edited line gives one error
        last[pid] = (now, time, event.line, day)


# ---------------------------------------------------------------------------------- failures


def _failures(ctx: Context) -> Iterator[Finding]:
    groups: dict[tuple[str, str], list[Syscall]] = {}
    for call in ctx.capture.syscalls:
        result = call.result
        if result is None or not result.failed:
            continue
        errno = result.errno or (
            f"errno {result.errno_number}" if result.errno_number is not None else result.text
        )
        groups.setdefault((call.command, errno), []).append(call)
    for (command, errno), calls in groups.items():
        call = calls[0]
        result = call.result
        assert result is not None
        line, column = _where(ctx, call, len(call.text) - len(result.render()))
        why = f" ({result.message})" if result.message else ""
        lines = ", ".join(str(c.line) for c in calls[:5]) + (", ..." if len(calls) > 5 else "")
        count = "once" if len(calls) == 1 else f"{len(calls)} times (lines {lines})"
        yield Finding(line, column, f"{command} failed with {errno}{why} {count}", None, len(result.text))


CHECKS = (
    Check("syntax", Scope.STRACE, Severity.ERROR,
          "a line that does not parse (strace or dump), with what the parser expected there", _syntax),
    Check("unfinished", Scope.STRACE, Severity.WARNING,
          "a call '<unfinished ...>' that never resumes: the capture was cut", _unfinished),
    Check("orphan-resumed", Scope.STRACE, Severity.ERROR,
          "a '<... resumed>' line whose '<unfinished ...>' half is not in the capture", _orphans),
    Check("calls-in-flight", Scope.STRACE, Severity.ERROR,
          "a pid that starts a call (or exits) while its previous call is still in flight", _in_flight),
    Check("truncated", Scope.STRACE, Severity.WARNING,
          "strings and arrays strace cut short (keep them with a larger -s)", _cut),
    Check("abbreviated", Scope.STRACE, Severity.WARNING,
          "instructions or info printed as an address (keep them with -v), attr tails strace left as '...'",
          _abbreviated),
    Check("unknown-fd", Scope.STRACE, Severity.WARNING,
          "an fd naming a bpf object that no earlier call in the capture created", _unknown_fds),
    Check("undecoded", Scope.STRACE, Severity.NOTE,
          "calls strace could not decode (a bare attr address, BPF_???): strace too old", _undecoded),
    Check("time-backwards", Scope.STRACE, Severity.ERROR,
          "a timestamp earlier than the one before it within the same pid", _time),
    Check("failed-calls", Scope.STRACE, Severity.NOTE,
          "failed bpf() calls, summarised by command and errno", _failures),
)  # fmt: skip
