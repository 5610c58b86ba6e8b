"""The README's Layout section names every module of the package, and only modules that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _layout() -> list[str]:
    """The section's bullets, each joined into one line."""
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    bullets: list[str] = []
    for line in section.splitlines():
        if line.startswith("- "):
            bullets.append(line[2:])
        elif line.startswith("  ") and bullets:
            bullets[-1] += " " + line.strip()
    return bullets


def _named() -> set[str]:
    """Paths the section names: ``bpflogs/x.py``, and ``f.py`` in the bullet of ``bpflogs/d/``."""
    named: set[str] = set()
    for bullet in _layout():
        tokens = re.findall(r"`([^`]+)`", bullet)
        folder = tokens[0] if tokens and tokens[0].endswith("/") else ""
        for token in tokens:
            if "/" in token:
                named.add(token.rstrip("/"))
            elif token.endswith(".py") and folder:
                named.add(folder + token)
    return named


def test_layout_names_every_module() -> None:
    modules = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "bpflogs").rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py")
    }
    missing = sorted(modules - _named())
    assert not missing, f"README Layout does not name: {missing}"


def test_layout_names_only_what_exists() -> None:
    gone = sorted(path for path in _named() if not (ROOT / path).exists())
    assert not gone, f"README Layout names what is not in the tree: {gone}"
