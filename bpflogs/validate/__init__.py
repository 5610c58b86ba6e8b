"""``bpflogs validate``: is a captured log whole and consistent?

``validate(capture)`` runs the named checks (``registry.CHECKS``) over a parsed capture
and returns a ``ValidationResult``: compiler-style diagnostics, each with a file, line,
column, severity, message, the check's name and, where one helps, a hint.
"""

from __future__ import annotations

from collections.abc import Iterable

from bpflogs.model.capture import Capture
from bpflogs.validate.check import Check, Context, Scope
from bpflogs.validate.diagnostic import Diagnostic, Severity, Trouble, ValidationResult, exit_status
from bpflogs.validate.registry import CHECKS, UnknownCheck, select

__all__ = [
    "CHECKS",
    "Check",
    "Diagnostic",
    "Scope",
    "Severity",
    "Trouble",
    "UnknownCheck",
    "ValidationResult",
    "exit_status",
    "select",
    "validate",
]


def validate(capture: Capture, checks: Iterable[Check] | None = None) -> ValidationResult:
    """Run ``checks`` (default: all) over ``capture``; diagnostics come in line order."""
    chosen = tuple(CHECKS if checks is None else checks)
    ctx = Context.of(capture)
    found: list[Diagnostic] = []
    for check in chosen:
        for finding in check.find(ctx):
            found.append(
                Diagnostic(
                    file=capture.name,
                    line=finding.line,
                    column=finding.column,
                    severity=check.severity,
                    check=check.name,
                    message=finding.message,
                    source=ctx.sources.text(finding.line),
                    hint=finding.hint,
                    width=max(1, finding.width),
                )
            )
    order = {c.name: i for i, c in enumerate(chosen)}
    found.sort(key=lambda d: (d.line, d.column, order[d.check]))
    return ValidationResult(capture.name, capture.kind, tuple(found), tuple(c.name for c in chosen))
