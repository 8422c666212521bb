"""Signing without an account: a name and an e-mail, confirmed through a page that mail
scanners cannot trigger.

A visitor who arrives from a shared link signs in one step (`guest_act`): the person behind
the address is found by its canonical form (`accounts.services.guest_for`: an account signs
as that account, a new address becomes a guest `User`), a `GuestAction` of kind sign
records what they agreed to, and the settle queues its confirmation e-mail in the outbox
(`settle.guest_actions_settle`, by the batch). The guest gets their personal share link at
once (relay's part of the page after acting).

Nothing is counted yet. The e-mail's link opens a page with one button (corporate mail
scanners follow every link of a message, so a GET confirms nothing); its POST
(`guest_confirm`) proves the address and signs through `pledge_sign`, the one write path:
the settle then counts it like any signature, once, whatever is repeated. A signature left
unconfirmed expires after `CAMPAIGNS_GUEST_EXPIRY_HOURS` (`guests_expire`, a scheduler
job), and with it the guest who never proved their address.

Joining, answering an event and offering goods to a fundraiser (kind give: the terms wait in
`offer` and are recorded by `in_kind_offer` once confirmed, counted when a host marks them
delivered) go the same way; a confirmed join or answer gets a personal link to its check-in
page or ticket (`services.guest_links`). A gift of money does not (`guest_give`): the payment
provider's confirmation proves the payment, so the gift goes through `donation_give` at once
and counts when the provider settles it; the name no one proved is never shown (the gift is
anonymous), and the receipt to the address (`gift_received`) tells its owner of any gift made
in it."""

import ipaddress
import logging
import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from disposable_email_domains import blocklist
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.accounts.services import (
    address_confirm,
    guest_for,
    guests_forget,
)
from essaim.campaigns import permissions
from essaim.campaigns.models import (
    GUEST_EMAIL_CHANNEL,
    Campaign,
    Challenge,
    Donation,
    Event,
    Fundraiser,
    GuestAction,
    Pledge,
    Rsvp,
    Signature,
)
from essaim.campaigns.payments import PaymentProvider
from essaim.campaigns.services.challenge import challenge_join, join_require_open
from essaim.campaigns.services.events import rsvp_create, rsvp_require_open
from essaim.campaigns.services.fundraising import (
    donation_give,
    donation_require_valid,
    in_kind_offer,
    in_kind_require_valid,
)
from essaim.campaigns.services.guest_data import manages_by_link
from essaim.campaigns.services.pledge import pledge_sign
from essaim.campaigns.services.settle import guest_actions_settle
from essaim.core import outbox
from essaim.core.errors import NotFound, ValidationError

logger = logging.getLogger(__name__)

# The actions whose person keeps a personal link, mailed once confirmed: a challenge's daily
# check-in, an event's ticket.
PERSONAL_LINK_KINDS = frozenset({GuestAction.Kind.JOIN, GuestAction.Kind.RSVP})
CONFIRMATION_SALT = "essaim.campaigns.guest-confirm"
EXPIRE_BATCH = 500


def _expired() -> str:
    """Said where the link has expired and where its action has: read when raised."""
    return _("This confirmation link has expired: send the form again to receive a new one.")


def expiry() -> timedelta:
    return timedelta(hours=settings.CAMPAIGNS_GUEST_EXPIRY_HOURS)


def default_consent(kind: str = GuestAction.Kind.SIGN) -> str:
    """The instance's standard consent for this kind of action, for a campaign whose hosts
    wrote none (their form shows the signature's as the text they would replace)."""
    if kind == GuestAction.Kind.SIGN:
        text = _(
            "I agree that the hosts of this campaign keep my name, e-mail address and postcode "
            "to count my signature, and that %(site)s sends me the e-mail that confirms it."
        )
    else:
        text = _(
            "I agree that the hosts of this campaign keep my name, e-mail address and postcode "
            "to count my participation, and that %(site)s sends me the e-mails that confirm "
            "it and tell me what follows."
        )
    return text % {"site": settings.SITE_NAME}


def consent_for(campaign: Campaign, kind: str = GuestAction.Kind.SIGN) -> str:
    """What a visitor agrees to when they act with a name and an e-mail: the campaign's own
    text, else the instance's standard one for this kind of action."""
    return campaign.consent_text.strip() or default_consent(kind)


def is_disposable(email: str) -> bool:
    """Whether the address is at a throw-away mailbox provider, or one of its subdomains
    (the list of the `disposable-email-domains` package, kept up to date on PyPI)."""
    labels = email.rpartition("@")[2].strip().lower().rstrip(".").split(".")
    return any(".".join(labels[start:]) in blocklist for start in range(len(labels) - 1))


