"""The shared page: one rendering of a page served to every anonymous visitor, so the crowd
of a viral spike costs one cache read a visit instead of a rendering.

    @shared_page(timeout=10)
    def campaign_detail(request, slug): ...

A visit is shared when it is the same for everyone: an anonymous GET without a query string
(a share code to remember) nor a one-off message to show. Its page is kept in two layers:

- the default cache (Redis in production), shared by every app server: `(content, content
  type, rendered at)`, kept `stale` seconds;
- each process's own copy (`CACHES["process"]`, local memory) for `process_seconds`, so the
  hottest pages are served without even a round trip to Redis.

Once the shared copy is older than `timeout`, the first visit to claim the renewal (an atomic
`add` in the shared cache) renders the page afresh while every other visit is still served
the copy: no stampede of every app server rendering at once. A renewer that dies lets the
claim lapse after `claim_seconds`.

A shared page must hold nothing of one visitor: the templates leave out the CSRF token when
`is_shared(request)` (the `shared_page` context variable in base.html), and a rendering that
still carries a token or sets a cookie is served to its visitor but never kept. A page that
answers 404 (hidden, removed) has its copies forgotten in every language at once.
"""

import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language

from essaim.core.errors import NotFound
from essaim.core.site import site_origin

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]

# Bumped when the stored shape changes: a rolling deploy's old and new app servers must not
# read each other's copies.
KEY_VERSION = 3
SHARED_ATTRIBUTE = "essaim_shared_page"
# What a rendering carries when a form's CSRF token crept into it.
TOKEN_MARKERS = ("csrfmiddlewaretoken", "X-CSRFToken")
# The two layers, by cache alias.
SHARED_CACHE = "default"
PROCESS_CACHE = "process"


# Cookies that make a visit one visitor's own: the one-off messages, and those the domains
# name (`personal_cookie`), e.g. campaigns' record of what a guest did in this browser.
_personal_cookies: set[str] = {"messages"}


def personal_cookie(name: str) -> None:
    """A visitor carrying cookie `name` sees a page of their own, never the shared one (a
    domain calls this in its AppConfig.ready())."""
    _personal_cookies.add(name)


def shared_visit(request: HttpRequest) -> bool:
    """A visit whose page is the same for everyone: not logged in, no share code to remember,
    no one-off message nor anything else of the visitor's own to show."""
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and not request.GET
        and _personal_cookies.isdisjoint(request.COOKIES)
    )


def is_shared(request: HttpRequest) -> bool:
    """Whether this request's page is rendered for everyone (a `shared_page` view, a shared
    visit): its templates must then hold no token nor anything else of the visitor's."""
    return bool(getattr(request, SHARED_ATTRIBUTE, False))


def page_key(path: str, *, language: str | None = None, htmx: bool = False) -> str:
    variant = "htmx" if htmx else "page"
    # The page's links carry the site's address, which in development follows the request's
    # (essaim.core.site); in production it is one setting, so one copy.
    origin = site_origin()
    return f"shared-page:v{KEY_VERSION}:{path}:{language or get_language()}:{variant}:{origin}"


def forget(path: str) -> None:
    """Drop the shared copies of the page at `path` in every language: the next visit renders
    it. Other processes' own copies still live out their `process_seconds`."""
    keys = [
        page_key(path, language=code, htmx=htmx)
        for code, _name in settings.LANGUAGES
        for htmx in (False, True)
    ]
    caches[SHARED_CACHE].delete_many(keys)
    caches[PROCESS_CACHE].delete_many(keys)


def _carries_a_visitor(response: HttpResponse) -> bool:
    if response.cookies:
        return True
    content = response.content.decode(response.charset or "utf-8", errors="replace")
    return any(marker in content for marker in TOKEN_MARKERS)


class _SharedPage:
    def __init__(
        self, *, timeout: int, stale: int, process_seconds: int, claim_seconds: int
    ) -> None:
        self.timeout = timeout
        self.stale = stale
        self.process_seconds = process_seconds
        self.claim_seconds = claim_seconds

    def served_copy(self, key: str) -> HttpResponse | None:
        """The copy to serve, or None when this visit must render the page (no copy, or a
        stale one whose renewal this visit has just claimed)."""
        kept = caches[PROCESS_CACHE].get(key)
        if kept is None:
            stored = caches[SHARED_CACHE].get(key)
            if stored is None:
                return None
            content, content_type, rendered_at = stored
            if time.time() - rendered_at >= self.timeout and caches[SHARED_CACHE].add(
                f"{key}:renewing", 1, self.claim_seconds
            ):
                return None
            kept = (content, content_type)
            caches[PROCESS_CACHE].set(key, kept, self.process_seconds)
        content, content_type = kept
        return HttpResponse(content, content_type=content_type)

    def keep(self, request: HttpRequest, key: str, response: HttpResponse) -> None:
        if response.status_code != 200 or response.streaming:
            return
        if _carries_a_visitor(response):
            # Sharing it would hand this visitor's token or cookie to everyone: it is served
            # to this visitor only.
            logger.warning(
                "shared page not kept: it holds a visitor's token or cookie",
                extra={"path": request.path},
            )
            return
        content_type = response["Content-Type"]
        caches[SHARED_CACHE].set(key, (response.content, content_type, time.time()), self.stale)
        caches[SHARED_CACHE].delete(f"{key}:renewing")
        caches[PROCESS_CACHE].set(key, (response.content, content_type), self.process_seconds)

    def __call__(self, view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            shared = shared_visit(request)
            setattr(request, SHARED_ATTRIBUTE, shared)
            if not shared:
                return view(request, *args, **kwargs)
            key = page_key(request.path, htmx=request.headers.get("HX-Request") == "true")
            copy = self.served_copy(key)
            if copy is not None:
                return copy
            try:
                response = view(request, *args, **kwargs)
            except (Http404, NotFound):
                # Hidden or removed since the copy was made: no copy of it is served again.
                forget(request.path)
                raise
            if response.status_code == 404:
                forget(request.path)
            self.keep(request, key, response)
            return response

        return wrapper


def shared_page(
    *, timeout: int, stale: int = 60, process_seconds: int = 2, claim_seconds: int = 10
) -> Callable[[View], View]:
    """Serve the page of a shared visit from one rendering, renewed every `timeout` seconds
    (how long anonymous visitors may see counts that lag). A copy older than `stale` seconds
    is not served at all; each process keeps its own for `process_seconds` (0: none)."""
    return _SharedPage(
        timeout=timeout,
        stale=stale,
        process_seconds=process_seconds,
        claim_seconds=claim_seconds,
    )
