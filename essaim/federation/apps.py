from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "essaim.federation"
    label = "federation"
    verbose_name = _("Federation")

    def ready(self) -> None:
        from essaim.accounts.events import FEDERATION_CHANGED, PROFILE_CHANGED
        from essaim.campaigns.events import EVENT_CHANGED
        from essaim.communities.events import POST_CHANGED
        from essaim.core import outbox
        from essaim.federation import delivery, publishing

        outbox.register(delivery.ACTIVITYPUB_CHANNEL)
        POST_CHANGED.subscribe(publishing.post_changed)
        EVENT_CHANGED.subscribe(publishing.event_changed)
        FEDERATION_CHANGED.subscribe(publishing.person_federation_changed)
        PROFILE_CHANGED.subscribe(publishing.person_profile_changed)
