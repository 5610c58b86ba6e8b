"""Loading the Lark grammars in ``grammars/`` (inside the wheel: ``bpflogs/grammars/``).

The parsers' fast paths (a regex that splits a line's prefix off, the stitcher's call
markers) are built from the grammars' own terminals here (``terminal_regexp``,
``rule_expansions``), so that a grammar is the one place a syntax is written down.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path

import lark

__all__ = [
    "grammar_text",
    "lalr_parser",
    "parser",
    "register",
    "rule_expansions",
    "terminal_regexp",
    "terminal_text",
]

_Transformer = lark.Transformer[lark.Token, object]
# the transformer and start rules each grammar's parser is built with (``register``)
_REGISTERED: dict[str, tuple[Callable[[], _Transformer], tuple[str, ...]]] = {}


def grammar_text(name: str) -> str:
    """The text of grammar file ``name``, from the installed package or the source tree."""
    packaged = resources.files("bpflogs").joinpath("grammars").joinpath(name)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    source_tree = Path(__file__).resolve().parents[2] / "grammars" / name
    return source_tree.read_text(encoding="utf-8")


def lalr_parser(name: str, transformer: _Transformer, start: str | list[str] = "start") -> lark.Lark:
    """An LALR parser with the contextual lexer that runs ``transformer`` while parsing (no tree)."""
    return _lark(grammar_text(name), transformer, start)


def register(name: str, transformer: Callable[[], _Transformer], start: tuple[str, ...] = ("start",)) -> None:
    """Say what ``parser(name)`` is built with: the transformer its parse runs, its start rules
    (a parser built before without them is built again)."""
    _REGISTERED[name] = (transformer, start)
    parser.cache_clear()
    _syntax.cache_clear()


@cache
def parser(name: str) -> lark.Lark:
    """The parser of grammar ``name``, built once (process-wide: it holds the grammar's tables,
    no input) with what was registered for it, else with no transformer. The fast paths'
    terminals come from it too, so that a grammar is loaded once."""
    transformer, start = _REGISTERED.get(name, (None, ("start",)))
    return _lark(grammar_text(name), transformer() if transformer is not None else None, list(start))


def _lark(text: str, transformer: _Transformer | None, start: str | list[str]) -> lark.Lark:
    return lark.Lark(
        text,
        parser="lalr",
        lexer="contextual",
        transformer=transformer,
        start=start,
        cache=True,
        propagate_positions=False,
        maybe_placeholders=False,
    )


@cache
def _syntax(name: str) -> tuple[dict[str, lark.lexer.TerminalDef], dict[str, list[tuple[str, ...]]]]:
    """The terminals of grammar ``name`` by name, and the expansions of its rules by name."""
    rules: dict[str, list[tuple[str, ...]]] = {}
    for rule in parser(name).rules:
        rules.setdefault(rule.origin.name, []).append(tuple(str(s.name) for s in rule.expansion))
    return {t.name: t for t in parser(name).terminals}, rules


def terminal_regexp(grammar: str, terminal: str, *, groups: bool = True) -> str:
    """The regular expression the lexer matches ``terminal`` of ``grammar`` with (its flags
    inline, a literal escaped); ``groups=False``: its groups made non-capturing, for a
    pattern whose groups are its own (they number alike whatever the terminals hold)."""
    regexp = _syntax(grammar)[0][terminal].pattern.to_regexp()
    return regexp if groups else _non_capturing(regexp)


def _non_capturing(regexp: str) -> str:
    """``regexp`` with each capturing group ``(...)`` made ``(?:...)`` (a named group too)."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(regexp):
        char = regexp[i]
        if char == "\\":  # an escape: the next character is not syntax
            out.append(regexp[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            out.append(char)
            i += 1
            for lead in ("^", "]"):  # a "]" first in a class is a member
                if regexp.startswith(lead, i):
                    out.append(lead)
                    i += 1
            continue
        elif char == "(":
            if regexp.startswith("(?P<", i):
                i = regexp.index(">", i) + 1
                out.append("(?:")
                continue
            if not regexp.startswith("(?", i):
                out.append("(?:")
                i += 1
                continue
        out.append(char)
        i += 1
    result = "".join(out)
    if re.compile(result).groups:
        raise ValueError(f"cannot make the groups of {regexp!r} non-capturing")
    return result


def terminal_text(grammar: str, terminal: str) -> str:
    """The text of literal ``terminal`` of ``grammar`` (ValueError: the terminal is a regex)."""
    pattern = _syntax(grammar)[0][terminal].pattern
    if not isinstance(pattern, lark.lexer.PatternStr):
        raise ValueError(f"{grammar}: {terminal} is a regular expression, not a literal")
    return str(pattern.value)


def rule_expansions(grammar: str, rule: str) -> list[tuple[str, ...]]:
    """The symbol sequences ``rule`` of ``grammar`` expands to (an optional part ``X?`` makes
    one with it and one without)."""
    return list(_syntax(grammar)[1][rule])
