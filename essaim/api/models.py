from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel


class AccessToken(BaseModel):
    """A personal access token for the REST API. Only a SHA-256 of the secret is kept: the
    secret itself is shown once, when the token is created, and cannot be read back."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(_("name"), max_length=60)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices, default=Scope.READ)
    # The first characters of the secret, shown in the token list so that a person can tell
    # which token a script uses; too short to help anyone guess the rest.
    prefix = models.CharField(max_length=16)
    secret_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints = [
            # A revoked token frees its name: "laptop" can be created again after a rotation.
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(revoked_at__isnull=True),
                name="unique_live_token_name",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="token_owner")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
