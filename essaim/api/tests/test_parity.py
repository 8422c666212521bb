"""One source of truth: for the same person, the API answers what the pages answer. A 404 on
the page is a 404 in the API; a list on the page holds the same items as the API's; a write the
page refuses, the API refuses, and neither changes anything; the reach dashboard's numbers are
the API's. For each role of the house rule: anonymous, outsider, member, moderator (and the
host, who created the objects)."""

import json
import re
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from ninja.responses import NinjaJSONEncoder

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.aid.models import AidListing
from essaim.aid.tests.factories import AidListingFactory
from essaim.api.tests.conftest import call, make_token
from essaim.campaigns.models import Campaign, Pledge, Signature
from essaim.campaigns.services.pledge import pledge_sign
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from essaim.communities.models import Community, Membership, Post, PostReaction
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory, PostFactory
from essaim.core.models import Moderation
from essaim.moderation.ratelimit import DEFAULT_LIMITS
from essaim.relay import analytics
from essaim.relay.services import link_for

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "member", "moderator", "host"]
INSIDERS = {"member", "moderator", "host"}


@pytest.fixture
def world() -> dict[str, Any]:
    host = UserFactory.create()
    member = UserFactory.create()
    moderator = UserFactory.create()
    private = CommunityFactory.create(slug="prive", visibility=Community.Visibility.PRIVATE)
    public = CommunityFactory.create(slug="public")
    for community in (private, public):
        MembershipFactory.create(community=community, user=member)
        MembershipFactory.create(
            community=community, user=moderator, role=Membership.Role.MODERATOR
        )
        MembershipFactory.create(community=community, user=host, role=Membership.Role.OWNER)
    live = CampaignFactory.create(slug="en-cours", created_by=host)
    draft = CampaignFactory.create(slug="brouillon", status=Campaign.Status.DRAFT, created_by=host)
    for campaign in (live, draft):
        PledgeFactory.create(campaign=campaign)
    return {
        "people": {
            "outsider": UserFactory.create(),
            "member": member,
            "moderator": moderator,
            "host": host,
        },
        "private_post": PostFactory.create(community=private, author=host),
        "public_post": PostFactory.create(community=public, author=host),
        "hidden_post": PostFactory.create(
            community=public, author=member, moderation=Moderation.HIDDEN
        ),
        "private_listing": AidListingFactory.create(community=private, author=member),
        "public_listing": AidListingFactory.create(author=host),
        "draft": draft,
        "live": live,
        "closed": CampaignFactory.create(
            slug="finie", status=Campaign.Status.CLOSED, created_by=host
        ),
        "held": CampaignFactory.create(
            slug="retenue", created_by=host, moderation=Moderation.HIDDEN
        ),
    }


def _clients(world: dict[str, Any], role: str) -> tuple[Client, str | None]:
    """A page client logged in as `role`, and a token of the same person for the API."""
    page = Client(raise_request_exception=False)
    if role == "anonymous":
        return page, None
    user: User = world["people"][role]
    page.force_login(user)
    return page, make_token(user, "read", name=f"parity-{role}")


def _pairs(world: dict[str, Any]) -> list[tuple[str, str]]:
    """(page URL, API path) of the same object."""
    private_post, public_post = world["private_post"], world["public_post"]
    hidden_post = world["hidden_post"]
    pairs = [
        ("/communities/prive/members/", "/communities/prive/posts"),
        (
            f"/communities/prive/posts/{private_post.pk}/",
            f"/communities/prive/posts/{private_post.pk}",
        ),
        (
            f"/communities/public/posts/{public_post.pk}/",
            f"/communities/public/posts/{public_post.pk}",
        ),
        (
            f"/communities/public/posts/{hidden_post.pk}/",
            f"/communities/public/posts/{hidden_post.pk}",
        ),
        (f"/aid/{world['private_listing'].pk}/", f"/aid/listings/{world['private_listing'].pk}"),
        (f"/aid/{world['public_listing'].pk}/", f"/aid/listings/{world['public_listing'].pk}"),
        ("/communities/nulle-part/", "/communities/nulle-part"),
        ("/aid/?community=prive", "/aid/listings?community=prive"),
    ]
    for slug in ("brouillon", "en-cours", "finie", "retenue", "inconnue"):
        pairs.append((f"/campaigns/{slug}/", f"/campaigns/{slug}"))
        pairs.append((f"/campaigns/{slug}/reach/", f"/campaigns/{slug}/analytics"))
    return pairs


