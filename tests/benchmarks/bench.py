"""bpflogs benchmarks: throughput, wall time and peak memory at the sizes real users have.

    .venv/bin/python tests/benchmarks/bench.py              # everything, median of 3 runs
    .venv/bin/python tests/benchmarks/bench.py strace diff  # some groups
    .venv/bin/python tests/benchmarks/bench.py --runs 5 --quick

Groups: corpus, startup, strace, xlated, diff, memory, scaling. Inputs are built from real captures
(corpus/bench/maploop_f-tt-T.strace.txt.gz, a map-operation loop; the -v PROG_LOAD captures
of corpus/strace/; the 5,111-instruction big_unroll program of corpus/xlated/) scaled by
repetition: each repetition is another process (new pid, pointers moved as ASLR moves them,
times running on), so no two repetitions are the same text. Every command runs as its own
process, timed as a whole and its peak memory (max RSS) taken from wait4(); each figure is
printed beside a baseline measured in the same run (a bare Python loop reading the same
lines; GNU diff on the same files). Not collected by pytest (testpaths excludes it).

    .venv/bin/python tests/benchmarks/bench.py --against ../old/.venv/bin/python

runs every bpflogs command also with another checkout's interpreter (its own installed
bpflogs), in alternation with this one's, and prints the ratio new/old beside each figure:
a refactor's "same speed" is measured in one run, on the same inputs, as the machine drifts.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
PY = sys.executable
BPFLOGS = [PY, "-m", "bpflogs"]

_POINTER = re.compile(r"0x(?:55|56|7f)[0-9a-f]{10}")  # heap and stack addresses
_PREFIX = re.compile(r"^(\d+) (\d\d):(\d\d):(\d\d)\.(\d{6}) ")
_INSN = re.compile(r"^( *)(\d+): (.*)$")


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    max_rss_mib: float
    old: Run | None = None  # the same command under --against, measured in the same run


# A child's peak RSS counts the memory of the process it was forked from until it
# execs, so commands are started by this small launcher, not by the benchmark process
# (which holds the inputs it built): the launcher forks, execs, and reports wait4().
_LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status), file=sys.stderr)
"""


AGAINST: str | None = None  # --against: another checkout's Python, with its own bpflogs installed


