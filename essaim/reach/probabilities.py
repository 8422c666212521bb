"""Edge probabilities: how likely what u relays makes v act. Either one number per edge (in
out-edge order), or `PerFollower`: one number per person, the probability of every follow
into them — weighted cascade's case, kept at n numbers instead of m."""

from dataclasses import dataclass

import numpy as np
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from essaim.core.errors import ValidationError
from essaim.reach.graph import FloatArray, Graph

TRIVALENCY = np.array([0.1, 0.01, 0.001])
SCHEMES = ("weighted_cascade", "constant", "trivalency", "calibrated")
# How the planner's page names the scheme a plan was computed with (its result keeps the key).
SCHEME_LABELS: dict[str, Promise] = {
    "weighted_cascade": _("one over the number of accounts each person follows"),
    "constant": _("the same for every follow"),
    "trivalency": _("0.1, 0.01 or 0.001 at random"),
    "calibrated": _("calibrated on the campaign's share links"),
}


@dataclass(frozen=True)
class PerFollower:
    """Every edge u → v has v's probability `per_node[v]`. Reverse-reachable sets need nothing
    more (each node's in-edges share one probability), so the per-edge arrays — 4 bytes an
    edge each way, and the forward and reverse-mapping pages they read — are never built."""

    per_node: FloatArray


Probabilities = FloatArray | PerFollower


def per_edge(graph: Graph, prob: Probabilities) -> FloatArray:
    """One probability per edge, in out-edge order (what forward cascades read)."""
    if isinstance(prob, PerFollower):
        return prob.per_node[graph.indices]
    return prob


def check(prob: FloatArray) -> FloatArray:
    """Probabilities outside [0, 1] (or not numbers) are refused with a clear error."""
    prob = np.asarray(prob)
    if prob.dtype not in (np.float32, np.float64):
        prob = prob.astype(np.float64)
    if prob.size and (not np.all(np.isfinite(prob)) or prob.min() < 0 or prob.max() > 1):
        raise ValidationError("Edge probabilities must be numbers between 0 and 1.")
    return prob


def weighted_cascade(graph: Graph) -> PerFollower:
    """1 / in-degree of the follower: people who follow many accounts heed each one less
    (float32: what the kernels read). Computed from the in-degrees alone."""
    return PerFollower((1.0 / np.maximum(graph.in_degree(), 1)).astype(np.float32))


def constant(graph: Graph, p: float) -> FloatArray:
    return check(np.full(graph.m, p, dtype=np.float64))


def trivalency(graph: Graph, seed: int = 0) -> FloatArray:
    """Each edge 0.1, 0.01 or 0.001 at random (seeded)."""
    return TRIVALENCY[np.random.default_rng(seed).integers(0, 3, size=graph.m)]


def calibrated(
    graph: Graph, conversions: dict[int, tuple[int, int]], *, prior_weight: float = 20.0
) -> FloatArray:
    """From measured relays: `conversions` maps a relay's outside id to (people it brought,
    its followers). Each relay's rate is shrunk toward the campaign's average in proportion
    to how little data it has — (brought + m·avg) / (followers + m) — and relays without data
    get the average."""
    brought = sum(b for b, _f in conversions.values())
    followers = sum(f for _b, f in conversions.values())
    average = brought / followers if followers else 0.01
    rate = np.full(graph.n, average, dtype=np.float64)
    if conversions:
        known = np.array(list(conversions), dtype=np.int64)
        present = np.isin(known, graph.ids)
        nodes = graph.nodes_of(known[present])
        for node, outside in zip(nodes, known[present], strict=True):
            b, f = conversions[int(outside)]
            rate[node] = (b + prior_weight * average) / (f + prior_weight)
    return check(np.clip(rate[graph.sources()], 0.0, 1.0))


def for_linear_threshold(graph: Graph, prob: FloatArray) -> FloatArray:
    """Linear Threshold needs each node's in-weights to sum to at most 1: where they do not,
    they are scaled down in proportion."""
    prob = check(prob)
    totals = np.zeros(graph.n, dtype=np.float64)
    np.add.at(totals, graph.indices, prob)
    scale = np.where(totals > 1.0, 1.0 / np.maximum(totals, 1e-300), 1.0)
    return prob * scale[graph.indices]


def scheme(graph: Graph, name: str, *, p: float = 0.01, seed: int = 0) -> Probabilities:
    if name == "weighted_cascade":
        return weighted_cascade(graph)
    if name == "constant":
        return constant(graph, p)
    if name == "trivalency":
        return trivalency(graph, seed)
    raise ValidationError(f"Unknown probability scheme: {name}.")
