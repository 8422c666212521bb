"""Acting without an account through the API: a client with no token (a campaign site's own
form, a partner's page) signs a pledge, joins a challenge, answers an event or offers goods to
a fundraiser for a visitor with their name and e-mail. Everything goes through
`campaigns.services.guest.guest_act`, the service the site's one-step form posts to: same
checks, same pending action, same confirmation e-mail, and nothing is counted until the
address confirms. A gift of money goes through `guest_give`, as the site's form: the payment
provider's confirmation is its proof, and the receipt goes to the address.

The form's browser checks have no place in an API: a honeypot field and a minimum time are
traps for scripts that fill pages, and a client of the API is a script. They are replaced by
what does not depend on a page: the write limits the form has (per network and per canonical
address: the operation is one of `moderation.ratelimit.GUEST_VIEWS`), the proof of work when
the instance or the campaign asks for it (the challenge is fetched from `…/guest-actions/form`),
and the confirmation itself, which only the address's owner can give."""

from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from essaim.api import schemas
from essaim.api.auth import anyone
from essaim.api.middleware import bearer_secret
from essaim.api.routers.campaigns import idempotency_key_of, reused_key_conflict
from essaim.campaigns import selectors
from essaim.campaigns.attribution import touched_code
from essaim.campaigns.guest_forms import GuestSignForm
from essaim.campaigns.models import Campaign, Challenge, Event, Fundraiser, GuestAction, Pledge
from essaim.campaigns.services import guest as guest_services
from essaim.campaigns.services.fundraising import IdempotencyKeyReused
from essaim.campaigns.services.proof_of_work import challenge_issue, proof_required, proof_verify
from essaim.core.errors import NotFound, ValidationError
from essaim.core.http import client_address

router = Router(tags=["guest actions"])

GuestKind = Literal["sign", "join", "rsvp", "give"]


class GuestFormQuery(Schema):
    kind: GuestKind = "sign"


def _campaign(request: HttpRequest, slug: str) -> Campaign:
    # Anonymous by construction (`_require_anonymous`): what anyone may see.
    return selectors.campaign_get_for(slug=slug, user=request.user)


def _require_anonymous(request: HttpRequest) -> None:
    """A caller with an account acts as that account (the one-click operations): a guest
    action on their behalf would mail them a confirmation for what one request does."""
    if bearer_secret(request) is not None or request.user.is_authenticated:
        raise ValidationError(
            _(
                "You are authenticated: act with the pledge's, challenge's or event's own "
                "operation. This one is for visitors without an account."
            )
        )


def _fundraiser(campaign: Campaign) -> Fundraiser:
    fundraiser = Fundraiser.objects.filter(campaign=campaign).select_related("campaign").first()
    if fundraiser is None:
        raise NotFound(_("This campaign has no fundraiser."))
    return fundraiser


def _target(
    campaign: Campaign, kind: str, event_id: int | None, request_user: Any
) -> Pledge | Challenge | Event | Fundraiser:
    if kind == GuestAction.Kind.SIGN:
        pledge = Pledge.objects.filter(campaign=campaign).select_related("campaign").first()
        if pledge is None:
            raise NotFound(_("This campaign has no pledge."))
        return pledge
    if kind == GuestAction.Kind.JOIN:
        challenge = Challenge.objects.filter(campaign=campaign).select_related("campaign").first()
        if challenge is None:
            raise NotFound(_("This campaign has no challenge."))
        return challenge
    if kind == GuestAction.Kind.GIVE:
        return _fundraiser(campaign)
    if event_id is None:
        raise ValidationError(_("Say which event to answer: send its event_id."))
    return selectors.event_get_for(campaign=campaign, pk=event_id, user=request_user)


def _require_consent_and_proof(
    campaign: Campaign, consent: bool, proof_challenge: str, proof_nonce: str
) -> None:
    if not consent:
        raise ValidationError(
            _(
                "Set consent to true once the visitor has agreed to the consent text: the "
                "action cannot be recorded without it."
            )
        )
    if proof_required(campaign):
        proof_verify(
            campaign=campaign,
            form=GuestSignForm.proof_form,
            token=proof_challenge,
            nonce=proof_nonce,
        )


