"""The compiled inner loops of the reach planner (Numba): Monte Carlo cascades, reverse-
reachable sets, greedy maximum coverage. Nothing here loops in Python per edge or per
simulation.

Randomness is a counter-based stream: simulation or RR set number i draws from a generator
seeded by (seed, i), so results do not depend on batching or on the number of threads. The
parallel loops (`prange`) split work into chunks whose results are put back in index order,
and their sums are of integers: the same question gets the same answer on 1 core or 8.

Models (`model`): 0 = Independent Cascade, 1 = Linear Threshold (live-edge form: each node
keeps at most one in-edge, edge (u, v) with probability w(u, v), none with 1 - sum).
"""

import numpy as np
from numba import get_num_threads, njit, prange

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
def simulate(
    indptr, indices, prob, rindptr, rindices, rprob, seeds, model, runs, seed, chunks, first
):
    """The number of people reached in cascades number first .. first+runs-1 from `seeds`."""
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
            rng = _seed(seed, first + r)
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
                first + r + 1,
                queue,
                choice,
            )
            out[r] = count
    return out


@njit(cache=True)
def _one_rr(rindptr, rindices, rprob, rconst, model, seed, index, mark, stack):
    """Reverse-reachable set number `index` into stack[:size] (its nodes marked); returns
    size. Under IC, a node whose in-edges all have the same probability p draws its live
    in-edges by geometric jumps (subset sampling, Guo et al. 2020): about 1 + p·d draws
    instead of d — weighted cascade's case, where p = 1/d."""
    n = rindptr.shape[0] - 1
    rng = _seed(seed, index)
    rng = _next(rng)
    root = np.int64(_unit(rng) * n)
    if root >= n:
        root = n - 1
    mark[root] = True
    stack[0] = root
    size = 1
    head = 0
    if model == IC:
        while head < size:
            v = stack[head]
            head += 1
            lo, hi = rindptr[v], rindptr[v + 1]
            p = rconst[v]
            if p >= 1.0:
                for f in range(lo, hi):
                    u = rindices[f]
                    if not mark[u]:
                        mark[u] = True
                        stack[size] = u
                        size += 1
            elif p > 0.0:
                log_q = np.log1p(-np.float64(p))
                f = lo - 1
                while True:
                    rng = _next(rng)
                    f += 1 + np.int64(np.log(1.0 - _unit(rng)) / log_q)
                    if f >= hi:
                        break
                    u = rindices[f]
                    if not mark[u]:
                        mark[u] = True
                        stack[size] = u
                        size += 1
            elif p < 0.0:
                for f in range(lo, hi):
                    u = rindices[f]
                    if mark[u]:
                        continue
                    rng = _next(rng)
                    if _unit(rng) < rprob[f]:
                        mark[u] = True
                        stack[size] = u
                        size += 1
    else:
        v = root
        while True:
            rng = _next(rng)
            picked = _live_in_edge(rindptr, rindices, rprob, v, _unit(rng))
            if picked < 0 or mark[picked]:
                break
            mark[picked] = True
            stack[size] = picked
            size += 1
            v = picked
    return size


@njit(cache=True, parallel=True)
def rr_batch(rindptr, rindices, rprob, rconst, model, seed, first, count, chunks, capacity):
    """Reverse-reachable sets number first, first+1, …: (their nodes, flat int32; their
    sizes). Each of `chunks` chunks writes at most `capacity` nodes; a chunk that would
    overflow stops, and only the sets before the first one missing are returned (the caller
    asks again for the rest), so the result never depends on how the work was split."""
    n = rindptr.shape[0] - 1
    per = (count + chunks - 1) // chunks
    buffer = np.empty(chunks * capacity, dtype=np.int32)
    sizes = np.full(count, -1, dtype=np.int64)
    for c in prange(chunks):
        mark = np.zeros(n, dtype=np.bool_)
        stack = np.empty(n, dtype=np.int32)
        base = c * capacity
        used = 0
        for i in range(c * per, min(count, (c + 1) * per)):
            size = _one_rr(rindptr, rindices, rprob, rconst, model, seed, first + i, mark, stack)
            for j in range(size):
                mark[stack[j]] = False
            if used + size > capacity:
                break
            buffer[base + used : base + used + size] = stack[:size]
            used += size
            sizes[i] = size
    done = 0
    while done < count and sizes[done] >= 0:
        done += 1
    total = 0
    for i in range(done):
        total += sizes[i]
    nodes = np.empty(total, dtype=np.int32)
    position = 0
    for c in range(chunks):
        lo = c * per
        hi = min(done, (c + 1) * per)
        if hi <= lo:
            break
        length = 0
        for i in range(lo, hi):
            length += sizes[i]
        nodes[position : position + length] = buffer[c * capacity : c * capacity + length]
        position += length
    return nodes, sizes[:done].copy()


@njit(cache=True, inline="always")
def _before(gain_a, node_a, gain_b, node_b):
    """The order of the greedy's queue: larger gain first, then smaller node number."""
    return gain_a > gain_b or (gain_a == gain_b and node_a < node_b)


