"""Who mobilised whom: share links, their visits, and each campaign's supporters with the
link that brought them, chained into cascades."""

import secrets
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel


def new_link_code() -> str:
    return secrets.token_urlsafe(6)


class ShareLink(BaseModel):
    """A personal link to a campaign (`/r/<code>`). A supporter has one per campaign; a co-host's
    link is their personal link marked with the hosting (a community co-host's has no owner)."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="share_links"
    )
    owner = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="share_links",
    )
    host = models.OneToOneField(
        "campaigns.CampaignHost",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="share_link",
    )
    code = models.CharField(max_length=16, unique=True, default=new_link_code)

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "owner"],
                condition=Q(owner__isnull=False),
                name="unique_share_link_per_person",
            ),
            models.CheckConstraint(
                condition=Q(owner__isnull=False) | Q(host__isnull=False),
                name="share_link_has_an_owner_or_a_host",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class LinkVisit(models.Model):
    """One unique visitor of a link. `visitor` is a keyed hash (of the account, or of the
    address and browser for someone not logged in), never the address itself."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="visits")
    # The link's campaign, repeated so that a campaign's visits are counted from one index.
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    visitor = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("link visit")
        verbose_name_plural = _("link visits")
        constraints = [
            models.UniqueConstraint(fields=["link", "visitor"], name="unique_link_visitor")
        ]

    def __str__(self) -> str:
        return f"visit of {self.link_id}"


class Supporter(models.Model):
    """A person who acted on a campaign, once, with how they came: the campaign's participant
    registry and the node of its cascades. Kept current by the action services, so analytics
    read one table instead of four."""

    class Action(models.TextChoices):
        SIGN = "sign", _("Signed")
        JOIN = "join", _("Joined the challenge")
        RSVP = "rsvp", _("Registered for an event")
        GIVE = "give", _("Gave")

    class Source(models.TextChoices):
        DIRECT = "direct", _("Direct")
        COHOST = "cohost", _("Co-host code")
        LINK = "link", _("Personal link")

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="supporters"
    )
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.DIRECT)
    link = models.ForeignKey(
        ShareLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="supporters"
    )
    # Who brought this person (the link's owner), and where the cascade starts: the first
    # ancestor, who may be a co-host that never acted. generation 0 is a cascade's own root.
    referrer = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The referrer's own supporter record, when the referrer acted too (a co-host may not).
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    root = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    generation = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)
    # The local day of created_at, stored: analytics group by day without converting 200,000
    # timestamps to the local time zone on every look at the dashboard.
    day = models.DateField()

    class Meta:
        verbose_name = _("supporter")
        verbose_name_plural = _("supporters")
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="unique_supporter")
        ]
        indexes = [
            models.Index(fields=["campaign", "referrer"], name="supporter_referrer"),
            # With the generation: a cascade's size and depth read from the index alone.
            models.Index(fields=["campaign", "root", "generation"], name="supporter_root"),
            models.Index(fields=["campaign", "link"], name="supporter_link"),
        ]

    def __str__(self) -> str:
        return f"supporter {self.user_id} of {self.campaign_id}"


class Lineage(models.Model):
    """The closure of the referral trees: one row per (ancestor, descendant) pair with their
    distance, written when a referral is recorded. Everyone downstream of a relay is then one
    indexed count, at any depth, on any database."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    ancestor = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    descendant = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    distance = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("referral lineage")
        verbose_name_plural = _("referral lineages")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "ancestor", "descendant"], name="unique_lineage"
            )
        ]
        indexes = [models.Index(fields=["campaign", "descendant"], name="lineage_descendant")]

    def __str__(self) -> str:
        return f"{self.ancestor_id} → {self.descendant_id}"
