"""One notification service every domain calls to tell someone something: in-app always, by
e-mail as the person chose for that kind (at once, in a daily or weekly digest, or not)."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from essaim.accounts.models import User
from essaim.core import outbox
from essaim.core.models import OutboxMessage
from essaim.notifications import emails, push, selectors
from essaim.notifications.models import Delivery, Frequency, Notification, Preference
from essaim.notifications.texts import text_of

NOTIFICATION_DELIVERY_PREFIX = "notification:"


def notify(
    *,
    user: User,
    kind: str,
    key: str,
    params: dict[str, Any] | None = None,
    url: str = "",
    enqueue_email: bool = True,
) -> Notification | None:
    """Tell `user` once about the fact named `key`: a second call with the same key (a retry,
    a race) creates nothing and returns None.

    Pushed to the person's devices too when they chose to push this kind (push.plan: quiet
    hours, daily cap), by outbox messages written in the same transaction.

    When the person wants this kind at once, the e-mail is written to the outbox in the same
    transaction (so it is lost with nothing and sent after commit); `enqueue_email=False`
    leaves queuing the send to a caller that batches many (the reminders: emails.send_soon).
    A kind turned off is bound to the person's `off` row, so no digest takes it later."""
    if not user.is_active:
        return None
    delivery: Delivery | None = None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user, kind=kind, key=key[:120], params=params or {}, url=url
            )
            # Read after the insert: the common repeat (the same milestone told again on
            # every signature) costs no more than before.
            frequency = selectors.frequency_for(user, kind)
            if user.email and frequency == Frequency.IMMEDIATELY:
                delivery = emails.delivery_create(
                    user_id=user.pk,
                    key=NOTIFICATION_DELIVERY_PREFIX + notification.key,
                    send_at_commit=enqueue_email,
                )
            elif frequency == Frequency.OFF:
                delivery = emails.off_delivery(user.pk)
            if delivery is not None:
                Notification.objects.filter(pk=notification.pk).update(delivery=delivery)
                notification.delivery = delivery
            push.plan(notification, send_at_commit=enqueue_email)
    except IntegrityError:
        return None
    return notification


def mark_read(*, user: User, pk: int | None = None) -> int:
    """Mark one of `user`'s notifications read, or all of them; marking again does nothing."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())


def preferences_set(*, user: User, choices: dict[str, str], push: set[str] | None = None) -> None:
    """Store how `user` wants each kind of e-mail, and (`push` given) which kinds are pushed
    to their devices; unknown kinds, frequencies, and digests of a time-sensitive kind are
    ignored (the form refuses them). One row per person and kind (UniqueConstraint).

    A kind turned off leaves the e-mails not yet sent: its notifications move to the person's
    `off` row. The pending rows that held them are locked first (the lock a sending worker
    holds from reading a row's items to marking it sent), so none is taken out of an e-mail
    that is leaving, and none stays in one that has not left."""
    kinds = set(Notification.Kind.values)
    with transaction.atomic():
        for kind, frequency in choices.items():
            if kind in kinds and frequency in selectors.frequencies_allowed(kind):
                defaults: dict[str, Any] = {"frequency": frequency}
                if push is not None:
                    defaults["push"] = kind in push
                Preference.objects.update_or_create(user=user, kind=kind, defaults=defaults)
        stopped = [
            kind
            for kind, frequency in choices.items()
            if kind in kinds and frequency == Frequency.OFF
        ]
        if not stopped:
            return
        items = Notification.objects.filter(user=user, kind__in=stopped)
        pending = list(
            Delivery.objects.select_for_update()
            .filter(user=user, status=Delivery.Status.PENDING, pk__in=items.values("delivery_id"))
            .values_list("pk", flat=True)
        )
        items.filter(Q(delivery__isnull=True) | Q(delivery_id__in=pending)).update(
            delivery=emails.off_delivery(user.pk)
        )


def unsubscribe(*, user: User, kinds: tuple[str, ...]) -> None:
    """The one-click link of an e-mail: no more e-mails of these kinds (in-app stays)."""
    preferences_set(user=user, choices=dict.fromkeys(kinds, Frequency.OFF.value))


def export(user: User) -> dict[str, Any]:
    return {
        "notifications": [
            {"kind": n.kind, "text": text_of(n), "created_at": n.created_at.isoformat()}
            for n in Notification.objects.filter(user=user).order_by("created_at", "pk")
        ],
        "e-mail preferences": {
            kind: frequency for kind, _label, frequency in selectors.preferences_for(user)
        },
        "push preferences": sorted(selectors.pushed_kinds(user)),
        **push.export(user),
    }


def erase(user: User) -> None:
    push.erase(user)
    Notification.objects.filter(user=user).delete()
    deliveries = Delivery.objects.filter(user=user)
    outbox.discard(
        OutboxMessage.objects.filter(
            pk__in=deliveries.filter(message__isnull=False).values("message_id")
        )
    )
    deliveries.delete()
    Preference.objects.filter(user=user).delete()
