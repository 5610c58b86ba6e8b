"""Ground truth: each pair under corpus/pairs/ and the facts a correct diff must report.

The facts (corpus/pairs/NAME/facts.json) were read off the captures by hand when they
were made (corpus/pairs/README.md); these tests hold `bpflogs diff --format json`
against them.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from paths import PAIRS

import bpflogs
from bpflogs.cli import main

NAMES = sorted(p.name for p in PAIRS.iterdir() if (p / "facts.json").is_file())


def facts(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAIRS / name / "facts.json").read_text())
    return data


def diff_json(name: str, file: str) -> dict[str, Any]:
    result = bpflogs.diff(PAIRS / name / "a" / file, PAIRS / name / "b" / file)
    return bpflogs.diff_json(result)


def dump_cases() -> list[tuple[str, str, str]]:
    out = []
    for name in NAMES:
        for program, info in facts(name).get("programs", {}).items():
            for file in info["dumps"].values():
                out.append((name, program, file))
    return out


def test_every_pair_has_facts_and_both_sides() -> None:
    assert len(NAMES) >= 12
    for name in NAMES:
        a = sorted(p.name for p in (PAIRS / name / "a").iterdir())
        b = sorted(p.name for p in (PAIRS / name / "b").iterdir())
        assert a == b, name


@pytest.mark.parametrize("name", NAMES)
def test_syscalls(name: str) -> None:
    expect = facts(name)["syscalls"]
    doc = diff_json(name, expect["file"])
    assert doc["equal"] is expect["equal"]
    shown = sorted({c["path"] for s in doc["syscalls"] for c in s["changes"] if not c["hidden"]})
    assert shown == sorted(expect["changed_paths"])
    statuses = Counter(s["status"] for s in doc["syscalls"])
    assert statuses["added"] == statuses["removed"] == 0  # the same loads: every call pairs
    assert doc["hidden"].get("pointers", 0) > 0  # user-space addresses differ between any two runs


@pytest.mark.parametrize(("name", "program", "file"), dump_cases())
def test_programs(name: str, program: str, file: str) -> None:
    expect = facts(name)["programs"][program]
    doc = diff_json(name, file)
    (prog,) = [p for p in doc["programs"] if p["name"] == program]
    functions = {f["name"]: [f["a_insns"], f["b_insns"]] for f in prog["functions"]}
    assert functions == {f: v["insns"] for f, v in expect["functions"].items()}
    rows = prog["instructions"]
    inserted = [r["b"]["slot"] for r in rows if r["op"] == "insert"]
    deleted = [r["a"]["slot"] for r in rows if r["op"] == "delete"]
    if "inserted_b_slots" in expect:
        assert inserted == expect["inserted_b_slots"]
        assert deleted == expect["deleted_a_slots"]
        changed = {(r["a"]["slot"], r["b"]["slot"]): r["classes"] for r in rows if r["op"] == "change"}
        shown = [c for c in expect["changed"] if c["classes"] != ["callee_tag"]]
        want = {(c["a_slot"], c["b_slot"]): c["classes"] for c in shown}
        assert changed == want
        equal_after_rule = {(r["a"]["slot"], r["b"]["slot"]): r["hidden"] for r in rows if r["op"] == "equal"}
        for c in expect["changed"]:
            if c["classes"] == ["callee_tag"]:  # the callee's tag only: hidden, counted
                assert "subprog-tags" in equal_after_rule[(c["a_slot"], c["b_slot"])]
        for a_slot, b_slot in expect.get("shifted_jumps", []) + expect.get("shifted_calls", []):
            assert "jump-offsets" in equal_after_rule[(a_slot, b_slot)], (a_slot, b_slot)
    assert doc["equal"] is (expect.get("changed") == [] and not inserted and not deleted)
    for a_slot, b_slot in expect.get("map_id_slots", []):
        assert "map-ids" in equal_after_rule_of(rows)[(a_slot, b_slot)]
    helpers: dict[str, list[int]] = {}
    for per_side in expect["calls"].values():
        for k, side in enumerate(("a", "b")):
            for helper, count in per_side[side]["helpers"].items():
                helpers.setdefault(helper, [0, 0])[k] += count
    assert {h: [c["a"], c["b"]] for h, c in prog["helpers"].items()} == helpers


def equal_after_rule_of(rows: list[dict[str, Any]]) -> dict[tuple[int, int], list[str]]:
    return {(r["a"]["slot"], r["b"]["slot"]): r["hidden"] for r in rows if r["op"] == "equal"}


def test_statement_added_reports_exactly_the_inserted_statement() -> None:
    doc = diff_json("statement-added", "xdp_pairs.linum.txt")
    (prog,) = doc["programs"]
    changes = [r for r in prog["instructions"] if r["op"] != "equal"]
    assert [(r["op"], r["b"]["text"]) for r in changes] == [
        ("insert", "(b7) r1 = 4"),
        ("insert", "(85) call pc+10#bpf_prog_6ea8463fd102d116_bump"),
    ]
    assert doc["hidden"]["jump-offsets"] == 8  # 4 jumps and 4 calls over the insertion
    assert changes[0]["b"]["source_line"] == 122


def test_constant_changed_is_one_immediate_with_its_source() -> None:
    doc = diff_json("constant-changed", "xdp_pairs.linum.txt")
    (row,) = [r for r in doc["programs"][0]["instructions"] if r["op"] != "equal"]
    assert row["classes"] == ["immediate"]
    assert (row["a"]["text"], row["b"]["text"]) == ("(b7) r1 = 1000", "(b7) r1 = 1200")
    assert row["a"]["source_line"] == 120  # BTF line info puts slot 34 under line 120


@pytest.mark.parametrize("flags", ["tt-T", "y", "X-verbose", "v"])
def test_strace_flags_are_no_difference(flags: str, capsys: pytest.CaptureFixture[str]) -> None:
    pair = PAIRS / f"strace-flags-{flags}"
    code = main(["diff", "--format=json", str(pair / "a/load.strace.txt"), str(pair / "b/load.strace.txt")])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["equal"] is True
    assert all(s["status"] == "same" for s in doc["syscalls"])


def test_strict_shows_what_the_rules_hide(capsys: pytest.CaptureFixture[str]) -> None:
    pair = PAIRS / "same-twice"
    argv = ["diff", "--format=json", *(str(pair / side / "xdp_pairs.xlated.txt") for side in "ab")]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["hidden"] == {"map-ids": 3}
    assert main([*argv, "--strict"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["hidden"] == {}
    assert [r["classes"] for r in doc["programs"][0]["instructions"]] == [["map-ids"]] * 3


def test_ignore_hides_an_attribute(capsys: pytest.CaptureFixture[str]) -> None:
    pair = PAIRS / "max-entries"
    argv = ["diff", "--format", "json", str(pair / "a/load.strace.txt"), str(pair / "b/load.strace.txt")]
    assert main(argv) == 1
    capsys.readouterr()
    assert main([*argv, "--ignore", "BPF_MAP_CREATE.max_*"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["hidden"]["ignored"] == 1
