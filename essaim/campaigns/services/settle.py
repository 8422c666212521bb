"""Settling the one-click actions: what follows a signature or a challenge join, done for
many at once.

The request that signs writes one row and answers (`pledge.pledge_sign`; a challenge join
likewise, `challenge.challenge_join`, announced as `PARTICIPANTS_SETTLED`). Everything that
follows — the tally the pages show, the milestones, and what the domains above do on
`SIGNATURES_SETTLED` (relay records the supporters and their cascades, webhooks tell the
hosts' endpoints, the referrer hears of their link's milestones) — happens here, for a batch
of signatures in one transaction that also marks them `settled_at`. So a settle that dies
midway leaves its batch unsettled for the next one, and a batch settled once is never
counted again: nothing lost, nothing counted twice. An action taken without an account
(`guest.guest_act`) is settled the same way: its confirmation e-mail is queued here, by the
batch.

It runs every second from the scheduler (`campaigns_settle`) in production, and inline after
each signature when `CAMPAIGNS_SETTLE_INLINE` is on (development and tests), so the count a
page shows lags by at most one settle. Several settles may run at once (several app servers,
schedulers): each claims its rows with `SELECT … FOR UPDATE SKIP LOCKED`, so they share the
queue instead of waiting on one another."""

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from essaim.campaigns.events import PARTICIPANTS_SETTLED, SIGNATURES_SETTLED
from essaim.campaigns.ladder import ladder
from essaim.campaigns.models import (
    GUEST_EMAIL_CHANNEL,
    Challenge,
    GuestAction,
    Participant,
    Pledge,
    Signature,
)
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.services.milestones import milestones_reach
from essaim.campaigns.services.tally import tally_move
from essaim.core import outbox

logger = logging.getLogger(__name__)

BATCH = 500
# One scheduler run settles what is due, within this many seconds, then lets the other jobs
# have their turn; what is left waits for the next run, a second later.
RUN_SECONDS = 0.8


Settled = type[Signature] | type[Participant] | type[GuestAction]


def _claim(
    model: Settled,
    parent: str,
    ids: Collection[int] | None,
    limit: int,
    skip: Collection[int] = (),
) -> dict[int, list[tuple[int, int, str, str]]]:
    """In the caller's transaction: lock up to `limit` unsettled rows of `model` (only those
    of `ids` if given, none of `skip`), oldest first, skipping rows another settle holds, and
    mark them settled; their (id, user_id, via, ISO time) by `parent` (the pledge, challenge
    or campaign id)."""
    claimed = model._default_manager.select_for_update(skip_locked=True).filter(
        settled_at__isnull=True
    )
    if ids is not None:
        claimed = claimed.filter(pk__in=ids)
    if skip:
        claimed = claimed.exclude(pk__in=skip)
    rows = list(
        claimed.order_by("pk").values_list("pk", parent, "user_id", "via", "created_at")[:limit]
    )
    if rows:
        model._default_manager.filter(pk__in=[row[0] for row in rows]).update(
            settled_at=timezone.now()
        )
    by_parent: dict[int, list[tuple[int, int, str, str]]] = defaultdict(list)
    for pk, parent_id, user_id, via, at in rows:
        by_parent[parent_id].append((pk, user_id, via, at.isoformat()))
    return by_parent


def _payload(rows: list[tuple[int, int, str, str]]) -> list[dict[str, Any]]:
    return [{"id": pk, "user_id": user_id, "via": via, "at": at} for pk, user_id, via, at in rows]


def signatures_settle(
    *, ids: Collection[int] | None = None, limit: int = BATCH, skip: Collection[int] = ()
) -> int:
    """Settle up to `limit` unsettled signatures (only those of `ids` if given, none of
    `skip`), oldest first; the number settled. Rows another settle holds are skipped, not
    waited for."""
    with transaction.atomic():
        by_pledge = _claim(Signature, "pledge_id", ids, limit, skip)
        pledges = {
            pledge.pk: pledge
            for pledge in Pledge.objects.filter(pk__in=by_pledge).only(
                "pk", "campaign_id", "goal_ladder"
            )
        }
        # In pledge order, so that two settles lock tally rows in the same order.
        for pledge_id in sorted(by_pledge):
            signed = by_pledge[pledge_id]
            # One shard per batch, picked by its first row: concurrent settles of one
            # pledge mostly move different rows.
            tally_move(pledge_id=pledge_id, shard=signed[0][0], delta=len(signed))
        for pledge_id in sorted(by_pledge):
            pledge = pledges[pledge_id]
            _signature_milestones(pledge)
            # And again once committed: two settles of one pledge at once each count what was
            # committed and their own batch only, so a rung they cross together is seen by the
            # later of them after its commit alone (the unique rungs make the repeat a read).
            transaction.on_commit(partial(_signature_milestones, pledge))
            SIGNATURES_SETTLED.publish(
                campaign_id=pledge.campaign_id,
                pledge_id=pledge_id,
                signatures=_payload(by_pledge[pledge_id]),
            )
    return sum(len(rows) for rows in by_pledge.values())


