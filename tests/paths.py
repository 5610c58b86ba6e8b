"""Where the tests' inputs are: the one place that knows the repository's folders and the shared samples.

* ``CORPUS`` (``corpus/``): this repository's own captures, ``PAIRS`` (``corpus/pairs/``) its
  pairs of runs; ``FIXTURES`` (``tests/fixtures/``) hand-made inputs; ``GOLDEN``
  (``tests/golden/``) the expected outputs. All are committed, so always present.
* ``SHARED``: the spec's ``shared`` folder, ``../shared`` beside the repository unless the
  ``BPFLOGS_SHARED`` environment variable names it; ``SAMPLES`` (``SHARED/samples``) holds the
  real captures made for the spec (strace 4.21 to 7.2, bpftool 7.1 and 7.8, the seed captures).

The shared folder is optional, and all or nothing: without ``SAMPLES``, every test that needs a
sample skips with ``NO_SAMPLES`` (which names the path it looked at); with it, a sample a test
names must be there (a missing one fails, it does not skip). A parametrized test that takes
its cases from the samples as well as from the corpus adds ``missing_samples()`` to its cases:
one skipped case when the samples are absent, so a run without them says what it left out.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
PAIRS = CORPUS / "pairs"
FIXTURES = REPO / "tests" / "fixtures"
GOLDEN = REPO / "tests" / "golden"

SHARED = Path(os.environ.get("BPFLOGS_SHARED") or REPO.parent / "shared")
SAMPLES = SHARED / "samples"
NO_SAMPLES = f"shared samples not found at {SAMPLES} (set BPFLOGS_SHARED to the shared folder)"



def have_samples() -> bool:
    """Whether the shared samples are there."""
    return SAMPLES.is_dir()


def missing_samples(values: int = 1) -> list[Any]:
    """Parametrize cases to add to those made from the samples: none when the samples are there,
    else one case (of ``values`` values, all None) that skips with ``NO_SAMPLES``."""
    if SAMPLES.is_dir():
        return []
    return [pytest.param(*[None] * values, id="samples", marks=pytest.mark.skip(reason=NO_SAMPLES))]


def shared_or_skip(*parts: str) -> Path:
    """``SHARED/parts...``: skips the test when the shared samples are absent; fails when the
    shared folder is there without that file."""
    if not SAMPLES.is_dir():
        pytest.skip(NO_SAMPLES)
    path = SHARED.joinpath(*parts)
    assert path.exists(), f"{path} is missing from the shared folder {SHARED}"
    return path


def samples_or_skip(*parts: str) -> Path:
    """``SAMPLES/parts...`` (a folder or a file): skips the test when the samples are absent;
    fails when they are there without it."""
    return shared_or_skip("samples", *parts)


def sample_files(folder: str, keep: Callable[[Path], bool] = lambda path: True) -> list[Path]:
    """The files of ``SAMPLES/folder`` that ``keep`` accepts, sorted; [] when the samples are
    absent (add ``missing_samples()`` to the cases made from them)."""
    if not SAMPLES.is_dir():
        return []
    where = SAMPLES / folder
    assert where.is_dir(), f"{where} is missing from the shared samples"
    return sorted(p for p in where.iterdir() if p.is_file() and keep(p))
