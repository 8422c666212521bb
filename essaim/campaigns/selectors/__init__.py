"""Reads on campaigns, scoped to the person asking. Counts are exact: computed from rows, or
from tallies kept in the same transaction as the rows. What people gave without an account
is read in `selectors.guest`, the invalidation of suspicious signatures in
`selectors.invalidation`."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.campaigns import permissions
from essaim.campaigns.ladder import goal_for, ladder
from essaim.campaigns.models import (
    Campaign,
    CampaignHost,
    CampaignVideo,
    Challenge,
    CheckIn,
    Donation,
    Event,
    EventResult,
    Fundraiser,
    InKindPledge,
    Participant,
    Pledge,
    Rsvp,
    Signature,
    SignatureTally,
)
from essaim.campaigns.models.campaign import COMMUNITY_MANAGERS, hosts_q
from essaim.communities.models import Membership
from essaim.core.cache import forget, read_through
from essaim.core.errors import NotFound
from essaim.core.places import BoundingBox, Point, in_window, within

# How far back the list of recent signers looks.
RECENT_WINDOW = 500
# How long a write outside the services (the admin) may leave a stale shared lookup behind.
PUBLIC_LOOKUP_SECONDS = 30
PLEDGE_SHOWN_SECONDS = 10


class Unknown:
    """Not given (None is an answer: "no signature")."""


UNKNOWN = Unknown()


def _public_key(slug: str) -> str:
    return f"campaigns:public:{slug}"


def _public_campaign(slug: str) -> Campaign | None:
    """The campaign at `slug` if everyone may see it, with its pledge. Every click and page
    view of a viral campaign starts here, so the answer is shared (`core.cache.read_through`):
    the services that change a campaign or its pledge forget it (`campaign_forget`), other app
    processes within a second, and PUBLIC_LOOKUP_SECONDS bounds what a write outside the
    services (the admin) leaves behind."""
    if len(slug) > Campaign._meta.get_field("slug").max_length:  # type: ignore[operator]
        return None
    return read_through(
        _public_key(slug),
        lambda: (
            Campaign.objects.visible_to(AnonymousUser())
            .select_related("pledge")
            .filter(slug=slug)
            .first()
        ),
        seconds=PUBLIC_LOOKUP_SECONDS,
    )


def campaign_video_of(campaign: Campaign) -> CampaignVideo | None:
    """The campaign's video in any state (its hosts' page); the caller checked who asks."""
    return CampaignVideo.objects.filter(campaign=campaign).first()


def campaign_video_shown(campaign: Campaign) -> CampaignVideo | None:
    """The video the campaign's page shows: one whose preview was read."""
    return CampaignVideo.objects.filter(campaign=campaign, state=CampaignVideo.State.READY).first()


def campaign_forget(*slugs: str) -> None:
    """After a service changed campaigns' rows or pledges."""
    forget(*(_public_key(slug) for slug in slugs))


def campaign_get_for(
    *, slug: str, user: User | AnonymousUser, moderated_too: bool = False
) -> Campaign:
    """The campaign at `slug` with its pledge, if `user` may see it (else NotFound). What
    everyone may see comes from the shared lookup: it is in `visible_to(user)` for anyone.
    `moderated_too`: see `visible_to` (the page alone; an action still needs it shown)."""
    campaign = _public_campaign(slug)
    # What a moderator reads only as such is not marked seen: the services ask again.
    seen = campaign is not None or not moderated_too
    if campaign is None and isinstance(user, User):
        campaign = (
            Campaign.objects.visible_to(user, moderated_too=moderated_too)
            .select_related("pledge")
            .filter(slug=slug)
            .first()
        )
    if campaign is None:
        raise NotFound(_("This campaign does not exist."))
    if seen:
        permissions.campaign_seen_by(campaign, user)
    return campaign


