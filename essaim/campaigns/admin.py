from django.contrib import admin

from essaim.campaigns.models import (
    Campaign,
    CampaignHost,
    Donation,
    Event,
    GuestSignature,
    InKindPledge,
)


class HostInline(admin.TabularInline[CampaignHost, Campaign]):
    model = CampaignHost
    raw_id_fields = ("user", "community", "invited_by")
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin[Campaign]):
    list_display = ("title", "category", "status", "created_at")
    list_filter = ("status", "category")
    search_fields = ("title", "summary")
    raw_id_fields = ("created_by",)
    inlines = (HostInline,)


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


@admin.register(GuestSignature)
class GuestSignatureAdmin(admin.ModelAdmin[GuestSignature]):
    """Staff only: a guest's address is shown to no one else."""

    list_display = ("pledge", "user", "created_at", "mailed_at", "confirmed_at", "network")
    list_filter = ("confirmed_at", "hear_from_hosts")
    search_fields = ("user__email", "network")
    raw_id_fields = ("pledge", "user")
    readonly_fields = ("consent", "network", "mailed_at", "confirmed_at")
