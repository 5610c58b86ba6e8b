"""Opening captures: paths, ``-`` for stdin, binary file objects, gzip and xz.

Bytes are decoded as UTF-8 with surrogateescape, so any input byte survives into
the records and back out. Compression is recognised by its magic bytes, not by
the file name. Files that are clearly not text (an ELF, a PNG, mostly NULs) are
refused with an ``InputError`` naming the file.
"""

from __future__ import annotations

import gzip
import io
import lzma
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast

from bpflogs.errors import InputError

__all__ = ["DEFAULT_MAX_LINE", "Source", "open_source"]

DEFAULT_MAX_LINE = 64 * 1024 * 1024

_GZIP = b"\x1f\x8b"
_XZ = b"\xfd7zXZ\x00"
_BINARY_MAGIC = {
    b"\x7fELF": "an ELF binary",
    b"\x89PNG": "a PNG image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a zip archive",
    b"BZh": "a bzip2 archive",
    b"\x28\xb5\x2f\xfd": "a zstd archive",
}
# bytes that never appear in text logs (tab, newline, CR, FF, VT and ESC do)
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27))


class Readable(Protocol):
    """What a Source reads from: a buffered binary stream (a file, gzip, xz)."""

    def read1(self, size: int, /) -> bytes: ...

    def peek(self, size: int, /) -> bytes: ...

    def close(self) -> None: ...


class Source:
    """A capture opened for reading, yielding numbered lines."""

    def __init__(self, name: str, stream: Readable, max_line: int = DEFAULT_MAX_LINE) -> None:
        self.name = name
        self._stream = stream
        self._max_line = max_line

    def lines(self) -> Iterator[tuple[int, str]]:
        """Yield (1-based line number, text without the line ending).

        The input is read in blocks of whatever is there (up to 1 MiB: a pipe gives its
        lines as they come) and each block's complete lines are decoded at once.
        """
        number = 0
        try:
            for lines in self._blocks():
                yield from enumerate(lines, number + 1)
                number += len(lines)
        except (EOFError, lzma.LZMAError, gzip.BadGzipFile, zlib.error) as exc:
            raise InputError(
                f"compressed stream is damaged or truncated ({exc})", self.name, number + 1
            ) from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", self.name, number + 1) from None

    def _blocks(self) -> Iterator[list[str]]:
        """The lines of the input, a block at a time; a line over the limit is an InputError
        once the lines before it are given out."""
        limit, read = self._max_line, self._stream.read1
        number = 0
        pending: list[bytes] = []  # the start of a line whose end is not read yet
        pending_len = 0
        while True:
            block = read(_BLOCK)
            if not block:
                break
            cut = block.rfind(b"\n")
            if cut < 0:
                pending.append(block)
                pending_len += len(block)
                if pending_len > limit:
                    break
                continue
            head = block[:cut]
            if pending:
                pending.append(head)
                head = b"".join(pending)
            tail = block[cut + 1 :]
            pending, pending_len = ([tail], len(tail)) if tail else ([], 0)
            lines = _decoded(head)
            if len(head) > limit:
                sizes = [len(raw) for raw in head.split(b"\n")]
                if max(sizes) > limit:
                    k = next(k for k, size in enumerate(sizes) if size > limit)
                    yield lines[:k]
                    raise InputError(
                        f"line is longer than {limit} bytes (no newline found)", self.name, number + k + 1
                    )
            yield lines
            number += len(lines)
            if pending_len > limit:
                break
        if pending_len > limit:
            raise InputError(f"line is longer than {limit} bytes (no newline found)", self.name, number + 1)
        if pending:
            yield _decoded(b"".join(pending))

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_BLOCK = 1 << 20


def _decoded(data: bytes) -> list[str]:
    """The lines of ``data`` (complete lines without their last newline) as text; a ``\\r``
    ending a line is dropped with its newline."""
    lines = data.decode("utf-8", "surrogateescape").split("\n")
    if b"\r" in data:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    return lines


def _sniff_binary(head: bytes) -> str | None:
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            return what
    if not head:
        return None
    sample = head[:4096]
    controls = sum(sample.count(bytes([b])) for b in _CONTROL)
    if controls * 10 > len(sample) * 3:  # over 30 % control bytes: not a log
        return "binary data"
    return None


def open_source(source: str | Path | BinaryIO, max_line: int = DEFAULT_MAX_LINE) -> Source:
    """Open a path, ``"-"`` (stdin) or a binary file object, decompressing gzip/xz."""
    if isinstance(source, (str, Path)):
        name = str(source)
        if name == "-":
            name = "<stdin>"
            raw: BinaryIO = sys.stdin.buffer
        else:
            try:
                raw = open(source, "rb")  # noqa: SIM115 - closed by Source.close
            except OSError as exc:
                raise InputError(f"cannot open: {exc.strerror or exc}", name) from None
            if Path(source).is_dir():
                raw.close()
                raise InputError("is a directory", name)
    else:
        raw = source
        name = str(getattr(source, "name", "<stream>"))
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(cast(Any, raw))
    try:
        head = buffered.peek(8)[:8]
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", name) from None
    # the decompressing readers are buffered themselves: their read1 gives what is
    # decompressed so far, so a truncated stream still gives every line before the damage
    stream: Readable
    if head.startswith(_GZIP):
        stream = gzip.GzipFile(fileobj=buffered, mode="rb")
    elif head.startswith(_XZ):
        stream = lzma.LZMAFile(buffered, mode="rb")  # noqa: SIM115
    else:
        stream = buffered
    try:
        first = stream.peek(4096)[:4096]
    except (EOFError, lzma.LZMAError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise InputError(f"compressed stream is damaged or truncated ({exc})", name) from None
    what = _sniff_binary(first)
    if what is not None:
        raise InputError(f"not a text log: this looks like {what}", name)
    return Source(name, stream, max_line)
