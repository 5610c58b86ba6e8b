"""The version of bpflogs, on its own: ``bpflogs --version`` reads it without the library
(pyproject.toml's ``[tool.hatch.version]`` reads it from here too)."""

__version__ = "0.1.0"
