"""The one outbox: everything that leaves the instance (e-mail, push, webhooks, federation) is
an `OutboxMessage` sent by the channel it names.

A domain registers its channel in `AppConfig.ready()`:

    outbox.register(outbox.Channel(name="email", deliver=emails.deliver, ...))

and writes a message in the same transaction as the fact that causes it
(`outbox.enqueue("email", {"delivery": pk})`), so the message commits or rolls back with that
fact. After the commit a task sends it at once; the `outbox_dispatch` job (every few seconds,
`manage.py scheduler`, or `manage.py outbox_dispatch` by hand) takes every message that is due
and was not sent: one whose task was lost, one whose backoff is over, one whose sender died.

How a message is sent once, whatever runs beside it:

- Claimed: due rows are selected `FOR UPDATE SKIP LOCKED` (a second dispatcher skips them
  instead of waiting) and moved to `sending` with a lease, an owner token and one more attempt,
  by an update that only succeeds on rows still due (SQLite has no row locks). The dispatch
  job claims for the task workers without counting an attempt (`QUEUED`): the first task to
  run with the message claims it in turn and counts it, so a slow task queue costs a message
  no attempt, and a queue slower than the lease no lost turn.
- Sent by the lease holder only: just before its handler runs, the owner renews its lease by a
  conditional update; an owner whose lease was taken over (it stalled past `lease_until` and
  another dispatcher claimed the row) sends nothing.
- Recorded by the lease holder only, conditionally again: the outcome of a sender that lost
  its lease is dropped.

A sender killed mid-send leaves its messages `sending`; when the lease runs out they are due
again (that attempt counted). The instant between the receiver accepting a message and the
outcome being recorded cannot be closed: a crash exactly there sends it again, which is why
every channel sends a stable id (the e-mail's Message-ID, the webhook's Essaim-Delivery) that
lets the receiver drop the copy. A channel that must not send twice on such a crash records its
own "sent" mark in the transaction that sends (the e-mail channel does).

States: pending → sending → sent | pending again after a backoff | held (its destination cannot
take it now: an endpoint turned off; `release` makes it pending) | dead (its channel's last
attempt failed, or it can never be sent: `retry_now` gives it a fresh series) | cancelled
(nothing left to send when its turn came).

Federation's channel, for one: its handler finds the activity and the inbox from the payload,
posts it signed, and answers `Sent`, `Retry` (a 5xx, a 429, a timeout), `Cancel` (a server
blocked since, a community gone private) or `Fail` (a 4xx that will not change).
"""

import logging
import os
import random
import socket
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, assert_never

from django.db import transaction
from django.db.models import Case, F, PositiveSmallIntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django_tasks import task

from essaim.core.models import OutboxMessage

logger = logging.getLogger(__name__)

State = OutboxMessage.State

# How many due messages one dispatch claims at most, and how many go to one task.
DISPATCH_LIMIT = 500
ERROR_LENGTH = 300


@dataclass(frozen=True)
class Backoff:
    """When to try again after a failed attempt: `first`, then `factor` times longer each
    time, up to `cap`, each delay spread by ±`jitter` so that messages that failed together
    (a receiver's outage) do not all come back at the same second. After `max_attempts`
    attempts the message is dead."""

    first: timedelta = timedelta(minutes=1)
    factor: float = 2.0
    cap: timedelta = timedelta(hours=1)
    jitter: float = 0.1
    max_attempts: int = 8

    def delay(
        self, attempts: int, *, uniform: Callable[[float, float], float] | None = None
    ) -> timedelta:
        """The wait after the `attempts`-th failed attempt (1-based); `uniform` draws the
        jitter (random.uniform, read when called so a test can pin it)."""
        uniform = uniform or random.uniform
        exponent = max(attempts - 1, 0)
        # Capped before it is multiplied out: 2 ** 200 minutes overflows a timedelta.
        base = self.cap.total_seconds()
        if exponent < 64:
            base = min(base, self.first.total_seconds() * self.factor**exponent)
        return timedelta(seconds=base * uniform(1 - self.jitter, 1 + self.jitter))


# What a channel's handler answers for one message.
@dataclass(frozen=True)
class Sent:
    pass


@dataclass(frozen=True)
class Retry:
    """Worth another attempt after the backoff (a receiver down, a timeout)."""

    error: str


@dataclass(frozen=True)
class Hold:
    """The destination cannot take it now (an endpoint turned off); `release` resumes it.
    `still_held`, read once the hold is recorded, closes the race with a release that ran
    while this attempt was deciding: if it answers False the message is released at once."""

    reason: str
    still_held: Callable[[], bool] | None = None


@dataclass(frozen=True)
class Fail:
    """Can never be sent (a refused address, a 410): dead at once, without retries."""

    error: str


