"""What the instance knows of the fediverse: its own keys, the remote actors it met, who follows
its communities, what it received (to drop a copy and to undo it), and the domains it refuses."""

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel


class LocalActor(BaseModel):
    """The key pair of an actor of this instance: a public community (a `Group`), a person
    who opted in (a `Person`), or the instance itself (an `Application` that signs fetches).
    Made on first use, kept for ever: remote servers cache the public key under its id, and a
    person's row left after they opt out is how their actor answers 410 Gone, not 404."""

    class Kind(models.TextChoices):
        INSTANCE = "instance", _("Instance")
        GROUP = "group", _("Community")
        PERSON = "person", _("Person")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    community = models.OneToOneField(
        "communities.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="federation_actor",
    )
    user = models.OneToOneField(
        "accounts.User",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="federation_actor",
    )
    # A person's handle when their actor was made: their actor's address, which answers 410
    # Gone after they opt out, even once a deleted account's handle was replaced.
    name = models.CharField(max_length=60, blank=True, db_index=True)
    private_key_pem = models.TextField()
    public_key_pem = models.TextField()

    class Meta:
        verbose_name = _("local actor")
        verbose_name_plural = _("local actors")
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind="instance"), name="one_instance_actor"
            ),
            models.CheckConstraint(
                condition=Q(kind="instance", community__isnull=True, user__isnull=True)
                | Q(kind="group", community__isnull=False, user__isnull=True)
                | Q(kind="person", community__isnull=True, user__isnull=False),
                name="local_actor_owner_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.community_id or self.user_id or ''}".strip()


class RemoteActor(BaseModel):
    """An actor of another server, as its document said when last fetched. `user` is the local
    stand-in that its comments and RSVPs are written under (made when it first takes part):
    it has no password and no e-mail that reaches anyone, and starts as a new account."""

    uri = models.URLField(max_length=500, unique=True)
    domain = models.CharField(max_length=255, db_index=True)
    inbox = models.URLField(max_length=500)
    shared_inbox = models.URLField(max_length=500, blank=True)
    key_id = models.URLField(max_length=500, db_index=True)
    public_key_pem = models.TextField()
    username = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=100, blank=True)
    url = models.URLField(max_length=500, blank=True)
    fetched_at = models.DateTimeField()
    user = models.OneToOneField(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="remote_actor",
    )

    class Meta:
        verbose_name = _("remote actor")
        verbose_name_plural = _("remote actors")

    def __str__(self) -> str:
        return self.uri

    @property
    def delivery_inbox(self) -> str:
        return self.shared_inbox or self.inbox


class Follower(BaseModel):
    """A remote actor following a public community or an opted-in person: accepted at once (a
    pending follow would stay pending for ever on Mastodon). `follow_id` is the Follow's id,
    which its Undo names."""

    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="remote_followers",
    )
    person = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="remote_followers",
    )
    actor = models.ForeignKey(RemoteActor, on_delete=models.CASCADE, related_name="follows")
    follow_id = models.URLField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("remote follower")
        verbose_name_plural = _("remote followers")
        constraints = [
            models.UniqueConstraint(fields=["community", "actor"], name="unique_remote_follower"),
            models.UniqueConstraint(
                fields=["person", "actor"], name="unique_remote_follower_of_a_person"
            ),
            models.CheckConstraint(
                condition=Q(community__isnull=False, person__isnull=True)
                | Q(community__isnull=True, person__isnull=False),
                name="follower_follows_one_actor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} follows {self.community_id or f'person {self.person_id}'}"


class ReceivedObject(BaseModel):
    """A remote object that became something here (a reply became a comment, a Join an RSVP),
    so that its Delete or Undo finds it, and a copy delivered twice is written once."""

    uri = models.URLField(max_length=500, unique=True)
    actor = models.ForeignKey(RemoteActor, on_delete=models.CASCADE, related_name="received")
    comment = models.OneToOneField(
        "communities.Comment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="federated_from",
    )
    rsvp = models.ForeignKey(
        "campaigns.Rsvp", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("received object")
        verbose_name_plural = _("received objects")

    def __str__(self) -> str:
        return self.uri


class DomainBlock(BaseModel):
    """A server this instance does not talk to: nothing is accepted from it, nothing is
    delivered to it, its followers are removed. A block covers the subdomains too."""

    domain = models.CharField(_("domain"), max_length=255, unique=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("blocked domain")
        verbose_name_plural = _("blocked domains")
        ordering: ClassVar[list[str]] = ["domain"]

    def __str__(self) -> str:
        return self.domain
