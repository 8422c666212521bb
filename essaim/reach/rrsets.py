"""Collections of reverse-reachable (RR) sets, stored flat, drawn on both cores, and what the
selection algorithms (IMM, OPIM-C) ask of them: greedy coverage, and coverage of chosen
relays."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from essaim.reach import kernels
from essaim.reach.graph import FloatArray, Graph, IntArray

# Sets drawn per call of the kernel: progress is reported between calls.
BATCH = 1 << 16


@dataclass(frozen=True)
class Reverse:
    """What drawing RR sets needs: each in-edge's probability (float32, in in-edge order),
    and for each node the one probability all its in-edges share (-1 when they differ), which
    lets the kernel jump from live edge to live edge."""

    prob: FloatArray
    shared: FloatArray
    model: int


def shared_probabilities(graph: Graph, backward: FloatArray) -> FloatArray:
    """Each node's in-edge probability when all its in-edges have the same, else -1 (0 for
    a node nobody leads to)."""
    n = graph.n
    out = np.zeros(n, dtype=np.float32)
    degree = graph.in_degree()
    has = np.flatnonzero(degree > 0)
    if has.size:
        starts = np.asarray(graph.rindptr[:-1])[has]
        low = np.minimum.reduceat(backward, starts)
        high = np.maximum.reduceat(backward, starts)
        out[has] = np.where(low == high, low, np.float32(-1.0))
    return out


def reverse(graph: Graph, backward: FloatArray, model: int) -> Reverse:
    backward = np.ascontiguousarray(backward, dtype=np.float32)
    return Reverse(prob=backward, shared=shared_probabilities(graph, backward), model=model)


def reverse_per_follower(graph: Graph, per_node: FloatArray, model: int) -> Reverse:
    """The same for probabilities per follower, straight from the in-degrees: under IC the
    kernel reads only the shared probability (so no per-edge array at all); under LT each
    node's weights are capped to sum to at most 1 (as `for_linear_threshold` scales them)
    and laid out along the in-edges."""
    degree = graph.in_degree()
    per_node = np.asarray(per_node, dtype=np.float32)
    if model == kernels.LT:
        cap = (1.0 / np.maximum(degree, 1)).astype(np.float32)
        per_node = np.minimum(per_node, cap)
        backward = np.repeat(per_node, degree)
    else:
        backward = np.zeros(0, dtype=np.float32)
    shared = np.where(degree > 0, per_node, np.float32(0.0)).astype(np.float32)
    return Reverse(prob=backward, shared=shared, model=model)


class RRSets:
    """A growing collection of RR sets numbered first, first+1, …: set number i always
    holds the same nodes for the same seed, whoever draws it and on how many threads."""

    def __init__(self, graph: Graph, rev: Reverse, seed: int, first: int) -> None:
        self.graph, self.rev, self.seed = graph, rev, seed
        self.first = first
        self.nodes = np.empty(max(1024, graph.n), dtype=np.int32)
        self.ptr = np.zeros(1025, dtype=np.int64)
        self.count = 0

    @property
    def size(self) -> int:
        return int(self.ptr[self.count])

    def nbytes(self) -> int:
        return int(self.nodes.nbytes + self.ptr.nbytes)

    def grow_to(self, target: int, progress: Callable[[int], None] | None = None) -> None:
        chunks = max(1, 2 * kernels.threads())
        while self.count < target:
            wanted = min(target - self.count, BATCH)
            average = self.size / self.count if self.count else 8.0
            per_chunk = -(-wanted // chunks)
            capacity = max(self.graph.n, int(1.25 * average * per_chunk) + 1024)
            nodes, sizes = kernels.rr_batch(
                self.graph.rindptr,
                self.graph.rindices,
                self.rev.prob,
                self.rev.shared,
                self.rev.model,
                self.seed,
                self.first + self.count,
                wanted,
                min(chunks, wanted),
                capacity,
            )
            self._append(nodes, sizes)
            if progress:
                progress(self.count)

    def _append(self, nodes: IntArray, sizes: IntArray) -> None:
        done = int(sizes.shape[0])
        if self.ptr.shape[0] < self.count + done + 1:
            bigger = np.zeros(max(self.count + done + 1, 2 * self.ptr.shape[0]), dtype=np.int64)
            bigger[: self.count + 1] = self.ptr[: self.count + 1]
            self.ptr = bigger
        end = self.size + int(nodes.shape[0])
        if self.nodes.shape[0] < end:
            bigger_nodes = np.empty(max(end, 2 * self.nodes.shape[0]), dtype=np.int32)
            bigger_nodes[: self.size] = self.nodes[: self.size]
            self.nodes = bigger_nodes
        self.nodes[self.size : end] = nodes
        self.ptr[self.count + 1 : self.count + done + 1] = self.size + np.cumsum(sizes)
        self.count += done

    def select(self, k: int, allowed: np.ndarray) -> tuple[IntArray, IntArray, int]:
        """Greedy: (chosen nodes, their marginal coverages, an upper bound on the best
        coverage of any k allowed nodes)."""
        chosen, gains, upper = kernels.max_coverage(
            self.nodes, self.ptr, self.count, self.graph.n, k, allowed
        )
        keep = chosen >= 0
        return chosen[keep], gains[keep], int(upper)

    def prefix_coverage(self, chosen: IntArray) -> IntArray:
        """How many sets the first 1, 2, …, len(chosen) chosen nodes cover."""
        k = int(chosen.shape[0])
        rank = np.full(self.graph.n, k, dtype=np.int32)
        rank[chosen] = np.arange(k, dtype=np.int32)
        result: IntArray = kernels.prefix_coverage(
            self.nodes, self.ptr, self.count, rank, k, kernels.threads()
        )
        return result
