"""Reads on what people gave without an account: their own record (their data page), the
action a browser remembers, and what the hosts may know of them (the names of those who
ticked "hear from the hosts", and how many more they count without knowing who)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import formats, timezone

from essaim.accounts.models import User
from essaim.campaigns.models import Campaign, GuestAction, Signature


@dataclass(frozen=True)
class GuestActionRow:
    """One action a person gave with a name and an e-mail, as they gave it: what their data
    page shows them (and nobody else)."""

    kind: str
    campaign: Campaign
    what: str
    consent: str
    postcode: str
    hear_from_hosts: bool
    given_at: datetime
    confirmed_at: datetime | None
    # In a batch of suspicious signatures the hosts or the moderators set aside: not counted.
    set_aside: bool = False


def _set_aside_signature() -> QuerySet[Signature]:
    """For a guest action's row: its signature, when a batch of suspicious ones holds it."""
    return Signature.objects.filter(
        pledge=OuterRef("pledge"), user=OuterRef("user"), invalidation__isnull=False
    )


def guest_actions_of(person: User) -> list[GuestActionRow]:
    """Everything `person` gave without an account, newest first, whatever the campaign's
    state (a closed or hidden campaign's record is still theirs to see)."""
    rows = (
        GuestAction.objects.filter(user=person)
        .annotate(set_aside=Exists(_set_aside_signature()))
        .select_related("campaign", "pledge", "challenge", "event")
        .order_by("-created_at", "-pk")
    )
    return [
        GuestActionRow(
            kind=row.get_kind_display(),
            campaign=row.campaign,
            what=_guest_target_text(row),
            consent=row.consent,
            postcode=row.postcode,
            hear_from_hosts=row.hear_from_hosts,
            given_at=row.created_at,
            confirmed_at=row.confirmed_at,
            set_aside=row.set_aside,
        )
        for row in rows
    ]


def _guest_target_text(action: GuestAction) -> str:
    if action.pledge is not None:
        return action.pledge.text
    if action.event is not None:
        starts = formats.date_format(timezone.localtime(action.event.starts_at), "DATETIME_FORMAT")
        return f"{action.event.title} · {starts}"
    if action.challenge is not None:
        return "{} – {}".format(
            formats.date_format(action.challenge.starts_on, "DATE_FORMAT"),
            formats.date_format(action.challenge.ends_on, "DATE_FORMAT"),
        )
    if action.kind == GuestAction.Kind.GIVE:
        offer = action.offer
        return f"{offer.get('quantity', '')} {offer.get('unit', '')} · {offer.get('item', '')}"
    return ""


def guest_action_remembered(
    *,
    campaign: Campaign,
    kind: str,
    remembered: list[tuple[int, int]],
    target_id: int | None = None,
) -> GuestAction | None:
    """The action of `kind` on `campaign` among those a browser remembers as (action id,
    person id) pairs (`campaigns.guest_cookie`): its person must match too, so an id that
    names someone else's row shows nothing. `target_id`: the pledge, challenge or event it is
    on, when the campaign has several of the kind (events)."""
    if not remembered:
        return None
    candidates = GuestAction.objects.filter(
        campaign=campaign, kind=kind, pk__in=[pk for pk, _person in remembered]
    )
    if target_id is not None:
        # The kind says which of the three is set: the others are null.
        candidates = candidates.filter(
            Q(pledge_id=target_id)
            | Q(challenge_id=target_id)
            | Q(event_id=target_id)
            | Q(fundraiser_id=target_id)
        )
    candidates = candidates.select_related(
        "campaign", "pledge", "challenge", "event", "fundraiser", "user"
    ).order_by("-created_at")
    pairs = set(remembered)
    return next((row for row in candidates if (row.pk, row.user_id) in pairs), None)


def guests_unnamed_to_hosts(campaign: Campaign, user_ids: list[int]) -> set[int]:
    """Among `user_ids`, the guests whose names the campaign's hosts may not read: those who
    ticked "hear from the hosts" on none of their actions in it. The hosts' figures count
    them, anonymous. People with an account show under the name of their public profile."""
    guests = set(User.objects.filter(pk__in=user_ids, is_guest=True).values_list("pk", flat=True))
    if not guests:
        return set()
    agreed = GuestAction.objects.filter(
        campaign=campaign, user_id__in=guests, hear_from_hosts=True
    ).values_list("user_id", flat=True)
    return guests - set(agreed)


@dataclass(frozen=True)
class GuestContact:
    name: str
    email: str
    postcode: str
    actions: list[str]
    since: datetime


def _guest_actions_confirmed(campaign: Campaign) -> QuerySet[GuestAction]:
    """The campaign's confirmed guest actions, without those set aside in a suspicious batch
    and without erased people."""
    return GuestAction.objects.filter(
        campaign=campaign, confirmed_at__isnull=False, user__deleted_at__isnull=True
    ).exclude(Exists(_set_aside_signature()))


def guest_contacts(campaign: Campaign) -> list[GuestContact]:
    """The people who acted without an account and ticked "hear from the hosts": the only
    names and addresses of guests the hosts receive (their export), one line a person."""
    contacts: dict[int, GuestContact] = {}
    rows = (
        _guest_actions_confirmed(campaign)
        .filter(hear_from_hosts=True)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    for row in rows:
        known = contacts.get(row.user_id)
        if known is None:
            contacts[row.user_id] = GuestContact(
                name=row.user.display_name,
                email=row.user.email,
                postcode=row.postcode,
                actions=[row.get_kind_display()],
                since=row.created_at,
            )
        else:
            known.actions.append(row.get_kind_display())
    return list(contacts.values())


def guest_contacts_count(campaign: Campaign) -> dict[str, int]:
    """How many confirmed people without an account the hosts may write to, and how many
    more they count without knowing who."""
    people = _guest_actions_confirmed(campaign).values("user_id")
    everyone = people.distinct().count()
    named = people.filter(hear_from_hosts=True).distinct().count()
    return {"named": named, "anonymous": everyone - named}
