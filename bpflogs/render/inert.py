"""Text from a log is data: control characters are shown as visible escapes."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["inert", "visible"]

# C0 controls (except tab), DEL, C1 controls, the bidi controls (Arabic letter mark, LRM/RLM,
# embeddings, overrides, isolates), line and paragraph separators
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def inert(text: str) -> str:
    """``text`` with every character that could drive a terminal replaced by an escape."""
    if not _UNSAFE.search(text) and text.isprintable():
        return text
    text = _UNSAFE.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text
    )
    # undecodable input bytes (surrogateescape) shown as \xNN too
    return "".join(f"\\x{ord(c) - 0xDC00:02x}" if "\udc80" <= c <= "\udcff" else c for c in text)


def visible(text: str) -> str:
    """``inert(text)`` with the characters that show as nothing escaped too: format characters
    (a byte order mark U+FEFF, zero-width spaces and joiners, soft hyphens ...) and line and
    paragraph separators, as ``\\uXXXX``; for lines shown to be read character by character."""
    text = inert(text)
    if text.isascii():
        return text
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cf", "Zl", "Zp") else c for c in text)
