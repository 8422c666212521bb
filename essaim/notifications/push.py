"""Web Push, the outbox's `push` channel (essaim.core.outbox): a notification of a kind the
person chose to push goes to each of their devices, encrypted for that device (aes128gcm,
RFC 8291) and signed with the instance's VAPID key (RFC 8292).

- Planned in `notify`'s transaction (`plan`): one outbox message per device, due at once, or
  when the person's quiet hours end (in their time zone), and none past the daily cap
  (PUSH_DAILY_CAP, counted by `Notification.push_day` under a lock on the person's schedule).
- Sent by `deliver`: the payload is built when it leaves, in the reader's language, small
  (a sentence, a link, actions) and with no e-mail address. A push service's 404 or 410 says
  the device unsubscribed: its subscription is dropped, and with it what still waited for it.
  A 429 or 5xx, or no answer, is tried again after the backoff; another 4xx is dead at once.
- A reminder has a moment after which it is useless (an event's start, the end of the
  challenge's day): held past it, it is cancelled rather than sent late.
"""

import base64
import binascii
import json
import logging
import zoneinfo
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from essaim.accounts.models import User
from essaim.core import outbox
from essaim.core.errors import ValidationError
from essaim.core.models import OutboxMessage
from essaim.core.site import absolute_url
from essaim.notifications import done_today, place_freed
from essaim.notifications.models import Notification, Preference, PushSchedule, PushSubscription
from essaim.notifications.selectors import frequencies_of
from essaim.notifications.texts import text_of

logger = logging.getLogger(__name__)

CHANNEL = "push"
BODY_LENGTH = 240
# Push services keep an undelivered message at most about four weeks.
MAX_TTL = timedelta(days=28)
# What a kind without a moment of its own is worth, undelivered (the device was off).
DEFAULT_TTL = timedelta(days=2)
BACKOFF = outbox.Backoff(
    first=timedelta(minutes=1), factor=2, cap=timedelta(minutes=30), jitter=0.1, max_attempts=6
)
# Kinds pushed when a person subscribes a first device, before they choose: the reminders and
# news the issue of installable push was about. Each can be turned off in the table.
FIRST_DEVICE_KINDS = (
    Notification.Kind.CHALLENGE_PROMPT,
    Notification.Kind.EVENT_REMINDER,
    Notification.Kind.EVENT_PROMOTED,
    Notification.Kind.EVENT_ALTERED,
    Notification.Kind.RELAY_MILESTONE,
    Notification.Kind.MODERATION_DECISION,
)
P256DH_BYTES = 65
AUTH_BYTES = 16


def is_configured() -> bool:
    return bool(settings.PUSH_VAPID_PUBLIC_KEY and settings.PUSH_VAPID_PRIVATE_KEY)


@lru_cache(maxsize=2)
def _vapid(private_key: str) -> Vapid:
    vapid = Vapid.from_string(private_key=private_key)
    # py_vapid accepts only a mailto: or an https:// origin as the subject; a development
    # instance on http:// would send nothing. Push services judge the subject themselves.
    vapid.conf["no-strict"] = True
    return vapid


# Subscriptions: one per device, written from the settings page.


def _decoded(value: str, length: int) -> bool:
    try:
        return len(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))) == length
    except (binascii.Error, ValueError):
        return False


