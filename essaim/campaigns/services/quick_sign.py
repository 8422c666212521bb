"""One-click signing in one SQL statement, for the crowd of a viral petition (PostgreSQL).

`pledge.pledge_sign` is the reference: it signs through the ORM in about fifteen queries.
This does the same writes in one prepared statement, in its own transaction (autocommit):
it checks the session's person (active, password hash unchanged: `accounts.sessions`) and
the campaign (live, visible, with a pledge), inserts the signature (or changes whether the
name is shown), moves the signer's tally shard, records the supporter with the share link
that brought them (referrer, parent, cascade root, generation and lineage, as
`relay.services.supporter_record` does) and reads back the count, the milestones already
recorded and whether the hosts registered a webhook (`webhooks.selectors`). When any check
fails the statement writes nothing and returns no row, and the caller hands the request to
the ordinary path, which explains the refusal. What follows the commit — new milestones, the
hosts' webhook, the referrer's notification — goes through the same services as the ORM
path. Tests sign both ways and compare every row."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from essaim.accounts.sessions import SESSION_HASH_SQL, session_hash_params
from essaim.campaigns.models import Campaign, CampaignHost, SignatureTally
from essaim.campaigns.services.milestones import ladder, milestones_reach
from essaim.core.models import Moderation
from essaim.relay.models import Supporter
from essaim.relay.services import referrer_tell
from essaim.webhooks.services import emit as webhooks

logger = logging.getLogger(__name__)

MILESTONE_KIND = "signatures"

# The only interpolation is a constant fragment; every value is a parameter.
SIGN_SQL = f"""/* essaim: quick sign */
WITH signer AS (
    SELECT u.id, u.language FROM accounts_user u
    WHERE u.id = %(user)s::bigint AND u.is_active
      AND {SESSION_HASH_SQL} = %(session_hash)s::text
), target AS (
    SELECT p.id AS pledge_id, p.text, p.goal_ladder, c.id AS campaign_id
    FROM campaigns_campaign c JOIN campaigns_pledge p ON p.campaign_id = c.id
    WHERE c.slug = %(slug)s::text AND c.status = %(live)s::text
      AND c.moderation = %(visible)s::text AND EXISTS (SELECT 1 FROM signer)
      -- A co-host's attribution code without a share link yet: the ordinary path makes one.
      AND NOT EXISTS (
          SELECT 1 FROM campaigns_campaignhost h
          WHERE h.code = ANY(%(codes)s::text[]) AND h.campaign_id = c.id
            AND h.status = %(accepted)s::text
            AND NOT EXISTS (SELECT 1 FROM relay_sharelink WHERE code = h.code)
      )
), link AS (
    -- The share link that brought the signer, while it counts (relay.services.link_usable);
    -- host_id: the accepted co-host it speaks for (relay.services.credited_host).
    SELECT l.id, l.owner_id, h.id AS host_id
    FROM relay_sharelink l
    JOIN target t ON t.campaign_id = l.campaign_id
    LEFT JOIN accounts_user o ON o.id = l.owner_id
    LEFT JOIN campaigns_campaignhost h ON h.id = l.host_id AND h.status = %(accepted)s::text
    WHERE l.code = ANY(%(codes)s::text[])
      AND CASE WHEN l.owner_id IS NOT NULL THEN o.is_active AND o.deleted_at IS NULL
               ELSE h.id IS NOT NULL END
), signed AS (
    INSERT INTO campaigns_signature (created_at, updated_at, pledge_id, user_id, show_name, host_id)
    SELECT %(now)s::timestamptz, %(now)s::timestamptz, t.pledge_id, %(user)s::bigint,
           %(show_name)s::boolean, (SELECT host_id FROM link LIMIT 1)
    FROM target t
    ON CONFLICT (pledge_id, user_id) DO UPDATE
        SET show_name = EXCLUDED.show_name, updated_at = EXCLUDED.updated_at
        WHERE campaigns_signature.show_name IS DISTINCT FROM EXCLUDED.show_name
    RETURNING id, (xmax = 0) AS inserted
), tallied AS (
    INSERT INTO campaigns_signaturetally (pledge_id, shard, count)
    SELECT t.pledge_id, %(shard)s::smallint, 1 FROM target t
    WHERE EXISTS (SELECT 1 FROM signed WHERE inserted)
    ON CONFLICT (pledge_id, shard) DO UPDATE SET count = campaigns_signaturetally.count + 1
    RETURNING 1
), referral AS (
    -- The link's owner refers the signer, unless that is the signer or one of their own
    -- descendants (no loops); a community co-host's link has no owner and refers no one.
    SELECT l.owner_id AS referrer_id FROM link l, target t
    WHERE l.owner_id <> %(user)s::bigint
      AND NOT EXISTS (
          SELECT 1 FROM relay_lineage g WHERE g.campaign_id = t.campaign_id
            AND g.ancestor_id = %(user)s::bigint AND g.descendant_id = l.owner_id
      )
), kept AS (
    -- The link credited in the registry: none for a self-referral or a loop.
    SELECT l.id, l.host_id FROM link l
    WHERE l.owner_id IS NULL OR EXISTS (SELECT 1 FROM referral)
), parent AS (
    SELECT s.id, s.root_id, s.generation FROM relay_supporter s, target t, referral r
    WHERE s.campaign_id = t.campaign_id AND s.user_id = r.referrer_id
), supported AS (
    INSERT INTO relay_supporter (
        campaign_id, user_id, action, source, link_id, referrer_id, parent_id, root_id,
        generation, created_at, day
    )
    SELECT t.campaign_id, %(user)s::bigint, %(action)s::text,
           CASE WHEN k.id IS NULL THEN %(direct)s::text
                WHEN k.host_id IS NOT NULL THEN %(cohost)s::text
                ELSE %(personal)s::text END,
           k.id, r.referrer_id, p.id, COALESCE(p.root_id, r.referrer_id, %(user)s::bigint),
           COALESCE(p.generation + 1, CASE WHEN r.referrer_id IS NULL THEN 0 ELSE 1 END),
           %(now)s::timestamptz, %(day)s::date
    FROM target t
    LEFT JOIN kept k ON true
    LEFT JOIN referral r ON true
    LEFT JOIN parent p ON true
    WHERE EXISTS (SELECT 1 FROM signed WHERE inserted)
    ON CONFLICT (campaign_id, user_id) DO NOTHING
    RETURNING referrer_id
), lineage AS (
    -- The signer descends from the referrer and from all of the referrer's ancestors.
    INSERT INTO relay_lineage (campaign_id, ancestor_id, descendant_id, distance)
    SELECT t.campaign_id, s.referrer_id, %(user)s::bigint, 1
    FROM supported s, target t WHERE s.referrer_id IS NOT NULL
    UNION ALL
    SELECT g.campaign_id, g.ancestor_id, %(user)s::bigint, g.distance + 1
    FROM supported s, target t, relay_lineage g
    WHERE s.referrer_id IS NOT NULL AND g.campaign_id = t.campaign_id
      AND g.descendant_id = s.referrer_id
    RETURNING 1
)
SELECT t.pledge_id, t.campaign_id, t.text, t.goal_ladder, (SELECT language FROM signer),
       s.id, COALESCE(s.inserted, false),
       (SELECT COALESCE(SUM(count), 0) FROM campaigns_signaturetally
        WHERE pledge_id = t.pledge_id),
       (SELECT referrer_id FROM supported),
       ARRAY(SELECT threshold FROM campaigns_milestone
             WHERE campaign_id = t.campaign_id AND kind = %(kind)s::text),
       EXISTS (SELECT 1 FROM webhooks_endpoint e WHERE e.campaign_id = t.campaign_id)
