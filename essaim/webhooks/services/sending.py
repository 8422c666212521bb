"""Creating deliveries for an event and sending them: what the tasks run.

At least once: a delivery is retried until a 2xx answer or the end of the schedule, and a
worker that dies mid-send is covered by the retry sweep; receivers drop repeats by the
Essaim-Delivery id. Each attempt is claimed under the delivery's row lock with the attempt
number it expects, so a task enqueued twice sends once.
"""

import json
import logging
import random
import time
from collections.abc import Iterable
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from essaim.notifications.models import Notification
from essaim.notifications.services import notify
from essaim.webhooks import selectors, transport
from essaim.webhooks.models import Delivery, Endpoint
from essaim.webhooks.payloads import Event
from essaim.webhooks.signing import signature_header

# Seconds before each retry: 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h (each ±10 %), so
# eight attempts over about two days before giving up.
RETRY_SCHEDULE = (60, 300, 1800, 7200, 21600, 43200, 86400)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
# An endpoint that failed this many deliveries in a row is turned off.
DISABLE_AFTER_FAILURES = 10
# How long a delivery handed to the task queue waits before the sweep hands it over again
# (its task was lost: a worker died, a queue was flushed).
QUEUE_LEASE = timedelta(minutes=5)
USER_AGENT = "Essaim-Webhooks/1"

logger = logging.getLogger(__name__)


def retry_delay(attempt: int) -> timedelta | None:
    """How long after failed attempt number `attempt` (1-based) to try again; None: give up.
    Jitter spreads the retries of many deliveries that failed together (a receiver's outage)."""
    if attempt > len(RETRY_SCHEDULE):
        return None
    return timedelta(seconds=RETRY_SCHEDULE[attempt - 1] * random.uniform(0.9, 1.1))


def deliveries_create(
    event: Event, *, endpoints: Iterable[Endpoint] | None = None
) -> list[tuple[int, int]]:
    """One pending delivery of `event` per active endpoint of its campaign subscribed to it
    (or to each of `endpoints`, for a ping); returns (delivery id, attempts) of the new ones
    to send. An event seen again (a task rerun) creates nothing: (endpoint, event_id) is
    unique."""
    if endpoints is None:
        endpoints = [
            endpoint
            for endpoint in Endpoint.objects.filter(campaign_id=event.campaign_id, active=True)
            if event.type in endpoint.event_list
        ]
    created_ids: list[tuple[int, int]] = []
    lease = timezone.now() + QUEUE_LEASE
    for endpoint in endpoints:
        try:
            with transaction.atomic():
                delivery, created = Delivery.objects.get_or_create(
                    endpoint=endpoint,
                    event_id=event.id,
                    defaults={
                        "event_type": event.type,
                        "payload": event.payload,
                        "next_attempt_at": lease,
                    },
                )
        except IntegrityError:
            continue  # a concurrent run created it and sends it
        if created:
            created_ids.append((delivery.pk, 0))
    return created_ids


def _claim(delivery_id: int, attempts: int) -> Delivery | None:
    """Take attempt number `attempts + 1` of the delivery, or None when it is not this task's
    to make (done, given up, endpoint off, or another task already made it)."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .filter(
                pk=delivery_id,
                attempts=attempts,
                status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED],
                endpoint__active=True,
            )
            .first()
        )
        if delivery is None:
            return None
        now = timezone.now()
        delay = retry_delay(attempts + 1)
        delivery.attempts = attempts + 1
        delivery.last_attempt_at = now
        # If this worker dies while sending, the sweep tries again when the retry is due.
        delivery.next_attempt_at = now + delay if delay is not None else now + QUEUE_LEASE
        delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
    return delivery


def _headers(delivery: Delivery, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Essaim-Event": delivery.event_type,
        "Essaim-Delivery": str(delivery.uuid),
        "Essaim-Signature": signature_header(
            secret=delivery.endpoint.secret, timestamp=int(time.time()), body=body
        ),
    }


def delivery_attempt(*, delivery_id: int, attempts: int) -> Delivery | None:
    """Send the delivery once and record the answer. Returns None when there was nothing to
    send (see `_claim`)."""
    delivery = _claim(delivery_id, attempts)
    if delivery is None:
        return None
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    answer = transport.post(delivery.endpoint.url, body=body, headers=_headers(delivery, body))
    now = timezone.now()
    delivery.response_status = answer.status
    delivery.error = "" if answer.succeeded else answer.excerpt[:300]
    if answer.succeeded:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            Delivery.Status.SUCCEEDED,
            now,
            None,
        )
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = Delivery.Status.GAVE_UP, None
    else:
        delivery.status = Delivery.Status.FAILED
    delivery.save(
        update_fields=[
            "status",
            "delivered_at",
            "next_attempt_at",
            "response_status",
            "error",
            "updated_at",
        ]
    )
    _endpoint_record(delivery, succeeded=answer.succeeded)
    logger.info(
        "webhook delivery attempted",
        extra={
            "delivery_id": delivery.pk,
            "endpoint_id": delivery.endpoint_id,
            "attempt": delivery.attempts,
            "status": delivery.status,
            "response_status": answer.status,
        },
    )
    return delivery


def _endpoint_record(delivery: Delivery, *, succeeded: bool) -> None:
    endpoints = Endpoint.objects.filter(pk=delivery.endpoint_id)
    if succeeded:
        endpoints.filter(consecutive_failures__gt=0).update(consecutive_failures=0)
        return
    endpoints.update(consecutive_failures=F("consecutive_failures") + 1)
    failures = endpoints.values_list("consecutive_failures", flat=True).first() or 0
    if failures >= DISABLE_AFTER_FAILURES or delivery.status == Delivery.Status.GAVE_UP:
        endpoint_disable(endpoint=delivery.endpoint)


def endpoint_disable(*, endpoint: Endpoint) -> bool:
    """Turn the endpoint off and tell the hosts once; False when it was already off."""
    now = timezone.now()
    turned_off = Endpoint.objects.filter(pk=endpoint.pk, active=True).update(
        active=False, disabled_at=now, updated_at=now
    )
    if not turned_off:
        return False
    transaction.on_commit(lambda: listening_forget(endpoint.campaign_id))
    campaign = endpoint.campaign
    for person in selectors.host_people(campaign):
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
    return True


def listening_forget(campaign_id: int) -> None:
    """After an endpoint changes: the next event reads the database again."""
    cache.delete(selectors.listening_key(campaign_id))


def due_deliveries(limit: int = 500) -> list[tuple[int, int]]:
    """Deliveries whose next attempt is due, leased to the queue (see QUEUE_LEASE) so that the
    next sweep does not hand them over twice; (delivery id, attempts) to send."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED],
                next_attempt_at__lte=now,
                endpoint__active=True,
            )
            .order_by("next_attempt_at")
            .values_list("pk", "attempts")[:limit]
        )
        Delivery.objects.filter(pk__in=[pk for pk, _attempts in due]).update(
            next_attempt_at=now + QUEUE_LEASE
        )
    return due
