from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel


class Notification(BaseModel):
    """Something a person should know, shown in-app. The text is rendered when it is read, in
    the reader's language, from `kind` and `params` (so changing one's language changes past
    notifications too)."""

    class Kind(models.TextChoices):
        RELAY_MILESTONE = "relay_milestone", _("Your share link worked")
        MODERATION_DECISION = "moderation_decision", _("A moderation decision about you")
        REPORT_OUTCOME = "report_outcome", _("The outcome of your report")
        APPEAL_DECIDED = "appeal_decided", _("Your appeal was decided")

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    # Once per person and key: telling someone twice about the same fact is a bug, and a
    # retried task or a repeated request must not do it.
    key = models.CharField(max_length=120)
    params = models.JSONField(default=dict)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_notification_key")
        ]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"

    @property
    def params_dict(self) -> dict[str, Any]:
        return self.params if isinstance(self.params, dict) else {}
