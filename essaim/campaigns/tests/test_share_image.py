"""The preview a shared campaign link shows: Open Graph tags and a picture that follows the
count."""

import io
import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from PIL import Image

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.services.pledge import pledge_sign
from essaim.campaigns.services.settle import signatures_settle
from essaim.campaigns.tests.factories import EventFactory, PledgeFactory
from essaim.communities.models import Community
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _preview(client: Client, url: str, prefix: str = "/campaigns/") -> str:
    html = client.get(url).content.decode()
    match = re.search(rf'<meta property="og:image" content="http[^"]*?({prefix}[^"]+)"', html)
    assert match, html[:2000]
    return match[1].replace("&amp;", "&")


def test_a_shared_campaign_previews_its_title_and_a_picture_that_changes_with_the_count():
    pledge = PledgeFactory.create(campaign__title="Sauvons la Bièvre", goal_ladder="10")
    url = pledge.campaign.get_absolute_url()
    crawler = Client()

    html = crawler.get(url).content.decode()
    before_url = _preview(crawler, url)
    before = crawler.get(before_url)
    pledge_sign(user=UserFactory.create(), pledge=pledge)
    signatures_settle()
    # Past the few seconds anonymous visitors share one rendering of the page.
    for cache in caches.all():
        cache.clear()
    after_url = _preview(crawler, url)
    after = crawler.get(after_url)

    assert '<meta property="og:title" content="Sauvons la Bièvre">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert before_url != after_url
    assert before["Cache-Control"] == "public, max-age=86400"
    for response in (before, after):
        with Image.open(io.BytesIO(response.content)) as image:
            assert (image.format, image.size) == ("PNG", (1200, 630))
    assert before.content != after.content
    # An old address still answers, with the current picture, cached briefly.
    assert crawler.get(before_url)["Cache-Control"] == "public, max-age=60"


def test_an_event_and_a_community_preview_with_their_own_picture(client):
    event = EventFactory.create(title="Atelier fontaines", capacity=4)
    community = CommunityFactory.create(name="Entraide Lyon")

    for page_url in (event.get_absolute_url(), community.get_absolute_url()):
        image_url = _preview(client, page_url, prefix="/(?:campaigns|communities)/")
        answer = client.get(image_url)
        assert answer["Content-Type"] == "image/png"
        assert answer["Cache-Control"] == "public, max-age=86400"
        with Image.open(io.BytesIO(answer.content)) as image:
            assert image.size == (1200, 630)


def test_a_private_communitys_picture_is_for_its_members_only(client):
    community = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    url = reverse("communities:share_image", args=[community.slug])

    assert client.get(url).status_code == 404
    client.force_login(MembershipFactory.create(community=community).user)
    assert client.get(url).status_code == 200
