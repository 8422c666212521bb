"""Personal access tokens: creation (the secret is returned once), revocation, and
authentication of a presented secret."""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from essaim.accounts.models import User
from essaim.api import permissions
from essaim.api.models import AccessToken
from essaim.core.errors import Conflict, NotFound, ValidationError

logger = logging.getLogger(__name__)

# A recognisable start lets secret scanners (and people) tell an Essaim token from other keys.
SECRET_START = "essaim_"  # noqa: S105 - a public marker, not a secret
SECRET_BYTES = 32  # 256 bits: a hash without salt or stretching is then safe to store
PREFIX_LENGTH = len(SECRET_START) + 6
MAX_SECRET_LENGTH = 128
NAME_MAX_LENGTH = 60
MAX_LIVE_TOKENS = 20
# last_used_at is written at most this often per token: a script's every call is not a write.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class CreatedToken:
    token: AccessToken
    secret: str


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, user: User, name: str, scope: str) -> CreatedToken:
    """A new token for `user`. The returned secret is the only copy there will ever be.

    Locks the owner's user row (select_for_update) while counting the live tokens."""
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the token a name."))
    if len(name) > NAME_MAX_LENGTH or "\x00" in name:
        raise ValidationError(_("This name is too long."))
    if scope not in AccessToken.Scope.values:
        raise ValidationError(_("Choose a scope: read only, or read and write."))
    if not permissions.can_use_api(user):
        raise NotFound(_("This person does not exist."))
    secret = SECRET_START + secrets.token_urlsafe(SECRET_BYTES)
    try:
        with transaction.atomic():
            # The owner's row is the lock: two creations at once count one after the other,
            # so the cap is exact (counting alone would let both through at 19).
            User.objects.select_for_update().only("pk").get(pk=user.pk)
            live = AccessToken.objects.filter(user=user, revoked_at__isnull=True)
            if live.count() >= MAX_LIVE_TOKENS:
                raise ValidationError(
                    ngettext(
                        "You have %(count)d token: revoke it before creating another.",
                        "You have %(count)d tokens: revoke one before creating another.",
                        MAX_LIVE_TOKENS,
                    )
                    % {"count": MAX_LIVE_TOKENS}
                )
            token = AccessToken.objects.create(
                user=user,
                name=name,
                scope=scope,
                prefix=secret[:PREFIX_LENGTH],
                secret_hash=secret_hash(secret),
            )
    except IntegrityError as error:
        raise Conflict(_("You already have a token with this name.")) from error
    logger.info("access token created", extra={"user_id": user.pk, "token_id": token.pk})
    return CreatedToken(token=token, secret=secret)


def token_revoke(*, actor: User, token: AccessToken) -> AccessToken:
    """Revoke at once; revoking a revoked token changes nothing."""
    if token.user_id != actor.pk:
        raise NotFound(_("This token does not exist."))
    AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), updated_at=timezone.now()
    )
    token.refresh_from_db()
    logger.info("access token revoked", extra={"user_id": actor.pk, "token_id": token.pk})
    return token


def token_authenticate(*, secret: str) -> AccessToken | None:
    """The live token whose secret this is, with its user, if that user may use the API;
    else None. Records when the token was last used (to the minute)."""
    if not secret.startswith(SECRET_START) or len(secret) > MAX_SECRET_LENGTH:
        return None
    token = (
        AccessToken.objects.select_related("user")
        .filter(secret_hash=secret_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not permissions.can_use_api(token.user):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        AccessToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION),
            pk=token.pk,
        ).update(last_used_at=now)
        token.last_used_at = now
    return token
