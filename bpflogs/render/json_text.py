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

__all__ = ["dumps", "hex_if_not_utf8"]

# an escape \udcXX not itself escaped (preceded by an even number of backslashes) and not
# the second half of a surrogate pair (U+1F480 is written \ud83d\udc80)
_LONE = re.compile(r"(?<!\\)((?:\\\\)*)(?<!\\ud[89ab][0-9a-f][0-9a-f])\\udc([89a-f][0-9a-f])")


def dumps(value: Any, **options: Any) -> str:
    """``json.dumps``, with undecodable input bytes shown as ``\\xXX`` text."""
    text = json.dumps(value, **options)
    if "\\udc" in text:
        text = _LONE.sub(r"\1\\\\x\2", text)
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
