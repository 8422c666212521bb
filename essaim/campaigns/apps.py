from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "essaim.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from essaim.accounts import personal_data
        from essaim.campaigns import guest_cookie
        from essaim.campaigns import personal_data as campaigns_data
        from essaim.campaigns.events import GIFT_SUCCEEDED
        from essaim.campaigns.reportable import CAMPAIGN, UPDATE, UPDATE_COMMENT
        from essaim.campaigns.services import guest, guest_emails, settle
        from essaim.core import outbox, pagecache, reportable, scheduler

        personal_data.register(
            "campaigns", export=campaigns_data.export, erase=campaigns_data.erase
        )
        scheduler.register("campaigns_settle", every=1, run=settle.settle_due)
        scheduler.register("campaigns_guest_expire", every=300, run=guest.expire_due)
        outbox.register(guest_emails.GUEST_EMAILS)
        # In the payment's transaction: the receipt is queued with the gift it is for.
        GIFT_SUCCEEDED.subscribe(guest.gift_received)
        reportable.register(CAMPAIGN)
        reportable.register(UPDATE)
        reportable.register(UPDATE_COMMENT)
        pagecache.personal_cookie(guest_cookie.COOKIE)
