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


def test_the_analytics_benchmark_runs_and_both_rankings_agree(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "analytics.py"),
            "--participants=400",
            "--referrals=250",
            "--repeat=1",
            f"--database-url=sqlite:///{tmp_path / 'bench.sqlite3'}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "whole dashboard:" in result.stdout and "same answer: True" in result.stdout
    assert "deepest cascade 15 generations" in result.stdout


def test_the_reach_benchmark_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "reach.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "speed ratio" in result.stdout and "spread ratio" in result.stdout


@pytest.mark.browser
def test_the_map_benchmark_runs_and_each_window_stays_under_200_kb() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "map.py"), "--events=600", "--runs=1"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert result.stdout.count("under 200,000") == 4 and "OVER" not in result.stdout
    assert "first clustered drawing after navigation start" in result.stdout


@pytest.mark.postgres
def test_the_load_benchmark_runs_and_loses_nothing() -> None:
    # The production stack against a throw-away database of its own, Redis database 14.
    assert shutil.which("wrk"), "wrk not found: apt-get install wrk (.ci/run tools does)"
    before = load_databases()
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "load" / "run.py"),
            "--seconds=2",
            "--connections=4",
            "--workers=2",
            "--supporters=1500",
            "--rate=20",
            "--warmup=1",
            "--guests=200",
            "--guest-rate=20",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        # The production settings, as the bench runs from a shell: not the tests' own, which
        # pytest puts in the environment (their immediate tasks would send the confirmation
        # e-mails inside the signing requests, and not to the mailbox the bench reads).
        env={key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
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
        assert line in result.stdout
    # Supporters' signatures, challenge joins, guest signatures and their confirmations.
    assert result.stdout.count("lost: 0; doubled: 0") == 4
    assert "exact: True" in result.stdout
    # Strangers signed as guests through the share links, each with one confirmation e-mail
    # in the outbox and in their mailbox, and confirmed.
    guests = re.search(
        r"acknowledged guest signatures: ([\d,]+); rows in PostgreSQL: ([\d,]+);", result.stdout
    )
    assert guests is not None and int(guests[1].replace(",", "")) > 0
    rows = guests[2]
    assert f"came through: {rows} of {rows}" in result.stdout
    assert (
        f"in the outbox: {rows} for {rows} guest signatures; missing: 0; duplicated: 0"
        in result.stdout
    )
    assert (
        f"received: {rows} by {rows} guests; acknowledged guests without one: 0; duplicated: 0"
        in result.stdout
    )
    assert f"acknowledged confirmations: {rows}; guest signatures counted" in result.stdout
    # Its throw-away database is gone (a loop variable once shadowed its name, and every run
    # left its database behind).
    assert load_databases() <= before


def load_databases() -> set[str]:
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres") as connection:
        rows = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'essaim_load_%'"
        ).fetchall()
    return {row[0] for row in rows}


@pytest.mark.browser
def test_the_pages_benchmark_runs() -> None:
    # A demo instance of its own and Chromium: the ten pages once, at a phone's width.
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "pages.py"), "--visits=1", "--width=360"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "front door, logged in" in result.stdout
    assert "HTTP [" not in result.stdout  # every page answered
