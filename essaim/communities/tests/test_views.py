import pytest
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.communities.models import (
    Comment,
    Community,
    CommunityFollow,
    Membership,
    Post,
    PostReaction,
)
from essaim.communities.tests.factories import (
    CommentFactory,
    CommunityFactory,
    MembershipFactory,
    PostFactory,
)
from essaim.core.tests.xss import XSS_PAYLOADS, dangerous_markup

pytestmark = pytest.mark.django_db

SECRET_WORDS = ["description-secrète", "charte-secrète", "message-secret", "commentaire-secret"]


@pytest.fixture
def private():
    community = CommunityFactory.create(
        name="Voisins discrets",
        visibility=Community.Visibility.PRIVATE,
        join_mode=Community.JoinMode.APPROVAL,
        description="description-secrète",
        charter="charte-secrète",
    )
    owner = MembershipFactory.create(community=community, role=Membership.Role.OWNER).user
    post = PostFactory.create(community=community, author=owner, body="message-secret")
    comment = CommentFactory.create(post=post, author=owner, body="commentaire-secret")
    return {"community": community, "owner": owner, "post": post, "comment": comment}


def _private_urls(community, post, comment):
    slug = community.slug
    member = Membership.objects.filter(community=community, role="owner").get()
    return {
        "get": [
            reverse("communities:members", args=[slug]),
            reverse("communities:edit", args=[slug]),
            reverse("communities:post", args=[slug, post.pk]),
            reverse("communities:post", args=[slug, post.pk + 1000]),
        ],
        "post": [
            reverse("communities:post_create", args=[slug]),
            reverse("communities:post", args=[slug, post.pk]),
            reverse("communities:like", args=[slug, post.pk]),
            reverse("communities:unlike", args=[slug, post.pk]),
            reverse("communities:post_delete", args=[slug, post.pk]),
            reverse("communities:comment_delete", args=[slug, post.pk, comment.pk]),
            reverse("communities:follow", args=[slug]),
            reverse("communities:edit", args=[slug]),
            reverse("communities:role", args=[slug, member.pk]),
            reverse("communities:approve", args=[slug, member.pk]),
            reverse("communities:rotate_invitation", args=[slug]),
        ],
    }


def _snapshot():
    return (
        list(Post.objects.values_list("pk", "body")),
        list(Comment.objects.values_list("pk", "body")),
        PostReaction.objects.count(),
        CommunityFollow.objects.count(),
        list(Membership.objects.values_list("pk", "role", "status")),
        list(Community.objects.values_list("name", "invitation_token", "description")),
    )


@pytest.mark.parametrize("viewer", ["anonymous", "outsider", "pending"])
def test_a_private_community_reveals_nothing_but_its_name(client, private, viewer):
    community = private["community"]
    if viewer != "anonymous":
        person = UserFactory.create()
        if viewer == "pending":
            MembershipFactory.create(
                community=community, user=person, status=Membership.Status.PENDING
            )
        client.force_login(person)
    before = _snapshot()

    detail = client.get(community.get_absolute_url()).content.decode()
    assert "Voisins discrets" in detail
    directory = client.get(reverse("communities:list")).content.decode()
    assert "Voisins discrets" in directory
    urls = _private_urls(community, private["post"], private["comment"])
    for url in urls["get"]:
        response = client.get(url)
        assert response.status_code in (302, 404), url
    for url in urls["post"]:
        response = client.post(url, {"body": "intrus", "role": "owner", "name": "x"})
        assert response.status_code in (302, 404), url
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]
    bodies = [detail, directory] + [client.get(url).content.decode() for url in urls["get"]]
    for body in bodies:
        for word in SECRET_WORDS:
            assert word not in body
    assert _snapshot() == before


def test_members_see_everything_of_their_private_community(client, private):
    member = MembershipFactory.create(community=private["community"]).user
    client.force_login(member)
    html = client.get(private["community"].get_absolute_url()).content.decode()
    assert "description-secrète" in html and "message-secret" in html
    post_html = client.get(private["post"].get_absolute_url()).content.decode()
    assert "commentaire-secret" in post_html


