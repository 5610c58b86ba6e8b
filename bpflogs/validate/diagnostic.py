"""What ``bpflogs validate`` finds: diagnostics, per-file results, and the exit status."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Diagnostic", "Finding", "Severity", "Trouble", "ValidationResult", "exit_status"]

EXIT_OK, EXIT_PROBLEMS, EXIT_TROUBLE = 0, 1, 2


class Severity(enum.Enum):
    """How bad a problem is; ``error`` fails validation, ``warning`` only with ``--strict``."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Finding:
    """What a check reports: where (1-based line and column) and what; the check adds the rest."""

    line: int
    column: int
    message: str
    hint: str | None = None
    width: int = 1  # characters the caret underlines


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem, as a compiler reports it: ``FILE:LINE:COL: SEVERITY: MESSAGE [CHECK]``."""

    file: str
    line: int
    column: int
    severity: Severity
    check: str
    message: str
    source: str  # the physical line the column points into ("" if the line is not known)
    hint: str | None = None
    width: int = 1


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """Everything the checks found in one capture, in line order."""

    file: str
    kind: str  # "strace", "xlated", "mixed" or "empty"
    diagnostics: tuple[Diagnostic, ...]
    checks: tuple[str, ...]  # the checks that ran

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity is severity)

    @property
    def errors(self) -> int:
        return self.count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self.count(Severity.WARNING)

    @property
    def notes(self) -> int:
        return self.count(Severity.NOTE)

    def passed(self, strict: bool = False) -> bool:
        """No errors (and, when ``strict``, no warnings either)."""
        return self.errors == 0 and not (strict and self.warnings)


@dataclass(frozen=True, slots=True)
class Trouble:
    """A file that could not be validated: unreadable, not a log, a bad archive."""

    file: str
    message: str  # one line, ``FILE[:LINE[:COL]]: message``


def exit_status(results: Sequence[ValidationResult | Trouble], strict: bool = False) -> int:
    """2 if any file could not be read, else 1 if any failed, else 0."""
    if any(isinstance(r, Trouble) for r in results):
        return EXIT_TROUBLE
    if any(isinstance(r, ValidationResult) and not r.passed(strict) for r in results):
        return EXIT_PROBLEMS
    return EXIT_OK
