"""How the API knows who is calling: a personal access token (`Authorization: Bearer …`), or
the site's own session (with its CSRF token on writes), or nobody for public reads.

Every operation's authentication returns a `Caller`; writes also check the token's scope and
the account's standing here, once, before any endpoint code runs.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.security.base import SecuritySchema

from essaim.accounts.models import User
from essaim.api import permissions
from essaim.api.middleware import bearer_secret
from essaim.api.models import AccessToken
from essaim.api.services import token_authenticate

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Caller:
    user: User | AnonymousUser
    token: AccessToken | None = None


def _checked(request: HttpRequest, caller: Caller) -> Caller:
    """Refuse a write the caller may not make: 403, never a silent read-only success."""
    if request.method in SAFE_METHODS or not isinstance(caller.user, User):
        return caller
    if not permissions.can_write(caller.user, caller.token):
        if caller.user.is_suspended:
            raise HttpError(403, _("Your account is suspended: you cannot write until then."))
        raise HttpError(403, _("This token is read-only: create a read and write token."))
    return caller


class TokenAuth(HttpBearer):
    """A personal access token, created and revoked on the profile's token page."""

    def __call__(self, request: HttpRequest) -> Caller | None:
        secret = bearer_secret(request)
        if secret is None:
            return None
        return self.authenticate(request, secret)

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        # ApiTokenMiddleware has usually resolved it already (for the write limits).
        if hasattr(request, "api_token"):
            access: AccessToken | None = request.api_token
        else:
            access = token_authenticate(secret=token)
        if access is None:
            # A wrong token is an error, not an anonymous visit: a script must learn at once
            # that its token was revoked.
            raise AuthenticationError(401, _("This access token is not valid or was revoked."))
        return _checked(request, Caller(user=access.user, token=access))


class SessionAuth(APIKeyCookie):
    """The site's own pages calling the API with the visitor's session: writes need the CSRF
    token (X-CSRFToken header), as any form of the site does."""

    def __init__(self) -> None:
        super().__init__(csrf=True)

    # Read on each request (and each schema), not once at import: settings may change after
    # (tests override them; the schema documents the cookie actually read).
    @property
    def param_name(self) -> str:  # type: ignore[override]
        return settings.SESSION_COOKIE_NAME

    @property
    def openapi_security_schema(self) -> SecuritySchema:
        return SecuritySchema(
            type=self.openapi_type, name=self.param_name, **{"in": self.openapi_in}
        )

    @openapi_security_schema.setter
    def openapi_security_schema(self, computed_at_import: SecuritySchema) -> None:
        """AuthBase stores the schema once, at import: it is computed on each read instead."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if bearer_secret(request) is not None or not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        user = request.user
        if not isinstance(user, User) or not permissions.can_use_api(user):
            return None
        return _checked(request, Caller(user=user))


def public(request: HttpRequest) -> Caller | None:
    """Anyone may read what the pages show to anyone (no OpenAPI scheme: a plain function)."""
    if request.method in SAFE_METHODS and bearer_secret(request) is None:
        return Caller(user=AnonymousUser())
    return None


def anyone(request: HttpRequest) -> Caller:
    """Operations for visitors without an account (routers/guest.py): no credentials are
    read, and the operation itself turns away a caller who sent some."""
    return Caller(user=AnonymousUser())


READ = [TokenAuth(), SessionAuth(), public]
WRITE = [TokenAuth(), SessionAuth()]
# Reads that need an account (one's own data): the same callbacks, the method decides.
SIGNED_IN = WRITE


def caller_of(request: HttpRequest) -> Caller:
    auth = getattr(request, "auth", None)
    assert isinstance(auth, Caller)
    return auth


def viewer(request: HttpRequest) -> User | AnonymousUser:
    return caller_of(request).user


def actor(request: HttpRequest) -> User:
    """The authenticated person behind a write (WRITE operations only)."""
    user = caller_of(request).user
    assert isinstance(user, User)
    return user
