"""Campaigns and their one-click actions: sign, join and check in, RSVP, give. Every read goes
through essaim/campaigns/selectors (drafts and held campaigns exist for their hosts only),
every write through the campaign services, which are idempotent."""

import uuid
from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from essaim.api import presenters, schemas
from essaim.api.auth import READ, WRITE, actor, viewer
from essaim.api.pagination import Pagination, Presented
from essaim.campaigns import permissions, selectors
from essaim.campaigns.attribution import touched_code
from essaim.campaigns.models import (
    Campaign,
    CampaignHost,
    Challenge,
    Donation,
    Fundraiser,
    Pledge,
    Signature,
)
from essaim.campaigns.services import challenge as challenge_services
from essaim.campaigns.services import events as event_services
from essaim.campaigns.services import fundraising
from essaim.campaigns.services import pledge as pledge_services
from essaim.core.errors import Conflict, NotFound, ValidationError

router = Router(tags=["campaigns"])


class CampaignFilters(Schema):
    category: schemas.CampaignCategory | None = None
    status: schemas.CampaignStatus | None = schemas.Field(
        None, description="Without it, live campaigns and drafts one hosts (not closed ones)."
    )
    community: str | None = schemas.Field(
        None, max_length=100, pattern=schemas.SLUG, description="Hosted by this community."
    )
    q: str = schemas.Field("", max_length=100, pattern=schemas.NO_NUL, description="In titles.")


def _campaign(request: HttpRequest, slug: str) -> Campaign:
    return selectors.campaign_get_for(slug=slug, user=viewer(request))


def _pledge(campaign: Campaign) -> Pledge:
    # Read with the campaign (`selectors.campaign_get_for`).
    try:
        return campaign.pledge
    except Pledge.DoesNotExist as error:
        raise NotFound(_("This campaign has no pledge.")) from error


def _challenge(campaign: Campaign) -> Challenge:
    challenge = Challenge.objects.filter(campaign=campaign).select_related("campaign").first()
    if challenge is None:
        raise NotFound(_("This campaign has no challenge."))
    return challenge


def _fundraiser(campaign: Campaign) -> Fundraiser:
    fundraiser = Fundraiser.objects.filter(campaign=campaign).select_related("campaign").first()
    if fundraiser is None:
        raise NotFound(_("This campaign has no fundraiser."))
    return fundraiser


# Campaigns -------------------------------------------------------------------------------


@router.get("/", response={200: list[schemas.CampaignItem], **schemas.ERRORS}, auth=READ)
@paginate(Pagination)
def campaign_list(request: HttpRequest, filters: Query[CampaignFilters]) -> Presented:
    campaigns = Campaign.objects.visible_to(viewer(request))
    if filters.status:
        campaigns = campaigns.filter(status=filters.status)
    else:
        campaigns = campaigns.exclude(status=Campaign.Status.CLOSED)
    if filters.category:
        campaigns = campaigns.filter(category=filters.category)
    if filters.community:
        hosted = CampaignHost.objects.filter(
            community__slug=filters.community, status=CampaignHost.Status.ACCEPTED
        ).values("campaign_id")
        campaigns = campaigns.filter(pk__in=hosted)
    if filters.q.strip():
        campaigns = campaigns.filter(title__icontains=filters.q.strip())
    return Presented(campaigns, presenters.campaign_item)


def _host(host: CampaignHost) -> dict[str, Any]:
    if host.community is not None:
        return {"name": host.name, "kind": "community", "slug": host.community.slug}
    return {"name": host.name, "kind": "person", "slug": host.user.handle if host.user else ""}


@router.get("/{slug}", response={200: schemas.CampaignDetail, **schemas.ERRORS}, auth=READ)
def campaign_detail(request: HttpRequest, slug: schemas.Slug) -> dict[str, Any]:
    campaign = _campaign(request, slug)
    user = viewer(request)
    counts = selectors.campaign_summary(campaign)
    actions = [
        name
        for name, model in (("pledge", Pledge), ("challenge", Challenge))
        if model.objects.filter(campaign=campaign).exists()
    ]
    if counts["events"]:
        actions.append("events")
    if Fundraiser.objects.filter(campaign=campaign).exists():
        actions.append("fundraiser")
    return {
        **presenters.campaign_item(campaign),
        "body": campaign.body,
        "hosts": [_host(host) for host in selectors.hosts_of(campaign)],
        "counts": counts,
        "actions": actions,
        "can_act": permissions.can_act(campaign),
        "is_host": permissions.is_host(user, campaign),
        "is_following": selectors.is_following(user, campaign),
    }


# Pledge ----------------------------------------------------------------------------------


def _pledge_out(
    pledge: Pledge, user: Any, signature: Signature | selectors.Unknown | None = selectors.UNKNOWN
) -> dict[str, Any]:
    state = selectors.pledge_summary(pledge, user, mine=signature)
    return {
        "text": pledge.text,
        **{
            key: state[key]
            for key in ("count", "goal", "percent", "signed", "show_name", "set_aside")
        },
        "recent": [presenters.person(signer) for signer in state["recent"]],
    }


