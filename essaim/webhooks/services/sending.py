"""Creating deliveries for an event and sending them: the outbox's `webhook` channel
(essaim.core.outbox, which claims, leases, backs off and holds; this module decides what an
attempt is and what its answer means).

At least once: a delivery is retried until a 2xx answer or its last attempt, and a sender that
dies mid-send loses its lease, so the attempt is made again; receivers drop repeats by the
Essaim-Delivery id. One attempt at a time: only the holder of the message's lease sends it and
records its outcome (the outbox's claim), so neither a redelivery nor a sender that took over
an expired lease is overwritten, and an endpoint deleted meanwhile cancels the message.

Turning an endpoint off (the retry and disable policy): a failed attempt is retried after about
1 min, 4 min, 16 min, 1 h, 4 h, 17 h and 24 h (±10 %), so eight attempts over about two days,
then the delivery is given up. The endpoint is turned off, and its hosts told, only when its
failure is sustained: at least `DISABLE_AFTER_FAILURES` failed attempts in a row and no success
for `DISABLE_AFTER_FAILING_FOR` (a short outage of the receiver turns nothing off, however many
events it misses). While an endpoint is off its events are still recorded, as `held`
deliveries listed in its log; turning it back on releases them, oldest first.
"""

import json
import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from essaim.campaigns import selectors as campaign_selectors
from essaim.core import outbox, transport
from essaim.core.models import OutboxMessage
from essaim.notifications.models import Notification
from essaim.notifications.services import notify
from essaim.webhooks import selectors
from essaim.webhooks.models import Delivery, Endpoint
from essaim.webhooks.payloads import Event
from essaim.webhooks.signing import signature_header

CHANNEL = "webhook"
# 1 min, then four times longer each time up to a day, ±10 %: eight attempts over two days.
BACKOFF = outbox.Backoff(
    first=timedelta(minutes=1), factor=4, cap=timedelta(days=1), jitter=0.1, max_attempts=8
)
MAX_ATTEMPTS = BACKOFF.max_attempts
# An endpoint is turned off when both hold: this many failed attempts in a row...
DISABLE_AFTER_FAILURES = 10
# ...and the first of them this long ago.
DISABLE_AFTER_FAILING_FOR = timedelta(days=3)
# A claimed delivery is its sender's this long (renewed before each send): its wait in the
# task queue, and well past one send's whole deadline (transport.DEADLINE_SECONDS).
LEASE = timedelta(minutes=5)
SEND_BATCH = 10
USER_AGENT = "Essaim-Webhooks/1"

# What a host may send again: delivered, given up, or failed and waiting for its retry.
REDELIVERABLE = [Delivery.Status.SUCCEEDED, Delivery.Status.FAILED, Delivery.Status.GAVE_UP]

logger = logging.getLogger(__name__)


def retry_minutes() -> list[int]:
    """The waits between attempts, in minutes, without jitter (the endpoints page says it)."""
    return [
        round(BACKOFF.delay(attempt, uniform=lambda low, high: 1.0).total_seconds() / 60)
        for attempt in range(1, MAX_ATTEMPTS)
    ]


def deliveries_create(event: Event, *, endpoints: Iterable[Endpoint] | None = None) -> int:
    """One delivery of `event` per endpoint of its campaign subscribed to it (or to each of
    `endpoints`, for a ping), each with its outbox message: sent after the commit for an
    endpoint that is on, held for one that is off. Returns how many were created. An event
    seen again (a task rerun) creates nothing: (endpoint, event_id) is unique."""
    if endpoints is None:
        endpoints = [
            endpoint
            for endpoint in Endpoint.objects.filter(campaign_id=event.campaign_id)
            if event.type in endpoint.event_list
        ]
    created_count = 0
    for endpoint in endpoints:
        held = not endpoint.active
        try:
            with transaction.atomic():
                delivery, created = Delivery.objects.get_or_create(
                    endpoint=endpoint,
                    event_id=event.id,
                    defaults={"event_type": event.type, "payload": event.payload},
                )
                if created:
                    message = outbox.enqueue(CHANNEL, {"delivery": delivery.pk}, held=held)
                    Delivery.objects.filter(pk=delivery.pk).update(message=message)
        except IntegrityError:
            continue  # a concurrent run created it and sends it
        if not created:
            continue
        created_count += 1
        if held and Endpoint.objects.filter(pk=endpoint.pk, active=True).exists():
            # Turned back on after it was read as off, and its held deliveries released
            # before this one was committed (endpoint_enable releases after its own commit,
            # so one of the two sees the other).
            held_release(endpoint.pk)
    return created_count


def held_release(endpoint_id: int) -> int:
    """After an endpoint is turned back on (committed): its held deliveries become due, in
    the order of their events."""
    released = outbox.release(
        OutboxMessage.objects.filter(
            pk__in=Delivery.objects.filter(
                endpoint_id=endpoint_id, endpoint__active=True, message__isnull=False
            ).values("message_id")
        )
    )
    if released:
        outbox.send_soon(
            Delivery.objects.filter(
                endpoint_id=endpoint_id, message__state=OutboxMessage.State.PENDING
            ).values_list("message_id", flat=True)
        )
    return released


