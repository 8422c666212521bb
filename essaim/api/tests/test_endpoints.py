"""The API's actions and lists: idempotent writes through the domain services, filters,
pagination, the provider interface for gifts, referrals and analytics for hosts."""

import uuid
from datetime import UTC, datetime

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from essaim.accounts.tests.factories import UserFactory
from essaim.aid import services as aid_services
from essaim.aid.models import AidListing
from essaim.aid.tests.factories import AidListingFactory
from essaim.api import schemas
from essaim.api.tests.conftest import call, make_token
from essaim.campaigns.models import (
    Campaign,
    CheckIn,
    Donation,
    Participant,
    Rsvp,
    Signature,
)
from essaim.campaigns.tests.factories import (
    CampaignFactory,
    ChallengeFactory,
    EventFactory,
    FundraiserFactory,
    PledgeFactory,
)
from essaim.communities.models import Community, Membership, Post, PostReaction
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory
from essaim.core.errors import ValidationError
from essaim.relay.models import Supporter
from essaim.relay.services import link_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign() -> Campaign:
    campaign = CampaignFactory.create(slug="climat")
    PledgeFactory.create(campaign=campaign)
    ChallengeFactory.create(campaign=campaign)
    FundraiserFactory.create(campaign=campaign)
    return campaign


def test_signing_twice_is_one_signature_credited_to_the_relay(api_client, person, campaign):
    relay = UserFactory.create()
    call(api_client, "POST", "/campaigns/climat/pledge/signature", make_token(relay, name="r"))
    code = link_for(user=relay, campaign=campaign).code
    secret = make_token(person)
    for _ in range(2):
        response = call(
            api_client, "POST", "/campaigns/climat/pledge/signature", secret, {"via": code}
        )
        assert response.status_code == 200
    assert response.json()["count"] == 2
    assert Signature.objects.filter(user=person).count() == 1
    assert Supporter.objects.get(user=person).referrer == relay
    withdrawn = call(api_client, "DELETE", "/campaigns/climat/pledge/signature", secret)
    assert withdrawn.json()["signed"] is False


def test_joining_and_checking_in(api_client, person, campaign):
    secret = make_token(person)
    late = call(api_client, "POST", "/campaigns/climat/challenge/check-ins", secret)
    assert late.status_code == 400
    assert isinstance(late.json()["detail"], str)
    assert call(api_client, "POST", "/campaigns/climat/challenge/participation", secret).json()[
        "progress"
    ]["joined"]
    for _ in range(2):
        response = call(api_client, "POST", "/campaigns/climat/challenge/check-ins", secret)
    assert response.status_code == 200
    assert response.json()["progress"]["checked_today"] is True
    assert Participant.objects.count() == 1 and CheckIn.objects.count() == 1


def test_rsvp_and_cancel_with_the_waiting_list(api_client, campaign):
    event = EventFactory.create(campaign=campaign, capacity=1)
    first, second = make_token(UserFactory.create()), make_token(UserFactory.create())
    path = f"/campaigns/climat/events/{event.pk}/rsvp"
    assert call(api_client, "POST", path, first).json()["my_rsvp"]["status"] == "confirmed"
    waiting = call(api_client, "POST", path, second).json()["my_rsvp"]
    assert waiting == {"status": "waitlisted", "waitlist_rank": 1}
    call(api_client, "DELETE", path, first)
    assert Rsvp.objects.get(status=Rsvp.Status.CONFIRMED).position == 2
    listed = call(api_client, "GET", "/campaigns/climat/events").json()
    assert listed["items"][0]["confirmed"] == 1


def test_giving_is_idempotent_by_its_key(api_client, person, campaign):
    secret = make_token(person)
    key = str(uuid.uuid4())
    path = "/campaigns/climat/fundraiser/donations"
    answers = [
        call(api_client, "POST", path, secret, {"amount": 25_00}, HTTP_IDEMPOTENCY_KEY=key)
        for _ in range(3)
    ]
    assert {answer.status_code for answer in answers} == {200}
    assert {answer.json()["id"] for answer in answers} == {Donation.objects.get().pk}
    assert answers[0].json()["status"] == "succeeded"
    in_body = call(api_client, "POST", path, secret, {"amount": 25_00, "idempotency_key": key})
    assert in_body.status_code == 200
    assert in_body.json()["id"] == answers[0].json()["id"]
    totals = call(api_client, "GET", "/campaigns/climat/fundraiser").json()
    assert totals["donations"] == 25_00 and totals["donors"] == 1
    ledger = call(api_client, "GET", path).json()
    assert ledger["count"] == 1 and ledger["items"][0]["amount"] == 25_00


