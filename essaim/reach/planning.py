"""The planner's computation, run by a background worker (tasks.run_plan): the platform's
follower graph, probabilities calibrated on the campaign's measured relays, the plan's relays
and their reach."""

import logging
from typing import Any

import numpy as np
from django.db.models import Count
from django.utils import timezone

from essaim.accounts.models import User, UserFollow
from essaim.campaigns.models import Campaign, CampaignFollow, CampaignHost
from essaim.core.errors import ApplicationError
from essaim.reach import estimate, failures, imm, probabilities
from essaim.reach.failures import PlanFailure
from essaim.reach.graph import FloatArray, Graph, IntArray, from_edges
from essaim.reach.models import ReachPlan
from essaim.relay.models import Supporter

logger = logging.getLogger(__name__)

MC_RUNS = 1000


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


def probabilities_for(campaign: Campaign, graph: Graph) -> tuple[FloatArray, str]:
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


def _set_progress(plan_id: int, fraction: float) -> None:
    ReachPlan.objects.filter(pk=plan_id).update(progress=int(100 * min(1.0, fraction)))


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
    ReachPlan.objects.filter(pk=plan_id).update(status=ReachPlan.Status.RUNNING, progress=1)
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
        status=ReachPlan.Status.DONE, progress=100, result=result, finished_at=timezone.now()
    )


def _compute(plan: ReachPlan) -> dict[str, Any]:
    graph = platform_graph()
    prob, scheme = probabilities_for(plan.campaign, graph)
    _set_progress(plan.pk, 0.05)
    if plan.mode == ReachPlan.Mode.OPTIMISE:
        if graph.n < 2:
            # imm refuses it too, in English words meant for the algorithm's callers.
            raise PlanFailure(failures.TOO_SMALL)
        found = imm.imm(
            graph,
            prob,
            plan.k,
            model=plan.model,
            epsilon=plan.epsilon,
            seed=plan.pk,
            candidates=_candidates(plan, graph),
            progress=lambda fraction, _stage: _set_progress(plan.pk, 0.05 + 0.8 * fraction),
        )
        seeds, gains, curve = found.nodes, found.gains, found.curve
        rr_sets = found.rr_sets
    else:
        seeds = graph.nodes_of([u.pk for u in users_by_handle(plan.handles)])
        curve = []
        for size in range(1, len(seeds) + 1):
            part = estimate.expected_reach(
                graph, prob, seeds[:size], model=plan.model, runs=300, seed=plan.pk
            )
            curve.append(part.mean)
            _set_progress(plan.pk, 0.05 + 0.8 * size / len(seeds))
        gains = [curve[0], *np.diff(curve).tolist()] if curve else []
        rr_sets = 0
    check = estimate.expected_reach(
        graph, prob, seeds, model=plan.model, runs=MC_RUNS, seed=plan.pk + 1
    )
    people = _people(graph, seeds)
    for person, gain in zip(people, gains, strict=False):
        person["gain"] = round(float(gain), 1)
    return {
        "relays": people,
        "reach": round(check.mean, 1),
        "low": round(check.low, 1),
        "high": round(check.high, 1),
        "runs": check.runs,
        "curve": [round(float(value), 1) for value in curve],
        "rr_sets": rr_sets,
        "scheme": scheme,
        "graph": {"nodes": graph.n, "edges": graph.m},
    }
