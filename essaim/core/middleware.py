import logging
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.translation import gettext as _

from essaim.core.errors import ApplicationError, ValidationError
from essaim.core.places import tile_origin
from essaim.core.text import is_storable
from essaim.core.video import player_origins

logger = logging.getLogger(__name__)

# No inline scripts or styles anywhere: every script is a static file served by the app.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def content_security_policy() -> str:
    """The policy, with the map's tile server among the image sources when there is one, and
    the allowed video platforms' players as the only other site's frames (a campaign's
    video); the site's own pages may be framed by its own (the widget's preview on a
    campaign's page). Built once per value of the settings it reads, not on every response."""
    return _policy(
        settings.MAP_TILE_URL,
        tuple(settings.VIDEO_PLATFORMS),
        tuple(settings.VIDEO_PEERTUBE_HOSTS),
    )


@lru_cache(maxsize=8)
def _policy(
    tile_url: str, video_platforms: tuple[str, ...], peertube_hosts: tuple[str, ...]
) -> str:
    """The settings are the cache's key; `tile_origin` and `player_origins` read them."""
    policy = CONTENT_SECURITY_POLICY
    origin = tile_origin()
    if origin:
        policy = policy.replace(
            "img-src 'self' data: blob:", f"img-src 'self' data: blob: {origin}"
        )
    frames = " ".join(["'self'", *player_origins()])
    return f"{policy}; frame-src {frames}"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The admin ships inline scripts of its own; it stays behind staff login.
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", content_security_policy())
        return response


def wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


class ApplicationErrorMiddleware:
    """Turns a domain error that escaped a view into a clear 4xx, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError):
            return None
        return error_response(request, exception)


def error_response(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    if wants_json(request) or request.path.startswith("/api/"):
        return JsonResponse({"detail": error.message, **error.extra}, status=error.status_code)
    template = "core/error_fragment.html" if getattr(request, "htmx", False) else "core/error.html"
    response = render(
        request,
        template,
        {"message": error.message, "status": error.status_code, "debug": settings.DEBUG},
        status=error.status_code,
    )
    if getattr(request, "htmx", False):
        # The message goes to the page's alert area; htmx swaps no 4xx by default, essaim.js
        # swaps an error answer that names its target.
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def database_unavailable(request: HttpRequest, error: Exception) -> HttpResponse:
    """While the database restarts or fails over: a clear 503 with Retry-After, never a
    traceback. Django reconnects by itself on the next request (CONN_HEALTH_CHECKS)."""
    logger.warning("database unavailable", extra={"path": request.path, "error": str(error)[:200]})
    message = _("The service is briefly unavailable; please try again in a few seconds.")
    if wants_json(request) or request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        # No template: rendering one could need the database (sessions, messages).
        response = HttpResponse(
            f"<!doctype html><title>503</title><p>{escape(message)}</p>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = "5"
    return response


class DatabaseUnavailableMiddleware:
    """A view that meets a database outage answers 503 (see `database_unavailable`); an outage
    met earlier, by a middleware (sessions, log-in), reaches `essaim.core.views.server_error`,
    which answers the same."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            return database_unavailable(request, exception)
        return None


FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


class FormTextMiddleware:
    """Refuses (400, nothing stored) a form post with a value that is not storable text (see
    `essaim.core.text`): one check for every form, the site's, allauth's and the admin's,
    before the view reads it, as Django's forms refuse NUL bytes. Views exempt from CSRF
    (payment and webhook receivers) read their raw body and are left alone: what a machine
    signs is not a form a person typed, and reading the form would consume the body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[object, ...],
        view_kwargs: dict[str, object],
    ) -> HttpResponse | None:
        if request.method != "POST" or request.content_type not in FORM_CONTENT_TYPES:
            return None
        if getattr(view_func, "csrf_exempt", False):
            return None
        texts = [
            text
            for key, values in request.POST.lists()
            for text in (key, *(str(value) for value in values))
        ]
        if all(is_storable(text) for text in texts):
            return None
        error = ValidationError(
            _(
                "This form holds characters that cannot be stored (control "
                "characters or text that is not UTF-8): remove them and send it again."
            )
        )
        return error_response(request, error)
