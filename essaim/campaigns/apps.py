from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "essaim.campaigns"
    label = "campaigns"

    def ready(self) -> None:
        from essaim.accounts import personal_data
        from essaim.campaigns import personal_data as campaigns_data

        personal_data.register(
            "campaigns", export=campaigns_data.export, erase=campaigns_data.erase
        )