def test_creating_a_community_through_the_form(client):
    alice = UserFactory.create()
    client.force_login(alice)
    data = {
        "name": "Réparons ensemble",
        "city": "Lille",
        "description": "**Vélos** et couture",
        "charter": "Respect",
        "visibility": "public",
        "join_mode": "open",
    }
    response = client.post(reverse("communities:create"), data)
    community = Community.objects.get(name="Réparons ensemble")
    assert response.status_code == 302 and response["Location"] == community.get_absolute_url()
    assert "<strong>Vélos</strong>" in client.get(response["Location"]).content.decode()
    bad = client.post(reverse("communities:create"), {**data, "visibility": "secret", "name": ""})
    assert bad.status_code == 400 and Community.objects.count() == 1


@pytest.mark.parametrize("role", ["member", "moderator", "owner"])
def test_edit_is_for_owners_and_moderators(client, role):
    community = CommunityFactory.create(name="Avant")
    person = MembershipFactory.create(community=community, role=role).user
    client.force_login(person)
    data = {"name": "Après", "visibility": "public", "join_mode": "open"}
    response = client.post(reverse("communities:edit", args=[community.slug]), data)
    community.refresh_from_db()
    if role == "member":
        assert response.status_code == 404 and community.name == "Avant"
    else:
        assert response.status_code == 302 and community.name == "Après"


def test_joining_posting_commenting_in_an_open_community(client):
    community = CommunityFactory.create()
    alice = UserFactory.create()
    client.force_login(alice)
    for _repeat in range(2):
        client.post(reverse("communities:join", args=[community.slug]))
    assert Membership.objects.filter(community=community, user=alice).count() == 1
    response = client.post(
        reverse("communities:post_create", args=[community.slug]), {"body": "Bonjour !"}
    )
    assert response.status_code == 302
    post = Post.objects.get(body="Bonjour !")
    response = client.post(post.get_absolute_url(), {"body": "Un commentaire"})
    assert response.status_code == 302 and Comment.objects.filter(post=post).count() == 1
    empty = client.post(post.get_absolute_url(), {"body": "   "})
    assert empty.status_code == 400 and Comment.objects.count() == 1


def test_an_empty_post_is_a_form_error(client):
    community = CommunityFactory.create()
    alice = MembershipFactory.create(community=community).user
    client.force_login(alice)
    response = client.post(reverse("communities:post_create", args=[community.slug]), {"body": " "})
    assert response.status_code == 400 and not Post.objects.exists()
    assert "errorlist" in response.content.decode()


