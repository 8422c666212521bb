"""Share links, their visits, and recording who brought whom when someone acts."""

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError
from django.utils import timezone

from essaim.accounts.models import User
from essaim.campaigns.models import Campaign, CampaignHost, Participant, Signature
from essaim.campaigns.permissions import can_act
from essaim.campaigns.services.settle import actions_credit
from essaim.core.writes import insert_or_get
from essaim.relay.events import REFERRALS_RECORDED
from essaim.relay.models import Lineage, LinkVisit, ShareLink, Supporter
from essaim.relay.selectors import is_supporter, link_panel

# Rows per INSERT when many supporters are recorded at once.
BATCH = 5000


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


def link_for(*, user: User, campaign: Campaign, new_owner: bool = False) -> ShareLink:
    """`user`'s own link to `campaign`, created on first ask; asking again returns the same
    one. A co-host's personal link is also their co-host link, under their host code (a link
    made before they accepted is re-pointed when they do: `host_accepted`).

    `new_owner`: the person was recorded by the very request that asks (a stranger's first
    action, whose page shows their link at once). They can have neither a link nor a
    co-host's place yet, so theirs is inserted without a look: one statement, or the stored
    link should another of their requests have made it meanwhile."""
    if new_owner:
        return insert_or_get(
            ShareLink(campaign=campaign, owner=user), unique=["campaign", "owner"]
        )[0]
    link = ShareLink.objects.filter(campaign=campaign, owner=user).first()
    if link is not None:
        return link
    host = CampaignHost.objects.filter(
        campaign=campaign, user=user, status=CampaignHost.Status.ACCEPTED
    ).first()
    code_taken = host is not None and ShareLink.objects.filter(code=host.code).exists()
    link, _created = insert_or_get(
        ShareLink(
            campaign=campaign,
            owner=user,
            host=host,
            **({"code": host.code} if host is not None and not code_taken else {}),
        ),
        unique=["campaign", "owner"],
    )
    return link


def share_panel(user: User | AnonymousUser, campaign: Campaign, *, is_host: bool) -> dict[str, Any]:
    """The campaign page's share panel: one's own link (made on first ask) once one has acted
    (or hosts), while the campaign is live; nothing for anyone else."""
    if not isinstance(user, User) or not can_act(campaign):
        return {}
    if not (is_host or is_supporter(user, campaign)):
        return {}
    return link_panel(link_for(user=user, campaign=campaign), campaign)


def host_accepted(*, host_id: int, user_id: int, campaign_id: int) -> None:
    """HOST_ACCEPTED's subscriber, in the answer's transaction: a link the new co-host made
    before (as a supporter) now speaks for them as co-host too."""
    ShareLink.objects.filter(campaign_id=campaign_id, owner_id=user_id).exclude(
        host_id=host_id
    ).update(host_id=host_id, updated_at=timezone.now())


def link_for_host(host: CampaignHost) -> ShareLink:
    """The link behind a co-host's attribution code."""
    if host.user is not None:
        return link_for(user=host.user, campaign=host.campaign)
    link, _created = ShareLink.objects.get_or_create(
        host=host, defaults={"campaign": host.campaign, "code": host.code}
    )
    return link


def link_resolve(code: str, *, usable_only: bool = True) -> ShareLink | None:
    """The link behind a code: a share link's, or a co-host's attribution code (the `?via=`
    links printed before share links existed keep working). Unless `usable_only` is False, a
    link that counts nothing (its owner left) is None."""
    link = links_resolve({code}).get(code[:16])
    return link if link is not None and (not usable_only or link_usable(link)) else None


def campaign_link(*, campaign_id: int, via: str) -> ShareLink | None:
    """The usable share link `via` names if it is one of the campaign's, else None."""
    link = link_resolve(via) if via else None
    return link if link is not None and link.campaign_id == campaign_id else None


def links_resolve(codes: Collection[str]) -> dict[str, ShareLink]:
    """The links behind `codes` (as `link_resolve`, usable or not), in one query for the
    share links; a co-host code without its link yet gets one."""
    wanted = {code[:16] for code in codes if code}
    if not wanted:
        return {}
    links = {
        link.code: link
        for link in ShareLink.objects.select_related("owner", "host", "campaign").filter(
            code__in=wanted
        )
    }
    missing = wanted - links.keys()
    if missing:
        for host in CampaignHost.objects.select_related("user", "campaign").filter(
            code__in=missing, status=CampaignHost.Status.ACCEPTED
        ):
            links[host.code] = link_for_host(host)
    return links


