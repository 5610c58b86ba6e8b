"""Every capture of the corpus and the shared samples, diffed with itself, is equal with nothing hidden."""

from __future__ import annotations

from pathlib import Path

import pytest
from paths import CORPUS, missing_samples, sample_files

import bpflogs

# not captures: verifier logs, bpftool's error transcript and jited shape, DOT (refused)
SKIP = ("verifier-log.", "errors.bpftool", ".jited-shape.", ".dot", "README", "generators")


def captures() -> list[Path]:
    files = [p for d in ("strace", "xlated", "mixed") for p in sorted((CORPUS / d).iterdir())]
    files += [p for d in ("strace", "xlated", "seed") for p in sample_files(d)]
    return [p for p in files if p.is_file() and not any(s in p.name for s in SKIP)]


@pytest.mark.parametrize("path", captures() + missing_samples(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_capture_against_itself_is_equal(path: Path) -> None:
    capture = bpflogs.parse_file(path)
    result = bpflogs.diff(capture, capture)
    assert result.equal
    assert result.hidden == {}
    assert all(c.status.value == "same" and not c.changes for c in result.syscalls)
    assert all(p.status.value == "same" and p.changed_rows == 0 for p in result.programs)
    assert bpflogs.diff_json(result)["equal"] is True
