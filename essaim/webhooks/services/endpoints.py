"""What hosts do with their campaign's webhooks: register, remove, turn back on, rotate the
secret, ping, redeliver. Every function checks the actor hosts the campaign (an outsider gets
the 404 of a campaign that does not exist) and enqueues sends after commit.

Rotating the secret: the new secret signs every delivery at once, and the previous one keeps
signing them too for `SECRET_OVERLAP` (the header then carries two v1 values), so the
receiver can be switched at any time during that day without a failed delivery.
"""

import uuid
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit, urlunsplit

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.campaigns import permissions
from essaim.campaigns.models import Campaign
from essaim.core import outbox, transport
from essaim.core.errors import NotFound, ValidationError
from essaim.core.models import OutboxMessage
from essaim.webhooks.models import SUBSCRIBABLE, Delivery, Endpoint, new_secret
from essaim.webhooks.payloads import ping_event
from essaim.webhooks.services.sending import (
    REDELIVERABLE,
    deliveries_create,
    held_release,
    listening_refresh,
)

MAX_ENDPOINTS_PER_CAMPAIGN = 10
URL_MAX_LENGTH = 500
SECRET_OVERLAP = timedelta(hours=24)


def _require_host(actor: User, campaign: Campaign) -> None:
    if not permissions.is_host(actor, campaign):
        raise NotFound(_("This campaign does not exist."))


def _ascii_url(scheme: str, host: str, port: int | None, path: str, query: str) -> str:
    """The address as http.client sends it: an IDNA host, a percent-encoded path and query
    (a host may type `https://hoök.example/hoök`), and no fragment (never sent)."""
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((scheme, netloc, iri_to_uri(path), iri_to_uri(query), ""))


def endpoint_url_check(url: str) -> str:
    """The address, in ASCII, if a webhook may post to it: HTTPS (plain HTTP only for the
    trusted hosts of WEBHOOKS_ALLOW_HTTP_HOSTS), no credentials in it, and a name that
    resolves to public addresses only (see transport.py: SSRF)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
        # ValueError (UnicodeError) for a label too long or empty.
        host = (parts.hostname or "").lower().encode("idna").decode("ascii")
    except ValueError as error:
        raise ValidationError(_("Enter a valid address.")) from error
    trusted = host in transport.trusted_hosts()
    if not host or parts.scheme not in ("https", "http"):
        raise ValidationError(_("Enter a valid address."))
    if parts.scheme != "https" and not trusted:
        raise ValidationError(_("A webhook address must start with https://."))
    if parts.username or parts.password:
        raise ValidationError(_("Put no user name or password in the address."))
    if not trusted:
        try:
            addresses = transport.resolve(host, port or 443)
        except transport.AddressRefused as error:
            raise ValidationError(_("This address's host name cannot be found.")) from error
        if not addresses or not all(transport.address_is_public(a) for a in addresses):
            raise ValidationError(
                _("This address leads to a private or local network, which webhooks may not reach.")
            )
    normalised = _ascii_url(parts.scheme, host, port, parts.path, parts.query)
    if len(normalised) > URL_MAX_LENGTH:
        raise ValidationError(_("Enter a valid address."))
    return normalised


def _events_check(events: list[str]) -> list[str]:
    chosen = [str(event) for event in SUBSCRIBABLE if event in set(events)]
    if not chosen:
        raise ValidationError(_("Choose at least one event."))
    return chosen


def _events_update(endpoint: Endpoint, chosen: list[str]) -> Endpoint:
    if endpoint.event_list != chosen:
        Endpoint.objects.filter(pk=endpoint.pk).update(events=chosen, updated_at=timezone.now())
        endpoint.events = chosen
    return endpoint


def endpoint_create(
    *, actor: User, campaign: Campaign, url: str, events: list[str]
) -> tuple[Endpoint, bool]:
    """Register an endpoint, its secret generated here; True when it is new. The same address
    registered again (a double click, or a change of mind) is the endpoint already there,
    now subscribed to the events chosen this time."""
    _require_host(actor, campaign)
    url = endpoint_url_check(url)
    chosen = _events_check(events)
    existing = Endpoint.objects.filter(campaign=campaign, url=url).first()
    if existing is not None:
        return _events_update(existing, chosen), False
    if Endpoint.objects.filter(campaign=campaign).count() >= MAX_ENDPOINTS_PER_CAMPAIGN:
        raise ValidationError(_("A campaign can have at most 10 webhooks."))
    try:
        with transaction.atomic():
            endpoint = Endpoint.objects.create(
                campaign=campaign, url=url, events=chosen, created_by=actor
            )
    except IntegrityError:
        return _events_update(Endpoint.objects.get(campaign=campaign, url=url), chosen), False
    transaction.on_commit(partial(listening_refresh, campaign.pk))
    return endpoint, True


def endpoint_delete(*, actor: User, endpoint: Endpoint) -> None:
    """Remove the endpoint, its delivery log and what it still had to send (a delivery being
    sent is cancelled by its sender, which finds it gone); removing it again does nothing."""
    _require_host(actor, endpoint.campaign)
    with transaction.atomic():
        outbox.discard(
            OutboxMessage.objects.filter(
                pk__in=Delivery.objects.filter(
                    endpoint_id=endpoint.pk, message__isnull=False
                ).values("message_id")
            )
        )
        Endpoint.objects.filter(pk=endpoint.pk).delete()
    transaction.on_commit(partial(listening_refresh, endpoint.campaign_id))


def endpoint_enable(*, actor: User, endpoint: Endpoint) -> Endpoint:
    """Turn an endpoint the failures turned off back on (the receiver is fixed): the
    deliveries held while it was off are sent, oldest first, and those still waiting for a
    retry resume at it."""
    _require_host(actor, endpoint.campaign)
    Endpoint.objects.filter(pk=endpoint.pk, active=False).update(
        active=True,
        disabled_at=None,
        consecutive_failures=0,
        failing_since=None,
        updated_at=timezone.now(),
    )
    # After the commit: see sending.deliveries_create for the event recorded meanwhile.
    transaction.on_commit(partial(held_release, endpoint.pk))
    transaction.on_commit(partial(listening_refresh, endpoint.campaign_id))
    endpoint.refresh_from_db()
    return endpoint


def endpoint_secret_rotate(*, actor: User, endpoint: Endpoint) -> Endpoint:
    """A new secret for the endpoint, the one it replaces still signing for `SECRET_OVERLAP`.
    Rotating again within that overlap replaces only the new secret, and the previous one
    keeps its expiry: the receiver may still be on it, and a double submit costs nothing.
    Locks the endpoint's row."""
    _require_host(actor, endpoint.campaign)
    now = timezone.now()
    with transaction.atomic():
        current = Endpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
        if current is None:
            raise NotFound(_("This webhook does not exist."))
        overlapping = (
            current.previous_secret_expires_at is not None
            and current.previous_secret_expires_at > now
        )
        if not overlapping:
            current.previous_secret = current.secret
            current.previous_secret_expires_at = now + SECRET_OVERLAP
        current.secret = new_secret()
        current.save(
            update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
        )
    return current


