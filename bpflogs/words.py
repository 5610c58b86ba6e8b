"""``Word``: an enum whose members are the strings they stand for.

A member equals its string and shows as it in ``str()``, f-strings, ``format()`` and
``json.dumps`` (what ``enum.StrEnum`` does from Python 3.11 on), so results, reports and
documents that hold the words hold the members. The diff's statuses, ops, classes and
categories, the schema's field categories and the rules are Words.
"""

from __future__ import annotations

import enum

__all__ = ["Word"]


class Word(str, enum.Enum):
    """A member is its value, a ``str``."""

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return str.__format__(str.__str__(self), spec)