@pytest.mark.parametrize(
    "replay",
    [{"amount": 5_00}, {"amount": 25_00, "anonymous": True}, {"amount": 5_00, "anonymous": True}],
)
def test_a_key_replayed_with_other_terms_is_a_conflict_and_gives_nothing(
    api_client, english_person, campaign, replay
):
    secret = make_token(english_person)
    key = str(uuid.uuid4())
    path = "/campaigns/climat/fundraiser/donations"
    first = call(api_client, "POST", path, secret, {"amount": 25_00}, HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 200
    response = call(api_client, "POST", path, secret, replay, HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 409
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "detail": "This Idempotency-Key was already used for a gift of another amount or "
        "anonymity: send a new key for a new gift, or the same body to retry."
    }
    donation = Donation.objects.get()
    assert (donation.amount, donation.anonymous, donation.status) == (25_00, False, "succeeded")


def test_a_key_someone_else_used_is_a_conflict_in_words_for_scripts(
    api_client, person, english_person, campaign
):
    key = str(uuid.uuid4())
    path = "/campaigns/climat/fundraiser/donations"
    mine = call(
        api_client, "POST", path, make_token(person), {"amount": 25_00, "idempotency_key": key}
    )
    assert mine.status_code == 200
    other = make_token(english_person)
    response = call(api_client, "POST", path, other, {"amount": 25_00, "idempotency_key": key})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This Idempotency-Key is already taken: send a new key (a fresh UUID) for "
        "each gift."
    }
    assert Donation.objects.get().user == person


def test_the_give_page_answers_a_replay_as_the_api_does(campaign, person, english_person):
    # One behaviour whatever the door: the same terms answer the first gift, other terms or
    # someone else's key are a conflict.
    key = str(uuid.uuid4())
    page = Client()
    page.force_login(person)
    first = page.post("/campaigns/climat/give/", {"amount": "25", "idempotency_key": key})
    same = page.post("/campaigns/climat/give/", {"amount": "25", "idempotency_key": key})
    again = page.post("/campaigns/climat/give/", {"amount": "5", "idempotency_key": key})
    assert (first.status_code, same.status_code, again.status_code) == (302, 302, 409)
    other = Client()
    other.force_login(english_person)
    taken = other.post("/campaigns/climat/give/", {"amount": "25", "idempotency_key": key})
    assert taken.status_code == 409
    assert "This form was already used; reload the page." in taken.content.decode()
    donation = Donation.objects.get()
    assert (donation.user, donation.amount) == (person, 25_00)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"amount": 10_00}, {}),
        ({"amount": 10_00}, {"HTTP_IDEMPOTENCY_KEY": "not-a-uuid"}),
        ({"amount": 0, "idempotency_key": str(uuid.uuid4())}, {}),
        ({"amount": -5, "idempotency_key": str(uuid.uuid4())}, {}),
    ],
)
def test_a_gift_without_a_valid_key_or_amount_is_refused(
    api_client, person, campaign, body, headers
):
    response = call(
        api_client,
        "POST",
        "/campaigns/climat/fundraiser/donations",
        make_token(person),
        body,
        **headers,
    )
    assert response.status_code in {400, 422}
    assert isinstance(response.json()["detail"], str)
    assert not Donation.objects.exists()


def test_campaign_filters_and_pagination(api_client):
    for number in range(5):
        CampaignFactory.create(slug=f"env-{number}")
    CampaignFactory.create(slug="sante", category=Campaign.Category.HEALTH)
    CampaignFactory.create(slug="finie", status=Campaign.Status.CLOSED)
    page = call(api_client, "GET", "/campaigns/", data={"limit": 2, "offset": 2}).json()
    assert page["count"] == 6 and len(page["items"]) == 2
    assert (page["limit"], page["offset"]) == (2, 2)
    health = call(api_client, "GET", "/campaigns/", data={"category": "health"}).json()
    assert [item["slug"] for item in health["items"]] == ["sante"]
    closed = call(api_client, "GET", "/campaigns/", data={"status": "closed"}).json()
    assert [item["slug"] for item in closed["items"]] == ["finie"]
    assert call(api_client, "GET", "/campaigns/", data={"limit": 1000}).status_code == 422


