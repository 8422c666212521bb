from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from essaim.accounts.models import User
from essaim.moderation import reasons
from essaim.moderation.models import Action, Appeal, Case, FilterRule, InstanceSettings, Report
from essaim.moderation.screening import rules_changed
from essaim.moderation.services import audit


@admin.register(FilterRule)
class FilterRuleAdmin(admin.ModelAdmin[FilterRule]):
    """Admins edit the word and domain lists here; every change lands in the audit log."""

    list_display = ("pattern", "kind", "effect", "reason", "language")
    list_filter = ("kind", "effect", "reason", "language")
    search_fields = ("pattern",)

    def save_model(self, request: HttpRequest, obj: FilterRule, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        rules_changed()
        assert isinstance(request.user, User)
        audit(
            actor=request.user, kind=Action.Kind.FILTER, summary=f"{'~' if change else '+'} {obj}"
        )

    def delete_model(self, request: HttpRequest, obj: FilterRule) -> None:
        summary = f"- {obj}"
        super().delete_model(request, obj)
        rules_changed()
        assert isinstance(request.user, User)
        audit(actor=request.user, kind=Action.Kind.FILTER, summary=summary)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        summaries = [f"- {rule}" for rule in queryset]
        super().delete_queryset(request, queryset)
        rules_changed()
        assert isinstance(request.user, User)
        for summary in summaries:
            audit(actor=request.user, kind=Action.Kind.FILTER, summary=summary)


@admin.register(InstanceSettings)
class InstanceSettingsAdmin(admin.ModelAdmin[InstanceSettings]):
    list_display = ("hold_new_accounts", "updated_at")

    def save_model(
        self, request: HttpRequest, obj: InstanceSettings, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        assert isinstance(request.user, User)
        audit(
            actor=request.user,
            kind=Action.Kind.SPAM_WAVE,
            reason_code=reasons.SPAM_WAVE_ON if obj.hold_new_accounts else reasons.SPAM_WAVE_OFF,
        )


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin[Case]):
    list_display = ("pk", "content_type", "object_id", "community", "subject", "status")
    list_filter = ("status", "content_type")
    raw_id_fields = ("community", "subject")


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin[Action]):
    """The audit log: read only."""

    list_display = ("created_at", "kind", "actor", "subject", "community", "description")
    list_filter = ("kind",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


admin.site.register(Report)
admin.site.register(Appeal)
