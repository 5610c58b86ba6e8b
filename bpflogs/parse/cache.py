"""What a parse remembers while it reads: each distinct event or instruction text parsed once.

A parse makes its own ``ParseCache`` and drops it when it returns, so nothing read stays in
memory after a parse; a caller reading many files that share their texts (the same program
loaded by many processes, one build's dumps) passes one cache to each parse:

    cache = bpflogs.ParseCache()
    for path in paths:
        capture = bpflogs.parse_file(path, cache=cache)

Each parser keeps its part here (its own fields, bounded by its own limits); no parse state
lives at module level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bpflogs.parse.strace import StraceCache
from bpflogs.parse.xlated_cache import XlatedCache

__all__ = ["ParseCache"]


@dataclass(slots=True, eq=False)
class ParseCache:
    """The memo tables of one parse, or of several that share them."""

    strace: StraceCache = field(default_factory=StraceCache)  # event texts, prefixes, markers, -T results
    xlated: XlatedCache = field(default_factory=XlatedCache)  # instruction texts and dump lines