@dataclass(frozen=True)
class Cancel:
    """Nothing left to send (the recipient unsubscribed, the endpoint was deleted)."""

    reason: str


Outcome = Sent | Retry | Hold | Fail | Cancel


@dataclass(frozen=True)
class Channel:
    """A way out of the instance. `deliver(message, connection)` sends one message and answers
    an outcome; `connect()`, when given, opens what a batch shares (an SMTP connection) and
    is passed as `connection`. Exceptions listed in `retry_on` count as `Retry`, those in
    `fail_on` as `Fail`; any other is a bug in the handler: logged with its traceback and
    counted as `Retry`, so the messages after it in the batch are still sent and the faulty
    one ends dead after its attempts rather than holding its batch-mates back.

    `lease` must cover a batch's sends: only a sender presumed dead loses its messages."""

    name: str
    deliver: Callable[[OutboxMessage, Any], Outcome]
    backoff: Backoff = field(default_factory=Backoff)
    lease: timedelta = timedelta(minutes=5)
    batch: int = 20
    retry_on: tuple[type[BaseException], ...] = ()
    fail_on: tuple[type[BaseException], ...] = ()
    connect: Callable[[], AbstractContextManager[Any]] | None = None
    doc: str = ""


_channels: dict[str, Channel] = {}


def register(channel: Channel) -> None:
    """Add a channel; registering the same name again replaces it (ready() may run twice)."""
    _channels[channel.name] = channel


def channel_of(name: str) -> Channel:
    try:
        return _channels[name]
    except KeyError:
        raise LookupError(f"no outbox channel {name!r} is registered") from None


