"""What the API holds about a person: their access tokens (never the secret, which is not
stored). Deleting the account deletes the tokens."""

from typing import Any

from essaim.accounts.models import User
from essaim.api.models import AccessToken


def export(user: User) -> list[dict[str, Any]]:
    return [
        {
            "name": token.name,
            "scope": token.scope,
            "prefix": token.prefix,
            "created_at": token.created_at.isoformat(),
            "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
            "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        }
        for token in AccessToken.objects.filter(user=user)
    ]


def erase(user: User) -> None:
    AccessToken.objects.filter(user=user).delete()
