"""One record per logical line of an strace log (spec: strace.md section a).

Every record knows the physical line numbers it came from (``lines``, 1-based), the
text it was parsed from (``text``) and renders back to exactly that text. A call
stitched from an ``<unfinished ...>`` line and its ``<... resumed>`` line keeps
both original lines in ``parts``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from bpflogs.model.values import Changed, Struct, Value

__all__ = [
    "Blank",
    "CallEnd",
    "Command",
    "Comment",
    "Exit",
    "JsonLine",
    "Message",
    "OtherSyscall",
    "Personality",
    "Prefix",
    "Record",
    "Result",
    "Resumed",
    "Signal",
    "StackFrame",
    "SummaryLine",
    "Syscall",
    "Unparsed",
]


@dataclass(frozen=True, slots=True)
class _TextLine:
    """A line kept as it is: nothing in it to parse."""

    line: int
    lines: tuple[int, ...]
    text: str
    parts: tuple[str, ...] = ()  # the line as read, when colour escapes were removed

    def render(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Prefix:
    """What strace prints before the event: pid, timestamps, syscall number, IP."""

    text: str = ""
    pid: int | None = None
    comm: str | None = None  # -Y / --decode-pids=comm
    secontext: str | None = None
    time: str | None = None  # -t/-tt/-ttt spelling, e.g. "07:46:19.628574"
    relative: str | None = None  # -r spelling, e.g. "0.000117"
    scno: str | None = None  # -n, e.g. "321" or "???"
    ip: str | None = None  # -i, e.g. "00007f3a5b1c2d3e"

    @property
    def seconds(self) -> float | None:
        """The absolute time in seconds (since midnight for -t/-tt, since the epoch for -ttt)."""
        if self.time is None:
            return None
        if ":" in self.time:
            h, m, s = self.time.split(":")
            return int(h) * 3600 + int(m) * 60 + float(s)
        return float(self.time)


@dataclass(frozen=True, slots=True)
class Result:
    """A syscall's return: ``= 3<anon_inode:bpf-map>``, ``= -1 EPERM (...)``, ``= ?``."""

    text: str  # the return value as printed, without notes and duration
    value: int | None  # None for "?"
    errno: str | None = None  # "EPERM"; None on success or for "(errno N)" without a name
    errno_number: int | None = None  # from "-1 (errno 600)"
    message: str | None = None  # strerror text or the ERESTART* explanation
    decoration: str | None = None  # "-y" decoration of a returned fd
    notes: tuple[str, ...] = ()  # "INJECTED", "DELAYED", other syscalls' retstr
    duration: str | None = None  # "-T" text inside <>, e.g. "0.000123"

    @property
    def failed(self) -> bool:
        return (
            self.errno is not None
            or self.errno_number is not None
            or (self.value is not None and self.value < 0)
        )

    def render(self) -> str:
        notes = "".join(f" ({n})" for n in self.notes)
        duration = "" if self.duration is None else f" <{self.duration}>"
        return f"{self.text}{notes}{duration}"


class CallEnd(enum.Enum):
    """How a syscall line ends."""

    COMPLETE = "complete"  # "...) = result"
    KILLED = "killed"  # "... <unfinished ...>) = ?": the tracee died during the call
    UNFINISHED = "unfinished"  # "... <unfinished ...>" never resumed (the capture was cut)
    DETACHED = "detached"  # "... <detached ...>": strace let go of the tracee mid-call


_END_MARK = {
    CallEnd.COMPLETE: "",
    CallEnd.KILLED: " <unfinished ...>",
    CallEnd.UNFINISHED: " <unfinished ...>",
    CallEnd.DETACHED: " <detached ...>",
}


def _render_end(end: CallEnd, pad: str, result: Result | None) -> str:
    mark = _END_MARK[end]
    if result is None:
        return mark
    return f"{mark}){pad}= {result.render()}"


