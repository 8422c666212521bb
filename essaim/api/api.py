"""API v1: one NinjaAPI, mounted at /api/v1/ (config/urls.py), its OpenAPI schema at
/api/v1/openapi.json and its documentation at /api/v1/docs (Swagger UI served from this
app's static files: ninja is in INSTALLED_APPS, so no CDN is ever asked).

Every error answers `{"detail": "…"}`: domain errors (essaim/core/errors) with their status,
ninja's own (authentication, CSRF, validation) mapped here to the same shape, an unexpected
one as a logged 500 (a database outage as a 503), an unknown address under /api/v1/ as a 404.
What Django itself answers around the API (a wrong method, a 404 outside /api/v1/) is put in
the same shape by essaim/api/middleware.py.
"""

import logging
from functools import partial
from typing import Any

from django.core import signals
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path, resolve, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.parser import Parser
from ninja.types import DictStrAny

from essaim.api.auth import anyone, public
from essaim.api.routers import aid, campaigns, communities, guest, me, places, relay
from essaim.core.errors import ApplicationError, ValidationError
from essaim.core.middleware import database_unavailable
from essaim.core.text import is_storable_data

logger = logging.getLogger(__name__)

UNKNOWN_ADDRESS = "unknown-address"

API_DESCRIPTION = """Essaim's REST API: communities, posts, mutual aid, campaigns and their
one-click actions, referrals and reach analytics.

Authenticate with a personal access token (`Authorization: Bearer essaim_…`), created on your
profile's *Access tokens* page, or, from the site's own pages, with your session and its CSRF
token. Reads of public objects need no authentication (their security lists an empty
alternative), nor does acting without an account (`POST /campaigns/{slug}/guest-actions`:
pending until the visitor confirms by e-mail). Errors are `{"detail": "…"}`, whatever the status.

Gifts (`POST /campaigns/{slug}/fundraiser/donations`) need an `Idempotency-Key` (a UUID): a
retry with the same key and body answers the same gift, the same key with another amount or
anonymity is a 409. No other operation reads that header: creating a listing or a post twice
creates two, so retry those only when no answer came back and check the list first."""


class _Schema(OpenAPISchema):
    def operation_security(self, operation: Operation) -> list[DictStrAny] | None:
        security = super().operation_security(operation)
        # `public` and `anyone` are plain functions (no OpenAPI scheme): OpenAPI says
        # "anonymous too" with an empty requirement, which ninja cannot express by itself.
        if security is not None and {public, anyone} & set(operation.auth_callbacks):
            security.append({})
        return security


class StorableTextParser(Parser):
    """JSON bodies follow the forms' rule (essaim.core.text, checked for forms by
    FormTextMiddleware): a control character or a lone surrogate anywhere in the body, in a
    field no schema reads as well, is a 400 with a sentence before any operation runs."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = super().parse_body(request)
        if not is_storable_data(data):
            raise ValidationError(
                _(
                    "This request holds characters that cannot be stored (control characters "
                    "or lone surrogates): remove them and send it again."
                )
            )
        return data


class EssaimAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: DictStrAny | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return _Schema(self, path_prefix)

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        # Last: an address no operation matches is the API's 404, never the site's HTML page
        # (config/urls.py mounts these patterns, so the catch-all stays inside /api/v1/).
        catch_all = re_path(
            r"^.*$", csrf_exempt(partial(unknown_address, api=self)), name=UNKNOWN_ADDRESS
        )
        return [*patterns, catch_all], app_name, namespace


api = EssaimAPI(
    title="Essaim API",
    version="1.0.0",
    description=API_DESCRIPTION,
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=StorableTextParser(),
)
api.add_router("/", me.router)
api.add_router("/communities", communities.router)
api.add_router("/aid", aid.router)
api.add_router("/campaigns", campaigns.router)
api.add_router("/campaigns", relay.router)
api.add_router("/campaigns", guest.router)
api.add_router("/", places.router)


def _detail(request: HttpRequest, message: str, status: int, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": message, **extra}, status=status)


def unknown_address(request: HttpRequest, api: NinjaAPI) -> HttpResponse:
    # The catch-all also stops CommonMiddleware's APPEND_SLASH redirect (a POST cannot follow
    # it anyway): the answer names the address with its slash instead.
    slashed = f"{request.path_info}/"
    if not request.path_info.endswith("/") and resolve(slashed).url_name != UNKNOWN_ADDRESS:
        message = _("No API operation at this address: did you mean %(address)s?") % {
            "address": f"{request.path}/"
        }
    else:
        docs = reverse(f"{api.urls_namespace}:openapi-view")
        message = _("No API operation at this address: see %(docs)s for the list.") % {"docs": docs}
    return _detail(request, message, 404)


@api.exception_handler(Exception)
def unexpected_error(request: HttpRequest, error: Exception) -> HttpResponse:
    """Any error no more specific handler takes, answered in the API's shape rather than
    re-raised into Django's HTML error pages; a real failure is logged with its traceback and
    reported on Django's `got_request_exception` signal (error trackers listen to it), as
    Django reports a view's error."""
    if isinstance(error, OperationalError | InterfaceError):
        return database_unavailable(request, error)
    if isinstance(error, RequestDataTooBig):
        return _detail(request, _("The request body is too large."), 413)
    if isinstance(error, SuspiciousOperation):
        logger.warning(
            "api suspicious request",
            extra={"path": request.path, "method": request.method, "error": type(error).__name__},
        )
        return _detail(request, _("This request cannot be processed."), 400)
    logger.error(
        "api server error",
        exc_info=error,
        extra={"path": request.path, "method": request.method, "error": type(error).__name__},
    )
    signals.got_request_exception.send(sender=None, request=request)
    return _detail(request, _("Something went wrong on our side; it was logged."), 500)


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
    # ninja wraps whatever the parser raises in "Cannot parse request body": the parser's own
    # refusal keeps its sentence.
    if isinstance(error.__cause__, ApplicationError):
        return application_error(request, error.__cause__)
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
