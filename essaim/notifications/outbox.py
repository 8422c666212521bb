"""The e-mail outbox: digests planned into `Delivery` rows, and rows sent exactly once.

How a row is sent once, whatever crashes: a worker claims a pending row under its row lock
(`select_for_update(skip_locked)`: a second worker skips it instead of waiting), marks it sent
and hands the message to the mail server, all inside one transaction. If the worker dies or
the server refuses before the commit, the transaction rolls back and the row is pending again
for the next run; once committed, no run sends it again. What cannot be closed is the instant
between the server accepting the message and the commit: a crash exactly there resends it,
and the stable Message-ID (one per row) lets mail servers and clients drop that copy.
"""

import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import ngettext

from essaim.notifications.links import unsubscribe_url
from essaim.notifications.models import Delivery, Frequency, Notification
from essaim.notifications.selectors import frequencies_of
from essaim.notifications.texts import subject_of, text_of

logger = logging.getLogger(__name__)

SEND_BATCH = 50
PLAN_BATCH = 500
MAX_ATTEMPTS = 8
DIGEST_FREQUENCIES = (Frequency.DAILY, Frequency.WEEKLY)


@dataclass(frozen=True)
class DigestPeriod:
    frequency: str
    first_day: date
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        return f"{self.frequency}:{self.first_day.isoformat()}"


def digest_period(frequency: str, first_day: date) -> DigestPeriod:
    """A day, or the week starting on `first_day`, in the instance's time zone."""
    days = 1 if frequency == Frequency.DAILY else 7
    return DigestPeriod(
        frequency=frequency,
        first_day=first_day,
        start=timezone.make_aware(datetime.combine(first_day, time.min)),
        end=timezone.make_aware(datetime.combine(first_day + timedelta(days=days), time.min)),
    )


