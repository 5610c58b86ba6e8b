"""One module per ``bpflogs`` subcommand.

Each module defines ``NAME``, ``register(subparsers)`` (its arguments; cheap: no heavy
imports) and ``run(args) -> int`` (the exit code). ``bpflogs.cli`` wires them up.
"""

from __future__ import annotations

EXIT_OK, EXIT_DIFFERENT, EXIT_TROUBLE = 0, 1, 2

# the subcommands in the order ``bpflogs --help`` lists them
COMMANDS = ("parse", "diff", "validate")

