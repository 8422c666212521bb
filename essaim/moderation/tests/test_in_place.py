"""The case page's "See it in place" link: a moderator reads held or hidden content on its own
page, labelled for them; anyone else who is not its author still gets a 404 there."""

import pytest
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.aid.tests.factories import AidListingFactory
from essaim.communities.models import Community, Membership
from essaim.communities.tests.factories import (
    CommentFactory,
    CommunityFactory,
    MembershipFactory,
    PostFactory,
)
from essaim.core.models import Moderation
from essaim.moderation.models import Case

pytestmark = pytest.mark.django_db

HELD_FOR_MODERATORS = "Held for review: you see it as a moderator; others will once it is approved."


@pytest.fixture
def community():
    return CommunityFactory.create(visibility=Community.Visibility.PUBLIC)


def _moderator(community):
    user = UserFactory.create(language="en")
    MembershipFactory.create(community=community, user=user, role=Membership.Role.MODERATOR)
    return user


VIEWERS = {
    "community-moderator": _moderator,
    "instance-staff": lambda _community: UserFactory.create(is_staff=True, language="en"),
}
REFUSED = {
    "anonymous": lambda _community: None,
    "member": lambda community: MembershipFactory.create(community=community).user,
    "moderator-elsewhere": lambda _community: _moderator(CommunityFactory.create()),
}


def _held(community):
    post = PostFactory.create(community=community, body="Message retenu", moderation="held")
    comment = CommentFactory.create(
        post=PostFactory.create(community=community),
        body="Commentaire masqué",
        moderation=Moderation.HIDDEN,
    )
    listing = AidListingFactory.create(
        community=community, title="Annonce retenue", moderation="held"
    )
    return {
        "post": (post.get_absolute_url(), "Message retenu"),
        "comment": (comment.post.get_absolute_url(), "Commentaire masqué"),
        "listing": (listing.get_absolute_url(), "Annonce retenue"),
    }


@pytest.mark.parametrize("viewer", VIEWERS.values(), ids=VIEWERS.keys())
def test_a_moderator_reads_held_and_hidden_content_in_place(client, community, viewer):
    pages = _held(community)
    client.force_login(viewer(community))
    for kind, (url, words) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, kind
        html = response.content.decode()
        assert words in html, kind
        assert 'data-testid="moderation-state"' in html, kind
    assert HELD_FOR_MODERATORS in client.get(pages["post"][0]).content.decode()


@pytest.mark.parametrize("viewer", REFUSED.values(), ids=REFUSED.keys())
def test_nobody_else_does(client, community, viewer):
    pages = _held(community)
    person = viewer(community)
    if person is not None:
        client.force_login(person)
    for kind in ("post", "listing"):
        assert client.get(pages[kind][0]).status_code == 404, kind
    url, words = pages["comment"]
    assert words not in client.get(url).content.decode()


def test_the_case_links_to_the_page_that_shows_it(client, community):
    moderator = _moderator(community)
    post = PostFactory.create(community=community, body="Message retenu", moderation="held")
    case = Case.objects.create(
        target=post, subject=post.author, community=community, excerpt=post.body
    )
    client.force_login(moderator)
    page = client.get(reverse("moderation:case", args=[case.pk])).content.decode()
    assert f'href="{post.get_absolute_url()}"' in page
    assert client.get(post.get_absolute_url()).status_code == 200
