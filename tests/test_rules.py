"""The rules registry (bpflogs/rules.py): one entry per rule, the README's table, what each
comparison hid (a Tally) and where it is applied."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

import bpflogs
from bpflogs import schema
from bpflogs.compare.result import InsnRow, Op
from bpflogs.rules import Input, Rule, Tally, readme_table

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "bpflogs"
MIXED = REPO / "corpus" / "mixed" / "xdp_load_and_dump.txt"


# ------------------------------------------------------------------------------ the registry


def test_readme_table_is_the_registry() -> None:
    lines = (REPO / "README.md").read_text().splitlines()
    head = lines.index("| rule | applies to | hides |")
    end = lines.index("", head)
    assert lines[head:end] == readme_table()
    rows = [re.fullmatch(r"\| `([a-z-]+)` \| ([a-z, ]+) \| (.+) \|", line) for line in lines[head + 2 : end]]
    assert all(rows), "every row names one rule"
    assert [(m[1], m[2], m[3]) for m in rows if m] == [
        (rule.value, ", ".join(i.value for i in Input if i in rule.inputs), rule.hides) for rule in Rule
    ]


def test_a_rule_is_its_name() -> None:
    rule = Rule.MAP_IDS
    assert rule == "map-ids" and hash(rule) == hash("map-ids") and {"map-ids": 1}[rule] == 1
    assert (str(rule), f"{rule}", "".join([rule])) == ("map-ids", "map-ids", "map-ids")
    assert f"{rule:>9}|{rule!s}" == "  map-ids|map-ids"
    assert json.dumps({rule: [rule]}) == '{"map-ids": ["map-ids"]}'
    assert json.dumps({rule: [rule]}, indent=1) == '{\n "map-ids": [\n  "map-ids"\n ]\n}'
    assert Rule.named("map-ids") is rule and Rule.named(rule) is rule


def test_an_unknown_name_is_no_rule() -> None:
    with pytest.raises(ValueError, match="no diff rule is called 'map-id'"):
        Rule.named("map-id")
    with pytest.raises(ValueError, match="no diff rule"):
        Tally.of(["pointers", "pointer"])
    with pytest.raises(AttributeError):
        Rule.MAP_ID  # type: ignore[attr-defined]  # noqa: B018


def test_every_rule_is_named_described_and_applies_somewhere() -> None:
    names = [rule.value for rule in Rule]
    assert len(set(names)) == len(names)
    for rule in Rule:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.value), rule
        assert rule.name == rule.value.upper().replace("-", "_"), rule
        assert rule.hides.strip() == rule.hides and rule.hides and "|" not in rule.hides, rule
        assert rule.inputs and rule.inputs <= set(Input), rule
    assert Rule.applying_to(Input.DUMPS) == (
        Rule.MAP_IDS, Rule.JUMP_OFFSETS, Rule.HELPER_ADDRESSES, Rule.SUBPROG_TAGS,
        Rule.KERNEL_ADDRESSES, Rule.FORMATTING, Rule.SOURCE_LINES,
    )  # fmt: skip
    assert set(Rule.applying_to(Input.CALLS)) == set(Rule) - set(Rule.applying_to(Input.DUMPS))


def test_every_rule_is_applied_somewhere() -> None:
    # a rule in the registry that no code refers to would be documented and never apply
    sources = "\n".join(p.read_text() for p in PACKAGE.rglob("*.py") if p.name != "rules.py")
    unused = [rule for rule in Rule if not re.search(rf"\bRule\.{rule.name}\b", sources)]
    assert unused == []


def _specs(specs: tuple[schema.FieldSpec, ...]) -> list[schema.FieldSpec]:
    out = []
    for spec in specs:
        out.append(spec)
        out.extend(_specs(spec.fields))
        if spec.item is not None:
            out.extend(_specs((spec.item,)))
    return out


def test_schema_rules_are_registry_rules_for_calls() -> None:
    specs = _specs(
        (*(f for c in schema.COMMANDS.values() for f in c.fields), *schema.PROG_INFO, *schema.MAP_INFO,
         schema.EXTRA_DATA, schema.SIZE_ARGUMENT)
    )  # fmt: skip
    rules = {spec.rule for spec in specs if spec.rule is not None}
    assert rules and all(type(rule) is Rule and Input.CALLS in rule.inputs for rule in rules)
    assert {Rule.POINTERS, Rule.FDS, Rule.IDS, Rule.HOST, Rule.COUNTERS, Rule.SIZE} <= rules


# ----------------------------------------------------------------------------------- Tally


def test_tally_counts_merges_and_is_immutable() -> None:
    empty = Tally()
    assert not empty and empty.as_dict() == {} and empty + empty == empty
    a = Tally.of([Rule.PIDS, Rule.FDS, Rule.PIDS])
    b = Tally.of({"fds": 2, "map-ids": 1, "timestamps": 0})
    both = a + b
    assert list(both) == [Rule.FDS, Rule.MAP_IDS, Rule.PIDS]  # by name: the JSON's order
    assert both.as_dict() == {"fds": 3, "map-ids": 1, "pids": 2} == both
    assert both["fds"] == 3 and both[Rule.PIDS] == 2 and "timestamps" not in both and len(both) == 3
    assert (a, b) == (Tally.of({"pids": 2, "fds": 1}), Tally.of([Rule.FDS, Rule.FDS, Rule.MAP_IDS]))
    assert a + empty is a and empty + a is a and hash(a) == hash(Tally.of(["fds", "pids", "pids"]))
    assert [type(k) for k in both.as_dict()] == [Rule] * 3
    with pytest.raises(KeyError):
        both["timestamps"]
    with pytest.raises(AttributeError):
        both.counts = ()  # type: ignore[misc]


# -------------------------------------------------------------------- what the diff hid


def _shifted(tmp_path: Path) -> Path:
    """The mixed capture of calls and a dump, run again: other pointers, other map ids."""
    text = MIXED.read_text()
    text = re.sub(r"map\[id:(\d+)\]", lambda m: f"map[id:{int(m[1]) + 100}]", text)
    text = text.replace("0x7ffd", "0x7ffe")
    path = tmp_path / "b.txt"
    path.write_text(text)
    return path


def test_hidden_is_what_the_calls_and_the_programs_hid(tmp_path: Path) -> None:
    result = bpflogs.diff(MIXED, _shifted(tmp_path))
    assert result.equal
    listed = Counter(c.rule for call in result.syscalls for c in call.changes if c.hidden and c.rule)
    rows = Counter(
        rule
        for program in result.programs
        for row in program.rows
        if isinstance(row, InsnRow) and row.op is Op.EQUAL
        for rule in row.hidden
    )
    assert listed["pointers"] > 0 and rows["map-ids"] == 22
    # the programs' rows are all listed; the calls' too, but for the pairs of probes that
    # compare the same (counted, not listed)
    assert set(result.hidden) == set(listed) | set(rows) and list(result.hidden) == sorted(result.hidden)
    assert {r: n for r, n in result.hidden.items() if r in rows} == rows
    assert all(result.hidden[r] >= n for r, n in listed.items())
    assert result.hidden["pointers"] > listed["pointers"] and result.probes and result.probes.a > 0
    assert all(type(k) is Rule for k in result.hidden)
    # each rule applies to the input it was found in
    assert {Rule.named(r).inputs for r in listed} == {frozenset({Input.CALLS})}
    assert {Rule.named(r).inputs for r in rows} == {frozenset({Input.DUMPS})}


def test_strict_hides_nothing_and_lists_the_rules(tmp_path: Path) -> None:
    result = bpflogs.diff(MIXED, _shifted(tmp_path), strict=True)
    assert not result.equal and result.hidden == {}
    classes = {c for p in result.programs for r in p.rows if isinstance(r, InsnRow) for c in r.classes}
    assert "map-ids" in classes
    assert any(c.rule == "pointers" and not c.hidden for call in result.syscalls for c in call.changes)


def test_counted_only_differences_are_tallied_per_call(tmp_path: Path) -> None:
    # pids and times are no attribute: never listed, only counted (one per differing call)
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    line = 'bpf(BPF_MAP_FREEZE, {map_fd=3}, 4) = 0 <0.00001{}>\n'
    a.write_text("".join(f"100 10:00:0{k}.000000 " + line.replace("{}", str(k)) for k in range(3)))
    b.write_text("".join(f"200 10:00:0{k}.500000 " + line.replace("{}", str(k + 1)) for k in range(3)))
    result = bpflogs.diff(a, b)
    assert result.equal and result.hidden == {"pids": 3, "timestamps": 6}
    assert all(call.changes == () for call in result.syscalls)
    strict = bpflogs.diff(a, b, strict=True)
    assert strict.hidden == {}
    assert [c.path for c in strict.syscalls[0].changes] == ["<pid>", "<time>", "<duration>"]
