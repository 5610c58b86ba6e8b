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
from collections.abc import Hashable, Sequence

__all__ = ["MAX_EDIT", "Block", "align", "blocks"]

MAX_EDIT = 400  # Myers gives up on a region needing more edits than this

Block = tuple[str, int, int, int, int]  # (tag, a_lo, a_hi, b_lo, b_hi); tag "equal" | "replace"


def align(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)`` with ``a[i] == b[j]``, increasing in both."""
    out: list[tuple[int, int]] = []
    stack = [(0, len(a), 0, len(b))]
    while stack:
        alo, ahi, blo, bhi = stack.pop()
        while alo < ahi and blo < bhi and a[alo] == b[blo]:
            out.append((alo, blo))
            alo += 1
            blo += 1
        while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
            ahi -= 1
            bhi -= 1
            out.append((ahi, bhi))
        if alo >= ahi or blo >= bhi:
            continue
        anchors = _patience(a, b, alo, ahi, blo, bhi)
        if anchors:
            out.extend(anchors)
            i0, j0 = alo, blo
            for i, j in anchors:
                stack.append((i0, i, j0, j))
                i0, j0 = i + 1, j + 1
            stack.append((i0, ahi, j0, bhi))
        else:
            out.extend(_myers(a, b, alo, ahi, blo, bhi))
    out.sort()
    return out


def blocks(pairs: list[tuple[int, int]], n: int, m: int) -> list[Block]:
    """The matched pairs as runs: ``equal`` runs and the ``replace`` gaps between them
    (a gap may be empty on one side: a pure insert or delete)."""
    out: list[Block] = []
    i = j = 0
    k = 0
    while k < len(pairs):
        pi, pj = pairs[k]
        if pi > i or pj > j:
            out.append(("replace", i, pi, j, pj))
        run = 1
        while k + run < len(pairs) and pairs[k + run] == (pi + run, pj + run):
            run += 1
        out.append(("equal", pi, pi + run, pj, pj + run))
        i, j = pi + run, pj + run
        k += run
    if i < n or j < m:
        out.append(("replace", i, n, j, m))
    return out


def _patience(
    a: Sequence[Hashable], b: Sequence[Hashable], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Keys unique in both regions, paired, then the longest run increasing in both."""
    seen_a: dict[Hashable, int] = {}
    for i in range(alo, ahi):
        key = a[i]
        seen_a[key] = -1 if key in seen_a else i
    seen_b: dict[Hashable, int] = {}
    for j in range(blo, bhi):
        key = b[j]
        if key in seen_a and seen_a[key] >= 0:
            seen_b[key] = -1 if key in seen_b else j
    pairs = sorted((seen_a[k], j) for k, j in seen_b.items() if j >= 0)
    if not pairs:
        pairs = _equal_counts(a, b, alo, ahi, blo, bhi)
        if not pairs:
            return []
    return _lis(pairs)


def _equal_counts(
    a: Sequence[Hashable], b: Sequence[Hashable], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Keys as often in one region as in the other, their occurrences paired in order."""
    where_a: dict[Hashable, list[int]] = {}
    for i in range(alo, ahi):
        where_a.setdefault(a[i], []).append(i)
    where_b: dict[Hashable, list[int]] = {}
    for j in range(blo, bhi):
        key = b[j]
        if key in where_a:
            where_b.setdefault(key, []).append(j)
    pairs = [
        pair
        for key, js in where_b.items()
        if len(js) == len(where_a[key])
        for pair in zip(where_a[key], js, strict=True)
    ]
    pairs.sort()
    return pairs


def _lis(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest subsequence of ``pairs`` (sorted by i) whose j increase too."""
    tails: list[int] = []  # smallest j ending a run of each length
    tail_at: list[int] = []  # index into pairs of that end
    back = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
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
