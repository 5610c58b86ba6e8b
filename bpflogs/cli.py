"""The ``bpflogs`` command: argument parsing and exit codes, nothing more.

Each subcommand lives in ``bpflogs.commands.NAME`` (``register`` + ``run``). Exit codes
follow diff(1): 0 fine, 1 differences (or problems found), 2 trouble: unreadable input or
bad arguments. Errors are one line on stderr, ``bpflogs: FILE:LINE:COL: message``; never
a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

import bpflogs
from bpflogs.commands import COMMANDS, EXIT_TROUBLE
from bpflogs.errors import BpflogsError

__all__ = ["main"]


def _modules() -> list[ModuleType]:
    return [importlib.import_module(f"bpflogs.commands.{name}") for name in COMMANDS]


def _parser(modules: list[ModuleType]) -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="bpflogs",
        description="Read strace bpf() logs and bpftool xlated dumps into typed, lossless data; "
        "compare two runs; check a capture.",
        epilog="Run 'bpflogs COMMAND --help' for a command's options.",
    )
    top.add_argument("--version", action="version", version=f"bpflogs {bpflogs.__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in modules:
        module.register(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    modules = _modules()
    args = _parser(modules).parse_args(argv)
    from bpflogs.commands.parse import error

    try:
        for module in modules:
            if args.command == module.NAME:
                status: int = module.run(args)
                return status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`): not an error of ours
        return 0
    except BpflogsError as exc:
        error(str(exc))
        return EXIT_TROUBLE
    except Exception as exc:  # a bug of ours: one line, not a traceback (BPFLOGS_DEBUG=1 shows it)
        if os.environ.get("BPFLOGS_DEBUG"):
            raise
        error(f"internal error: {type(exc).__name__}: {exc} (a bug in bpflogs: please report it)")
        return EXIT_TROUBLE
    return EXIT_TROUBLE


if __name__ == "__main__":
    raise SystemExit(main())
