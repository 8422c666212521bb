import secrets
from typing import ClassVar, Self

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from essaim.accounts.models import User
from essaim.accounts.permissions import can_moderate_instance
from essaim.communities.models import Membership
from essaim.core.models import BaseModel, Moderated, Moderation

COMMUNITY_MANAGERS = [Membership.Role.OWNER, Membership.Role.MODERATOR]
# A consent is read beside a box to tick: a few sentences, not terms and conditions.
CONSENT_MAX_LENGTH = 1000


def new_attribution_code() -> str:
    return secrets.token_urlsafe(6)


def hosts_q(user: User) -> Q:
    """CampaignHost rows `user` speaks for: as a person, or as a manager of a community."""
    managed = Membership.objects.filter(
        user=user, status=Membership.Status.ACTIVE, role__in=COMMUNITY_MANAGERS
    ).values("community_id")
    return Q(user=user) | Q(community_id__in=managed)


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def visible_to(self, user: User | AnonymousUser, *, moderated_too: bool = False) -> Self:
        """The campaigns `user` may see — the one copy of the rule: live and closed ones
        that the moderators left visible, for everyone; any other (a draft, one held, hidden
        or removed) only for its accepted hosts. `moderated_too` (the campaign's page, where
        a case links): the held, hidden and removed ones for the instance's moderators too,
        who read them in place to decide."""
        public = ~Q(status=Campaign.Status.DRAFT) & Q(moderation=Moderation.VISIBLE)
        if not isinstance(user, User):
            return self.filter(public)
        hosted = CampaignHost.objects.filter(
            hosts_q(user), status=CampaignHost.Status.ACCEPTED
        ).values("campaign_id")
        shown = public | Q(pk__in=hosted)
        if moderated_too and can_moderate_instance(user):
            shown |= ~Q(moderation=Moderation.VISIBLE)
        return self.filter(shown)


class CampaignManager(models.Manager["Campaign"]):
    def get_queryset(self) -> CampaignQuerySet:
        return CampaignQuerySet(self.model, using=self._db)

    def visible_to(
        self, user: User | AnonymousUser, *, moderated_too: bool = False
    ) -> CampaignQuerySet:
        return self.get_queryset().visible_to(user, moderated_too=moderated_too)


class Campaign(BaseModel, Moderated):
    """A cause one or many organisers host, carrying any of the one-click actions."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        LIVE = "live", _("Live")
        CLOSED = "closed", _("Closed")

    class Category(models.TextChoices):
        ENVIRONMENT = "environment", _("Environment")
        SOLIDARITY = "solidarity", _("Solidarity")
        REFUGEES = "refugees", _("Refugees")
        HEALTH = "health", _("Health")
        EDUCATION = "education", _("Education")
        RIGHTS = "rights", _("Rights")
        CULTURE = "culture", _("Culture")
        OTHER = "other", _("Other")

    slug = models.SlugField(_("address"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=140)
    summary = models.CharField(_("summary"), max_length=280)
    body = models.TextField(_("text"), max_length=20000, blank=True)
    cover = models.ImageField(_("cover image"), upload_to="covers/%Y/%m/", blank=True)
    # What the cover shows, for people who cannot see it (required with a cover by the forms).
    cover_alt = models.CharField(_("cover description"), max_length=200, blank=True)
    category = models.CharField(_("cause"), max_length=20, choices=Category.choices)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    # What a visitor without an account agrees to when they act with a name and an e-mail;
    # empty: the instance's standard text (campaigns.services.guest.default_consent).
    consent_text = models.TextField(
        _("consent text for visitors"), max_length=CONSENT_MAX_LENGTH, blank=True
    )
    # The instance's staff turn it on for a campaign that draws a flood of machine-sent forms,
    # where CAMPAIGNS_GUEST_PROOF_OF_WORK is off (campaigns.services.proof_of_work).
    guest_proof_of_work = models.BooleanField(
        _("proof of work on forms without an account"),
        default=False,
        help_text=_(
            "Visitors without an account need JavaScript: their browser solves a puzzle "
            "while they type. Always on where the instance asks for it everywhere."
        ),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="campaigns_created"
    )

    objects = CampaignManager()
    # Not a column: who `permissions.campaign_seen_by` found may see this instance (a user's
    # id, 0 for anyone), None until then.
    visible_to_viewer: int | None = None

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="campaign_listing")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("campaigns:detail", kwargs={"slug": self.slug})


class CampaignHost(BaseModel):
    """An organiser of a campaign: a person or a community. Each has its own attribution code,
    so an action is credited to the co-host whose audience brought it."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Co-host")
        DECLINED = "declined", _("Declined")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="hosts")
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, null=True, blank=True, related_name="hosting"
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="hosting",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    code = models.CharField(max_length=16, unique=True, default=new_attribution_code)
    invited_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("co-host")
        verbose_name_plural = _("co-hosts")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, community__isnull=True)
                | Q(user__isnull=True, community__isnull=False),
                name="host_is_a_person_or_a_community",
            ),
            models.UniqueConstraint(
                fields=["campaign", "user"],
                condition=Q(user__isnull=False),
                name="unique_host_user",
            ),
            models.UniqueConstraint(
                fields=["campaign", "community"],
                condition=Q(community__isnull=False),
                name="unique_host_community",
            ),
        ]

    def __str__(self) -> str:
        return f"host {self.pk} of {self.campaign_id}"

    @property
    def name(self) -> str:
        if self.community_id:
            return self.community.name if self.community else ""
        return self.user.display_name if self.user else ""


class CampaignFollow(BaseModel):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="campaign_follows"
    )

    class Meta:
        verbose_name = _("campaign follow")
        verbose_name_plural = _("campaign follows")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="unique_campaign_follow")
        ]


class CampaignUpdate(BaseModel, Moderated):
    """News from the hosts; followers of the campaign see them in their feed."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("update"), max_length=10000)

    class Meta:
        verbose_name = _("campaign update")
        verbose_name_plural = _("campaign updates")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign", "-created_at"], name="campaign_update_list")]

    def __str__(self) -> str:
        return self.body[:50]

    def get_absolute_url(self) -> str:
        return reverse("campaigns:update", kwargs={"slug": self.campaign.slug, "pk": self.pk})


class UpdateComment(BaseModel, Moderated):
    update = models.ForeignKey(CampaignUpdate, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), max_length=5000)

    class Meta:
        verbose_name = _("comment on an update")
        verbose_name_plural = _("comments on updates")
        ordering: ClassVar[list[str]] = ["created_at", "id"]


class UpdateReaction(BaseModel):
    update = models.ForeignKey(CampaignUpdate, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("like of an update")
        verbose_name_plural = _("likes of updates")
        constraints = [
            models.UniqueConstraint(fields=["update", "user"], name="unique_update_reaction")
        ]


class Milestone(BaseModel):
    """A threshold a campaign's count has crossed: recorded once, hosts told once."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(max_length=20)  # "signatures", "participants"...
    threshold = models.PositiveIntegerField()
    # Set by the task that tells the hosts, under a row lock: told once even if it reruns.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind", "threshold"], name="unique_milestone"
            )
        ]