def campaign_hosted_by(*, slug: str, user: User | AnonymousUser) -> Campaign:
    """The campaign, for its hosts only (dashboards, planner): anyone else gets the same 404
    as for a campaign that does not exist."""
    campaign = campaign_get_for(slug=slug, user=user)
    if not permissions.is_host(user, campaign):
        raise NotFound(_("This campaign does not exist."))
    return campaign


def hosts_of(campaign: Campaign) -> list[CampaignHost]:
    return list(
        campaign.hosts.filter(status=CampaignHost.Status.ACCEPTED)
        .select_related("user", "community")
        .order_by("created_at", "pk")
    )


def invitations_for(user: User) -> QuerySet[CampaignHost]:
    return CampaignHost.objects.filter(
        hosts_q(user), status=CampaignHost.Status.INVITED
    ).select_related("campaign", "community", "user")


# Pledge ---------------------------------------------------------------------------------


def signature_count(pledge: Pledge) -> int:
    """Exact, and as cheap at a million signatures as at ten (see `SignatureTally`)."""
    return int(SignatureTally.objects.filter(pledge=pledge).aggregate(n=Sum("count"))["n"] or 0)


def pledge_progress(count: int, goal_ladder: str) -> dict[str, int]:
    """The count, the next goal on the pledge's ladder and how far along it is."""
    goal = goal_for(count, ladder(goal_ladder))
    return {"count": count, "goal": goal, "percent": min(100, round(100 * count / goal))}


def _shown_key(pledge_id: int) -> str:
    return f"campaigns:pledge-shown:{pledge_id}"


def pledge_shown(pledge: Pledge) -> tuple[int, list[User]]:
    """The count and the recent signers, the same for every reader of the pledge's panel and
    read on every click, so shared (`core.cache.read_through`). The count moves only when the
    tally does, which forgets it (`pledge_shown_forget`): exact once settled, in other app
    processes a second later. Names follow within PLEDGE_SHOWN_SECONDS (one shown or hidden
    again, an account closed)."""
    return read_through(
        _shown_key(pledge.pk),
        lambda: (signature_count(pledge), recent_signers(pledge, 10)),
        seconds=PLEDGE_SHOWN_SECONDS,
    )


def pledge_shown_forget(pledge_id: int) -> None:
    """After the tally moved."""
    forget(_shown_key(pledge_id))


def pledge_summary(
    pledge: Pledge, user: User | AnonymousUser, *, mine: Signature | Unknown | None = UNKNOWN
) -> dict[str, Any]:
    """The pledge's panel for `user`; `mine`: their signature when the caller has it at hand
    (the one just written), else read here."""
    if isinstance(mine, Unknown):
        mine = (
            Signature.objects.filter(pledge=pledge, user=user).first()
            if isinstance(user, User)
            else None
        )
    count, recent = pledge_shown(pledge)
    return {
        **pledge_progress(count, pledge.goal_ladder),
        "signed": mine is not None,
        "show_name": bool(mine and mine.show_name),
        # Set aside by the hosts or the moderators: said to the signer, not counted.
        "set_aside": bool(mine and mine.invalidation_id),
        "recent": recent,
    }


