"""Resolve a personal access token before the write limits run.

`RateLimitMiddleware` counts writes per account from `request.user`, and runs before the API's
own authentication. This middleware sits between Django's AuthenticationMiddleware and it:
for an API request that carries `Authorization: Bearer …`, the token's owner becomes
`request.user`, so a script's writes count against its owner's limits exactly like the same
person's clicks; the profile language applies as well. A Bearer header that names no live
token leaves the request anonymous: it never falls back on a session cookie.
"""

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from essaim.api.services import token_authenticate

API_PREFIX = "/api/"
BEARER = "bearer"


def bearer_secret(request: HttpRequest) -> str | None:
    """The secret of an `Authorization: Bearer` header, "" for a malformed one, None without."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _space, secret = header.strip().partition(" ")
    if scheme.lower() != BEARER:
        return None
    return secret.strip()


class ApiTokenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            secret = bearer_secret(request)
            if secret is not None:
                token = token_authenticate(secret=secret)
                request.api_token = token  # type: ignore[attr-defined]
                request.user = token.user if token is not None else AnonymousUser()
        return self.get_response(request)
