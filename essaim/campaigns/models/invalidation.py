from django.db import models
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel


class SignatureInvalidation(BaseModel):
    """A batch of a pledge's signatures that a host or a moderator set aside as suspicious
    (`services.invalidation`), as the UK e-petitions site does: they stay in the database but
    no longer count, until the batch is restored. The criteria are kept as they were given,
    so the audit says what was selected, not only how many."""

    pledge = models.ForeignKey(
        "campaigns.Pledge", on_delete=models.CASCADE, related_name="invalidations"
    )
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=2000)
    # The criteria; an empty one selected on nothing.
    email_domain = models.CharField(_("e-mail domain"), max_length=253, blank=True)
    signed_from = models.DateTimeField(_("signed from"), null=True, blank=True)
    signed_until = models.DateTimeField(_("signed until"), null=True, blank=True)
    network = models.CharField(_("network"), max_length=64, blank=True)
    # How many signatures the batch set aside when it was made.
    count = models.PositiveIntegerField(default=0)
    # The form's one-time key: the same form sent twice (a double click, a retried post) makes
    # one batch.
    key = models.CharField(max_length=64)
    restored_at = models.DateTimeField(null=True, blank=True)
    restored_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("signature invalidation")
        verbose_name_plural = _("signature invalidations")
        constraints = [
            models.UniqueConstraint(fields=["pledge", "key"], name="unique_invalidation_key")
        ]

    def __str__(self) -> str:
        return f"invalidation {self.pk} of pledge {self.pledge_id}"

    @property
    def is_active(self) -> bool:
        return self.restored_at is None
