"""Exact expected spread on tiny graphs, by enumerating every live-edge graph: the reference
the Monte Carlo estimate and the optimiser are checked against in tests."""

import itertools

import numpy as np

from essaim.reach.graph import Graph
from essaim.reach.probabilities import Probabilities, for_linear_threshold, per_edge

MAX_EDGES_IC = 16
MAX_WORLDS_LT = 200_000


def _reached(graph_edges: list[tuple[int, int]], n: int, seeds: set[int]) -> int:
    out: list[list[int]] = [[] for _ in range(n)]
    for u, v in graph_edges:
        out[u].append(v)
    seen, stack = set(seeds), list(seeds)
    while stack:
        u = stack.pop()
        for v in out[u]:
            if v not in seen:
                seen.add(v)
                stack.append(v)
    return len(seen)


def spread(graph: Graph, prob: Probabilities, seeds: list[int], *, model: str = "ic") -> float:
    prob = per_edge(graph, prob)
    src, dst = graph.sources(), graph.indices
    edges = list(zip(src.tolist(), dst.tolist(), strict=True))
    chosen = set(int(s) for s in seeds)
    total = 0.0
    if model == "ic":
        if len(edges) > MAX_EDGES_IC:
            raise ValueError("too many edges to enumerate")
        for alive in itertools.product((False, True), repeat=len(edges)):
            weight = 1.0
            live = []
            for (edge, p), on in zip(zip(edges, prob.tolist(), strict=True), alive, strict=True):
                weight *= p if on else 1.0 - p
                if on:
                    live.append(edge)
            if weight:
                total += weight * _reached(live, graph.n, chosen)
        return total
    weights = for_linear_threshold(graph, prob)
    # Each node keeps one of its in-edges (with its weight) or none (with what is left).
    options: list[list[tuple[int, float]]] = []
    for v in range(graph.n):
        ins = [(int(f), float(weights[f])) for f in np.flatnonzero(dst == v)]
        options.append([(-1, max(0.0, 1.0 - sum(w for _f, w in ins))), *ins])
    worlds = 1
    for option in options:
        worlds *= len(option)
    if worlds > MAX_WORLDS_LT:
        raise ValueError("too many worlds to enumerate")
    for pick in itertools.product(*options):
        weight = 1.0
        live = []
        for edge_index, w in pick:
            weight *= w
            if edge_index >= 0:
                live.append(edges[edge_index])
        if weight:
            total += weight * _reached(live, graph.n, chosen)
    return total


def greedy(
    graph: Graph, prob: Probabilities, k: int, *, model: str = "ic"
) -> tuple[list[int], float]:
    """Greedy with exact spreads: the (1 - 1/e) baseline on graphs small enough."""
    chosen: list[int] = []
    best = 0.0
    for _step in range(k):
        options = [
            (spread(graph, prob, [*chosen, v], model=model), v)
            for v in range(graph.n)
            if v not in chosen
        ]
        if not options:
            break
        best, v = max(options, key=lambda pair: (pair[0], -pair[1]))
        chosen.append(v)
    return chosen, best