def network_of(address: str) -> str:
    """The network an address belongs to (IPv4 /24, IPv6 /48), or "" if it is none."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if parsed.version == 4 else 48
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))


def _require_open(campaign: Campaign) -> None:
    if not permissions.can_view(AnonymousUser(), campaign):
        raise NotFound(_("This campaign does not exist."))
    if not permissions.can_act(campaign):
        raise ValidationError(_("This campaign is not open for action."))


Target = Pledge | Challenge | Event | Fundraiser


def _kind_of(target: Target) -> str:
    if isinstance(target, Pledge):
        return GuestAction.Kind.SIGN
    if isinstance(target, Challenge):
        return GuestAction.Kind.JOIN
    if isinstance(target, Fundraiser):
        return GuestAction.Kind.GIVE
    return GuestAction.Kind.RSVP


def _require_address(email: str, name: str) -> tuple[str, str]:
    """The address and the name as typed, stripped; refused when malformed, disposable or
    nameless."""
    email, name = email.strip(), name.strip()
    try:
        validate_email(email)
    except DjangoValidationError as error:
        raise ValidationError(_("Enter a valid e-mail address.")) from error
    if is_disposable(email):
        raise ValidationError(
            _("Addresses of disposable mailboxes are refused: please use your usual address.")
        )
    if not name:
        raise ValidationError(_("Please enter your name."))
    return email, name


def _person_for(*, email: str, name: str, language: str) -> tuple[User, bool]:
    """The person behind the address (`guest_for`), if they may act, and whether they are
    new (recorded by this call)."""
    person, new = guest_for(email=email, display_name=name, language=language)
    # One answer for every address that may not act: whoever sends the form may not own it,
    # and a suspension (with its date) is the owner's to read, when they log in or confirm.
    if not person.is_active or person.deleted_at is not None or person.is_suspended:
        raise ValidationError(_("This address cannot be used here."))
    return person, new


def _offer_of(offer: dict[str, Any] | None) -> dict[str, Any]:
    """An in-kind offer's terms, checked by the rules its confirmation records it with."""
    given = offer or {}
    item, unit = str(given.get("item", "")).strip()[:120], str(given.get("unit", "")).strip()
    quantity, value = given.get("quantity"), given.get("declared_value")
    if not isinstance(quantity, int) or not isinstance(value, int):
        raise ValidationError(_("Quantity and value must be positive."))
    in_kind_require_valid(item=item, quantity=quantity, declared_value=value)
    terms = {"item": item, "quantity": quantity, "unit": unit[:20], "declared_value": value}
    return terms


def guest_act(
    *,
    target: Target,
    email: str,
    name: str,
    postcode: str = "",
    hear_from_hosts: bool = False,
    via: str = "",
    network: str = "",
    language: str = "fr",
    offer: dict[str, Any] | None = None,
) -> GuestAction:
    """Take the action on `target` (a pledge: sign; a challenge: join; an event: RSVP; a
    fundraiser: offer goods, `offer` their terms) for the person behind `email`, pending its
    confirmation. The same address again (or an alias
    of it) finds the same action and mails nothing more; the unique (kind, target, person)
    constraints make simultaneous posts one row and one e-mail.

    The answer is the same whether the address is new, a guest's or an account's, so the
    form tells no one who has an account or who acted. What the write path would refuse now
    (a full event is no refusal: its waiting list is) is refused here already, by the same
    checks, so no one confirms an action that cannot be taken."""
    email, name = _require_address(email, name)
    campaign = target.campaign
    _require_open(campaign)
    kind = _kind_of(target)
    terms = _offer_of(offer) if kind == GuestAction.Kind.GIVE else {}
    with transaction.atomic():
        person, new_person = _person_for(email=email, name=name, language=language)
        if not new_person and _lock_people({person.pk}) != [person.pk]:
            # Forgotten by the expiry while this form came in: the address is free again.
            person, new_person = _person_for(email=email, name=name, language=language)
        if isinstance(target, Challenge):
            join_require_open(person, target)
        elif isinstance(target, Event):
            rsvp_require_open(person, target)
        found = {"kind": kind, "user": person, _TARGET_FIELD[kind]: target}
        details = {
            "campaign": campaign,
            "via": via[:16],
            "postcode": postcode.strip()[:12],
            "hear_from_hosts": hear_from_hosts,
            "consent": consent_for(campaign, kind),
            "network": network[:64],
            "offer": terms,
        }
        if new_person:
            # Recorded by this transaction, not yet committed: no one else can have acted in
            # their name, so the probe and the savepoint of get_or_create (a quarter of a
            # spike's queries) would find nothing.
            action, created = GuestAction.objects.create(**found, **details), True
        else:
            action, created = GuestAction.objects.get_or_create(**found, defaults=details)
            if not created and _place_given_back(action):
                _ask_again(action)
        # The confirmation e-mail is queued by the settle (by the batch in a spike).
        if created and settings.CAMPAIGNS_SETTLE_INLINE:
            guest_actions_settle(ids=[action.pk])
    action.made_now, action.person_new = created, new_person
    return action


