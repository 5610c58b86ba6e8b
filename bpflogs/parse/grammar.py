"""Loading the Lark grammars in ``grammars/`` (inside the wheel: ``bpflogs/grammars/``).

The parsers' fast paths (a regex that splits a line's prefix off, the stitcher's call
markers) are built from the grammars' own terminals here (``terminal_regexp``,
``rule_expansions``), so that a grammar is the one place a syntax is written down.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import lark

__all__ = ["grammar_text", "lalr_parser", "rule_expansions", "terminal_regexp", "terminal_text"]

# the parser built of each grammar (process-wide: it holds the grammar's tables, no input):
# its terminals serve the fast paths too, so the grammar is loaded once
_BUILT: dict[str, lark.Lark] = {}


def grammar_text(name: str) -> str:
    """The text of grammar file ``name``, from the installed package or the source tree."""
    packaged = resources.files("bpflogs").joinpath("grammars").joinpath(name)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    source_tree = Path(__file__).resolve().parents[2] / "grammars" / name
    return source_tree.read_text(encoding="utf-8")


def lalr_parser(
    name: str, transformer: lark.Transformer[lark.Token, object], start: str | list[str] = "start"
) -> lark.Lark:
    """An LALR parser with the contextual lexer that runs ``transformer`` while parsing (no tree)."""
    parser = _lark(grammar_text(name), transformer, start)
    _BUILT.setdefault(name, parser)
    return parser


def _lark(
    text: str, transformer: lark.Transformer[lark.Token, object] | None, start: str | list[str]
) -> lark.Lark:
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
    parser = _BUILT.get(name)
    if parser is None:  # no parser of it yet: the grammar alone (its tables come from Lark's cache)
        parser = _lark(grammar_text(name), None, "start")
    rules: dict[str, list[tuple[str, ...]]] = {}
    for rule in parser.rules:
        rules.setdefault(rule.origin.name, []).append(tuple(str(s.name) for s in rule.expansion))
    return {t.name: t for t in parser.terminals}, rules


def terminal_regexp(grammar: str, terminal: str) -> str:
    """The regular expression the lexer matches ``terminal`` of ``grammar`` with (its flags
    inline, a literal escaped)."""
    return _syntax(grammar)[0][terminal].pattern.to_regexp()


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