def test_campaigns_by_host_community(api_client):
    community = CommunityFactory.create(slug="voisins")
    hosted = CampaignFactory.create(slug="hostee")
    hosted.hosts.create(community=community, status="accepted")
    CampaignFactory.create(slug="autre")
    listed = call(api_client, "GET", "/campaigns/", data={"community": "voisins"}).json()
    assert [item["slug"] for item in listed["items"]] == ["hostee"]


def test_listings_filters_create_and_lifecycle(api_client, person):
    AidListingFactory.create(title="Vélo à donner", kind=AidListing.Kind.OFFER)
    AidListingFactory.create(title="Cherche logement", kind=AidListing.Kind.REQUEST)
    offers = call(api_client, "GET", "/aid/listings", data={"kind": "offer"}).json()
    assert [item["title"] for item in offers["items"]] == ["Vélo à donner"]
    found = call(api_client, "GET", "/aid/listings", data={"q": "logement"}).json()
    assert [item["title"] for item in found["items"]] == ["Cherche logement"]
    secret = make_token(person)
    created = call(
        api_client,
        "POST",
        "/aid/listings",
        secret,
        {"kind": "request", "category": "housing", "title": "Une chambre", "place": "Lyon"},
    )
    assert created.status_code == 201
    assert created.json()["expires_at"] is None
    listing_id = created.json()["id"]
    path = f"/aid/listings/{listing_id}/status"
    assert call(api_client, "POST", path, secret, {"status": "promised"}).json()["status"] == (
        "promised"
    )
    other = make_token(UserFactory.create())
    assert call(api_client, "POST", path, other, {"status": "done"}).status_code == 403
    assert AidListing.objects.get(pk=listing_id).status == AidListing.Status.PROMISED


@pytest.mark.parametrize(
    ("expires_at", "status", "stored"),
    [
        ("2030-01-01T00:00:00", 422, None),
        ("2030-01-01T00:00:00+01:00", 201, datetime(2029, 12, 31, 23, tzinfo=UTC)),
        ("2030-01-01T00:00:00Z", 201, datetime(2030, 1, 1, tzinfo=UTC)),
    ],
)
def test_a_listing_expiry_needs_its_time_zone(
    api_client, english_person, expires_at, status, stored
):
    response = call(
        api_client,
        "POST",
        "/aid/listings",
        make_token(english_person),
        {"kind": "offer", "category": "goods", "title": "Table", "expires_at": expires_at},
    )
    assert response.status_code == status, response.content
    if status == 422:
        body = response.json()
        assert body["detail"] == "Invalid input: expires_at."
        assert [problem["field"] for problem in body["errors"]] == ["expires_at"]
        assert not AidListing.objects.exists()
    else:
        assert AidListing.objects.get().expires_at == stored


def test_the_listing_service_refuses_a_naive_expiry(person):
    with pytest.raises(ValidationError) as refused:
        aid_services.listing_create(
            author=person,
            kind="offer",
            category="goods",
            title="Table",
            expires_at=datetime(2030, 1, 1),  # naive on purpose: what a careless caller sends
        )
    assert refused.value.message == "Give the expiry date with its time zone."
    assert not AidListing.objects.exists()


def test_a_listing_in_a_community_one_cannot_see_is_a_404(api_client, person):
    CommunityFactory.create(slug="prive", visibility=Community.Visibility.PRIVATE)
    response = call(
        api_client,
        "POST",
        "/aid/listings",
        make_token(person),
        {"kind": "offer", "category": "goods", "title": "Table", "community": "prive"},
    )
    assert response.status_code == 404
    assert not AidListing.objects.exists()


