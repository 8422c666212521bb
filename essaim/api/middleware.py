"""Resolve a personal access token before the write limits run, and keep every error under
/api/ in the API's `{"detail": …}` shape.

`RateLimitMiddleware` counts writes per account from `request.user`, and runs before the API's
own authentication. This middleware sits between Django's AuthenticationMiddleware and it:
for an API request that carries `Authorization: Bearer …`, the token's owner becomes
`request.user`, so a script's writes count against its owner's limits exactly like the same
person's clicks; the profile language applies as well. A Bearer header that names no live
token leaves the request anonymous: it never falls back on a session cookie.

On the way back, an error that Django answered itself rather than the API (ninja's 405 for a
wrong method, the site's 404 or 500 page for an address outside /api/v1/, a middleware's
HTML page) becomes `{"detail": …}` with the same status, keeping the headers a client acts
on (Allow, Retry-After, WWW-Authenticate).
"""

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from essaim.api.services import token_authenticate

API_PREFIX = "/api/"
BEARER = "bearer"
JSON = "application/json"
# As ninja answers (NinjaAPI.get_content_type).
JSON_UTF8 = "application/json; charset=utf-8"
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def bearer_secret(request: HttpRequest) -> str | None:
    """The secret of an `Authorization: Bearer` header, "" for a malformed one, None without."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _space, secret = header.strip().partition(" ")
    if scheme.lower() != BEARER:
        return None
    return secret.strip()


def error_detail(response: HttpResponse) -> str:
    """A sentence for an error status Django answered: translated for the usual ones, the
    HTTP reason phrase for the rest."""
    status = response.status_code
    if status == 405:
        return _("This method is not allowed here; allowed: %(methods)s.") % {
            "methods": response.get("Allow", "")
        }
    sentences = {
        400: _("This request cannot be processed."),
        403: _("You may not do this."),
        404: _("Not found."),
        413: _("The request body is too large."),
        500: _("Something went wrong on our side; it was logged."),
    }
    return sentences.get(status) or response.reason_phrase


def as_json_error(response: HttpResponse) -> HttpResponse:
    """`response` itself when it is a success or JSON already, else its JSON equivalent."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith(JSON):
        return response
    converted = JsonResponse(
        {"detail": error_detail(response)}, status=response.status_code, content_type=JSON_UTF8
    )
    for header in KEPT_HEADERS:
        if header in response:
            converted[header] = response[header]
    converted.cookies = response.cookies
    return converted


class ApiTokenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        secret = bearer_secret(request)
        if secret is not None:
            token = token_authenticate(secret=secret)
            request.api_token = token  # type: ignore[attr-defined]
            request.user = token.user if token is not None else AnonymousUser()
        return as_json_error(self.get_response(request))
