"""The browser harness itself: its watch must see what it promises to fail tests on."""

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from playwright.sync_api import Browser, Page, Route
from pytest_django.live_server_helper import LiveServer

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.tests.factories import CampaignFactory
from essaim.core.middleware import CONTENT_SECURITY_POLICY
from essaim.relay.models import LinkVisit
from essaim.relay.services import link_for
from tests.browser.conftest import PageWatch

PLANTED_SCRIPT = "<!doctype html><title>probe</title><p>probe</p><script>window.__xss = 1</script>"


@pytest.fixture
def bare_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A page outside the `page` fixture, whose own watch would fail these tests."""
    context = browser.new_context(base_url=live_server.url)
    yield context.new_page()
    context.close()


def serve(page: Page, path: str, body: str, headers: dict[str, str], status: int = 200) -> None:
    def fulfil(route: Route) -> None:
        route.fulfill(status=status, content_type="text/html", headers=headers, body=body)

    page.route(f"**{path}", fulfil)


def test_a_blocked_inline_script_is_reported_as_a_csp_violation(bare_page: Page) -> None:
    watch = PageWatch(bare_page)
    watch.attach()
    serve(bare_page, "/probe", PLANTED_SCRIPT, {"Content-Security-Policy": CONTENT_SECURITY_POLICY})

    bare_page.goto("/probe")

    problems = watch.problems(allowed=None)
    assert len(problems) == 1
    assert "Content Security Policy" in problems[0]
    assert "script-src 'self'" in problems[0]


def test_a_script_that_ran_from_user_content_is_reported(bare_page: Page) -> None:
    watch = PageWatch(bare_page)
    watch.attach()
    serve(bare_page, "/probe", PLANTED_SCRIPT, {})

    bare_page.goto("/probe")

    assert watch.problems(allowed=None) == [
        "window.__xss was set to '1': a script from user content ran"
    ]


def test_server_errors_and_uncaught_exceptions_are_reported(bare_page: Page) -> None:
    watch = PageWatch(bare_page)
    watch.attach()
    serve(bare_page, "/broken.js", "throw new Error('boom')", {})
    serve(bare_page, "/boom", "<!doctype html><title>x</title>", {}, status=500)
    serve(
        bare_page, "/probe", '<!doctype html><title>x</title><script src="/broken.js"></script>', {}
    )

    bare_page.goto("/probe")
    bare_page.goto("/boom")

    problems = watch.problems(allowed=None)
    assert "uncaught exception: boom" in problems
    assert any(problem.startswith("HTTP 500 GET ") for problem in problems)


def test_a_page_answered_with_a_404_is_left_to_the_test(bare_page: Page) -> None:
    watch = PageWatch(bare_page)
    watch.attach()
    serve(bare_page, "/missing", "<!doctype html><title>x</title><p>gone</p>", {}, status=404)

    response = bare_page.goto("/missing")

    assert response is not None
    assert response.status == 404
    assert watch.problems(allowed=None) == []


def test_a_missing_stylesheet_is_reported(bare_page: Page) -> None:
    watch = PageWatch(bare_page)
    watch.attach()
    serve(bare_page, "/gone.css", "", {}, status=404)
    serve(bare_page, "/probe", '<!doctype html><link rel="stylesheet" href="/gone.css">', {})

    bare_page.goto("/probe")

    problems = watch.problems(allowed=None)
    assert len(problems) == 1
    assert "Failed to load resource" in problems[0]
    assert "/gone.css" in problems[0]


def test_declared_console_errors_are_allowed(bare_page: Page) -> None:
    watch = PageWatch(bare_page)
    watch.attach()
    serve(bare_page, "/probe", PLANTED_SCRIPT, {"Content-Security-Policy": CONTENT_SECURITY_POLICY})

    bare_page.goto("/probe")

    allowed = [re.compile("Content Security Policy")]
    assert watch.problems(allowed=allowed) == []


def test_the_live_server_answers_writes_that_arrive_together(
    live_server: LiveServer, transactional_db: None
) -> None:
    # A browser sends requests at once (a page and its favicon, two pages of one test); each
    # share-link visit below writes a visit (once per visitor and link) and a session. On one
    # in-memory connection shared by the server's threads, some failed: "database table is
    # locked" (conftest.py's django_db_modify_db_settings).
    campaign = CampaignFactory.create()
    codes = [link_for(user=user, campaign=campaign).code for user in UserFactory.create_batch(3)]
    urls = [f"{live_server.url}/r/{codes[visit % 3]}" for visit in range(60)]

    def visit(url: str) -> int:
        return requests.get(url, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(visit, urls))

    assert statuses == [200] * len(urls)
    assert LinkVisit.objects.filter(campaign=campaign).count() == 3
