"""The installable web app: its manifest, icons, service worker and offline page.

The service worker is served from the site's root (`/sw.js`) so that its scope is the whole
site; it is a template only to learn the static files' current (hashed) names, which also
makes its text change, and so browsers update it, whenever one of them changes. What it
caches is public: the static files of the shell and the offline page, which shows nobody's
name or token. Pages, answers to POSTs and API calls always go to the network."""

import hashlib
import json
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from essaim.core.icons import INK, SIZES, icon_png

# The colours of the browser's bar and of the splash screen.
THEME_COLOR = INK
BACKGROUND_COLOR = "#fffdf7"
SHELL_STATIC = (
    "essaim/essaim.css",
    "essaim/essaim.js",
    "essaim/pwa.js",
    "essaim/favicon.svg",
    "essaim/bell.svg",
)


def _icons() -> list[dict[str, str]]:
    icons = [
        {
            "src": reverse("core:icon", args=[size]),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any",
        }
        for size in SIZES
    ]
    icons += [
        {
            "src": reverse("core:icon_maskable", args=[size]),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "maskable",
        }
        for size in SIZES
    ]
    icons.append({"src": static("essaim/favicon.svg"), "sizes": "any", "type": "image/svg+xml"})
    return icons


def manifest_data() -> dict[str, Any]:
    """The web app manifest, in the active language (the page's, since the link is relative
    and the browser sends the person's cookie with it)."""
    name = str(settings.SITE_NAME)
    shortcut_icon = [{"src": reverse("core:icon", args=[192]), "sizes": "192x192"}]
    return {
        "id": "/",
        "name": name,
        "short_name": name[:12],
        "description": _("Mobilising becomes as simple as a like."),
        "lang": get_language() or settings.LANGUAGE_CODE,
        "start_url": "/?source=app",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": _icons(),
        "shortcuts": [
            {
                "name": _("My campaigns"),
                "url": reverse("notifications:my_campaigns"),
                "icons": shortcut_icon,
            },
            {
                "name": _("Today's challenge"),
                "url": reverse("notifications:today"),
                "icons": shortcut_icon,
            },
        ],
    }


@require_GET
@cache_control(max_age=3600, private=True)
def manifest(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(manifest_data(), json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


def _icon_response(size: int, *, maskable: bool) -> HttpResponse:
    if size not in SIZES:
        raise Http404
    response = HttpResponse(icon_png(size, maskable=maskable), content_type="image/png")
    response["Cache-Control"] = "public, max-age=604800"
    return response


@require_GET
def icon(request: HttpRequest, size: int) -> HttpResponse:
    return _icon_response(size, maskable=False)


@require_GET
def icon_maskable(request: HttpRequest, size: int) -> HttpResponse:
    return _icon_response(size, maskable=True)


def shell_urls() -> list[str]:
    """What the service worker keeps for offline use: public files only."""
    return [
        reverse("core:offline"),
        *(static(path) for path in SHELL_STATIC),
        *(reverse("core:icon", args=[size]) for size in SIZES),
    ]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    shell = shell_urls()
    # A new version whenever a file of the shell (its hashed name) changes: the browser
    # installs the new worker, which drops the old cache.
    version = hashlib.sha256("\n".join(shell).encode()).hexdigest()[:12]
    body = render_to_string(
        "core/sw.js",
        {
            "config": json.dumps(
                {
                    "version": version,
                    "shell": shell,
                    "offline": reverse("core:offline"),
                    "static": settings.STATIC_URL,
                    "icon": reverse("core:icon", args=[192]),
                }
            )
        },
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    # Browsers check for a new worker at most every 24 hours anyway; no-cache makes them ask.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
# Private: it is in the reader's language, which a shared cache would not tell apart.
@cache_control(max_age=3600, private=True)
def offline(request: HttpRequest) -> HttpResponse:
    """The page the service worker shows when the network is gone: the same for everyone
    (no name, no CSRF token), so it may be cached."""
    return HttpResponse(
        render_to_string(
            "core/offline.html", {"theme_color": THEME_COLOR, "SITE_NAME": settings.SITE_NAME}
        )
    )
