"""One module per ``bpflogs`` subcommand.

Each module defines ``NAME``, ``register(parser)`` (its description and arguments; cheap:
no heavy imports) and ``run(args) -> int`` (the exit code). ``bpflogs.cli`` lists them by
the table below and imports a command's module only when that command runs (or its
``--help`` is asked for), so ``bpflogs --version`` and ``bpflogs --help`` import none.
Helpers the commands share: ``commands.inputs`` (reading FILEs), ``commands.output``
(standard output, ``error``).
"""

from __future__ import annotations

EXIT_OK, EXIT_DIFFERENT, EXIT_TROUBLE = 0, 1, 2

# the subcommands in the order ``bpflogs --help`` lists them, with the line it shows for each
COMMANDS = {
    "parse": "read strace logs and xlated dumps and show what they hold",
    "diff": "compare two captures: bpf() calls attribute by attribute, programs instruction by instruction",
    "validate": "check that captures are whole and consistent, with file:line:col diagnostics",
}
