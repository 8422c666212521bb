"""Writing whole cascades at once: the demo's campaigns and the analytics benchmark load
tens of thousands of supporters with their referrals, their links and their visits, with the
same invariants the one-at-a-time service keeps (generation, root, parent, lineage closure)."""

import bisect
import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from essaim.campaigns.models import Campaign, CampaignHost
from essaim.relay.models import Lineage, LinkVisit, ShareLink, Supporter
from essaim.relay.services import visitor_hash

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
    lineage and visits. A referrer who never acted (a co-host) roots their own cascade."""
    arrivals = sorted(arrivals, key=lambda a: (a.at, a.user_id))
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
        links = dict(
            ShareLink.objects.filter(campaign=campaign, owner__isnull=False).values_list(
                "owner_id", "id"
            )
        )
        # Generation, root and ancestors of everyone, in arrival order.
        generation: dict[int, int] = {}
        root: dict[int, int] = {}
        ancestors: dict[int, list[tuple[int, int]]] = {}
        rows: list[Supporter] = []
        closure: list[Lineage] = []
        for arrival in arrivals:
            user, referrer = arrival.user_id, arrival.referrer_id
            if user in generation:
                continue
            if referrer is not None and (
                referrer == user or user in dict(ancestors.get(referrer, []))
            ):
                referrer = None
            if referrer is None:
                generation[user], root[user], ancestors[user] = 0, user, []
            else:
                acted = referrer in generation
                generation[user] = generation[referrer] + 1 if acted else 1
                root[user] = root[referrer] if acted else referrer
                ancestors[user] = [(referrer, 1)] + [
                    (a, d + 1) for a, d in ancestors.get(referrer, [])
                ]
                closure.extend(
                    Lineage(campaign=campaign, ancestor_id=a, descendant_id=user, distance=d)
                    for a, d in ancestors[user]
                )
            source = Supporter.Source.DIRECT
            if referrer is not None:
                source = Supporter.Source.COHOST if referrer in hosts else Supporter.Source.LINK
            rows.append(
                Supporter(
                    campaign=campaign,
                    user_id=user,
                    action=arrival.action,
                    source=source,
                    link_id=links.get(referrer) if referrer is not None else None,
                    referrer_id=referrer,
                    root_id=root[user],
                    generation=generation[user],
                    created_at=arrival.at,
                    day=timezone.localdate(arrival.at),
                )
            )
        # Parents are supporter rows: write generation by generation, then point to them.
        ids: dict[int, int] = {}
        by_generation = sorted(rows, key=lambda row: row.generation)
        for number, group in itertools.groupby(by_generation, key=lambda row: row.generation):
            batch = list(group)
            for row in batch:
                if row.referrer_id is not None:
                    row.parent_id = ids.get(row.referrer_id)
            Supporter.objects.bulk_create(batch, batch_size=BATCH)
            ids.update(
                Supporter.objects.filter(campaign=campaign, generation=number).values_list(
                    "user_id", "id"
                )
            )
        Lineage.objects.bulk_create(closure, batch_size=BATCH)
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
        "lineage": len(closure),
        "visits": len(visits),
    }
