"""``bpflogs validate --json``: the diagnostics as one versioned document.

``{"bpflogs_validate": 1, "files": [FILE, ...], "summary": {...}}``; each FILE is
``{"file", "kind", "checks", "summary": {"errors", "warnings", "notes"}, "passed",
"diagnostics": [{"line", "column", "width", "severity", "check", "message", "hint",
"source"}]}`` or, for a file that could not be read, ``{"file", "trouble"}``. A file name
that is not UTF-8 has its bytes in ``file_hex`` too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from bpflogs.render.json_text import dumps, name_fields
from bpflogs.validate.diagnostic import Diagnostic, Trouble, ValidationResult

__all__ = ["VALIDATE_SCHEMA_VERSION", "diagnostic_json", "result_json", "write_validate_json"]

VALIDATE_SCHEMA_VERSION = 1


def diagnostic_json(diag: Diagnostic) -> dict[str, Any]:
    return {
        "line": diag.line,
        "column": diag.column,
        "width": diag.width,
        "severity": diag.severity.value,
        "check": diag.check,
        "message": diag.message,
        "hint": diag.hint,
        "source": diag.source,
    }


def result_json(result: ValidationResult | Trouble, strict: bool = False) -> dict[str, Any]:
    if isinstance(result, Trouble):
        return {**name_fields("file", result.file), "trouble": result.message}
    return {
        **name_fields("file", result.file),
        "kind": result.kind,
        "checks": list(result.checks),
        "summary": {"errors": result.errors, "warnings": result.warnings, "notes": result.notes},
        "passed": result.passed(strict),
        "diagnostics": [diagnostic_json(d) for d in result.diagnostics],
    }


def write_validate_json(
    results: Sequence[ValidationResult | Trouble], out: TextIO, strict: bool = False
) -> None:
    """Write the document (ASCII: undecodable log bytes and control characters are escaped)."""
    checked = [r for r in results if isinstance(r, ValidationResult)]
    doc = {
        "bpflogs_validate": VALIDATE_SCHEMA_VERSION,
        "strict": strict,
        "files": [result_json(r, strict) for r in results],
        "summary": {
            "files": len(results),
            "unreadable": sum(1 for r in results if isinstance(r, Trouble)),
            "errors": sum(r.errors for r in checked),
            "warnings": sum(r.warnings for r in checked),
            "notes": sum(r.notes for r in checked),
        },
    }
    out.write(dumps(doc, indent=1))
    out.write("\n")
