from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "essaim.messaging"
    label = "messaging"
    verbose_name = _("Messages")

    def ready(self) -> None:
        from essaim.accounts import personal_data
        from essaim.core import parts, reportable
        from essaim.messaging.reportable import MESSAGE
        from essaim.messaging.selectors import messaging_export_for
        from essaim.messaging.views import listing_reply

        # Nothing to erase: the messages one wrote belong to the conversation the other
        # person still has; they stay, under the anonymised name.
        personal_data.register("messaging", export=messaging_export_for)
        parts.register("aid.listing", "messaging.reply", listing_reply)
        reportable.register(MESSAGE)
