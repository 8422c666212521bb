"""The planner's computation, run by a background worker (tasks.run_plan): the platform's
follower graph, probabilities calibrated on the campaign's measured relays, the plan's relays
and their reach."""

import logging
import time
from typing import Any

import numpy as np
from django.db.models import Count
from django.utils import timezone

from essaim.accounts.models import User, UserFollow
from essaim.campaigns.models import Campaign, CampaignFollow, CampaignHost
from essaim.core.errors import ApplicationError
from essaim.reach import estimate, failures, opim, probabilities
from essaim.reach.failures import PlanFailure
from essaim.reach.graph import Graph, IntArray, from_edges
from essaim.reach.models import ReachPlan
from essaim.relay.models import Supporter

logger = logging.getLogger(__name__)

# The Monte Carlo check, and the reach shown, are measured until their 95 % interval is
# within ± this share of the mean.
WIDTH = 0.01
# With what confidence the certified ratio is said to hold (1 - δ).
DELTA = 0.01
# Estimating named relays: at most this many cascades for each of the curve's points.
MAX_CURVE_RUNS = 20_000
# Progress is written at most this often (seconds): one small UPDATE, not one per batch.
PROGRESS_EVERY = 0.25


def platform_graph() -> Graph:
    """Everyone active, and who follows whom: influence flows from the followed to the
    follower. Read in two queries, whatever the size."""
    ids = np.fromiter(
        User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True),
        dtype=np.int64,
    )
    pairs = np.fromiter(
        (
            value
            for pair in UserFollow.objects.filter(
                follower__is_active=True, followed__is_active=True
            ).values_list("followed_id", "follower_id")
            for value in pair
        ),
        dtype=np.int64,
    ).reshape(-1, 2)
    src = np.searchsorted(ids, pairs[:, 0])
    dst = np.searchsorted(ids, pairs[:, 1])
    return from_edges(ids, src, dst)


def conversions_for(campaign: Campaign) -> dict[int, tuple[int, int]]:
    """Each relay of the campaign: (people their link brought, their followers)."""
    referred = Supporter.objects.filter(campaign=campaign, referrer__isnull=False)
    brought = dict(referred.values_list("referrer").annotate(n=Count("id")))
    followers = dict(
        # A subquery, not the ids: a viral campaign's relays outnumber the 65,535 parameters
        # a statement bound by the server may carry.
        UserFollow.objects.filter(followed_id__in=referred.values("referrer"))
        .values_list("followed")
        .annotate(n=Count("id"))
    )
    return {relay: (count, max(count, followers.get(relay, 0))) for relay, count in brought.items()}


def probabilities_for(campaign: Campaign, graph: Graph) -> tuple[probabilities.Probabilities, str]:
    """Calibrated on the campaign's measured relays when it has some, else weighted cascade."""
    measured = conversions_for(campaign)
    if measured:
        return probabilities.calibrated(graph, measured), "calibrated"
    return probabilities.weighted_cascade(graph), "weighted_cascade"


def users_by_handle(handles: list[str]) -> list[User]:
    found = {u.handle: u for u in User.objects.filter(handle__in=handles, is_active=True)}
    unknown = [h for h in handles if h not in found]
    if unknown:
        raise PlanFailure(failures.UNKNOWN_PEOPLE, handles=", ".join(unknown[:5]))
    return [found[h] for h in handles]


def _candidates(plan: ReachPlan, graph: Graph) -> IntArray | None:
    campaign = plan.campaign
    people: list[int] | None
    if plan.scope == ReachPlan.Scope.FOLLOWERS:
        people = list(
            CampaignFollow.objects.filter(campaign=campaign).values_list("user_id", flat=True)
        )
    elif plan.scope == ReachPlan.Scope.MINE:
        people = list(
            UserFollow.objects.filter(followed=plan.requested_by).values_list(
                "follower_id", flat=True
            )
        )
    elif plan.scope == ReachPlan.Scope.HOSTS:
        people = list(
            CampaignHost.objects.filter(
                campaign=campaign, status=CampaignHost.Status.ACCEPTED, user__isnull=False
            ).values_list("user_id", flat=True)
        )
    elif plan.scope == ReachPlan.Scope.SHORTLIST:
        people = [u.pk for u in users_by_handle(plan.handles)]
    else:
        people = None
    ids = graph.ids if people is None else np.asarray(people, dtype=np.int64)
    if plan.exclude_relayed:
        relayed = np.fromiter(
            Supporter.objects.filter(campaign=campaign, referrer__isnull=False)
            .values_list("referrer_id", flat=True)
            .distinct(),
            dtype=np.int64,
        )
        ids = ids[~np.isin(ids, relayed)]
    elif people is None:
        return None
    known = ids[np.isin(ids, graph.ids)]
    if known.size == 0:
        raise PlanFailure(failures.NOBODY)
    return graph.nodes_of(known)


class _Progress:
    """Writes a plan's progress (share done, phase, RR sets drawn) for its page to poll."""

    def __init__(self, plan_id: int) -> None:
        self.plan_id = plan_id
        self.written = 0.0

    def __call__(self, fraction: float, phase: str, drawn: int = 0, *, now: bool = False) -> None:
        moment = time.monotonic()
        if not now and moment - self.written < PROGRESS_EVERY:
            return
        self.written = moment
        fields: dict[str, Any] = {"progress": int(100 * min(0.99, fraction)), "phase": phase}
        if drawn:
            fields["rr_sets"] = drawn
        ReachPlan.objects.filter(pk=self.plan_id).update(**fields)


