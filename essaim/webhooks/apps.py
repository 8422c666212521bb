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
        from essaim.core import outbox
        from essaim.webhooks.services import emit, sending

        outbox.register(sending.WEBHOOK_CHANNEL)
        SIGNATURES_SETTLED.subscribe(emit.signatures_settled, after_commit=True)
        MILESTONE_REACHED.subscribe(emit.milestone_reached, after_commit=True)
        RSVP_ANSWERED.subscribe(emit.rsvp_answered, after_commit=True)
        GIFT_SUCCEEDED.subscribe(emit.gift_succeeded, after_commit=True)
