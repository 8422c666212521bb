"""Distance search at scale: 100,000 events and 600,000 mutual-aid listings spread over France's
communes in proportion to their population; prints the time of "upcoming events within 10 km of
a postcode" (nearest first, and soonest first) and of the listings near it, side by side with
the GiST index on each row's point of the unit sphere (essaim.core.earthdistance.sphere_index)
and without it. --explain prints each query's plan as run (EXPLAIN ANALYZE) with and without.

    .venv/bin/python bench/places.py                        # on a throw-away PostgreSQL database
    .venv/bin/python bench/places.py --events 20000 --listings 100000 --postcode 69003

Without --database-url it creates a database on the local PostgreSQL (127.0.0.1, user
postgres) and drops it at the end. PostgreSQL only: the indexes compared are its own.
"""

import argparse
import itertools
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
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--listings", type=int, default=600_000)
    parser.add_argument("--postcode", default="75011")
    parser.add_argument("--radius", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--explain", action="store_true", help="print each query's plan as run (EXPLAIN ANALYZE)"
    )
    return parser.parse_args()


def throwaway_postgres() -> tuple[str, Callable[[], None]]:
    import psycopg

    name = f"essaim_bench_places_{os.getpid()}"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgres://postgres@127.0.0.1:5432/{name}", drop


def timed(function: Callable[[], Any], repeat: int) -> float:
    function()  # warm the caches
    runs = []
    for _run in range(repeat):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def read(query: Callable[[], Any]) -> Callable[[], list[Any]]:
    """A fresh queryset each run (`now` moves on), read to the end."""
    return lambda: list(query())


def copy_rows(model: Any, template: Any, varying: list[str], rows: Any) -> None:
    """COPY rows into `model`'s table: every column from `template` (its defaults, prepared
    for the database) except the `varying` ones, which each row gives in that order."""
    from django.db import connection

    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    fixed = {
        field.column: field.get_db_prep_save(getattr(template, field.attname), connection)
        for field in fields
        if field.column not in varying
    }
    columns = [*fixed, *varying]
    constant = list(fixed.values())
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            copy.write_row([*constant, *row])


