from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AidConfig(AppConfig):
    name = "essaim.aid"
    label = "aid"
    verbose_name = _("Mutual aid")

    def ready(self) -> None:
        from essaim.accounts import personal_data, trust
        from essaim.aid import personal_data as aid_data
        from essaim.aid.reportable import LISTING
        from essaim.aid.selectors import kept_listings_of
        from essaim.core import reportable

        personal_data.register("aid", export=aid_data.export, erase=aid_data.erase)
        trust.contributions_register("aid.listings", kept_listings_of)
        reportable.register(LISTING)
