"""One source of truth: for the same person, the API answers what the pages answer. A 404 on
the page is a 404 in the API; a list on the page holds the same items as the API's."""

import re
from typing import Any

import pytest
from django.test import Client

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.aid.tests.factories import AidListingFactory
from essaim.api.tests.conftest import call, make_token
from essaim.campaigns.models import Campaign
from essaim.campaigns.tests.factories import CampaignFactory
from essaim.communities.models import Community, Membership
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory, PostFactory
from essaim.core.models import Moderation

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "member", "host"]


@pytest.fixture
def world() -> dict[str, Any]:
    host = UserFactory.create()
    member = UserFactory.create()
    private = CommunityFactory.create(slug="prive", visibility=Community.Visibility.PRIVATE)
    public = CommunityFactory.create(slug="public")
    for community in (private, public):
        MembershipFactory.create(community=community, user=member)
        MembershipFactory.create(community=community, user=host, role=Membership.Role.OWNER)
    return {
        "people": {"outsider": UserFactory.create(), "member": member, "host": host},
        "private_post": PostFactory.create(community=private, author=host),
        "public_post": PostFactory.create(community=public, author=host),
        "hidden_post": PostFactory.create(
            community=public, author=member, moderation=Moderation.HIDDEN
        ),
        "private_listing": AidListingFactory.create(community=private, author=member),
        "public_listing": AidListingFactory.create(author=host),
        "draft": CampaignFactory.create(
            slug="brouillon", status=Campaign.Status.DRAFT, created_by=host
        ),
        "live": CampaignFactory.create(slug="en-cours", created_by=host),
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
    assert (world["private_listing"].pk in on_page) == (role in {"member", "host"})


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
    insider = role in {"member", "host"}
    assert (community["description"] is not None) == insider
    assert (community["charter"] is not None) == insider
    assert ("Respect et bienveillance." in html) == insider