def recent_signers(pledge: Pledge, limit: int) -> list[User]:
    """Who signed lately and agreed to be shown, among the last few hundred signatures: a
    petition where few show their name would otherwise be read whole on every page view.
    Only what a name shows is read (the rows are cached, passwords stay out)."""
    latest = pledge.signatures.order_by("-created_at", "-pk").values("pk")[:RECENT_WINDOW]
    signatures = (
        Signature.objects.filter(
            pk__in=Subquery(latest),
            show_name=True,
            user__is_active=True,
            invalidation__isnull=True,
        )
        .select_related("user")
        .only("user__handle", "user__display_name")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [signature.user for signature in signatures]


# Challenge ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    joined: bool
    days_done: int
    streak: int
    checked_today: bool
    checked_yesterday: bool


def streak(dates: set[date], today: date) -> int:
    """Consecutive days checked in, ending today (or yesterday if today is not done yet)."""
    day = today if today in dates else today - timedelta(days=1)
    length = 0
    while day in dates:
        length += 1
        day -= timedelta(days=1)
    return length


def challenge_progress(challenge: Challenge, user: User | AnonymousUser) -> Progress:
    today = timezone.localdate()
    if not isinstance(user, User):
        return Progress(False, 0, 0, False, False)
    participant = Participant.objects.filter(challenge=challenge, user=user).first()
    if participant is None:
        return Progress(False, 0, 0, False, False)
    dates = set(participant.check_ins.values_list("date", flat=True))
    return Progress(
        joined=True,
        days_done=len(dates),
        streak=streak(dates, today),
        checked_today=today in dates,
        checked_yesterday=(today - timedelta(days=1)) in dates,
    )


def challenge_summary(challenge: Challenge) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "participants": challenge.participants.count(),
        "check_ins": CheckIn.objects.filter(participant__challenge=challenge).count(),
        "today": challenge.days.filter(date=today).first(),
        "day_number": (today - challenge.starts_on).days + 1,
        "length": (challenge.ends_on - challenge.starts_on).days + 1,
        "running": challenge.starts_on <= today <= challenge.ends_on,
    }


def challenge_leaderboard_by_community(
    challenge: Challenge, limit: int = 10
) -> list[dict[str, Any]]:
    """Check-ins of the challenge's participants, summed by the public communities they are
    active members of (one person counts for each of their communities)."""
    rows = (
        Membership.objects.filter(
            status=Membership.Status.ACTIVE,
            community__visibility="public",
            user__challenges__challenge=challenge,
        )
        .values("community__name", "community__slug")
        .annotate(
            people=Count("user", distinct=True),
            check_ins=Count("user__challenges__check_ins"),
        )
        .order_by("-check_ins", "community__name")[:limit]
    )
    return [dict(row) for row in rows]


# Events ---------------------------------------------------------------------------------


def events_of(
    campaign: Campaign, user: User | AnonymousUser, *, cancelled: bool = False
) -> QuerySet[Event]:
    """Approved events for all; proposals too for hosts and for whoever proposed them;
    `cancelled`: called-off events too (their page says so; lists leave them out)."""
    shown = Q(status=Event.Status.APPROVED)
    if cancelled:
        shown |= Q(status=Event.Status.CANCELLED)
    if isinstance(user, User):
        if permissions.is_host(user, campaign):
            shown |= Q(status=Event.Status.PROPOSED)
        else:
            shown |= Q(status=Event.Status.PROPOSED, proposed_by=user)
    return (
        campaign.events.filter(shown)
        .annotate(
            confirmed=Count("rsvps", filter=Q(rsvps__status=Rsvp.Status.CONFIRMED)),
            waiting=Count("rsvps", filter=Q(rsvps__status=Rsvp.Status.WAITLISTED)),
        )
        .order_by("starts_at", "pk")
    )


def events_upcoming_visible(
    user: User | AnonymousUser, *, now: datetime | None = None
) -> QuerySet[Event]:
    """Approved events not started yet, of the campaigns `user` may see."""
    return Event.objects.filter(
        status=Event.Status.APPROVED,
        starts_at__gte=now or timezone.now(),
        campaign__in=Campaign.objects.visible_to(user),
    )


def events_near(
    *,
    user: User | AnonymousUser,
    point: Point,
    radius_km: float,
    by_date: bool = False,
    now: datetime | None = None,
) -> QuerySet[Event]:
    """Upcoming events within `radius_km` of `point`, nearest first (or soonest first with
    `by_date`), each with `distance_km`. An event shows its exact place: it is public."""
    events = within(events_upcoming_visible(user, now=now), point, radius_km)
    if by_date:
        events = events.order_by("starts_at", "pk")
    return events.select_related("campaign")


def events_in_window(
    *, user: User | AnonymousUser, box: BoundingBox, now: datetime | None = None
) -> QuerySet[Event]:
    return in_window(events_upcoming_visible(user, now=now), box).select_related("campaign")


