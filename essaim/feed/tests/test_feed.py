import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory, UserFollowFactory
from essaim.aid.tests.factories import AidListingFactory
from essaim.campaigns.models import CampaignFollow
from essaim.campaigns.services.campaigns import update_create
from essaim.campaigns.services.challenge import challenge_join, check_in
from essaim.campaigns.tests.factories import (
    CampaignFactory,
    ChallengeFactory,
    FundraiserFactory,
    PledgeFactory,
)
from essaim.communities.models import Community, CommunityFollow, Membership, Post
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory, PostFactory
from essaim.feed.selectors import PAGE_SIZE, Cursor, feed_page

pytestmark = pytest.mark.django_db


def _bodies(page):
    return [item.obj.body for item in page.items if item.kind == "post"]


@pytest.fixture
def world():
    alice, bruno, chloe = UserFactory.create_batch(3)
    public = CommunityFactory.create(name="Entraide Paris 11")
    private = CommunityFactory.create(
        name="Voisins secrets", visibility=Community.Visibility.PRIVATE
    )
    followed_only = CommunityFactory.create(name="Jardins partagés")
    elsewhere = CommunityFactory.create(name="Ailleurs")
    MembershipFactory.create(community=public, user=alice)
    MembershipFactory.create(community=private, user=bruno)
    CommunityFollow.objects.create(community=followed_only, user=alice)
    UserFollowFactory.create(follower=alice, followed=bruno)
    PostFactory.create(community=public, author=chloe, body="dans ma communauté")
    PostFactory.create(community=private, author=bruno, body="secret de Bruno")
    PostFactory.create(community=elsewhere, author=bruno, body="Bruno ailleurs")
    PostFactory.create(community=followed_only, author=chloe, body="communauté suivie")
    PostFactory.create(community=elsewhere, author=chloe, body="hors de mon réseau")
    return {"alice": alice, "bruno": bruno, "chloe": chloe, "private": private}


def test_feed_merges_my_communities_followed_communities_and_followed_people(world):
    bodies = _bodies(feed_page(world["alice"]))
    assert sorted(bodies) == sorted(["dans ma communauté", "Bruno ailleurs", "communauté suivie"])
    # Bruno's post in a private community Alice is not part of stays hidden from her.
    assert "secret de Bruno" not in bodies


def test_feed_shows_private_posts_to_members(world):
    assert "secret de Bruno" in _bodies(feed_page(world["bruno"]))


def test_anonymous_feed_is_the_public_stream(client, world):
    from django.contrib.auth.models import AnonymousUser

    bodies = _bodies(feed_page(AnonymousUser()))
    assert "secret de Bruno" not in bodies and "hors de mon réseau" in bodies
    html = client.get(reverse("feed:home")).content.decode()
    assert 'data-testid="landing"' in html
    assert "secret de Bruno" not in html and "Voisins secrets" not in html


def test_followed_people_joining_public_communities_shows_as_activity(world):
    MembershipFactory.create(community=Community.objects.get(name="Ailleurs"), user=world["bruno"])
    kinds = [item.kind for item in feed_page(world["alice"]).items]
    assert "joined" in kinds
    # Joining a private community is nobody else's business.
    activity = [
        item.obj.community.name for item in feed_page(world["alice"]).items if item.kind == "joined"
    ]
    assert "Voisins secrets" not in activity


def test_pages_follow_each_other_without_repeats_or_gaps_even_with_equal_timestamps():
    alice = UserFactory.create()
    community = CommunityFactory.create()
    MembershipFactory.create(community=community, user=alice)
    posts = PostFactory.create_batch(PAGE_SIZE * 2 + 5, community=community)
    # Half of them share one timestamp: the cursor's tie-breakers must keep the order total.
    same_time = posts[0].created_at
    Post.objects.filter(pk__in=[p.pk for p in posts[::2]]).update(created_at=same_time)
    seen: list[int] = []
    cursor = None
    for _page in range(10):
        page = feed_page(alice, cursor=cursor)
        seen.extend(item.obj.pk for item in page.items if item.kind == "post")
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(p.pk for p in posts)
    assert len(seen) == len(set(seen))


def test_a_malformed_cursor_starts_from_the_top(client, world):
    client.force_login(world["alice"])
    for bad in ["%%%", "bm9wZQ", (Cursor.decode("x") and "x") or "@@", "MjAyNi0xMy0wMXwxfDE"]:
        response = client.get(reverse("feed:home"), {"after": bad})
        assert response.status_code == 200


