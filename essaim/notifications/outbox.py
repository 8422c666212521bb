"""The e-mail outbox: digests planned into `Delivery` rows, and rows sent exactly once.

How a row is sent once, whatever crashes: a worker claims a pending row under its row lock
(`select_for_update(skip_locked)`: a second worker skips it instead of waiting), marks it sent
and hands the message to the mail server, all inside one transaction. If the worker dies or
the server refuses before the commit, the transaction rolls back and the row is pending again
for the next run; once committed, no run sends it again. What cannot be closed is the instant
between the server accepting the message and the commit: a crash exactly there resends it,
and the stable Message-ID (one per row) lets mail servers and clients drop that copy.

Why the send is inside the transaction: sent after the commit, a crash between the two would
leave a row marked sent that never left (an e-mail lost for good); sent before the mark, every
rerun would send it again. The price is a transaction, and the row's lock, held while the mail
server answers: EMAIL_TIMEOUT bounds it, and other workers skip a locked row, never wait on it.

When a row is tried again: every queued send holds a lease (`next_attempt_at`, LEASE ahead) so
the tick's sweep does not queue it twice; a failed attempt pushes it back by a growing backoff
(1, 2, 4 … minutes, capped), and only MAX_ATTEMPTS failures give up on it. A message that can
never be built or sent (a header Django refuses, params its text cannot use) fails at once,
alone: the rest of its batch goes on.
"""

import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import ngettext

from essaim.core.site import absolute_url, site_hostname
from essaim.notifications.links import unsubscribe_url
from essaim.notifications.models import Delivery, Frequency, Notification
from essaim.notifications.selectors import DIGEST_FREQUENCIES, TIME_SENSITIVE, frequencies_of
from essaim.notifications.texts import one_line, subject_of, text_of

logger = logging.getLogger(__name__)

SEND_BATCH = 50
PLAN_BATCH = 500
MAX_ATTEMPTS = 8
# How far back a digest looks for notifications no e-mail carries yet: a week, and a day for a
# late run. Items of a kind whose frequency changed wait for the next digest of the new one.
DIGEST_LOOKBACK = timedelta(days=8)
# The person's row that holds what they turned off: never sent (models.Notification.delivery).
OFF_KEY = "off"
# A queued send owns its row this long; past it, the sweep takes the send as lost.
LEASE = timedelta(minutes=15)
STALLED_AFTER = timedelta(minutes=5)  # a row of the previous version (no lease) is this old
SWEEP_LIMIT = 5000
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
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
    """Locks the digest row before binding: a worker sending it holds that lock from reading
    its items to marking it sent, so what is bound here is either in that e-mail or waits
    for a row still pending, never bound to one already sent."""
    with transaction.atomic():
        created, _new = Delivery.objects.get_or_create(
            user_id=user_id,
            key=period.key,
            defaults={"next_attempt_at": timezone.now() + LEASE},
        )
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .filter(pk=created.pk, status=Delivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return None
        window.filter(user_id=user_id, kind__in=kinds).update(delivery=delivery)
    return delivery


def off_delivery(user_id: int) -> Delivery:
    """The person's row for what they turned off: created once, never sent."""
    delivery, _created = Delivery.objects.get_or_create(
        user_id=user_id, key=OFF_KEY, defaults={"status": Delivery.Status.SKIPPED}
    )
    return delivery


def deliveries_claim_due(*, now: datetime, limit: int = SWEEP_LIMIT) -> list[int]:
    """Pending rows whose queued send is lost or whose backoff is over, each leased to the
    caller, which queues them: a concurrent tick skips the rows leased here (their lock on
    PostgreSQL, the conditional update everywhere), so no row is queued twice."""
    due = Q(next_attempt_at__lte=now) | Q(
        next_attempt_at__isnull=True, created_at__lt=now - STALLED_AFTER
    )
    pending = Delivery.objects.filter(due, status=Delivery.Status.PENDING)
    with transaction.atomic():
        candidates = list(
            pending.select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        return [
            pk
            for pk in candidates
            if pending.filter(pk=pk).update(next_attempt_at=now + LEASE, updated_at=now)
        ]


def batches(ids: list[int], size: int = SEND_BATCH) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def deliveries_send(delivery_ids: list[int]) -> int:
    """Send these rows that are still pending, over one connection; returns how many went.
    Safe to run twice and side by side (module docstring). A row that fails does not stop
    the others; a connection that cannot be opened is a failed attempt for each of them."""
    connection = get_connection()
    try:
        connection.open()
    except TRANSIENT as error:
        for pk in delivery_ids:
            _record_failure(pk, error)
        return 0
    sent = 0
    try:
        for pk in delivery_ids:
            try:
                sent += _send_one(pk, connection)
            except POISON as error:
                _record_poison(pk, error)
            except TRANSIENT as error:
                _record_failure(pk, error)
    finally:
        connection.close()
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
            status=Delivery.Status.SENT,
            sent_at=now,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
        if not claimed:
            return 0
        message.send()
    logger.info("notification e-mail sent", extra={"delivery_id": pk, "key": delivery.key})
    return 1


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 1, 2, 4 … minutes, up to the cap."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def _record_failure(pk: int, error: Exception) -> None:
    """The mail server refused or could not be reached: the row waits its backoff, then the
    sweep queues it again; after MAX_ATTEMPTS failures it is given up."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, status=Delivery.Status.PENDING)
            .first()
        )
        if delivery is None:  # sent meanwhile, or another worker has it
            return
        attempts = delivery.attempts + 1
        now = timezone.now()
        status = Delivery.Status.FAILED if attempts >= MAX_ATTEMPTS else Delivery.Status.PENDING
        Delivery.objects.filter(pk=pk).update(
            attempts=attempts,
            status=status,
            last_error=str(error)[:200],
            next_attempt_at=now + backoff(attempts),
            updated_at=now,
        )
    logger.warning(
        "notification e-mail failed",
        extra={
            "delivery_id": pk,
            "attempts": attempts,
            "status": status,
            "error": str(error)[:200],
        },
    )


def _record_poison(pk: int, error: Exception) -> None:
    """The message of this row can never be built or sent: failed at once, so that it is not
    tried again every few minutes, and logged with its traceback, since it is a bug."""
    now = timezone.now()
    failed = Delivery.objects.filter(pk=pk, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.FAILED,
        attempts=F("attempts") + 1,
        last_error=f"{type(error).__name__}: {error}"[:200],
        updated_at=now,
    )
    logger.error(
        "notification e-mail cannot be built",
        exc_info=error,
        extra={"delivery_id": pk, "failed": failed, "error": type(error).__name__},
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
            "preferences_url": absolute_url(reverse("notifications:preferences")),
            "unsubscribe_url": unsubscribe_url(user_id=user.pk, kinds=kinds),
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
    return absolute_url(url)


def _domain() -> str:
    return site_hostname()
