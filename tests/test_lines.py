"""The line forms of spec section (a): prefixes, results, the other line kinds, stitching.

Forms that occur in a real capture are checked on that capture; forms no capture has
(``[???]``, ``(core dumped)``, ``<unfinished ...>) = ?`` ...) on inline lines.
Corpus files are regenerated at will, so their pids and times are read from the text;
the shared samples are fixed, so their values are spelled out.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import bpflogs
from bpflogs import (
    Blank,
    CallEnd,
    Capture,
    Exit,
    Message,
    OtherSyscall,
    Personality,
    Record,
    Resumed,
    Signal,
    StackFrame,
    SummaryLine,
    Syscall,
    Unparsed,
)
from bpflogs.model import values as v

OneLine = Callable[[str], Record]
Load = Callable[[str], Capture]
UNFINISHED = " <unfinished ...>"


def at(capture: Capture, line: int) -> Record:
    """The record whose first physical line is ``line``."""
    found = [r for r in capture.records if r.line == line]
    assert len(found) == 1, found
    return found[0]


def at_any(capture: Capture, line: int, kind: type) -> Record | None:
    """The record of type ``kind`` starting at ``line`` (a glued message shares its line)."""
    return next((r for r in capture.records if r.line == line and isinstance(r, kind)), None)


def calls(capture: Capture, name: str) -> list[OtherSyscall]:
    return [r for r in capture.records if isinstance(r, OtherSyscall) and r.name == name]


# ---------------------------------------------------------------------------------- a.2 pid prefixes


def test_pid_prefix_on_every_line_with_f_o(corpus: Load, corpus_path: Callable[[str], Path]) -> None:
    capture = corpus("bpftool-prog-load-xdp_f.txt")
    lines = corpus_path("bpftool-prog-load-xdp_f.txt").read_text().splitlines()
    pid = int(lines[0].split()[0])
    for record, line in zip(capture.records, lines, strict=True):
        assert isinstance(record, (Syscall, Exit))
        assert record.prefix.pid == pid
        assert record.prefix.text == re.match(r"\d+ +", line).group(0)  # type: ignore[union-attr]
        assert record.text == line


def test_five_digit_pid(sample: Load) -> None:
    call = at(sample("v6.1_bpftool-prog-load_f-o.txt"), 1)
    assert isinstance(call, Syscall)
    assert call.prefix.text == "21268 " and call.pid == 21268


def test_short_pid_padded(sample: Load) -> None:
    capture = sample("v7.2_arg-names_N-always-show-pid.txt")
    call = capture.syscalls[0]
    assert call.prefix.text == "9821  " and call.pid == 9821
    assert call.arg_names and call.command == "BPF_MAP_CREATE" and call.size_value == 72
    exit_ = capture.records[-1]
    assert isinstance(exit_, Exit) and exit_.prefix.pid == 9821


def test_bracket_pid_only_while_threads_exist(sample: Load) -> None:
    capture = sample("v6.1_threads_f-stderr-tt-T.txt")
    first, last = capture.syscalls[0], capture.records[-1]
    assert first.pid is None and first.prefix.time is not None  # one tracee: no prefix
    assert isinstance(last, Exit) and last.prefix.pid is None
    bracketed = [c for c in capture.syscalls if c.prefix.text.startswith("[pid ")]
    assert bracketed
    for call in bracketed:
        match = re.match(r"\[pid +(\d+)\] ", call.prefix.text)
        assert match is not None and call.pid == int(match.group(1))
    assert {c.pid for c in bracketed} >= {28882, 28883}


def test_bracket_pid_right_justified(one_line: OneLine) -> None:
    call = one_line("[pid   987] bpf(BPF_MAP_FREEZE, {map_fd=5}, 4) = 0")
    assert isinstance(call, Syscall)
    assert call.pid == 987 and call.prefix.text == "[pid   987] "


def test_pid_with_comm(sample: Load) -> None:
    capture = sample("v6.1_decode-pids-comm_f-Y.txt")
    call = capture.syscalls[0]
    assert call.prefix.text == "12024<bpftool> "
    assert (call.pid, call.prefix.comm) == (12024, "bpftool")
    signal = next(r for r in capture.records if isinstance(r, Signal))
    assert (signal.prefix.pid, signal.prefix.comm) == (12023, "bash")
    assert signal.signal == "SIGCHLD" and signal.info is not None and "si_pid=12024" in signal.info


# ---------------------------------------------------------------------------------- timestamps


def test_tt_and_durations(corpus: Load) -> None:
    capture = corpus("bpftool-prog-load-xdp_tt-T.txt")
    for record in capture.records:
        assert isinstance(record, (Syscall, Exit))
        time = record.prefix.time
        assert time is not None and re.fullmatch(r"\d\d:\d\d:\d\d\.\d{6}", time)
        assert record.prefix.text == time + " "
        h, m, s = time.split(":")
        assert record.prefix.seconds == pytest.approx(int(h) * 3600 + int(m) * 60 + float(s))
        if isinstance(record, Syscall):
            assert record.result is not None and record.result.duration is not None
            assert re.fullmatch(r"\d+\.\d{6}", record.result.duration)
            assert record.text.endswith(f" <{record.result.duration}>")


def test_t_seconds_only(one_line: OneLine) -> None:
    call = one_line("07:46:19 bpf(BPF_MAP_FREEZE, {map_fd=5}, 4) = 0")
    assert isinstance(call, Syscall)
    assert call.prefix.time == "07:46:19" and call.prefix.seconds == 7 * 3600 + 46 * 60 + 19


def test_ttt_with_relative(sample: Load) -> None:
    capture = sample("v6.1_timestamps_ttt-r.txt")
    first, second = capture.syscalls[:2]
    assert first.prefix.text == "1795592959.137166 (+     0.000000) "
    assert (first.prefix.time, first.prefix.relative) == ("1795592959.137166", "0.000000")
    assert first.prefix.seconds == pytest.approx(1795592959.137166)
    assert (second.prefix.time, second.prefix.relative) == ("1795592959.137402", "0.000199")


def test_relative_alone(sample: Load) -> None:
    capture = sample("v6.1_timestamps_r-T.txt")
    second = capture.syscalls[1]
    assert second.prefix.text == "     0.000117 "
    assert (second.prefix.time, second.prefix.relative) == (None, "0.000117")
    assert second.result is not None and second.result.duration is not None


def test_ns_precision(sample: Load) -> None:
    call = sample("v6.1_timestamps_ns-precision.txt").syscalls[0]
    assert call.prefix.time == "1795593139.195028201"
    assert call.result is not None and re.fullmatch(r"\d+\.\d{9}", call.result.duration or "")


def test_ms_precision_and_zero_duration(sample: Load) -> None:
    capture = sample("v6.1_timestamps_ms-precision-r.txt")
    call = capture.syscalls[0]
    assert call.prefix.text == "07:52:19.284 (+     0.000000) "
    assert (call.prefix.time, call.prefix.relative) == ("07:52:19.284", "0.000000")
    durations = {c.result.duration for c in capture.syscalls if c.result is not None}
    assert durations == {"0.000"}
    assert call.text.endswith("= 3 <0.000>")


# ---------------------------------------------------------------------------------- -n, -i


def test_scno_and_ip(sample: Load) -> None:
    capture = sample("v6.1_scno-ip_i-n.txt")
    call = capture.syscalls[0]
    assert call.prefix.text == "[ 321] [00007f15e7b10829] "
    assert (call.prefix.scno, call.prefix.ip) == ("321", "00007f15e7b10829")
    exit_ = capture.records[-1]
    assert isinstance(exit_, Exit) and exit_.kind == "exited" and exit_.status == 0
    assert (exit_.prefix.scno, exit_.prefix.ip) == ("231", "????????????????")


@pytest.mark.parametrize(
    ("prefix", "scno", "ip"),
    [
        ("[???] ", "???", None),
        ("[ 321] [????????] ", "321", "????????"),
        ("[  6] [0804a040] ", "6", "0804a040"),
    ],
)
def test_scno_ip_forms(prefix: str, scno: str, ip: str | None, one_line: OneLine) -> None:
    call = one_line(prefix + "bpf(BPF_MAP_FREEZE, {map_fd=5}, 4) = 0")
    assert isinstance(call, Syscall)
    assert (call.prefix.text, call.prefix.scno, call.prefix.ip) == (prefix, scno, ip)


# ---------------------------------------------------------------------------------- a.3 results


def test_result_unknown_errno_text(sample: Load) -> None:
    capture = sample("v6.1_threads_exit-decoded-unfinished.txt")
    failed = [c for c in capture.syscalls if c.result is not None and c.result.errno == "ENOTSUPP"]
    assert failed
    for call in failed:
        assert call.command == "BPF_TASK_FD_QUERY"
        assert call.result is not None
        assert (call.result.value, call.result.message) == (-1, "Unknown error 524")
        assert call.result.failed


def test_result_errno_without_name(sample: Load, one_line: OneLine) -> None:
    call = calls(sample("v4.21_bpftool-prog-load_f-y.txt"), "syscall_0x1b7")[0]
    assert call.result is not None
    assert (call.result.value, call.result.errno, call.result.errno_number) == (-1, None, 2)
    assert call.result.failed
    line = one_line("bpf(BPF_MAP_FREEZE, {map_fd=5}, 4) = -1 (errno 600)")
    assert isinstance(line, Syscall) and line.result is not None
    assert (line.result.errno, line.result.errno_number, line.result.text) == (None, 600, "-1 (errno 600)")


def test_result_restart_and_question_mark(sample: Load) -> None:
    capture = sample("v6.1_signals-eintr-erestart_tt.txt")
    readv = calls(capture, "readv")[0]
    assert readv.result is not None
    assert (readv.result.value, readv.result.errno) == (None, "ERESTARTSYS")
    assert readv.result.message == "To be restarted if SA_RESTART is set"
    pause = calls(capture, "pause")[0]
    assert pause.result is not None and pause.result.errno == "ERESTARTNOHAND"
    assert pause.pad == "                 "  # padded to column 40
    exit_group = calls(capture, "exit_group")[0]
    assert exit_group.result is not None
    assert (exit_group.result.text, exit_group.result.value, exit_group.result.errno) == ("?", None, None)
    eintr = calls(capture, "rt_sigreturn")[0]
    assert eintr.result is not None and eintr.result.errno == "EINTR"


def test_result_hex(sample: Load) -> None:
    capture = sample("v6.1_ctypes-all-commands_e-raw-bpf.txt")
    hex_results = [c for c in capture.syscalls if c.result is not None and c.result.text.startswith("0x")]
    assert hex_results
    for call in hex_results:
        assert call.result is not None and call.result.value == int(call.result.text, 16)


def test_result_injected(sample: Load) -> None:
    error = at(sample("v6.1_inject-error.txt"), 4)
    assert isinstance(error, Syscall) and error.result is not None
    assert (error.result.errno, error.result.notes) == ("EPERM", ("INJECTED",))
    assert error.text.endswith("= -1 EPERM (Operation not permitted) (INJECTED)")
    retval = at(sample("v6.1_inject-retval.txt"), 1)
    assert isinstance(retval, Syscall) and retval.result is not None
    assert (retval.result.value, retval.result.notes, retval.result.failed) == (42, ("INJECTED",), False)


@pytest.mark.parametrize(
    ("result", "value", "notes", "duration", "message"),
    [
        ("? <unavailable>", None, (), None, "unavailable"),
        ("0 (DELAYED) <0.000012>", 0, ("DELAYED",), "0.000012", None),
        (
            "-1 EPERM (Operation not permitted) (INJECTED: args, retval)",
            -1,
            ("INJECTED: args, retval",),
            None,
            "Operation not permitted",
        ),
    ],
)
def test_result_forms(
    result: str,
    value: int | None,
    notes: tuple[str, ...],
    duration: str | None,
    message: str | None,
    one_line: OneLine,
) -> None:
    call = one_line(f"bpf(BPF_MAP_FREEZE, {{map_fd=5}}, 4) = {result}")
    assert isinstance(call, Syscall) and call.result is not None
    assert (call.result.value, call.result.notes, call.result.duration, call.result.message) == (
        value,
        notes,
        duration,
        message,
    )


def test_result_decorations(corpus: Load) -> None:
    capture = corpus("bpftool-prog-load-xdp_y.txt")
    kinds = {
        "BPF_PROG_LOAD": "anon_inode:bpf-prog",
        "BPF_MAP_CREATE": "anon_inode:bpf-map",
        "BPF_BTF_LOAD": "anon_inode:btf",
    }
    for call in capture.syscalls:
        assert call.result is not None
        if call.command in kinds and not call.result.failed:
            assert call.result.decoration == kinds[call.command]
            assert call.result.text == f"{call.result.value}<{kinds[call.command]}>"
    pin = capture.syscalls[-1]
    assert pin.command == "BPF_OBJ_PIN" and pin.result is not None
    assert (pin.result.value, pin.result.decoration) == (0, "/dev/null")  # the fd-returning quirk


def test_padding_to_column_40(corpus: Load) -> None:
    """``)`` + spaces up to column 40 + ``= `` (spec a.3), on every single-line call."""
    checked = 0
    for name in ("ctypes-loader_y.txt", "bpftool-prog-load-socket_mixed.txt"):
        for record in corpus(name).records:
            if not isinstance(record, (Syscall, OtherSyscall)) or len(record.lines) > 1:
                continue
            assert record.result is not None
            tail = record.pad + "= " + record.result.render()
            assert record.text.endswith(")" + tail)
            before = len(record.text) - len(tail)
            assert record.pad == (" " * (40 - before) if before < 39 else " "), record.text
            checked += len(record.pad) > 1
    assert checked > 10


# ---------------------------------------------------------------------------------- a.5 - a.8 other lines


def test_signal_lines(corpus: Load, sample: Load, one_line: OneLine) -> None:
    signals = [
        r for r in corpus("bpftool-cgroup-attach-show-detach_f-y.txt").records if isinstance(r, Signal)
    ]
    assert len(signals) >= 2
    for signal in signals:
        assert signal.signal == "SIGCHLD" and not signal.stopped
        assert signal.info is not None and signal.info.startswith("{si_signo=SIGCHLD, si_code=CLD_EXITED")
        assert signal.prefix.pid is not None
    alarm = at(sample("v6.1_signals-eintr-erestart_tt.txt"), 3)
    assert isinstance(alarm, Signal)
    assert (alarm.signal, alarm.info, alarm.prefix.time) == (
        "SIGALRM",
        "{si_signo=SIGALRM, si_code=SI_KERNEL}",
        "07:49:10.502545",
    )
    stop = one_line("--- stopped by SIGSTOP ---")
    assert isinstance(stop, Signal) and (stop.signal, stop.stopped, stop.info) == ("SIGSTOP", True, None)


def test_exit_lines(corpus: Load, sample: Load, one_line: OneLine) -> None:
    exited = corpus("bpftool-map-lookup-missing_y.txt").records[-1]
    assert isinstance(exited, Exit) and (exited.kind, exited.status) == ("exited", 254)
    capture = sample("v6.1_thread-killed-sigkill_f.txt")
    killed = [r for r in capture.records if isinstance(r, Exit)]
    assert [(k.kind, k.signal, k.core_dumped) for k in killed] == [("killed", "SIGKILL", False)] * 2
    assert {k.prefix.pid for k in killed} == {29743, 29744}
    core = one_line("+++ killed by SIGSEGV (core dumped) +++")
    assert isinstance(core, Exit) and (core.kind, core.signal, core.core_dumped) == (
        "killed",
        "SIGSEGV",
        True,
    )
    exec_ = one_line("12345 +++ superseded by execve in pid 1234 +++")
    assert isinstance(exec_, Exit) and (exec_.kind, exec_.status, exec_.prefix.pid) == (
        "superseded",
        1234,
        12345,
    )


def test_personality(sample: Load, one_line: OneLine) -> None:
    capture = sample("v6.1_i386-compat_stderr.txt")
    line = at(capture, 2)
    assert isinstance(line, Personality) and (line.process, line.mode) == (15017, "32 bit")
    x32 = one_line("[ Process PID=15017 runs in x32 mode. ]")
    assert isinstance(x32, Personality) and x32.mode == "x32"
    # the 32-bit call with the high half of a pointer set
    assert capture.syscalls[0].get("insns") == v.Number(0xFFFFFFFF0804A040, "0xffffffff0804a040")


def test_stack_frames(sample: Load, sample_path: Callable[[str], Path]) -> None:
    capture = sample("v6.1_stack-trace_k.txt")
    lines = sample_path("v6.1_stack-trace_k.txt").read_text().splitlines()
    frames = [r for r in capture.records if isinstance(r, StackFrame)]
    assert len(frames) == sum(1 for line in lines if line.startswith(" > ")) > 0
    for frame in frames:
        assert frame.text == " > " + frame.frame
    assert frames[0].frame == "/usr/lib/x86_64-linux-gnu/libc.so.6(syscall+0x19) [0x101829]"
    # every frame follows a call or another frame
    kinds = [type(r) for r in capture.records]
    for i, kind in enumerate(kinds):
        if kind is StackFrame:
            assert kinds[i - 1] in (Syscall, StackFrame, Signal)


def test_strace_messages(sample: Load, corpus: Load) -> None:
    first = sample("v6.1_attach-p-threads_stderr.txt").records[0]
    assert isinstance(first, Message) and first.message == "Process 30818 attached with 3 threads"
    last = sample("v6.1_attach-p-threads_stderr.txt").records[-1]
    assert (
        isinstance(last, Message)
        and last.message.startswith("Process ")
        and last.message.endswith(" detached")
    )
    attached = [r for r in corpus("ctypes-loader-threads_f-stderr.txt").records if isinstance(r, Message)]
    assert len(attached) >= 3
    assert all(re.fullmatch(r"Process \d+ attached", m.message) for m in attached)


def test_message_glued_into_a_call(sample: Load) -> None:
    """``…, 80strace: Process 28883 attached`` + `` <unfinished ...>`` + the resumed line."""
    capture = sample("v6.1_threads_f-stderr-tt-T.txt")
    message = at_any(capture, 4, Message)
    assert isinstance(message, Message) and message.message == "Process 28883 attached"
    call = at_any(capture, 4, Syscall)
    assert isinstance(call, Syscall)
    assert call.lines == (4, 5, 47)
    assert call.parts[0].endswith("}}, 80strace: Process 28883 attached")
    assert call.parts[1] == UNFINISHED
    assert "strace:" not in call.text and call.text.endswith("}}, 80) = 0 <0.047015>")
    assert call.command == "BPF_PROG_TEST_RUN" and call.end is CallEnd.COMPLETE and call.pid == 28882
    assert call.size_value == 80


def test_detached(sample: Load) -> None:
    capture = sample("v6.1_attach-detach-midcall_stderr-T.txt")
    message = at_any(capture, 3, Message)
    assert isinstance(message, Message) and message.message == "Process 13212 detached"
    call = at_any(capture, 3, Syscall)
    assert isinstance(call, Syscall)
    assert (call.lines, call.end, call.result) == ((3, 4), CallEnd.DETACHED, None)
    assert call.text.endswith("}}, 80 <detached ...>")
    assert call.size_value == 80


def test_colour_removed(sample: Load, sample_path: Callable[[str], Path]) -> None:
    capture = sample("v7.2_color-always.txt")
    raw = sample_path("v7.2_color-always.txt").read_text().splitlines()
    assert "\x1b[" in raw[0]
    assert len(capture.syscalls) == 5
    for call in capture.syscalls:
        assert "\x1b" not in call.text
        assert call.text == re.sub(r"\x1b\[[0-9;]*m", "", raw[call.line - 1])
        assert call.parts == (raw[call.line - 1],)  # the original, colours and all
    assert capture.syscalls[0].command == "BPF_MAP_CREATE"


def test_summary_table(sample: Load, sample_path: Callable[[str], Path]) -> None:
    capture = sample("v6.1_summary_C.txt")
    lines = sample_path("v6.1_summary_C.txt").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("% time")) + 1
    summary = [r for r in capture.records if isinstance(r, SummaryLine)]
    assert [r.line for r in summary] == list(range(start, len(lines) + 1))
    assert isinstance(at(capture, start - 1), Exit)
    assert len(capture.syscalls) == 5


# ---------------------------------------------------------------------------------- a.10 other syscalls


def test_other_syscalls(corpus: Load, corpus_path: Callable[[str], Path]) -> None:
    capture = corpus("bpftool-prog-load-socket_mixed.txt")
    lines = corpus_path("bpftool-prog-load-socket_mixed.txt").read_text().splitlines()
    others = [r for r in capture.records if isinstance(r, OtherSyscall)]
    assert {o.name for o in others} >= {"openat", "read", "mmap", "close"}
    for other in others:
        assert other.name == re.match(r"(\w+)\(", lines[other.line - 1]).group(1)  # type: ignore[union-attr]
        assert other.result is not None
    read = next(o for o in others if o.name == "read" and '"\\177ELF' in o.args)
    assert read.args.startswith('3, "\\177ELF') and read.result is not None and read.result.value == 832
    assert len(capture.syscalls) + len(others) == len(capture.records) - 1  # and the exit line


def test_other_syscall_stitched(sample: Load) -> None:
    capture = sample("v6.1_bpftool-cgroup-attach-show-detach_f-y.txt")
    waits = [w for w in calls(capture, "wait4") if len(w.lines) == 2]
    assert [w.lines for w in waits] == [(3, 8), (12, 63)]
    for wait in waits:
        assert wait.parts[0] == "32040 wait4(-1,  <unfinished ...>"
        assert wait.text.startswith("32040 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL)")
        assert wait.args == "-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL"
        assert wait.result is not None and wait.result.value in (32041, 32042)


def test_unknown_syscall_number(sample: Load) -> None:
    call = calls(sample("v4.21_bpftool-prog-load_f-y.txt"), "syscall_0x1b7")[0]
    assert call.args == "0xffffff9c, 0x5649a2f470ee, 0x4, 0x200, 0x7fff62aacac0, 0x21001"
    assert call.pid == 26625


def test_foreign_text_is_kept(one_line: OneLine) -> None:
    record = one_line("hello from the traced program = 3")
    assert isinstance(record, Unparsed) and record.column == 1
    assert record.text == "hello from the traced program = 3"


# ---------------------------------------------------------------------------------- a.4 unfinished / resumed


def first_split_call(lines: list[str]) -> int:
    """Index of the first bpf line cut inside its struct (``next_id=0 <unfinished ...>``)."""
    return next(i for i, line in enumerate(lines) if line.endswith("next_id=0" + UNFINISHED))


def test_never_resumed(corpus_path: Callable[[str], Path]) -> None:
    """A capture cut right after an unfinished line: that call ends UNFINISHED, its struct open."""
    lines = corpus_path("ctypes-loader-threads_f-o.txt").read_text().splitlines()
    cut = first_split_call(lines) + 1
    capture = bpflogs.parse_text("\n".join(lines[:cut]) + "\n")
    assert capture.unparsed == ()
    last = at(capture, cut)
    assert isinstance(last, Syscall)
    assert (last.end, last.result, last.size) == (CallEnd.UNFINISHED, None, None)
    assert isinstance(last.attr, v.Struct) and not last.attr.closed
    assert last.get("next_id") == v.Number(0, "0")
    assert last.render() == last.text == lines[cut - 1]


def test_orphan_resumed(corpus_path: Callable[[str], Path]) -> None:
    """A capture starting after an unfinished line: its resumed half stays a Resumed record."""
    lines = corpus_path("ctypes-loader-threads_f-o.txt").read_text().splitlines()
    start = first_split_call(lines) + 1
    pid = int(lines[start - 1].split()[0])
    capture = bpflogs.parse_text("\n".join(lines[start:]) + "\n")
    assert capture.unparsed == ()
    orphans = [r for r in capture.records if isinstance(r, Resumed)]
    mine = [r for r in orphans if r.pid == pid]
    assert len(mine) == 1
    orphan = mine[0]
    assert orphan.name == "bpf" and orphan.rest.startswith(" => ")
    assert orphan.result.value is not None and orphan.render() == orphan.text
    # no other thread's call swallowed it: every stitched call pairs one pid
    for call in capture.syscalls:
        if len(call.lines) > 1:
            assert len({p.split()[0] for p in call.parts}) == 1


def test_resumed_line_never_takes_another_pids_call(one_line: OneLine) -> None:
    capture = bpflogs.parse_text(
        "100   bpf(BPF_PROG_GET_NEXT_ID, {start_id=0, next_id=0 <unfinished ...>\n"
        "200   <... bpf resumed> => 25}, 8) = 0\n"
        "100   <... bpf resumed> => 7}, 8) = 0\n"
    )
    call, orphan = capture.syscalls[0], capture.records[1]
    assert call.lines == (1, 3) and call.get("next_id") == v.Changed(v.Number(0, "0"), v.Number(7, "7"))
    assert isinstance(orphan, Resumed) and orphan.pid == 200


def test_killed_during_call(sample: Load) -> None:
    capture = sample("v6.1_thread-killed-sigkill_f.txt")
    call = capture.syscalls[1]
    assert call.command == "BPF_PROG_TEST_RUN" and call.lines == (2, 4)
    assert call.parts[1] == "29743 <... bpf resumed>)                = ?"
    assert call.end is CallEnd.COMPLETE and call.result is not None
    assert (call.result.text, call.result.value) == ("?", None)
    kill = calls(capture, "kill")[0]
    assert kill.result is not None and kill.result.text == "?" and kill.args == "29743, SIGKILL"


def test_unfinished_then_killed(one_line: OneLine) -> None:
    call = one_line("bpf(BPF_PROG_GET_NEXT_ID, {start_id=0, next_id=0 <unfinished ...>) = ?")
    assert isinstance(call, Syscall)
    assert call.end is CallEnd.KILLED and call.result is not None and call.result.value is None
    assert isinstance(call.attr, v.Struct) and not call.attr.closed and call.size is None
    # the same, with the marker on the resumed line
    capture = bpflogs.parse_text(
        "7 bpf(BPF_PROG_GET_NEXT_ID, {start_id=0, next_id=0 <unfinished ...>\n"
        "8 +++ exited with 0 +++\n"
        "7 <... bpf resumed> <unfinished ...>) = ?\n"
    )
    stitched = capture.syscalls[0]
    assert stitched.lines == (1, 3) and stitched.end is CallEnd.KILLED
    assert stitched.text == "7 bpf(BPF_PROG_GET_NEXT_ID, {start_id=0, next_id=0 <unfinished ...>) = ?"
    assert stitched.render() == stitched.text


def test_blank_lines(one_line: OneLine) -> None:
    capture = bpflogs.parse_text(
        "bpf(BPF_MAP_FREEZE, {map_fd=5}, 4) = 0\n\n   \nbpf(BPF_MAP_FREEZE, {map_fd=5}, 4) = 0\n"
    )
    assert [type(r) for r in capture.records] == [Syscall, Blank, Blank, Syscall]
    assert [r.text for r in capture.records[1:3]] == ["", "   "]
    assert capture.line_count == 4


def test_crlf_line_endings(corpus_path: Callable[[str], Path], corpus: Load) -> None:
    data = corpus_path("bpftool-prog-load-xdp_f.txt").read_bytes()
    assert b"\r" not in data
    crlf = bpflogs.parse_file(io.BytesIO(data.replace(b"\n", b"\r\n")))
    plain = corpus("bpftool-prog-load-xdp_f.txt")
    assert [r.text for r in crlf.records] == [r.text for r in plain.records]
    assert [type(r) for r in crlf.records] == [type(r) for r in plain.records]
    assert crlf.unparsed == () and crlf.line_count == plain.line_count
