"""Sequence alignment that stays fast and sensible on long sequences.

Patience anchors first: keys that occur exactly once in each region pair up, the
longest increasing run of them is kept, and the gaps between anchors are aligned the
same way, recursively. A region with no unique key (a program made of one block
repeated, ``r0 = 0`` everywhere) takes as anchors the keys that occur equally often
on both sides, the k-th occurrence paired with the k-th; what is left is aligned by
Myers' O(ND) greedy algorithm, bounded in D; a region too different for that bound
stays unmatched (the caller decides how to pair what is left). Common prefixes and
suffixes are matched before anything else, so near-identical inputs cost O(N).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Iterator, Sequence
from itertools import compress, islice
from operator import itemgetter, lt

__all__ = ["MAX_EDIT", "Block", "Run", "align", "blocks", "runs"]

MAX_EDIT = 400  # Myers gives up on a region needing more edits than this

Block = tuple[str, int, int, int, int]  # (tag, a_lo, a_hi, b_lo, b_hi); tag "equal" | "replace"


Run = tuple[int, int, int]  # (i, j, n): a[i + k] == b[j + k] for k < n


def runs(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Run]:
    """The matches as runs ``(i, j, n)``, increasing in both, adjacent runs merged."""
    found: list[Run] = []
    stack = [(0, len(a), 0, len(b))]
    while stack:
        alo, ahi, blo, bhi = stack.pop()
        n = _shared(a, b, alo, ahi, blo, bhi)
        if n:
            found.append((alo, blo, n))
            alo, blo = alo + n, blo + n
        n = _shared(a, b, alo, ahi, blo, bhi, at_end=True)
        if n:
            ahi, bhi = ahi - n, bhi - n
            found.append((ahi, bhi, n))
        if alo >= ahi or blo >= bhi:
            continue
        anchors = _patience(a, b, alo, ahi, blo, bhi)
        if anchors:
            i0, j0 = alo, blo
            for i, j in anchors:
                found.append((i, j, 1))
                if i > i0 and j > j0:  # a region empty on one side has nothing to match
                    stack.append((i0, i, j0, j))
                i0, j0 = i + 1, j + 1
            if ahi > i0 and bhi > j0:
                stack.append((i0, ahi, j0, bhi))
        else:
            found.extend((i, j, 1) for i, j in _myers(a, b, alo, ahi, blo, bhi))
    found.sort()
    out: list[Run] = []
    for i, j, n in found:
        if out and out[-1][0] + out[-1][2] == i and out[-1][1] + out[-1][2] == j:
            pi, pj, pn = out[-1]
            out[-1] = (pi, pj, pn + n)
        else:
            out.append((i, j, n))
    return out


def align(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)`` with ``a[i] == b[j]``, increasing in both."""
    return [(i + k, j + k) for i, j, n in runs(a, b) for k in range(n)]


def blocks(matched: list[Run], n: int, m: int) -> list[Block]:
    """The matched runs as blocks: ``equal`` runs and the ``replace`` gaps between them
    (a gap may be empty on one side: a pure insert or delete)."""
    out: list[Block] = []
    i = j = 0
    for pi, pj, run in matched:
        if pi > i or pj > j:
            out.append(("replace", i, pi, j, pj))
        out.append(("equal", pi, pi + run, pj, pj + run))
        i, j = pi + run, pj + run
    if i < n or j < m:
        out.append(("replace", i, n, j, m))
    return out


