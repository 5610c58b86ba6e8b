"""What the grammars' tokens are called in a message: ``'=>'``, ``a number``, ``a register``.

Lark names the tokens it expected after its terminals (``NUMBER``, ``__ANON_12``); a user
reads the text. A literal terminal is shown as its text in quotes; every pattern terminal
of ``grammars/*.lark`` has a name here (tests/test_tokens.py enumerates both grammars, so
a terminal added without a name fails there, not in front of a user).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import lark
from lark.lexer import PatternStr, TerminalDef

__all__ = ["END", "TokenNames", "expected_of", "expected_tokens", "quoted", "token_name"]

END = "the end of the line"  # Lark's "$END"

# the pattern terminals of each grammar, as a user would call them
PATTERN_NAMES: dict[str, dict[str, str]] = {
    "strace.lark": {
        "PID": "a pid",
        "SECONTEXT": "an SELinux context [...]",
        "ABS_TIME": "a time of day",
        "REL_TIME": "a relative time",
        "SCNO": "a syscall number [N]",
        "IP": "an instruction pointer [...]",
        "CALL_OPEN": "a syscall name and '('",
        "RESUMED": "'<... NAME resumed>'",
        "ORPHAN_REST": "the rest of a resumed call",
        "PAD": "spaces",
        "RETVAL": "a return value",
        "RET_NOTE": "a note (...)",
        "DURATION": "a duration <...>",
        "SIGNAME": "a signal name",
        "SIGINFO": "the signal's {...}",
        "SIGNED": "a number",
        "PERS_MODE": "'64 bit', '32 bit' or 'x32'",
        "FRAME_TEXT": "a stack frame",
        "MESSAGE_TEXT": "a message",
        "NUMBER": "a number",
        "SYMBOL": "a constant name",
        "FIELD": "a field name",
        "MACRO_OPEN": "a macro name and '('",
        "STRING": "a string",
        "ARROW": "'=>'",
        "COMMENT": "a /* comment */",
        "LEAD_COMMENT": "a /* comment */",
        "DECOR": "an fd decoration <...>",
        "RAW_TEXT": "an argument",
        "RAW_STRING": "a string",
    },
    "xlated.lark": {
        "INDEX": "an instruction index 'N: '",
        "OPCODE": "an opcode (two hex digits)",
        "BUG": "a 'BUG_...' marker",
        "SOURCE_LINUM": "a source line '; ...'",
        "SOURCE": "a source line '; ...'",
        "FUNC_HEADER": "a function header",
        "PROG_REST": "a program header",
        "OPCODE_BYTES": "the opcode bytes",
        "REG": "a register",
        "NEG_REG": "a negated register",
        "INT": "a number",
        "SIGNED_INT": "a signed number",
        "HEX": "a hex number",
        "OFF": "an offset (+N or -N)",
        "PCREL": "a jump target 'pc+N'",
        "SIZE": "a size (u8 ... u64)",
        "SIGNED_SIZE": "a size (s8, s16 or s32)",
        "ENDIAN": "a byte swap (le16 ... bswap64)",
        "ALU_OP": "an operator ('+=', '<<=', ...)",
        "ATOMIC_OP": "an atomic operator ('+=', '|=', '&=', '^=')",
        "ATOMIC_FN": "an atomic function",
        "CMPXCHG": "'atomic_cmpxchg'",
        "JMP_COND": "a comparison ('==', '<', ...)",
        "GOTO_KIND": "'goto', 'gotol' or 'may_goto'",
        "CALL_SYMBOL": "a helper name",
        "CLASS_NAME": "an instruction class",
        "LEGACY_REG": "a register '(u32) rN'",
        "LEGACY_INT": "a number '(u32) N'",
        "LEGACY_NEG": "a negated register '(u32) -rN'",
        "LEGACY_OP": "an operator ('=', '+=', 'neg', 'endian', ...)",
        "CALL_ID": "a helper number",
    },
}


def quoted(text: str) -> str:
    """``text`` from the line, in quotes. The characters are the line's own: every output
    shows them as it shows the line (a byte that is not UTF-8 as ``\\x80``, controls
    escaped), never as Python's ``repr`` (``\\udc80``)."""
    return f'"{text}"' if "'" in text and '"' not in text else f"'{text}'"


def token_name(grammar: str, terminal: TerminalDef) -> str | None:
    """What ``terminal`` of ``grammar`` is called; None if it has no name (a test keeps
    that from happening)."""
    if isinstance(terminal.pattern, PatternStr):
        text = terminal.pattern.value
        return "a space" if text == " " else quoted(text)
    return PATTERN_NAMES.get(grammar, {}).get(terminal.name)


class TokenNames:
    """The names of one parser's terminals, for the ``expected`` of an Unparsed record."""

    def __init__(self, grammar: str, parser: lark.Lark) -> None:
        self._names = {"$END": END, "<END-OF-FILE>": END}
        for terminal in parser.terminals:
            name = token_name(grammar, terminal)
            if name is not None:
                self._names[terminal.name] = name

    def expected(self, terminals: Iterable[str]) -> tuple[str, ...]:
        """The readable names of ``terminals``, sorted, each once (literals first)."""
        names = {self._names[t] for t in terminals if t in self._names}
        return tuple(sorted(names, key=lambda n: (not n.startswith(("'", '"')), n)))


@lru_cache(maxsize=4)
def _names(grammar: str, parser: lark.Lark) -> TokenNames:
    return TokenNames(grammar, parser)


def expected_tokens(grammar: str, parser: lark.Lark, terminals: Iterable[str]) -> tuple[str, ...]:
    """The readable names of the ``terminals`` a parser of ``grammar`` expected."""
    return _names(grammar, parser).expected(terminals)


def expected_of(error: lark.exceptions.UnexpectedInput) -> Iterable[str]:
    """The terminals the parser would have taken where ``error`` happened. A character no
    terminal of the parser's state matches, in a state that takes none (``allowed`` is
    empty), is where only the end of the line could be."""
    if isinstance(error, lark.exceptions.UnexpectedCharacters):
        return error.allowed or ("$END",)
    expected: Iterable[str] = getattr(error, "expected", None) or ()
    return expected
