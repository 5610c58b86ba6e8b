"""The shape of the package: each layer imports only from below, ``bpflogs --version`` and
``--help`` load no library, the top-level names are lazy and all resolve, the library leaves
the cycle collector alone (the commands pause it)."""

from __future__ import annotations

import ast
import gc
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import bpflogs

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bpflogs"
XDP_Y = ROOT / "corpus" / "strace" / "bpftool-prog-load-xdp_y.txt"

# bottom to top: a unit (a top-level module or a subpackage of bpflogs) imports only from the
# layers below its own; units of one layer do not import each other; every unit has a layer
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "words", "encoding", "version"),
    ("rules",),
    ("schema", "read", "sniff", "gcpause"),
    ("model",),
    ("objects",),
    ("parse",),
    ("compare", "validate"),
    ("api",),
    ("render",),
    ("commands",),
    ("cli",),
    ("__init__", "__main__"),
)
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """The bpflogs modules a file imports, at its top or inside functions (lazily)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "bpflogs":
                yield from ((node.lineno, f"bpflogs.{a.name}") for a in node.names)
            elif node.module.startswith("bpflogs."):
                yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names if a.name.startswith("bpflogs."))


def _unit(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def test_every_unit_has_a_layer() -> None:
    units = {_unit(path) for path in PACKAGE.rglob("*.py")}
    assert units <= set(RANK), f"modules with no layer in LAYERS: {sorted(units - set(RANK))}"


def test_each_layer_imports_only_from_below() -> None:
    wrong = []
    paths = sorted(PACKAGE.rglob("*.py"))
    assert len(paths) > 40
    for path in paths:
        unit = _unit(path)
        for line, module in _imports(path):
            other = module.split(".")[1]
            if other != unit and RANK.get(other, len(LAYERS)) >= RANK.get(unit, -1):
                wrong.append(f"bpflogs/{path.relative_to(PACKAGE)}:{line}: {unit} imports {module}")
    assert not wrong, "\n".join(wrong)


def _loaded_by(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded: list[str] = json.loads(proc.stdout.splitlines()[-1])
    return set(loaded)


HEAVY = ("lark", "rich", "bpflogs.parse", "bpflogs.api", "bpflogs.model", "bpflogs.compare", "bpflogs.render")


def _heavy(loaded: set[str]) -> list[str]:
    return sorted(m for m in loaded if m.split(".")[0] in ("lark", "rich") or m.startswith(HEAVY[2:]))


@pytest.mark.parametrize("argv", [["--version"], ["--help"]])
def test_version_and_help_load_no_library(argv: list[str]) -> None:
    code = (
        "import contextlib, io, bpflogs.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    bpflogs.cli.main({argv!r})"
    )
    loaded = _loaded_by(code)
    assert "bpflogs.cli" in loaded
    assert _heavy(loaded) == []
    assert not any(m.startswith("bpflogs.commands.") and m != "bpflogs.commands.output" for m in loaded)


def test_python_m_bpflogs_version() -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bpflogs", "--version"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    assert proc.stdout == f"bpflogs {bpflogs.__version__}\n"
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "bpflogs.cli" in imported
    assert _heavy(imported) == []


def test_a_command_loads_its_own_module_only() -> None:
    code = (
        "import contextlib, io, bpflogs.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    bpflogs.cli.main(['diff', '--help'])"
    )
    loaded = _loaded_by(code)
    assert "bpflogs.commands.diff" in loaded
    assert "bpflogs.commands.parse" not in loaded and "bpflogs.commands.validate" not in loaded
    assert _heavy(loaded) == []


def test_import_bpflogs_loads_no_parser() -> None:
    assert _heavy(_loaded_by("import bpflogs")) == []
    loaded = _loaded_by("import bpflogs; bpflogs.parse_text('')")
    assert "bpflogs.api" in loaded and "bpflogs.parse.capture" in loaded


def test_every_public_name_resolves() -> None:
    code = "import bpflogs\nnames = {n: type(getattr(bpflogs, n)).__name__ for n in bpflogs.__all__}\n"
    script = code + "from bpflogs import *\nprint(json.dumps(names))"
    proc = subprocess.run(
        [sys.executable, "-c", "import json\n" + script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    names = json.loads(proc.stdout)
    assert set(names) == set(bpflogs.__all__)
    assert names["parse_file"] == "function" and names["Capture"] == "type" and names["__version__"] == "str"
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        bpflogs.nothing_here  # noqa: B018
    assert set(bpflogs.__all__) <= set(dir(bpflogs))


def test_the_lazy_table_and_the_type_checking_imports_agree() -> None:
    """``_EXPORTS`` (what runs) and the ``if TYPE_CHECKING:`` imports (what mypy and IDEs
    see) name the same modules for the same names, and ``__all__`` is both."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    typed = {a.name: n.module for n in block.body if isinstance(n, ast.ImportFrom) for a in n.names}
    exports: dict[str, str] = bpflogs._EXPORTS  # type: ignore[attr-defined]
    assert typed == exports
    assert set(bpflogs.__all__) == {*exports, "__version__"}
    for name, module in exports.items():
        assert getattr(bpflogs, name) is getattr(sys.modules[module], name)


def test_the_library_leaves_the_cycle_collector_alone(tmp_path: Path) -> None:
    seen: list[bool] = []

    def lines() -> Iterator[tuple[int, str]]:
        for n, text in enumerate(XDP_Y.read_text().splitlines(), 1):
            seen.append(gc.isenabled())
            yield n, text

    assert gc.isenabled()
    capture = bpflogs.parse_lines(lines(), "x")
    assert seen and all(seen)
    bpflogs.diff(capture, capture)
    assert gc.isenabled()
    assert "bpflogs.gcpause" not in _loaded_by(
        "import bpflogs.api, bpflogs.compare, bpflogs.render.diff_json"
    )


@pytest.mark.parametrize("argv", [["parse"], ["validate"], ["diff", str(XDP_Y)]])
def test_the_commands_pause_the_cycle_collector(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import bpflogs.commands.diff
    import bpflogs.commands.parse
    import bpflogs.commands.validate
    from bpflogs.cli import main

    seen: list[bool] = []
    commands = {"parse": bpflogs.commands.parse, "diff": bpflogs.commands.diff}
    module = commands.get(argv[0], bpflogs.commands.validate)
    real = module.load

    def load(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "load", load)
    with monkeypatch.context() as m:
        m.setattr(sys, "stdout", open("/dev/null", "w"))  # noqa: SIM115
        main([*argv, str(XDP_Y)])
    assert seen and not any(seen)
    assert gc.isenabled()
