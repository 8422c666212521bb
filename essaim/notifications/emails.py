"""The e-mail channel of the outbox (essaim.core.outbox): digests planned into `Delivery` rows,
each row sent by one outbox message.

A `Delivery` is the e-mail: who, and which notifications it carries (bound to it by
`Notification.delivery`). Its outbox message says when it leaves and how its attempts went.

How a row is sent once, even when a sender dies after the mail server accepted it: the
handler locks the row, reads its items, marks it sent and hands the message to the mail server
inside one transaction. If the sender dies or the server refuses before the commit, the row is
pending again and the outbox tries again (after the backoff, or once the dead sender's lease has
run out); once committed, a later attempt finds it sent and sends nothing. Only the instant
between the server accepting the message and the commit remains: a crash exactly there resends
it, and the stable Message-ID (one per row) lets mail servers and clients drop that copy.

Holding the row's lock while the mail server answers is what keeps the digest planning and an
unsubscription from changing what an e-mail carries while it leaves (they lock the row too);
EMAIL_TIMEOUT bounds it. A message that can never be built or sent (a header Django refuses,
params its text cannot use) is dead at once, alone: the rest of its batch goes on.
"""

import logging
import smtplib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import QuerySet
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import ngettext

from essaim.campaigns.services.guest_data import data_link_context
from essaim.core import outbox
from essaim.core.models import OutboxMessage
from essaim.core.outbox import Backoff
from essaim.core.site import absolute_url, site_hostname
from essaim.notifications.links import unsubscribe_url
from essaim.notifications.models import Delivery, Frequency, Notification
from essaim.notifications.selectors import DIGEST_FREQUENCIES, TIME_SENSITIVE, frequencies_of
from essaim.notifications.texts import one_line, subject_of, text_of

logger = logging.getLogger(__name__)

