"""JSON text that is valid for any input bytes.

Lines are read with ``surrogateescape``: a byte that is not UTF-8 becomes a lone surrogate
(U+DC80..U+DCFF), which ``json.dumps`` writes as ``\\udcXX``, an escape strict parsers
refuse (RFC 7493). Such an escape is written as the visible text ``\\xXX`` instead; where
the exact bytes matter, the documents carry them as hex beside the text (``text_hex``).
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["dumps", "hex_if_not_utf8", "name_fields"]

# read left to right: an escaped backslash, a surrogate pair (a character beyond U+FFFF,
# whose second half may be \udc80-\udcff too), or a lone \udcXX: an undecodable byte
_ESCAPES = re.compile(r"\\\\|\\ud[89ab][0-9a-f]{2}\\ud[c-f][0-9a-f]{2}|\\udc([89a-f][0-9a-f])")


def _byte(match: re.Match[str]) -> str:
    byte = match.group(1)
    return match.group() if byte is None else f"\\\\x{byte}"


def dumps(value: Any, **options: Any) -> str:
    """``json.dumps``, with undecodable input bytes shown as ``\\xXX`` text."""
    text = json.dumps(value, **options)
    if "\\udc" in text:
        text = _ESCAPES.sub(_byte, text)
    return text


def hex_if_not_utf8(text: str) -> str | None:
    """The bytes of ``text`` as read, in hex, when some were not UTF-8 (else None)."""
    if text.isascii():
        return None
    raw = text.encode("utf-8", "surrogateescape")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.hex()
    return None


def name_fields(key: str, name: str) -> dict[str, str]:
    """``{key: name}``, and ``{key}_hex`` with the bytes of ``name`` when they are not UTF-8
    (a line as read, a file name: ``os.fsencode``), so the exact bytes are in the document."""
    raw = hex_if_not_utf8(name)
    return {key: name} if raw is None else {key: name, f"{key}_hex": raw}
