"""Creating deliveries for an event and sending them: what the tasks run.

At least once: a delivery is retried until a 2xx answer or the end of the schedule, and a
worker that dies mid-send is covered by the retry sweep; receivers drop repeats by the
Essaim-Delivery id.

One attempt at a time: an attempt is claimed under the delivery's row lock with the attempt
number it expects, which moves the delivery to `sending` with a lease (`SEND_LEASE`, longer
than a send's whole deadline); its outcome is written only if the delivery is still that
attempt's (same number, still `sending`), so neither a redelivery nor a sweep that took over
an expired lease is overwritten, and an endpoint deleted meanwhile is no error. A delivery
is redelivered by hand only when no attempt is running.

Turning an endpoint off (the retry and disable policy): a failed attempt is retried after
about 1 min, 5 min, 30 min, 2 h, 6 h, 12 h and 24 h, then the delivery is given up. The
endpoint is turned off, and its hosts told, only when its failure is sustained: at least
`DISABLE_AFTER_FAILURES` failed attempts in a row and no success for
`DISABLE_AFTER_FAILING_FOR` (a short outage of the receiver turns nothing off, however many
events it misses). While an endpoint is off its events are still recorded, as `held`
deliveries listed in its log; turning it back on sends them, oldest first, through the sweep.
"""

import json
import logging
import random
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
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
# An endpoint is turned off when both hold: this many failed attempts in a row...
DISABLE_AFTER_FAILURES = 10
# ...and the first of them this long ago.
DISABLE_AFTER_FAILING_FOR = timedelta(days=3)
# How long a delivery handed to the task queue waits before the sweep hands it over again
# (its task was lost: a worker died, a queue was flushed).
QUEUE_LEASE = timedelta(minutes=5)
# How long an attempt in progress owns its delivery: well past the send's whole deadline
# (transport.DEADLINE_SECONDS), so only a dead worker's attempt is ever taken over.
SEND_LEASE = timedelta(minutes=2)
USER_AGENT = "Essaim-Webhooks/1"

RETRYABLE = [Delivery.Status.PENDING, Delivery.Status.FAILED]
REDELIVERABLE = [Delivery.Status.SUCCEEDED, Delivery.Status.FAILED, Delivery.Status.GAVE_UP]

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
    """One delivery of `event` per endpoint of its campaign subscribed to it (or to each of
    `endpoints`, for a ping): pending for an endpoint that is on, held for one that is off.
    Returns (delivery id, attempts) of the new ones to send. An event seen again (a task
    rerun) creates nothing: (endpoint, event_id) is unique."""
    if endpoints is None:
        endpoints = [
            endpoint
            for endpoint in Endpoint.objects.filter(campaign_id=event.campaign_id)
            if event.type in endpoint.event_list
        ]
    created_ids: list[tuple[int, int]] = []
    lease = timezone.now() + QUEUE_LEASE
    for endpoint in endpoints:
        held = not endpoint.active
        try:
            with transaction.atomic():
                delivery, created = Delivery.objects.get_or_create(
                    endpoint=endpoint,
                    event_id=event.id,
                    defaults={
                        "event_type": event.type,
                        "payload": event.payload,
                        "status": Delivery.Status.HELD if held else Delivery.Status.PENDING,
                        "next_attempt_at": None if held else lease,
                    },
                )
        except IntegrityError:
            continue  # a concurrent run created it and sends it
        if not created:
            continue
        if not held or _release_if_turned_on(delivery, lease):
            created_ids.append((delivery.pk, 0))
    return created_ids


def _release_if_turned_on(delivery: Delivery, lease: datetime) -> bool:
    """The endpoint may have been turned back on after it was read as off, and its held
    deliveries released before this one was committed: read it again (endpoint_enable
    releases after its own commit, so one of the two sees the other)."""
    if not Endpoint.objects.filter(pk=delivery.endpoint_id, active=True).exists():
        return False
    return bool(
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.HELD).update(
            status=Delivery.Status.PENDING, next_attempt_at=lease, updated_at=timezone.now()
        )
    )