def endpoint_problem(endpoint: str) -> str | None:
    """Why the server must not post to this address, or None. Only the push services of
    PUSH_SERVICE_HOSTS over HTTPS (and PUSH_ALLOW_HTTP_HOSTS, for a local receiver): the
    address comes from a browser, and the server posts to it."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return _("This is not a push service's address.")
    if parts.username or parts.password or not host or len(endpoint) > 1000:
        return _("This is not a push service's address.")
    local = {name.lower() for name in settings.PUSH_ALLOW_HTTP_HOSTS}
    if host in local and parts.scheme in ("http", "https"):
        return None
    known = any(
        host == service or host.endswith("." + service) for service in settings.PUSH_SERVICE_HOSTS
    )
    if parts.scheme != "https" or not known or port not in (None, 443):
        return _("This browser's push service is not one this site sends to.")
    return None


def _time_zone(name: str) -> str | None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return name


def subscription_save(
    *, user: User, endpoint: str, p256dh: str, auth: str, time_zone: str = "", device: str = ""
) -> PushSubscription:
    """Record this device for `user` (once per endpoint: a device subscribing again, from
    this or another account, updates its row). Their browser's time zone becomes theirs for
    quiet hours. A first device turns push on for FIRST_DEVICE_KINDS: subscribing is the
    person asking for push; the table then lets them choose kind by kind."""
    if not is_configured():
        raise ValidationError(_("Push notifications are not set up on this site."))
    problem = endpoint_problem(endpoint)
    if problem:
        raise ValidationError(problem)
    if not (_decoded(p256dh, P256DH_BYTES) and _decoded(auth, AUTH_BYTES)):
        raise ValidationError(_("The browser sent keys this site cannot use."))
    with transaction.atomic():
        first = not PushSubscription.objects.filter(user=user).exists()
        subscription, _created = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={"user": user, "p256dh": p256dh, "auth": auth, "device": device[:80]},
        )
        schedule, _new = PushSchedule.objects.get_or_create(user=user)
        zone = _time_zone(time_zone)
        if zone and zone != schedule.time_zone:
            PushSchedule.objects.filter(pk=schedule.pk).update(time_zone=zone)
        if first and not Preference.objects.filter(user=user, push=True).exists():
            _push_on(user, FIRST_DEVICE_KINDS)
    return subscription


def _push_on(user: User, kinds: tuple[str, ...]) -> None:
    frequencies = frequencies_of([user.pk])[user.pk]
    for kind in kinds:
        Preference.objects.update_or_create(
            user=user,
            kind=kind,
            defaults={"push": True},
            create_defaults={"push": True, "frequency": frequencies[kind]},
        )


def subscription_delete(*, user: User, endpoint: str) -> int:
    """Forget this device of `user`'s (their other devices keep receiving); what was still
    waiting for it is dropped. Deleting a device that is not theirs, or twice, does nothing."""
    subscriptions = PushSubscription.objects.filter(user=user, endpoint=endpoint)
    return _drop(subscriptions)


def _drop(subscriptions: Any) -> int:
    ids = list(subscriptions.values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        outbox.discard(OutboxMessage.objects.filter(channel=CHANNEL, payload__subscription__in=ids))
        deleted, _by_model = PushSubscription.objects.filter(pk__in=ids).delete()
    return deleted


def devices_of(user: User) -> list[PushSubscription]:
    return list(PushSubscription.objects.filter(user=user).order_by("created_at", "pk"))


def schedule_set(*, user: User, quiet_from: time, quiet_until: time) -> PushSchedule:
    """The person's quiet hours (equal times: none)."""
    schedule, _created = PushSchedule.objects.update_or_create(
        user=user, defaults={"quiet_from": quiet_from, "quiet_until": quiet_until}
    )
    return schedule


def schedule_of(user: User) -> PushSchedule:
    """The person's schedule, or the defaults (unsaved) until they subscribe a device."""
    return PushSchedule.objects.filter(user=user).first() or PushSchedule(user=user)


# Planning: in the transaction that writes the notification.


def quiet_until(moment: datetime, schedule: PushSchedule) -> datetime | None:
    """When the quiet hours around `moment` end, or None when `moment` is not in them.
    Quiet hours may run over midnight (21:00–08:00) or inside a day (13:00–14:00)."""
    zone = zoneinfo.ZoneInfo(schedule.time_zone)
    local = moment.astimezone(zone)
    start, end, now = schedule.quiet_from, schedule.quiet_until, local.time()
    if start == end:
        return None
    if start < end:
        if not start <= now < end:
            return None
        wake_day = local.date()
    else:
        if end <= now < start:
            return None
        wake_day = local.date() + timedelta(days=1) if now >= start else local.date()
    return datetime.combine(wake_day, end, tzinfo=zone)


