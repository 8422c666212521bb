"""Share links, their visits, and recording who brought whom when someone acts."""

import hashlib
import hmac
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from essaim.accounts.models import User
from essaim.campaigns.models import Campaign, CampaignHost
from essaim.notifications.models import Notification
from essaim.notifications.services import notify
from essaim.relay.models import Lineage, LinkVisit, ShareLink, Supporter

# A referrer hears of the first person their link brought, then of these counts.
MILESTONES = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)


def _accepted(host: CampaignHost | None) -> bool:
    return host is not None and host.status == CampaignHost.Status.ACCEPTED


def _active(user: User | None) -> bool:
    return user is not None and user.is_active and user.deleted_at is None


def link_usable(link: ShareLink) -> bool:
    """A link counts while its owner is still here, or while it speaks for an accepted
    co-host; the link of someone who left brings nothing."""
    if link.owner_id is not None:
        return _active(link.owner)
    return _accepted(link.host)


def credited_host(link: ShareLink | None) -> CampaignHost | None:
    """The co-host an action through `link` is credited to, for the co-host leaderboard."""
    if link is None or not link_usable(link) or not _accepted(link.host):
        return None
    return link.host


def link_for(*, user: User, campaign: Campaign) -> ShareLink:
    """`user`'s own link to `campaign`, created on first ask; asking again returns the same
    one. A co-host's personal link is also their co-host link, under their host code."""
    host = CampaignHost.objects.filter(
        campaign=campaign, user=user, status=CampaignHost.Status.ACCEPTED
    ).first()
    link = ShareLink.objects.filter(campaign=campaign, owner=user).first()
    if link is None:
        code_taken = host is not None and ShareLink.objects.filter(code=host.code).exists()
        try:
            with transaction.atomic():
                link = ShareLink.objects.create(
                    campaign=campaign,
                    owner=user,
                    host=host,
                    **({"code": host.code} if host is not None and not code_taken else {}),
                )
        except IntegrityError:
            link = ShareLink.objects.get(campaign=campaign, owner=user)
    if host is not None and link.host_id != host.pk:
        link.host = host
        link.save(update_fields=["host", "updated_at"])
    return link


def link_for_host(host: CampaignHost) -> ShareLink:
    """The link behind a co-host's attribution code."""
    if host.user is not None:
        return link_for(user=host.user, campaign=host.campaign)
    try:
        with transaction.atomic():
            link, _created = ShareLink.objects.get_or_create(
                host=host, defaults={"campaign": host.campaign, "code": host.code}
            )
    except IntegrityError:
        link = ShareLink.objects.get(host=host)
    return link


def link_resolve(code: str, *, usable_only: bool = True) -> ShareLink | None:
    """The link behind a code: a share link's, or a co-host's attribution code (the `?via=`
    links printed before share links existed keep working). Unless `usable_only` is False, a
    link that counts nothing (its owner left) is None."""
    code = code[:16]
    if not code:
        return None
    link = ShareLink.objects.select_related("owner", "host", "campaign").filter(code=code).first()
    if link is None:
        host = (
            CampaignHost.objects.select_related("user", "campaign")
            .filter(code=code, status=CampaignHost.Status.ACCEPTED)
            .first()
        )
        if host is None:
            return None
        link = link_for_host(host)
    return link if not usable_only or link_usable(link) else None


def visitor_hash(*, link: ShareLink, visitor: str) -> str:
    """A keyed hash of who visited, per link: unique visitors can be counted, but neither the
    address nor the same person across links can be read back from it."""
    message = f"{link.pk}|{visitor}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def visit_record(*, link: ShareLink, visitor: str, user: User | None = None) -> bool:
    """Count a visit once per visitor; the owner's own clicks do not count. True when new."""
    if user is not None and user.pk == link.owner_id:
        return False
    try:
        with transaction.atomic():
            _visit, created = LinkVisit.objects.get_or_create(
                link=link,
                visitor=visitor_hash(link=link, visitor=visitor),
                defaults={"campaign_id": link.campaign_id},
            )
    except IntegrityError:
        return False
    return created


def supporter_record(
    *,
    campaign: Campaign,
    user: User,
    action: str,
    link: ShareLink | None = None,
    at: datetime | None = None,
) -> Supporter:
    """Record that `user` acted on `campaign`; only the first action counts, so calling again
    (another action, a repeated click) returns the first record. The link that brought them,
    if it still counts, makes a referral: its owner becomes the referrer, and the person takes
    their place in the referrer's cascade. Self-referral and loops count nothing."""
    existing = Supporter.objects.filter(campaign=campaign, user=user).first()
    if existing is not None:
        return existing
    at = at or timezone.now()
    if link is not None and (link.campaign_id != campaign.pk or not link_usable(link)):
        link = None
    referrer = link.owner if link is not None else None
    if referrer is not None and (
        referrer.pk == user.pk
        or Lineage.objects.filter(campaign=campaign, ancestor=user, descendant=referrer).exists()
    ):
        link, referrer = None, None
    parent = (
        Supporter.objects.filter(campaign=campaign, user=referrer).first() if referrer else None
    )
    source = Supporter.Source.DIRECT
    if link is not None:
        source = Supporter.Source.COHOST if credited_host(link) else Supporter.Source.LINK
    try:
        with transaction.atomic():
            supporter = Supporter.objects.create(
                campaign=campaign,
                user=user,
                action=action,
                source=source,
                link=link,
                referrer=referrer,
                parent=parent,
                root_id=parent.root_id if parent else (referrer or user).pk,
                generation=parent.generation + 1 if parent else (1 if referrer else 0),
                created_at=at,
                day=timezone.localdate(at),
            )
            if referrer is not None:
                _lineage_extend(campaign=campaign, referrer=referrer, person=user)
    except IntegrityError:
        return Supporter.objects.get(campaign=campaign, user=user)
    if referrer is not None:
        # After commit: counting then sees every concurrent referral that committed.
        transaction.on_commit(
            partial(referrer_tell, campaign_id=campaign.pk, referrer_id=referrer.pk)
        )
    return supporter


def _lineage_extend(*, campaign: Campaign, referrer: User, person: User) -> None:
    """`person` descends from `referrer` and from all of the referrer's ancestors."""
    above = Lineage.objects.filter(campaign=campaign, descendant=referrer).values_list(
        "ancestor_id", "distance"
    )
    Lineage.objects.bulk_create(
        [Lineage(campaign=campaign, ancestor=referrer, descendant=person, distance=1)]
        + [
            Lineage(campaign=campaign, ancestor_id=ancestor, descendant=person, distance=d + 1)
            for ancestor, d in above
        ]
    )


def referrer_tell(*, campaign_id: int, referrer_id: int) -> None:
    """Tell the referrer of the highest milestone their link has reached, once each. Runs
    after the referral's commit: counting then sees every concurrent referral that committed,
    so no milestone is skipped; the campaign and the person are read only when one is due."""
    count = Supporter.objects.filter(campaign_id=campaign_id, referrer_id=referrer_id).count()
    reached = [milestone for milestone in MILESTONES if milestone <= count]
    if not reached:
        return
    referrer = User.objects.filter(pk=referrer_id).first()
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if referrer is None or campaign is None:
        return
    notify(
        user=referrer,
        kind=Notification.Kind.RELAY_MILESTONE,
        key=f"relay:{campaign.pk}:{reached[-1]}",
        params={"campaign": campaign.title, "count": reached[-1]},
        url=campaign.get_absolute_url(),
    )
