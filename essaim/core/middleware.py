from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from essaim.core.errors import ApplicationError

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


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The admin ships inline scripts of its own; it stays behind staff login.
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
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
        # htmx does not swap 4xx bodies by default; retarget the message to the page's alert area.
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
    return response
