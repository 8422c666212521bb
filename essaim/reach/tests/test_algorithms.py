"""The planner's mathematics on graphs small enough to know the exact answer."""

import itertools
import math

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from essaim.core.errors import ValidationError
from essaim.reach import estimate, exact, imm, opim, probabilities
from essaim.reach.estimate import reverse_prepared
from essaim.reach.graph import from_edges, from_outside_edges
from essaim.reach.rrsets import RRSets
from essaim.reach.synthetic import social_graph


def small(edges: list[tuple[int, int]], n: int):
    ids = np.arange(n, dtype=np.int64) + 100
    src = np.array([u for u, _v in edges], dtype=np.int64)
    dst = np.array([v for _u, v in edges], dtype=np.int64)
    return from_edges(ids, src, dst)


DIAMOND = small([(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (1, 4)], 5)
CHAIN_AND_FORK = small([(0, 1), (1, 2), (2, 3), (0, 4), (4, 5), (5, 3), (1, 5)], 6)


@pytest.mark.parametrize("graph", [DIAMOND, CHAIN_AND_FORK], ids=["diamond", "chain-and-fork"])
@pytest.mark.parametrize("model", ["ic", "lt"])
@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_monte_carlo_agrees_with_the_exact_spread(graph, model, p):
    prob = probabilities.constant(graph, p)
    for seeds in ([0], [0, 3], [1, 2]):
        truth = exact.spread(graph, prob, seeds, model=model)
        found = estimate.expected_reach(
            graph, prob, np.array(seeds), model=model, runs=20000, seed=7
        )
        assert found.low <= truth <= found.high, (seeds, truth, found)
        assert found.half_width < 0.05


@pytest.mark.parametrize("model", ["ic", "lt"])
@pytest.mark.parametrize("epsilon", [0.5, 0.2])
def test_imm_is_within_its_guarantee_of_exact_greedy(model, epsilon):
    rng = np.random.default_rng(11)
    for _case in range(4):
        n = 7
        pairs = {(int(u), int(v)) for u, v in rng.integers(0, n, size=(12, 2)) if u != v}
        graph = small(sorted(pairs)[:11], n)
        prob = probabilities.trivalency(graph, seed=3) * 0 + rng.uniform(0.1, 0.9, graph.m)
        for k in (1, 2, 3):
            _seeds, greedy_spread = exact.greedy(graph, prob, k, model=model)
            plan = imm.imm(graph, prob, k, model=model, epsilon=epsilon, seed=5)
            chosen = exact.spread(graph, prob, list(plan.nodes), model=model)
            assert chosen >= (1 - 1 / math.e - epsilon) * greedy_spread


def test_on_a_star_the_centre_and_on_a_path_its_head():
    star = from_outside_edges(np.full(8, 1), np.arange(2, 10))
    plan = imm.imm(star, probabilities.constant(star, 0.3), 1, epsilon=0.3)
    assert star.ids[plan.nodes].tolist() == [1]
    path = from_outside_edges(np.array([1, 2, 3, 4, 5]), np.array([2, 3, 4, 5, 6]))
    for model in ("ic", "lt"):
        plan = imm.imm(path, probabilities.constant(path, 0.9), 1, model=model, epsilon=0.3)
        assert path.ids[plan.nodes].tolist() == [1]


def test_the_same_inputs_give_the_same_answer():
    graph = social_graph(2000, 8000, seed=2)
    prob = probabilities.weighted_cascade(graph)
    first = imm.imm(graph, prob, 10, epsilon=0.3, seed=9)
    again = imm.imm(graph, prob, 10, epsilon=0.3, seed=9)
    assert first.nodes.tolist() == again.nodes.tolist() and first.reach == again.reach
    runs = estimate.simulate(graph, prob, first.nodes, runs=300, seed=4)
    assert np.array_equal(runs, estimate.simulate(graph, prob, first.nodes, runs=300, seed=4))


def test_candidates_constrain_the_choice_and_the_estimate_agrees_with_monte_carlo():
    graph = social_graph(2000, 8000, seed=3)
    prob = probabilities.weighted_cascade(graph)
    shortlist = np.arange(500, 900, dtype=np.int64)
    plan = imm.imm(graph, prob, 5, epsilon=0.2, seed=1, candidates=shortlist)
    assert set(plan.nodes.tolist()) <= set(shortlist.tolist()) and len(plan.nodes) == 5
    assert all(a >= b for a, b in zip(plan.gains, plan.gains[1:], strict=False))
    check = estimate.expected_reach(graph, prob, plan.nodes, runs=3000, seed=2)
    assert abs(check.mean - plan.reach) <= 0.2 * plan.reach


graphs = st.integers(min_value=3, max_value=9).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda e: e[0] != e[1]),
            min_size=1,
            max_size=20,
        ),
        st.floats(min_value=0.05, max_value=0.95),
    )
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs, st.sampled_from(["ic", "lt"]))
def test_adding_a_relay_never_lowers_the_estimate(case, model):
    n, edges, p = case
    graph = small(edges, n)
    prob = probabilities.constant(graph, p)
    before = estimate.expected_reach(graph, prob, np.array([0]), model=model, runs=2000, seed=1)
    after = estimate.expected_reach(
        graph, prob, np.array([0, n - 1]), model=model, runs=2000, seed=2
    )
    assert after.mean >= before.mean - (before.half_width + after.half_width)


