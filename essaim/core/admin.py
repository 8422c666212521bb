from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from essaim.core import outbox
from essaim.core.models import OutboxMessage

# The admin says the instance's name (SITE_NAME), not "Django administration".
admin.site.site_header = admin.site.site_title = settings.SITE_NAME


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin[OutboxMessage]):
    """What is leaving the instance, what waits and what failed. Read-only: messages change
    state through the outbox's own functions (the actions), never by editing a field under a
    sender's feet."""

    list_display = (
        "pk",
        "channel",
        "state",
        "attempts",
        "due_at",
        "lease_until",
        "last_error",
        "created_at",
        "sent_at",
    )
    list_filter = ("channel", "state")
    search_fields = ("=id", "last_error")
    ordering = ("-id",)
    readonly_fields = (
        "channel",
        "payload",
        "state",
        "due_at",
        "attempts",
        "lease_owner",
        "lease_until",
        "last_error",
        "created_at",
        "updated_at",
        "sent_at",
    )
    actions = ("retry_now", "hold", "release")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Retry now"), permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = outbox.retry_now(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d message will be sent again now.",
                "%(count)d messages will be sent again now.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Hold"), permissions=["change"])
    def hold(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = outbox.hold(queryset, reason=str(_("Held by an administrator")))
        self.message_user(
            request,
            ngettext(
                "%(count)d pending message is held.",
                "%(count)d pending messages are held.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Release"), permissions=["change"])
    def release(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = outbox.release(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d held message is released.",
                "%(count)d held messages are released.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
