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
from bpflogs.compare.result import (
    AttrChange,
    AttrValue,
    CallDiff,
    CallSide,
    CaptureKind,
    ChangeCategory,
    ChangeClass,
    EqualRun,
    FunctionDelta,
    Hunk,
    InsnRow,
    InsnSide,
    Op,
    ProbeSummary,
    ProgramDiff,
    ProgramSide,
    Status,
    TextDiff,
    TextLine,
    TextRow,
)
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
    "AttrChange",
    "AttrValue",
    "Blank",
    "BpfObject",
    "BpflogsError",
    "CallDiff",
    "CallEnd",
    "CallKind",
    "CallSide",
    "Capture",
    "CaptureKind",
    "ChangeCategory",
    "ChangeClass",
    "DiffResult",
    "EqualRun",
    "Exit",
    "Function",
    "FunctionDelta",
    "Hunk",
    "InputError",
    "InsnForm",
    "InsnRow",
    "InsnSide",
    "Instruction",
    "MapRef",
    "Message",
    "ObjectTable",
    "Op",
    "OtherSyscall",
    "ParseCache",
    "ParseError",
    "Personality",
    "Prefix",
    "ProbeSummary",
    "Program",
    "ProgramDiff",
    "ProgramSide",
    "Record",
    "Reg",
    "Result",
    "Resumed",
    "Signal",
    "StackFrame",
    "Status",
    "SummaryLine",
    "Syscall",
    "TextDiff",
    "TextLine",
    "TextRow",
    "Unparsed",
    "__version__",
    "diff",
    "parse_file",
    "parse_lines",
    "parse_text",
    "view",
]
