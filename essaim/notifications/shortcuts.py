"""Where the installed app's shortcuts lead: the campaigns a person takes part in, and the
challenge they have still to check in to today."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from essaim.accounts.models import User
from essaim.campaigns.models import Campaign, CampaignHost, CheckIn, Participant


def my_campaigns(user: User) -> QuerySet[Campaign]:
    """Campaigns `user` hosts, follows, signed or takes the challenge of, among those they
    may see, newest first."""
    mine = (
        Q(hosts__user=user, hosts__status=CampaignHost.Status.ACCEPTED)
        | Q(follows__user=user)
        | Q(pledge__signatures__user=user)
        | Q(challenge__participants__user=user)
    )
    ids = Campaign.objects.filter(mine).values("pk")
    return Campaign.objects.visible_to(user).filter(pk__in=ids).order_by("-created_at", "-pk")


def challenge_due_today(user: User) -> Campaign | None:
    """The live challenge `user` takes part in and has not checked in to today, if any."""
    today = timezone.localdate()
    participant = (
        Participant.objects.filter(
            user=user,
            challenge__starts_on__lte=today,
            challenge__ends_on__gte=today,
            challenge__campaign__in=Campaign.objects.visible_to(user).filter(
                status=Campaign.Status.LIVE
            ),
        )
        .exclude(Exists(CheckIn.objects.filter(participant=OuterRef("pk"), date=today)))
        .select_related("challenge__campaign")
        .order_by("challenge__ends_on", "pk")
        .first()
    )
    return participant.challenge.campaign if participant is not None else None
