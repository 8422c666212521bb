from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "essaim.moderation"
    label = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from essaim.accounts import screening, trust
        from essaim.campaigns.events import SIGNATURES_INVALIDATED, SIGNATURES_RESTORED
        from essaim.moderation import screening as filters
        from essaim.moderation.selectors import sanctioned_since
        from essaim.moderation.services import (
            content_admitted,
            signatures_invalidated,
            signatures_restored,
        )

        screening.install(admit=filters.admit, admitted=content_admitted)
        trust.sanctions_register("moderation", sanctioned_since)
        SIGNATURES_INVALIDATED.subscribe(signatures_invalidated)
        SIGNATURES_RESTORED.subscribe(signatures_restored)
