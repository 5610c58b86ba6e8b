"""Two runs compared: bpf() calls attribute by attribute, programs instruction by instruction.

    result = bpflogs.diff("before.txt", "after.txt")   # paths, "-", or parsed Captures
    result.equal                                        # no semantic difference
    result.to_json()                                    # the versioned JSON document
"""

from __future__ import annotations

from pathlib import Path

from bpflogs.compare.capture import diff_captures
from bpflogs.compare.options import DiffOptions, ViewOptions
from bpflogs.compare.result import DiffResult
from bpflogs.model.capture import Capture

__all__ = ["DiffOptions", "DiffResult", "ViewOptions", "diff"]


def diff(
    a: Capture | str | Path,
    b: Capture | str | Path,
    *,
    strict: bool = False,
    ignore: tuple[str, ...] | list[str] = (),
) -> DiffResult:
    """What differs between two captures (parsed ones, or paths read with ``parse_file``).

    ``strict`` lists the differences the rules would hide (pointers, fds, ids, times ...)
    and counts them; ``ignore`` hides attribute paths matching any of the globs
    (``"BPF_PROG_LOAD.log_*"``, ``"*.log_buf"``, ``"max_entries"``).
    """
    from bpflogs.api import parse_file
    from bpflogs.parse.cache import ParseCache

    cache = ParseCache()  # both sides': what they share is parsed once, and compared by identity
    ca = a if isinstance(a, Capture) else parse_file(a, cache=cache)
    cb = b if isinstance(b, Capture) else parse_file(b, cache=cache)
    return diff_captures(ca, cb, DiffOptions(strict=strict, ignore=tuple(ignore)))