def visitor_hash(*, link: ShareLink, visitor: str) -> str:
    """A keyed hash of who visited, per link: unique visitors can be counted, but neither the
    address nor the same person across links can be read back from it."""
    message = f"{link.pk}|{visitor}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def visit_record(*, link: ShareLink, visitor: str, user: User | None = None) -> bool:
    """Count a visit once per visitor; the owner's own clicks do not count. True when new."""
    if user is not None and user.pk == link.owner_id:
        return False
    # Every stranger a spike brings starts here: a new visitor is one INSERT in autocommit.
    visit = LinkVisit(
        link=link, campaign_id=link.campaign_id, visitor=visitor_hash(link=link, visitor=visitor)
    )
    try:
        _visit, created = insert_or_get(visit, unique=["link", "visitor"])
    except IntegrityError:  # the link was deleted since it was resolved: nothing to count
        return False
    return created


@dataclass(frozen=True)
class Acted:
    """Someone acted on a campaign at `at`; `link`: the share link they came through."""

    user_id: int
    action: str
    at: datetime
    link: ShareLink | None = None


def supporter_record(
    *,
    campaign: Campaign,
    user: User,
    action: str,
    link: ShareLink | None = None,
    at: datetime | None = None,
) -> Supporter:
    """Record that `user` acted on `campaign` (`supporters_record` for one person); calling
    again (another action, a repeated click) returns the first record."""
    supporters_record(
        campaign_id=campaign.pk,
        acted=[Acted(user_id=user.pk, action=action, at=at or timezone.now(), link=link)],
    )
    return Supporter.objects.get(campaign=campaign, user=user)


def supporters_record(
    *, campaign_id: int, acted: Sequence[Acted], tell: bool = True, batch_size: int = BATCH
) -> list[Supporter]:
    """Record who acted on a campaign, set-based, in the caller's transaction; the records
    written (people already recorded keep their first one, which no later action changes).

    The rules, written once for every path (a click, a settle's batch, a bulk load): the link
    that brought someone, if it is the campaign's and still counts, makes a referral: its
    owner becomes the referrer, and the person takes their place in the referrer's cascade —
    parent (the referrer's own record, if they acted before), root and generation, and a
    lineage row to the referrer and to each of the referrer's ancestors. Self-referral and
    loops (a referrer who descends from the person) count nothing. Within `acted`, people
    are taken in the order they acted, so a batch records what one-by-one calls would.

    Concurrent callers meet on the unique (campaign, person) constraint; the lineage is
    written only for the records this call wrote. With `tell`, it announces
    `relay.referrals_recorded` (notifications tells the referrers after commit)."""
    ordered = sorted(acted, key=lambda each: (each.at, each.user_id))
    supporters = Supporter.objects.filter(campaign_id=campaign_id)
    recorded = {
        user_id
        for chunk in _chunks({each.user_id for each in ordered})
        for user_id in supporters.filter(user_id__in=chunk).values_list("user_id", flat=True)
    }
    fresh: list[Acted] = []
    for each in ordered:
        if each.user_id in recorded:
            continue
        recorded.add(each.user_id)
        link = each.link
        if link is not None and (link.campaign_id != campaign_id or not link_usable(link)):
            link = None
        fresh.append(Acted(user_id=each.user_id, action=each.action, at=each.at, link=link))
    if not fresh:
        return []
    referrers = {each.link.owner_id for each in fresh if each.link and each.link.owner_id}
    # What the database knows of the referrers: their own records and their ancestors.
    known: dict[int, Supporter] = {
        supporter.user_id: supporter
        for chunk in _chunks(referrers)
        for supporter in supporters.filter(user_id__in=chunk).only(
            "pk", "user_id", "root_id", "generation"
        )
    }
    ancestors: dict[int, dict[int, int]] = defaultdict(dict)
    for chunk in _chunks(referrers):
        for ancestor, descendant, distance in Lineage.objects.filter(
            campaign_id=campaign_id, descendant_id__in=chunk
        ).values_list("ancestor_id", "descendant_id", "distance"):
            ancestors[descendant][ancestor] = distance
    rows: dict[int, Supporter] = {}
    parent_of: dict[int, int] = {}  # person → referrer whose record this call writes first
    for each in fresh:
        user, link = each.user_id, each.link
        referrer = link.owner_id if link is not None else None
        if referrer is not None and (referrer == user or user in ancestors[referrer]):
            link, referrer = None, None
        parent = rows.get(referrer) or known.get(referrer) if referrer is not None else None
        source = Supporter.Source.DIRECT
        if link is not None:
            source = Supporter.Source.COHOST if credited_host(link) else Supporter.Source.LINK
        rows[user] = Supporter(
            campaign_id=campaign_id,
            user_id=user,
            action=each.action,
            source=source,
            link_id=link.pk if link is not None else None,
            referrer_id=referrer,
            parent_id=parent.pk if parent is not None else None,
            root_id=parent.root_id if parent is not None else (referrer or user),
            generation=parent.generation + 1 if parent is not None else (1 if referrer else 0),
            created_at=each.at,
            day=timezone.localdate(each.at),
        )
        if referrer is not None:
            if referrer in rows and referrer not in known:
                parent_of[user] = referrer
            ancestors[user] = {referrer: 1} | {
                ancestor: distance + 1 for ancestor, distance in ancestors[referrer].items()
            }
    Supporter.objects.bulk_create(rows.values(), batch_size=batch_size, ignore_conflicts=True)
    stored = {
        supporter.user_id: supporter
        for chunk in _chunks(rows)
        for supporter in supporters.filter(user_id__in=chunk).only(
            "pk", "user_id", "action", "referrer_id", "link_id", "created_at"
        )
    }
    # Ours, unless a concurrent caller recorded the same person first (and differently).
    written = [
        row
        for user, row in rows.items()
        if (stored_row := stored.get(user)) is not None
        and (stored_row.action, stored_row.referrer_id, stored_row.link_id, stored_row.created_at)
        == (row.action, row.referrer_id, row.link_id, row.created_at)
    ]
    for row in written:
        row.pk = stored[row.user_id].pk
    children = [row for row in written if row.user_id in parent_of]
    for row in children:
        row.parent_id = stored[parent_of[row.user_id]].pk
    Supporter.objects.bulk_update(children, ["parent"], batch_size=batch_size)
    Lineage.objects.bulk_create(
        [
            Lineage(
                campaign_id=campaign_id,
                ancestor_id=ancestor,
                descendant_id=row.user_id,
                distance=distance,
            )
            for row in written
            for ancestor, distance in ancestors.get(row.user_id, {}).items()
        ],
        batch_size=batch_size,
        ignore_conflicts=True,
    )
    referrer_ids = sorted({row.referrer_id for row in written if row.referrer_id})
    if tell and referrer_ids:
        REFERRALS_RECORDED.publish(campaign_id=campaign_id, referrer_ids=referrer_ids)
    return written