def new_owner() -> str:
    """A lease owner token: which process claimed, and which claim."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def enqueue(
    channel: str,
    payload: dict[str, Any],
    *,
    due_at: datetime | None = None,
    held: bool = False,
    send_at_commit: bool = True,
) -> OutboxMessage:
    """Write a message in the caller's transaction. Sent by a task once that transaction
    commits (unless it is held, due later, or `send_at_commit` is False for a caller that
    batches many with `send_soon`); the dispatch job takes it otherwise."""
    channel_of(channel)  # an unknown channel is a bug here, not a dead message later
    now = timezone.now()
    message = OutboxMessage.objects.create(
        channel=channel,
        payload=payload,
        state=State.HELD if held else State.PENDING,
        due_at=due_at or now,
    )
    if send_at_commit and not held and message.due_at <= now:
        send_soon([message.pk])
    return message


def enqueue_many(channel: str, payloads: Iterable[dict[str, Any]]) -> list[OutboxMessage]:
    """`enqueue` for a batch (a settle's), due now: one INSERT for all, and one task per
    `DISPATCH_LIMIT` of them after the commit instead of one per message."""
    channel_of(channel)
    now = timezone.now()
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(channel=channel, payload=payload, state=State.PENDING, due_at=now)
        for payload in payloads
    )
    send_soon([message.pk for message in messages])
    return messages


def send_soon(message_ids: Iterable[int]) -> None:
    """After the current transaction commits, hand these messages to the task workers in
    batches; messages not due by then are left to the dispatch job."""
    ids = list(message_ids)
    for start in range(0, len(ids), DISPATCH_LIMIT):
        transaction.on_commit(partial(outbox_send.enqueue, ids[start : start + DISPATCH_LIMIT]))


# The lease owner of messages the dispatch claimed for a task that has not started yet.
QUEUED = "queued:"


def _due(now: datetime, *, queued: bool = False) -> Q:
    due = Q(state=State.PENDING, due_at__lte=now) | Q(state=State.SENDING, lease_until__lte=now)
    if queued:
        # Taken from a dispatch's claim by the first task to run with them: when the task
        # queue is slower than the lease, the dispatch has claimed them again for a later
        # task, and the earlier tasks must not leave them to the last one.
        due |= Q(state=State.SENDING, lease_owner__startswith=QUEUED)
    return due


def claim(
    *,
    owner: str,
    limit: int = DISPATCH_LIMIT,
    ids: Iterable[int] | None = None,
    attempt: bool = True,
) -> list[OutboxMessage]:
    """Lease up to `limit` due messages of registered channels (or of `ids`) to `owner`, one
    more attempt each, oldest due first. Safe side by side (module docstring): a message is
    claimed by one owner at a time. Without `attempt` nothing is counted yet: the dispatch
    claims so for a task (`QUEUED`), which counts the attempt when it claims them in turn, so
    a message that waits in a slow task queue, however long, uses none. Claiming `ids` (a
    task) takes them from such a claim too."""
    now = timezone.now()
    due = OutboxMessage.objects.filter(
        _due(now, queued=ids is not None), channel__in=list(_channels)
    )
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    with transaction.atomic():
        rows = list(
            due.select_for_update(skip_locked=True)
            .order_by("due_at", "pk")
            .values_list("pk", "channel")[:limit]
        )
        by_channel: dict[str, list[int]] = defaultdict(list)
        for pk, name in rows:
            by_channel[name].append(pk)
        for name, pks in by_channel.items():
            # Conditional on still being due: of two claims on a database without row locks,
            # one updates the row.
            due.filter(pk__in=pks).update(
                state=State.SENDING,
                lease_owner=owner,
                lease_until=now + _channels[name].lease,
                updated_at=now,
                **({"attempts": F("attempts") + 1} if attempt else {}),
            )
    return list(
        OutboxMessage.objects.filter(
            pk__in=[pk for pk, _name in rows], state=State.SENDING, lease_owner=owner
        ).order_by("due_at", "pk")
    )


def dispatch(*, limit: int = DISPATCH_LIMIT, here: bool = False) -> int:
    """The scheduler's `outbox_dispatch` job: claim what is due and hand it to the task
    workers, a batch per task (`here`: send it in this process). Returns how many it claimed."""
    owner = new_owner()
    if here:
        claimed = claim(owner=owner, limit=limit)
        deliver(claimed, owner=owner)
    else:
        claimed = claim(owner=QUEUED + owner, limit=limit, attempt=False)
        for batch in _batches(claimed):
            outbox_send.enqueue([message.pk for message in batch])
    if claimed:
        logger.info("outbox dispatched", extra={"count": len(claimed), "owner": owner})
    return len(claimed)


def send(message_ids: list[int], owner: str | None = None) -> int:
    """What the `outbox_send` task does: claim these messages, if they are due or queued for
    a task by the dispatch, and send them. Returns how many were sent. (`owner`, the lease a
    task was once given, is no longer read: a task queued so before an upgrade finds its
    messages again once that lease runs out.)"""
    owner = new_owner()
    return deliver(claim(owner=owner, ids=message_ids, limit=len(message_ids)), owner=owner)


def _batches(messages: list[OutboxMessage]) -> list[list[OutboxMessage]]:
    by_channel: dict[str, list[OutboxMessage]] = defaultdict(list)
    for message in messages:
        by_channel[message.channel].append(message)
    batches = []
    for name, group in by_channel.items():
        size = _channels[name].batch
        batches += [group[start : start + size] for start in range(0, len(group), size)]
    return batches


def deliver(messages: list[OutboxMessage], *, owner: str) -> int:
    """Send messages leased to `owner`, a channel's batch over one connection; returns how many
    were sent. A message that fails does not stop the others."""
    sent = 0
    for batch in _batches(messages):
        channel = _channels[batch[0].channel]
        done = 0
        try:
            opened = channel.connect() if channel.connect else nullcontext()
            with opened as connection:
                for message in batch:
                    sent += _deliver_one(channel, message, owner, connection)
                    done += 1
        except channel.retry_on as error:
            # The connection could not be opened (or broke between two messages): each
            # message of the batch not tried yet is a failed attempt.
            for message in batch[done:]:
                _record(channel, message, owner, Retry(_describe(error)))
    return sent


def _deliver_one(channel: Channel, message: OutboxMessage, owner: str, connection: Any) -> int:
    now = timezone.now()
    mine = OutboxMessage.objects.filter(pk=message.pk, state=State.SENDING, lease_owner=owner)
    # Renewed just before the send: a batch's last message gets a whole lease too, and a
    # sender whose lease was taken over sends nothing.
    if not mine.update(lease_until=now + channel.lease, updated_at=now):
        return 0
    if message.attempts > channel.backoff.max_attempts:
        # Every attempt was used, the last by a sender that died before recording it.
        return _record(channel, message, owner, Fail("the last attempt's sender stopped"))
    try:
        outcome = channel.deliver(message, connection)
    except channel.fail_on as error:
        logger.error(
            "outbox message cannot be sent",
            exc_info=error,
            extra={"message_id": message.pk, "channel": channel.name},
        )
        outcome = Fail(_describe(error))
    except channel.retry_on as error:
        outcome = Retry(_describe(error))
    except Exception as error:
        # A bug in the handler, for this message at least: the others of the batch go on.
        logger.exception(
            "outbox handler failed", extra={"message_id": message.pk, "channel": channel.name}
        )
        outcome = Retry(_describe(error))
    return _record(channel, message, owner, outcome)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_LENGTH]


def _record(channel: Channel, message: OutboxMessage, owner: str, outcome: Outcome) -> int:
    """Write the outcome if `owner` still holds the message; returns 1 for a message sent."""
    now = timezone.now()
    mine = OutboxMessage.objects.filter(pk=message.pk, state=State.SENDING, lease_owner=owner)
    done: dict[str, Any] = {"lease_owner": "", "lease_until": None, "updated_at": now}
    match outcome:
        case Sent():
            changes = {"state": State.SENT, "sent_at": now, "last_error": ""}
        case Retry(error=error) if message.attempts < channel.backoff.max_attempts:
            changes = {
                "state": State.PENDING,
                "due_at": now + channel.backoff.delay(message.attempts),
                "last_error": error[:ERROR_LENGTH],
            }
        case Retry(error=error) | Fail(error=error):
            changes = {"state": State.DEAD, "last_error": error[:ERROR_LENGTH]}
        case Hold(reason=reason):
            # Nothing was tried: the attempt the claim counted is given back, so a message
            # held and released again and again still has all its attempts.
            changes = {
                "state": State.HELD,
                "last_error": reason[:ERROR_LENGTH],
                "attempts": F("attempts") - 1,
            }
        case Cancel(reason=reason):
            changes = {"state": State.CANCELLED, "last_error": reason[:ERROR_LENGTH]}
        case _:
            assert_never(outcome)
    recorded = mine.update(**changes, **done)
    log: dict[str, Any] = {
        "message_id": message.pk,
        "channel": channel.name,
        "attempt": message.attempts,
        "state": changes["state"],
        "error": changes.get("last_error", ""),
    }
    if not recorded:
        logger.warning("outbox outcome not recorded: the lease was lost", extra=log)
        return 0
    if changes["state"] in (State.PENDING, State.DEAD):
        logger.warning("outbox attempt failed", extra=log)
    if isinstance(outcome, Hold) and outcome.still_held and not outcome.still_held():
        release(OutboxMessage.objects.filter(pk=message.pk))
    return 1 if changes["state"] == State.SENT else 0


# What the admin and the domains do to messages: each moves only rows in the states it names,
# so it never takes a message from a sender holding it.


def retry_now(messages: QuerySet[OutboxMessage]) -> int:
    """Pending, held, dead or cancelled messages due now; dead and cancelled ones get a fresh
    series of attempts."""
    now = timezone.now()
    finished = [State.DEAD, State.CANCELLED]
    return messages.filter(state__in=[*finished, State.PENDING, State.HELD]).update(
        state=State.PENDING,
        attempts=Case(
            When(state__in=finished, then=Value(0)),
            default=F("attempts"),
            output_field=PositiveSmallIntegerField(),
        ),
        due_at=now,
        updated_at=now,
    )


def resend(messages: QuerySet[OutboxMessage]) -> int:
    """Send again, as a new series of attempts, messages that are done (sent, dead, cancelled)
    or waiting for a retry after a failure (a receiver that lost what it got, or was fixed);
    a message never tried, held or being sent is left as it is. Sent after the commit."""
    now = timezone.now()
    done = Q(state__in=[State.SENT, State.DEAD, State.CANCELLED]) | Q(
        state=State.PENDING, attempts__gt=0
    )
    ids = list(messages.filter(done).values_list("pk", flat=True))
    # Conditional again: a sender may have claimed one since it was read.
    count = OutboxMessage.objects.filter(done, pk__in=ids).update(
        state=State.PENDING, attempts=0, due_at=now, sent_at=None, updated_at=now
    )
    if count:
        send_soon(ids)
    return count


def hold(messages: QuerySet[OutboxMessage], *, reason: str = "") -> int:
    """Pending messages kept until released."""
    return messages.filter(state=State.PENDING).update(
        state=State.HELD, last_error=reason[:ERROR_LENGTH], updated_at=timezone.now()
    )


def release(messages: QuerySet[OutboxMessage]) -> int:
    """Held messages due again, in the order they were written (the oldest is sent first)."""
    return messages.filter(state=State.HELD).update(
        state=State.PENDING, due_at=F("created_at"), updated_at=timezone.now()
    )


def cancel(messages: QuerySet[OutboxMessage], *, reason: str) -> int:
    """Pending or held messages that must not leave any more (what they say is no longer
    true, their receiver is blocked); kept, cancelled, for the admin to see why."""
    return messages.filter(state__in=[State.PENDING, State.HELD]).update(
        state=State.CANCELLED, last_error=reason[:ERROR_LENGTH], updated_at=timezone.now()
    )


def discard(messages: QuerySet[OutboxMessage]) -> int:
    """Delete messages whose reason to exist is gone (an endpoint deleted, an account erased);
    one being sent is left to its sender, whose handler finds nothing and cancels it."""
    deleted, _by_model = messages.exclude(state=State.SENDING).delete()
    return deleted


@task()
def outbox_send(message_ids: list[int], owner: str | None = None) -> int:
    """Send these messages (see `send`): given ids only, safe to run twice."""
    return send(message_ids, owner)