@dataclass(frozen=True, slots=True)
class Syscall:
    """A bpf() call, with the attr value tree and the normalised command name."""

    line: int
    lines: tuple[int, ...]
    text: str
    prefix: Prefix
    command: str  # "BPF_PROG_LOAD", also for "0x5 /* BPF_PROG_LOAD */" and -X raw "0x5"
    cmd: Value
    attr: Value | None  # None when the call was cut before its attr (Empty after a bare "attr=")
    size: Value | None  # None when the call was cut before its size
    end: CallEnd = CallEnd.COMPLETE
    result: Result | None = None
    pad: str = " "
    arg_names: bool = False  # strace -N: "cmd=", "attr=", "size="
    parts: tuple[str, ...] = ()  # the original lines of a stitched or glued call

    @property
    def pid(self) -> int | None:
        return self.prefix.pid

    @property
    def fields(self) -> Struct | None:
        """The attr struct as it stands after the call (``=>`` resolved to the exit side)."""
        attr = self.attr
        if isinstance(attr, Changed):
            attr = attr.after
        return attr if isinstance(attr, Struct) else None

    def get(self, path: str) -> Value | None:
        """The attr value at a dotted path, e.g. ``"link_create.target_fd"``."""
        struct = self.fields
        return None if struct is None else struct.get(path)

    @property
    def size_value(self) -> int | None:
        size = self.size
        return getattr(size, "value", None) if size is not None else None

    def render(self) -> str:
        names = ("cmd=", "attr=", "size=") if self.arg_names else ("", "", "")
        args = f"{names[0]}{self.cmd.render()}, "
        if self.attr is not None:
            args += f"{names[1]}{self.attr.render()}"
            if self.size is not None:
                args += f", {names[2]}{self.size.render()}"
        return f"{self.prefix.text}bpf({args}{_render_end(self.end, self.pad, self.result)}"


@dataclass(frozen=True, slots=True)
class OtherSyscall:
    """Any other syscall in the log, kept by name with its argument text."""

    line: int
    lines: tuple[int, ...]
    text: str
    prefix: Prefix
    name: str
    args: str
    end: CallEnd = CallEnd.COMPLETE
    result: Result | None = None
    pad: str = " "
    parts: tuple[str, ...] = ()

    @property
    def pid(self) -> int | None:
        return self.prefix.pid

    def render(self) -> str:
        return f"{self.prefix.text}{self.name}({self.args}{_render_end(self.end, self.pad, self.result)}"


@dataclass(frozen=True, slots=True)
class Resumed:
    """A ``<... NAME resumed>`` line whose unfinished half is not in its record.

    Either the half is not in the capture (``resumes`` is None), or the call waited longer
    than the reader holds a call open (``bpflogs.parse.lines.WINDOW`` lines): its half was
    given out before as an unfinished call at line ``resumes``, and ``call`` is the call the
    two halves make, as one record would hold it (lines, text and parts of both).
    """

    line: int
    lines: tuple[int, ...]
    text: str
    prefix: Prefix
    name: str
    rest: str
    result: Result
    pad: str = " "
    parts: tuple[str, ...] = ()  # the line(s) as read, when colour escapes were removed
    resumes: int | None = None  # the line of the unfinished half given out before
    call: Syscall | OtherSyscall | None = None  # the whole call, when ``resumes`` is set

    @property
    def pid(self) -> int | None:
        return self.prefix.pid

    def render(self) -> str:
        return f"{self.prefix.text}<... {self.name} resumed>{self.rest}{self.pad}= {self.result.render()}"


@dataclass(frozen=True, slots=True)
class Signal:
    """``--- SIGCHLD {si_signo=...} ---`` or ``--- stopped by SIGSTOP ---``."""

    line: int
    lines: tuple[int, ...]
    text: str
    prefix: Prefix
    signal: str
    info: str | None  # the siginfo struct text
    stopped: bool = False
    parts: tuple[str, ...] = ()  # the line(s) as read, when colour escapes were removed

    def render(self) -> str:
        if self.stopped:
            return f"{self.prefix.text}--- stopped by {self.signal} ---"
        return f"{self.prefix.text}--- {self.signal} {self.info} ---"


