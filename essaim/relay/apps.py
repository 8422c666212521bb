from django.apps import AppConfig


class RelayConfig(AppConfig):
    name = "essaim.relay"
    label = "relay"

    def ready(self) -> None:
        from essaim.accounts import personal_data, trust
        from essaim.relay import personal_data as relay_data
        from essaim.relay.selectors import campaign_actions_of

        personal_data.register("relay", export=relay_data.export)
        trust.contributions_register("relay.campaign_actions", campaign_actions_of)
