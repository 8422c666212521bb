"""What hosts do with their campaign's webhooks: register, remove, turn back on, ping,
redeliver. Every function checks the actor hosts the campaign (an outsider gets the 404 of a
campaign that does not exist) and enqueues sends after commit."""

import uuid
from functools import partial
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.campaigns import permissions
from essaim.campaigns.models import Campaign
from essaim.core.errors import NotFound, ValidationError
from essaim.webhooks import transport
from essaim.webhooks.models import SUBSCRIBABLE, Delivery, Endpoint
from essaim.webhooks.payloads import ping_event
from essaim.webhooks.services.sending import QUEUE_LEASE, deliveries_create, listening_forget
from essaim.webhooks.tasks import delivery_send

MAX_ENDPOINTS_PER_CAMPAIGN = 10


def _require_host(actor: User, campaign: Campaign) -> None:
    if not permissions.is_host(actor, campaign):
        raise NotFound(_("This campaign does not exist."))


def endpoint_url_check(url: str) -> str:
    """The address, if a webhook may post to it: HTTPS (plain HTTP only for the trusted hosts
    of WEBHOOKS_ALLOW_HTTP_HOSTS), no credentials in it, and a name that resolves to public
    addresses only (see transport.py: SSRF)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise ValidationError(_("Enter a valid address.")) from error
    host = (parts.hostname or "").lower()
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
    return url


def _events_check(events: list[str]) -> list[str]:
    chosen = [str(event) for event in SUBSCRIBABLE if event in set(events)]
    if not chosen:
        raise ValidationError(_("Choose at least one event."))
    return chosen


def endpoint_create(*, actor: User, campaign: Campaign, url: str, events: list[str]) -> Endpoint:
    """Register an endpoint, its secret generated here. The same address registered again (a
    double click) is the endpoint already there, unchanged."""
    _require_host(actor, campaign)
    url = endpoint_url_check(url)
    chosen = _events_check(events)
    existing = Endpoint.objects.filter(campaign=campaign, url=url).first()
    if existing is not None:
        return existing
    if Endpoint.objects.filter(campaign=campaign).count() >= MAX_ENDPOINTS_PER_CAMPAIGN:
        raise ValidationError(_("A campaign can have at most 10 webhooks."))
    try:
        with transaction.atomic():
            endpoint = Endpoint.objects.create(
                campaign=campaign, url=url, events=chosen, created_by=actor
            )
    except IntegrityError:
        return Endpoint.objects.get(campaign=campaign, url=url)
    transaction.on_commit(partial(listening_forget, campaign.pk))
    return endpoint


def endpoint_delete(*, actor: User, endpoint: Endpoint) -> None:
    """Remove the endpoint and its delivery log; removing it again does nothing."""
    _require_host(actor, endpoint.campaign)
    Endpoint.objects.filter(pk=endpoint.pk).delete()
    transaction.on_commit(partial(listening_forget, endpoint.campaign_id))


def endpoint_enable(*, actor: User, endpoint: Endpoint) -> Endpoint:
    """Turn an endpoint the failures turned off back on (the receiver is fixed); its
    deliveries still waiting resume at their next retry."""
    _require_host(actor, endpoint.campaign)
    Endpoint.objects.filter(pk=endpoint.pk, active=False).update(
        active=True, disabled_at=None, consecutive_failures=0, updated_at=timezone.now()
    )
    transaction.on_commit(partial(listening_forget, endpoint.campaign_id))
    endpoint.refresh_from_db()
    return endpoint


def _send_after_commit(delivery_id: int, attempts: int) -> None:
    transaction.on_commit(partial(delivery_send.enqueue, delivery_id, attempts))


def endpoint_ping(*, actor: User, endpoint: Endpoint, key: uuid.UUID) -> Delivery:
    """Send a test event now. `key` comes with the form: submitting it twice is one ping."""
    _require_host(actor, endpoint.campaign)
    if not endpoint.active:
        raise ValidationError(_("This webhook is turned off: turn it back on first."))
    event = ping_event(endpoint.campaign, str(key))
    for delivery_id, attempts in deliveries_create(event, endpoints=[endpoint]):
        _send_after_commit(delivery_id, attempts)
    return Delivery.objects.get(endpoint=endpoint, event_id=event.id)


def delivery_redeliver(*, actor: User, delivery: Delivery) -> Delivery:
    """Send a delivery again now, whatever became of it (the receiver lost it, or it was
    fixed after the retries gave up), as a new series of attempts with the same
    Essaim-Delivery id. A delivery already waiting for its send is left to it."""
    _require_host(actor, delivery.endpoint.campaign)
    if not delivery.endpoint.active:
        raise ValidationError(_("This webhook is turned off: turn it back on first."))
    with transaction.atomic():
        updated = Delivery.objects.filter(
            pk=delivery.pk,
            status__in=[Delivery.Status.SUCCEEDED, Delivery.Status.FAILED, Delivery.Status.GAVE_UP],
        ).update(
            status=Delivery.Status.PENDING,
            attempts=0,
            next_attempt_at=timezone.now() + QUEUE_LEASE,
            updated_at=timezone.now(),
        )
        if updated:
            _send_after_commit(delivery.pk, 0)
    delivery.refresh_from_db()
    return delivery