def _place_given_back(action: GuestAction) -> bool:
    """An answer to an event confirmed once, whose place its guest gave back since (the
    ticket's link): the address may answer again."""
    return (
        action.event_id is not None
        and action.confirmed_at is not None
        and not Rsvp.objects.filter(event_id=action.event_id, user_id=action.user_id)
        .exclude(status=Rsvp.Status.CANCELLED)
        .exists()
    )


def _ask_again(action: GuestAction) -> None:
    """Make a confirmed action pending again, as if taken now: a new confirmation e-mail (the
    settle queues it; the old link names the old moment, so it no longer confirms), a new
    expiry. Whoever sent the form may not own the address: it is asked again."""
    now = timezone.now()
    again = {"confirmed_at": None, "settled_at": None, "created_at": now, "updated_at": now}
    GuestAction.objects.filter(pk=action.pk).update(**again)
    for field, value in again.items():
        setattr(action, field, value)
    if settings.CAMPAIGNS_SETTLE_INLINE:
        guest_actions_settle(ids=[action.pk])


def _lock_people(user_ids: Collection[int]) -> list[int]:
    """Lock these people's rows (in id order, so two lockers never wait on each other), for an
    action in their name and the expiry that may forget them; the ids of those not forgotten."""
    return list(
        User.objects.select_for_update()
        .filter(pk__in=user_ids, deleted_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


_TARGET_FIELD: dict[str, str] = {
    GuestAction.Kind.SIGN: "pledge",
    GuestAction.Kind.JOIN: "challenge",
    GuestAction.Kind.RSVP: "event",
    GuestAction.Kind.GIVE: "fundraiser",
}


def guest_give(
    *,
    fundraiser: Fundraiser,
    email: str,
    name: str,
    amount: int,
    idempotency_key: uuid.UUID,
    via: str = "",
    language: str = "fr",
    payments: PaymentProvider | None = None,
) -> Donation:
    """A gift of money without an account: through `donation_give`, the one way a gift is
    made, for the person behind `email`. No confirmation e-mail comes first: the payment
    provider's confirmation proves the payment, and the gift counts when it settles it, as
    any gift. What no one proved is the name, so the gift is listed without it (anonymous);
    the receipt goes to the address (`gift_received`), with the guest's data link, so its
    owner learns of a gift made in their name."""
    email, name = _require_address(email, name)
    donation_require_valid(amount)
    _require_open(fundraiser.campaign)
    person, _new = _person_for(email=email, name=name, language=language)
    return donation_give(
        user=person,
        fundraiser=fundraiser,
        amount=amount,
        idempotency_key=idempotency_key,
        anonymous=True,
        via=via,
        payments=payments,
    )


def gift_received(*, donation_id: int, campaign_id: int) -> None:
    """GIFT_SUCCEEDED's subscriber, in the payment's transaction: a guest's receipt, through
    the outbox (a settled gift is settled once, so it is queued once). A person with an
    account sees their gifts there."""
    donation = Donation.objects.select_related("user").filter(pk=donation_id).first()
    if donation is None or donation.user is None or not manages_by_link(donation.user):
        return
    outbox.enqueue(GUEST_EMAIL_CHANNEL, {"donation": donation.pk})


def confirmation_token(action: GuestAction) -> str:
    """The signed part of the confirmation link: which action, whose, and when it was made
    (a row written again with a reused id is not the one the link was for)."""
    return signing.dumps(
        [action.pk, action.user_id, int(action.created_at.timestamp())], salt=CONFIRMATION_SALT
    )


def guest_signature_for_token(*, token: str, campaign: Campaign) -> GuestAction:
    """The action a confirmation link names, if the link is intact, not expired, and for
    this campaign; else a clear error."""
    try:
        pk, user_id, created = signing.loads(token, salt=CONFIRMATION_SALT, max_age=expiry())
        pk, user_id, created = int(pk), int(user_id), int(created)
    except signing.SignatureExpired as error:
        raise ValidationError(_expired()) from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise ValidationError(
            _("This confirmation link is not valid: open it exactly as it came in the e-mail.")
        ) from error
    action = (
        GuestAction.objects.select_related(
            "campaign", "pledge", "challenge", "event", "fundraiser", "user"
        )
        .filter(pk=pk, user_id=user_id, campaign=campaign)
        .first()
    )
    if action is None or int(action.created_at.timestamp()) != created:
        raise ValidationError(
            _(
                "This confirmation link is not for this campaign, or what it was for has "
                "expired: send the form again to receive a new one."
            )
        )
    return action


def guest_confirm(*, token: str, campaign: Campaign) -> tuple[GuestAction, bool]:
    """Confirm the action the link names and take it through its one write path (with the
    share link it came through); True when this call confirmed it, False when it was
    already. The conditional update makes a repeated or simultaneous POST one action; a
    refusal (the campaign closed since, the person suspended, the event over) rolls
    everything back."""
    action = guest_signature_for_token(token=token, campaign=campaign)
    now = timezone.now()
    with transaction.atomic():
        pending = GuestAction.objects.filter(pk=action.pk, confirmed_at__isnull=True)
        if not pending.update(confirmed_at=now, updated_at=now):
            if not GuestAction.objects.filter(pk=action.pk).exists():
                # Expired between the link's check and this update.
                raise ValidationError(_expired())
            return action, False
        address_confirm(user=action.user)
        _perform(action)
        if action.kind in PERSONAL_LINK_KINDS:
            # Their personal link, by e-mail: the page that shows it is closed soon enough.
            outbox.enqueue(GUEST_EMAIL_CHANNEL, {"guest_action": action.pk, "personal_link": True})
    action.confirmed_at = now
    return action, True


def _perform(action: GuestAction) -> None:
    """The confirmed action, through the one write path of its kind."""
    if action.kind == GuestAction.Kind.SIGN and action.pledge is not None:
        # The form asks no name choice: an account's own choice, if it signed before, stays.
        pledge_sign(user=action.user, pledge=action.pledge, show_name=None, via=action.via)
    elif action.kind == GuestAction.Kind.JOIN and action.challenge is not None:
        challenge_join(user=action.user, challenge=action.challenge, via=action.via)
    elif action.kind == GuestAction.Kind.RSVP and action.event is not None:
        rsvp_create(user=action.user, event=action.event, via=action.via)
    elif action.kind == GuestAction.Kind.GIVE and action.fundraiser is not None:
        in_kind_offer(user=action.user, fundraiser=action.fundraiser, **action.offer)
    else:
        # The table's check constraint gives every kind its target: a bug, not input.
        raise ValueError(f"guest action {action.pk} has no target of its kind {action.kind}")


def guest_signature_status(signature: GuestAction) -> dict[str, Any]:
    """What the signer sees of their own signature: pending, counted, or set aside in a
    batch of suspicious ones (`services.invalidation`). Pending until the address confirmed,
    whatever that person did otherwise: whoever typed an account's address must not learn
    whether its owner signed."""
    # [] unsigned, [None] counted, [batch id] set aside.
    signed = (
        list(
            Signature.objects.filter(
                pledge=signature.pledge, user_id=signature.user_id
            ).values_list("invalidation_id", flat=True)[:1]
        )
        if signature.confirmed_at is not None
        else []
    )
    return {
        "confirmed": signature.confirmed_at is not None,
        "counted": signed == [None],
        "set_aside": bool(signed) and signed[0] is not None,
        "expires_at": signature.created_at + expiry(),
    }


def guests_expire(*, now: datetime | None = None, limit: int = EXPIRE_BATCH) -> int:
    """Forget unconfirmed guest actions older than the expiry, and the guests they leave with
    nothing confirmed (`accounts.services.guests_forget`); the number forgotten. The delete
    is conditional, so a confirmation that lands meanwhile wins."""
    cutoff = (now or timezone.now()) - expiry()
    with transaction.atomic():
        rows = list(
            GuestAction.objects.filter(confirmed_at__isnull=True, created_at__lt=cutoff)
            .order_by("created_at")
            .values_list("pk", "user_id")[:limit]
        )
        if not rows:
            return 0
        people = {user_id for _pk, user_id in rows}
        # Their rows locked first, as a form sent with their address locks them (`guest_act`):
        # an action they take meanwhile is either committed before the look below, which
        # then keeps them, or waits until they are forgotten and makes a new guest.
        _lock_people(people)
        GuestAction.objects.filter(
            pk__in=[pk for pk, _user in rows], confirmed_at__isnull=True
        ).delete()
        busy = set(
            GuestAction.objects.filter(user_id__in=people).values_list("user_id", flat=True)
        ) | set(Signature.objects.filter(user_id__in=people).values_list("user_id", flat=True))
        guests_forget(user_ids=sorted(people - busy))
    logger.info("guest actions expired", extra={"count": len(rows)})
    return len(rows)


def expire_due() -> int:
    """The scheduler's job: one batch a run is plenty for what a day leaves unconfirmed."""
    return guests_expire()
