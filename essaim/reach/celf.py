"""The classic baseline: greedy with Monte Carlo estimates and lazy re-evaluation (CELF,
Leskovec et al., KDD 2007). Far slower than IMM; the benchmark runs it on a small graph to
measure how much faster IMM is, and how close its answer comes."""

import heapq
import time
from dataclasses import dataclass

import numpy as np

from essaim.reach import estimate
from essaim.reach.graph import Graph
from essaim.reach.probabilities import Probabilities


@dataclass
class Greedy:
    nodes: list[int]
    spreads: list[float]  # estimated spread after each pick
    seconds_at: list[float]  # time when each pick was made
    estimates: int


def celf(
    graph: Graph, prob: Probabilities, k: int, *, model: str = "ic", runs: int = 1000, seed: int = 0
) -> Greedy:
    started = time.perf_counter()
    calls = 0

    def spread(nodes: list[int]) -> float:
        nonlocal calls
        calls += 1
        sims = estimate.simulate(graph, prob, np.array(nodes), model=model, runs=runs, seed=seed)
        return float(sims.mean())

    # (negative gain, node, the round its gain was computed in)
    heap = [(-spread([v]), v, 0) for v in range(graph.n)]
    heapq.heapify(heap)
    chosen: list[int] = []
    spreads: list[float] = []
    times: list[float] = []
    current = 0.0
    while heap and len(chosen) < k:
        gain, v, computed = heapq.heappop(heap)
        if computed == len(chosen):
            chosen.append(v)
            current += -gain
            spreads.append(current)
            times.append(time.perf_counter() - started)
            continue
        heapq.heappush(heap, (-(spread([*chosen, v]) - current), v, len(chosen)))
    return Greedy(nodes=chosen, spreads=spreads, seconds_at=times, estimates=calls)
