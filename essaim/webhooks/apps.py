from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "essaim.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from essaim.core import scheduler
        from essaim.webhooks import tasks

        scheduler.register("webhooks_retry", every=60, run=tasks.retries_enqueue)
