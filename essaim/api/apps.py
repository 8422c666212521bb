from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "essaim.api"
    label = "api"

    def ready(self) -> None:
        from essaim.accounts import personal_data
        from essaim.api import personal_data as api_data

        personal_data.register("access_tokens", export=api_data.export, erase=api_data.erase)
