"""The preview a shared campaign link shows: Open Graph tags and a picture that follows the
count."""

import io
import re

import pytest
from django.core.cache import caches
from django.test import Client
from PIL import Image

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.services.pledge import pledge_sign
from essaim.campaigns.services.settle import signatures_settle
from essaim.campaigns.tests.factories import PledgeFactory

pytestmark = pytest.mark.django_db


def _preview(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    match = re.search(r'<meta property="og:image" content="http[^"]*?(/campaigns/[^"]+)"', html)
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
