"""Writing whole cascades at once: the demo's campaigns and the analytics benchmark load
tens of thousands of supporters with their referrals, their links and their visits, through
the same service as one action (`services.supporters_record`: generation, root, parent,
lineage closure)."""

import bisect
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from essaim.campaigns.models import Campaign, CampaignHost
from essaim.relay.models import Lineage, LinkVisit, ShareLink
from essaim.relay.services import Acted, supporters_record, visitor_hash

BATCH = 5000


@dataclass
class Arrival:
    """Someone's first action on a campaign; `referrer` is whoever's link brought them."""

    user_id: int
    at: datetime
    action: str
    referrer_id: int | None = None


def pick_referrers(
    arrivals: list[Arrival],
    rng: random.Random,
    *,
    share: float,
    alpha: float = 2.0,
    exclude: Iterable[int] = (),
    audience: dict[int, int] | None = None,
) -> None:
    """Give a fraction `share` of the arrivals that have no referrer yet one among the people
    who arrived before them, drawn in proportion to a heavy-tailed "sharing power" that grows
    with one's audience (`audience`: followers per person) but is not set by it: most people
    bring no one, a few bring dozens, and chains grow several generations deep."""
    audience = audience or {}
    excluded = set(exclude)
    people: list[int] = []
    cumulative: list[float] = []
    total = 0.0
    for arrival in sorted(arrivals, key=lambda a: a.at):
        if arrival.referrer_id is None and people and rng.random() < share:
            arrival.referrer_id = people[bisect.bisect_left(cumulative, rng.random() * total)]
        if arrival.user_id not in excluded:
            total += (rng.paretovariate(alpha) - 1) * (1 + audience.get(arrival.user_id, 0)) ** 0.5
            people.append(arrival.user_id)
            cumulative.append(total)


def load(
    campaign: Campaign,
    arrivals: list[Arrival],
    rng: random.Random,
    *,
    visitors_per_participant: float = 2.5,
) -> dict[str, int]:
    """Write `arrivals` (first actions, any order) as the campaign's supporters with links,
    lineage and visits, through the same rules as every action (`supporters_record`). A
    referrer who never acted (a co-host) roots their own cascade."""
    hosts = {
        host.user_id: host
        for host in CampaignHost.objects.filter(
            campaign=campaign, status=CampaignHost.Status.ACCEPTED, user__isnull=False
        )
    }
    with transaction.atomic():
        referrers = {a.referrer_id for a in arrivals if a.referrer_id is not None}
        ShareLink.objects.bulk_create(
            [
                ShareLink(
                    campaign=campaign,
                    owner_id=owner,
                    host=hosts.get(owner),
                    **({"code": hosts[owner].code} if owner in hosts else {}),
                )
                for owner in sorted(referrers)
            ],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
        links = {
            link.owner_id: link
            for link in ShareLink.objects.filter(
                campaign=campaign, owner_id__in=referrers
            ).select_related("owner", "host")
        }
        rows = supporters_record(
            campaign_id=campaign.pk,
            acted=[
                Acted(
                    user_id=arrival.user_id,
                    action=arrival.action,
                    at=arrival.at,
                    link=links.get(arrival.referrer_id) if arrival.referrer_id else None,
                )
                for arrival in arrivals
            ],
            # A loaded past is no news to anyone.
            tell=False,
            batch_size=BATCH,
        )
        # Visits: more visitors than converts, at a rate that differs from link to link.
        brought: dict[int, int] = {}
        for row in rows:
            if row.link_id is not None:
                brought[row.link_id] = brought.get(row.link_id, 0) + 1
        visits: list[LinkVisit] = []
        for link_id, count in brought.items():
            link = ShareLink(pk=link_id, campaign=campaign)
            seen = count + int(count * rng.uniform(0.3, 2 * visitors_per_participant - 1.3))
            visits.extend(
                LinkVisit(
                    link_id=link_id,
                    campaign=campaign,
                    visitor=visitor_hash(link=link, visitor=f"demo:{i}"),
                )
                for i in range(seen)
            )
        LinkVisit.objects.bulk_create(visits, batch_size=BATCH, ignore_conflicts=True)
    return {
        "supporters": len(rows),
        "referrals": sum(1 for row in rows if row.referrer_id is not None),
        "lineage": Lineage.objects.filter(
            campaign=campaign, descendant_id__in=[row.user_id for row in rows]
        ).count(),
        "visits": len(visits),
    }
