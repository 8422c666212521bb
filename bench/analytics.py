"""Reach analytics at scale: a campaign with 200,000 participants and 150,000 referrals in
cascades up to 15 generations deep; prints the time of every analytics computation, the whole
dashboard against its one-second budget, and, side by side in the same run, the "everyone
downstream" ranking computed from the lineage closure against a recursive query without it.

    .venv/bin/python bench/analytics.py                      # on a throw-away PostgreSQL database
    .venv/bin/python bench/analytics.py --participants 20000 --referrals 15000
    .venv/bin/python bench/analytics.py --database-url sqlite:////tmp/bench.sqlite3

Without --database-url it creates a database on the local PostgreSQL (127.0.0.1, user
postgres) and drops it at the end.
"""

import argparse
import bisect
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=200_000)
    parser.add_argument("--referrals", type=int, default=150_000)
    parser.add_argument("--max-depth", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each computation")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default="")
    return parser.parse_args()


def throwaway_postgres() -> tuple[str, Callable[[], None]]:
    import psycopg

    name = f"essaim_bench_{os.getpid()}"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgres://postgres@127.0.0.1:5432/{name}", drop


def timed(label: str, function: Callable[[], Any], repeat: int) -> float:
    function()  # warm the database's caches, as a dashboard being looked at is
    runs = []
    for _run in range(repeat):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def build(args: argparse.Namespace) -> Any:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from essaim.accounts.models import User, UserFollow
    from essaim.campaigns.models import Campaign, CampaignHost
    from essaim.relay import bulk

    rng = random.Random(args.seed)
    started = time.perf_counter()
    password = make_password(None)
    User.objects.bulk_create(
        [
            User(
                email=f"bench{i}@bench.essaim.test",
                handle=f"bench-{i}",
                display_name=f"Participant {i}",
                password=password,
            )
            for i in range(args.participants)
        ],
        batch_size=5000,
    )
    ids = list(
        User.objects.filter(email__endswith="@bench.essaim.test")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    creators = ids[:20]
    campaign = Campaign.objects.create(
        slug=f"bench-{args.seed}",
        title="Bench campaign",
        summary="Reach analytics at scale",
        category=Campaign.Category.ENVIRONMENT,
        status=Campaign.Status.LIVE,
        created_by_id=creators[0],
    )
    CampaignHost.objects.bulk_create(
        CampaignHost(campaign=campaign, user_id=c, status=CampaignHost.Status.ACCEPTED)
        for c in creators[:5]
    )
    # Creators have big audiences; a few participants follow one another.
    follows = [
        UserFollow(follower_id=rng.choice(ids), followed_id=c)
        for c in creators
        for _n in range(rng.randint(200, 2000))
    ]
    UserFollow.objects.bulk_create(follows, batch_size=5000, ignore_conflicts=True)
    print(f"  {len(ids):,} people and their follows in {time.perf_counter() - started:.1f} s")

    # Arrivals over 30 days; a fixed number of them brought by someone who came before,
    # chosen in proportion to a heavy-tailed sharing power (creators: much more), never deeper
    # than --max-depth; the first ones form one long chain so the deepest cascade is reached.
    start = timezone.now() - timedelta(days=30)
    times = sorted(rng.random() for _i in ids)
    referred = set(rng.sample(range(len(creators) + args.max_depth, len(ids)), args.referrals))
    referred.update(range(len(creators), len(creators) + args.max_depth))
    arrivals: list[bulk.Arrival] = []
    generation: dict[int, int] = {}
    people: list[int] = []
    cumulative: list[float] = []
    total = 0.0
    for index, user_id in enumerate(ids):
        referrer = None
        if index in referred and people:
            if index < len(creators) + args.max_depth:
                referrer = ids[index - 1] if index > len(creators) else creators[0]
            else:
                for _attempt in range(8):
                    candidate = people[bisect.bisect_left(cumulative, rng.random() * total)]
                    if generation[candidate] < args.max_depth:
                        referrer = candidate
                        break
                referrer = referrer or rng.choice(creators)
        generation[user_id] = generation[referrer] + 1 if referrer else 0
        power = rng.paretovariate(2.0) - 1
        total += power * (60 if user_id in creators else 1)
        people.append(user_id)
        cumulative.append(total)
        at = start + timedelta(days=30 * times[index])
        arrivals.append(bulk.Arrival(user_id, at, "sign", referrer))
    started = time.perf_counter()
    counts = bulk.load(campaign, arrivals, rng)
    print(
        f"  {counts['supporters']:,} participants, {counts['referrals']:,} referrals, "
        f"{counts['lineage']:,} lineage rows, {counts['visits']:,} unique visits "
        f"written in {time.perf_counter() - started:.1f} s"
    )
    return campaign


def recursive_downstream(campaign: Any) -> list[tuple[int, int]]:
    """The same ranking as `top_relays`, without the closure: walk the referral edges down
    from every relay with a recursive query (PostgreSQL and SQLite both have WITH RECURSIVE)."""
    from django.db import connection

    sql = """
        WITH RECURSIVE down(ancestor, descendant) AS (
            SELECT referrer_id, user_id FROM relay_supporter
            WHERE campaign_id = %s AND referrer_id IS NOT NULL
            UNION ALL
            SELECT down.ancestor, s.user_id FROM down
            JOIN relay_supporter s ON s.campaign_id = %s AND s.referrer_id = down.descendant
        )
        SELECT ancestor, COUNT(*) AS n FROM down GROUP BY ancestor ORDER BY n DESC, ancestor
        LIMIT 20
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk, campaign.pk])
        return list(cursor.fetchall())


def main() -> None:
    args = parse()
    drop: Callable[[], None] | None = None
    url = args.database_url
    if not url:
        url, drop = throwaway_postgres()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from essaim.relay import analytics

    try:
        print(f"database: {connection.vendor} ({url.split('@')[-1]})")
        call_command("migrate", verbosity=0)
        campaign = build(args)
        if connection.vendor == "postgresql":
            # What autovacuum does soon after a bulk load: statistics and the visibility map
            # (index-only scans).
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        computations: list[tuple[str, Callable[[], Any]]] = [
            ("headline counts", lambda: analytics.summary(campaign)),
            ("participants over time by source", lambda: analytics.over_time(campaign)),
            ("cascade sizes and depths", lambda: analytics.cascade_sizes(campaign)),
            ("K by generation", lambda: analytics.k_by_generation(campaign)),
            ("K over time (daily cohorts)", lambda: analytics.k_over_time(campaign)),
            ("conversion by link", lambda: analytics.link_conversion(campaign)),
            ("link totals", lambda: analytics.link_totals(campaign)),
            ("top relays (lineage closure)", lambda: analytics.top_relays(campaign)),
            ("leaderboard by co-host", lambda: analytics.host_board(campaign)),
            ("impact totals", lambda: analytics.impact(campaign)),
            ("tree of the 3 largest cascades", lambda: analytics.largest_cascades(campaign)),
        ]
        print(f"\nmedian of {args.repeat} runs, after one warm-up run:")
        for label, function in computations:
            print(f"  {label:<36} {1000 * timed(label, function, args.repeat):8.1f} ms")
        whole = timed("dashboard", lambda: analytics.dashboard(campaign), args.repeat)
        summary = analytics.summary(campaign)
        print(
            f"\nwhole dashboard: {1000 * whole:.0f} ms for {summary['total']:,} participants, "
            f"{summary['referred']:,} referrals, deepest cascade {summary['depth']} generations"
        )
        print(f"  budget 1,000 ms: {whole / 1.0:.2f} of it ({'within' if whole < 1 else 'OVER'})")

        closure = timed("closure", lambda: analytics.top_relays(campaign), args.repeat)
        recursive = timed("recursive", lambda: recursive_downstream(campaign), args.repeat)
        same = [row[2] for row in analytics.top_relays(campaign).rows] == [
            n for _a, n in recursive_downstream(campaign)
        ]
        print("\neveryone downstream of the top 20 relays, side by side:")
        print(f"  lineage closure (indexed count)   {1000 * closure:8.1f} ms")
        print(f"  recursive query over referrals    {1000 * recursive:8.1f} ms")
        print(f"  ratio recursive / closure: {recursive / closure:.1f}x; same answer: {same}")
        if not same:
            raise SystemExit("the two rankings disagree")
    finally:
        if drop is not None:
            drop()


if __name__ == "__main__":
    main()
