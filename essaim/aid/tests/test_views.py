from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.aid.models import AidListing
from essaim.aid.selectors import listing_search, matches_for
from essaim.aid.tests.factories import AidListingFactory
from essaim.communities.models import Community
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory
from essaim.core.tests.xss import XSS_PAYLOADS, dangerous_markup
from essaim.messaging.models import Conversation, Message

pytestmark = pytest.mark.django_db


def _titles(listings):
    return sorted(listing.title for listing in listings)


@pytest.fixture
def board():
    AidListingFactory.create(title="Vélo enfant à donner", body="Bon état", place="Paris 11e")
    AidListingFactory.create(
        title="Cherche des vélos pour un atelier",
        kind="request",
        category="goods",
        place="Lyon",
    )
    AidListingFactory.create(title="Cours de maths", category="service", place="Lille")
    AidListingFactory.create(
        title="Chambre pour étudiante", category="housing", kind="offer", place="Paris"
    )
    AidListingFactory.create(title="Vélo retiré", status="withdrawn")


def test_search_ignores_case_accents_and_plurals(board):
    visitor = UserFactory.create()
    found = _titles(listing_search(user=visitor, query="VELO"))
    assert found == ["Cherche des vélos pour un atelier", "Vélo enfant à donner"]
    assert _titles(listing_search(user=visitor, query="velo paris")) == ["Vélo enfant à donner"]
    assert _titles(listing_search(user=visitor, query="vélo", kind="request")) == [
        "Cherche des vélos pour un atelier"
    ]
    assert _titles(listing_search(user=visitor, category="housing")) == ["Chambre pour étudiante"]
    assert _titles(listing_search(user=visitor, place="paris")) == [
        "Chambre pour étudiante",
        "Vélo enfant à donner",
    ]
    assert listing_search(user=visitor, query="inexistant").count() == 0


@pytest.mark.postgres
def test_postgres_full_text_search_stems_french_and_ignores_accents(board):
    visitor = UserFactory.create()
    assert _titles(listing_search(user=visitor, query="vélos")) == [
        "Cherche des vélos pour un atelier",
        "Vélo enfant à donner",
    ]
    assert _titles(listing_search(user=visitor, query="etudiantes")) == ["Chambre pour étudiante"]
    # A title match ranks above a match in the details.
    AidListingFactory.create(title="Outils", body="de quoi réparer un vélo")
    ranked = [listing.title for listing in listing_search(user=visitor, query="vélo")]
    assert ranked.index("Outils") > ranked.index("Vélo enfant à donner")


@pytest.mark.postgres
def test_postgres_english_configuration_for_english_queries():
    AidListingFactory.create(title="Bikes for children", body="Several bikes")
    visitor = UserFactory.create()
    found = listing_search(user=visitor, query="bike", language="en")
    assert _titles(found) == ["Bikes for children"]


@pytest.mark.postgres
def test_postgres_search_uses_the_gin_index():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'aid_aidlisting'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"aid_search_fr", "aid_search_en"} <= names


def test_board_page_filters_without_javascript_and_with_htmx(client, board):
    html = client.get(reverse("aid:list"), {"q": "velo", "kind": "offer"}).content.decode()
    assert "Vélo enfant à donner" in html and "Cherche des vélos" not in html
    assert "Vélo retiré" not in html
    with_closed = client.get(reverse("aid:list"), {"q": "velo", "closed": "on"}).content.decode()
    assert "Vélo retiré" in with_closed
    fragment = client.get(reverse("aid:list"), {"q": "maths"}, HTTP_HX_REQUEST="true")
    assert (
        "<html" not in fragment.content.decode() and "Cours de maths" in fragment.content.decode()
    )
    bad = client.get(reverse("aid:list"), {"kind": "nimporte", "page": "zzz"})
    assert bad.status_code == 200


def test_private_community_listings_are_invisible_to_outsiders(client):
    community = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    author = MembershipFactory.create(community=community).user
    listing = AidListingFactory.create(author=author, community=community, title="Secret")
    outsider = UserFactory.create()
    client.force_login(outsider)
    assert client.get(listing.get_absolute_url()).status_code == 404
    assert client.get(reverse("aid:edit", args=[listing.pk])).status_code == 404
    response = client.post(reverse("aid:status", args=[listing.pk]), {"status": "done"})
    assert response.status_code == 404
    assert "Secret" not in client.get(reverse("aid:list")).content.decode()
    response = client.get(reverse("aid:list"), {"community": community.slug})
    assert response.status_code == 404
    response = client.post(
        reverse("messaging:start"),
        {"recipient": author.handle, "listing": listing.pk, "body": "Bonjour"},
    )
    assert response.status_code == 400 and not Conversation.objects.exists()
    listing.refresh_from_db()
    assert listing.status == "open"
    member = MembershipFactory.create(community=community).user
    client.force_login(member)
    assert client.get(listing.get_absolute_url()).status_code == 200


def test_create_a_listing_through_the_form(client):
    community = CommunityFactory.create()
    alice = MembershipFactory.create(community=community).user
    other = CommunityFactory.create()
    client.force_login(alice)
    tomorrow = (timezone.localdate() + timedelta(days=3)).isoformat()
    data = {
        "kind": "offer",
        "category": "service",
        "title": "Aide aux devoirs",
        "body": "Le **mercredi**",
        "place": "Paris",
        "community": community.slug,
        "expires_at": tomorrow,
    }
    response = client.post(reverse("aid:create"), data)
    listing = AidListing.objects.get()
    assert response.status_code == 302 and response["Location"] == listing.get_absolute_url()
    assert listing.community == community and listing.expires_at is not None
    assert "<strong>mercredi</strong>" in client.get(listing.get_absolute_url()).content.decode()
    # A community one is not a member of, a past date, a missing title: form errors, nothing stored.
    for bad in (
        {"community": other.slug},
        {"expires_at": "2020-01-01"},
        {"title": "  "},
        {"category": "nope"},
    ):
        response = client.post(reverse("aid:create"), {**data, **bad})
        assert response.status_code == 400, bad
    assert AidListing.objects.count() == 1


