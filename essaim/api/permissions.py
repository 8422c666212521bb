"""Who may use the API, and for what: pure predicates."""

from essaim.accounts.models import User
from essaim.api.models import AccessToken


def can_use_api(user: User) -> bool:
    """A banned, deactivated or deleted account's tokens stop working at once (they stay
    listed, so that the person sees them when the account comes back)."""
    return user.is_active and user.deleted_at is None and user.banned_at is None


def can_write(user: User, token: AccessToken | None) -> bool:
    """Writes need a write-scoped token (or the site's own session, `token` None), and an
    account that is not suspended: a suspension turns the API read-only."""
    if token is not None and token.scope != AccessToken.Scope.WRITE:
        return False
    return not user.is_suspended