def build(args: argparse.Namespace) -> None:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from essaim.accounts.models import User
    from essaim.aid.models import AidListing
    from essaim.campaigns.models import Campaign, Event
    from essaim.core.communes import communes_load
    from essaim.core.models import Commune, Precision

    rng = random.Random(args.seed)
    started = time.perf_counter()
    communes_load()
    rows = list(
        Commune.objects.order_by("pk").values_list(
            "name", "postcode", "latitude", "longitude", "population"
        )
    )
    communes = [row[:4] for row in rows]
    # Cumulative weights once: rng.choices then bisects instead of summing 35,000 weights.
    cumulative = list(itertools.accumulate(max(1, row[4]) for row in rows))
    print(f"  {len(communes):,} communes in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    password = make_password(None)
    User.objects.bulk_create(
        User(
            email=f"b{i}@bench.essaim.test",
            handle=f"b-{i}",
            display_name=f"B {i}",
            password=password,
        )
        for i in range(500)
    )
    people = list(User.objects.values_list("pk", flat=True))
    campaigns = [
        Campaign.objects.create(
            slug=f"bench-{i}",
            title=f"Bench {i}",
            summary="Places at scale",
            category=Campaign.Category.ENVIRONMENT,
            status=Campaign.Status.LIVE,
            created_by_id=people[i],
        ).pk
        for i in range(50)
    ]
    now = timezone.now()

    def spot() -> tuple[str, str, float, float]:
        name, postcode, latitude, longitude = rng.choices(communes, cum_weights=cumulative)[0]
        # Spread around the town hall: within a few kilometres.
        return (
            name,
            postcode,
            latitude + rng.uniform(-0.03, 0.03),
            longitude + rng.uniform(-0.04, 0.04),
        )

    def events() -> Any:
        for _index in range(args.events):
            name, postcode, latitude, longitude = spot()
            starts = now + timedelta(hours=rng.uniform(-180 * 24, 180 * 24))
            yield [
                rng.choice(campaigns),
                rng.choice(people),
                name,
                postcode,
                latitude,
                longitude,
                starts,
                starts + timedelta(hours=2),
                now,
                now,
            ]

    copy_rows(
        Event,
        Event(
            title="Bench event",
            address="Place de la mairie",
            capacity=20,
            place_precision=Precision.ADDRESS,
        ),
        [
            "campaign_id",
            "proposed_by_id",
            "city",
            "postcode",
            "latitude",
            "longitude",
            "starts_at",
            "ends_at",
            "created_at",
            "updated_at",
        ],
        events(),
    )
    print(f"  {args.events:,} events in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()

    def listings() -> Any:
        for _index in range(args.listings):
            name, postcode, latitude, longitude = spot()
            yield [
                rng.choice(people),
                name,
                postcode,
                round(latitude, 2),
                round(longitude, 2),
                now,
                now,
            ]

    copy_rows(
        AidListing,
        AidListing(
            kind="offer", category="goods", title="Bench listing", place_precision=Precision.COMMUNE
        ),
        ["author_id", "place", "postcode", "latitude", "longitude", "created_at", "updated_at"],
        listings(),
    )
    print(f"  {args.listings:,} listings in {time.perf_counter() - started:.1f} s")


# Indexes dropped for each variant. On PostgreSQL the query builder filters by the cube box
# alone (no latitude/longitude range), so the (latitude, longitude) B-trees are no road for it.
VARIANTS: dict[str, list[str]] = {
    "GiST index (unit sphere)": [],
    "no geographic index": ["event_sphere", "aid_sphere", "event_point", "aid_point"],
}


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
    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import QuerySet

    from essaim.aid.selectors import listing_search
    from essaim.campaigns.selectors import events_near
    from essaim.core.geocoding import locate
    from essaim.core.places import Point

    try:
        if connection.vendor != "postgresql":
            sys.exit("bench/places.py compares PostgreSQL indexes: give a postgres:// URL")
        print(f"database: {connection.vendor} ({url.split('@')[-1]})")
        call_command("migrate", verbosity=0)
        build(args)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        found = locate(args.postcode)
        point = Point(found.latitude, found.longitude)
        anonymous = AnonymousUser()
        querysets: list[tuple[str, Callable[[], QuerySet[Any]]]] = [
            (
                f"upcoming events ≤{args.radius:g} km, nearest 100",
                lambda: events_near(user=anonymous, point=point, radius_km=args.radius)[:100],
            ),
            (
                f"upcoming events ≤{args.radius:g} km, soonest 100",
                lambda: events_near(
                    user=anonymous, point=point, radius_km=args.radius, by_date=True
                )[:100],
            ),
            (
                f"open listings ≤{args.radius:g} km, nearest 20",
                lambda: listing_search(user=anonymous, near=point, radius_km=args.radius)[:20],
            ),
        ]
        matching = events_near(user=anonymous, point=point, radius_km=args.radius).count()
        print(f"\n{found.label} ({args.postcode}): {matching:,} upcoming events", end=" ")
        print(f"within {args.radius:g} km")
        print(f"median of {args.repeat} runs, after one warm-up run (ms):")
        print(f"  {'query':<42}" + "".join(f"{name[:26]:>28}" for name in VARIANTS))
        results: dict[str, list[float]] = {label: [] for label, _query in querysets}
        plans: list[str] = []
        for variant, dropped in VARIANTS.items():
            # Each variant in a transaction rolled back: the dropped indexes come back.
            with transaction.atomic():
                with connection.cursor() as cursor:
                    for index in dropped:
                        cursor.execute(f"DROP INDEX {index}")
                for label, query in querysets:
                    results[label].append(1000 * timed(read(query), args.repeat))
                    if args.explain:
                        plan = query().explain(analyze=True)
                        plans.append(f"--- {label}, {variant}\n{plan}")
                transaction.set_rollback(True)
        for label, figures in results.items():
            print(f"  {label:<42}" + "".join(f"{figure:28.1f}" for figure in figures))
        print("\nratio to the GiST index:")
        for label, figures in results.items():
            print(f"  {label:<42}" + "".join(f"{figure / figures[0]:27.1f}x" for figure in figures))
        for plan in plans:
            print(f"\n{plan}")
    finally:
        if drop is not None:
            drop()


if __name__ == "__main__":
    main()
