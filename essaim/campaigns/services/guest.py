"""Signing without an account: a name and an e-mail, confirmed through a page that mail
scanners cannot trigger.

A visitor who arrives from a shared link signs in one step (`guest_sign`): the person behind
the address is found by its canonical form (`accounts.services.guest_for`: an account signs
as that account, a new address becomes a guest `User`), a `GuestAction` of kind sign
records what they agreed to, and a confirmation e-mail leaves through the outbox in the same
transaction. The guest gets their personal share link at once (relay's part of the page).

Nothing is counted yet. The e-mail's link opens a page with one button (corporate mail
scanners follow every link of a message, so a GET confirms nothing); its POST
(`guest_confirm`) proves the address and signs through `pledge_sign`, the one write path:
the settle then counts it like any signature, once, whatever is repeated. A signature left
unconfirmed expires after `CAMPAIGNS_GUEST_EXPIRY_HOURS` (`guests_expire`, a scheduler
job), and with it the guest who never proved their address."""

import ipaddress
import logging
from datetime import datetime, timedelta
from typing import Any

from disposable_email_domains import blocklist
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from essaim.accounts.services import (
    address_confirm,
    guest_for,
    guests_forget,
    require_good_standing,
)
from essaim.campaigns import permissions
from essaim.campaigns.models import Campaign, GuestAction, Pledge, Signature
from essaim.campaigns.services.guest_data import guest_email
from essaim.campaigns.services.pledge import pledge_sign
from essaim.core import outbox
from essaim.core.errors import NotFound, ValidationError
from essaim.core.models import OutboxMessage
from essaim.core.site import absolute_url

logger = logging.getLogger(__name__)

CHANNEL = "guest-email"
CONFIRMATION_SALT = "essaim.campaigns.guest-confirm"
EXPIRE_BATCH = 500


def expiry() -> timedelta:
    return timedelta(hours=settings.CAMPAIGNS_GUEST_EXPIRY_HOURS)


def default_consent() -> str:
    """The instance's standard consent, for a campaign whose hosts wrote none (their form
    shows it as the text they would replace)."""
    return _(
        "I agree that the hosts of this campaign keep my name, e-mail address and postcode "
        "to count my signature, and that %(site)s sends me the e-mail that confirms it."
    ) % {"site": settings.SITE_NAME}


def consent_for(campaign: Campaign) -> str:
    """What a visitor agrees to when they act with a name and an e-mail: the campaign's own
    text, else the instance's standard one."""
    return campaign.consent_text.strip() or default_consent()


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


def _require_open(pledge: Pledge) -> None:
    campaign = pledge.campaign
    if not permissions.can_view(AnonymousUser(), campaign):
        raise NotFound(_("This campaign does not exist."))
    if not permissions.can_act(campaign):
        raise ValidationError(_("This campaign is not open for action."))


def guest_sign(
    *,
    pledge: Pledge,
    email: str,
    name: str,
    postcode: str = "",
    hear_from_hosts: bool = False,
    via: str = "",
    network: str = "",
    language: str = "fr",
) -> GuestAction:
    """Sign `pledge` for the person behind `email`, pending its confirmation. The same
    address again (or an alias of it) finds the same signature and mails nothing more; the
    unique (pledge, person) constraint makes simultaneous posts one row and one e-mail.

    The answer is the same whether the address is new, a guest's or an account's, so the
    form tells no one who has an account or who signed."""
    email, name = email.strip(), name.strip()
    try:
        validate_email(email)
    except DjangoValidationError as error:
        raise ValidationError(_("Enter a valid e-mail address.")) from error
    if is_disposable(email):
        raise ValidationError(
            _("Addresses of disposable mailboxes cannot sign: please use your usual address.")
        )
    if not name:
        raise ValidationError(_("Please enter your name."))
    _require_open(pledge)
    with transaction.atomic():
        person = guest_for(email=email, display_name=name, language=language)
        if not person.is_active or person.deleted_at is not None:
            raise ValidationError(_("This address cannot sign."))
        require_good_standing(person)
        signature, created = GuestAction.objects.get_or_create(
            kind=GuestAction.Kind.SIGN,
            pledge=pledge,
            user=person,
            defaults={
                "campaign": pledge.campaign,
                "via": via[:16],
                "postcode": postcode.strip()[:12],
                "hear_from_hosts": hear_from_hosts,
                "consent": consent_for(pledge.campaign),
                "network": network[:64],
            },
        )
        if created:
            outbox.enqueue(CHANNEL, {"guest_action": signature.pk})
    return signature


def confirmation_token(signature: GuestAction) -> str:
    """The signed part of the confirmation link: which signature, whose, and when it was
    made (a row written again with a reused id is not the one the link was for)."""
    return signing.dumps(
        [signature.pk, signature.user_id, int(signature.created_at.timestamp())],
        salt=CONFIRMATION_SALT,
    )


def guest_signature_for_token(*, token: str, campaign: Campaign) -> GuestAction:
    """The signature a confirmation link names, if the link is intact, not expired, and for
    this campaign; else a clear error."""
    try:
        pk, user_id, created = signing.loads(token, salt=CONFIRMATION_SALT, max_age=expiry())
        pk, user_id, created = int(pk), int(user_id), int(created)
    except signing.SignatureExpired as error:
        raise ValidationError(
            _("This confirmation link has expired: sign again to receive a new one.")
        ) from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise ValidationError(
            _("This confirmation link is not valid: open it exactly as it came in the e-mail.")
        ) from error
    signature = (
        GuestAction.objects.select_related("campaign", "pledge", "user")
        .filter(pk=pk, user_id=user_id, campaign=campaign)
        .first()
    )
    if signature is None or int(signature.created_at.timestamp()) != created:
        raise ValidationError(
            _(
                "This confirmation link is not for this campaign, or its signature has "
                "expired: sign again to receive a new one."
            )
        )
    return signature


