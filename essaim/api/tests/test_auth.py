"""Who may call the API: tokens (scoped, revocable), sessions with CSRF, anonymous reads;
suspended and banned accounts; write limits per account; the `{"detail": …}` errors."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.api import services
from essaim.api.tests.conftest import call, make_token
from essaim.campaigns.models import Signature
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from essaim.moderation.trust import MEMBER, NEW, TRUSTED

pytestmark = pytest.mark.django_db


@pytest.fixture
def pledge():
    return PledgeFactory.create(campaign=CampaignFactory.create(slug="climat"))


SIGN = "/campaigns/climat/pledge/signature"


def test_a_write_token_signs(api_client, person, pledge):
    response = call(api_client, "POST", SIGN, make_token(person), {"show_name": True})
    assert response.status_code == 200, response.content
    assert response.json()["signed"] is True
    assert Signature.objects.get().user == person


def test_me_names_the_token(api_client, person):
    response = call(api_client, "GET", "/me", make_token(person, "read", name="cli"))
    assert response.status_code == 200
    body = response.json()
    assert body["handle"] == person.handle
    assert body["token"]["name"] == "cli" and body["token"]["scope"] == "read"


def test_a_read_token_is_refused_on_writes(api_client, person, pledge):
    secret = make_token(person, "read")
    response = call(api_client, "POST", SIGN, secret)
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert not Signature.objects.exists()
    assert call(api_client, "GET", "/campaigns/climat/pledge", secret).status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Bearer essaim_wrong", "Bearer ", "Bearer not-even-the-format", "bearer essaim_x y"],
)
def test_a_wrong_token_is_a_401_with_a_detail(api_client, pledge, header):
    response = api_client.get("/api/v1/campaigns/climat", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert isinstance(response.json()["detail"], str)


def test_a_revoked_token_is_refused_at_once(api_client, person, pledge):
    created = services.token_create(user=person, name="cli", scope="write")
    services.token_revoke(actor=person, token=created.token)
    response = call(api_client, "POST", SIGN, created.secret)
    assert response.status_code == 401
    assert not Signature.objects.exists()


def test_a_bad_token_never_falls_back_on_the_session(pledge, person):
    client = Client()
    client.force_login(person)
    response = call(client, "GET", "/me", "essaim_wrong")
    assert response.status_code == 401


def test_anonymous_people_read_public_objects_but_cannot_write(api_client, pledge):
    assert call(api_client, "GET", "/campaigns/climat").status_code == 200
    response = call(api_client, "POST", SIGN)
    assert response.status_code == 401
    assert isinstance(response.json()["detail"], str)
    assert call(api_client, "GET", "/me").status_code == 401
    assert not Signature.objects.exists()


def test_a_session_writes_with_its_csrf_token_only(person, pledge):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    refused = call(client, "POST", SIGN)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not Signature.objects.exists()
    client.get("/campaigns/climat/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = call(client, "POST", SIGN, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200
    assert Signature.objects.get().user == person


def test_a_suspended_account_reads_but_does_not_write(api_client, person, pledge):
    secret = make_token(person)
    type(person).objects.filter(pk=person.pk).update(
        suspended_until=timezone.now() + timedelta(days=2)
    )
    assert call(api_client, "GET", "/campaigns/climat/pledge", secret).status_code == 200
    response = call(api_client, "POST", SIGN, secret)
    assert response.status_code == 403
    assert not Signature.objects.exists()


def test_a_banned_account_is_refused(api_client, person, pledge):
    secret = make_token(person)
    type(person).objects.filter(pk=person.pk).update(banned_at=timezone.now(), is_active=False)
    assert call(api_client, "GET", "/campaigns/climat", secret).status_code == 401
    assert call(api_client, "POST", SIGN, secret).status_code == 401


def test_token_writes_count_against_the_account_from_any_address(api_client, person, settings):
    # Only the per-account limit: two writes a minute, whatever the address.
    settings.RATE_LIMITS = {
        "address": [],
        **{f"account:{level}": [(2, 60)] for level in (NEW, MEMBER, TRUSTED)},
    }
    PledgeFactory.create(campaign=CampaignFactory.create(slug="climat"))
    secret = make_token(person)
    statuses = [
        call(api_client, "POST", SIGN, secret, REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]
    refused = call(api_client, "POST", SIGN, secret, REMOTE_ADDR="10.0.0.9")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert isinstance(refused.json()["detail"], str)
    # Someone else is not limited by it.
    other = make_token(UserFactory.create())
    assert call(api_client, "POST", SIGN, other).status_code == 200


def test_validation_errors_are_422_with_a_detail_sentence(api_client, person, pledge):
    response = call(api_client, "POST", SIGN, make_token(person), {"show_name": "maybe"})
    assert response.status_code == 422
    body = response.json()
    assert isinstance(body["detail"], str) and "show_name" in body["detail"]
    assert body["errors"][0]["field"] == "show_name"


def test_malformed_json_is_a_4xx_with_a_detail(api_client, person, pledge):
    response = api_client.post(
        "/api/v1" + SIGN,
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {make_token(person)}",
    )
    assert 400 <= response.status_code < 500
    assert isinstance(response.json()["detail"], str)


def test_an_unknown_path_is_a_404_json(api_client):
    response = api_client.get("/api/v1/nothing-here")
    assert response.status_code == 404
