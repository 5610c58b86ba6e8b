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
from typing import Any, BinaryIO, cast

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


class Source:
    """A capture opened for reading, yielding numbered lines."""

    def __init__(self, name: str, stream: io.BufferedReader, max_line: int = DEFAULT_MAX_LINE) -> None:
        self.name = name
        self._stream = stream
        self._max_line = max_line

    def lines(self) -> Iterator[tuple[int, str]]:
        """Yield (1-based line number, text without the line ending)."""
        limit = self._max_line
        number = 0
        try:
            while True:
                raw = self._stream.readline(limit + 1)
                if not raw:
                    return
                number += 1
                if len(raw) > limit and not raw.endswith(b"\n"):
                    raise InputError(
                        f"line is longer than {limit} bytes (no newline found)", self.name, number
                    )
                if raw.endswith(b"\n"):
                    raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
                elif raw.endswith(b"\r"):
                    raw = raw[:-1]
                yield number, raw.decode("utf-8", "surrogateescape")
        except (EOFError, lzma.LZMAError, gzip.BadGzipFile, zlib.error) as exc:
            raise InputError(
                f"compressed stream is damaged or truncated ({exc})", self.name, number + 1
            ) from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", self.name, number + 1) from None

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
    stream: io.BufferedReader
    if head.startswith(_GZIP):
        stream = io.BufferedReader(cast(Any, gzip.GzipFile(fileobj=buffered, mode="rb")))
    elif head.startswith(_XZ):
        stream = io.BufferedReader(cast(Any, lzma.LZMAFile(buffered, mode="rb")))  # noqa: SIM115
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