def test_feed_query_count_does_not_grow_with_items(client, django_assert_max_num_queries):
    alice = UserFactory.create()
    community = CommunityFactory.create()
    MembershipFactory.create(community=community, user=alice)
    client.force_login(alice)
    PostFactory.create_batch(3, community=community)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("feed:home"))
    PostFactory.create_batch(PAGE_SIZE, community=community, author=UserFactory.create())
    for other in UserFactory.create_batch(5):
        PostFactory.create(community=community, author=other)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("feed:home"))


def _front_door_items(me, community, count: int) -> None:
    """`count` of everything the logged-in front door shows, each from another person: posts
    and listings of my community, people I follow joining it, news of campaigns I follow,
    live campaigns of every kind, challenges I joined (checked in to or not)."""
    for index in range(count):
        author = UserFactory.create()
        UserFollowFactory.create(follower=me, followed=author)
        PostFactory.create(community=community, author=author, body=f"**Post** {index}")
        AidListingFactory.create(community=community, author=author)
        MembershipFactory.create(community=community, user=author)
        followed = PledgeFactory.create(campaign__created_by=author).campaign
        CampaignFollow.objects.create(campaign=followed, user=me)
        update_create(actor=author, campaign=followed, body=f"Nouvelles {index}")
        FundraiserFactory.create(campaign__created_by=author)
        challenge = ChallengeFactory.create(campaign__created_by=author)
        challenge_join(user=me, challenge=challenge)
        if index % 2:
            check_in(user=me, challenge=challenge)


def test_the_logged_in_front_door_costs_the_same_queries_for_one_item_as_for_many(client):
    """Every part of the front door reads its rows set-based: a person with a busy network
    costs the page no more queries than a quiet one."""
    me = UserFactory.create()
    community = CommunityFactory.create()
    MembershipFactory.create(community=community, user=me)
    client.force_login(me)

    def queries(count: int) -> int:
        _front_door_items(me, community, count)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("feed:home"))
        assert response.status_code == 200
        return len(captured)

    assert queries(1) == queries(PAGE_SIZE) == 18


def test_empty_feed_suggests_communities_and_people(client):
    alice = UserFactory.create(city="Lyon")
    CommunityFactory.create(name="Entraide Lyon", city="Lyon")
    CommunityFactory.create(name="Privée", visibility=Community.Visibility.PRIVATE)
    UserFactory.create(display_name="Zoé Populaire")
    client.force_login(alice)
    html = client.get(reverse("feed:home")).content.decode()
    assert 'data-testid="suggestions"' in html
    assert "Entraide Lyon" in html and "Zoé Populaire" in html and "Privée" not in html


def test_htmx_more_returns_only_the_next_items(client):
    alice = UserFactory.create()
    community = CommunityFactory.create()
    MembershipFactory.create(community=community, user=alice, role=Membership.Role.MEMBER)
    PostFactory.create_batch(PAGE_SIZE + 3, community=community)
    client.force_login(alice)
    first = feed_page(alice)
    response = client.get(
        reverse("feed:home"), {"after": first.next_cursor}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html
    assert html.count('data-testid="post"') == 3


def test_followers_of_a_campaign_see_its_updates_and_others_do_not():
    campaign = CampaignFactory.create()
    update_create(
        actor=campaign.created_by, campaign=campaign, body="Nous avons 1 000 signatures !"
    )
    follower, stranger = UserFactory.create_batch(2)
    CampaignFollow.objects.create(campaign=campaign, user=follower)
    assert [i.obj.body for i in feed_page(follower).items if i.kind == "update"] == [
        "Nous avons 1 000 signatures !"
    ]
    assert not [i for i in feed_page(stranger).items if i.kind == "update"]


def test_the_anonymous_front_door_is_rendered_once_for_the_crowd(
    client, world, django_assert_num_queries
):
    """A spike lands on the front door first: every anonymous visitor after the first is
    served the shared copy, without a query; a person still gets a page of their own."""
    first = client.get(reverse("feed:home"))
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = client.get(reverse("feed:home"))
    assert again.content == first.content
    client.force_login(world["alice"])
    mine = client.get(reverse("feed:home")).content.decode()
    assert 'data-testid="landing"' not in mine and "dans ma communauté" in mine
