"""Hypothesis profiles of the fuzz suite (issue 7: hostile and broken input).

``ci`` (the default) is bounded: the whole suite runs in about a minute on a 2-core machine,
derandomized (the same examples every run), without a database and without deadlines, so a
slow machine cannot make it flaky. ``long`` explores: random seeds, many more examples per
property; run it on demand with

    BPFLOGS_FUZZ=long .venv/bin/python -m pytest tests/fuzz -q

``BPFLOGS_FUZZ_SCALE=N`` multiplies every property's example count (either profile).
Each property states its ``ci`` example count with ``budget(n)`` (tests/fuzz/budget.py).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

_QUIET = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.large_base_example,
]

settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, suppress_health_check=_QUIET, print_blob=True
)
settings.register_profile(
    "long", derandomize=False, database=None, deadline=None, suppress_health_check=_QUIET, print_blob=True
)
