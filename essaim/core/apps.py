from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "essaim.core"
    label = "core"

    def ready(self) -> None:
        from essaim.core import checks, scheduler, taskqueue  # noqa: F401 - checks registers

        scheduler.register("requeue_stale_tasks", every=60, run=taskqueue.requeue_stale_tasks)
