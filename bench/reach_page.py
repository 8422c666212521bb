"""The reach planner's page on the demo: from a host's request for the best 10 relays to the
answer shown, with a task worker as `make demo` runs it.

    .venv/bin/python bench/reach_page.py                       # a throw-away demo database
    .venv/bin/python bench/reach_page.py --workdir /tmp/page   # keep it, reuse it next time

It loads the demo content (`demo_data`) into an SQLite database of its own, starts
the task worker on it as `make demo` does (scripts/demo.py's WORKER), then, as the campaign's
host with the most followers, posts the planner's form (best 10 among the campaign's
followers, IC, ε = 0.1) with Django's test client and polls the plan's page as the browser
does (htmx, every PAGE_POLL seconds) until it shows the answer. For each request it prints:
the time until the answer was shown, until the worker had finished, the worker's pick-up
delay and its computing time (from the plan's timestamps). The first request is the worker's
first plan (Numba's compiled code loaded from its cache); the next ones are warm.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from demo import WORKER  # noqa: E402 (scripts/demo.py, after the path it is found on)

# The page polls every half second (hx-trigger in reach/_plan.html): so does this client.
PAGE_POLL = 0.5


def environment(database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    env["DATABASE_URL"] = f"sqlite:///{database}"
    env["TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def manage(env: dict[str, str], *arguments: str) -> None:
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="keep the demo database here, reuse it")
    parser.add_argument("--requests", type=int, default=4, help="plans asked for in a row")
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="essaim-reach-page-"))
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "demo.sqlite3"
    env = environment(database)
    fresh = not database.exists()
    # Also on a kept database: the code it is measured with may have new migrations.
    manage(env, "migrate", "--verbosity", "0")
    if fresh:
        started = time.perf_counter()
        manage(env, "demo_data")
        print(f"demo database loaded in {time.perf_counter() - started:.0f} s")
    os.environ.update(env)

    import django

    django.setup()
    from django.db.models import Count
    from django.test import Client
    from django_tasks_db.models import DBTaskResult

    from essaim.campaigns.models import Campaign
    from essaim.reach.models import ReachPlan
    from essaim.reach.planning import platform_graph

    graph = platform_graph()
    campaign = (
        Campaign.objects.annotate(fans=Count("follows", distinct=True)).order_by("-fans").first()
    )
    assert campaign is not None and campaign.created_by is not None
    print(
        f"demo graph: {graph.n:,} people, {graph.m:,} follows; campaign «{campaign.title}», "
        f"{campaign.fans:,} followers; host {campaign.created_by}"
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", *WORKER, "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        time.sleep(5)  # the worker's start-up (Django, its first look at the queue)
        client = Client(SERVER_NAME="localhost")  # a host the settings allow
        client.force_login(campaign.created_by)
        planner = f"/campaigns/{campaign.slug}/planner/"
        form = {
            "mode": "optimise",
            "k": str(args.k),
            "scope": "followers",
            "model": "ic",
            "epsilon": "0.1",
            "exclude_relayed": "on",
        }
        print(
            f"\nbest {args.k} among the followers, IC, ε = 0.1; the page polls every "
            f"{PAGE_POLL} s, the worker looks at its queue every {WORKER[-1]} s"
        )
        print("request  shown s  worker done s  pick-up s  computing s  RR sets  certified")
        for number in range(1, args.requests + 1):
            started = time.perf_counter()
            response = client.post(planner, form)
            assert response.status_code == 302, response.status_code
            url = response["Location"]
            page = client.get(url)
            while b'data-status="done"' not in page.content:
                assert b'data-status="failed"' not in page.content, "the plan failed"
                time.sleep(PAGE_POLL)
                page = client.get(url, headers={"HX-Request": "true"})
            shown = time.perf_counter() - started
            plan = ReachPlan.objects.get(pk=int(url.rstrip("/").rsplit("/", 1)[1]))
            task = DBTaskResult.objects.order_by("-enqueued_at").first()
            assert task is not None and task.started_at and task.finished_at
            waited = (task.started_at - task.enqueued_at).total_seconds()
            computing = (task.finished_at - task.started_at).total_seconds()
            done = (task.finished_at - task.enqueued_at).total_seconds()
            certified = plan.result.get("certified")
            print(
                f"{number:>7}  {shown:7.2f}  {done:13.2f}  {waited:9.2f}  {computing:11.2f}"
                f"  {plan.result.get('rr_sets', 0):7,}  {certified}"
            )
            time.sleep(1.5)  # like a person reading the answer, and the worker idle again
    finally:
        worker.terminate()
        worker.wait(timeout=30)


if __name__ == "__main__":
    main()