def _signature_milestones(pledge: Pledge) -> None:
    milestones_reach(
        campaign_id=pledge.campaign_id,
        kind="signatures",
        count=signature_count(pledge),
        rungs=ladder(pledge.goal_ladder),
    )


def participants_settle(
    *, ids: Collection[int] | None = None, limit: int = BATCH, skip: Collection[int] = ()
) -> int:
    """Settle up to `limit` challenge joins, as `signatures_settle` does signatures: the
    participants count once per challenge and batch (not once per join: a viral challenge
    would count its whole crowd on every click)."""
    with transaction.atomic():
        by_challenge = _claim(Participant, "challenge_id", ids, limit, skip)
        challenges = Challenge.objects.filter(pk__in=by_challenge).only("pk", "campaign_id")
        for challenge in sorted(challenges, key=lambda each: each.pk):
            milestones_reach(
                campaign_id=challenge.campaign_id,
                kind="participants",
                count=challenge.participants.count(),
                rungs=ladder(""),
            )
            PARTICIPANTS_SETTLED.publish(
                campaign_id=challenge.campaign_id,
                challenge_id=challenge.pk,
                participants=_payload(by_challenge[challenge.pk]),
            )
    return sum(len(rows) for rows in by_challenge.values())


def guest_actions_settle(
    *, ids: Collection[int] | None = None, limit: int = BATCH, skip: Collection[int] = ()
) -> int:
    """Queue the confirmation e-mails of up to `limit` actions taken without an account, one
    outbox message each, in the transaction that marks them settled: queued once, whatever
    crashes in between. A spike of strangers thus writes one INSERT of messages per batch, and
    hands the task workers one task per `outbox.DISPATCH_LIMIT` of them, not one each."""
    with transaction.atomic():
        by_campaign = _claim(GuestAction, "campaign_id", ids, limit, skip)
        claimed = sorted(pk for rows in by_campaign.values() for pk, *_rest in rows)
        if claimed:
            outbox.enqueue_many(GUEST_EMAIL_CHANNEL, [{"guest_action": pk} for pk in claimed])
    return len(claimed)


@dataclass(frozen=True)
class Queue:
    model: Settled
    settle: Callable[..., int]


SETTLES = (
    Queue(Signature, signatures_settle),
    Queue(Participant, participants_settle),
    Queue(GuestAction, guest_actions_settle),
)
# Rows whose settle failed on their own, by model: this process's later settles pass them
# by (their ids are logged), so one bad row does not hold back every row queued behind it
# for ever. A restart tries them again.
stuck: dict[type, set[int]] = defaultdict(set)
# The database itself failing: every row waits for it, none is to blame.
UNAVAILABLE = (OperationalError, InterfaceError)


def actions_credit(model: type[Signature] | type[Participant], hosts: dict[int, int]) -> None:
    """Credit settled actions to the co-hosts whose audience brought them ({row id: host
    id}), for the co-host leaderboard: relay, which knows which links speak for a co-host,
    tells it while settling."""
    by_host: dict[int, list[int]] = defaultdict(list)
    for row_id, host_id in hosts.items():
        by_host[host_id].append(row_id)
    for host_id, row_ids in by_host.items():
        model._default_manager.filter(pk__in=row_ids).update(host_id=host_id)


def settle_due(*, seconds: float = RUN_SECONDS) -> int:
    """The scheduler's job: for each kind, settle batch after batch until none is full or
    time is up (each kind gets one batch at least, so none waits behind the other)."""
    started = time.monotonic()
    settled = 0
    for queue in SETTLES:
        while True:
            try:
                done = queue.settle(skip=stuck[queue.model])
            except UNAVAILABLE:
                raise
            # Something in the batch broke what follows a row: find which, settle the rest.
            except Exception:
                logger.exception("settle batch failed", extra={"kind": queue.model.__name__})
                done = _one_by_one(queue)
            settled += done
            if done < BATCH or time.monotonic() - started >= seconds:
                break
    if settled:
        logger.info("actions settled", extra={"count": settled})
    return settled


def _one_by_one(queue: Queue) -> int:
    """Settle the next batch's rows one at a time; a row that fails alone is logged and put
    aside (`stuck`)."""
    skipped = stuck[queue.model]
    candidates = list(
        queue.model._default_manager.filter(settled_at__isnull=True)
        .exclude(pk__in=skipped)
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    done = 0
    for pk in candidates:
        try:
            done += queue.settle(ids=[pk])
        except UNAVAILABLE:
            raise
        # Logged with the row's id, for an operator; the others go on.
        except Exception:
            logger.exception(
                "settle failed for one row, left unsettled",
                extra={"kind": queue.model.__name__, "id": pk},
            )
            skipped.add(pk)
    return done
