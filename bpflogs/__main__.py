"""``python -m bpflogs``."""

from bpflogs.cli import main

raise SystemExit(main())
