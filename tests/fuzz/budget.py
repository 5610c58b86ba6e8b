"""How many examples each property runs: ``ci`` bounded, ``long`` (``BPFLOGS_FUZZ=long``) 40 times more."""

from __future__ import annotations

import os

from hypothesis import settings

PROFILE = os.environ.get("BPFLOGS_FUZZ", "ci")
if PROFILE not in ("ci", "long"):
    raise RuntimeError(f"BPFLOGS_FUZZ={PROFILE!r}: use 'ci' (default) or 'long'")
SCALE = int(os.environ.get("BPFLOGS_FUZZ_SCALE", "40" if PROFILE == "long" else "1"))


def budget(examples: int) -> settings:
    """The settings of a property that runs ``examples`` examples under the ``ci`` profile."""
    return settings(settings.get_profile(PROFILE), max_examples=max(1, examples * SCALE))
