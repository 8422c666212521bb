"""Who may call the API: tokens (scoped, revocable), sessions with CSRF, anonymous reads;
suspended and banned accounts; write limits per account; the `{"detail": …}` errors."""

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.accounts.trust import MEMBER, NEW, TRUSTED
from essaim.api import services
from essaim.api.tests.conftest import call, make_token
from essaim.campaigns import selectors as campaign_selectors
from essaim.campaigns.models import Signature
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory

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
    response = api_client.get("/api/v1/nothing-here", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "detail": "No API operation at this address: see /api/v1/docs for the list."
    }


def test_an_address_without_its_slash_names_the_one_with_it(api_client):
    response = api_client.post("/api/v1/campaigns", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "No API operation at this address: did you mean /api/v1/campaigns/?"
    }


# Every error, whoever answers it (an endpoint, ninja, a middleware, Django), is JSON with a
# sentence in `detail`.


class Recorded(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def recorded() -> Iterator[Recorded]:
    """What essaim.api.api logs (the suite runs without pytest's log capture)."""
    handler = Recorded()
    logger = logging.getLogger("essaim.api.api")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
def english(english_person: User) -> tuple[Client, User]:
    """A client and a person who read English (anonymous requests too)."""
    return Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en"), english_person


def _failing(error: Exception) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise error

    return fail


def _unknown(client, secret, monkeypatch, settings):
    return call(client, "POST", "/nothing/here", secret, {"a": 1})


def _outside_v1(client, secret, monkeypatch, settings):
    return client.get("/api/v2/campaigns")


def _root(client, secret, monkeypatch, settings):
    return client.get("/api/v1/")


def _wrong_method(client, secret, monkeypatch, settings):
    return call(client, "PUT", "/campaigns/climat", secret, {})


def _too_large(client, secret, monkeypatch, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    return call(client, "POST", SIGN, secret, {"show_name": True, "via": "x" * 2000})


def _server_error(client, secret, monkeypatch, settings):
    monkeypatch.setattr(
        campaign_selectors, "campaign_summary", _failing(RuntimeError("forced by the test"))
    )
    return call(client, "GET", "/campaigns/climat", secret)


def _database_down(client, secret, monkeypatch, settings):
    monkeypatch.setattr(
        campaign_selectors, "campaign_summary", _failing(OperationalError("server closed"))
    )
    return call(client, "GET", "/campaigns/climat", secret)


def _anonymous_write(client, secret, monkeypatch, settings):
    return call(client, "POST", SIGN)


def _read_token_write(client, secret, monkeypatch, settings):
    return call(client, "POST", SIGN, secret)


def _invalid(client, secret, monkeypatch, settings):
    return call(client, "POST", SIGN, secret, {"show_name": "maybe"})


def _too_many(client, secret, monkeypatch, settings):
    settings.RATE_LIMITS = {"address": [(1, 60)]}
    assert call(client, "DELETE", SIGN, secret).status_code == 200
    return call(client, "DELETE", SIGN, secret)


@pytest.mark.parametrize(
    ("request_it", "scope", "status", "detail"),
    [
        pytest.param(
            _unknown,
            "write",
            404,
            "No API operation at this address: see /api/v1/docs for the list.",
            id="404-unknown",
        ),
        pytest.param(_outside_v1, "write", 404, "Not found.", id="404-outside-v1"),
        pytest.param(_root, "write", 404, "Not found.", id="404-root"),
        pytest.param(
            _wrong_method,
            "write",
            405,
            "This method is not allowed here; allowed: GET.",
            id="405",
        ),
        pytest.param(_too_large, "write", 413, "The request body is too large.", id="413"),
        pytest.param(
            _server_error,
            "write",
            500,
            "Something went wrong on our side; it was logged.",
            id="500",
        ),
        pytest.param(
            _database_down,
            "write",
            503,
            "The service is briefly unavailable; please try again in a few seconds.",
            id="503",
        ),
        pytest.param(
            _anonymous_write,
            "write",
            401,
            "Log in, or send a personal access token (Authorization: Bearer …).",
            id="401",
        ),
        pytest.param(
            _read_token_write,
            "read",
            403,
            "This token is read-only: create a read and write token.",
            id="403",
        ),
        pytest.param(_invalid, "write", 422, "Invalid input: show_name.", id="422"),
        pytest.param(
            _too_many,
            "write",
            429,
            "Too many requests: please wait {retry_after} {seconds} and try again.",
            id="429",
        ),
    ],
)
def test_every_error_is_json_with_a_detail_sentence(
    english, pledge, monkeypatch, settings, recorded, request_it, scope, status, detail
):
    client, person = english
    secret = make_token(person, scope)
    response = request_it(client, secret, monkeypatch, settings)
    assert response.status_code == status, response.content
    assert response["Content-Type"].partition(";")[0] == "application/json"
    body = response.json()
    assert isinstance(body["detail"], str)
    retry_after = response.get("Retry-After")
    # One second is singular (the wait is computed to the end of the window: 1 happens).
    seconds = "second" if retry_after == "1" else "seconds"
    assert body["detail"] == detail.format(retry_after=retry_after, seconds=seconds)
    if status == 503:
        assert response["Retry-After"] == "5"
    if status == 429:
        assert 1 <= int(response["Retry-After"]) <= 60
    if status == 500:
        assert [
            (record.getMessage(), record.path, record.error) for record in recorded.records
        ] == [("api server error", "/api/v1/campaigns/climat", "RuntimeError")]
        assert recorded.records[0].exc_info is not None
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/campaigns/climat", "GET"),
        ("PATCH", "/campaigns/climat", "GET"),
        ("OPTIONS", "/campaigns/climat", "GET"),
        ("HEAD", "/campaigns/climat", "GET"),
        ("GET", SIGN, "DELETE, POST"),
        ("PUT", SIGN, "DELETE, POST"),
    ],
)
def test_a_wrong_method_is_a_405_json_with_its_allow_header(english, pledge, method, path, allowed):
    client, person = english
    response = call(client, method, path, make_token(person))
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert sorted(response["Allow"].split(", ")) == allowed.split(", ")
    if method != "HEAD":  # a HEAD answer has no body
        assert response.json() == {
            "detail": f"This method is not allowed here; allowed: {response['Allow']}."
        }
    assert not Signature.objects.exists()