def event_get_for(*, campaign: Campaign, pk: int, user: User | AnonymousUser) -> Event:
    try:
        return events_of(campaign, user, cancelled=True).select_related("campaign").get(pk=pk)
    except Event.DoesNotExist as error:
        raise NotFound(_("This event does not exist.")) from error


def rsvp_of(event: Event, user: User | AnonymousUser) -> Rsvp | None:
    if not isinstance(user, User):
        return None
    return Rsvp.objects.filter(event=event, user=user).exclude(status=Rsvp.Status.CANCELLED).first()


def waitlist_rank(rsvp: Rsvp) -> int:
    return Rsvp.objects.filter(
        event_id=rsvp.event_id, status=Rsvp.Status.WAITLISTED, position__lte=rsvp.position
    ).count()


def results_of(campaign: Campaign) -> QuerySet[EventResult]:
    """The results that count toward the campaign's impact: those of all its events."""
    return EventResult.objects.filter(event__campaign=campaign)


def impact_totals(campaign: Campaign) -> list[dict[str, Any]]:
    """Results of all events, summed by measure and unit (kg of litter, bags...)."""
    rows = (
        results_of(campaign)
        .values("measure", "unit")
        .annotate(total=Sum("quantity"), events=Count("event", distinct=True))
        .order_by("measure", "unit")
    )
    return [dict(row) for row in rows]


def events_with_results(campaign: Campaign) -> QuerySet[Event]:
    """Where the impact came from: the events whose results `impact_totals` adds up, oldest
    first, each with its results."""
    return (
        campaign.events.filter(pk__in=results_of(campaign).values("event_id"))
        .prefetch_related(
            Prefetch("results", queryset=EventResult.objects.order_by("measure", "unit"))
        )
        .order_by("starts_at", "pk")
    )


# Fundraising ----------------------------------------------------------------------------


def fundraiser_totals(fundraiser: Fundraiser) -> dict[str, Any]:
    """Progress toward the goal, and what it is made of: money received (`donations`) plus
    the declared value of goods pledged and delivered (`in_kind`). Goods promised but not yet
    delivered (`in_kind_promised`) are shown beside them and count once delivered."""
    donations = fundraiser.donations.filter(status=Donation.Status.SUCCEEDED).aggregate(
        amount=Sum("amount"), donors=Count("pk")
    )
    in_kind = fundraiser.in_kind.aggregate(
        delivered=Sum("declared_value", filter=Q(status=InKindPledge.Status.DELIVERED)),
        promised=Sum("declared_value", filter=Q(status=InKindPledge.Status.PROMISED)),
        partners=Count("partner", distinct=True, filter=~Q(status=InKindPledge.Status.CANCELLED)),
    )
    total = (donations["amount"] or 0) + (in_kind["delivered"] or 0)
    return {
        "donations": donations["amount"] or 0,
        "donors": donations["donors"],
        "in_kind": in_kind["delivered"] or 0,
        "in_kind_promised": in_kind["promised"] or 0,
        "partners": in_kind["partners"],
        "total": total,
        "goal": fundraiser.goal_amount,
        "percent": min(100, round(100 * total / fundraiser.goal_amount))
        if fundraiser.goal_amount
        else 100,
    }


def ledger(fundraiser: Fundraiser) -> QuerySet[Donation]:
    return fundraiser.donations.filter(status=Donation.Status.SUCCEEDED).order_by(
        "-created_at", "-pk"
    )


# Co-hosts -------------------------------------------------------------------------------