@router.get("/{slug}/pledge", response={200: schemas.PledgeOut, **schemas.ERRORS}, auth=READ)
def pledge_detail(request: HttpRequest, slug: schemas.Slug) -> dict[str, Any]:
    return _pledge_out(_pledge(_campaign(request, slug)), viewer(request))


@router.post(
    "/{slug}/pledge/signature",
    response={200: schemas.PledgeOut, **schemas.ERRORS},
    auth=WRITE,
    summary="Sign the pledge",
)
def pledge_sign(request: HttpRequest, slug: schemas.Slug, data: schemas.SignIn) -> dict[str, Any]:
    """Signing twice is one signature (it may change whether one's name is shown)."""
    campaign = _campaign(request, slug)
    pledge = _pledge(campaign)
    signature = pledge_services.pledge_sign(
        user=actor(request),
        pledge=pledge,
        show_name=data.show_name,
        via=data.via or touched_code(request, campaign),
    )
    return _pledge_out(pledge, actor(request), signature)


@router.delete(
    "/{slug}/pledge/signature",
    response={200: schemas.PledgeOut, **schemas.ERRORS},
    auth=WRITE,
    summary="Withdraw one's signature",
)
def pledge_unsign(request: HttpRequest, slug: schemas.Slug) -> dict[str, Any]:
    pledge = _pledge(_campaign(request, slug))
    pledge_services.pledge_unsign(user=actor(request), pledge=pledge)
    return _pledge_out(pledge, actor(request), None)


# Challenge -------------------------------------------------------------------------------


def _challenge_out(challenge: Challenge, user: Any) -> dict[str, Any]:
    state = selectors.challenge_summary(challenge)
    today = state["today"]
    return {
        "starts_on": challenge.starts_on,
        "ends_on": challenge.ends_on,
        **{
            key: state[key]
            for key in ("participants", "check_ins", "day_number", "length", "running")
        },
        "today": {"date": today.date, "prompt": today.prompt, "tip": today.tip} if today else None,
        "progress": selectors.challenge_progress(challenge, user).__dict__,
    }


@router.get("/{slug}/challenge", response={200: schemas.ChallengeOut, **schemas.ERRORS}, auth=READ)
def challenge_detail(request: HttpRequest, slug: schemas.Slug) -> dict[str, Any]:
    return _challenge_out(_challenge(_campaign(request, slug)), viewer(request))


@router.post(
    "/{slug}/challenge/participation",
    response={200: schemas.ChallengeOut, **schemas.ERRORS},
    auth=WRITE,
    summary="Join the challenge",
)
def challenge_join(
    request: HttpRequest, slug: schemas.Slug, data: schemas.JoinIn
) -> dict[str, Any]:
    campaign = _campaign(request, slug)
    challenge = _challenge(campaign)
    challenge_services.challenge_join(
        user=actor(request),
        challenge=challenge,
        via=data.via or touched_code(request, campaign),
    )
    return _challenge_out(challenge, actor(request))


@router.post(
    "/{slug}/challenge/check-ins",
    response={200: schemas.CheckInOut, **schemas.ERRORS},
    auth=WRITE,
    summary="Check in for today (or late, for yesterday)",
)
def challenge_check_in(
    request: HttpRequest, slug: schemas.Slug, data: schemas.CheckInIn
) -> dict[str, Any]:
    challenge = _challenge(_campaign(request, slug))
    today = timezone.localdate()
    day = today - timedelta(days=1) if data.day == "yesterday" else today
    check = challenge_services.check_in(user=actor(request), challenge=challenge, day=day)
    return {
        "date": check.date,
        "progress": selectors.challenge_progress(challenge, actor(request)).__dict__,
    }


# Events ----------------------------------------------------------------------------------


def _event_detail(campaign: Campaign, event_id: int, user: Any) -> dict[str, Any]:
    event = selectors.event_get_for(campaign=campaign, pk=event_id, user=user)
    rsvp = selectors.rsvp_of(event, user)
    mine = None
    if rsvp is not None:
        waiting = rsvp.status == rsvp.Status.WAITLISTED
        mine = {
            "status": rsvp.status,
            "waitlist_rank": selectors.waitlist_rank(rsvp) if waiting else None,
        }
    return {**presenters.event(event, campaign), "my_rsvp": mine}


@router.get("/{slug}/events", response={200: list[schemas.EventOut], **schemas.ERRORS}, auth=READ)
@paginate(Pagination)
def event_list(request: HttpRequest, slug: schemas.Slug) -> Presented:
    """Approved events; proposals too for hosts and for whoever proposed them."""
    campaign = _campaign(request, slug)
    return Presented(
        selectors.events_of(campaign, viewer(request)),
        lambda event: presenters.event(event, campaign),
    )


@router.get(
    "/{slug}/events/{event_id}",
    response={200: schemas.EventDetail, **schemas.ERRORS},
    auth=READ,
)
def event_detail(request: HttpRequest, slug: schemas.Slug, event_id: schemas.Id) -> dict[str, Any]:
    return _event_detail(_campaign(request, slug), event_id, viewer(request))


