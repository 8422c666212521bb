from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "essaim.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from essaim.accounts import personal_data
        from essaim.api import personal_data as api_data

        personal_data.register("access_tokens", export=api_data.export, erase=api_data.erase)
