"""Reports, cases, moderation actions (the audit log), appeals, word and domain filters."""

from typing import ClassVar

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from essaim.core import reportable
from essaim.core.models import BaseModel
from essaim.moderation import reasons


class Reason(models.TextChoices):
    HATE = "hate", _("Hate")
    HARASSMENT = "harassment", _("Harassment")
    SPAM = "spam", _("Spam")
    MISLEADING = "misleading", _("Misleading")
    OTHER = "other", _("Other")


class Case(BaseModel):
    """Everything reported (or caught by a filter) about one piece of content or one person:
    every further report about it merges here."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACTIONED = "actioned", _("Action taken")
        DISMISSED = "dismissed", _("No action")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    # Whose moderators handle it: the content's community; none means the instance's admins.
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="moderation_cases",
    )
    # The person the case is about: the author, or the reported person.
    subject = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="moderation_cases"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # What the content said when it was first reported, so the queue reads the same after an
    # edit or a removal.
    excerpt = models.TextField(max_length=1000, blank=True)
    auto_hidden = models.BooleanField(default=False)
    # Set when a filter or the spam-wave switch opened the case.
    flagged_by = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("moderation case")
        verbose_name_plural = _("moderation cases")
        ordering: ClassVar[list[str]] = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="one_case_per_target"
            )
        ]
        indexes = [models.Index(fields=["community", "status", "-updated_at"], name="case_queue")]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.content_type.model} {self.object_id})"

    @property
    def caught_by(self) -> str:
        """What filter opened it, in the active language."""
        return reasons.caught_by_text(self.flagged_by)

    @property
    def kind_label(self) -> str:
        """The kind in the reader's language ("commentaire")."""
        entry = reportable.of_model(self.content_type.model_class())
        return str(entry.label) if entry else self.content_type.model


class Report(BaseModel):
    """One person's report: once per person and case (reporting again updates it)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    # Whether the reporter counted toward auto-hiding (established, past the new-account
    # level, at the time of the report).
    trusted = models.BooleanField(default=False)
    told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "reporter"], name="one_report_per_person")
        ]

    def __str__(self) -> str:
        return f"report {self.pk} on case {self.case_id}"


class Action(BaseModel):
    """Something a moderator, an admin or the system did: the audit log. Actions within a
    community also form its public log (without reporters' identities)."""

    class Kind(models.TextChoices):
        HIDE = "hide", _("Hidden")
        REMOVE = "remove", _("Removed")
        RESTORE = "restore", _("Restored")
        WARN = "warn", _("Warned")
        SUSPEND = "suspend", _("Suspended")
        BAN_COMMUNITY = "ban_community", _("Banned from the community")
        BAN_INSTANCE = "ban_instance", _("Banned from the instance")
        UNBAN = "unban", _("Ban lifted")
        REOPEN = "reopen", _("Case reopened")
        DISMISS = "dismiss", _("Report dismissed")
        DISPUTED = "disputed", _("Labelled disputed")
        UNDISPUTED = "undisputed", _("Disputed label removed")
        AUTO_HIDE = "auto_hide", _("Hidden automatically after reports")
        HOLD = "hold", _("Held for review")
        APPEAL_UPHELD = "appeal_upheld", _("Appeal rejected, decision upheld")
        APPEAL_OVERTURNED = "appeal_overturned", _("Appeal accepted, decision overturned")
        FILTER = "filter", _("Filter changed")
        SPAM_WAVE = "spam_wave", _("Spam-wave switch changed")
        INVALIDATE = "invalidate", _("Signatures invalidated")
        REVALIDATE = "revalidate", _("Invalidated signatures restored")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # None: the system (a filter, the report threshold).
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="moderation_actions",
    )
    subject = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A moderator's words; the system's reasons are a code with parameters instead (see
    # essaim.moderation.reasons), put into words in each reader's language.
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    reason_code = models.CharField(max_length=40, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    # What was acted on, as keys the logs put into words in each reader's language ("a comment
    # by Inès", "un commentaire d'Inès"): the reportable kind and its author's name then.
    target_kind = models.CharField(max_length=20, blank=True)
    target_name = models.CharField(max_length=200, blank=True)
    # Free words for what is not reportable content (a filter rule, the spam-wave switch), and
    # what actions recorded before target_kind said, in the language of their moment.
    summary = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at"], name="action_log")]

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor_id}"

    @property
    def description(self) -> str:
        """What was acted on, in the active language: "a comment by Inès"."""
        entry = reportable.get(self.target_kind) if self.target_kind else None
        if entry is None:
            return self.summary
        return str(entry.description) % {"name": self.target_name}

    @property
    def reason_text(self) -> str:
        """Why, in the active language: the system's reason put into words, or the
        moderator's own."""
        if self.reason_code:
            return reasons.reason_text(self.reason_code, self.reason_params) or self.reason
        return self.reason


class Appeal(BaseModel):
    """The person a decision was about asks for it to be reviewed; another moderator decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        UPHELD = "upheld", _("Decision upheld")
        OVERTURNED = "overturned", _("Decision overturned")

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="appeals")
    appellant = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="appeals")
    text = models.TextField(_("why the decision should change"), max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(max_length=2000, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["action", "appellant"], name="one_appeal_per_action")
        ]

    def __str__(self) -> str:
        return f"appeal {self.pk}"


class FilterRule(BaseModel):
    """A word or a web domain that blocks a text, holds it for review, or flags it."""

    class Kind(models.TextChoices):
        WORD = "word", _("Word or phrase")
        DOMAIN = "domain", _("Web domain")

    class Effect(models.TextChoices):
        BLOCK = "block", _("Block")
        HOLD = "hold", _("Hold for review")
        FLAG = "flag", _("Flag for moderators")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    pattern = models.CharField(max_length=200)
    effect = models.CharField(max_length=10, choices=Effect.choices)
    language = models.CharField(max_length=5, blank=True, help_text=_("fr, en, or empty: all"))
    reason = models.CharField(max_length=12, choices=Reason.choices, default=Reason.OTHER)

    class Meta:
        verbose_name = _("filter rule")
        verbose_name_plural = _("filter rules")
        ordering: ClassVar[list[str]] = ["kind", "pattern"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "pattern"], name="unique_filter_rule"),
            models.CheckConstraint(condition=~Q(pattern=""), name="filter_pattern_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.pattern} → {self.effect}"


class InstanceSettings(models.Model):
    """The instance's moderation switches: one row."""

    hold_new_accounts = models.BooleanField(
        _("hold every post of new accounts for review (spam wave)"), default=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("instance settings")
        verbose_name_plural = _("instance settings")

    def __str__(self) -> str:
        return "instance settings"

    @classmethod
    def current(cls) -> "InstanceSettings":
        settings, _created = cls.objects.get_or_create(pk=1)
        return settings