def digests_plan(period: DigestPeriod) -> list[int]:
    """Write one pending digest per person with notifications of the period that no e-mail
    carries yet, of kinds they want in this digest, and bind those notifications to it.
    Returns the period's pending digests. A rerun finds the rows it wrote (unique per person
    and period) and only binds what is still unbound; a digest already sent gets nothing more.
    """
    window = Notification.objects.filter(
        created_at__gte=period.start, created_at__lt=period.end, delivery__isnull=True
    )
    kinds_by_user: dict[int, set[str]] = defaultdict(set)
    for user_id, kind in window.values_list("user_id", "kind").distinct():
        kinds_by_user[user_id].add(kind)
    people = sorted(kinds_by_user)
    for start in range(0, len(people), PLAN_BATCH):
        chunk = people[start : start + PLAN_BATCH]
        frequencies = frequencies_of(chunk)
        for user_id in chunk:
            kinds = [
                kind
                for kind in kinds_by_user[user_id]
                if frequencies[user_id].get(kind) == period.frequency
            ]
            if kinds:
                _plan_one(period, user_id, kinds, window)
    return list(
        Delivery.objects.filter(key=period.key, status=Delivery.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _plan_one(period: DigestPeriod, user_id: int, kinds: list[str], window: Any) -> Delivery | None:
    with transaction.atomic():
        delivery, _created = Delivery.objects.get_or_create(user_id=user_id, key=period.key)
        if delivery.status != Delivery.Status.PENDING:
            return None
        window.filter(user_id=user_id, kind__in=kinds).update(delivery=delivery)
    return delivery


def deliveries_stalled(*, before: datetime, limit: int = 5000) -> list[int]:
    """Pending rows whose send was never queued or never ran (a worker lost with the task)."""
    return list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, created_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def batches(ids: list[int], size: int = SEND_BATCH) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def deliveries_send(delivery_ids: list[int]) -> int:
    """Send these rows that are still pending, over one connection; returns how many went.
    Safe to run twice and side by side (module docstring)."""
    sent = 0
    with get_connection() as connection:
        for pk in delivery_ids:
            try:
                sent += _send_one(pk, connection)
            except (smtplib.SMTPException, OSError) as error:
                _record_failure(pk, error)
    return sent


def _send_one(pk: int, connection: BaseEmailBackend) -> int:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(pk=pk, status=Delivery.Status.PENDING)
            .first()
        )
        if delivery is None:  # sent already, or another worker has it now
            return 0
        message = message_for(delivery, connection)
        now = timezone.now()
        if message is None:
            Delivery.objects.filter(pk=pk).update(status=Delivery.Status.SKIPPED, updated_at=now)
            return 0
        # Conditional, for databases without row locks (SQLite): only one claim succeeds.
        claimed = Delivery.objects.filter(pk=pk, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SENT, sent_at=now, attempts=F("attempts") + 1, updated_at=now
        )
        if not claimed:
            return 0
        message.send()
    logger.info("notification e-mail sent", extra={"delivery_id": pk, "key": delivery.key})
    return 1


def _record_failure(pk: int, error: Exception) -> None:
    """The mail server refused: the row stays pending for the next sweep, up to a limit."""
    logger.warning(
        "notification e-mail failed", extra={"delivery_id": pk, "error": str(error)[:200]}
    )
    Delivery.objects.filter(pk=pk, status=Delivery.Status.PENDING).update(
        attempts=F("attempts") + 1, last_error=str(error)[:200], updated_at=timezone.now()
    )
    Delivery.objects.filter(
        pk=pk, status=Delivery.Status.PENDING, attempts__gte=MAX_ATTEMPTS
    ).update(status=Delivery.Status.FAILED)


def message_for(
    delivery: Delivery, connection: BaseEmailBackend | None = None
) -> EmailMultiAlternatives | None:
    """The e-mail of a row, in its recipient's language; None when there is nothing to send
    (every item unsubscribed since, an account closed)."""
    user = delivery.user
    items = list(delivery.notifications.order_by("created_at", "pk"))
    if not items or not user.is_active or not user.email:
        return None
    order = {kind: index for index, kind in enumerate(Notification.Kind.values)}
    kinds = sorted({item.kind for item in items}, key=order.__getitem__)
    frequency = delivery.key.partition(":")[0]
    with translation.override(user.language):
        groups = [
            {
                "label": Notification.Kind(kind).label,
                "items": [
                    {"text": text_of(item), "url": _absolute(item.url)}
                    for item in items
                    if item.kind == kind
                ],
                "unsubscribe_url": unsubscribe_url(user_id=user.pk, kinds=[kind]),
            }
            for kind in kinds
        ]
        heading = _heading(frequency, delivery.key.partition(":")[2], len(items))
        context = {
            "person": user,
            "digest": frequency in DIGEST_FREQUENCIES,
            "heading": heading,
            "groups": groups,
            "preferences_url": settings.SITE_URL + reverse("notifications:preferences"),
            "unsubscribe_url": unsubscribe_url(user_id=user.pk, kinds=kinds),
        }
        subject = heading if frequency in DIGEST_FREQUENCIES else subject_of(items[0])
        text = render_to_string("notifications/email/message.txt", context)
        html = render_to_string("notifications/email/message.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[user.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "Message-ID": f"<delivery-{delivery.pk}@{_domain()}>",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _heading(frequency: str, first_day: str, count: int) -> str:
    if frequency not in DIGEST_FREQUENCIES:
        return ""
    day = formats.date_format(date.fromisoformat(first_day), "DATE_FORMAT")
    if frequency == Frequency.DAILY:
        template = ngettext(
            "Your day on Essaim (%(day)s): %(count)d notification",
            "Your day on Essaim (%(day)s): %(count)d notifications",
            count,
        )
    else:
        template = ngettext(
            "Your week on Essaim (from %(day)s): %(count)d notification",
            "Your week on Essaim (from %(day)s): %(count)d notifications",
            count,
        )
    return template % {"day": day, "count": count}


def _absolute(url: str) -> str:
    return settings.SITE_URL + url if url.startswith("/") else url


def _domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "essaim.localhost"
