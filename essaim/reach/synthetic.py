"""A deterministic synthetic follower graph shaped like real ones, by the copying model
(Kleinberg et al. 1999; Kumar et al. 2000): a newcomer picks someone who is already there,
often follows them, and copies part of the list of accounts they follow, the rest chosen at
random. Being copied is proportional to one's audience, so audiences are heavy-tailed (a few
creators with very large followings), numbers of accounts followed are heavy-tailed too, and
following someone together with the accounts they follow closes triangles (clustering); a
quarter of follows are returned (reciprocity, as on real networks)."""

import numpy as np
from numba import njit

from essaim.reach.graph import Graph, from_edges


@njit(cache=True)
def _follows(n, mean_follows, copy, back, seed, cap):
    np.random.seed(seed)
    alpha = 2.2  # numbers of accounts followed: Pareto(2.2), scaled to the wanted mean
    scale = mean_follows * (alpha - 1) / alpha
    wanted = np.empty(n, dtype=np.int64)
    total = 0
    for t in range(n):
        draw = scale * (1.0 - np.random.random()) ** (-1.0 / alpha)
        count = min(cap, max(1, int(draw)), t)
        wanted[t] = count
        total += count
    follower = np.empty(total, dtype=np.int64)
    followed = np.empty(total, dtype=np.int64)
    start = np.zeros(n + 1, dtype=np.int64)
    edges = 0
    for t in range(n):
        start[t] = edges
        if t > 0:
            model = np.random.randint(0, t)
            first, last = start[model], start[model + 1]
            for j in range(wanted[t]):
                if j == 0 and np.random.random() < 0.5:
                    target = model
                elif first + j < last and np.random.random() < copy:
                    target = followed[first + j]
                else:
                    target = np.random.randint(0, t)
                follower[edges] = t
                followed[edges] = target
                edges += 1
        start[t + 1] = edges
    # Some follow back: influence then flows both ways, with cycles, as in real graphs.
    keep = np.random.random(edges) < back
    return (
        np.concatenate((follower[:edges], followed[:edges][keep])),
        np.concatenate((followed[:edges], follower[:edges][keep])),
    )


def social_graph(
    n: int, edges: int, *, seed: int = 0, copy: float = 0.7, back: float = 0.25
) -> Graph:
    """About `edges` follows among `n` people; influence flows from the followed to the
    follower. The same arguments always give the same graph."""
    # Asked a little above the target: repeated follows are merged away.
    follower, followed = _follows(
        n, 1.08 * edges / n / (1 + back), copy, back, seed, max(50, n // 20)
    )
    return from_edges(np.arange(n, dtype=np.int64), followed, follower)
