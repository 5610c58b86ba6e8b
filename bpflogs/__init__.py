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
    with bpflogs.stream_file("big.txt") as stream:  # record by record, memory flat
        for record, objects, created in stream: ...

    result = bpflogs.diff("a.txt", "b.txt")       # paths or Captures; strict=, ignore=
    result.equal, result.syscalls, result.programs, result.hidden
    bpflogs.diff_json(result)                     # the versioned JSON document

The names are imported when first used (``import bpflogs`` alone loads no parser), each from
the module ``_EXPORTS`` names for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from bpflogs.version import __version__

if TYPE_CHECKING:  # what ``_EXPORTS`` gives, for type checkers and IDEs
    from bpflogs.api import diff, parse_file, parse_lines, parse_text, stream_file, stream_lines
    from bpflogs.compare.result import (
        AttrChange,
        AttrValue,
        CallDiff,
        CallSide,
        CaptureKind,
        ChangeCategory,
        ChangeClass,
        DiffResult,
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
    from bpflogs.render.diff_json import diff_json
    from bpflogs.rules import Rule, Tally

# each public name, and the module it is imported from when first used (one entry a name)
_EXPORTS: dict[str, str] = {
    "parse_file": "bpflogs.api",
    "parse_lines": "bpflogs.api",
    "parse_text": "bpflogs.api",
    "stream_file": "bpflogs.api",
    "stream_lines": "bpflogs.api",
    "diff": "bpflogs.api",
    "AttrChange": "bpflogs.compare.result",
    "AttrValue": "bpflogs.compare.result",
    "CallDiff": "bpflogs.compare.result",
    "CallSide": "bpflogs.compare.result",
    "CaptureKind": "bpflogs.compare.result",
    "ChangeCategory": "bpflogs.compare.result",
    "ChangeClass": "bpflogs.compare.result",
    "DiffResult": "bpflogs.compare.result",
    "EqualRun": "bpflogs.compare.result",
    "FunctionDelta": "bpflogs.compare.result",
    "Hunk": "bpflogs.compare.result",
    "InsnRow": "bpflogs.compare.result",
    "InsnSide": "bpflogs.compare.result",
    "Op": "bpflogs.compare.result",
    "ProbeSummary": "bpflogs.compare.result",
    "ProgramDiff": "bpflogs.compare.result",
    "ProgramSide": "bpflogs.compare.result",
    "Status": "bpflogs.compare.result",
    "TextDiff": "bpflogs.compare.result",
    "TextLine": "bpflogs.compare.result",
    "TextRow": "bpflogs.compare.result",
    "diff_json": "bpflogs.render.diff_json",
    "BpflogsError": "bpflogs.errors",
    "InputError": "bpflogs.errors",
    "ParseError": "bpflogs.errors",
    "BpfObject": "bpflogs.model.capture",
    "Capture": "bpflogs.model.capture",
    "ObjectTable": "bpflogs.model.capture",
    "CallKind": "bpflogs.model.insn",
    "Function": "bpflogs.model.insn",
    "InsnForm": "bpflogs.model.insn",
    "Instruction": "bpflogs.model.insn",
    "MapRef": "bpflogs.model.insn",
    "Program": "bpflogs.model.insn",
    "Reg": "bpflogs.model.insn",
    "Blank": "bpflogs.model.records",
    "CallEnd": "bpflogs.model.records",
    "Exit": "bpflogs.model.records",
    "Message": "bpflogs.model.records",
    "OtherSyscall": "bpflogs.model.records",
    "Personality": "bpflogs.model.records",
    "Prefix": "bpflogs.model.records",
    "Record": "bpflogs.model.records",
    "Result": "bpflogs.model.records",
    "Resumed": "bpflogs.model.records",
    "Signal": "bpflogs.model.records",
    "StackFrame": "bpflogs.model.records",
    "SummaryLine": "bpflogs.model.records",
    "Syscall": "bpflogs.model.records",
    "Unparsed": "bpflogs.model.records",
    "view": "bpflogs.model.views",
    "ParseCache": "bpflogs.parse.cache",
    "Rule": "bpflogs.rules",
    "Tally": "bpflogs.rules",
}

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
    "Rule",
    "Signal",
    "StackFrame",
    "Status",
    "SummaryLine",
    "Syscall",
    "Tally",
    "TextDiff",
    "TextLine",
    "TextRow",
    "Unparsed",
    "__version__",
    "diff",
    "diff_json",
    "parse_file",
    "parse_lines",
    "parse_text",
    "stream_file",
    "stream_lines",
    "view",
]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (PEP 562) and kept."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
