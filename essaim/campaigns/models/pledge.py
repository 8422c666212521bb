from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel


class Pledge(BaseModel):
    """A petition: sign in one click. The goal climbs a ladder as signatures come in."""

    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="pledge"
    )
    text = models.TextField(_("what people sign"), max_length=5000)
    # Goals the organiser sets, ascending ("100,500,1000"); empty: an automatic ladder.
    goal_ladder = models.CharField(_("goal ladder"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")

    def __str__(self) -> str:
        return f"pledge of {self.campaign_id}"


class Signature(BaseModel):
    """One person's signature. The request that signs writes only this row; the settle
    (`services.settle`) then counts it in the tallies, records the supporter and tells whoever
    listens, and marks it `settled_at`: once, whatever crashes in between."""

    # Neither has an index of its own: every index is one more write for each signature
    # signed and again when it is settled, and `signature_recent` (pledge, -created_at) and
    # the unique (pledge, user) serve every read by pledge or by time.
    created_at = models.DateTimeField(auto_now_add=True)
    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="signatures", db_index=False
    )
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="signatures")
    show_name = models.BooleanField(_("show my name publicly"), default=False)
    # The co-host whose audience brought this signature; NULL when it came directly.
    host = models.ForeignKey(
        "campaigns.CampaignHost", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The share link code the signer came through, as it came: the settle resolves it.
    via = models.CharField(max_length=16, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    # Set aside in a batch (`SignatureInvalidation`): not counted while it is. The signer's
    # row stays, so signing again finds it still set aside.
    invalidation = models.ForeignKey(
        "campaigns.SignatureInvalidation",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="signatures",
        db_index=False,
    )

    class Meta:
        verbose_name = _("pledge signature")
        verbose_name_plural = _("pledge signatures")
        constraints = [models.UniqueConstraint(fields=["pledge", "user"], name="unique_signature")]
        indexes = [
            models.Index(fields=["pledge", "-created_at"], name="signature_recent"),
            # The settle's queue: small, whatever the number of signatures settled.
            models.Index(
                fields=["id"], condition=Q(settled_at__isnull=True), name="signature_unsettled"
            ),
            # The invalidated ones, by batch: none of the others is written to it.
            models.Index(
                fields=["invalidation"],
                condition=Q(invalidation__isnull=False),
                name="signature_invalidated",
            ),
        ]


class SignatureTally(models.Model):
    """The pledge's signature count, split over a few rows: counting a viral petition's
    signatures row by row costs more with every signature, and one counter row would make
    every signer wait for the previous one's commit. The settle adds a batch's signatures to
    one shard in the transaction that marks them settled, so the sum is exactly the settled
    signatures that no invalidation set aside (`services.invalidation` moves the shards
    when it sets a batch aside or restores it)."""

    SHARDS = 64

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="tallies")
    shard = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("signature tally")
        verbose_name_plural = _("signature tallies")
        constraints = [
            models.UniqueConstraint(fields=["pledge", "shard"], name="unique_signature_tally")
        ]

    def __str__(self) -> str:
        return f"tally {self.shard} of pledge {self.pledge_id}"
