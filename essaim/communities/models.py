import secrets
from typing import ClassVar

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel, Moderated, Placed


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Community(BaseModel, Placed):
    """A group of people who help each other. Private ones show outsiders their name alone (and
    none of their place: `city` and the point are for members)."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        PRIVATE = "private", _("Private")

    class JoinMode(models.TextChoices):
        OPEN = "open", _("Open to all")
        APPROVAL = "approval", _("On approval")
        INVITATION = "invitation", _("By invitation link")

    slug = models.SlugField(_("address"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    charter = models.TextField(_("charter"), max_length=10000, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    cover = models.ImageField(_("cover image"), upload_to="covers/%Y/%m/", blank=True)
    cover_alt = models.CharField(_("cover description"), max_length=200, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    join_mode = models.CharField(
        _("how people join"), max_length=10, choices=JoinMode.choices, default=JoinMode.OPEN
    )
    # Whoever holds the link may join an invitation-only community; owners can rotate it.
    invitation_token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="communities_created"
    )

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering: ClassVar[list[str]] = ["name"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="community_point")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:detail", kwargs={"slug": self.slug})

    @property
    def is_private(self) -> bool:
        return self.visibility == self.Visibility.PRIVATE


class Membership(BaseModel):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MODERATOR = "moderator", _("Moderator")
        MEMBER = "member", _("Member")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Member")
        PENDING = "pending", _("Awaiting approval")
        BANNED = "banned", _("Banned")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="unique_membership"),
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.community_id} ({self.role}, {self.status})"


class CommunityFollow(BaseModel):
    """Following a community puts its public posts in one's feed without joining it."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="community_follows"
    )

    class Meta:
        verbose_name = _("community follow")
        verbose_name_plural = _("community follows")
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="unique_community_follow"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.community_id}"


class Post(BaseModel, Moderated):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="posts")
    # PROTECT: deleting an account anonymises it; the posts stay.
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="posts")
    body = models.TextField(_("message"), max_length=10000)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "-created_at", "-id"]),
            models.Index(fields=["author", "-created_at", "-id"]),
        ]

    def __str__(self) -> str:
        return self.body[:50]

    def get_absolute_url(self) -> str:
        return reverse("communities:post", kwargs={"slug": self.community.slug, "pk": self.pk})


class Comment(BaseModel, Moderated):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="comments")
    body = models.TextField(_("comment"), max_length=5000)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering: ClassVar[list[str]] = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:50]


class PostReaction(BaseModel):
    """A like: once per person and post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="post_reactions"
    )

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="unique_post_reaction"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.post_id}"
