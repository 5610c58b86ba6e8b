"""The rules of ``bpflogs diff``: what differs between two runs of the same loader without
any change in what it asked for, hidden and counted by default, shown under ``--strict``.

``Rule`` is the one registry: each member is a rule, with its name (the string reports and
the JSON document carry), what it hides (its line in the README's rules table, in the same
order) and the inputs it applies to. A rule is a ``str`` equal to its name, so results and
documents that hold names hold rules; ``Rule.named("map-ids")`` finds one by name and
raises ``ValueError`` for a name no rule has. Adding a rule is one member here, plus the place
that applies it.

``Tally`` is what a comparison hid, rule by rule: immutable, merged with ``+``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from bpflogs.words import Word

__all__ = ["Input", "Rule", "Tally", "readme_table"]


class Input(enum.Enum):
    """What a rule looks at."""

    CALLS = "calls"  # bpf() calls of an strace log: attributes, results, line prefixes
    DUMPS = "dumps"  # instructions of dumped programs (xlated text, bpftool JSON)


_CALLS = frozenset({Input.CALLS})
_DUMPS = frozenset({Input.DUMPS})


class Rule(Word):
    """A named kind of difference the diff hides by default; the members are the registry,
    in the order the README lists them."""

    _value_: str  # the name
    hides: str  # what it hides: the README's table cell (markdown)
    inputs: frozenset[Input]  # what it applies to

    def __new__(cls, name: str, inputs: frozenset[Input], hides: str) -> Rule:
        rule = str.__new__(cls, name)
        rule._value_ = name
        rule.hides = hides
        rule.inputs = inputs
        return rule

    POINTERS = (
        "pointers", _CALLS,
        "user-space addresses (only NULL vs non-NULL is compared); `-v` contents against an address",
    )  # fmt: skip
    UNDECODED = (
        "undecoded", _CALLS,
        "a call's whole attr printed as an address by one strace (too old to decode the command, "
        "`-e raw=bpf`) and decoded by the other",
    )  # fmt: skip
    FDS = "fds", _CALLS, "fd numbers of paired objects, fd results"
    IDS = "ids", _CALLS, "kernel object ids in attributes (`prog_id`, `map_ids`, `btf_id`, `next_id`, ...)"
    MAP_IDS = "map-ids", _DUMPS, "`map[id:N]` in dumps when the maps correspond through the alignment"
    JUMP_OFFSETS = (
        "jump-offsets", _DUMPS,
        "jump/call offsets that changed only because code moved between jump and target "
        "(in the text and in the bytes)",
    )  # fmt: skip
    HELPER_ADDRESSES = (
        "helper-addresses", _DUMPS,
        "the `#N` after a helper or kfunc name (not after `call unknown`: there the number is the call)",
    )  # fmt: skip
    SUBPROG_TAGS = (
        "subprog-tags", _DUMPS,
        "the tag in `call pc+N#bpf_prog_TAG_F` (it changes whenever F's code does)",
    )  # fmt: skip
    KERNEL_ADDRESSES = "kernel-addresses", _DUMPS, "raw kernel addresses loaded by `ld_imm64`"
    TIMESTAMPS = "timestamps", _CALLS, "`-t`/`-tt`/`-ttt` times, `-T` durations, `load_time`, `run_time_ns`"
    PIDS = "pids", _CALLS, "process ids in prefixes and attributes"
    KERNEL_VERSION = "kernel-version", _CALLS, "`kern_version=KERNEL_VERSION(...)`"
    VERIFIER = (
        "verifier", _CALLS,
        "`log_buf`'s text (what a previous attempt left there; NULL against a buffer is a difference), "
        "`log_true_size`, `btf_log_true_size`, `verified_insns`: the kernel's answers. `log_level`, "
        "`log_size`, `btf_log_size` are what the loader asks for: differences",
    )  # fmt: skip
    VMLINUX_BTF_IDS = (
        "vmlinux-btf-ids", _CALLS,
        "kernel-build BTF ids (`attach_btf_id`, `btf_vmlinux_value_type_id`, `btf_vmlinux_id`, "
        "`target_btf_id`)",
    )  # fmt: skip
    HOST = (
        "host", _CALLS,
        "netns/uid (`netns_dev`, `netns_ino`, `created_by_uid`), `keyring_id`, `kprobe_multi.addrs` "
        "(KASLR moves them)",
    )  # fmt: skip
    COUNTERS = (
        "counters", _CALLS,
        "run counters (`run_cnt`, `recursion_misses`, attach-point revisions), JIT sizes "
        "(`jited_prog_len`, `nr_jited_*`)",
    )  # fmt: skip
    IN_OUT_SIZES = (
        "in-out-sizes", _CALLS,
        "sizes the kernel writes back (`info_len=256 => 232`, `prog_cnt`, `buf_len`, `xlated_prog_len`, "
        "`nr_map_ids`, ...)",
    )  # fmt: skip
    SIZE = (
        "size", _CALLS,
        "`extra_data`: attr bytes past what this strace decodes (they come with a larger `size`)",
    )  # fmt: skip
    TRUNCATED_STRINGS = (
        "truncated-strings", _CALLS, 'a string strace cut (`"..."...`) that is a prefix of the other'
    )  # fmt: skip
    ABBREVIATED_STRUCTS = (
        "abbreviated-structs", _CALLS, "members an old strace cut off with `...` (`-v` keeps them)"
    )  # fmt: skip
    ABSENT_MEMBERS = (
        "absent-members", _CALLS, "a member one strace release prints and another does not (zero)"
    )  # fmt: skip
    STRACE_VERSION = "strace-version", _CALLS, "`X => Y` against `Y`"
    FORMATTING = "formatting", _DUMPS, "the same instruction fields printed differently by another bpftool"
    SOURCE_LINES = (
        "source-lines", _DUMPS,
        "an instruction equal but for its `; source` annotation: its text, an annotation more or less, "
        "and file, line and column where both dumps show them (`linum`); an empty `; ` (clang 14) is "
        "no annotation",
    )  # fmt: skip
    IGNORED = "ignored", _CALLS, "what `--ignore` hid"

    @classmethod
    def named(cls, name: str) -> Rule:
        """The rule called ``name``; ``ValueError`` when no rule is."""
        found = cls._value2member_map_.get(name)
        if not isinstance(found, Rule):
            known = ", ".join(rule.value for rule in cls)
            raise ValueError(f"no diff rule is called {name!r} (the rules: {known})")
        return found

    @classmethod
    def applying_to(cls, source: Input) -> tuple[Rule, ...]:
        """The rules that apply to ``source``, in registry order."""
        return tuple(rule for rule in cls if source in rule.inputs)


def _inputs(rule: Rule) -> str:
    return ", ".join(source.value for source in Input if source in rule.inputs)


def readme_table() -> list[str]:
    """The README's rules table, row by row, as markdown."""
    return [
        "| rule | applies to | hides |",
        "|---|---|---|",
        *(f"| `{r.value}` | {_inputs(r)} | {r.hides} |" for r in Rule),
    ]


