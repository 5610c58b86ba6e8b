"""One module per ``bpflogs`` subcommand.

Each module defines ``NAME``, ``register(subparsers)`` (its arguments; cheap: no heavy
imports) and ``run(args) -> int`` (the exit code). ``bpflogs.cli`` wires them up.
"""

from __future__ import annotations

import errno
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK, EXIT_DIFFERENT, EXIT_TROUBLE = 0, 1, 2

# the subcommands in the order ``bpflogs --help`` lists them
COMMANDS = ("parse", "diff", "validate")


def output_console(**options: Any) -> Console:
    """The rich console a command prints to standard output with.

    rich answers a reader that went away with ``SystemExit(1)``; here the
    ``BrokenPipeError`` goes on to ``bpflogs.cli``, which ends the process by SIGPIPE as
    for every other format (never an exit status that looks like an answer).
    """
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    return _Console(**options)