@pytest.mark.parametrize("role", ROLES)
def test_a_404_on_the_page_is_a_404_in_the_api(world, role):
    page, secret = _clients(world, role)
    api = Client(raise_request_exception=False)
    compared = 0
    for page_url, api_path in _pairs(world):
        page_status = page.get(page_url).status_code
        if page_status == 302:  # a page behind log-in: the API answers 401 instead
            assert role == "anonymous"
            assert call(api, "GET", api_path, secret).status_code in {401, 404}
            continue
        api_status = call(api, "GET", api_path, secret).status_code
        assert (page_status == 404) == (api_status == 404), (
            role,
            page_url,
            page_status,
            api_status,
        )
        assert page_status in {200, 404} and api_status in {200, 404}
        compared += 1
    assert compared >= 10


def _slugs_on_page(html: str, prefix: str) -> set[str]:
    return set(re.findall(rf'href="{prefix}([-\w]+)/"', html))


@pytest.mark.parametrize("role", ROLES)
def test_the_campaign_list_is_the_same(world, role):
    page, secret = _clients(world, role)
    on_page = _slugs_on_page(page.get("/campaigns/").content.decode(), "/campaigns/")
    on_page -= {"new", "invitations"}
    listed = call(Client(), "GET", "/campaigns/", secret).json()
    assert {item["slug"] for item in listed["items"]} == on_page
    assert listed["count"] == len(on_page)
    expected = {"en-cours"} | ({"brouillon", "retenue"} if role == "host" else set())
    assert on_page == expected


@pytest.mark.parametrize("role", ROLES)
def test_the_aid_board_is_the_same(world, role):
    page, secret = _clients(world, role)
    html = page.get("/aid/").content.decode()
    on_page = {int(pk) for pk in re.findall(r'href="/aid/(\d+)/"', html)}
    listed = call(Client(), "GET", "/aid/listings", secret).json()
    assert {item["id"] for item in listed["items"]} == on_page
    assert (world["private_listing"].pk in on_page) == (role in INSIDERS)


@pytest.mark.parametrize("role", ROLES)
def test_the_posts_of_a_community_are_the_same(world, role):
    page, secret = _clients(world, role)
    html = page.get("/communities/public/").content.decode()
    on_page = {int(pk) for pk in re.findall(r'href="/communities/public/posts/(\d+)/"', html)}
    listed = call(Client(), "GET", "/communities/public/posts", secret).json()
    assert {item["id"] for item in listed["items"]} == on_page
    assert (world["hidden_post"].pk in on_page) == (role == "member")


@pytest.mark.parametrize("role", ROLES)
def test_a_private_community_shows_outsiders_its_name_alone(world, role):
    page, secret = _clients(world, role)
    html = page.get("/communities/prive/").content.decode()
    community = call(Client(), "GET", "/communities/prive", secret).json()
    assert community["name"] in html
    insider = role in INSIDERS
    assert (community["description"] is not None) == insider
    assert (community["charter"] is not None) == insider
    assert ("Respect et bienveillance." in html) == insider


# Writes ------------------------------------------------------------------------------------


def _writes(world: dict[str, Any]) -> list[tuple[str, dict[str, Any], str, str, dict[str, Any]]]:
    """(page URL, form data, API method, API path, JSON body) of the same write."""
    private_post, listing = world["private_post"], world["private_listing"]
    return [
        (
            "/communities/prive/posts/",
            {"body": "Bonjour"},
            "POST",
            "/communities/prive/posts",
            {"body": "Bonjour"},
        ),
        (
            f"/communities/prive/posts/{private_post.pk}/like/",
            {},
            "POST",
            f"/communities/prive/posts/{private_post.pk}/like",
            {},
        ),
        (
            f"/aid/{listing.pk}/status/",
            {"status": "withdrawn"},
            "POST",
            f"/aid/listings/{listing.pk}/status",
            {"status": "withdrawn"},
        ),
        ("/campaigns/brouillon/sign/", {}, "POST", "/campaigns/brouillon/pledge/signature", {}),
        ("/campaigns/en-cours/sign/", {}, "POST", "/campaigns/en-cours/pledge/signature", {}),
    ]


