from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "essaim.moderation"
    label = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from essaim.accounts import screening, trust
        from essaim.moderation import screening as filters
        from essaim.moderation.selectors import sanctioned_since
        from essaim.moderation.services import content_admitted

        screening.install(admit=filters.admit, admitted=content_admitted)
        trust.sanctions_register("moderation", sanctioned_since)
