"""Where the test inputs live, and how each kind of input is loaded.

Inputs:

* ``corpus/strace/`` — this repository's own real captures (always present);
* ``../shared/samples/`` next to the repository (override: ``BPFLOGS_SHARED`` names the
  ``shared`` folder) — real captures of strace 4.21/5.10/6.1/7.2 made for the spec.
  Tests that need them skip, with the path they looked at, when the folder is absent.

Where each folder is, and how a test skips without the samples, is tests/paths.py.

There is one input format, an strace log, and one loader for it: ``load_strace``
(cached, so a capture several tests look at is parsed once). ``corpus(name)`` and
``sample(name)`` find a file and load it; ``one_line(text)`` parses an inline line and
checks that it gives exactly one record that renders back to its text.

A test that takes an argument named ``strace_path`` runs once per strace capture
(corpus and shared samples, ids ``corpus/NAME`` and ``samples/NAME``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import load as _load
from paths import CORPUS, missing_samples, sample_files, samples_or_skip

import bpflogs
from bpflogs import Capture, Record

CORPUS_STRACE = CORPUS / "strace"
SEED_STRACE = "strace-hello-buffer-config.txt"  # in SAMPLES/seed

# files in the samples folder that are not strace output
_COMPANION_SUFFIXES = (".bpftool-stdout.txt", ".bpftool-stderr.txt")


def corpus_paths() -> list[Path]:
    """Every capture in corpus/strace (plain or compressed)."""
    return sorted(p for p in CORPUS_STRACE.iterdir() if p.is_file() and ".txt" in p.name)


def sample_paths() -> list[Path]:
    """Every strace capture among the shared samples, plus the seed capture; [] if absent."""
    paths = sample_files(
        "strace", lambda p: p.name != "README.md" and not p.name.endswith(_COMPANION_SUFFIXES)
    )
    if paths:
        paths.append(samples_or_skip("seed", SEED_STRACE))
    return sorted(paths)


def _strace_params() -> Iterator[object]:
    for path in corpus_paths():
        yield pytest.param(path, id=f"corpus/{path.name}")
    for path in sample_paths():
        yield pytest.param(path, id=f"samples/{path.name}")
    yield from missing_samples()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "strace_path" in metafunc.fixturenames:
        metafunc.parametrize("strace_path", list(_strace_params()))


@pytest.fixture(scope="session")
def load_strace() -> Callable[[Path], Capture]:
    """The loader for strace captures: ``load_strace(path) -> Capture`` (cached)."""
    return _load


def corpus_file(name: str) -> Path:
    path = CORPUS_STRACE / name
    assert path.is_file(), f"corpus capture {name} is missing from {CORPUS_STRACE}"
    return path


def sample_file(name: str) -> Path:
    return samples_or_skip("strace", name)


@pytest.fixture(scope="session")
def corpus() -> Callable[[str], Capture]:
    """``corpus(name)``: the Capture of corpus/strace/NAME."""
    return lambda name: _load(corpus_file(name))


@pytest.fixture(scope="session")
def sample() -> Callable[[str], Capture]:
    """``sample(name)``: the Capture of shared/samples/strace/NAME (skips if the samples are absent)."""
    return lambda name: _load(sample_file(name))


@pytest.fixture(scope="session")
def corpus_path() -> Callable[[str], Path]:
    return corpus_file


@pytest.fixture(scope="session")
def sample_path() -> Callable[[str], Path]:
    return sample_file


def _one_line(text: str) -> Record:
    capture = bpflogs.parse_text(text)
    assert len(capture.records) == 1, capture.records
    record = capture.records[0]
    assert record.lines == (1,)
    assert record.render() == record.text
    return record


@pytest.fixture(scope="session")
def one_line() -> Callable[[str], Record]:
    """``one_line(text)``: the single record of a one-line log, checked to render back to its text."""
    return _one_line