def _state() -> dict[str, Any]:
    """Everything the writes above could change."""
    return {
        "posts": sorted(Post.objects.values_list("pk", "body")),
        "likes": sorted(PostReaction.objects.values_list("post_id", "user_id")),
        "listings": sorted(AidListing.objects.values_list("pk", "status")),
        "signatures": sorted(Signature.objects.values_list("pledge_id", "user_id")),
    }


def _rolled_back(send: Any, *arguments: Any) -> tuple[Any, bool]:
    """Send a write, tell whether it changed anything, then undo it: the page and the API
    each start from the same world."""
    before = _state()
    with transaction.atomic():
        response = send(*arguments)
        changed = _state() != before
        transaction.set_rollback(True)
    assert _state() == before
    return response, changed


def _refused_on_the_page(response: Any) -> bool:
    """An error status, or the log-in page for anonymous visitors."""
    return response.status_code >= 400 or (
        response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    )


@pytest.mark.parametrize("role", ROLES)
def test_a_write_refused_on_the_page_is_refused_by_the_api_and_changes_nothing(
    world, role, settings
):
    settings.RATE_LIMITS = {scope: [] for scope in DEFAULT_LIMITS}
    page, _read = _clients(world, role)
    user = world["people"].get(role)
    secret = make_token(user, "write", name=f"parity-write-{role}") if user else None
    api = Client(raise_request_exception=False)
    outcomes = []
    for page_url, form, method, api_path, body in _writes(world):
        on_page, page_changed = _rolled_back(page.post, page_url, form)
        in_api, api_changed = _rolled_back(call, api, method, api_path, secret, body)
        refused = _refused_on_the_page(on_page)
        case = (role, page_url, on_page.status_code, in_api.status_code)
        assert refused != page_changed, case
        assert (in_api.status_code >= 400) == refused, case
        assert api_changed == page_changed, case
        if refused:
            assert isinstance(in_api.json()["detail"], str), case
        outcomes.append(not refused)
    expected = {
        "anonymous": [False, False, False, False, False],
        "outsider": [False, False, False, False, True],
        "member": [True, True, True, False, True],
        "moderator": [True, True, False, False, True],
        "host": [True, True, False, False, True],
    }
    assert outcomes == expected[role]


# Analytics ---------------------------------------------------------------------------------


def test_the_api_analytics_are_the_reach_dashboards(world):
    host = world["people"]["host"]
    # People the host brought, so that the tables have rows.
    pledge = Pledge.objects.get(campaign=world["live"])
    link = link_for(user=host, campaign=world["live"])
    for supporter in (world["people"]["member"], world["people"]["moderator"]):
        pledge_sign(user=supporter, pledge=pledge, via=link.code)
    page = Client()
    page.force_login(host)
    shown = page.get("/campaigns/en-cours/reach/").context
    answer = call(Client(), "GET", "/campaigns/en-cours/analytics", make_token(host, "read"))
    assert answer.status_code == 200
    body = answer.json()

    def as_json(value: Any) -> Any:
        return json.loads(json.dumps(value, cls=NinjaJSONEncoder))

    assert body["summary"] == as_json(shown["summary"])
    assert body["link_totals"] == as_json(shown["link_totals"])
    assert [table["name"] for table in body["tables"]] == list(analytics.TABLES)
    assert body["summary"]["referred"] == 2
    assert any(table["rows"] for table in body["tables"])
    for table in body["tables"]:
        on_page = shown[table["name"].replace("-", "_")]
        assert table == as_json(
            {
                "name": on_page.name,
                "title": str(on_page.title),
                "headers": [str(header) for header in on_page.headers],
                "rows": on_page.rows,
            }
        )
