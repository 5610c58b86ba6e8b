"""Two parsed runs compared: bpf() calls attribute by attribute, programs instruction by instruction.

    result = diff_captures(a, b, DiffOptions(strict=False, ignore=()))   # two Captures
    result.equal                                                        # no semantic difference

``bpflogs.diff`` (``bpflogs.api.diff``) is the entry that also takes paths; the JSON document
of a result is ``bpflogs.diff_json(result)`` (``bpflogs.render.diff_json``).
"""

from __future__ import annotations

from bpflogs.compare.capture import diff_captures
from bpflogs.compare.options import DiffOptions, ViewOptions
from bpflogs.compare.result import DiffResult

__all__ = ["DiffOptions", "DiffResult", "ViewOptions", "diff_captures"]