def held_release(endpoint_id: int) -> int:
    """After an endpoint is turned back on (committed): its held deliveries become due, in
    the order of their events, for the sweep to send."""
    return Delivery.objects.filter(
        endpoint_id=endpoint_id, status=Delivery.Status.HELD, endpoint__active=True
    ).update(status=Delivery.Status.PENDING, next_attempt_at=F("created_at"))


def _claim(delivery_id: int, attempts: int) -> Delivery | None:
    """Take attempt number `attempts + 1` of the delivery, or None when it is not this task's
    to make (done, given up, held, being sent, endpoint off, or another task already made
    it). A delivery that has had all its attempts is given up here, whatever stopped the last
    one from recording its outcome."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id, attempts=attempts, status__in=RETRYABLE, endpoint__active=True)
            .first()
        )
        if delivery is None:
            return None
        if attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = Delivery.Status.GAVE_UP, None
            delivery.save(update_fields=["status", "next_attempt_at", "updated_at"])
            return None
        delivery.status = Delivery.Status.SENDING
        delivery.attempts = attempts + 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + SEND_LEASE
        delivery.save(
            update_fields=["status", "attempts", "last_attempt_at", "next_attempt_at", "updated_at"]
        )
    return delivery


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


def delivery_attempt(*, delivery_id: int, attempts: int) -> Delivery | None:
    """Send the delivery once and record the answer. Returns None when there was nothing to
    send (see `_claim`), or when the outcome was not this attempt's to record any more."""
    delivery = _claim(delivery_id, attempts)
    if delivery is None:
        return None
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    answer = transport.post(delivery.endpoint.url, body=body, headers=_headers(delivery, body))
    now = timezone.now()
    delay = retry_delay(delivery.attempts)
    if answer.succeeded:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            Delivery.Status.SUCCEEDED,
            now,
            None,
        )
    elif delivery.attempts >= MAX_ATTEMPTS or delay is None:
        delivery.status, delivery.next_attempt_at = Delivery.Status.GAVE_UP, None
    else:
        delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, now + delay
    delivery.response_status = answer.status
    # The receiver's own words only: what stopped an answer stays in the server's log.
    delivery.error = "" if answer.succeeded else answer.excerpt[:300]
    recorded = Delivery.objects.filter(
        pk=delivery.pk, attempts=delivery.attempts, status=Delivery.Status.SENDING
    ).update(
        status=delivery.status,
        delivered_at=delivery.delivered_at,
        next_attempt_at=delivery.next_attempt_at,
        response_status=delivery.response_status,
        error=delivery.error,
        updated_at=now,
    )
    log = {
        "delivery_id": delivery.pk,
        "endpoint_id": delivery.endpoint_id,
        "attempt": delivery.attempts,
        "status": delivery.status,
        "response_status": answer.status,
        "reason": answer.reason,
    }
    if not recorded:
        # Deleted with its endpoint, or its lease expired and another attempt owns it.
        logger.warning("webhook attempt outcome not recorded", extra=log)
        return None
    _endpoint_record(delivery.endpoint, succeeded=answer.succeeded, now=now)
    logger.info("webhook delivery attempted", extra=log)
    return delivery


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


def due_deliveries(limit: int = 500) -> list[tuple[int, int]]:
    """Deliveries whose next attempt is due, or whose attempt's lease expired (its worker
    died: that attempt counts as failed), leased to the queue (see QUEUE_LEASE) so that the
    next sweep does not hand them over twice; (delivery id, attempts) to send."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                Q(status__in=RETRYABLE) | Q(status=Delivery.Status.SENDING),
                next_attempt_at__lte=now,
                endpoint__active=True,
            )
            .order_by("next_attempt_at")
            .values_list("pk", "attempts")[:limit]
        )
        Delivery.objects.filter(pk__in=[pk for pk, _attempts in due]).update(
            next_attempt_at=now + QUEUE_LEASE,
            status=Case(
                When(status=Delivery.Status.SENDING, then=Value(Delivery.Status.FAILED)),
                default=F("status"),
            ),
        )
    return due