@dataclass(frozen=True, slots=True, eq=False)
class Tally(Mapping[Rule, int]):
    """How many differences each rule hid; immutable, ``a + b`` merges two.

    Iterates in rule-name order (the order of the JSON document's ``hidden``); a rule that
    hid nothing is not in it."""

    counts: tuple[tuple[Rule, int], ...] = ()  # (rule, count > 0), by rule name

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Tally):
            return self.counts == other.counts
        if isinstance(other, Mapping):
            return dict(self.counts) == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.counts)

    @classmethod
    def of(cls, counts: Mapping[Rule, int] | Mapping[str, int] | Iterable[str]) -> Tally:
        """A tally of ``counts``: a count per rule, or rules, each occurrence one (rules or
        their names; ``ValueError`` for a name no rule has)."""
        pairs: Iterable[tuple[str, int]] = (
            counts.items() if isinstance(counts, Mapping) else ((name, 1) for name in counts)
        )
        found: dict[Rule, int] = {}
        for name, n in pairs:
            rule = Rule.named(name)
            found[rule] = found.get(rule, 0) + n
        return cls(tuple(sorted((r, n) for r, n in found.items() if n > 0)))

    def __add__(self, other: Tally) -> Tally:
        if not other.counts:
            return self
        if not self.counts:
            return other
        merged = dict(self.counts)
        for rule, n in other.counts:
            merged[rule] = merged.get(rule, 0) + n
        return Tally(tuple(sorted(merged.items())))

    def __getitem__(self, rule: str) -> int:
        for known, n in self.counts:
            if known == rule:
                return n
        raise KeyError(rule)

    def __iter__(self) -> Iterator[Rule]:
        return (rule for rule, _ in self.counts)

    def __len__(self) -> int:
        return len(self.counts)

    def as_dict(self) -> dict[Rule, int]:
        """``{rule: count}`` in rule-name order (the JSON document's ``hidden``)."""
        return dict(self.counts)
