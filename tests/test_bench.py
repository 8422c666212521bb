"""The benchmarks keep working: each runs at a tiny scale (its figures are not looked at)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent


def bench(script: str, *args: str, timeout: int = 600, shell_settings: bool = False) -> str:
    """Runs `bench/<script>` with `args` and returns what it printed, failing the test with
    its output's tail if it fails. `shell_settings`: the settings the bench takes when run from
    a shell (production's), not the tests' own that pytest puts in the environment."""
    environment = dict(os.environ)
    if shell_settings:
        environment.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=environment,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


def test_the_analytics_benchmark_runs_and_both_rankings_agree(tmp_path: Path) -> None:
    printed = bench(
        "analytics.py",
        "--participants=400",
        "--referrals=250",
        "--repeat=1",
        f"--database-url=sqlite:///{tmp_path / 'bench.sqlite3'}",
        timeout=300,
    )
    assert "whole dashboard:" in printed and "same answer: True" in printed
    assert "deepest cascade 15 generations" in printed


def test_the_reach_benchmark_runs(tmp_path: Path) -> None:
    printed = bench("reach.py", "--quick")
    assert "speed ratio" in printed and "spread ratio" in printed


@pytest.mark.browser
def test_the_map_benchmark_runs_and_each_window_stays_under_200_kb() -> None:
    printed = bench("map.py", "--events=600", "--runs=1", shell_settings=True)
    assert printed.count("under 200,000") == 4 and "OVER" not in printed
    assert "first clustered drawing after navigation start" in printed


@pytest.mark.postgres
def test_the_load_benchmark_runs_and_loses_nothing() -> None:
    # The production stack against a throw-away database of its own, Redis database 14.
    assert shutil.which("wrk"), "wrk not found: apt-get install wrk (.ci/run tools does)"
    # The production settings, as the bench runs from a shell (the tests' immediate tasks
    # would send the confirmation e-mails inside the signing requests, and not to the mailbox
    # the bench reads).
    printed = bench(
        "load/run.py",
        "--seconds=2",
        "--connections=4",
        "--workers=2",
        "--supporters=1500",
        "--rate=20",
        "--warmup=1",
        "--guests=200",
        "--guest-rate=20",
        shell_settings=True,
    )
    for line in (
        "bare view ",
        "floor (session + 1 row) ",
        "campaign page (anonymous) ",
        "one-click signing ",
        "floor at 20/s offered ",
        "signing at 20/s offered ",
        "mixed 80/15/5 ",
        "guest signing ",
        "guest signing at 20/s offered ",
        "guest confirming ",
        "bare view (last) ",
        "campaign page / bare view, round by round: ",
    ):
        assert line in printed
    # Supporters' signatures, challenge joins, guest signatures and their confirmations.
    assert printed.count("lost: 0; doubled: 0") == 4
    assert "exact: True" in printed
    # Strangers signed as guests through the share links, each with one confirmation e-mail
    # in the outbox and in their mailbox, and confirmed.
    guests = re.search(
        r"acknowledged guest signatures: ([\d,]+); rows in PostgreSQL: ([\d,]+);", printed
    )
    assert guests is not None and int(guests[1].replace(",", "")) > 0
    rows = guests[2]
    assert f"came through: {rows} of {rows}" in printed
    assert (
        f"in the outbox: {rows} for {rows} guest signatures; missing: 0; duplicated: 0" in printed
    )
    assert (
        f"received: {rows} by {rows} guests; acknowledged guests without one: 0; duplicated: 0"
        in printed
    )
    assert f"acknowledged confirmations: {rows}; guest signatures counted" in printed
    # Its throw-away database is gone (a loop variable once shadowed its name, and every run
    # left its database behind).
    assert not database_left(printed)


def database_left(printed: str) -> bool:
    """Whether the throw-away database a benchmark named in its output still exists (only its
    own: another checkout's benchmark may run beside this one)."""
    named = re.search(r"^throw-away database: (\S+)$", printed, re.MULTILINE)
    assert named is not None, "the benchmark did not name its database"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres") as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [named[1]]
        ).fetchone()
    return found is not None


@pytest.mark.postgres
def test_the_calls_benchmark_counts_each_paths_work_against_the_floor() -> None:
    printed = bench("load/calls.py", "--requests=6", "--warmup=2", shell_settings=True)
    rows = {
        match["path"]: (float(match["statements"]), float(match["ratio"]))
        for match in re.finditer(
            r"^(?P<path>[a-z(][a-z +()1-]+?) +(?P<statements>[\d.]+) +(?P<ratio>[\d.]+) +[\d,]+ ",
            printed,
            re.MULTILINE,
        )
    }
    # The floor reads the person and writes its row; each path's statements are counted
    # request by request (Django empties the connection's log as each starts).
    assert rows["floor (session + 1 row)"] == (2.0, 1.0)
    # Signing sends what the floor sends (the person, then one autocommitted INSERT); a guest
    # more (its account, its action, its e-mail and share link, in one transaction).
    assert rows["one-click signing"] == (2.0, 1.0)
    assert rows["guest signing"][0] > 2
    assert not database_left(printed)


@pytest.mark.browser
def test_the_pages_benchmark_runs() -> None:
    # A demo instance of its own and Chromium: the ten pages once, at a phone's width.
    printed = bench("pages.py", "--visits=1", "--width=360")
    assert "front door, logged in" in printed
    assert "HTTP [" not in printed  # every page answered
