"""Background work of the campaigns: idempotent, given ids only."""

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from essaim.accounts.models import User
from essaim.campaigns.models import CampaignHost, Milestone
from essaim.campaigns.services.milestones import KINDS
from essaim.communities.models import Membership

logger = logging.getLogger(__name__)


def _host_people(milestone: Milestone) -> list[User]:
    hosts = CampaignHost.objects.filter(
        campaign=milestone.campaign, status=CampaignHost.Status.ACCEPTED
    )
    people = User.objects.filter(is_active=True).filter(
        pk__in=hosts.filter(user__isnull=False).values("user_id")
    ) | User.objects.filter(
        is_active=True,
        memberships__community_id__in=hosts.filter(community__isnull=False).values("community_id"),
        memberships__status=Membership.Status.ACTIVE,
        memberships__role__in=[Membership.Role.OWNER, Membership.Role.MODERATOR],
    )
    return list(people.distinct().order_by("pk"))


@task()
def notify_milestone(milestone_id: int) -> int:
    """E-mail the hosts that their campaign crossed a milestone. The row lock and
    `notified_at` make a rerun (a worker that died after sending) send nothing twice."""
    with transaction.atomic():
        milestone = (
            Milestone.objects.select_for_update()
            .select_related("campaign")
            .filter(pk=milestone_id, notified_at__isnull=True)
            .first()
        )
        if milestone is None:
            return 0
        messages = []
        for person in _host_people(milestone):
            with translation.override(person.language):
                subject = _("%(campaign)s: %(count)s %(kind)s!") % {
                    "campaign": milestone.campaign.title,
                    "count": milestone.threshold,
                    "kind": KINDS.get(milestone.kind, milestone.kind),
                }
                body = _(
                    "Congratulations: your campaign “%(campaign)s” has reached %(count)s "
                    "%(kind)s.\n\n%(url)s"
                ) % {
                    "campaign": milestone.campaign.title,
                    "count": milestone.threshold,
                    "kind": KINDS.get(milestone.kind, milestone.kind),
                    "url": settings.SITE_URL + milestone.campaign.get_absolute_url(),
                }
            messages.append((subject, body, None, [person.email]))
        milestone.notified_at = timezone.now()
        milestone.save(update_fields=["notified_at", "updated_at"])
        send_mass_mail(messages, fail_silently=False)
    logger.info(
        "milestone notified",
        extra={"milestone_id": milestone_id, "recipients": len(messages)},
    )
    return len(messages)