@njit(cache=True)
def _push(gain, node, size, value, v):
    i = size
    gain[i], node[i] = value, v
    while i > 0:
        parent = (i - 1) // 2
        if not _before(gain[i], node[i], gain[parent], node[parent]):
            break
        gain[i], gain[parent] = gain[parent], gain[i]
        node[i], node[parent] = node[parent], node[i]
        i = parent
    return size + 1


@njit(cache=True)
def _pop(gain, node, size):
    """Removes the top (read it before); returns the new size."""
    size -= 1
    gain[0], node[0] = gain[size], node[size]
    i = 0
    while True:
        left = 2 * i + 1
        top = i
        if left < size and _before(gain[left], node[left], gain[top], node[top]):
            top = left
        if left + 1 < size and _before(gain[left + 1], node[left + 1], gain[top], node[top]):
            top = left + 1
        if top == i:
            break
        gain[i], gain[top] = gain[top], gain[i]
        node[i], node[top] = node[top], node[i]
        i = top
    return size


@njit(cache=True)
def max_coverage(set_nodes, set_ptr, sets, n, k, allowed):
    """Greedy maximum coverage of the first `sets` RR sets by at most k nodes among those
    `allowed` (a boolean mask): the chosen nodes in order, the number of sets each one newly
    covered (its marginal gain), and an upper bound on the best coverage any k allowed nodes
    reach — min over i of (coverage of the first i chosen + the k largest marginal coverages
    left), the bound OPIM-C uses (Tang et al. 2018), tighter than greedy's / (1 - 1/e).

    Marginal coverages only decrease, so a lazy queue (CELF) finds the largest one and the
    k largest without scanning every node at each step; ties go to the smaller node number."""
    total = set_ptr[sets]
    degree = np.zeros(n, dtype=np.int32)
    for j in range(total):
        degree[set_nodes[j]] += 1
    # node -> sets holding it (counting sort)
    start = np.zeros(n + 1, dtype=np.int64)
    touched = 0
    for v in range(n):
        start[v + 1] = start[v] + degree[v]
        if degree[v] > 0 and allowed[v]:
            touched += 1
    fill = start[:-1].copy()
    member_of = np.empty(total, dtype=np.int32)
    for s in range(sets):
        for j in range(set_ptr[s], set_ptr[s + 1]):
            v = set_nodes[j]
            member_of[fill[v]] = s
            fill[v] += 1
    queue_gain = np.empty(touched, dtype=np.int64)
    queue_node = np.empty(touched, dtype=np.int32)
    size = 0
    for v in range(n):
        if degree[v] > 0 and allowed[v]:
            size = _push(queue_gain, queue_node, size, degree[v], v)
    covered = np.zeros(sets, dtype=np.bool_)
    chosen = np.full(k, -1, dtype=np.int64)
    gains = np.zeros(k, dtype=np.int64)
    taken = np.zeros(n, dtype=np.bool_)
    held_gain = np.empty(k, dtype=np.int64)
    held_node = np.empty(k, dtype=np.int32)
    upper = np.int64(sets)
    so_far = np.int64(0)
    for step in range(k + 1):
        # The k largest current marginal coverages, taken off the queue and put back.
        held = 0
        while held < k and size > 0:
            g, v = queue_gain[0], queue_node[0]
            size = _pop(queue_gain, queue_node, size)
            if degree[v] != g:
                if degree[v] > 0:
                    size = _push(queue_gain, queue_node, size, degree[v], v)
                continue
            held_gain[held], held_node[held] = g, v
            held += 1
        bound = so_far
        for i in range(held):
            bound += held_gain[i]
        if bound < upper:
            upper = bound
        if step == k:
            break
        if held > 0:
            best, best_gain = held_node[0], held_gain[0]
            for i in range(1, held):
                size = _push(queue_gain, queue_node, size, held_gain[i], held_node[i])
        else:
            # Every set is covered: any allowed node adds nothing; take the first ones.
            best, best_gain = -1, 0
            for v in range(n):
                if allowed[v] and not taken[v]:
                    best = v
                    break
            if best < 0:
                break
        chosen[step] = best
        gains[step] = best_gain
        so_far += best_gain
        taken[best] = True
        for j in range(start[best], start[best + 1]):
            s = member_of[j]
            if covered[s]:
                continue
            covered[s] = True
            for i in range(set_ptr[s], set_ptr[s + 1]):
                degree[set_nodes[i]] -= 1
    return chosen, gains, upper


@njit(cache=True, parallel=True)
def prefix_coverage(set_nodes, set_ptr, sets, rank, k, chunks):
    """How many of the first `sets` RR sets hold one of the first i chosen nodes, for
    i = 1..k (`rank[v]` is v's place among the chosen, k for the others)."""
    per = (sets + chunks - 1) // chunks
    counts = np.zeros((chunks, k + 1), dtype=np.int64)
    for c in prange(chunks):
        for s in range(c * per, min(sets, (c + 1) * per)):
            best = k
            for j in range(set_ptr[s], set_ptr[s + 1]):
                r = rank[set_nodes[j]]
                if r < best:
                    best = r
            counts[c, best] += 1
    out = np.zeros(k, dtype=np.int64)
    running = 0
    for i in range(k):
        for c in range(chunks):
            running += counts[c, i]
        out[i] = running
    return out


def threads() -> int:
    return int(get_num_threads())
