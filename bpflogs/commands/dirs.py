"""``bpflogs diff DIR_A DIR_B``: two directories file by file, over a process pool.

Files pair by relative name like ``diff -r``; each pair is read and compared in a worker
process (``--jobs``, the usable CPUs by default), which renders that pair's report in the
chosen format and sends back the report with the pair's ``FileSummary``. The parent prints
the summary table first (one row per program: instructions in A and B, delta, %), then
each pair's report in name order. A pair that cannot be read is trouble: said on stderr,
its row says so, the others go on, and the exit status is 2.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bpflogs.commands import EXIT_DIFFERENT, EXIT_OK, EXIT_TROUBLE
from bpflogs.commands.output import error

if TYPE_CHECKING:
    from bpflogs.compare.dirs import FileSummary
    from bpflogs.compare.result import DiffResult

__all__ = ["Job", "available_cpus", "compare_pair", "files_under", "run_dirs"]


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def files_under(top: Path) -> set[str]:
    """The relative names (POSIX form) of the files under ``top``, at any depth."""
    return {p.relative_to(top).as_posix() for p in top.rglob("*") if p.is_file()}


@dataclass(frozen=True, slots=True)
class Job:
    """What a worker needs for one pair (picklable: plain values and the parsed arguments)."""

    name: str
    a: str
    b: str
    fmt: str  # "text", "rich", "markdown", "json"
    width: int
    color_system: str | None  # the parent's console's, for "rich"
    args: argparse.Namespace


def compare_pair(job: Job) -> tuple[FileSummary, str]:
    """Read and compare one pair; its summary and its report rendered in ``job.fmt`` (for
    trouble: the message, no report)."""
    from bpflogs.commands.inputs import load
    from bpflogs.compare import DiffOptions
    from bpflogs.compare.capture import diff_captures
    from bpflogs.compare.dirs import summarize, trouble
    from bpflogs.errors import BpflogsError
    from bpflogs.parse.cache import ParseCache

    args = job.args
    try:
        cache = ParseCache()  # the two sides of one pair
        ca = load(job.a, args, strict=args.strict, cache=cache)
        cb = load(job.b, args, strict=args.strict, cache=cache)
        result = diff_captures(ca, cb, DiffOptions(strict=args.strict, ignore=tuple(args.ignore)))
    except BpflogsError as exc:
        return trouble(job.name, str(exc)), ""
    return summarize(job.name, result), _report(result, job)


def _report(result: DiffResult, job: Job) -> str:
    """A pair's report, rendered here in the worker as the single-pair diff renders it."""
    from bpflogs.commands.diff import write_report

    out = io.StringIO()
    console = None
    if job.fmt == "rich":
        from rich.console import Console

        console = Console(file=out, force_terminal=True, width=job.width, highlight=False, emoji=False,
                          markup=False, color_system=job.color_system)  # type: ignore[arg-type]  # fmt: skip
    write_report(result, job.args, job.fmt, job.width, out, console)
    return out.getvalue()


def _results(jobs: list[Job], workers: int) -> Iterator[tuple[FileSummary, str]]:
    """The pairs' summaries and reports, in the order of ``jobs``."""
    if workers <= 1 or len(jobs) <= 1:
        yield from map(compare_pair, jobs)
        return
    from concurrent.futures import ProcessPoolExecutor

    # a worker per CPU, each given runs of pairs (a pair of small objects is milliseconds:
    # one round trip per pair would cost as much as the work)
    chunk = max(1, min(16, len(jobs) // (workers * 4)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(compare_pair, jobs, chunksize=chunk)


def run_dirs(a: Path, b: Path, args: argparse.Namespace) -> int:
    """Compare two directories; the exit status (0 same, 1 differ, 2 trouble)."""
    from bpflogs.compare.dirs import FileState, only_in
    from bpflogs.render.diff_dirs import markdown_table, text_table

    fmt, width, color_system = _format(args)
    names_a, names_b = files_under(a), files_under(b)
    jobs = [
        Job(name, str(a / name), str(b / name), fmt, width, color_system, args)
        for name in sorted(names_a & names_b)
    ]
    workers = min(args.jobs or available_cpus(), max(1, len(jobs)))
    done = dict(zip((job.name for job in jobs), _results(jobs, workers), strict=True))
    summaries: list[FileSummary] = []
    reports: list[tuple[str, str]] = []  # (name, report) in name order
    for name in sorted(names_a | names_b):
        if name in done:
            summary, report = done[name]
            if summary.state is FileState.TROUBLE:
                error(summary.message or name)
            reports.append((name, report))
        else:
            summary = only_in(name, "a" if name in names_a else "b")
            reports.append((name, ""))
        summaries.append(summary)
    states = {s.state for s in summaries}
    status = (
        EXIT_TROUBLE if FileState.TROUBLE in states
        else EXIT_OK if states <= {FileState.SAME} else EXIT_DIFFERENT
    )  # fmt: skip
    if fmt == "json":
        _write_json(summaries, reports, status)
        return status
    table = markdown_table(summaries) if fmt == "markdown" else text_table(summaries) + "\n"
    sys.stdout.write(table)
    for summary, (name, report) in zip(summaries, reports, strict=True):
        if summary.state in (FileState.ONLY_A, FileState.ONLY_B):
            side = "a" if summary.state is FileState.ONLY_A else "b"
            sys.stdout.write(_only_in(side, str((a if side == "a" else b) / name), fmt))
        else:
            sys.stdout.write(report)
    return status


def _write_json(summaries: list[FileSummary], reports: list[tuple[str, str]], status: int) -> None:
    """``{"bpflogs_diff_dirs": 1, "equal", "summary": [ROW], "files": [...]}``."""
    from bpflogs.compare.dirs import FileState
    from bpflogs.render.diff_dirs import json_rows
    from bpflogs.render.json_text import dumps, name_fields

    entries = []
    for summary, (name, report) in zip(summaries, reports, strict=True):
        head = name_fields("name", name)
        if summary.state in (FileState.ONLY_A, FileState.ONLY_B):
            entries.append(dumps({**head, "only_in": "a" if summary.state is FileState.ONLY_A else "b"}))
        elif summary.state is FileState.TROUBLE:
            entries.append(dumps({**head, "trouble": summary.message}))
        else:
            entries.append(f'{dumps(head)[:-1]}, "diff": {report.rstrip()}}}')
    equal = "true" if status == EXIT_OK else "false"
    rows = dumps(json_rows(summaries))
    sys.stdout.write(f'{{"bpflogs_diff_dirs": 1, "equal": {equal}, "summary": {rows}, ')
    sys.stdout.write('"files": [\n' + ",\n".join(entries) + "\n]}\n")


def _format(args: argparse.Namespace) -> tuple[str, int, str | None]:
    """The format, width and colour system of the reports, as the single-pair diff decides them."""
    from bpflogs.commands.diff import report_format
    from bpflogs.commands.output import output_console

    console = output_console(highlight=False, emoji=False, markup=False)
    fmt, width = report_format(args, console)
    return fmt, width, console.color_system


def _only_in(side: str, path: str, fmt: str | None) -> str:
    """``only in a: PATH``, the path shown as every format shows text from outside: inert
    (no terminal escapes), and in Markdown escaped too (a paragraph of its own)."""
    if fmt == "markdown":
        from bpflogs.render.diff_markdown import escape

        return f"only in {side}: {escape(path)}\n\n"
    from bpflogs.render.inert import inert

    return f"only in {side}: {inert(path)}\n"
