"""The cycle collector pauses while a capture is read and comes back as it was."""

from __future__ import annotations

import gc

import pytest

import bpflogs
from bpflogs.gcpause import cycle_collector_paused


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_state_is_restored(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with cycle_collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError), cycle_collector_paused():
            raise ValueError
        assert gc.isenabled() is enabled
        bpflogs.parse_text("   0: (b7) r0 = 0\n   1: (95) exit\n")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
