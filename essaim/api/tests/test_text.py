"""JSON bodies hold storable text only, by the rule every form follows (essaim.core.text):
control characters and lone surrogates anywhere in a body are a 400 with a sentence, and
nothing is stored."""

import json

import pytest

from essaim.aid.models import AidListing
from essaim.api.tests.conftest import bearer, make_token
from essaim.communities.models import Membership, Post
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db

# As a client sends them: JSON escapes, which decode to the characters forms refuse.
UNSTORABLE = {
    "nul": r"a\u0000b",
    "bell": r"a\u0007b",
    "escape": r"\u001b[31mred",
    "delete": r"a\u007fb",
    "c1-next-line": r"a\u0085b",
    "lone-high-surrogate": r"a\ud800b",
    "lone-low-surrogate": r"\udc00",
}
REFUSED = (
    "This request holds characters that cannot be stored (control characters or lone "
    "surrogates): remove them and send it again."
)


@pytest.fixture
def secret(english_person):
    community = CommunityFactory.create(slug="voisins")
    MembershipFactory.create(community=community, user=english_person, role=Membership.Role.MEMBER)
    return make_token(english_person)


def send(client, path, secret, raw):
    return client.post(f"/api/v1{path}", raw, content_type="application/json", **bearer(secret))


@pytest.mark.parametrize("escaped", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_a_post_body_with_unstorable_text_is_refused(api_client, secret, escaped):
    response = send(api_client, "/communities/voisins/posts", secret, f'{{"body": "{escaped}"}}')
    assert response.status_code == 400
    assert response.json() == {"detail": REFUSED}
    assert not Post.objects.exists()


@pytest.mark.parametrize("field", ["title", "body", "place"])
def test_every_field_of_a_listing_is_checked(api_client, secret, field):
    listing = {"kind": "offer", "category": "goods", "title": "Table", "body": "", "place": ""}
    raw = json.dumps(listing).replace(f'"{field}": "', f'"{field}": "\\u009b', 1)
    response = send(api_client, "/aid/listings", secret, raw)
    assert response.status_code == 400
    assert response.json() == {"detail": REFUSED}
    assert not AidListing.objects.exists()


def test_an_unknown_key_is_checked_too(api_client, secret):
    response = send(
        api_client, "/communities/voisins/posts", secret, '{"body": "ok", "x\\u0007": ["\\u0001"]}'
    )
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_multi_line_text_goes_through(api_client, secret):
    body = "Merci\r\n\tà tous 🐝"
    response = send(api_client, "/communities/voisins/posts", secret, json.dumps({"body": body}))
    assert response.status_code == 201
    assert Post.objects.get().body == body
