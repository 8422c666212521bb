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
from essaim.reach import kernels
from essaim.reach.estimate import model_code, prepared
from essaim.reach.graph import FloatArray, Graph, IntArray

Progress = Callable[[float, str], None]
# The final phase's RR sets are numbered from here: independent of the sampling phase's.
FINAL_STREAM = 1 << 40


class RRSets:
    """A growing collection of reverse-reachable sets, stored flat."""

    def __init__(
        self, graph: Graph, backward: FloatArray, model: int, seed: int, first: int
    ) -> None:
        self.graph, self.backward, self.model, self.seed = graph, backward, model, seed
        self.next_index = first
        self.nodes = np.empty(max(1024, graph.n), dtype=np.int64)
        self.ptr = np.zeros(1025, dtype=np.int64)
        self.count = 0
        self._mark = np.zeros(graph.n, dtype=np.int64)
        self._stack = np.empty(graph.n, dtype=np.int64)

    @property
    def size(self) -> int:
        return int(self.ptr[self.count])

    def grow_to(self, target: int) -> None:
        while self.count < target:
            wanted = target - self.count
            if self.ptr.shape[0] < target + 1:
                bigger = np.zeros(max(target + 1, 2 * self.ptr.shape[0]), dtype=np.int64)
                bigger[: self.count + 1] = self.ptr[: self.count + 1]
                self.ptr = bigger
            if self.nodes.shape[0] - self.size < self.graph.n:
                bigger_nodes = np.empty(2 * self.nodes.shape[0], dtype=np.int64)
                bigger_nodes[: self.size] = self.nodes[: self.size]
                self.nodes = bigger_nodes
            done, _written = kernels.rr_sets(
                self.graph.rindptr,
                self.graph.rindices,
                self.backward,
                self.model,
                self.seed,
                self.next_index,
                wanted,
                self.nodes,
                self.ptr[self.count :],
                self._mark,
                self._stack,
            )
            self.count += int(done)
            self.next_index += int(done)

    def select(self, k: int, allowed: np.ndarray) -> tuple[IntArray, IntArray]:
        chosen, gains = kernels.max_coverage(
            self.nodes, self.ptr, self.count, self.graph.n, k, allowed
        )
        keep = chosen >= 0
        return chosen[keep], gains[keep]


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


def _log_binomial(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def imm(
    graph: Graph,
    prob: FloatArray,
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
    code = model_code(model)
    n = graph.n
    if not 0 < epsilon < 1:
        raise ValidationError("ε must be between 0 and 1.")
    if k < 1:
        raise ValidationError("Ask for at least one relay.")
    allowed = np.ones(n, dtype=np.bool_)
    if candidates is not None:
        candidates = np.asarray(candidates, dtype=np.int64)
        if candidates.size and (candidates.min() < 0 or candidates.max() >= n):
            raise ValidationError("Unknown node among the candidates.")
        allowed = np.zeros(n, dtype=np.bool_)
        allowed[candidates] = True
    choosable = int(allowed.sum())
    if n < 2 or choosable == 0:
        raise ValidationError("The graph or the candidate list is too small.")
    k = min(k, choosable)
    _forward, backward = prepared(graph, prob, model)
    report = progress or (lambda _fraction, _what: None)

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
    sampling = RRSets(graph, backward, code, seed, 0)
    lower_bound = 1.0
    rounds = max(1, int(math.log2(n)) - 1)
    for i in range(1, rounds + 1):
        x = n / 2**i
        sampling.grow_to(math.ceil(lambda_prime / x))
        chosen, gains = sampling.select(k, allowed)
        estimate = n * gains.sum() / sampling.count
        report(0.6 * i / rounds, "sampling")
        if estimate >= (1 + eps_prime) * x:
            lower_bound = estimate / (1 + eps_prime)
            break
    alpha = math.sqrt(ell * log_n + math.log(2))
    beta = math.sqrt((1 - 1 / math.e) * (log_choose + ell * log_n + math.log(2)))
    lambda_star = 2 * n * ((1 - 1 / math.e) * alpha + beta) ** 2 / epsilon**2
    theta = math.ceil(lambda_star / lower_bound)
    del sampling
    final = RRSets(graph, backward, code, seed, FINAL_STREAM)
    final.grow_to(theta)
    report(0.9, "selection")
    chosen, gains = final.select(k, allowed)
    scale = n / final.count
    marginal = [float(g) * scale for g in gains]
    curve = list(np.cumsum(marginal).tolist())
    report(1.0, "done")
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
    )