def run(argv: list[str]) -> Run:
    """One process, timed as a whole, with its peak memory (run outside the checkout, so
    ``python -m bpflogs`` imports the interpreter's installed bpflogs, not the one in cwd)."""
    done = subprocess.run(
        [PY, "-c", _LAUNCHER, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/", check=False
    )
    *err, last = done.stderr.decode().rstrip("\n").split("\n")
    seconds, max_rss_kib, code = last.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited {code}: {chr(10).join(err)[-2000:]}")
    return Run(float(seconds), int(max_rss_kib) / 1024)


def _summary(results: list[Run]) -> Run:
    return Run(statistics.median(r.seconds for r in results), max(r.max_rss_mib for r in results))


def median(argv: list[str], runs: int, against: bool = True) -> Run:
    """The median of ``runs`` runs; a bpflogs command under ``--against`` also with the other
    interpreter, the two in turn (new, old, new, old ...)."""
    if AGAINST is None or not against or argv[0] != PY:
        return _summary([run(argv) for _ in range(runs)])
    ours: list[Run] = []
    old: list[Run] = []
    for _ in range(runs):
        ours.append(run(argv))
        old.append(run([AGAINST, *argv[1:]]))
    return replace(_summary(ours), old=_summary(old))


def _versus(r: Run) -> str:
    if r.old is None:
        return ""
    old = r.old
    return f"   | old: {old.seconds:.2f} s {old.max_rss_mib:.0f} MiB (new/old {r.seconds / old.seconds:.2f}x)"


# ---------------------------------------------------------------- inputs


def _maploop_lines() -> list[str]:
    with gzip.open(CORPUS / "bench" / "maploop_f-tt-T.strace.txt.gz", "rt") as f:
        return f.read().splitlines()


def _moved(lines: list[str], rep: int, rng: random.Random, t0: float) -> Iterator[str]:
    """One more run of a capture: another pid, pointers moved, times running on."""
    shift = rng.randrange(1, 1 << 20) << 12
    pid = 20000 + rep

    def pointer(m: re.Match[str]) -> str:
        return f"0x{int(m.group(), 16) + shift:x}"

    for line in lines:
        line = _POINTER.sub(pointer, line)
        m = _PREFIX.match(line)
        if m:
            t0 += 0.000013
            h, rest = divmod(t0, 3600)
            mi, s = divmod(rest, 60)
            line = f"{pid} {int(h) % 24:02d}:{int(mi):02d}:{s:09.6f} " + line[m.end() :]
        elif line[:1].isdigit():
            line = f"{pid} " + line.split(" ", 1)[1]
        yield line


def strace_log(path: Path, source: list[str], lines: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    out: list[str] = []
    rep = 0
    t0 = 9 * 3600.0
    while len(out) < lines:
        out.extend(_moved(source, rep, rng, t0 + rep * 10))
        rep += 1
    path.write_text("\n".join(out[:lines]) + "\n")
    return path


def progload_v_lines() -> list[str]:
    out: list[str] = []
    names = ("bpftool-prog-load-xdp_v.txt", "bpftool-prog-loadall-cgroup-skb_v.txt", "ctypes-loader_v.txt")
    for name in names:
        out.extend((CORPUS / "strace" / name).read_text().splitlines())
    return out


def big_dump(path: Path, insns: int, changes: float = 0.0, seed: int = 1) -> Path:
    """The big_unroll program repeated to ``insns`` instructions (slots renumbered); with
    ``changes``, that fraction of instructions inserted, deleted or given another immediate."""
    with gzip.open(CORPUS / "xlated" / "big_unroll.big_unroll.plain.txt.gz", "rt") as f:
        body = [m.group(3) for line in f.read().splitlines() if (m := _INSN.match(line))]
    rng = random.Random(seed)
    texts: list[str] = []
    while len(texts) < insns:
        texts.extend(body)
    texts = texts[:insns]
    if changes:
        for _ in range(int(insns * changes)):
            k = rng.randrange(len(texts))
            what = rng.randrange(3)
            if what == 0:
                texts.insert(k, "(b7) r0 = 0")
            elif what == 1 and not texts[k].startswith("(18)"):
                del texts[k]
            else:
                texts[k] = re.sub(r"= (-?\d+)$", lambda m: f"= {int(m.group(1)) + 1}", texts[k])
    lines = ["int big_unroll(struct xdp_md * ctx):"]
    slot = 0
    for text in texts:
        lines.append(f"{slot:6d}: {text}")
        slot += 2 if text.startswith("(18)") else 1
    path.write_text("\n".join(lines) + "\n")
    return path


# ---------------------------------------------------------------- reports


def line(
    name: str, amount: int, unit: str, ours: Run, base: Run | None, base_name: str, target: str
) -> None:
    rate = amount / ours.seconds
    text = f"{name:<34} {amount:>9,} {unit:<6} {ours.seconds:7.2f} s {rate:>11,.0f} {unit}/s"
    text += f" {ours.max_rss_mib:7.0f} MiB"
    if base is not None:
        text += f"   | {base_name}: {base.seconds:6.2f} s ({ours.seconds / base.seconds:5.1f}x)"
    print(f"{text}   target {target}{_versus(ours)}", flush=True)


def read_lines_baseline(path: Path, runs: int) -> Run:
    return median([PY, "-c", f"import sys\nfor line in open({str(path)!r}): pass"], runs, against=False)


def parse_cmd(path: Path) -> list[str]:
    # the library leaves the cycle collector alone; a caller reading big captures pauses it,
    # as the command line does
    code = (
        "import bpflogs; from bpflogs.gcpause import cycle_collector_paused\n"
        f"with cycle_collector_paused(): bpflogs.parse_file({str(path)!r})"
    )
    return [PY, "-c", code]


def group_startup(tmp: Path, runs: int, quick: bool) -> None:
    small = CORPUS / "strace" / "bpftool-map-update-lpm.txt"
    commands = (
        ("bpflogs --help", [*BPFLOGS, "--help"]),
        ("bpflogs parse (small file)", [*BPFLOGS, "parse", str(small)]),
    )
    base = median([PY, "-c", "pass"], max(runs, 5), against=False)
    for name, argv in commands:
        r = median(argv, max(runs, 5))
        print(f"{name:<34} {r.seconds:7.2f} s {r.max_rss_mib:7.0f} MiB"
              f"   | python -c pass: {base.seconds:.2f} s   target < 0.3 s{_versus(r)}")  # fmt: skip


def group_strace(tmp: Path, runs: int, quick: bool) -> None:
    n = 25_000 if quick else 100_000
    log = strace_log(tmp / "maploop.txt", _maploop_lines(), n)
    line("strace map-op loop (-f -tt -T)", n, "lines", median(parse_cmd(log), runs),
         read_lines_baseline(log, runs), "bare line loop", ">= 50,000 lines/s")  # fmt: skip
    m = 2_000 if quick else 10_000
    v = strace_log(tmp / "progload_v.txt", progload_v_lines(), m)
    line("strace PROG_LOAD-heavy -v", m, "lines", median(parse_cmd(v), runs),
         read_lines_baseline(v, runs), "bare line loop", ">= 10,000 lines/s")  # fmt: skip


def group_xlated(tmp: Path, runs: int, quick: bool) -> None:
    n = 250_000 if quick else 1_000_000
    dump = big_dump(tmp / "big.txt", n)
    line("xlated dump", n, "insns", median(parse_cmd(dump), runs),
         read_lines_baseline(dump, runs), "bare line loop", ">= 500,000 insns/s")  # fmt: skip


def group_diff(tmp: Path, runs: int, quick: bool) -> None:
    n = 250_000 if quick else 1_000_000
    a = big_dump(tmp / "diff_a.txt", n)
    b = big_dump(tmp / "diff_b.txt", n, changes=0.01)
    gnu = median(["diff", str(a), str(b)], runs) if shutil.which("diff") else None
    ours = median([*BPFLOGS, "diff", "--format", "json", str(a), str(b)], runs)
    line("diff two dumps, 1% changed", n, "insns", ours, gnu, "GNU diff", "<= 5 s, <= 1 GiB")
    m = 25_000 if quick else 100_000
    la = strace_log(tmp / "diff_a.strace", _maploop_lines(), m, seed=1)
    lb = strace_log(tmp / "diff_b.strace", _maploop_lines(), m, seed=2)
    gnu = median(["diff", str(la), str(lb)], runs) if shutil.which("diff") else None
    ours = median([*BPFLOGS, "diff", "--format", "json", str(la), str(lb)], runs)
    line("diff two strace logs", m, "lines", ours, gnu, "GNU diff", "<= 3 s")


def group_memory(tmp: Path, runs: int, quick: bool) -> None:
    n = 250_000 if quick else 1_000_000
    log = strace_log(tmp / "huge.txt", _maploop_lines(), n)
    r_argv = [*BPFLOGS, "parse", "--json", str(log)]
    r = run(r_argv)
    base = run([PY, "-c", f"for line in open({str(log)!r}): pass"])
    old = f"   | old: {run([AGAINST, *r_argv[1:]]).max_rss_mib:.0f} MiB" if AGAINST else ""
    rate = n / r.seconds
    print(f"{'parse --json, streamed':<34} {n:>9,} lines  {r.seconds:7.2f} s {rate:>11,.0f} lines/s "
          f"{r.max_rss_mib:7.0f} MiB   | bare line loop: {base.max_rss_mib:.0f} MiB"
          f"   target < 200 MiB{old}")  # fmt: skip


def group_scaling(tmp: Path, runs: int, quick: bool) -> None:
    base = 5_000 if quick else 10_000
    for factor in (1, 4, 16):
        n = base * factor
        log = strace_log(tmp / f"scale_{factor}.txt", _maploop_lines(), n)
        r = median(parse_cmd(log), runs)
        line(f"strace scaling {factor:>2}x", n, "lines", r, None, "", "linear")
    for factor in (1, 4, 16):
        n = base * 4 * factor
        dump = big_dump(tmp / f"scale_{factor}.dump", n)
        line(f"xlated scaling {factor:>2}x", n, "insns", median(parse_cmd(dump), runs), None, "", "linear")


def corpus_dumps(path: Path) -> Path:
    """Every text dump of corpus/xlated/ (each mode of each program) in one file: distinct
    programs, not one repeated."""
    parts = []
    for dump in sorted((CORPUS / "xlated").glob("*.txt*")):
        opener = gzip.open if dump.suffix == ".gz" else open
        with opener(dump, "rt") as f:
            parts.append(f.read())
    path.write_text("".join(parts))
    return path


def corpus_strace(path: Path) -> Path:
    """Every capture of corpus/strace/ in one file (each tool, option set and strace release)."""
    path.write_text("".join(p.read_text() for p in sorted((CORPUS / "strace").glob("*.txt"))))
    return path


def group_corpus(tmp: Path, runs: int, quick: bool) -> None:
    dumps = corpus_dumps(tmp / "corpus_dumps.txt")
    n = sum(1 for t in dumps.read_text().splitlines() if _INSN.match(t))
    line("corpus dumps (diverse)", n, "insns", median(parse_cmd(dumps), runs),
         read_lines_baseline(dumps, runs), "bare line loop", "(no target)")  # fmt: skip
    logs = corpus_strace(tmp / "corpus_strace.txt")
    m = len(logs.read_text().splitlines())
    line("corpus strace (diverse)", m, "lines", median(parse_cmd(logs), runs),
         read_lines_baseline(logs, runs), "bare line loop", "(no target)")  # fmt: skip


GROUPS: dict[str, Callable[[Path, int, bool], None]] = {
    "corpus": group_corpus,
    "startup": group_startup,
    "strace": group_strace,
    "xlated": group_xlated,
    "diff": group_diff,
    "memory": group_memory,
    "scaling": group_scaling,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("groups", nargs="*", choices=[*GROUPS, []], help="groups to run (default: all)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is shown (3)")
    parser.add_argument("--quick", action="store_true", help="a quarter of the sizes")
    parser.add_argument(
        "--against",
        metavar="PYTHON",
        help="also run each bpflogs command with this interpreter (another checkout's venv), in turn",
    )
    args = parser.parse_args()
    global AGAINST
    AGAINST = args.against
    version = sys.version.split()[0]
    print(f"bpflogs benchmarks: {os.cpu_count()} CPUs, Python {version}, {time.strftime('%Y-%m-%d')}")
    with tempfile.TemporaryDirectory(prefix="bpflogs-bench.") as tmp:
        for name in args.groups or GROUPS:
            GROUPS[name](Path(tmp), args.runs, args.quick)


if __name__ == "__main__":
    main()
