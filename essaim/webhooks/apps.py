from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "essaim.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from essaim.core import scheduler
        from essaim.webhooks import tasks

        scheduler.register("webhooks_retry", every=60, run=tasks.retries_enqueue)
