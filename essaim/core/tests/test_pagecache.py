"""The shared page decorator on its own: views of its own, requests built by RequestFactory,
and the real caches (the configured default cache — Redis in the PostgreSQL pass — and the
process's local memory)."""

import itertools
import logging
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.utils import translation

from essaim.core import pagecache
from essaim.core.errors import NotFound
from essaim.core.pagecache import forget, is_shared, page_key, shared_page

PATH = "/pages/une-page/"


class Renders:
    """How many times a view really rendered, and what it answered."""

    def __init__(self) -> None:
        self.count = 0
        self.shared: list[bool] = []

    def page(self, request: HttpRequest) -> HttpResponse:
        self.count += 1
        self.shared.append(is_shared(request))
        return HttpResponse(f"<p>rendering {self.count}</p>")


@pytest.fixture
def renders() -> Renders:
    return Renders()


@pytest.fixture(params=["memory", "redis"])
def shared_cache(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    """Each test runs on local memory and on Redis (when the run has one: REDIS_URL, as in
    the CI's PostgreSQL pass, a database per xdist worker)."""
    if request.param == "redis":
        if not settings.REDIS_URL:
            pytest.skip("needs Redis (REDIS_URL=redis://…)")
    else:
        settings.CACHES = {
            **settings.CACHES,
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        }
    caches["default"].clear()
    yield request.param
    caches["default"].clear()


def visit(
    view: Any,
    *,
    path: str = PATH,
    user: Any = None,
    method: str = "get",
    data: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    request = getattr(RequestFactory(), method)(path, data or {}, headers=headers or {})
    request.user = user or AnonymousUser()
    response: HttpResponse = view(request)
    return response


def test_anonymous_visitors_share_one_rendering(shared_cache: str, renders: Renders) -> None:
    view = shared_page(timeout=60)(renders.page)
    answers = [visit(view) for _visitor in range(3)]
    assert renders.count == 1 and renders.shared == [True]
    assert {answer.content for answer in answers} == {b"<p>rendering 1</p>"}
    assert {answer["Content-Type"] for answer in answers} == {"text/html; charset=utf-8"}
    # Once each process's copy is gone, the copy in the shared cache still serves.
    caches["process"].clear()
    assert visit(view).content == b"<p>rendering 1</p>" and renders.count == 1


@pytest.mark.parametrize(
    "variant",
    [
        {"user": SimpleNamespace(is_authenticated=True)},
        {"data": {"via": "abc"}},
        {"headers": {"Cookie": "messages=x"}},
        {"method": "post"},
    ],
    ids=["logged-in", "share-code", "message-to-show", "post"],
)
def test_a_visit_of_ones_own_is_neither_served_the_copy_nor_kept(
    shared_cache: str, renders: Renders, variant: dict[str, Any]
) -> None:
    view = shared_page(timeout=60)(renders.page)
    visit(view)
    for _visit in range(2):
        assert visit(view, **variant).content != b"<p>rendering 1</p>"
    assert renders.count == 3 and renders.shared == [True, False, False]
    # ...and the shared copy is still the anonymous one.
    assert visit(view).content == b"<p>rendering 1</p>"


def test_each_language_and_htmx_has_its_own_copy(shared_cache: str, renders: Renders) -> None:
    view = shared_page(timeout=60)(renders.page)
    with translation.override("fr"):
        visit(view)
        visit(view, headers={"HX-Request": "true"})
    with translation.override("en"):
        visit(view)
        assert visit(view).content == b"<p>rendering 3</p>"
    assert renders.count == 3


def test_a_page_holding_a_csrf_token_or_a_cookie_is_never_kept(
    shared_cache: str, caplog: pytest.LogCaptureFixture
) -> None:
    def form(request: HttpRequest) -> HttpResponse:
        return HttpResponse(f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">')

    def htmx_headers(request: HttpRequest) -> HttpResponse:
        return HttpResponse(f'<body hx-headers=\'{{"X-CSRFToken": "{get_token(request)}"}}\'>')

    def cookie(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("<p>bonjour</p>")
        response.set_cookie("visitor", str(next(visitors)))
        return response

    visitors = itertools.count()  # not id(request): a freed request's id comes back
    for page in (form, htmx_headers, cookie):
        renders = Renders()

        def counted(request: HttpRequest, page: Any = page, renders: Renders = renders) -> Any:
            renders.page(request)
            return page(request)

        view = shared_page(timeout=60)(counted)
        with caplog.at_level(logging.WARNING, logger="essaim.core.pagecache"):
            first, second = visit(view), visit(view)
        # Each visitor got a page of their own: nothing of the first reached the second.
        assert renders.count == 2, page.__name__
        assert caches["default"].get(page_key(PATH)) is None
        if page is cookie:
            assert first.cookies["visitor"].value != second.cookies["visitor"].value
        else:
            assert first.content != second.content
    assert [record.message for record in caplog.records] == [
        "shared page not kept: it holds a visitor's token or cookie"
    ] * 6


def test_only_a_successful_page_is_kept(shared_cache: str) -> None:
    statuses = iter([500, 302, 200])

    def flaky(request: HttpRequest) -> HttpResponse:
        return HttpResponse("<p>page</p>", status=next(statuses))

    view = shared_page(timeout=60)(flaky)
    assert [visit(view).status_code for _visit in range(4)] == [500, 302, 200, 200]


def test_a_stale_copy_is_served_while_one_visit_renews_it(shared_cache: str) -> None:
    """Two visits at once past the copy's freshness: the first claims the renewal and renders
    (held here until the second has its answer); the second gets the stale copy."""
    rendering = threading.Event()
    release = threading.Event()
    count = 0

    def slow(request: HttpRequest) -> HttpResponse:
        nonlocal count
        count += 1
        if count == 2:
            rendering.set()
            assert release.wait(timeout=30)
        return HttpResponse(f"<p>rendering {count}</p>")

    # timeout 0: every copy is stale at once; no process copy, so each visit asks the
    # shared cache.
    view = shared_page(timeout=0, process_seconds=0)(slow)
    assert visit(view).content == b"<p>rendering 1</p>"
    renewed: list[HttpResponse] = []
    language = translation.get_language()

    def renew() -> None:
        # The active language is the thread's own: the same page is the same language.
        with translation.override(language):
            renewed.append(visit(view))

    renewer = threading.Thread(target=renew)
    renewer.start()
    try:
        assert rendering.wait(timeout=30)
        # The renewal is claimed: everyone else is served the copy, not a rendering each.
        assert [visit(view).content for _visit in range(3)] == [b"<p>rendering 1</p>"] * 3
    finally:
        release.set()
        renewer.join()
    assert renewed[0].content == b"<p>rendering 2</p>" and count == 2
    # The renewal is kept and its claim released: the next stale visit renews again.
    assert visit(view).content == b"<p>rendering 3</p>"


def test_a_copy_past_its_freshness_is_renewed_once(
    shared_cache: str, renders: Renders, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = shared_page(timeout=10, process_seconds=0)(renders.page)
    visit(view)
    assert visit(view).content == b"<p>rendering 1</p>"
    later = pagecache.time.time() + 11
    monkeypatch.setattr(pagecache, "time", SimpleNamespace(time=lambda: later))
    assert [visit(view).content for _visit in range(3)] == [b"<p>rendering 2</p>"] * 3


@pytest.mark.parametrize("error", [NotFound("gone"), Http404("gone")], ids=["NotFound", "404"])
def test_a_page_gone_is_forgotten_in_every_language(
    shared_cache: str, error: Exception, monkeypatch: pytest.MonkeyPatch
) -> None:
    hidden = False

    def campaign(request: HttpRequest) -> HttpResponse:
        if hidden:
            raise error
        return HttpResponse("<p>visible</p>")

    view = shared_page(timeout=10, process_seconds=0)(campaign)
    for language in ("fr", "en"):
        with translation.override(language):
            visit(view)
    hidden = True
    later = pagecache.time.time() + 11
    monkeypatch.setattr(pagecache, "time", SimpleNamespace(time=lambda: later))
    with translation.override("fr"), pytest.raises(type(error)):
        visit(view)
    for language in ("fr", "en"):
        assert caches["default"].get(page_key(PATH, language=language)) is None
        with translation.override(language), pytest.raises(type(error)):
            visit(view)


def test_forget_drops_both_layers(shared_cache: str, renders: Renders) -> None:
    view = shared_page(timeout=60)(renders.page)
    other = shared_page(timeout=60)(renders.page)
    visit(view)
    visit(other, path="/pages/une-autre/")
    forget(PATH)
    assert visit(view).content == b"<p>rendering 3</p>"
    assert visit(other, path="/pages/une-autre/").content == b"<p>rendering 2</p>"


def test_with_redis_down_every_visit_renders_and_none_errs(
    settings: Any, renders: Renders, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing listens on port 1: the fail-soft Redis cache misses, drops its writes and
    # refuses the renewal claim (each visit renders: slower, never an error).
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "essaim.core.cache.FailSoftRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        },
    }
    view = shared_page(timeout=60, process_seconds=0)(renders.page)
    with caplog.at_level(logging.WARNING, logger="essaim.core.cache"):
        answers = [visit(view).content for _visit in range(2)]
    assert answers == [b"<p>rendering 1</p>", b"<p>rendering 2</p>"]
    assert {record.message for record in caplog.records} == {"cache unavailable"}