def host_leaderboard(campaign: Campaign) -> list[dict[str, Any]]:
    """Actions credited to each co-host's audience: one query per kind of action, whatever
    the number of co-hosts or actions."""
    hosts = hosts_of(campaign)
    counts: dict[int, dict[str, Any]] = {
        host.pk: {
            "host": host,
            "people": 0,
            "signatures": 0,
            "participants": 0,
            "rsvps": 0,
            "donations": 0,
        }
        for host in hosts
    }
    sources: list[tuple[str, QuerySet[Any], str]] = [
        # A batch set aside as suspicious credits no one.
        (
            "signatures",
            Signature.objects.filter(pledge__campaign=campaign, invalidation__isnull=True),
            "pk",
        ),
        ("participants", Participant.objects.filter(challenge__campaign=campaign), "pk"),
        (
            "rsvps",
            Rsvp.objects.filter(event__campaign=campaign, status=Rsvp.Status.CONFIRMED),
            "pk",
        ),
        (
            "donations",
            Donation.objects.filter(
                fundraiser__campaign=campaign, status=Donation.Status.SUCCEEDED
            ),
            "amount",
        ),
    ]
    for name, queryset, field in sources:
        aggregate = Sum(field) if field == "amount" else Count(field)
        for row in queryset.filter(host__in=counts).values("host_id").annotate(value=aggregate):
            counts[row["host_id"]][name] = row["value"] or 0
    for host_id, people in _people_mobilised(hosts, [queryset for _n, queryset, _f in sources]):
        counts[host_id]["people"] = people
    board = list(counts.values())
    board.sort(key=lambda row: (row["people"], row["donations"]), reverse=True)
    return board


def _people_mobilised(
    hosts: list[CampaignHost], sources: list[QuerySet[Any]]
) -> list[tuple[int, int]]:
    """(host id, distinct people) credited to each co-host: one person who signs, joins the
    challenge and comes to an event through a co-host's link is one person mobilised, not
    three; a co-host acting through their own link mobilises nobody."""
    if not hosts:
        return []
    own = Q()
    for host in hosts:
        if host.user_id is not None:
            own |= Q(host_id=host.pk, user_id=host.user_id)
    actions = [
        queryset.filter(host__in=[host.pk for host in hosts], user__isnull=False)
        .exclude(own)
        .values("host_id", "user_id")
        for queryset in sources
    ]
    # UNION (not ALL) leaves each (co-host, person) pair once, counted in the database.
    pairs = actions[0].union(*actions[1:])
    sql, params = pairs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT host_id, COUNT(*) FROM ({sql}) AS pairs GROUP BY host_id",  # noqa: S608
            params,
        )
        return [(int(host_id), int(people)) for host_id, people in cursor.fetchall()]


def campaign_summary(campaign: Campaign) -> dict[str, Any]:
    """The counts shown on a campaign card, in a fixed number of queries."""
    pledge = Pledge.objects.filter(campaign=campaign).first()
    challenge = Challenge.objects.filter(campaign=campaign).first()
    fundraiser = Fundraiser.objects.filter(campaign=campaign).first()
    return {
        "signatures": signature_count(pledge) if pledge else None,
        "participants": challenge.participants.count() if challenge else None,
        "events": campaign.events.filter(status=Event.Status.APPROVED).count(),
        "raised": fundraiser_totals(fundraiser)["total"] if fundraiser else None,
        "currency": fundraiser.currency if fundraiser else "",
    }


def followed_campaign_ids(user: User) -> QuerySet[Any]:
    return user.campaign_follows.values("campaign_id")


def is_following(user: User | AnonymousUser, campaign: Campaign) -> bool:
    return isinstance(user, User) and campaign.follows.filter(user=user).exists()


def money(amount: int | Decimal) -> Decimal:
    """Minor units to a decimal amount for display."""
    return Decimal(amount) / 100


def host_people(campaign: Campaign) -> list[User]:
    """Everyone who speaks for an accepted host: the person, or a community's managers."""
    hosts = CampaignHost.objects.filter(campaign=campaign, status=CampaignHost.Status.ACCEPTED)
    people = User.objects.filter(is_active=True).filter(
        pk__in=hosts.filter(user__isnull=False).values("user_id")
    ) | User.objects.filter(
        is_active=True,
        memberships__community_id__in=hosts.filter(community__isnull=False).values("community_id"),
        memberships__status=Membership.Status.ACTIVE,
        memberships__role__in=COMMUNITY_MANAGERS,
    )
    return list(people.distinct().order_by("pk"))
