"""Lines read a block at a time: what a block boundary cuts (a UTF-8 character, a CRLF,
a line over the limit) reads exactly as if the file were read line by line."""

from __future__ import annotations

import io
import random

import pytest

from bpflogs import read
from bpflogs.errors import InputError
from bpflogs.read import Source


def lines_of(data: bytes, block: int, max_line: int = 1 << 20) -> list[tuple[int, str]]:
    stream = io.BufferedReader(io.BytesIO(data), buffer_size=block)  # type: ignore[arg-type]
    return list(Source("<t>", stream, max_line).lines())


def expected(data: bytes) -> list[tuple[int, str]]:
    """Line by line, as ``readline`` reads them."""
    out = []
    for number, raw in enumerate(io.BytesIO(data).readlines(), 1):
        if raw.endswith(b"\n"):
            raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
        elif raw.endswith(b"\r"):
            raw = raw[:-1]
        out.append((number, raw.decode("utf-8", "surrogateescape")))
    return out


@pytest.mark.parametrize("block", [1, 2, 3, 5, 8, 64])
def test_any_block_size_reads_the_same_lines(block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read, "_BLOCK", block)
    rng = random.Random(block)
    pieces = [b"a", b"\n", b"\r\n", b"\r", "é".encode(), "€".encode(), b"\xff", b"", b"bpf(BPF_MAP_CREATE)"]
    for _ in range(200):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randrange(30)))
        assert lines_of(data, block) == expected(data), data


def test_a_line_over_the_limit_is_named_after_the_lines_before_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read, "_BLOCK", 16)
    data = b"one\ntwo\n" + b"x" * 100 + b"\nfour\n"
    got: list[tuple[int, str]] = []
    with pytest.raises(InputError) as exc:
        got.extend(Source("<t>", io.BufferedReader(io.BytesIO(data), 16), 50).lines())  # type: ignore[arg-type]
    assert got == [(1, "one"), (2, "two")]
    assert exc.value.line == 3 and "longer than 50 bytes" in str(exc.value)


def test_a_line_over_the_limit_within_one_block() -> None:
    data = b"one\n" + b"x" * 100 + b"\nthree\n"
    got: list[tuple[int, str]] = []
    with pytest.raises(InputError) as exc:
        got.extend(Source("<t>", io.BufferedReader(io.BytesIO(data)), 50).lines())  # type: ignore[arg-type]
    assert got == [(1, "one")] and exc.value.line == 2


def test_a_line_of_exactly_the_limit_is_read() -> None:
    data = b"x" * 50 + b"\n" + b"y" * 50
    assert lines_of(data, 8, max_line=50) == [(1, "x" * 50), (2, "y" * 50)]