@dataclass(frozen=True, slots=True)
class Exit:
    """``+++ exited with N +++``, ``+++ killed by SIG +++``, ``+++ superseded by execve ... +++``."""

    line: int
    lines: tuple[int, ...]
    text: str
    prefix: Prefix
    kind: str  # "exited", "killed", "superseded"
    status: int | None = None  # exit status, or the pid that superseded
    signal: str | None = None
    core_dumped: bool = False
    parts: tuple[str, ...] = ()  # the line(s) as read, when colour escapes were removed

    def render(self) -> str:
        if self.kind == "exited":
            body = f"exited with {self.status}"
        elif self.kind == "killed":
            body = f"killed by {self.signal}" + (" (core dumped)" if self.core_dumped else "")
        else:
            body = f"superseded by execve in pid {self.status}"
        return f"{self.prefix.text}+++ {body} +++"


@dataclass(frozen=True, slots=True)
class Personality:
    """``[ Process PID=N runs in 32 bit mode. ]``."""

    line: int
    lines: tuple[int, ...]
    text: str
    prefix: Prefix
    process: int
    mode: str  # "64 bit", "32 bit", "x32"
    parts: tuple[str, ...] = ()  # the line(s) as read, when colour escapes were removed

    def render(self) -> str:
        return f"{self.prefix.text}[ Process PID={self.process} runs in {self.mode} mode. ]"


@dataclass(frozen=True, slots=True)
class StackFrame:
    """A ``-k`` stack frame line, `` > /lib/libc.so.6(syscall+0x19) [0x101829]``."""

    line: int
    lines: tuple[int, ...]
    text: str
    frame: str  # after " > "
    parts: tuple[str, ...] = ()  # the line(s) as read, when colour escapes were removed

    def render(self) -> str:
        return f" > {self.frame}"


@dataclass(frozen=True, slots=True)
class Message:
    """A line strace wrote about itself: ``strace: Process 123 attached``."""

    line: int
    lines: tuple[int, ...]
    text: str
    message: str  # after "strace: "
    parts: tuple[str, ...] = ()  # the line(s) as read, when colour escapes were removed

    def render(self) -> str:
        return f"strace: {self.message}"


@dataclass(frozen=True, slots=True)
class SummaryLine(_TextLine):
    """A line of the ``-c``/``-C`` summary table."""


@dataclass(frozen=True, slots=True)
class Blank(_TextLine):
    """An empty line (or one of only whitespace)."""


@dataclass(frozen=True, slots=True)
class Unparsed:
    """A line that did not parse, kept verbatim with the parser's message."""

    line: int
    lines: tuple[int, ...]
    text: str
    message: str
    column: int = 1  # 1-based column of the problem in ``text``
    expected: tuple[str, ...] = field(default=())
    parts: tuple[str, ...] = ()  # the original lines, when ``text`` was joined or cleaned from them

    def render(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Comment(_TextLine):
    """A ``# ...`` line someone put between the parts of a capture."""


@dataclass(frozen=True, slots=True)
class Command:
    """A ``$ bpftool prog dump xlated ...`` line: the command that made what follows."""

    line: int
    lines: tuple[int, ...]
    text: str
    command: str  # after "$ "

    def render(self) -> str:
        return f"$ {self.command}"


@dataclass(frozen=True, slots=True)
class JsonLine(_TextLine):
    """A line of a bpftool JSON document (the document's programs are on the Capture)."""


Record = (
    Syscall
    | OtherSyscall
    | Resumed
    | Signal
    | Exit
    | Personality
    | StackFrame
    | Message
    | SummaryLine
    | Blank
    | Comment
    | Command
    | JsonLine
    | Unparsed
)
