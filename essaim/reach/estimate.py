"""Expected reach of chosen relays by Monte Carlo, with a 95 % confidence interval."""

import math
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from essaim.core.errors import ValidationError
from essaim.reach import kernels
from essaim.reach.graph import FloatArray, Graph, IntArray
from essaim.reach.probabilities import (
    PerFollower,
    Probabilities,
    check,
    for_linear_threshold,
    per_edge,
)
from essaim.reach.rrsets import Reverse, reverse, reverse_per_follower

MODELS = {"ic": kernels.IC, "lt": kernels.LT}


def threads() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


@dataclass(frozen=True)
class Estimate:
    mean: float
    low: float  # 95 % confidence interval
    high: float
    runs: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


def model_code(model: str) -> int:
    if model not in MODELS:
        raise ValidationError(f"Unknown diffusion model: {model} (ic or lt).")
    return MODELS[model]


def prepared(graph: Graph, prob: Probabilities, model: str) -> tuple[FloatArray, FloatArray]:
    """Forward and reverse probabilities (float32) as the model needs them."""
    prob = check(per_edge(graph, prob))
    if prob.shape[0] != graph.m:
        raise ValidationError("There must be one probability per edge.")
    if model == "lt":
        prob = for_linear_threshold(graph, prob)
    prob = prob.astype(np.float32, copy=False)
    return prob, graph.reverse_probabilities(prob)


def reverse_prepared(graph: Graph, prob: Probabilities, model: str) -> Reverse:
    """What drawing reverse-reachable sets needs, without keeping the forward copy (and,
    for probabilities per follower, without building any per-edge array)."""
    code = model_code(model)
    if isinstance(prob, PerFollower):
        return reverse_per_follower(graph, check(prob.per_node), code)
    _forward, backward = prepared(graph, prob, model)
    del _forward
    return reverse(graph, backward, code)


def simulate(
    graph: Graph,
    prob: Probabilities,
    seeds: IntArray,
    *,
    model: str = "ic",
    runs: int = 1000,
    seed: int = 0,
    first: int = 0,
) -> IntArray:
    """How many people each of `runs` cascades from the `seeds` nodes reached (cascades
    number first, first+1, …: the same numbers always give the same cascades)."""
    code = model_code(model)
    seeds = np.unique(np.asarray(seeds, dtype=np.int64))
    if seeds.size and (seeds.min() < 0 or seeds.max() >= graph.n):
        raise ValidationError("Unknown node in the chosen relays.")
    if runs < 1:
        raise ValidationError("At least one simulation.")
    forward, backward = prepared(graph, prob, model)
    result: IntArray = kernels.simulate(
        graph.indptr,
        graph.indices,
        forward,
        graph.rindptr,
        graph.rindices,
        backward,
        seeds,
        code,
        runs,
        seed,
        min(threads(), runs),
        first,
    )
    return result


def expected_reach(
    graph: Graph,
    prob: Probabilities,
    seeds: IntArray,
    *,
    model: str = "ic",
    runs: int = 1000,
    seed: int = 0,
) -> Estimate:
    """Mean number of people reached (the relays included), with a normal 95 % interval."""
    reached = simulate(graph, prob, seeds, model=model, runs=runs, seed=seed).astype(np.float64)
    return _summary(reached)


def _summary(reached: FloatArray) -> Estimate:
    runs = int(reached.shape[0])
    mean = float(reached.mean())
    spread = 1.96 * float(reached.std(ddof=1)) / math.sqrt(runs) if runs > 1 else 0.0
    return Estimate(mean=mean, low=mean - spread, high=mean + spread, runs=runs)


def reach_within(
    graph: Graph,
    prob: Probabilities,
    seeds: IntArray,
    *,
    model: str = "ic",
    width: float = 0.01,
    seed: int = 0,
    first_runs: int = 200,
    max_runs: int = 200_000,
    progress: Callable[[int], None] | None = None,
) -> Estimate:
    """Mean number of people reached, simulated until the 95 % interval is narrower than
    ± `width` of the mean (or `max_runs`). Each batch is as large as the spread so far says
    is still needed (at least `first_runs`); its cascades are numbered after the last batch's,
    so the answer depends on the seed alone."""
    if not 0 < width < 1:
        raise ValidationError("The interval's width must be between 0 and 1.")
    reached = np.zeros(0, dtype=np.float64)
    batch = max(2, first_runs)
    while True:
        more = simulate(
            graph, prob, seeds, model=model, runs=batch, seed=seed, first=reached.shape[0]
        )
        reached = np.concatenate([reached, more.astype(np.float64)])
        found = _summary(reached)
        if progress:
            progress(found.runs)
        if found.half_width <= width * found.mean or found.runs >= max_runs:
            return found
        # Runs still needed at this spread, at least doubling the batch.
        needed = (found.half_width / (width * max(found.mean, 1e-12))) ** 2 * found.runs
        batch = int(min(max_runs - found.runs, max(batch, needed - found.runs + 1)))
