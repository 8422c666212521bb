"""Telling a campaign's hosts that it crossed a milestone (`campaigns.milestone_reached`)."""

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from essaim.campaigns.models import Milestone
from essaim.campaigns.selectors import host_people
from essaim.notifications.models import Notification
from essaim.notifications.services import notify

logger = logging.getLogger(__name__)


@task()
def notify_milestone(milestone_id: int) -> int:
    """Tell the hosts that their campaign crossed a milestone: in-app, and by e-mail as each
    prefers (the notification service's outbox sends it after commit). The row lock and
    `notified_at`, and the notifications' unique keys, make a rerun (a worker that died
    midway) tell nobody twice."""
    with transaction.atomic():
        milestone = (
            Milestone.objects.select_for_update()
            .select_related("campaign")
            .filter(pk=milestone_id, notified_at__isnull=True)
            .first()
        )
        if milestone is None:
            return 0
        told = 0
        for person in host_people(milestone.campaign):
            notification = notify(
                user=person,
                kind=Notification.Kind.CAMPAIGN_MILESTONE,
                key=f"milestone:{milestone.pk}",
                params={
                    "campaign": milestone.campaign.title,
                    "count": milestone.threshold,
                    "counted": milestone.kind,
                },
                url=milestone.campaign.get_absolute_url(),
            )
            told += notification is not None
        milestone.notified_at = timezone.now()
        milestone.save(update_fields=["notified_at", "updated_at"])
    logger.info("milestone notified", extra={"milestone_id": milestone_id, "recipients": told})
    return told


def milestone_reached(*, milestone_id: int, **_: Any) -> None:
    """`campaigns.milestone_reached`, after its commit: a task tells the hosts."""
    notify_milestone.enqueue(milestone_id)
