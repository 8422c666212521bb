from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel


class GuestSignature(BaseModel):
    """A signature given without an account, with a name and an e-mail (the person is a guest
    `User`, or the account the address belongs to). Nothing is counted until the address
    confirms it: the confirmation's POST then signs through `pledge_sign`, the one write path,
    and marks this row `confirmed_at`. It stays as the record of what the signer agreed to;
    unconfirmed, it expires (`services.guest.guests_expire`)."""

    pledge = models.ForeignKey(
        "campaigns.Pledge", on_delete=models.CASCADE, related_name="guest_signatures"
    )
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="guest_signatures"
    )
    # The share link code the signer came through, as it came: handed to `pledge_sign`.
    via = models.CharField(max_length=16, blank=True)
    postcode = models.CharField(_("postcode"), max_length=12, blank=True)
    hear_from_hosts = models.BooleanField(_("agreed to hear from the hosts"), default=False)
    # The consent text as it was shown: the campaign's may change later.
    consent = models.TextField(_("consent given"), max_length=2000)
    # The network the signature came from (an IPv4 /24, an IPv6 /48), never the address: what
    # a moderator selects a suspicious batch by.
    network = models.CharField(max_length=64, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("guest signature")
        verbose_name_plural = _("guest signatures")
        constraints = [
            models.UniqueConstraint(fields=["pledge", "user"], name="unique_guest_signature")
        ]
        indexes = [
            # The expiry's queue: only the unconfirmed ones.
            models.Index(
                fields=["created_at"],
                condition=Q(confirmed_at__isnull=True),
                name="guest_signature_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"guest signature {self.pk} of pledge {self.pledge_id}"
