from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "essaim.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from essaim.campaigns.events import (
            GIFT_SUCCEEDED,
            MILESTONE_REACHED,
            RSVP_ANSWERED,
            SIGNATURES_SETTLED,
        )
        from essaim.core import scheduler
        from essaim.webhooks import tasks
        from essaim.webhooks.services import emit

        scheduler.register("webhooks_retry", every=60, run=tasks.retries_enqueue)
        SIGNATURES_SETTLED.subscribe(emit.signatures_settled, after_commit=True)
        MILESTONE_REACHED.subscribe(emit.milestone_reached, after_commit=True)
        RSVP_ANSWERED.subscribe(emit.rsvp_answered, after_commit=True)
        GIFT_SUCCEEDED.subscribe(emit.gift_succeeded, after_commit=True)
