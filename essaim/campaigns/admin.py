from django.contrib import admin
from django.http import HttpRequest

from essaim.campaigns.models import (
    Campaign,
    CampaignHost,
    CampaignVideo,
    Donation,
    Event,
    GuestAction,
    InKindPledge,
    SignatureInvalidation,
)


class HostInline(admin.TabularInline[CampaignHost, Campaign]):
    model = CampaignHost
    raw_id_fields = ("user", "community", "invited_by")
    # Accepting is the invitee's own act, through `host_respond`, which also tells relay to
    # re-point the share link they already had to their co-host code: an answer typed here
    # would skip both.
    readonly_fields = ("status",)
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin[Campaign]):
    list_display = ("title", "category", "status", "created_at")
    list_filter = ("status", "category")
    search_fields = ("title", "summary")
    raw_id_fields = ("created_by",)
    inlines = (HostInline,)


@admin.register(CampaignVideo)
class CampaignVideoAdmin(admin.ModelAdmin[CampaignVideo]):
    """Which videos were read and which failed; the hosts change them on their page (the
    preview is read by a task, not typed here)."""

    list_display = ("campaign", "platform", "state", "failure", "fetched_at")
    list_filter = ("state", "platform")
    readonly_fields = (
        "url",
        "platform",
        "state",
        "failure",
        "title",
        "embed_url",
        "poster",
        "fetched_at",
    )
    raw_id_fields = ("campaign",)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    list_display = ("title", "campaign", "starts_at", "capacity", "status")
    list_filter = ("status",)
    raw_id_fields = ("campaign", "proposed_by")


@admin.register(Donation)
class DonationAdmin(admin.ModelAdmin[Donation]):
    list_display = ("fundraiser", "amount", "currency", "status", "provider", "created_at")
    list_filter = ("status", "provider")
    raw_id_fields = ("fundraiser", "user", "host")
    readonly_fields = ("idempotency_key", "provider_reference")


@admin.register(InKindPledge)
class InKindPledgeAdmin(admin.ModelAdmin[InKindPledge]):
    list_display = ("partner", "item", "quantity", "unit", "declared_value", "status")
    raw_id_fields = ("fundraiser",)


@admin.register(GuestAction)
class GuestActionAdmin(admin.ModelAdmin[GuestAction]):
    """Staff only: a guest's address is shown to no one else."""

    list_display = (
        "kind",
        "campaign",
        "user",
        "created_at",
        "mailed_at",
        "confirmed_at",
        "network",
    )
    list_filter = ("kind", "confirmed_at", "hear_from_hosts")
    search_fields = ("user__email", "network")
    raw_id_fields = ("campaign", "pledge", "challenge", "event", "user")
    # Marks set by the settle, the outbox and the confirmation, not by hand.
    readonly_fields = ("consent", "network", "settled_at", "mailed_at", "confirmed_at")


@admin.register(SignatureInvalidation)
class SignatureInvalidationAdmin(admin.ModelAdmin[SignatureInvalidation]):
    """Read only: a batch is set aside and restored through its page, which moves the tally;
    an edit here would not."""

    list_display = ("pledge", "count", "actor", "created_at", "restored_at")
    raw_id_fields = ("pledge", "actor", "restored_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
