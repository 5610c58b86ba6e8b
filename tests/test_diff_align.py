"""The sequence alignment: matches are real, increasing, and as many as an LCS where Myers runs."""

from __future__ import annotations

import itertools
import random

import pytest

from bpflogs.compare.align import MAX_EDIT, _myers, align, blocks, runs


def lcs_length(a: list[int], b: list[int]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def check(a: list[int], b: list[int], pairs: list[tuple[int, int]]) -> None:
    assert all(a[i] == b[j] for i, j in pairs)
    assert all(p[0] < q[0] and p[1] < q[1] for p, q in itertools.pairwise(pairs))


@pytest.mark.parametrize("seed", range(20))
def test_random_small_sequences_align_and_myers_is_optimal(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        a = [rng.randrange(3) for _ in range(rng.randrange(30))]
        b = [rng.randrange(3) for _ in range(rng.randrange(30))]
        check(a, b, align(a, b))  # patience anchors first: valid, not always the longest
        found = runs(a, b)  # the same matches as runs, adjacent ones merged
        assert [(i + k, j + k) for i, j, n in found for k in range(n)] == align(a, b)
        assert all(n > 0 for _, _, n in found)
        assert not any(p[0] + p[2] == q[0] and p[1] + p[2] == q[1] for p, q in itertools.pairwise(found))
        pairs = sorted(_myers(a, b, 0, len(a), 0, len(b)))  # the fallback is a shortest edit script
        check(a, b, pairs)
        assert len(pairs) == lcs_length(a, b)


def test_unique_anchors_keep_an_inserted_block_in_place() -> None:
    a = list(range(1000))
    b = [*a[:500], -1, -2, -3, *a[500:]]
    pairs = align(a, b)
    assert len(pairs) == 1000
    assert runs(a, b) == [(0, 0, 500), (500, 503, 500)]
    assert blocks(runs(a, b), len(a), len(b)) == [
        ("equal", 0, 500, 0, 500),
        ("replace", 500, 500, 500, 503),
        ("equal", 500, 1000, 503, 1003),
    ]


def test_a_region_beyond_the_edit_bound_stays_unmatched_instead_of_going_quadratic() -> None:
    a = [0, 1] * (MAX_EDIT * 2)
    b = [1, 0] * (MAX_EDIT * 2)
    pairs = align(a, b)
    check(a, b, pairs)


def test_scattered_edits_in_a_long_sequence() -> None:
    rng = random.Random(7)
    a = list(range(100_000))
    b = list(a)
    for _ in range(1000):
        k = rng.randrange(len(b))
        b[k] = -k - 1
    pairs = align(a, b)
    check(a, b, pairs)
    assert len(pairs) >= 99_000
    tags = [t[0] for t in blocks(runs(a, b), len(a), len(b))]
    assert tags.count("replace") <= 1000


def test_empty_sides() -> None:
    assert align([], []) == []
    assert align([1, 2], []) == []
    assert blocks([], 2, 0) == [("replace", 0, 2, 0, 0)]
    assert blocks([], 0, 0) == []


def test_a_block_repeated_many_times_aligns_on_keys_as_frequent_on_both_sides() -> None:
    # no key is unique (one block repeated 50 times), edits scattered: anchors come from
    # the keys whose counts the edits left equal, paired occurrence by occurrence
    block = list(range(40))
    a = block * 50
    b = list(a)
    rng = random.Random(3)
    for _ in range(30):
        k = rng.randrange(len(b))
        b.insert(k, 1000 + k)  # inserted keys of their own
    pairs = align(a, b)
    check(a, b, pairs)
    assert len(pairs) == len(a)  # every instruction of a found again


@pytest.mark.parametrize("seed", range(10))
def test_paired_counts_from_runs_equal_counting_one_by_one(seed: int) -> None:
    """The jump-target correspondence counts paired indexes before an index from the runs
    (by bisection); counted one by one it is the same."""
    from bpflogs.compare.programs import _Correspondence

    rng = random.Random(seed)
    a = [rng.randrange(4) for _ in range(rng.randrange(1, 80))]
    b = [rng.randrange(4) for _ in range(rng.randrange(1, 80))]
    segments = [
        (tag == "equal", i1, i2, j1, j2) for tag, i1, i2, j1, j2 in blocks(runs(a, b), len(a), len(b))
    ]
    corr = _Correspondence(segments, len(a), len(b))
    for t in range(len(a)):
        assert corr._before(t, corr._starts_a, 0) == sum(1 for p in corr.partner_a[:t] if p >= 0)
    for t in range(len(b)):
        assert corr._before(t, corr._starts_b, 1) == sum(1 for p in corr.partner_b[:t] if p >= 0)


def test_slot_index_finds_slots_by_bisection() -> None:
    from bpflogs.compare.insns import SlotIndex

    index = SlotIndex([0, 1, 2, 4, 5, 7])  # LD_IMM64s at 2 and 5
    assert [index.get(s) for s in range(9)] == [0, 1, 2, None, 3, 4, None, 5, None]
    assert index[7] == 5 and len(index) == 6 and list(index) == [0, 1, 2, 4, 5, 7]
    with pytest.raises(KeyError):
        index[3]


def test_shared_start_and_end_found_by_slices_equal_counting_item_by_item() -> None:
    from bpflogs.compare.align import _shared

    rng = random.Random(11)
    for _ in range(2000):
        a = [rng.randrange(3) for _ in range(rng.randrange(60))]
        b = a[: rng.randrange(len(a) + 1)] + [rng.randrange(3) for _ in range(rng.randrange(5))]
        start = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        assert _shared(a, b, 0, len(a), 0, len(b)) == start
        ra, rb = a[::-1], b[::-1]
        assert _shared(ra, rb, 0, len(ra), 0, len(rb), at_end=True) == start
