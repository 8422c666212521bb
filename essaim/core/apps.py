from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "essaim.core"
    label = "core"

    def ready(self) -> None:
        from essaim.core import scheduler, taskqueue

        scheduler.register("requeue_stale_tasks", every=60, run=taskqueue.requeue_stale_tasks)
