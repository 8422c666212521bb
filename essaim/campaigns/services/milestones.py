"""Thresholds a count crosses: each recorded once (UniqueConstraint), hosts told once."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from essaim.campaigns.events import MILESTONE_REACHED
from essaim.campaigns.models import Milestone

# What is counted, as the hosts' e-mail says it.
KINDS: dict[str, Promise] = {"signatures": _("signatures"), "participants": _("participants")}


def milestones_reach(
    *, campaign_id: int, kind: str, count: int, rungs: tuple[int, ...]
) -> list[Milestone]:
    """Record every rung `count` has reached and announce the new ones (`MILESTONE_REACHED`:
    the hosts are told after commit). Concurrent callers meet on the unique constraint, so
    each rung is new for one of them only."""
    reached = [rung for rung in rungs if rung <= count]
    if not reached:
        return []
    # One read for the rungs already recorded: a settle costs one query here, not one per rung.
    known = set(
        Milestone.objects.filter(
            campaign_id=campaign_id, kind=kind, threshold__in=reached
        ).values_list("threshold", flat=True)
    )
    new = []
    for rung in reached:
        if rung in known:
            continue
        milestone, created = Milestone.objects.get_or_create(
            campaign_id=campaign_id, kind=kind, threshold=rung
        )
        if created:
            new.append(milestone)
            MILESTONE_REACHED.publish(milestone_id=milestone.pk, campaign_id=campaign_id)
    return new
