"""Trust levels that grow with good activity. A new account (level 0) cannot post links nor
start conversations with strangers, and has lower write limits; a trusted member's reports
count toward hiding content automatically."""

import contextlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Func, IntegerField, Q, Subquery
from django.utils import timezone

from essaim.accounts.models import User

NEW, MEMBER, TRUSTED, STAFF = 0, 1, 2, 3
CACHE_SECONDS = 300
SANCTIONS = ["hide", "remove", "warn", "suspend", "ban_community", "ban_instance", "auto_hide"]


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def contributions(user: User) -> int:
    """Things a person did that others could see and did not get sanctioned for."""
    from essaim.aid.models import AidListing
    from essaim.communities.models import Comment, Post
    from essaim.core.models import Moderation
    from essaim.relay.models import Supporter

    kept = Q(author=user, moderation=Moderation.VISIBLE)
    # One query: four counts as scalar subqueries.
    counts = (
        User.objects.filter(pk=user.pk)
        .annotate(
            kept_posts=_count(Post.objects.filter(kept)),
            kept_comments=_count(Comment.objects.filter(kept)),
            kept_listings=_count(AidListing.objects.filter(kept)),
            campaign_actions=_count(Supporter.objects.filter(user=user)),
        )
        .values("kept_posts", "kept_comments", "kept_listings", "campaign_actions")
        .first()
    )
    if counts is None:
        return 0
    return sum(
        int(counts[name] or 0)
        for name in ("kept_posts", "kept_comments", "kept_listings", "campaign_actions")
    )


def _count(rows: Any) -> Any:
    return Subquery(
        rows.order_by().values(total=Func("pk", function="COUNT")),
        output_field=IntegerField(),
    )


def compute(user: User) -> int:
    from essaim.moderation.models import Action

    if user.is_staff:
        return STAFF
    age = timezone.now() - user.date_joined
    if age < timedelta(hours=_setting("TRUST_MEMBER_HOURS", 24)):
        return NEW  # too young for any threshold: nothing to count
    done = contributions(user)
    recent_sanction = Action.objects.filter(
        subject=user, kind__in=SANCTIONS, created_at__gte=timezone.now() - timedelta(days=90)
    ).exists()
    if (
        age >= timedelta(days=_setting("TRUST_TRUSTED_DAYS", 30))
        and done >= _setting("TRUST_TRUSTED_CONTRIBUTIONS", 20)
        and not recent_sanction
    ):
        return TRUSTED
    # Past the first threshold: a few contributions after a day, or a week of age.
    if (
        age >= timedelta(hours=_setting("TRUST_MEMBER_HOURS", 24))
        and done >= _setting("TRUST_MEMBER_CONTRIBUTIONS", 3)
    ) or age >= timedelta(days=_setting("TRUST_MEMBER_DAYS", 7)):
        return MEMBER
    return NEW


def trust_level(user: User | AnonymousUser) -> int:
    """The person's level, cached a few minutes (it changes slowly)."""
    if not isinstance(user, User):
        return NEW
    key = f"trust:{user.pk}"
    try:
        level = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage must not stop anyone writing
        level = None
    if level is None:
        level = compute(user)
        # Without the cache, the value is computed again next time.
        with contextlib.suppress(Exception):
            cache.set(key, level, CACHE_SECONDS)
    return int(level)


def forget(user: User) -> None:
    """After a sanction or its reversal: recompute at the next look."""
    # the cached value expires by itself
    with contextlib.suppress(Exception):
        cache.delete(f"trust:{user.pk}")
