from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "essaim.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from essaim.accounts.reportable import PERSON
        from essaim.core import reportable

        reportable.register(PERSON)
