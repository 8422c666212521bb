"""Choosing the k relays that maximise expected reach: IMM (Tang, Shi and Xiao, SIGMOD 2015),
a reverse-reachable-set method with a (1 - 1/e - ε) guarantee with probability 1 - 1/n^ℓ.

Known issue fixed (Chen, "An Issue in the Martingale Analysis of the Influence Maximization
Algorithm IMM", 2018): the final selection runs on fresh RR sets, not on those the sampling
phase used to estimate the lower bound.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from essaim.core.errors import ValidationError
from essaim.reach.estimate import reverse_prepared
from essaim.reach.graph import Graph, IntArray
from essaim.reach.probabilities import Probabilities
from essaim.reach.rrsets import RRSets

# (fraction done, phase, RR sets drawn so far)
Progress = Callable[[float, str, int], None]
# The final phase's RR sets are numbered from here: independent of the sampling phase's.
FINAL_STREAM = 1 << 40


@dataclass
class Plan:
    nodes: IntArray  # chosen relays, in the order greedy took them
    gains: list[float]  # each one's marginal expected reach
    reach: float  # expected reach of all of them, estimated on the final RR sets
    rr_sets: int
    seconds: float
    model: str
    epsilon: float
    k: int
    curve: list[float] = field(default_factory=list)  # reach of the first 1, 2, … relays
    algorithm: str = "imm"
    low: float = 0.0  # 95 % interval of `reach` (sampling error of the RR estimate)
    high: float = 0.0
    # OPIM-C only: the chosen relays reach at least `certified` of the best possible, with
    # probability `confidence` (1 - δ); `lower` is the matching lower bound on their reach.
    certified: float | None = None
    confidence: float | None = None
    lower: float | None = None
    rr_memory: int = 0  # bytes the RR sets took at most


def _log_binomial(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def allowed_mask(n: int, candidates: IntArray | None) -> np.ndarray:
    allowed = np.ones(n, dtype=np.bool_)
    if candidates is not None:
        candidates = np.asarray(candidates, dtype=np.int64)
        if candidates.size and (candidates.min() < 0 or candidates.max() >= n):
            raise ValidationError("Unknown node among the candidates.")
        allowed = np.zeros(n, dtype=np.bool_)
        allowed[candidates] = True
    return allowed


def interval(covered: int, sets: int, n: int) -> tuple[float, float]:
    """A normal 95 % interval of n·covered/sets, the reach an RR sample estimates."""
    share = covered / sets
    half = 1.96 * math.sqrt(max(share * (1 - share), 0.0) / sets)
    return n * max(0.0, share - half), n * min(1.0, share + half)


def imm(
    graph: Graph,
    prob: Probabilities,
    k: int,
    *,
    model: str = "ic",
    epsilon: float = 0.5,
    ell: float = 1.0,
    seed: int = 0,
    candidates: IntArray | None = None,
    progress: Progress | None = None,
) -> Plan:
    """The k relays (among `candidates`, node numbers; default all) with the largest
    expected reach under `model`, within (1 - 1/e - ε) of the best possible."""
    started = time.perf_counter()
    n = graph.n
    if not 0 < epsilon < 1:
        raise ValidationError("ε must be between 0 and 1.")
    if k < 1:
        raise ValidationError("Ask for at least one relay.")
    allowed = allowed_mask(n, candidates)
    choosable = int(allowed.sum())
    if n < 2 or choosable == 0:
        raise ValidationError("The graph or the candidate list is too small.")
    k = min(k, choosable)
    rev = reverse_prepared(graph, prob, model)
    report = progress or (lambda _fraction, _what, _sets: None)

    ell = ell * (1 + math.log(2) / math.log(n))
    log_n = math.log(n)
    log_choose = _log_binomial(choosable, k)
    eps_prime = math.sqrt(2) * epsilon
    lambda_prime = (
        (2 + 2 / 3 * eps_prime)
        * (log_choose + ell * log_n + math.log(max(math.log2(n), 1.0)))
        * n
        / eps_prime**2
    )
    sampling = RRSets(graph, rev, seed, 0)
    lower_bound = 1.0
    rounds = max(1, int(math.log2(n)) - 1)
    memory = 0
    for i in range(1, rounds + 1):
        x = n / 2**i
        sampling.grow_to(math.ceil(lambda_prime / x))
        chosen, gains, _upper = sampling.select(k, allowed)
        estimate = n * gains.sum() / sampling.count
        memory = max(memory, sampling.nbytes())
        report(0.6 * i / rounds, "sampling", sampling.count)
        if estimate >= (1 + eps_prime) * x:
            lower_bound = estimate / (1 + eps_prime)
            break
    alpha = math.sqrt(ell * log_n + math.log(2))
    beta = math.sqrt((1 - 1 / math.e) * (log_choose + ell * log_n + math.log(2)))
    lambda_star = 2 * n * ((1 - 1 / math.e) * alpha + beta) ** 2 / epsilon**2
    theta = math.ceil(lambda_star / lower_bound)
    del sampling
    final = RRSets(graph, rev, seed, FINAL_STREAM)
    final.grow_to(theta, lambda drawn: report(0.6 + 0.3 * drawn / theta, "final", drawn))
    report(0.9, "selection", final.count)
    chosen, gains, _upper = final.select(k, allowed)
    scale = n / final.count
    marginal = [float(g) * scale for g in gains]
    curve = list(np.cumsum(marginal).tolist())
    low, high = interval(int(gains.sum()), final.count, n)
    report(1.0, "done", final.count)
    return Plan(
        nodes=chosen,
        gains=marginal,
        reach=float(curve[-1]) if curve else 0.0,
        rr_sets=final.count,
        seconds=time.perf_counter() - started,
        model=model,
        epsilon=epsilon,
        k=k,
        curve=curve,
        low=low,
        high=high,
        rr_memory=max(memory, final.nbytes()),
    )