def test_join_post_and_like_in_a_community(api_client, person):
    CommunityFactory.create(slug="voisins")
    secret = make_token(person)
    refused = call(api_client, "POST", "/communities/voisins/posts", secret, {"body": "Bonjour"})
    assert refused.status_code == 403
    joined = call(api_client, "POST", "/communities/voisins/membership", secret).json()
    assert joined["status"] == "active"
    post = call(api_client, "POST", "/communities/voisins/posts", secret, {"body": "Bonjour"})
    assert post.status_code == 201
    post_id = post.json()["id"]
    like = f"/communities/voisins/posts/{post_id}/like"
    for _ in range(2):
        liked = call(api_client, "POST", like, secret).json()
    assert liked == {"post": post_id, "liked": True, "like_count": 1}
    assert PostReaction.objects.count() == 1
    assert call(api_client, "DELETE", like, secret).json()["liked"] is False
    assert Post.objects.get().body == "Bonjour"


def test_an_outsider_of_a_private_community_cannot_join_by_api_without_approval(api_client, person):
    community = CommunityFactory.create(
        slug="prive", visibility=Community.Visibility.PRIVATE, join_mode="approval"
    )
    answer = call(api_client, "POST", "/communities/prive/membership", make_token(person)).json()
    assert answer["status"] == "pending"
    assert (
        call(
            api_client, "GET", "/communities/prive/posts", make_token(person, name="b")
        ).status_code
        == 404
    )
    assert Membership.objects.get(community=community, user=person).status == "pending"


def test_referral_once_one_has_acted(api_client, person, campaign):
    secret = make_token(person)
    assert call(api_client, "GET", "/campaigns/climat/referral", secret).status_code == 404
    call(api_client, "POST", "/campaigns/climat/pledge/signature", secret)
    referral = call(api_client, "GET", "/campaigns/climat/referral", secret).json()
    assert referral["code"] == link_for(user=person, campaign=campaign).code
    assert referral["url"].endswith(f"/r/{referral['code']}")
    assert referral["stats"] == {"visitors": 0, "brought": 0, "downstream": 0}


def test_analytics_for_hosts_only(api_client, campaign):
    host = campaign.created_by
    secret = make_token(host)
    dashboard = call(api_client, "GET", "/campaigns/climat/analytics", secret)
    assert dashboard.status_code == 200
    names = {table["name"] for table in dashboard.json()["tables"]}
    assert {"links", "relays", "hosts", "impact"} <= names
    table = call(api_client, "GET", "/campaigns/climat/analytics/hosts", secret).json()
    assert table["rows"][0][0] == host.display_name
    assert call(api_client, "GET", "/campaigns/climat/analytics/nope", secret).status_code == 404
    outsider = make_token(UserFactory.create())
    for path in ("/campaigns/climat/analytics", "/campaigns/climat/analytics/hosts"):
        assert call(api_client, "GET", path, outsider).status_code == 404


def test_an_event_proposal_is_seen_by_hosts_and_its_author_only(api_client, campaign):
    author = UserFactory.create()
    event = EventFactory.create(campaign=campaign, status="proposed", proposed_by=author)
    path = f"/campaigns/climat/events/{event.pk}"
    assert call(api_client, "GET", path, make_token(author)).status_code == 200
    assert call(api_client, "GET", path, make_token(campaign.created_by)).status_code == 200
    assert call(api_client, "GET", path, make_token(UserFactory.create())).status_code == 404
    assert call(api_client, "GET", path).status_code == 404


def test_a_member_sees_the_private_community_in_full(api_client, person):
    community = CommunityFactory.create(slug="prive", visibility="private")
    MembershipFactory.create(community=community, user=person)
    answer = call(api_client, "GET", "/communities/prive", make_token(person)).json()
    assert answer["is_member"] is True and answer["member_count"] == 1


@pytest.mark.parametrize(
    ("literal", "choices"),
    [
        (schemas.CampaignCategory, Campaign.Category.values),
        (schemas.CampaignStatus, Campaign.Status.values),
        (schemas.ListingKind, AidListing.Kind.values),
        (schemas.ListingCategory, AidListing.Category.values),
        (schemas.ListingStatus, AidListing.Status.values),
    ],
)
def test_the_schema_choices_are_the_models(literal, choices):
    assert list(literal.__args__) == list(choices)


def test_the_docs_are_served_from_local_static_files(api_client):
    response = api_client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css"):
        assert finders.find(f"ninja/{asset}") is not None