CHANNEL = "email"
PLAN_BATCH = 500
# How far back a digest looks for notifications no e-mail carries yet: a week, and a day for a
# late run. Items of a kind whose frequency changed wait for the next digest of the new one.
DIGEST_LOOKBACK = timedelta(days=8)
# The person's row that holds what they turned off: never sent (models.Notification.delivery).
OFF_KEY = "off"
# 1, 2, 4 … minutes between attempts, at most an hour, eight attempts in all.
BACKOFF = Backoff(
    first=timedelta(minutes=1), factor=2, cap=timedelta(hours=1), jitter=0.1, max_attempts=8
)
# A batch shares one SMTP connection; its lease covers its wait in the queue and each send
# up to EMAIL_TIMEOUT.
SEND_BATCH = 20
LEASE = timedelta(minutes=15)
# The message of a row cannot be built or sent, whatever the retries: a header Django refuses
# (BadHeaderError is a ValueError), params its text cannot format, a kind since removed.
POISON = (ValueError, KeyError, TypeError)
# The mail server or the way to it: worth another attempt later. A missing or broken template
# fails every row alike until a fix is deployed, so it is retried too rather than failed.
TRANSIENT = (smtplib.SMTPException, OSError, TemplateDoesNotExist, TemplateSyntaxError)


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
    """Write one pending digest per person with notifications no e-mail carries yet, created
    before the end of the period (up to DIGEST_LOOKBACK back), of kinds they now want in this
    digest, and bind those notifications to it. Returns the period's pending digests.

    Looking back, not only inside the period, is what keeps an item whose kind changed
    frequency since (weekly to daily mid-week, daily to at once) from being left unbound for
    ever: the next digest of either kind takes it. A rerun finds the rows it wrote (unique per
    person and period) and binds only what is still unbound, so an item is in one e-mail."""
    window = Notification.objects.filter(
        created_at__gte=period.end - DIGEST_LOOKBACK,
        created_at__lt=period.end,
        delivery__isnull=True,
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
                if _in_digest(period.frequency, kind, frequencies[user_id].get(kind))
            ]
            if kinds:
                _plan_one(period, user_id, kinds, window)
    return list(
        Delivery.objects.filter(key=period.key, status=Delivery.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _in_digest(digest: str, kind: str, frequency: str | None) -> bool:
    if frequency == digest:
        return True
    # An unbound item of a kind now sent at once was written under a digest frequency (at
    # once binds it when written): the next morning's digest is when it was due anyway. Not a
    # reminder, which would come too late to help.
    return (
        digest == Frequency.DAILY
        and frequency == Frequency.IMMEDIATELY
        and kind not in TIME_SENSITIVE
    )


def _plan_one(
    period: DigestPeriod, user_id: int, kinds: list[str], window: QuerySet[Notification]
) -> Delivery | None:
    """Locks the digest row before binding: a sender holds that lock from reading its items
    to marking it sent, so what is bound here is either in that e-mail or waits for a row
    still pending, never bound to one already sent. The row's outbox message is written with
    it, once (a rerun finds the row)."""
    with transaction.atomic():
        created, new = Delivery.objects.get_or_create(user_id=user_id, key=period.key)
        if new:
            message = outbox.enqueue(CHANNEL, {"delivery": created.pk}, send_at_commit=False)
            Delivery.objects.filter(pk=created.pk).update(message=message)
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .filter(pk=created.pk, status=Delivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return None
        window.filter(user_id=user_id, kind__in=kinds).update(delivery=delivery)
    return delivery


def delivery_create(*, user_id: int, key: str, send_at_commit: bool = True) -> Delivery:
    """A pending e-mail and its outbox message, in the caller's transaction; sent once it
    commits unless the caller batches the sends (`send_soon`)."""
    message = outbox.enqueue(CHANNEL, {}, send_at_commit=send_at_commit)
    delivery = Delivery.objects.create(user_id=user_id, key=key, message=message)
    OutboxMessage.objects.filter(pk=message.pk).update(payload={"delivery": delivery.pk})
    return delivery


def off_delivery(user_id: int) -> Delivery:
    """The person's row for what they turned off: created once, never sent (no message)."""
    delivery, _created = Delivery.objects.get_or_create(
        user_id=user_id, key=OFF_KEY, defaults={"status": Delivery.Status.SKIPPED}
    )
    return delivery


def send_soon(delivery_ids: list[int]) -> None:
    """After the commit, hand the outbox messages of these e-mails to the task workers."""
    outbox.send_soon(
        Delivery.objects.filter(pk__in=delivery_ids, message__isnull=False)
        .order_by("pk")
        .values_list("message_id", flat=True)
    )


@contextmanager
def smtp_connection() -> Iterator[BaseEmailBackend]:
    """One connection for a batch: a server that cannot be reached fails the batch's attempts
    at once (outbox.Channel.retry_on), rather than each after its own timeout."""
    connection = get_connection()
    connection.open()
    try:
        yield connection
    finally:
        connection.close()


def deliver(message: OutboxMessage, connection: BaseEmailBackend) -> outbox.Outcome:
    """The outbox's handler for one e-mail (module docstring). Raises TRANSIENT (the outbox
    retries) or POISON (dead at once); the transaction rolls the row's sent mark back."""
    pk = message.payload.get("delivery") if isinstance(message.payload, dict) else None
    if not isinstance(pk, int):
        return outbox.Fail("the message names no e-mail")
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=pk)
            .first()
        )
        if delivery is None:
            return outbox.Cancel("the e-mail was erased")
        if delivery.status == Delivery.Status.SENT:
            # An earlier attempt committed its send but died before the outbox recorded it.
            return outbox.Sent()
        if delivery.status != Delivery.Status.PENDING:
            return outbox.Cancel("nothing to send")
        email = message_for(delivery, connection)
        now = timezone.now()
        if email is None:
            Delivery.objects.filter(pk=pk).update(status=Delivery.Status.SKIPPED, updated_at=now)
            return outbox.Cancel("nothing to send")
        Delivery.objects.filter(pk=pk).update(
            status=Delivery.Status.SENT, sent_at=now, updated_at=now
        )
        email.send()
    logger.info("notification e-mail sent", extra={"delivery_id": pk, "key": delivery.key})
    return outbox.Sent()


EMAIL_CHANNEL = outbox.Channel(
    name=CHANNEL,
    deliver=deliver,
    backoff=BACKOFF,
    lease=LEASE,
    batch=SEND_BATCH,
    retry_on=TRANSIENT,
    fail_on=POISON,
    connect=smtp_connection,
    doc="Notification e-mails, one message per Delivery row (essaim.notifications.emails).",
)


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
                    {"text": text_of(item), "url": absolute_url(item.url)}
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
            "preferences_url": absolute_url(reverse("notifications:preferences")),
            "unsubscribe_url": unsubscribe_url(user_id=user.pk, kinds=kinds),
            # Someone without an account reaches what they gave through this link alone.
            **(data_link_context(user) if user.is_guest else {}),
        }
        subject = one_line(heading if frequency in DIGEST_FREQUENCIES else subject_of(items[0]))
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
            "Message-ID": f"<delivery-{delivery.pk}@{site_hostname()}>",
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
