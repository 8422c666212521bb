from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelayConfig(AppConfig):
    name = "essaim.relay"
    label = "relay"
    verbose_name = _("Relay")

    def ready(self) -> None:
        from essaim.accounts import personal_data, trust
        from essaim.campaigns import attribution
        from essaim.campaigns.events import (
            ACTED,
            HOST_ACCEPTED,
            PARTICIPANTS_SETTLED,
            SIGNATURES_SETTLED,
        )
        from essaim.core import parts
        from essaim.relay import parts as relay_parts
        from essaim.relay import personal_data as relay_data
        from essaim.relay import services
        from essaim.relay.attribution import arrive_by_code
        from essaim.relay.selectors import campaign_actions_of

        personal_data.register("relay", export=relay_data.export)
        trust.contributions_register("relay.campaign_actions", campaign_actions_of)
        attribution.arrival_register("relay", arrive_by_code)
        parts.register("campaigns.detail.summary", "relay.reach", relay_parts.campaign_reach)
        parts.register("campaigns.detail.share", "relay.share", relay_parts.campaign_share)
        parts.register("campaigns.guest.share", "relay.share", relay_parts.guest_share)
        # In the settle's transaction: a supporter is recorded exactly when the signature
        # is counted, or neither is.
        SIGNATURES_SETTLED.subscribe(services.signatures_settled)
        PARTICIPANTS_SETTLED.subscribe(services.participants_settled)
        ACTED.subscribe(services.acted)
        HOST_ACCEPTED.subscribe(services.host_accepted)
        attribution.host_credit_install(services.credited_host_id)
