"""Trust levels that grow with good activity. A new account (level 0) cannot post links nor
start conversations with strangers, and has lower write limits; a trusted member's reports
count toward hiding content automatically.

What counts as good activity (kept posts, listings, campaign actions) and what holds a person
back (a recent sanction) belongs to domains above accounts: each registers, in its
AppConfig.ready(), `contributions_register` (the rows a person's contributions are, counted
in one query) or `sanctions_register` (whether the person was sanctioned since a date)."""

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Func, IntegerField, QuerySet, Subquery
from django.utils import timezone

from essaim.accounts.models import User

NEW, MEMBER, TRUSTED, STAFF = 0, 1, 2, 3
CACHE_SECONDS = 300
SANCTION_MEMORY = timedelta(days=90)

Contributions = Callable[[User], QuerySet[Any]]
Sanctioned = Callable[[User, datetime], bool]

_contributions: dict[str, Contributions] = {}
_sanctions: dict[str, Sanctioned] = {}


def contributions_register(name: str, rows: Contributions) -> None:
    """`rows(user)`: the rows that are `user`'s contributions, those nobody took down.
    Registering the same name again replaces it (ready() may run more than once in tests)."""
    _contributions[name] = rows


def sanctions_register(name: str, sanctioned: Sanctioned) -> None:
    """`sanctioned(user, since)`: whether `user` was sanctioned since `since`."""
    _sanctions[name] = sanctioned


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def contributions(user: User) -> int:
    """Things a person did that others could see and did not get sanctioned for."""
    if not _contributions:
        return 0
    # One query: one count per registered kind, as scalar subqueries.
    names = sorted(_contributions)
    counts = (
        User.objects.filter(pk=user.pk)
        .annotate(
            **{f"count_{i}": _count(_contributions[name](user)) for i, name in enumerate(names)}
        )
        .values(*(f"count_{i}" for i in range(len(names))))
        .first()
    )
    if counts is None:
        return 0
    return sum(int(count or 0) for count in counts.values())


def _count(rows: Any) -> Any:
    return Subquery(
        rows.order_by().values(total=Func("pk", function="COUNT")),
        output_field=IntegerField(),
    )


def compute(user: User) -> int:
    if user.is_staff:
        return STAFF
    age = timezone.now() - user.date_joined
    if age < timedelta(hours=_setting("TRUST_MEMBER_HOURS", 24)):
        return NEW  # too young for any threshold: nothing to count
    done = contributions(user)
    if (
        age >= timedelta(days=_setting("TRUST_TRUSTED_DAYS", 30))
        and done >= _setting("TRUST_TRUSTED_CONTRIBUTIONS", 20)
        and not _sanctioned_since(user, timezone.now() - SANCTION_MEMORY)
    ):
        return TRUSTED
    # Past the first threshold: a few contributions after a day, or a week of age.
    if (
        age >= timedelta(hours=_setting("TRUST_MEMBER_HOURS", 24))
        and done >= _setting("TRUST_MEMBER_CONTRIBUTIONS", 3)
    ) or age >= timedelta(days=_setting("TRUST_MEMBER_DAYS", 7)):
        return MEMBER
    return NEW


def _sanctioned_since(user: User, since: datetime) -> bool:
    return any(sanctioned(user, since) for sanctioned in _sanctions.values())


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