def _shared(a: Sequence[Hashable], b: Sequence[Hashable], alo: int, ahi: int, blo: int, bhi: int,
            at_end: bool = False) -> int:  # fmt: skip
    """How many items the two regions share from their start (or, ``at_end``, at their end):
    slices compared at C speed, in growing steps, then halving."""
    limit = min(ahi - alo, bhi - blo)
    n, step = 0, 8
    while n < limit:
        k = min(step, limit - n)
        if at_end:
            same = a[ahi - n - k : ahi - n] == b[bhi - n - k : bhi - n]
        else:
            same = a[alo + n : alo + n + k] == b[blo + n : blo + n + k]
        if same:
            n += k
            step *= 2
        elif k == 1:
            break
        else:
            step = max(1, k // 2)
    return n


def _patience(
    a: Sequence[Hashable], b: Sequence[Hashable], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Keys unique in both regions, paired, then the longest run increasing in both; with
    none, keys as often in one region as in the other, their occurrences paired in order."""
    in_a, in_b = a[alo:ahi], b[blo:bhi]
    count_a, count_b = Counter(in_a), Counter(in_b)
    once = {key for key, n in count_a.items() if n == 1 and count_b.get(key) == 1}
    keys = once or {key for key, n in count_a.items() if count_b.get(key) == n}
    if not keys:
        return []
    return _lis(_occurrences_paired(a, b, in_a, in_b, alo, blo, keys))


def _occurrences_paired(a: Sequence[Hashable], b: Sequence[Hashable], in_a: Sequence[Hashable],
                        in_b: Sequence[Hashable], alo: int, blo: int,
                        keys: set[Hashable]) -> list[tuple[int, int]]:  # fmt: skip
    """The occurrences of ``keys`` (as many in a's region as in b's), the k-th of a key in
    a paired with its k-th in b, in a's order. Every step runs at C speed."""
    rank = {key: n for n, key in enumerate(keys)}  # keys need not be orderable: their ranks are
    at_a = list(compress(range(alo, alo + len(in_a)), map(keys.__contains__, in_a)))
    at_b = list(compress(range(blo, blo + len(in_b)), map(keys.__contains__, in_b)))
    partner = dict(zip(_by_key(a, at_a, rank), _by_key(b, at_b, rank), strict=True))
    return list(zip(at_a, map(partner.__getitem__, at_a), strict=True))


def _by_key(seq: Sequence[Hashable], at: list[int], rank: dict[Hashable, int]) -> Iterator[int]:
    """The positions ``at`` sorted by (rank of their key, position): each key's in order."""
    ranks = map(rank.__getitem__, map(seq.__getitem__, at))
    return map(itemgetter(1), sorted(zip(ranks, at, strict=True)))


def _lis(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest subsequence of ``pairs`` (sorted by i) whose j increase too."""
    js = list(map(itemgetter(1), pairs))
    if all(map(lt, js, islice(js, 1, None))):  # already increasing (near-identical inputs)
        return pairs
    tails: list[int] = []  # smallest j ending a run of each length
    tail_at: list[int] = []  # index into pairs of that end
    back = [-1] * len(pairs)
    for k, j in enumerate(js):
        pos = bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[pos] = j
            tail_at[pos] = k
        back[k] = tail_at[pos - 1] if pos else -1
    out = []
    k = tail_at[-1]
    while k >= 0:
        out.append(pairs[k])
        k = back[k]
    out.reverse()
    return out


def _myers(
    a: Sequence[Hashable], b: Sequence[Hashable], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Matches of a shortest edit script of the two regions, or none past MAX_EDIT edits."""
    n, m = ahi - alo, bhi - blo
    offset = n + m + 1
    v = [0] * (2 * offset + 1)
    trace: list[list[int]] = []
    for d in range(min(n + m, MAX_EDIT) + 1):
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[offset + k - 1] < v[offset + k + 1]):
                x = v[offset + k + 1]
            else:
                x = v[offset + k - 1] + 1
            y = x - k
            while x < n and y < m and a[alo + x] == b[blo + y]:
                x += 1
                y += 1
            v[offset + k] = x
            if x >= n and y >= m:
                trace.append(v[offset - d : offset + d + 1])
                return _backtrack(trace, a, b, alo, blo, n, m)
        trace.append(v[offset - d : offset + d + 1])
    return []


def _backtrack(
    trace: list[list[int]], a: Sequence[Hashable], b: Sequence[Hashable], alo: int, blo: int, n: int, m: int
) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    x, y = n, m
    for d in range(len(trace) - 1, -1, -1):
        k = x - y
        if d == 0:
            prev_x = prev_y = 0
        else:
            prev = trace[d - 1]  # holds k in [-(d-1), d-1] at index k + d - 1
            down = k == -d or (k != d and prev[k - 1 + d - 1] < prev[k + 1 + d - 1])
            prev_k = k + 1 if down else k - 1
            prev_x = prev[prev_k + d - 1]
            prev_y = prev_x - prev_k
        while x > prev_x and y > prev_y:
            x -= 1
            y -= 1
            out.append((alo + x, blo + y))
        x, y = prev_x, prev_y
    return out