@router.get(
    "/{slug}/guest-actions/form",
    response={200: schemas.GuestFormOut, **schemas.ERRORS},
    auth=anyone,
    summary="What a visitor without an account agrees to, and the anti-robot challenge",
)
def guest_action_form(
    request: HttpRequest, slug: schemas.Slug, query: Query[GuestFormQuery]
) -> dict[str, Any]:
    """The consent text to show beside the form (the campaign's own, else the instance's),
    and, when the proof of work is on, a fresh challenge: find a decimal `proof_nonce` such
    that SHA-256(challenge + nonce) starts with `bits` zero bits, within `seconds`. A
    challenge is spent by the action it comes with, accepted or not."""
    campaign = _campaign(request, slug)
    proof = None
    if proof_required(campaign):
        challenge = challenge_issue(campaign=campaign, form=GuestSignForm.proof_form)
        proof = {"challenge": challenge.token, "bits": challenge.bits, "seconds": challenge.seconds}
    return {
        "consent": guest_services.consent_for(campaign, query.kind),
        "proof_of_work": proof,
        "expires_in_hours": int(guest_services.expiry().total_seconds() // 3600),
    }


@router.post(
    "/{slug}/guest-actions",
    response={202: schemas.GuestActionOut, **schemas.ERRORS},
    auth=anyone,
    url_name="guest_act",
    summary="Sign, join or answer without an account (confirmed by e-mail)",
)
def guest_act(request: HttpRequest, slug: schemas.Slug, data: schemas.GuestActionIn) -> Status:
    """For a visitor without an account, and only without authentication. The answer is
    always 202 and always the same: pending until the address confirms through the e-mail's
    page (its link expires after `expires_in_hours`), whether the address is new, belongs to
    an account, or already acted — the same address again is the same action and no second
    e-mail. Refused with a 400 and nothing written: a malformed or disposable address, no
    consent, a campaign not open for action, a challenge that is not running, a missing or
    wrong proof of work when it is on. Write limits as the site's form: a 429 with
    Retry-After."""
    _require_anonymous(request)
    campaign = _campaign(request, slug)
    target = _target(campaign, data.kind, data.event_id, request.user)
    if data.kind == GuestAction.Kind.GIVE and data.offer is None:
        raise ValidationError(_("Say what is offered: send offer with its item and quantity."))
    _require_consent_and_proof(campaign, data.consent, data.proof_challenge, data.proof_nonce)
    guest_services.guest_act(
        target=target,
        email=data.email,
        name=data.name,
        postcode=data.postcode,
        hear_from_hosts=data.hear_from_hosts,
        via=data.via or touched_code(request, campaign),
        network=guest_services.network_of(client_address(request)),
        language=(get_language() or "fr")[:2],
        offer=data.offer.model_dump() if data.offer else None,
    )
    return Status(
        202,
        {
            "kind": data.kind,
            "status": "pending",
            "expires_in_hours": int(guest_services.expiry().total_seconds() // 3600),
        },
    )


@router.post(
    "/{slug}/guest-gifts",
    response={200: schemas.GuestGiftOut, **schemas.ERRORS},
    auth=anyone,
    url_name="guest_gift",
    summary="Give money without an account (through the payment provider)",
)
def guest_gift(
    request: HttpRequest,
    slug: schemas.Slug,
    data: schemas.GuestGiftIn,
    idempotency_key: schemas.IdempotencyKey = None,
) -> dict[str, Any]:
    """A gift for a visitor without an account, as the site's gift form makes it: counted
    when the payment provider confirms it, listed without a name (no one proved it), the
    receipt sent to the address with the guest's data link. One idempotency key is one gift:
    the same body again answers with the gift as it stands; the key with another amount or
    address is a 409 and gives nothing. Consent, proof of work and write limits as for the
    other guest actions."""
    _require_anonymous(request)
    campaign = _campaign(request, slug)
    fundraiser = _fundraiser(campaign)
    _require_consent_and_proof(campaign, data.consent, data.proof_challenge, data.proof_nonce)
    try:
        donation = guest_services.guest_give(
            fundraiser=fundraiser,
            email=data.email,
            name=data.name,
            amount=data.amount,
            idempotency_key=idempotency_key_of(idempotency_key, data.idempotency_key),
            via=data.via or touched_code(request, campaign),
            language=(get_language() or "fr")[:2],
        )
    except IdempotencyKeyReused as error:
        raise reused_key_conflict(error) from error
    return {
        "status": donation.status,
        "amount": donation.amount,
        "currency": donation.currency,
        "idempotency_key": donation.idempotency_key,
    }
