"""The planner's background work."""

from django_tasks import task

from essaim.reach import planning


@task()
def run_plan(plan_id: int) -> None:
    """Idempotent: a plan already done is left as it is if the task runs again."""
    planning.run(plan_id)