def endpoint_ping(*, actor: User, endpoint: Endpoint, key: uuid.UUID) -> Delivery:
    """Send a test event now. `key` comes with the form: submitting it twice is one ping."""
    _require_host(actor, endpoint.campaign)
    if not endpoint.active:
        raise ValidationError(_("This webhook is turned off: turn it back on first."))
    event = ping_event(endpoint.campaign, str(key))
    deliveries_create(event, endpoints=[endpoint])  # sent after the commit
    return Delivery.objects.select_related("message").get(endpoint=endpoint, event_id=event.id)


def delivery_redeliver(*, actor: User, delivery: Delivery) -> Delivery:
    """Send a delivery again now, whatever became of it (the receiver lost it, or it was
    fixed after the retries gave up), as a new series of attempts with the same
    Essaim-Delivery id. A delivery waiting for its send, or being sent, is left to it: two
    series at once would race to record their outcome."""
    _require_host(actor, delivery.endpoint.campaign)
    if not delivery.endpoint.active:
        raise ValidationError(_("This webhook is turned off: turn it back on first."))
    current = Delivery.objects.select_related("message").filter(pk=delivery.pk).first()
    updated = 0
    if current is not None and current.message is not None and current.status in REDELIVERABLE:
        # Conditional on the message's state (outbox.resend): a sender claiming it meanwhile
        # keeps it.
        updated = outbox.resend(OutboxMessage.objects.filter(pk=current.message.pk))
    if not updated:
        if not Delivery.objects.filter(pk=delivery.pk).exists():
            raise NotFound(_("This delivery does not exist."))
        raise ValidationError(_("This delivery is on its way already: see its status below."))
    return Delivery.objects.select_related("message", "endpoint").get(pk=delivery.pk)
