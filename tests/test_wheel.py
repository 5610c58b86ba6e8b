"""The built wheel works on its own: grammar inside, importable and runnable from a fresh venv.

The wheel is built once per session (isolated build first; if that cannot fetch hatchling,
with the hatchling already installed here), installed with its dependencies into a new
venv, and used from a directory outside the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from paths import REPO

import bpflogs
from bpflogs import Capture

CAPTURE = "bpftool-prog-load-xdp_y.txt"
NETWORK_TROUBLE = (
    "Could not find a version",
    "No matching distribution",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "ProxyError",
    "ConnectTimeoutError",
    "Read timed out",
)

pytestmark = pytest.mark.slow  # builds the wheel and a venv


def run(argv: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: val for k, val in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def offline(result: subprocess.CompletedProcess[str]) -> bool:
    output = result.stdout + result.stderr
    return any(marker in output for marker in NETWORK_TROUBLE)


def have_hatchling() -> bool:
    try:
        import hatchling  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(REPO)]
    result = run(build, cwd=out)
    if result.returncode != 0:
        if not have_hatchling():
            pytest.skip(
                "cannot build the wheel: the isolated build failed and hatchling is not installed here:\n"
                + result.stderr[-800:]
            )
        result = run([*build[:3], "--no-isolation", *build[3:]], cwd=out)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    wheels = list(out.glob("bpflogs-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("venv") / "env"
    made = run([sys.executable, "-m", "venv", str(root)], cwd=root.parent)
    assert made.returncode == 0, made.stderr
    python = root / "bin" / "python"
    install = run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", str(wheel)], cwd=root.parent
    )
    if install.returncode != 0 and offline(install):
        pytest.skip(
            "cannot install the wheel's dependencies from the package index (offline?):\n"
            + install.stderr[-800:]
        )
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-2000:]
    return root


def test_wheel_contains_the_grammar(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert "bpflogs/grammars/strace.lark" in names
        assert zf.read("bpflogs/grammars/strace.lark") == (REPO / "grammars" / "strace.lark").read_bytes()
        assert "bpflogs/__init__.py" in names and "bpflogs/parse/strace.py" in names
        assert "bpflogs/py.typed" in names  # PEP 561: type checkers read the package's annotations
        assert not any(n.startswith(("tests/", "corpus/")) for n in names)
    assert wheel.name.startswith(f"bpflogs-{bpflogs.__version__}-")


def test_installed_wheel_parses_a_capture_elsewhere(
    venv: Path, tmp_path: Path, corpus_path: Callable[[str], Path], corpus: Callable[[str], Capture]
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    capture = shutil.copy(corpus_path(CAPTURE), outside / CAPTURE)
    code = (
        "import bpflogs, sys; c = bpflogs.parse_file(sys.argv[1]); "
        "print(len(c.syscalls)); print(len(c.unparsed)); print(bpflogs.__file__)"
    )
    result = run([str(venv / "bin" / "python"), "-c", code, str(capture)], cwd=outside)
    assert result.returncode == 0, result.stderr
    syscalls, unparsed, module = result.stdout.splitlines()
    assert int(syscalls) == len(corpus(CAPTURE).syscalls) == 34
    assert int(unparsed) == 0
    # the wheel's copy, not the source tree (which an editable install elsewhere may point at)
    assert Path(module).resolve().is_relative_to(venv.resolve())
    assert not Path(module).resolve().is_relative_to(REPO)


def test_installed_command_line(venv: Path, tmp_path: Path) -> None:
    if not (REPO / "bpflogs" / "cli.py").is_file():
        pytest.skip("bpflogs/cli.py does not exist yet: no command to run")
    result = run([str(venv / "bin" / "bpflogs"), "--version"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"bpflogs {bpflogs.__version__}"