def guest_confirm(*, token: str, campaign: Campaign) -> tuple[GuestAction, bool]:
    """Confirm the signature the link names and sign it (`pledge_sign`, with the share link
    it came through); True when this call confirmed it, False when it was already. The
    conditional update makes a repeated or simultaneous POST one signature; a refusal (the
    campaign closed since, the person suspended) rolls everything back."""
    signature = guest_signature_for_token(token=token, campaign=campaign)
    now = timezone.now()
    with transaction.atomic():
        pending = GuestAction.objects.filter(pk=signature.pk, confirmed_at__isnull=True)
        if not pending.update(confirmed_at=now, updated_at=now):
            if not GuestAction.objects.filter(pk=signature.pk).exists():
                # Expired between the link's check and this update.
                raise ValidationError(
                    _("This signature has expired: sign again to receive a new link.")
                )
            return signature, False
        address_confirm(user=signature.user)
        _perform(signature)
    signature.confirmed_at = now
    return signature, True


def _perform(action: GuestAction) -> None:
    """The confirmed action, through the one write path of its kind."""
    if action.kind == GuestAction.Kind.SIGN and action.pledge is not None:
        pledge_sign(user=action.user, pledge=action.pledge, via=action.via)
        return
    # The table's check constraint gives every kind its target: this is a bug, not input.
    raise ValueError(f"guest action {action.pk} has no target of its kind {action.kind}")


def guest_signature_status(signature: GuestAction) -> dict[str, Any]:
    """What the signer sees of their own signature: pending, counted, or set aside in a
    batch of suspicious ones (`services.invalidation`)."""
    # [] unsigned, [None] counted, [batch id] set aside.
    signed = list(
        Signature.objects.filter(pledge=signature.pledge, user_id=signature.user_id).values_list(
            "invalidation_id", flat=True
        )[:1]
    )
    return {
        "confirmed": signature.confirmed_at is not None,
        "counted": signed == [None],
        "set_aside": bool(signed) and signed[0] is not None,
        "expires_at": signature.created_at + expiry(),
    }


def guests_expire(*, now: datetime | None = None, limit: int = EXPIRE_BATCH) -> int:
    """Forget unconfirmed signatures older than the expiry, and the guests they leave with
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
        GuestAction.objects.filter(
            pk__in=[pk for pk, _user in rows], confirmed_at__isnull=True
        ).delete()
        people = {user_id for _pk, user_id in rows}
        busy = set(
            GuestAction.objects.filter(user_id__in=people).values_list("user_id", flat=True)
        ) | set(Signature.objects.filter(user_id__in=people).values_list("user_id", flat=True))
        guests_forget(user_ids=sorted(people - busy))
    logger.info("guest signatures expired", extra={"count": len(rows)})
    return len(rows)


def expire_due() -> int:
    """The scheduler's job: one batch a run is plenty for what a day leaves unconfirmed."""
    return guests_expire()


def confirmation_email(signature: GuestAction) -> EmailMessage:
    """The confirmation e-mail, in the signer's language: a link to the one-button page."""
    campaign = signature.campaign
    url = absolute_url(
        reverse(
            "campaigns:guest_confirm",
            kwargs={"slug": campaign.slug, "token": confirmation_token(signature)},
        )
    )
    return guest_email(
        person=signature.user,
        subject=gettext_lazy("Confirm your signature: %(title)s"),
        template="campaigns/email/guest_confirm.txt",
        context={
            "title": campaign.title,
            "campaign": campaign,
            "pledge": signature.pledge,
            "url": url,
            "hours": settings.CAMPAIGNS_GUEST_EXPIRY_HOURS,
        },
        message_id=f"guest-signature-{signature.pk}",
    )


def confirmation_deliver(message: OutboxMessage, connection: Any) -> outbox.Outcome:
    """The outbox's handler for one confirmation e-mail. The row is locked, marked mailed and
    the e-mail handed to the server in one transaction: an attempt after a committed send
    finds it mailed and sends nothing (the notifications' e-mail channel works the same)."""
    payload = message.payload if isinstance(message.payload, dict) else {}
    # "guest_signature": what messages queued before guest actions had kinds name.
    pk = payload.get("guest_action", payload.get("guest_signature"))
    if not isinstance(pk, int):
        return outbox.Fail("the message names no guest action")
    with transaction.atomic():
        signature = (
            GuestAction.objects.select_for_update(of=("self",))
            .select_related("user", "campaign", "pledge")
            .filter(pk=pk)
            .first()
        )
        if signature is None:
            return outbox.Cancel("the signature expired")
        if signature.mailed_at is not None:
            return outbox.Sent()
        if signature.confirmed_at is not None:
            return outbox.Cancel("already confirmed")
        email = confirmation_email(signature)
        GuestAction.objects.filter(pk=pk).update(mailed_at=timezone.now())
        email.send()
    logger.info("guest confirmation sent", extra={"guest_action_id": pk})
    return outbox.Sent()


GUEST_EMAIL_CHANNEL = outbox.Channel(
    name=CHANNEL,
    deliver=confirmation_deliver,
    # 1, 2, 4 … minutes, at most half an hour: a confirmation is awaited now.
    backoff=outbox.Backoff(first=timedelta(minutes=1), cap=timedelta(minutes=30)),
    # The mail server or the way to it (smtplib's errors are OSErrors).
    retry_on=(OSError,),
    # A header Django refuses, a template that cannot render this row.
    fail_on=(ValueError, KeyError, TypeError),
    doc="Confirmation e-mails of signatures given without an account (campaigns.services.guest).",
)
