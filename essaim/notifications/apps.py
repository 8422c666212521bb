from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "essaim.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from essaim.accounts import personal_data
        from essaim.campaigns.events import (
            EVENT_ALTERED,
            HOST_INVITED,
            MILESTONE_REACHED,
            RSVP_PROMOTED,
        )
        from essaim.core import outbox, scheduler
        from essaim.notifications import (
            campaign_events,
            emails,
            invitations,
            milestones,
            push,
            referrals,
            reminders,
            scheduling,
            services,
        )
        from essaim.relay.events import REFERRALS_RECORDED

        personal_data.register("notifications", export=services.export, erase=services.erase)
        outbox.register(emails.EMAIL_CHANNEL)
        outbox.register(push.PUSH_CHANNEL)
        scheduler.register("notifications_tick", every=60, run=scheduling.tick)
        MILESTONE_REACHED.subscribe(milestones.milestone_reached, after_commit=True)
        REFERRALS_RECORDED.subscribe(referrals.referrals_recorded, after_commit=True)
        # Inside the inviter's transaction: the invitation and its notice commit together.
        HOST_INVITED.subscribe(invitations.host_invited)
        # Inside the promotion's transaction: the place and its notice commit together.
        RSVP_PROMOTED.subscribe(campaign_events.rsvp_promoted)
        EVENT_ALTERED.subscribe(campaign_events.event_altered, after_commit=True)
        # Inside the host's transaction: the new time and its reminders' being due again.
        EVENT_ALTERED.subscribe(reminders.event_reminders_retire)
