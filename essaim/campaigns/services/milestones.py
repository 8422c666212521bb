"""Thresholds a count crosses: each recorded once (UniqueConstraint), hosts told once."""

from functools import partial

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from essaim.campaigns.models import Campaign, Milestone

# What is counted, as the hosts' e-mail says it.
KINDS: dict[str, Promise] = {"signatures": _("signatures"), "participants": _("participants")}

# The automatic ladder when the organiser sets none.
AUTOMATIC_LADDER = (
    10,
    25,
    50,
    100,
    250,
    500,
    1_000,
    2_500,
    5_000,
    10_000,
    25_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
)


def ladder(text: str) -> tuple[int, ...]:
    """The organiser's goals ("100, 500, 1000"), ascending and positive, else the automatic
    ladder. The form validates the text; this never fails on what is stored."""
    rungs = sorted({int(part) for part in text.replace(" ", "").split(",") if part.isdigit()})
    return tuple(rung for rung in rungs if rung > 0) or AUTOMATIC_LADDER


def goal_for(count: int, rungs: tuple[int, ...]) -> int:
    """The next goal: the first rung above `count`; past the last one, the next multiple of
    the last rung, so the goal keeps raising itself."""
    for rung in rungs:
        if rung > count:
            return rung
    last = rungs[-1]
    return (count // last + 1) * last


def milestones_reach(*, campaign: Campaign, kind: str, count: int, rungs: tuple[int, ...]) -> None:
    """Record every rung `count` has reached and queue the hosts' notification for the new
    ones, after commit. Concurrent callers meet on the unique constraint."""
    from essaim.campaigns.tasks import notify_milestone
    from essaim.webhooks.services import emit as webhooks

    reached = [rung for rung in rungs if rung <= count]
    if not reached:
        return
    # One read for the rungs already recorded: a signature in a viral spike costs one query
    # here, not one per rung.
    known = set(
        Milestone.objects.filter(campaign=campaign, kind=kind, threshold__in=reached).values_list(
            "threshold", flat=True
        )
    )
    for rung in reached:
        if rung in known:
            continue
        milestone, created = Milestone.objects.get_or_create(
            campaign=campaign, kind=kind, threshold=rung
        )
        if created:
            transaction.on_commit(partial(notify_milestone.enqueue, milestone.pk))
            transaction.on_commit(partial(webhooks.milestone_reached, milestone))