def test_invitation_link_joins_an_invitation_only_community(client):
    community = CommunityFactory.create(join_mode="invitation", visibility="private")
    bruno = UserFactory.create()
    client.force_login(bruno)
    url = reverse("communities:invitation", args=[community.invitation_token])
    assert community.name in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert Membership.objects.get(community=community, user=bruno).status == "active"
    assert client.get(reverse("communities:invitation", args=["faux"])).status_code == 404
    # Asking to join without the link is refused, with a clear error, and changes nothing.
    other = UserFactory.create()
    client.force_login(other)
    response = client.post(
        reverse("communities:join", args=[community.slug]), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 403 and "detail" in response.json()
    assert not Membership.objects.filter(user=other).exists()


def test_owner_promotes_and_approves_through_the_members_page(client):
    community = CommunityFactory.create(join_mode="approval")
    owner = MembershipFactory.create(community=community, role="owner").user
    member = MembershipFactory.create(community=community)
    pending = MembershipFactory.create(community=community, status="pending")
    client.force_login(owner)
    html = client.get(reverse("communities:members", args=[community.slug])).content.decode()
    assert pending.user.display_name in html and 'data-testid="invitation-link"' in html
    client.post(reverse("communities:approve", args=[community.slug, pending.pk]))
    client.post(
        reverse("communities:role", args=[community.slug, member.pk]), {"role": "moderator"}
    )
    pending.refresh_from_db()
    member.refresh_from_db()
    assert pending.status == "active" and member.role == "moderator"
    client.force_login(member.user)
    response = client.post(
        reverse("communities:role", args=[community.slug, pending.pk]), {"role": "owner"}
    )
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.role == "member"


@pytest.mark.parametrize("htmx", [False, True], ids=["no-js", "htmx"])
def test_like_in_one_click(client, htmx):
    post = PostFactory.create()
    alice = UserFactory.create()
    client.force_login(alice)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    url = reverse("communities:like", args=[post.community.slug, post.pk])
    for _repeat in range(2):
        response = client.post(url, {"next": "/"}, **headers)
    assert PostReaction.objects.filter(post=post, user=alice).count() == 1
    if htmx:
        html = response.content.decode()
        assert "<html" not in html and 'aria-pressed="true"' in html
        assert '<span data-testid="like-count">1</span>' in html
    else:
        assert response.status_code == 302 and response["Location"] == "/"
    client.post(reverse("communities:unlike", args=[post.community.slug, post.pk]), **headers)
    assert not PostReaction.objects.exists()


def test_anonymous_like_asks_to_log_in(client):
    post = PostFactory.create()
    response = client.post(reverse("communities:like", args=[post.community.slug, post.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not PostReaction.objects.exists()


@pytest.mark.parametrize("htmx", [False, True], ids=["no-js", "htmx"])
def test_follow_a_community_in_one_click(client, htmx):
    community = CommunityFactory.create()
    alice = UserFactory.create()
    client.force_login(alice)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for _repeat in range(2):
        response = client.post(reverse("communities:follow", args=[community.slug]), **headers)
    assert CommunityFollow.objects.filter(user=alice).count() == 1
    if htmx:
        assert 'aria-pressed="true"' in response.content.decode()
    client.post(reverse("communities:unfollow", args=[community.slug]), **headers)
    assert not CommunityFollow.objects.exists()


def test_every_text_field_renders_xss_payloads_inert(client):
    alice = UserFactory.create()
    client.force_login(alice)
    for payload in XSS_PAYLOADS:
        community = CommunityFactory.create(
            name=payload[:100], description=payload, charter=payload, city=payload[:80]
        )
        MembershipFactory.create(community=community, user=alice)
        post = PostFactory.create(community=community, author=alice, body=payload)
        CommentFactory.create(post=post, author=alice, body=payload)
        for url in (
            community.get_absolute_url(),
            post.get_absolute_url(),
            reverse("communities:members", args=[community.slug]),
            reverse("communities:list"),
            reverse("feed:home"),
        ):
            html = client.get(url).content.decode()
            assert dangerous_markup(html, page=True) == [], (payload, url)


def test_community_page_query_count_does_not_grow_with_posts(client, django_assert_max_num_queries):
    community = CommunityFactory.create()
    alice = MembershipFactory.create(community=community).user
    client.force_login(alice)
    PostFactory.create_batch(2, community=community)
    with django_assert_max_num_queries(30) as few:
        client.get(community.get_absolute_url())
    for post in PostFactory.create_batch(15, community=community):
        CommentFactory.create(post=post)
        PostReaction.objects.create(post=post, user=alice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(community.get_absolute_url())
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("communities:list"))


@pytest.mark.parametrize(("join_mode", "expected"), [("open", "active"), ("approval", "pending")])
def test_join_with_htmx_swaps_the_button_in_place(client, join_mode, expected):
    community = CommunityFactory.create(join_mode=join_mode)
    alice = UserFactory.create()
    client.force_login(alice)
    for _repeat in range(2):
        response = client.post(
            reverse("communities:join", args=[community.slug]), HTTP_HX_REQUEST="true"
        )
    html = response.content.decode()
    assert "<html" not in html and 'id="membership"' in html and 'data-testid="join"' not in html
    assert Membership.objects.get(community=community, user=alice).status == expected


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""]
)
def test_no_js_like_never_redirects_off_site(client, next_url):
    post = PostFactory.create()
    client.force_login(UserFactory.create())
    response = client.post(
        reverse("communities:like", args=[post.community.slug, post.pk]), {"next": next_url}
    )
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    assert PostReaction.objects.filter(post=post).count() == 1


def test_htmx_like_of_a_private_post_is_a_404_for_outsiders(client, private):
    client.force_login(UserFactory.create())
    post = private["post"]
    response = client.post(
        reverse("communities:like", args=[post.community.slug, post.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 404 and "message-secret" not in response.content.decode()
    assert not PostReaction.objects.exists()


def test_htmx_like_fragment_counts_everyone(client):
    post = PostFactory.create()
    PostReaction.objects.create(post=post, user=UserFactory.create())
    client.force_login(UserFactory.create())
    response = client.post(
        reverse("communities:like", args=[post.community.slug, post.pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.startswith(f'<div id="like-{post.pk}"') and "<html" not in html
    assert '<span data-testid="like-count">2</span>' in html
    assert reverse("communities:unlike", args=[post.community.slug, post.pk]) in html
    assert dangerous_markup(html) == []


def test_post_page_query_count_does_not_grow_with_comments(client, django_assert_max_num_queries):
    post = PostFactory.create()
    alice = MembershipFactory.create(community=post.community).user
    client.force_login(alice)
    CommentFactory.create(post=post)
    with django_assert_max_num_queries(30) as few:
        client.get(post.get_absolute_url())
    CommentFactory.create_batch(20, post=post)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(post.get_absolute_url())
    assert response.content.decode().count('data-testid="comment"') == 21


def test_members_page_query_count_does_not_grow_with_members(client, django_assert_max_num_queries):
    community = CommunityFactory.create(join_mode="approval")
    owner = MembershipFactory.create(community=community, role="owner").user
    client.force_login(owner)
    url = reverse("communities:members", args=[community.slug])
    MembershipFactory.create(community=community, status="pending")
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    MembershipFactory.create_batch(20, community=community)
    MembershipFactory.create_batch(5, community=community, status="pending")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_directory_shows_private_communities_by_name_only(client):
    secret = CommunityFactory.create(
        name="Cercle discret", city="Ville-secrète", visibility=Community.Visibility.PRIVATE
    )
    MembershipFactory.create_batch(3, community=secret)
    client.force_login(UserFactory.create())
    html = client.get(reverse("communities:list")).content.decode()
    assert "Cercle discret" in html and "Ville-secrète" not in html
    assert 'data-testid="community"' in html
    found = client.get(reverse("communities:list"), {"q": "Ville-secrète"}).content.decode()
    assert "Cercle discret" not in found


def test_name_only_and_invitation_pages_render_xss_payloads_inert(client):
    client.force_login(UserFactory.create())
    for payload in XSS_PAYLOADS:
        community = CommunityFactory.create(
            name=payload[:100], description=payload, visibility=Community.Visibility.PRIVATE
        )
        for url in (
            community.get_absolute_url(),
            reverse("communities:invitation", args=[community.invitation_token]),
            reverse("communities:list"),
        ):
            html = client.get(url).content.decode()
            assert dangerous_markup(html, page=True) == [], (payload, url)


@pytest.mark.parametrize(
    ("viewer", "sees_private"),
    [("anonymous", False), ("outsider", False), ("member", True), ("author", True)],
)
def test_a_profile_shows_the_posts_the_viewer_may_read(client, private, viewer, sees_private):
    """The profile page is accounts', its posts are communities' (a core.parts part)."""
    author = private["owner"]
    PostFactory.create(author=author, body="message-public")
    member = MembershipFactory.create(community=private["community"]).user
    people = {"outsider": UserFactory.create(), "member": member, "author": author}
    if viewer in people:
        client.force_login(people[viewer])
    html = client.get(reverse("accounts:profile", args=[author.handle])).content.decode()
    assert "message-public" in html
    assert ("message-secret" in html) is sees_private
