"""The e-mails of actions taken without an account, sent through the outbox's `guest-email`
channel: the confirmation whose link opens the one-button page, the personal link of a
confirmed join or RSVP, and a received gift's receipt. Each is marked sent on its row in the
transaction that hands it to the mail server (`services.guest` queues them)."""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from essaim.campaigns.models import GUEST_EMAIL_CHANNEL, Donation, GuestAction
from essaim.campaigns.services.guest import PERSONAL_LINK_KINDS, confirmation_token
from essaim.campaigns.services.guest_data import guest_email
from essaim.campaigns.services.guest_links import guest_link_path
from essaim.core import outbox
from essaim.core.models import OutboxMessage
from essaim.core.site import absolute_url

logger = logging.getLogger(__name__)


_SUBJECTS: dict[str, Promise] = {
    GuestAction.Kind.SIGN: gettext_lazy("Confirm your signature: %(title)s"),
    GuestAction.Kind.JOIN: gettext_lazy("Confirm your participation: %(title)s"),
    GuestAction.Kind.RSVP: gettext_lazy("Confirm your RSVP: %(title)s"),
    GuestAction.Kind.GIVE: gettext_lazy("Confirm your in-kind pledge: %(title)s"),
}


def confirmation_email(signature: GuestAction) -> EmailMessage:
    """The confirmation e-mail, in the person's language: a link to the one-button page."""
    campaign = signature.campaign
    kind = signature.kind
    url = absolute_url(
        reverse(
            "campaigns:guest_confirm",
            kwargs={"slug": campaign.slug, "token": confirmation_token(signature)},
        )
    )
    return guest_email(
        person=signature.user,
        subject=_SUBJECTS[kind],
        template="campaigns/email/guest_confirm.txt",
        context={
            "title": signature.event.title if signature.event is not None else campaign.title,
            "campaign": campaign,
            "kind": kind,
            "pledge": signature.pledge,
            "challenge": signature.challenge,
            "event": signature.event,
            "offer": signature.offer,
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
    if isinstance(payload.get("donation"), int):
        return _receipt_deliver(payload["donation"])
    pk = payload.get("guest_action", payload.get("guest_signature"))
    if not isinstance(pk, int):
        return outbox.Fail("the message names no guest action")
    if payload.get("personal_link"):
        return _personal_link_deliver(pk)
    with transaction.atomic():
        signature = (
            GuestAction.objects.select_for_update(of=("self",))
            .select_related("user", "campaign", "pledge", "challenge", "event")
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


_LINK_SUBJECTS: dict[str, Promise] = {
    GuestAction.Kind.JOIN: gettext_lazy("Your daily check-in: %(title)s"),
    GuestAction.Kind.RSVP: gettext_lazy("Your ticket: %(title)s"),
}


def personal_link_email(action: GuestAction) -> EmailMessage:
    """The e-mail with a confirmed join's or RSVP's personal link, in the person's language."""
    event = action.event
    return guest_email(
        person=action.user,
        subject=_LINK_SUBJECTS[action.kind],
        template="campaigns/email/guest_link.txt",
        context={
            "title": event.title if event is not None else action.campaign.title,
            "kind": action.kind,
            "campaign": action.campaign,
            "event": event,
            "url": absolute_url(guest_link_path(action)),
        },
        message_id=f"guest-link-{action.pk}",
    )


def _personal_link_deliver(pk: int) -> outbox.Outcome:
    """As `confirmation_deliver`, for the personal link's e-mail (`link_mailed_at`)."""
    with transaction.atomic():
        action = (
            GuestAction.objects.select_for_update(of=("self",))
            .select_related("user", "campaign", "challenge", "event")
            .filter(pk=pk, confirmed_at__isnull=False)
            .first()
        )
        if action is None or action.kind not in PERSONAL_LINK_KINDS:
            return outbox.Cancel("no confirmed join or RSVP")
        if action.link_mailed_at is not None:
            return outbox.Sent()
        email = personal_link_email(action)
        GuestAction.objects.filter(pk=pk).update(link_mailed_at=timezone.now())
        email.send()
    logger.info("guest personal link sent", extra={"guest_action_id": pk})
    return outbox.Sent()


def receipt_email(donation: Donation) -> EmailMessage:
    """A guest's receipt for a received gift, in their language."""
    if donation.user is None:
        raise ValueError(f"gift {donation.pk} has no person")
    campaign = donation.fundraiser.campaign
    return guest_email(
        person=donation.user,
        subject=gettext_lazy("Thank you for your gift: %(title)s"),
        template="campaigns/email/guest_receipt.txt",
        context={"title": campaign.title, "campaign": campaign, "donation": donation},
        message_id=f"guest-receipt-{donation.pk}",
    )


def _receipt_deliver(pk: int) -> outbox.Outcome:
    """A received gift's receipt. A gift has no mark of its own for it: a send that the
    outbox could not record as sent may leave again (its Message-ID is the same)."""
    donation = (
        Donation.objects.select_related("user", "fundraiser__campaign")
        .filter(pk=pk, status=Donation.Status.SUCCEEDED)
        .first()
    )
    if donation is None or donation.user is None or donation.user.deleted_at is not None:
        return outbox.Cancel("no received gift with a person")
    receipt_email(donation).send()
    logger.info("guest receipt sent", extra={"donation_id": pk})
    return outbox.Sent()


GUEST_EMAILS = outbox.Channel(
    name=GUEST_EMAIL_CHANNEL,
    deliver=confirmation_deliver,
    # 1, 2, 4 … minutes, at most half an hour: a confirmation is awaited now.
    backoff=outbox.Backoff(first=timedelta(minutes=1), cap=timedelta(minutes=30)),
    # The mail server or the way to it (smtplib's errors are OSErrors).
    retry_on=(OSError,),
    # A header Django refuses, a template that cannot render this row.
    fail_on=(ValueError, KeyError, TypeError),
    doc=(
        "Confirmation e-mails of actions taken without an account "
        "(campaigns.services.guest_emails)."
    ),
)
