"""bpflogs: read strace bpf() logs and bpftool xlated dumps into typed, lossless data.

Public API::

    capture = bpflogs.parse_file("run.txt")      # a path, "-", or a binary file object
    capture = bpflogs.parse_text(text)
    for call in capture.syscalls:
        call.command, call.attr, call.result, call.pid, call.line, call.render()
    capture.objects.resolve(call, "prog_btf_fd")  # the BpfObject that fd named
    bpflogs.view(call)                            # a typed view (ProgLoad, MapCreate, ...)
    for program in capture.programs:              # xlated dumps: Program, Function, Instruction
        program.functions, program.instructions

    result = bpflogs.diff("a.txt", "b.txt")       # paths or Captures; strict=, ignore=
    result.equal, result.syscalls, result.programs, result.hidden, result.to_json()
"""

from __future__ import annotations

from bpflogs.api import parse_file, parse_lines, parse_text
from bpflogs.compare import DiffResult, diff
from bpflogs.errors import BpflogsError, InputError, ParseError
from bpflogs.model.capture import BpfObject, Capture, ObjectTable
from bpflogs.model.insn import CallKind, Function, InsnForm, Instruction, MapRef, Program, Reg
from bpflogs.model.records import (
    Blank,
    CallEnd,
    Exit,
    Message,
    OtherSyscall,
    Personality,
    Prefix,
    Record,
    Result,
    Resumed,
    Signal,
    StackFrame,
    SummaryLine,
    Syscall,
    Unparsed,
)
from bpflogs.model.views import view
from bpflogs.parse.cache import ParseCache

__version__ = "0.1.0"

__all__ = [
    "Blank",
    "BpfObject",
    "BpflogsError",
    "CallEnd",
    "CallKind",
    "Capture",
    "DiffResult",
    "Exit",
    "Function",
    "InputError",
    "InsnForm",
    "Instruction",
    "MapRef",
    "Message",
    "ObjectTable",
    "OtherSyscall",
    "ParseCache",
    "ParseError",
    "Personality",
    "Prefix",
    "Program",
    "Record",
    "Reg",
    "Result",
    "Resumed",
    "Signal",
    "StackFrame",
    "SummaryLine",
    "Syscall",
    "Unparsed",
    "__version__",
    "diff",
    "parse_file",
    "parse_lines",
    "parse_text",
    "view",
]