def test_author_moves_the_listing_along_and_others_cannot(client):
    listing = AidListingFactory.create()
    stranger = UserFactory.create()
    client.force_login(stranger)
    response = client.post(
        reverse("aid:status", args=[listing.pk]), {"status": "done"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 403 and "detail" in response.json()
    assert client.post(reverse("aid:edit", args=[listing.pk]), {"title": "x"}).status_code == 404
    client.force_login(listing.author)
    for status in ("promised", "promised", "done"):
        assert (
            client.post(reverse("aid:status", args=[listing.pk]), {"status": status}).status_code
            == 302
        )
    listing.refresh_from_db()
    assert listing.status == "done"
    response = client.post(
        reverse("aid:status", args=[listing.pk]), {"status": "open"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400 and "detail" in response.json()


def test_anonymous_visitors_read_but_cannot_write(client):
    listing = AidListingFactory.create(title="Public")
    assert "Public" in client.get(listing.get_absolute_url()).content.decode()
    for url in (reverse("aid:create"), reverse("aid:edit", args=[listing.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.post(reverse("aid:status", args=[listing.pk]), {"status": "done"})
    listing.refresh_from_db()
    assert listing.status == "open"


def test_replying_opens_one_private_conversation_about_the_listing(client):
    listing = AidListingFactory.create(title="Perceuse")
    bruno = UserFactory.create()
    client.force_login(bruno)
    page = client.get(listing.get_absolute_url()).content.decode()
    assert 'data-testid="reply"' in page and listing.author.email not in page
    data = {
        "recipient": listing.author.handle,
        "listing": listing.pk,
        "body": "Elle est encore libre ?",
        "idempotency_key": "6b3f1c1e-8a8e-4d55-9f0e-0d6c2d1a1a11",
    }
    first = client.post(reverse("messaging:start"), data)
    second = client.post(reverse("messaging:start"), data)
    conversation = Conversation.objects.get()
    assert first["Location"] == second["Location"] == conversation.get_absolute_url()
    assert conversation.listing == listing and Message.objects.count() == 1
    html = client.get(conversation.get_absolute_url()).content.decode()
    assert "Perceuse" in html


@pytest.mark.parametrize(
    ("viewer", "status", "shown"),
    [
        ("anonymous", "open", False),
        ("author", "open", False),
        ("other", "open", True),
        ("other", "promised", True),
        ("other", "done", False),
    ],
)
def test_messagings_reply_form_is_on_open_listings_for_others_only(client, viewer, status, shown):
    """The listing page is aid's, the reply form messaging's (a core.parts part)."""
    listing = AidListingFactory.create(status=status)
    if viewer != "anonymous":
        client.force_login(listing.author if viewer == "author" else UserFactory.create())
    page = client.get(listing.get_absolute_url()).content.decode()
    assert ('data-testid="reply"' in page) is shown
    assert (f'name="listing" value="{listing.pk}"' in page) is shown


def test_matches_show_requests_for_an_offer_to_its_author(client):
    offer = AidListingFactory.create(title="Donne vélo adulte", place="Lyon")
    match = AidListingFactory.create(title="Cherche vélo", kind="request", place="Lyon")
    AidListingFactory.create(title="Cherche canapé", kind="request", category="housing")
    AidListingFactory.create(title="Autre offre", kind="offer")
    assert [listing.pk for listing in matches_for(offer)] == [match.pk]
    client.force_login(offer.author)
    html = client.get(offer.get_absolute_url()).content.decode()
    assert 'data-testid="matches"' in html and "Cherche vélo" in html
    client.force_login(match.author)
    assert 'data-testid="matches"' in client.get(match.get_absolute_url()).content.decode()
    client.force_login(UserFactory.create())
    assert 'data-testid="matches"' not in client.get(offer.get_absolute_url()).content.decode()


def test_text_fields_render_xss_payloads_inert(client):
    alice = UserFactory.create()
    client.force_login(alice)
    for payload in XSS_PAYLOADS:
        listing = AidListingFactory.create(
            author=alice, title=payload[:120], body=payload, place=payload[:120]
        )
        for url in (listing.get_absolute_url(), reverse("aid:list"), reverse("feed:home")):
            html = client.get(url).content.decode()
            assert dangerous_markup(html, page=True) == [], (payload, url)


def test_board_query_count_does_not_grow_with_listings(client, django_assert_max_num_queries):
    community = CommunityFactory.create()
    AidListingFactory.create_batch(2, community=community)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("aid:list"))
    for _number in range(15):
        AidListingFactory.create(community=CommunityFactory.create())
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("aid:list"))


def test_status_change_with_htmx_updates_in_place_and_repeats_harmlessly(client):
    listing = AidListingFactory.create()
    client.force_login(listing.author)
    url = reverse("aid:status", args=[listing.pk])
    for _repeat in range(2):
        response = client.post(url, {"status": "promised"}, HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert response.status_code == 200 and "<html" not in html
        assert 'id="author-actions"' in html and 'hx-swap-oob="true"' in html
        assert 'value="done"' in html and 'value="promised"' not in html
    listing.refresh_from_db()
    assert listing.status == "promised"
