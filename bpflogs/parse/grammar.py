"""Loading the Lark grammars in ``grammars/`` (inside the wheel: ``bpflogs/grammars/``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import lark

__all__ = ["grammar_text", "lalr_parser"]


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
    return lark.Lark(
        grammar_text(name),
        parser="lalr",
        lexer="contextual",
        transformer=transformer,
        start=start,
        cache=True,
        propagate_positions=False,
        maybe_placeholders=False,
    )
