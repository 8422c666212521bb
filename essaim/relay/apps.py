from django.apps import AppConfig


class RelayConfig(AppConfig):
    name = "essaim.relay"
    label = "relay"

    def ready(self) -> None:
        from essaim.accounts import personal_data
        from essaim.relay import personal_data as relay_data

        personal_data.register("relay", export=relay_data.export)