def _endpoint_off(endpoint_id: int) -> bool:
    return not Endpoint.objects.filter(pk=endpoint_id, active=True).exists()


def _headers(delivery: Delivery, body: bytes) -> dict[str, str]:
    endpoint = delivery.endpoint
    overlapping = selectors.previous_secret_until(endpoint) is not None
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Essaim-Event": delivery.event_type,
        "Essaim-Delivery": str(delivery.uuid),
        "Essaim-Signature": signature_header(
            secret=endpoint.secret,
            timestamp=int(time.time()),
            body=body,
            previous_secret=endpoint.previous_secret if overlapping else "",
        ),
    }


def deliver(message: OutboxMessage, connection: object = None) -> outbox.Outcome:
    """The outbox's handler: post the delivery once and record the receiver's answer on it."""
    pk = message.payload.get("delivery") if isinstance(message.payload, dict) else None
    if not isinstance(pk, int):
        return outbox.Fail("the message names no delivery")
    delivery = Delivery.objects.select_related("endpoint").filter(pk=pk).first()
    if delivery is None:
        return outbox.Cancel("the endpoint was deleted")
    endpoint = delivery.endpoint
    if not endpoint.active:
        # Released by endpoint_enable; if that ran while this attempt was deciding, the
        # outbox releases it at once (still_held).
        return outbox.Hold("the webhook is off", still_held=partial(_endpoint_off, endpoint.pk))
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    answer = transport.post(endpoint.url, body=body, headers=_headers(delivery, body))
    now = timezone.now()
    Delivery.objects.filter(pk=pk).update(
        last_attempt_at=now,
        delivered_at=now if answer.succeeded else F("delivered_at"),
        response_status=answer.status,
        # The receiver's own words only: what stopped an answer stays in the server's log.
        error="" if answer.succeeded else answer.excerpt[:300],
        updated_at=now,
    )
    _endpoint_record(endpoint, succeeded=answer.succeeded, now=now)
    logger.info(
        "webhook delivery attempted",
        extra={
            "delivery_id": pk,
            "endpoint_id": endpoint.pk,
            "attempt": message.attempts,
            "response_status": answer.status,
            "reason": answer.reason,
        },
    )
    if answer.succeeded:
        return outbox.Sent()
    return outbox.Retry(f"HTTP {answer.status}" if answer.status else answer.reason or "no answer")


WEBHOOK_CHANNEL = outbox.Channel(
    name=CHANNEL,
    deliver=deliver,
    backoff=BACKOFF,
    lease=LEASE,
    batch=SEND_BATCH,
    doc="Webhook calls, one message per Delivery row (essaim.webhooks.services.sending).",
)


def _endpoint_record(endpoint: Endpoint, *, succeeded: bool, now: datetime) -> None:
    endpoints = Endpoint.objects.filter(pk=endpoint.pk)
    if succeeded:
        endpoints.filter(Q(consecutive_failures__gt=0) | Q(failing_since__isnull=False)).update(
            consecutive_failures=0, failing_since=None
        )
        return
    endpoints.update(
        consecutive_failures=F("consecutive_failures") + 1,
        failing_since=Coalesce(F("failing_since"), Value(now)),
    )
    # One statement decides, so concurrent failures turn it off (and tell the hosts) once.
    turned_off = endpoints.filter(
        active=True,
        consecutive_failures__gte=DISABLE_AFTER_FAILURES,
        failing_since__lte=now - DISABLE_AFTER_FAILING_FOR,
    ).update(active=False, disabled_at=now, updated_at=now)
    if turned_off:
        _tell_turned_off(endpoint, now)


def _tell_turned_off(endpoint: Endpoint, now: datetime) -> None:
    transaction.on_commit(lambda: listening_refresh(endpoint.campaign_id))
    campaign = endpoint.campaign
    for person in campaign_selectors.host_people(campaign):
        notify(
            user=person,
            kind=Notification.Kind.WEBHOOK_DISABLED,
            key=f"webhook-disabled:{endpoint.pk}:{int(now.timestamp())}",
            params={"campaign": campaign.title, "url": endpoint.url},
            url=reverse("webhooks:endpoint", args=[campaign.slug, endpoint.pk]),
        )
    logger.warning(
        "webhook endpoint disabled",
        extra={"endpoint_id": endpoint.pk, "campaign_id": endpoint.campaign_id},
    )


def listening_refresh(campaign_id: int) -> None:
    """After endpoints change, once committed: write the fresh answer of
    selectors.campaign_is_listened. `set`, so it replaces a stale answer a concurrent read
    cached; then read again, and write again if a concurrent change committed in between
    (its own refresh may have landed before this one)."""
    key = selectors.listening_key(campaign_id)
    listened = selectors.campaign_listened_now(campaign_id)
    cache.set(key, int(listened), selectors.LISTENING_CACHE_SECONDS)
    again = selectors.campaign_listened_now(campaign_id)
    if again != listened:
        cache.set(key, int(again), selectors.LISTENING_CACHE_SECONDS)
