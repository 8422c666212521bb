"""API v1: one NinjaAPI, mounted at /api/v1/ (config/urls.py), its OpenAPI schema at
/api/v1/openapi.json and its documentation at /api/v1/docs (Swagger UI served from this
app's static files: ninja is in INSTALLED_APPS, so no CDN is ever asked).

Every error answers `{"detail": "…"}`: domain errors (essaim/core/errors) with their status,
ninja's own (authentication, CSRF, validation) mapped here to the same shape.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from essaim.api.routers import aid, campaigns, communities, me, relay
from essaim.core.errors import ApplicationError

API_DESCRIPTION = """Essaim's REST API: communities, posts, mutual aid, campaigns and their
one-click actions, referrals and reach analytics.

Authenticate with a personal access token (`Authorization: Bearer essaim_…`), created on your
profile's *Access tokens* page, or, from the site's own pages, with your session and its CSRF
token. Reads of public objects need no authentication. Errors are `{"detail": "…"}`."""

api = NinjaAPI(
    title="Essaim API",
    version="1.0.0",
    description=API_DESCRIPTION,
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/", me.router)
api.add_router("/communities", communities.router)
api.add_router("/aid", aid.router)
api.add_router("/campaigns", campaigns.router)
api.add_router("/campaigns", relay.router)


def _detail(request: HttpRequest, message: str, status: int, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": message, **extra}, status=status)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    return _detail(request, error.message, error.status_code, **error.extra)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    # ninja's own "Unauthorized" (no callback accepted the request) becomes a sentence.
    message = error.message
    if message == "Unauthorized":
        message = _("Log in, or send a personal access token (Authorization: Bearer …).")
    response = _detail(request, message, 401)
    response["WWW-Authenticate"] = 'Bearer realm="essaim"'
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    message = str(error)
    if message == "CSRF check Failed":
        message = _("The CSRF check failed: send the X-CSRFToken header with a session.")
    return _detail(request, message, error.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return _detail(request, _("Not found."), 404)


def _field(location: list[Any]) -> str:
    # ninja prefixes the part of the request: ["body", "data", "amount"] → "amount".
    parts = [str(part) for part in location if part not in {"body", "query", "path", "header"}]
    if parts and parts[0] in {"data", "filters"}:
        parts = parts[1:]
    return ".".join(parts)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    problems = [
        {"field": _field(list(item.get("loc", []))), "message": str(item.get("msg", ""))}
        for item in error.errors
    ]
    fields = ", ".join(sorted({problem["field"] for problem in problems if problem["field"]}))
    message = (
        _("Invalid input: %(fields)s.") % {"fields": fields} if fields else _("Invalid input.")
    )
    return _detail(request, message, 422, errors=problems)