def _chunks(ids: Collection[int]) -> list[list[int]]:
    # Bounded IN lists: PostgreSQL takes at most 65,535 bound parameters in one query.
    ordered = sorted(ids)
    return [ordered[start : start + BATCH] for start in range(0, len(ordered), BATCH)]


def _settled(campaign_id: int, action: str, rows: list[dict[str, Any]]) -> dict[int, int]:
    """A settled batch of one kind of action: the people become supporters, credited to the
    link they came through; the answer is the rows a co-host's link brought ({row id: host
    id})."""
    links = links_resolve({row["via"] for row in rows})
    acted: list[Acted] = []
    hosts: dict[int, int] = {}
    for row in rows:
        link = links.get(row["via"])
        if link is not None and link.campaign_id != campaign_id:
            link = None
        acted.append(
            Acted(
                user_id=row["user_id"],
                action=action,
                at=datetime.fromisoformat(row["at"]),
                link=link,
            )
        )
        host = credited_host(link)
        if host is not None:
            hosts[row["id"]] = host.pk
    supporters_record(campaign_id=campaign_id, acted=acted)
    return hosts


def signatures_settled(
    *, campaign_id: int, pledge_id: int, signatures: list[dict[str, Any]]
) -> None:
    """`campaigns.signatures_settled`: the signers become supporters, and signatures through
    a co-host's link are credited to the co-host."""
    actions_credit(Signature, _settled(campaign_id, Supporter.Action.SIGN, signatures))


def participants_settled(
    *, campaign_id: int, challenge_id: int, participants: list[dict[str, Any]]
) -> None:
    """`campaigns.participants_settled`: as `signatures_settled`, for challenge joins."""
    actions_credit(Participant, _settled(campaign_id, Supporter.Action.JOIN, participants))


def credited_host_id(campaign_id: int, via: str) -> int | None:
    """campaigns.attribution's host credit: the co-host behind the code, if it still counts."""
    host = credited_host(campaign_link(campaign_id=campaign_id, via=via))
    return host.pk if host is not None else None


def acted(*, campaign_id: int, user_id: int, action: str, via: str, at: str) -> None:
    """`campaigns.acted`: the person becomes a supporter, credited to the link they came
    through (in the action's transaction: recorded exactly when the action is)."""
    supporters_record(
        campaign_id=campaign_id,
        acted=[
            Acted(
                user_id=user_id,
                action=action,
                at=datetime.fromisoformat(at),
                link=campaign_link(campaign_id=campaign_id, via=via),
            )
        ],
    )
