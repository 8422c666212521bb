from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "essaim.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from essaim.core import checks, outbox, scheduler, site, taskqueue  # noqa: F401 - checks registers

        # After the sites framework's own post_migrate (which creates the row): core comes
        # after django.contrib.sites in INSTALLED_APPS.
        post_migrate.connect(site.site_row_update, sender=self)

        scheduler.register("requeue_stale_tasks", every=60, run=taskqueue.requeue_stale_tasks)
        # Every few seconds: what a lost task, a backoff or a dead sender left behind.
        scheduler.register("outbox_dispatch", every=5, run=outbox.dispatch)