def _people(graph: Graph, nodes: IntArray) -> list[dict[str, Any]]:
    ids = [int(graph.ids[n]) for n in nodes]
    users = User.objects.in_bulk(ids)
    return [
        {"id": i, "handle": users[i].handle, "name": users[i].display_name}
        for i in ids
        if i in users
    ]


def run(plan_id: int) -> None:
    """Compute a plan. Running it again once done changes nothing."""
    plan = ReachPlan.objects.select_related("campaign").filter(pk=plan_id).first()
    if plan is None or plan.status == ReachPlan.Status.DONE:
        return
    ReachPlan.objects.filter(pk=plan_id).update(
        status=ReachPlan.Status.RUNNING, progress=1, phase="graph"
    )
    try:
        result = _compute(plan)
    except PlanFailure as failure:
        # A code, not words: the worker runs in no reader's language.
        ReachPlan.objects.filter(pk=plan_id).update(
            status=ReachPlan.Status.FAILED,
            error_code=failure.code,
            error_params=failure.params,
            finished_at=timezone.now(),
        )
        return
    except ApplicationError as error:
        # The algorithms' own checks (estimate, imm, graph), which only a bug reaches from
        # the planner: their words as they are, in English.
        ReachPlan.objects.filter(pk=plan_id).update(
            status=ReachPlan.Status.FAILED, error=error.message, finished_at=timezone.now()
        )
        return
    except Exception:
        logger.exception("reach plan failed", extra={"plan_id": plan_id})
        ReachPlan.objects.filter(pk=plan_id).update(
            status=ReachPlan.Status.FAILED,
            error_code=failures.FAILED,
            finished_at=timezone.now(),
        )
        return
    ReachPlan.objects.filter(pk=plan_id).update(
        status=ReachPlan.Status.DONE,
        progress=100,
        phase="done",
        rr_sets=result.get("rr_sets", 0),
        result=result,
        finished_at=timezone.now(),
    )


def _compute(plan: ReachPlan) -> dict[str, Any]:
    """One consistent answer: the headline reach of the k relays with its interval, each
    relay's marginal gain (they add up to the headline) and the reach-against-k curve (its
    last point is the headline), all measured on the same sample; beside it an independent
    Monte Carlo check and, when relays were chosen, OPIM-C's certified ratio."""
    progress = _Progress(plan.pk)
    graph = platform_graph()
    prob, scheme = probabilities_for(plan.campaign, graph)
    progress(0.05, "graph", now=True)
    extra: dict[str, Any] = {}
    if plan.mode == ReachPlan.Mode.OPTIMISE:
        if graph.n < 2:
            # opim refuses it too, in English words meant for the algorithm's callers.
            raise PlanFailure(failures.TOO_SMALL)
        found = opim.opim_c(
            graph,
            prob,
            plan.k,
            model=plan.model,
            epsilon=plan.epsilon,
            delta=DELTA,
            seed=plan.pk,
            candidates=_candidates(plan, graph),
            progress=lambda fraction, phase, drawn: progress(0.05 + 0.8 * fraction, phase, drawn),
            precision=WIDTH,
        )
        seeds, curve = found.nodes, found.curve
        reach, low, high = found.reach, found.low, found.high
        extra = {
            "rr_sets": found.rr_sets,
            "certified": round(float(found.certified or 0.0), 3),
            "confidence": found.confidence,
            "algorithm": found.algorithm,
            "epsilon": found.epsilon,
        }
    else:
        seeds = graph.nodes_of([u.pk for u in users_by_handle(plan.handles)])
        progress(0.1, "check", now=True)
        # The whole set first, to learn how many cascades the interval needs; then every
        # prefix on the very same cascades, so the curve ends exactly on the headline.
        whole = estimate.reach_within(
            graph, prob, seeds, model=plan.model, width=WIDTH, seed=plan.pk
        )
        runs = min(whole.runs, MAX_CURVE_RUNS)
        curve = []
        for size in range(1, len(seeds)):
            part = estimate.expected_reach(
                graph, prob, seeds[:size], model=plan.model, runs=runs, seed=plan.pk
            )
            curve.append(part.mean)
            progress(0.1 + 0.8 * size / len(seeds), "check")
        final = (
            whole
            if runs == whole.runs
            else estimate.expected_reach(
                graph, prob, seeds, model=plan.model, runs=runs, seed=plan.pk
            )
        )
        curve.append(final.mean)
        reach, low, high = final.mean, final.low, final.high
        extra = {"rr_sets": 0}
    gains = [curve[0], *np.diff(curve).tolist()] if curve else []
    if plan.mode == ReachPlan.Mode.OPTIMISE:
        progress(0.9, "check", now=True)
        check = estimate.reach_within(
            graph, prob, seeds, model=plan.model, width=WIDTH, seed=plan.pk + 1
        )
        extra["check"] = {
            "reach": round(check.mean, 1),
            "low": round(check.low, 1),
            "high": round(check.high, 1),
            "runs": check.runs,
        }
    else:
        check = final
    people = _people(graph, seeds)
    for person, gain in zip(people, gains, strict=False):
        person["gain"] = round(float(gain), 1)
    return {
        "relays": people,
        "reach": round(reach, 1),
        "low": round(low, 1),
        "high": round(high, 1),
        "curve": [round(float(value), 1) for value in curve],
        "runs": check.runs,
        "scheme": scheme,
        "graph": {"nodes": graph.n, "edges": graph.m},
        **extra,
    }
