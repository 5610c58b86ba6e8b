"""What a diff is asked for: comparison options and display options."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DiffOptions", "ViewOptions"]


@dataclass(frozen=True, slots=True)
class DiffOptions:
    """How two captures are compared.

    ``strict`` shows (and counts as differences) what the rules (``bpflogs.rules.Rule``)
    would hide; ``ignore`` holds globs of attribute paths to hide as well, under the
    ``ignored`` rule, matched against ``COMMAND.path`` and ``path``
    (``BPF_PROG_LOAD.log_*``, ``*.log_buf``).
    """

    strict: bool = False
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ViewOptions:
    """How a diff result is shown (every renderer takes the same)."""

    context: int = 3  # equal instructions around each change
    side_by_side: bool = False
    all_rows: bool = False  # every instruction and call, not only the differing ones
    width: int = 160  # columns, for plain text and side-by-side layouts