FROM target t LEFT JOIN signed s ON true
"""  # noqa: S608


@dataclass(frozen=True)
class QuickSignature:
    """What the signer's panel shows, and what the statement did."""

    pledge_id: int
    campaign_id: int
    pledge_text: str
    goal_ladder: str
    language: str
    inserted: bool
    count: int  # the pledge's signatures, this one included


def pledge_sign_quick(
    *, user_id: int, session_hash: str, slug: str, show_name: bool, link_codes: list[str]
) -> QuickSignature | None:
    """Sign `slug`'s pledge as `user_id`, whose session carries `session_hash`, credited to the
    share link among `link_codes` (the session's first touches, one per campaign) that leads
    to this campaign, if it still counts. Idempotent: a repeat signs nothing more (the
    unique (pledge, user) constraint) and may only change whether the name is shown. None when
    nothing was written: not a live, visible campaign with a pledge; not an active person; a
    session from before a password change; a co-host code without its link yet."""
    now = timezone.now()
    params: dict[str, Any] = {
        "user": user_id,
        "session_hash": session_hash,
        "slug": slug,
        "show_name": show_name,
        "codes": [code[:16] for code in link_codes],
        "now": now,
        "day": timezone.localdate(now),
        "shard": user_id % SignatureTally.SHARDS,
        "live": Campaign.Status.LIVE.value,
        "visible": Moderation.VISIBLE.value,
        "accepted": CampaignHost.Status.ACCEPTED.value,
        "action": Supporter.Action.SIGN.value,
        "direct": Supporter.Source.DIRECT.value,
        "cohost": Supporter.Source.COHOST.value,
        "personal": Supporter.Source.LINK.value,
        "kind": MILESTONE_KIND,
        **session_hash_params(),
    }
    with connection.cursor() as cursor:
        cursor.execute(SIGN_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    (pledge_id, campaign_id, text, goal_ladder, language, signature_id, inserted, tally) = row[:8]
    referrer_id, known, listened = row[8], set(row[9]), bool(row[10])
    count = int(tally) + (1 if inserted else 0)
    if inserted:
        _after_signing(
            campaign_id=campaign_id,
            signature_id=signature_id,
            referrer_id=referrer_id,
            count=count,
            rungs=ladder(goal_ladder),
            known=known,
            listened=listened,
        )
    return QuickSignature(
        pledge_id=pledge_id,
        campaign_id=campaign_id,
        pledge_text=text,
        goal_ladder=goal_ladder,
        language=language,
        inserted=bool(inserted),
        count=count,
    )


def _after_signing(
    *,
    campaign_id: int,
    signature_id: int,
    referrer_id: int | None,
    count: int,
    rungs: tuple[int, ...],
    known: set[int],
    listened: bool,
) -> None:
    """What the ORM path does after its commit: the hosts' webhook, the referrer's
    notification, new milestones (the campaign is read only when one is due). The statement
    committed on its own (autocommit), so these run at once; inside a caller's transaction
    (tests), after it commits, as on the ORM path.

    The signature is stored whatever happens here, and a repeat click inserts nothing, so a
    failure must not make the signer believe it failed: each step is logged and skipped. A
    milestone skipped so is recorded by the next signature (milestones_reach records every
    rung reached)."""
    steps = [
        partial(
            webhooks.signature_created,
            campaign_id=campaign_id,
            signature_id=signature_id,
            listened=listened,
        )
    ]
    if referrer_id is not None:
        steps.append(partial(referrer_tell, campaign_id=campaign_id, referrer_id=referrer_id))
    if any(rung <= count and rung not in known for rung in rungs):
        steps.append(partial(_milestones, campaign_id=campaign_id, count=count, rungs=rungs))
    for step in steps:
        transaction.on_commit(partial(_best_effort, step, signature_id=signature_id))


def _milestones(*, campaign_id: int, count: int, rungs: tuple[int, ...]) -> None:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is not None:
        milestones_reach(campaign=campaign, kind=MILESTONE_KIND, count=count, rungs=rungs)


def _best_effort(step: Callable[[], None], *, signature_id: int) -> None:
    try:
        step()
    except DatabaseError as error:
        logger.warning(
            "after signing: step skipped",
            extra={"signature_id": signature_id, "error": type(error).__name__},
        )