@router.post(
    "/{slug}/events/{event_id}/rsvp",
    response={200: schemas.EventDetail, **schemas.ERRORS},
    auth=WRITE,
    summary="Come (or join the waiting list)",
)
def event_rsvp(
    request: HttpRequest, slug: schemas.Slug, event_id: schemas.Id, data: schemas.RsvpIn
) -> dict[str, Any]:
    user = actor(request)
    campaign = _campaign(request, slug)
    event = selectors.event_get_for(campaign=campaign, pk=event_id, user=user)
    event_services.rsvp_create(
        user=user, event=event, via=data.via or touched_code(request, campaign)
    )
    return _event_detail(campaign, event_id, user)


@router.delete(
    "/{slug}/events/{event_id}/rsvp",
    response={200: schemas.EventDetail, **schemas.ERRORS},
    auth=WRITE,
    summary="Give one's place back",
)
def event_rsvp_cancel(
    request: HttpRequest, slug: schemas.Slug, event_id: schemas.Id
) -> dict[str, Any]:
    user = actor(request)
    campaign = _campaign(request, slug)
    event = selectors.event_get_for(campaign=campaign, pk=event_id, user=user)
    event_services.rsvp_cancel(user=user, event=event)
    return _event_detail(campaign, event_id, user)


# Fundraiser ------------------------------------------------------------------------------


@router.get("/{slug}/fundraiser", response={200: schemas.Totals, **schemas.ERRORS}, auth=READ)
def fundraiser_detail(request: HttpRequest, slug: schemas.Slug) -> dict[str, Any]:
    fundraiser = _fundraiser(_campaign(request, slug))
    return {"currency": fundraiser.currency, **selectors.fundraiser_totals(fundraiser)}


def _ledger_entry(donation: Donation) -> dict[str, Any]:
    return {
        "id": donation.pk,
        "amount": donation.amount,
        "currency": donation.currency,
        "donor_name": None if donation.anonymous else donation.donor_name,
        "created_at": donation.created_at,
    }


@router.get(
    "/{slug}/fundraiser/donations",
    response={200: list[schemas.LedgerEntry], **schemas.ERRORS},
    auth=READ,
    summary="The public ledger",
)
@paginate(Pagination)
def fundraiser_ledger(request: HttpRequest, slug: schemas.Slug) -> Presented:
    return Presented(selectors.ledger(_fundraiser(_campaign(request, slug))), _ledger_entry)


def idempotency_key_of(header: str | None, body: uuid.UUID | None) -> uuid.UUID:
    """The gift's key, from the Idempotency-Key header or the body (the two must agree)."""
    if header:
        try:
            key = uuid.UUID(header.strip())
        except ValueError as error:
            raise ValidationError(_("The Idempotency-Key header must be a UUID.")) from error
        if body is not None and body != key:
            raise ValidationError(_("The Idempotency-Key header and body do not match."))
        return key
    if body is None:
        raise ValidationError(
            _("Send an Idempotency-Key header (a UUID): retrying with it never gives twice.")
        )
    return body


def reused_key_conflict(error: fundraising.IdempotencyKeyReused) -> Conflict:
    # The service words it for the page's form ("reload the page"); a script needs to hear
    # what to change.
    if error.same_person:
        return Conflict(
            _(
                "This Idempotency-Key was already used for a gift of another amount or "
                "anonymity: send a new key for a new gift, or the same body to retry."
            )
        )
    return Conflict(
        _("This Idempotency-Key is already taken: send a new key (a fresh UUID) for each gift.")
    )


@router.post(
    "/{slug}/fundraiser/donations",
    response={200: schemas.Gift, **schemas.ERRORS},
    auth=WRITE,
    summary="Give through the payment provider",
)
def fundraiser_give(
    request: HttpRequest,
    slug: schemas.Slug,
    data: schemas.GiveIn,
    idempotency_key: schemas.IdempotencyKey = None,
) -> dict[str, Any]:
    """One idempotency key is one gift, however many times it is sent: a retry with the same
    amount and anonymity answers with the gift as it stands; the same key with another amount
    or anonymity, or a key someone else already used, is a 409 and gives nothing."""
    campaign = _campaign(request, slug)
    try:
        donation = fundraising.donation_give(
            user=actor(request),
            fundraiser=_fundraiser(campaign),
            amount=data.amount,
            idempotency_key=idempotency_key_of(idempotency_key, data.idempotency_key),
            anonymous=data.anonymous,
            via=data.via or touched_code(request, campaign),
        )
    except fundraising.IdempotencyKeyReused as error:
        raise reused_key_conflict(error) from error
    return {
        "id": donation.pk,
        "status": donation.status,
        "amount": donation.amount,
        "currency": donation.currency,
        "anonymous": donation.anonymous,
        "idempotency_key": donation.idempotency_key,
        "created_at": donation.created_at,
    }
