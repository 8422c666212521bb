"""No page of the demo instance shows anyone's e-mail address to anyone but its owner.

Loads the demo content, then crawls every page reachable by links (and the htmx fragments those
pages point at) as an anonymous visitor and as an ordinary member, looking for any e-mail address
of any person in every response.
"""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from essaim.accounts.models import User
from essaim.communities.models import Post

MAX_PAGES = 600
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Not pages: leaving, switching language, the admin (staff only), files.
SKIPPED_PREFIXES = ("/accounts/logout", "/admin", "/i18n", "/static", "/media", "/people/me/delete")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and name in {"href", "hx-get"}:
                self.urls.append(value)


def _crawl(client: Client, seeds: list[str]) -> dict[str, str]:
    """Path → body of every local page reachable from `seeds` by GET (bounded)."""
    seen: dict[str, str] = {}
    queue = deque(seeds)
    while queue and len(seen) < MAX_PAGES:
        url = urldefrag(queue.popleft())[0]
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != "testserver":
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not parts.path.startswith("/") or path in seen or path.startswith(SKIPPED_PREFIXES):
            continue
        response = client.get(path)
        assert response.status_code < 500, path
        body = response.content.decode(errors="replace")
        seen[path] = body
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            links = _Links()
            links.feed(body)
            queue.extend(urljoin(path, link) for link in links.urls)
    return seen


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["anonymous", "member"])
def test_no_page_shows_another_person_s_e_mail_address(viewer):
    call_command("demo_data", people=120, verbosity=0)
    client = Client()
    me = None
    if viewer == "member":
        me = User.objects.filter(email__startswith="membre").order_by("pk").first()
        assert me is not None
        client.force_login(me)
    # Besides the home page's links: every profile and every post, wherever links lead.
    seeds = ["/", "/communities/", "/aid/", "/messages/", "/people/me/settings/"]
    seeds += [user.get_absolute_url() for user in User.objects.filter(is_active=True)[:60]]
    seeds += [post.get_absolute_url() for post in Post.objects.select_related("community")[:60]]
    pages = _crawl(client, seeds)
    assert len(pages) > 100, "the crawl must cover the instance, not a handful of pages"

    others = User.objects.exclude(pk=me.pk) if me else User.objects.all()
    addresses = {email.lower() for email in others.values_list("email", flat=True)}
    leaks = [
        (path, found)
        for path, body in pages.items()
        for found in set(EMAIL.findall(body.lower())) & addresses
    ]
    assert leaks == []
