"""Pausing Python's cycle collector while a capture is read into records.

A big capture makes millions of small immutable records, and none of them form
reference cycles; the cycle collector, run every 700 allocations, walks them again
and again (a third of the time of reading a 1M-instruction dump). Reference counting
still frees everything; the collector runs as it did once reading is done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["cycle_collector_paused"]


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Within the block, no cycle collection; the collector's state is restored after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