@settings(max_examples=30, deadline=None)
@given(
    st.one_of(
        st.floats(max_value=-1e-9, allow_nan=False),
        st.floats(min_value=1.0000001, allow_infinity=True, allow_nan=False),
        st.just(float("nan")),
    )
)
def test_probabilities_outside_zero_one_are_refused(bad):
    graph = DIAMOND
    prob = np.full(graph.m, 0.5)
    prob[2] = bad
    with pytest.raises(ValidationError):
        estimate.expected_reach(graph, prob, np.array([0]), runs=10)
    with pytest.raises(ValidationError):
        imm.imm(graph, prob, 1)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=-(10**12), max_value=10**12), min_size=1, max_size=5))
def test_unknown_node_ids_are_refused(outside):
    known = set(DIAMOND.ids.tolist())
    if all(x in known for x in outside):
        assert len(DIAMOND.nodes_of(outside)) == len(outside)
    else:
        with pytest.raises(ValidationError):
            DIAMOND.nodes_of(outside)


def test_nodes_outside_the_graph_and_bad_parameters_are_refused():
    prob = probabilities.constant(DIAMOND, 0.5)
    with pytest.raises(ValidationError):
        estimate.expected_reach(DIAMOND, prob, np.array([99]))
    with pytest.raises(ValidationError):
        imm.imm(DIAMOND, prob, 1, epsilon=1.5)
    with pytest.raises(ValidationError):
        imm.imm(DIAMOND, prob, 1, candidates=np.array([42]))
    with pytest.raises(ValidationError):
        estimate.expected_reach(DIAMOND, prob, np.array([0]), model="sir")


def _best_possible(graph, prob, k, model):
    """The true optimum, by trying every set of k nodes with exact spreads."""
    return max(
        exact.spread(graph, prob, list(subset), model=model)
        for subset in itertools.combinations(range(graph.n), k)
    )


@pytest.mark.parametrize("model", ["ic", "lt"])
@pytest.mark.parametrize("epsilon", [0.5, 0.1, 0.01])
def test_opim_c_certified_ratio_holds_against_the_exact_optimum(model, epsilon):
    rng = np.random.default_rng(21)
    for _case in range(3):
        n = 7
        pairs = {(int(u), int(v)) for u, v in rng.integers(0, n, size=(12, 2)) if u != v}
        graph = small(sorted(pairs)[:11], n)
        prob = rng.uniform(0.1, 0.9, graph.m)
        for k in (1, 2, 3):
            plan = opim.opim_c(graph, prob, k, model=model, epsilon=epsilon, delta=0.01, seed=5)
            chosen = exact.spread(graph, prob, list(plan.nodes), model=model)
            best = _best_possible(graph, prob, k, model)
            assert plan.certified is not None and plan.lower is not None
            assert plan.certified >= 1 - 1 / math.e - epsilon
            assert plan.confidence == pytest.approx(0.99)
            # What it certifies is true: its relays reach at least `lower`, at least
            # `certified` of the best possible.
            assert plan.lower <= chosen + 1e-9
            assert chosen >= plan.certified * best - 1e-9
            assert plan.low <= chosen <= plan.high or abs(plan.reach - chosen) < 0.05 * best
            assert sum(plan.gains) == pytest.approx(plan.reach) == pytest.approx(plan.curve[-1])


def test_opim_c_and_imm_agree_within_their_intervals():
    graph = social_graph(3000, 12000, seed=4)
    prob = probabilities.weighted_cascade(graph)
    online = opim.opim_c(graph, prob, 10, epsilon=0.1, seed=3)
    classic = imm.imm(graph, prob, 10, epsilon=0.1, seed=3)
    assert online.certified is not None and online.certified >= 1 - 1 / math.e - 0.1
    assert online.low <= classic.high and classic.low <= online.high
    # Each one's estimate agrees with an independent Monte Carlo run of its relays.
    for plan in (online, classic):
        check = estimate.expected_reach(graph, prob, plan.nodes, runs=4000, seed=8)
        assert check.low <= plan.high and plan.low <= check.high
    # Gains add up to the headline and the curve goes through it.
    assert sum(online.gains) == pytest.approx(online.reach) == pytest.approx(online.curve[-1])


