"""Settling the one-click actions: what follows a signature, done for many at once.

The request that signs writes one row and answers (`pledge.pledge_sign`). Everything that
follows — the tally the pages show, the milestones, and what the domains above do on
`SIGNATURES_SETTLED` (relay records the supporters and their cascades, webhooks tell the
hosts' endpoints, the referrer hears of their link's milestones) — happens here, for a batch
of signatures in one transaction that also marks them `settled_at`. So a settle that dies
midway leaves its batch unsettled for the next one, and a batch settled once is never
counted again: nothing lost, nothing counted twice.

It runs every second from the scheduler (`campaigns_settle`) in production, and inline after
each signature when `CAMPAIGNS_SETTLE_INLINE` is on (development and tests), so the count a
page shows lags by at most one settle. Several settles may run at once (several app servers,
schedulers): each claims its rows with `SELECT … FOR UPDATE SKIP LOCKED`, so they share the
queue instead of waiting on one another."""

import logging
import time
from collections import defaultdict
from collections.abc import Collection

from django.db import transaction
from django.utils import timezone

from essaim.campaigns.events import SIGNATURES_SETTLED
from essaim.campaigns.models import Pledge, Signature
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.services.milestones import ladder, milestones_reach
from essaim.campaigns.services.tally import tally_move

logger = logging.getLogger(__name__)

BATCH = 500
# One scheduler run settles what is due, within this many seconds, then lets the other jobs
# have their turn; what is left waits for the next run, a second later.
RUN_SECONDS = 0.8


def signatures_settle(*, ids: Collection[int] | None = None, limit: int = BATCH) -> int:
    """Settle up to `limit` unsettled signatures (only those of `ids` if given), oldest
    first; the number settled. Rows another settle holds are skipped, not waited for."""
    with transaction.atomic():
        claimed = Signature.objects.select_for_update(skip_locked=True).filter(
            settled_at__isnull=True
        )
        if ids is not None:
            claimed = claimed.filter(pk__in=ids)
        rows = list(
            claimed.order_by("pk").values_list("pk", "pledge_id", "user_id", "via", "created_at")[
                :limit
            ]
        )
        if not rows:
            return 0
        Signature.objects.filter(pk__in=[row[0] for row in rows]).update(settled_at=timezone.now())
        by_pledge: dict[int, list[tuple[int, int, str, str]]] = defaultdict(list)
        for pk, pledge_id, user_id, via, at in rows:
            by_pledge[pledge_id].append((pk, user_id, via, at.isoformat()))
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
            milestones_reach(
                campaign_id=pledge.campaign_id,
                kind="signatures",
                count=signature_count(pledge),
                rungs=ladder(pledge.goal_ladder),
            )
            SIGNATURES_SETTLED.publish(
                campaign_id=pledge.campaign_id,
                pledge_id=pledge_id,
                signatures=[
                    {"id": pk, "user_id": user_id, "via": via, "at": at}
                    for pk, user_id, via, at in by_pledge[pledge_id]
                ],
            )
    return len(rows)


def settle_due(*, seconds: float = RUN_SECONDS) -> int:
    """The scheduler's job: settle batch after batch until none is full or time is up."""
    started = time.monotonic()
    settled = 0
    while True:
        done = signatures_settle()
        settled += done
        if done < BATCH or time.monotonic() - started >= seconds:
            break
    if settled:
        logger.info("signatures settled", extra={"count": settled})
    return settled
