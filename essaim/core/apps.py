from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "essaim.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from essaim.core import checks, scheduler, taskqueue  # noqa: F401 - checks registers

        scheduler.register("requeue_stale_tasks", every=60, run=taskqueue.requeue_stale_tasks)