def expires_at(notification: Notification) -> datetime | None:
    """The moment after which this notification is no use as a push."""
    params = notification.params_dict
    if notification.kind in (
        Notification.Kind.EVENT_REMINDER,
        Notification.Kind.EVENT_PROMOTED,
        Notification.Kind.EVENT_ALTERED,
    ):
        when = params.get("when")
        try:
            return datetime.fromisoformat(when) if isinstance(when, str) else None
        except ValueError:
            return None
    if notification.kind == Notification.Kind.CHALLENGE_PROMPT:
        # The challenge's day is the instance's (campaigns.services.challenge.check_in).
        day = timezone.localdate(notification.created_at)
        return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return None


def _wanted(user: User, kind: str) -> bool:
    return Preference.objects.filter(
        Exists(PushSubscription.objects.filter(user_id=OuterRef("user_id"))),
        user=user,
        kind=kind,
        push=True,
    ).exists()


def plan(notification: Notification, *, send_at_commit: bool = True) -> int:
    """Queue `notification` for the person's devices if they push its kind; returns how many
    messages were written. Within the caller's transaction. The person's schedule row is
    locked so that two notifications at once cannot both take the cap's last place."""
    user = notification.user
    if not is_configured() or not _wanted(user, notification.kind):
        return 0
    schedule = PushSchedule.objects.select_for_update().filter(user=user).first()
    if schedule is None:
        schedule = PushSchedule.objects.create(user=user)
    now = timezone.now()
    due = quiet_until(now, schedule) or now
    expires = expires_at(notification)
    if expires is not None and due >= expires:
        return 0
    day = due.astimezone(zoneinfo.ZoneInfo(schedule.time_zone)).date()
    if Notification.objects.filter(user=user, push_day=day).count() >= settings.PUSH_DAILY_CAP:
        logger.info(
            "push over the daily cap", extra={"user_id": user.pk, "kind": notification.kind}
        )
        return 0
    Notification.objects.filter(pk=notification.pk).update(push_day=day)
    notification.push_day = day
    written = 0
    for subscription_id in PushSubscription.objects.filter(user=user).values_list("pk", flat=True):
        payload: dict[str, Any] = {
            "notification": notification.pk,
            "subscription": subscription_id,
            "user": user.pk,
        }
        if expires is not None:
            payload["expires"] = expires.isoformat()
        outbox.enqueue(CHANNEL, payload, due_at=due, send_at_commit=send_at_commit)
        written += 1
    return written


def retract(notification_ids: list[int], *, reason: str) -> int:
    """Cancel the pushes of these notifications not sent yet (one waiting for the end of
    quiet hours, say) because what they say is no longer true."""
    waiting = OutboxMessage.objects.filter(
        channel=CHANNEL, payload__notification__in=notification_ids
    )
    return outbox.cancel(waiting, reason=reason)


# Sending: the outbox's handler.


def message_for(notification: Notification, user: User) -> dict[str, Any]:
    """What the device shows, in the reader's language: small (push services take about
    4 kB once encrypted), no e-mail address, links absolute."""
    with translation.override(user.language):
        message: dict[str, Any] = {
            "title": str(settings.SITE_NAME),
            "body": Truncator(text_of(notification)).chars(BODY_LENGTH),
            "url": absolute_url(notification.url or reverse("notifications:list")),
            "tag": f"{notification.kind}:{notification.pk}",
            "lang": user.language,
            "actions": [],
        }
        token = done_today.token_for(notification)
        if token is not None:
            message["tag"] = notification.kind
            message["actions"].append(
                {
                    "action": "done",
                    "title": _("Done today"),
                    "post": absolute_url(reverse("notifications:push_done", args=[token])),
                }
            )
        place = place_freed.token_for(notification)
        if place is not None:
            message["actions"] += [
                {
                    "action": choice,
                    "title": title,
                    "post": absolute_url(reverse("notifications:push_place", args=[choice, place])),
                }
                for choice, title in (
                    (place_freed.KEEP, _("I'm coming")),
                    (place_freed.RELEASE, _("I can't come")),
                )
            ]
        elif notification.kind == Notification.Kind.EVENT_PROMOTED and notification.url:
            message["actions"].append(
                {"action": "open", "title": _("See my place"), "url": message["url"]}
            )
    return message


