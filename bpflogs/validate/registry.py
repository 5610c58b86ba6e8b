"""Every check by name, in the order they run and ``--list-checks`` shows them."""

from __future__ import annotations

from collections.abc import Iterable

from bpflogs.validate import cross_checks, strace_checks, xlated_checks
from bpflogs.validate.check import Check

__all__ = ["CHECKS", "UnknownCheck", "by_name", "select"]

CHECKS: tuple[Check, ...] = strace_checks.CHECKS + xlated_checks.CHECKS + cross_checks.CHECKS


class UnknownCheck(ValueError):
    """A check name that no check has."""


def by_name(name: str) -> Check:
    for check in CHECKS:
        if check.name == name:
            return check
    raise UnknownCheck(f"no check named {name!r} (see --list-checks)")


def select(only: Iterable[str] = (), skip: Iterable[str] = ()) -> tuple[Check, ...]:
    """The checks to run: ``only`` these (all when empty), minus ``skip``; unknown names raise."""
    chosen = [by_name(n) for n in only] if only else list(CHECKS)
    skipped = {by_name(n).name for n in skip}
    return tuple(c for c in CHECKS if c in chosen and c.name not in skipped)
