"""The compiled inner loops of the reach planner (Numba): Monte Carlo cascades, reverse-
reachable sets, greedy maximum coverage. Nothing here loops in Python per edge or per
simulation.

Randomness is a counter-based stream: simulation or RR set number i draws from a generator
seeded by (seed, i), so results do not depend on batching or on the number of threads.

Models (`model`): 0 = Independent Cascade, 1 = Linear Threshold (live-edge form: each node
keeps at most one in-edge, edge (u, v) with probability w(u, v), none with 1 - sum).
"""

import numpy as np
from numba import njit, prange

IC, LT = 0, 1
_MULT = np.uint64(0x2545F4914F6CDD1D)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@njit(cache=True, inline="always")
def _mix(x: np.uint64) -> np.uint64:
    """splitmix64's finaliser: a well-spread 64-bit value from any counter."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True, inline="always")
def _seed(seed: int, index: int) -> np.uint64:
    state = _mix(np.uint64(seed) * _GOLDEN + np.uint64(index) + np.uint64(1))
    return state if state != np.uint64(0) else np.uint64(1)


@njit(cache=True, inline="always")
def _next(state: np.uint64) -> np.uint64:
    """xorshift64*: the next state (the draw is derived from it by `_unit`)."""
    state ^= state >> np.uint64(12)
    state ^= state << np.uint64(25)
    state ^= state >> np.uint64(27)
    return state


@njit(cache=True, inline="always")
def _unit(state: np.uint64) -> float:
    return float((state * _MULT) >> np.uint64(11)) * _TO_UNIT


@njit(cache=True, inline="always")
def _live_in_edge(rindptr, rindices, rprob, v, r):
    """Linear Threshold's live edge into v for the draw r: the source of the in-edge whose
    weight interval holds r, or -1 (no live in-edge, with the probability the weights leave)."""
    acc = 0.0
    for f in range(rindptr[v], rindptr[v + 1]):
        acc += rprob[f]
        if r < acc:
            return rindices[f]
    return -1


@njit(cache=True)
def _cascade(
    indptr, indices, prob, rindptr, rindices, rprob, seeds, model, rng, mark, stamp, queue, choice
):
    """One cascade from `seeds`; returns (activated count, rng state)."""
    count = 0
    for s in seeds:
        if mark[s] != stamp:
            mark[s] = stamp
            queue[count] = s
            count += 1
    head = 0
    while head < count:
        u = queue[head]
        head += 1
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if mark[v] == stamp:
                continue
            if model == IC:
                rng = _next(rng)
                if _unit(rng) < prob[e]:
                    mark[v] = stamp
                    queue[count] = v
                    count += 1
            else:
                # v's one live in-edge, drawn the first time v is reached in this cascade.
                if choice[v, 1] != stamp:
                    rng = _next(rng)
                    choice[v, 0] = _live_in_edge(rindptr, rindices, rprob, v, _unit(rng))
                    choice[v, 1] = stamp
                if choice[v, 0] == u:
                    mark[v] = stamp
                    queue[count] = v
                    count += 1
    return count, rng


@njit(cache=True, parallel=True)
def simulate(indptr, indices, prob, rindptr, rindices, rprob, seeds, model, runs, seed, chunks):
    """The number of people reached in each of `runs` cascades from `seeds`."""
    n = indptr.shape[0] - 1
    out = np.zeros(runs, dtype=np.int64)
    per_chunk = (runs + chunks - 1) // chunks
    for c in prange(chunks):
        mark = np.zeros(n, dtype=np.int64)
        queue = np.empty(n, dtype=np.int64)
        choice = np.zeros((n, 2), dtype=np.int64)
        start = c * per_chunk
        stop = min(runs, start + per_chunk)
        for r in range(start, stop):
            rng = _seed(seed, r)
            count, rng = _cascade(
                indptr,
                indices,
                prob,
                rindptr,
                rindices,
                rprob,
                seeds,
                model,
                rng,
                mark,
                r + 1,
                queue,
                choice,
            )
            out[r] = count
    return out


@njit(cache=True)
def rr_sets(
    rindptr,
    rindices,
    rprob,
    model,
    seed,
    first,
    count,
    nodes_out,
    ptr_out,
    mark,
    stack,
):
    """Reverse-reachable sets number first .. first+count-1, appended to `nodes_out` (flat)
    with their boundaries in `ptr_out` (ptr_out[0] is where the first starts). Stops early
    when `nodes_out` is full; returns (sets written, nodes written)."""
    n = rindptr.shape[0] - 1
    written = ptr_out[0]
    capacity = nodes_out.shape[0]
    done = 0
    for i in range(count):
        index = first + i
        rng = _seed(seed, index)
        rng = _next(rng)
        root = np.int64(_unit(rng) * n)
        if root >= n:
            root = n - 1
        stamp = index + 1
        size = 0
        mark[root] = stamp
        stack[0] = root
        size = 1
        head = 0
        if model == IC:
            while head < size:
                v = stack[head]
                head += 1
                for f in range(rindptr[v], rindptr[v + 1]):
                    u = rindices[f]
                    if mark[u] == stamp:
                        continue
                    rng = _next(rng)
                    if _unit(rng) < rprob[f]:
                        mark[u] = stamp
                        stack[size] = u
                        size += 1
        else:
            v = root
            while True:
                rng = _next(rng)
                picked = _live_in_edge(rindptr, rindices, rprob, v, _unit(rng))
                if picked < 0 or mark[picked] == stamp:
                    break
                mark[picked] = stamp
                stack[size] = picked
                size += 1
                v = picked
        if written + size > capacity:
            break
        for j in range(size):
            nodes_out[written + j] = stack[j]
        written += size
        done += 1
        ptr_out[done] = written
    return done, written


@njit(cache=True)
def max_coverage(set_nodes, set_ptr, sets, n, k, allowed):
    """Greedy maximum coverage of the first `sets` RR sets by at most k nodes among those
    `allowed` (a boolean mask): the chosen nodes in order, and the number of sets each one
    newly covered (its marginal gain)."""
    total = set_ptr[sets]
    degree = np.zeros(n, dtype=np.int64)
    for j in range(total):
        degree[set_nodes[j]] += 1
    # node -> sets index (counting sort)
    start = np.zeros(n + 1, dtype=np.int64)
    for v in range(n):
        start[v + 1] = start[v] + degree[v]
    fill = start[:-1].copy()
    member_of = np.empty(total, dtype=np.int64)
    for s in range(sets):
        for j in range(set_ptr[s], set_ptr[s + 1]):
            v = set_nodes[j]
            member_of[fill[v]] = s
            fill[v] += 1
    covered = np.zeros(sets, dtype=np.bool_)
    chosen = np.full(k, -1, dtype=np.int64)
    gains = np.zeros(k, dtype=np.int64)
    taken = np.zeros(n, dtype=np.bool_)
    for step in range(k):
        best, best_gain = -1, -1
        for v in range(n):
            if allowed[v] and not taken[v] and degree[v] > best_gain:
                best, best_gain = v, degree[v]
        if best < 0:
            break
        chosen[step] = best
        gains[step] = best_gain
        taken[best] = True
        for j in range(start[best], start[best + 1]):
            s = member_of[j]
            if covered[s]:
                continue
            covered[s] = True
            for t in range(set_ptr[s], set_ptr[s + 1]):
                degree[set_nodes[t]] -= 1
    return chosen, gains