def _ttl(expires: datetime | None, now: datetime) -> int:
    left = (expires - now) if expires is not None else DEFAULT_TTL
    return int(max(min(left, MAX_TTL), timedelta(0)).total_seconds())


def deliver(message: OutboxMessage, connection: requests.Session) -> outbox.Outcome:
    payload = message.payload if isinstance(message.payload, dict) else {}
    subscription_id, notification_id = payload.get("subscription"), payload.get("notification")
    if not isinstance(subscription_id, int) or not isinstance(notification_id, int):
        return outbox.Fail("the message names no device or notification")
    subscription = (
        PushSubscription.objects.select_related("user").filter(pk=subscription_id).first()
    )
    if subscription is None:
        return outbox.Cancel("the device unsubscribed")
    user = subscription.user
    notification = Notification.objects.filter(pk=notification_id, user_id=user.pk).first()
    if notification is None or not user.is_active:
        return outbox.Cancel("nothing left to push")
    now = timezone.now()
    expires = datetime.fromisoformat(payload["expires"]) if payload.get("expires") else None
    if expires is not None and now >= expires:
        return outbox.Cancel("too late to be of use")
    if not is_configured():
        return outbox.Fail("push is not set up (no VAPID key)")
    body = json.dumps(message_for(notification, user), ensure_ascii=False)
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=body,
            vapid_private_key=_vapid(settings.PUSH_VAPID_PRIVATE_KEY),
            # A new dict each time: webpush writes the audience and expiry into it.
            vapid_claims={"sub": settings.PUSH_VAPID_SUBJECT},
            content_encoding="aes128gcm",
            ttl=_ttl(expires, now),
            timeout=settings.PUSH_TIMEOUT,
            headers={"Urgency": "high" if expires is not None else "normal"},
            requests_session=connection,
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in (404, 410):
            _drop(PushSubscription.objects.filter(pk=subscription.pk))
            logger.info(
                "push subscription gone",
                extra={"subscription_id": subscription.pk, "status": status},
            )
            return outbox.Fail(f"the device unsubscribed ({status})")
        if status is None or status == 429 or status >= 500:
            return outbox.Retry(f"push service answered {status}")
        return outbox.Fail(f"push service refused it ({status})")
    PushSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=now)
    return outbox.Sent()


PUSH_CHANNEL = outbox.Channel(
    name=CHANNEL,
    deliver=deliver,
    backoff=BACKOFF,
    lease=timedelta(minutes=5),
    batch=20,
    retry_on=(requests.RequestException,),
    # One HTTP session (its kept-alive connections) per batch.
    connect=requests.Session,
    doc="Web Push to one device, one message per notification and device "
    "(essaim.notifications.push).",
)


def erase(user: User) -> None:
    """Account deletion: every device, and what still waited for them."""
    _drop(PushSubscription.objects.filter(user=user))
    outbox.discard(OutboxMessage.objects.filter(channel=CHANNEL, payload__user=user.pk))
    PushSchedule.objects.filter(user=user).delete()


def export(user: User) -> dict[str, Any]:
    schedule = PushSchedule.objects.filter(user=user).first()
    return {
        "push devices": [
            {"device": device, "subscribed_at": created.isoformat()}
            for device, created in PushSubscription.objects.filter(user=user)
            .order_by("created_at")
            .values_list("device", "created_at")
        ],
        "push schedule": (
            {
                "time_zone": schedule.time_zone,
                "quiet_from": schedule.quiet_from.isoformat(),
                "quiet_until": schedule.quiet_until.isoformat(),
            }
            if schedule
            else None
        ),
    }
