"""``bpflogs validate``: is a captured log whole and consistent? Compiler-style diagnostics."""

from __future__ import annotations

import argparse
import sys

from bpflogs.commands import EXIT_OK, EXIT_TROUBLE
from bpflogs.commands.inputs import add_max_line, load
from bpflogs.commands.output import error

NAME = "validate"


def register(validate: argparse.ArgumentParser) -> None:
    validate.description = (
        "Check strace logs, xlated dumps and captures holding both: lines that do not parse, "
        "calls cut or spliced, data strace left out, fds nobody created, time going back; slots, "
        "jump targets, opcodes and source lines of dumps; dumped programs against their loads. "
        "Each problem is FILE:LINE:COL: error|warning|note: MESSAGE [CHECK] with the line and a "
        "caret. Exit 0 without errors (warnings allowed), 1 with errors (or warnings with "
        "--strict), 2 when a file cannot be read or an argument is wrong."
    )
    validate.add_argument("files", nargs="*", metavar="FILE", help="strace log or xlated dump; '-' for stdin")
    validate.add_argument("--json", action="store_true", help="write the diagnostics as one JSON document")
    validate.add_argument("--strict", action="store_true", help="warnings fail validation too (exit 1)")
    validate.add_argument(
        "--check", action="append", default=[], metavar="NAME", help="run only this check (repeatable)"
    )
    validate.add_argument(
        "--skip", action="append", default=[], metavar="NAME", help="do not run this check (repeatable)"
    )
    validate.add_argument(
        "--list-checks", action="store_true", help="list every check with what it catches, and exit"
    )
    validate.add_argument(
        "-q", "--quiet", action="store_true", help="only the summary line of each file (text output)"
    )
    add_max_line(validate)


def run(args: argparse.Namespace) -> int:
    from bpflogs.gcpause import cycle_collector_paused

    with cycle_collector_paused():  # whole captures in memory, no cycles among them
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from bpflogs.commands.output import output_console
    from bpflogs.errors import BpflogsError
    from bpflogs.render.validate_text import check_list, print_results, write_results
    from bpflogs.validate import CHECKS, Trouble, UnknownCheck, ValidationResult, exit_status, validate
    from bpflogs.validate.registry import select

    if args.list_checks:
        for line in check_list(CHECKS):
            sys.stdout.write(line.plain + "\n")
        return EXIT_OK
    if not args.files:
        error("validate: no FILE given (use '-' for stdin, or --list-checks)")
        return EXIT_TROUBLE
    try:
        checks = select(args.check, args.skip)
    except UnknownCheck as exc:
        error(f"validate: {exc}")
        return EXIT_TROUBLE
    results: list[ValidationResult | Trouble] = []
    from bpflogs.parse.cache import ParseCache

    cache = ParseCache()  # the files' common texts parsed once
    for name in args.files:
        try:
            capture = load(name, args, cache=cache)
        except BpflogsError as exc:
            results.append(Trouble(exc.path or name, str(exc)))
            if not args.json:
                error(str(exc))
            continue
        results.append(validate(capture, checks))
    checked = [r for r in results if isinstance(r, ValidationResult)]
    if args.json:
        from bpflogs.render.validate_json import write_validate_json

        write_validate_json(results, sys.stdout, args.strict)
    else:
        console = output_console(highlight=False, emoji=False)
        if console.is_terminal:
            print_results(checked, console, args.quiet)
        else:
            write_results(checked, sys.stdout, args.quiet)
    return exit_status(results, args.strict)