def test_the_same_answer_on_one_thread_or_two():
    graph = social_graph(3000, 12000, seed=6)
    prob = probabilities.weighted_cascade(graph)
    before = numba.get_num_threads()
    answers = []
    try:
        for threads in (1, 2):
            numba.set_num_threads(threads)
            rev = reverse_prepared(graph, prob, "ic")
            sets = RRSets(graph, rev, 4, 0)
            sets.grow_to(5000)
            answers.append(
                (
                    sets.nodes[: sets.size].tolist(),
                    sets.ptr[: sets.count + 1].tolist(),
                    opim.opim_c(graph, prob, 8, epsilon=0.1, seed=2).nodes.tolist(),
                    imm.imm(graph, prob, 8, epsilon=0.3, seed=2, model="lt").nodes.tolist(),
                    estimate.simulate(graph, prob, np.arange(5), runs=500, seed=1).tolist(),
                )
            )
    finally:
        numba.set_num_threads(before)
    assert answers[0] == answers[1]


@pytest.mark.parametrize("width", [0.05, 0.01])
def test_monte_carlo_stops_once_its_interval_is_narrow_enough(width):
    graph = social_graph(2000, 8000, seed=5)
    prob = probabilities.weighted_cascade(graph)
    seeds = np.arange(10)
    found = estimate.reach_within(graph, prob, seeds, width=width, seed=3, first_runs=50)
    assert found.half_width <= width * found.mean
    # Not far beyond what was needed: the same cascades, a quarter fewer, were not enough.
    fewer = estimate.expected_reach(graph, prob, seeds, runs=found.runs * 3 // 4, seed=3)
    assert found.runs == 50 or fewer.half_width > 0.8 * width * fewer.mean
    again = estimate.reach_within(graph, prob, seeds, width=width, seed=3, first_runs=50)
    assert again == found
    # The exact answer on a graph small enough to know it lies in the interval.
    exact_prob = probabilities.constant(DIAMOND, 0.5)
    truth = exact.spread(DIAMOND, exact_prob, [0])
    small_found = estimate.reach_within(DIAMOND, exact_prob, np.array([0]), width=width, seed=1)
    assert small_found.low <= truth <= small_found.high


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_probabilities_per_follower_draw_the_same_sets_as_per_edge(model):
    """Weighted cascade is kept per follower (no per-edge arrays): the RR sets, the plans and
    the cascades are those of the same probabilities spelt out edge by edge."""
    graph = social_graph(2000, 8000, seed=9)
    lean = probabilities.weighted_cascade(graph)
    assert isinstance(lean, probabilities.PerFollower) and lean.per_node.shape == (graph.n,)
    spelt = probabilities.per_edge(graph, lean)
    assert spelt.shape == (graph.m,)
    drawn = []
    for prob in (lean, spelt):
        sets = RRSets(graph, reverse_prepared(graph, prob, model), 4, 0)
        sets.grow_to(3000)
        drawn.append(
            (
                sets.nodes[: sets.size].tolist(),
                sets.ptr[: sets.count + 1].tolist(),
                opim.opim_c(graph, prob, 5, model=model, epsilon=0.2, seed=1).nodes.tolist(),
                estimate.simulate(graph, prob, np.arange(3), model=model, runs=50).tolist(),
            )
        )
    assert drawn[0] == drawn[1]


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_opim_c_asked_for_a_stronger_ratio_certifies_it_truthfully(model):
    """Above 1 - 1/e no worst case promises the ratio: the collections keep doubling until
    the bounds prove it for the answer at hand, and what they prove is true."""
    rng = np.random.default_rng(22)
    for _case in range(3):
        n = 7
        pairs = {(int(u), int(v)) for u, v in rng.integers(0, n, size=(12, 2)) if u != v}
        graph = small(sorted(pairs)[:11], n)
        prob = rng.uniform(0.1, 0.9, graph.m)
        for k in (1, 2):
            paper = opim.opim_c(graph, prob, k, model=model, epsilon=0.01, delta=0.01, seed=5)
            plan = opim.opim_c(
                graph, prob, k, model=model, epsilon=0.01, delta=0.01, seed=5, ratio=0.75
            )
            assert plan.certified is not None and plan.lower is not None
            assert plan.certified >= 0.75
            assert plan.rr_sets >= paper.rr_sets
            chosen = exact.spread(graph, prob, list(plan.nodes), model=model)
            assert plan.lower <= chosen + 1e-9
            assert chosen >= plan.certified * _best_possible(graph, prob, k, model) - 1e-9


def test_opim_c_stronger_ratio_on_a_social_graph():
    graph = social_graph(3000, 12000, seed=4)
    prob = probabilities.weighted_cascade(graph)
    paper = opim.opim_c(graph, prob, 10, epsilon=0.01, seed=3)
    stronger = opim.opim_c(graph, prob, 10, epsilon=0.01, seed=3, ratio=0.8)
    assert paper.certified is not None and stronger.certified is not None
    assert paper.certified < 0.8 <= stronger.certified
    assert stronger.rr_sets > paper.rr_sets
    with pytest.raises(ValidationError):
        opim.opim_c(graph, prob, 10, ratio=1.2)
