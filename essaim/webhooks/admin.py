from django.contrib import admin

from essaim.webhooks.models import Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = (
        "url",
        "campaign",
        "active",
        "consecutive_failures",
        "failing_since",
        "created_at",
    )
    list_filter = ("active",)
    raw_id_fields = ("campaign", "created_by")
    exclude = ("secret", "previous_secret")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("event_id", "endpoint", "status", "attempts", "response_status", "created_at")
    list_filter = ("event_type",)  # states: the outbox messages' page
    list_select_related = ("endpoint", "message")
    raw_id_fields = ("endpoint", "message")
    readonly_fields = ("uuid", "payload")
