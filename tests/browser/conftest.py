"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Every test under tests/browser is marked `browser`: `make test-browser` runs them, `make test`
leaves them out. Fixtures:

- `page`: a fresh browser context (French, like the instance's default) on the live server.
- `new_page(**context_options)`: more pages, e.g. `new_page(java_script_enabled=False)`.
- `member`: a person with a verified e-mail address who can log in with `PASSWORD`.
- `log_in(page, user)`: logs in through the real log-in form.
- `assert_no_xss(page)`: fails if a script planted by an XSS payload ran (`window.__xss`).

Every page is watched: a console error (Content-Security-Policy violations are console errors),
an uncaught exception, a server error (5xx) or a set `window.__xss` fails the test at teardown.
A test that provokes console errors on purpose says which with
`@pytest.mark.allow_console_errors("regex", ...)` (no argument: any). A failing test leaves
full-page screenshots in test-artifacts/.
"""

import os
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    expect,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory

# Playwright's sync API keeps an asyncio event loop running in the test's thread, so Django
# would take every ORM call a test makes for a call from async code and refuse it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

BROWSER_TESTS_DIR = Path(__file__).resolve().parent
ARTIFACTS_DIR = BROWSER_TESTS_DIR.parent.parent / "test-artifacts"
# Debian's Chromium: Playwright's own browser download cannot run on CI's closed network.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling Google's services, which a
# closed network refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "motdepasse-solide-42"
DEFAULT_TIMEOUT_MS = 10_000

# Chromium reports a document answered with a 4xx as "Failed to load resource"; tests assert
# a page's status themselves, so only failed sub-resources (a missing script...) count.
FAILED_RESOURCE = "Failed to load resource"

call_report_key = pytest.StashKey[pytest.TestReport]()


class NewPage(Protocol):
    def __call__(self, **context_options: Any) -> Page: ...


class LogIn(Protocol):
    def __call__(self, page: Page, user: User, password: str = ...) -> None: ...


@dataclass
class PageWatch:
    """What went wrong on one page, read at the end of the test."""

    page: Page
    console_errors: list[ConsoleMessage] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    document_urls: set[str] = field(default_factory=set)

    def attach(self) -> None:
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.page.on("response", self._on_response)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message)

    def _on_response(self, response: Response) -> None:
        if response.request.resource_type == "document":
            self.document_urls.add(response.url)
        if response.status >= 500:
            self.server_errors.append(
                f"HTTP {response.status} {response.request.method} {response.url}"
            )

    def problems(self, allowed: list[re.Pattern[str]] | None) -> list[str]:
        found = [f"uncaught exception: {error}" for error in self.page_errors]
        found += self.server_errors
        for message in self.console_errors:
            url = message.location.get("url", "")
            if message.text.startswith(FAILED_RESOURCE) and url in self.document_urls:
                continue
            found.append(f"console error: {message.text} ({url})")
        if allowed is not None:
            found = [problem for problem in found if not any(p.search(problem) for p in allowed)]
        xss = xss_marker(self.page)
        if xss is not None:
            found.append(f"window.__xss was set to {xss!r}: a script from user content ran")
        return found


def xss_marker(page: Page) -> str | None:
    """The value an XSS payload of the corpus (essaim/core/tests/xss.py) sets when it runs."""
    if page.is_closed():
        return None
    value = page.evaluate("() => window.__xss === undefined ? null : String(window.__xss)")
    return None if value is None else str(value)


def allowed_console_errors(item: pytest.Item) -> list[re.Pattern[str]] | None:
    """None: every problem counts; otherwise the patterns the test declared harmless."""
    marker = item.get_closest_marker("allow_console_errors")
    if marker is None:
        return None
    if not marker.args:
        return [re.compile(".*")]
    return [re.compile(pattern) for pattern in marker.args]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # tryfirst: the marker must be there before `-m "not browser"` deselects by it.
    for item in items:
        if BROWSER_TESTS_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[call_report_key] = report
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: apt-get install chromium (or set CHROMIUM)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def browser_context_args(live_server: LiveServer) -> dict[str, Any]:
    """Options of every new context; override this fixture to change them for a module."""
    return {
        "base_url": live_server.url,
        "locale": "fr-FR",
        "timezone_id": "Europe/Paris",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest,
    browser: Browser,
    browser_context_args: dict[str, Any],
    transactional_db: None,
) -> Iterator[NewPage]:
    contexts: list[BrowserContext] = []
    watches: list[PageWatch] = []

    def make(**context_options: Any) -> Page:
        context = browser.new_context(**{**browser_context_args, **context_options})
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watch = PageWatch(page)
        watch.attach()
        watches.append(watch)
        return page

    yield make

    report = request.node.stash.get(call_report_key, None)
    failed = report is not None and report.failed
    problems: list[str] = []
    try:
        allowed = allowed_console_errors(request.node)
        for number, watch in enumerate(watches, start=1):
            page_problems = watch.problems(allowed)
            if failed or page_problems:
                save_screenshot(watch.page, request.node.nodeid, number)
            problems += [f"page {number}: {problem}" for problem in page_problems]
    finally:
        for context in contexts:
            context.close()
    if problems:
        pytest.fail("problems in the browser:\n" + "\n".join(problems), pytrace=False)


def save_screenshot(page: Page, nodeid: str, number: int) -> None:
    if page.is_closed():
        return
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", nodeid).strip("_")
    page.screenshot(path=ARTIFACTS_DIR / f"{name}-{number}.png", full_page=True)


@pytest.fixture
def page(new_page: NewPage) -> Page:
    return new_page()


@pytest.fixture
def member(transactional_db: None) -> User:
    """A person whose e-mail address is verified, as allauth requires before a log-in."""
    user = UserFactory.create()
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def log_in_through_form(page: Page, user: User, password: str = PASSWORD) -> None:
    page.goto(reverse("account_login"))
    form = page.locator("form", has=page.locator('input[name="password"]'))
    form.locator('input[name="login"]').fill(user.email)
    form.locator('input[name="password"]').fill(password)
    form.locator('[type="submit"]').click()
    # Logged in: every page's header now carries the log-out form.
    expect(page.locator(f'form[action="{reverse("account_logout")}"]')).to_have_count(1)


@pytest.fixture
def log_in() -> LogIn:
    return log_in_through_form


def assert_no_xss_ran(page: Page) -> None:
    value = xss_marker(page)
    assert value is None, f"window.__xss was set to {value!r} on {page.url}"


@pytest.fixture
def assert_no_xss() -> Callable[[Page], None]:
    return assert_no_xss_ran


def mail_link(email: str, part: str) -> str:
    """The path of the `/…/<part>/<token>/` link in the one e-mail to `email` that has one
    (a confirmation, a ticket, a guest's data page)."""
    found = [
        match.group(1)
        for message in mail.outbox
        if message.to == [email]
        and (match := re.search(rf"https?://[^/\s]+(/\S+/{part}/\S+/)", str(message.body)))
    ]
    assert len(found) == 1, [str(message.body) for message in mail.outbox]
    return found[0]
