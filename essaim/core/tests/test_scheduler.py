from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from essaim.core import scheduler
from essaim.core.scheduler import Job, Schedule
from essaim.core.taskqueue import requeue_stale_tasks


def test_a_schedule_runs_each_job_at_its_period_and_a_late_job_once() -> None:
    runs: list[str] = []
    fast = Job("fast", every=2, run=lambda: runs.append("fast"))
    slow = Job("slow", every=60, run=lambda: runs.append("slow"))
    schedule = Schedule([fast, slow], now=100.0)

    assert schedule.run_due(100.0) == ["fast", "slow"]
    assert schedule.run_due(101.0) == []
    assert schedule.seconds_to_next(101.0) == 1.0
    assert schedule.run_due(102.0) == ["fast"]
    # Twenty periods late: once, not twenty times.
    assert schedule.run_due(142.0) == ["fast"]
    assert schedule.run_due(160.0) == ["fast", "slow"]
    assert runs == ["fast", "slow", "fast", "fast", "fast", "slow"]


def test_a_failing_job_is_logged_and_does_not_stop_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs: list[str] = []

    def broken() -> None:
        raise RuntimeError("broken")

    schedule = Schedule(
        [Job("broken", every=1, run=broken), Job("fine", every=1, run=lambda: runs.append("x"))],
        now=0.0,
    )
    assert schedule.run_due(0.0) == ["broken", "fine"]
    assert runs == ["x"]
    assert "scheduled job failed" in caplog.text


def test_registering_needs_a_period_and_replaces_by_name() -> None:
    with pytest.raises(ValueError, match="more than zero"):
        scheduler.register("tests.never", every=0, run=lambda: None)
    scheduler.register("tests.job", every=5, run=lambda: None)
    scheduler.register("tests.job", every=7, run=lambda: None)
    assert [job.every for job in scheduler.jobs() if job.name == "tests.job"] == [7]


def test_the_domains_register_their_periodic_work() -> None:
    out = StringIO()
    call_command("scheduler", "--list", stdout=out)
    names = {line.split("\t")[0] for line in out.getvalue().splitlines()}
    assert {"requeue_stale_tasks", "notifications_tick", "outbox_dispatch"} <= names


@pytest.mark.django_db
def test_once_runs_every_job_and_says_how_many_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[str] = []
    monkeypatch.setattr(
        scheduler,
        "_jobs",
        {
            "a": Job("a", every=1, run=lambda: runs.append("a")),
            "b": Job("b", every=1, run=lambda: 1 / 0),
        },
    )
    out = StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert runs == ["a"]
    assert out.getvalue().strip() == "2 job(s) run, 1 failed"


@pytest.mark.django_db
def test_stale_running_tasks_are_made_ready_again_and_recent_ones_left() -> None:
    now = timezone.now()
    common = {
        "task_path": "essaim.notifications.tasks.run_job",
        "queue_name": "default",
        "backend_name": "default",
        "args_kwargs": {"args": [], "kwargs": {}},
        "status": TaskResultStatus.RUNNING,
    }
    stale = DBTaskResult.objects.create(**common, started_at=now - timedelta(minutes=20))
    recent = DBTaskResult.objects.create(**common, started_at=now - timedelta(minutes=1))

    assert requeue_stale_tasks() == 1
    stale.refresh_from_db()
    recent.refresh_from_db()
    assert (stale.status, stale.started_at) == (TaskResultStatus.READY, None)
    assert recent.status == TaskResultStatus.RUNNING
