"""The optional proof of work on the one-step form: a challenge bound to its campaign and
form, solved once, refused when wrong, replayed, expired, tampered with or another's."""

import hashlib
import json
import time
from itertools import count
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from essaim.accounts.models import User
from essaim.campaigns.guest_forms import started_token
from essaim.campaigns.models import Campaign
from essaim.campaigns.services.proof_of_work import (
    challenge_issue,
    leading_zero_bits,
    proof_verify,
)
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from essaim.core.errors import ValidationError
from essaim.core.models import OutboxMessage

pytestmark = pytest.mark.django_db

FORM = "guest-sign"
BITS = 8


@pytest.fixture(autouse=True)
def _proof_of_work(settings):
    settings.CAMPAIGNS_GUEST_MIN_SECONDS = 0
    settings.CAMPAIGNS_GUEST_PROOF_OF_WORK = True
    settings.CAMPAIGNS_GUEST_PROOF_BITS = BITS
    settings.CAMPAIGNS_GUEST_PROOF_SECONDS = 600


def _digest_bits(token: str, nonce: str) -> int:
    return leading_zero_bits(hashlib.sha256((token + nonce).encode()).digest())


def solve(token: str, bits: int) -> str:
    """By brute force, as the page's worker does: the first decimal nonce that answers."""
    return next(str(n) for n in count() if _digest_bits(token, str(n)) >= bits)


def _wrong(token: str, bits: int) -> str:
    return next(str(n) for n in count() if _digest_bits(token, str(n)) < bits)


# Services -----------------------------------------------------------------------------------


def test_leading_zero_bits_counts_bits_not_bytes():
    assert leading_zero_bits(b"\x00\x00\xff") == 16
    assert leading_zero_bits(b"\x00\x01") == 15
    assert leading_zero_bits(b"\x10") == 3
    assert leading_zero_bits(b"\x00\x00") == 16


def test_a_solved_challenge_passes_once_and_its_replay_is_refused():
    campaign = CampaignFactory.create()
    challenge = challenge_issue(campaign=campaign, form=FORM)
    nonce = solve(challenge.token, challenge.bits)
    assert (challenge.bits, challenge.seconds) == (BITS, 600)

    proof_verify(campaign=campaign, form=FORM, token=challenge.token, nonce=nonce)
    with pytest.raises(ValidationError, match="already sent"):
        proof_verify(campaign=campaign, form=FORM, token=challenge.token, nonce=nonce)


def _tampered(token: str) -> str:
    payload, rest = token.split(":", 1)
    return ("A" if payload[0] != "A" else "B") + payload[1:] + ":" + rest


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("wrong", "check failed"),
        ("letters", "check failed"),
        ("long", "check failed"),
        ("missing", "needs JavaScript"),
        ("tampered", "check failed"),
        ("another campaign", "check failed"),
        ("another form", "check failed"),
        ("expired", "expired"),
        ("easier than asked now", "expired"),
    ],
)
def test_a_bad_answer_is_refused_and_leaves_the_challenge_unspent(settings, bad, message):
    campaign = CampaignFactory.create()
    other = CampaignFactory.create()
    if bad == "expired":
        with mock.patch("time.time", return_value=time.time() - 601):
            challenge = challenge_issue(campaign=campaign, form=FORM)
    else:
        challenge = challenge_issue(campaign=campaign, form=FORM)
    token, nonce, asked = challenge.token, solve(challenge.token, BITS), campaign
    form = FORM
    match bad:
        case "wrong":
            nonce = _wrong(token, BITS)
        case "letters":
            nonce = "1e3"
        case "long":
            nonce = "0" * 21 + nonce
        case "missing":
            nonce = ""
        case "tampered":
            token = _tampered(token)
        case "another campaign":
            asked = other
        case "another form":
            form = "guest-rsvp"
        case "easier than asked now":
            settings.CAMPAIGNS_GUEST_PROOF_BITS = BITS + 4

    with pytest.raises(ValidationError, match=message):
        proof_verify(campaign=asked, form=form, token=token, nonce=nonce)

    # Refused, it spent nothing: the right answer for the right form still passes.
    if bad not in ("expired", "easier than asked now"):
        proof_verify(
            campaign=campaign, form=FORM, token=challenge.token, nonce=solve(challenge.token, BITS)
        )


def test_an_unreachable_cache_lets_a_solved_challenge_through_and_logs_it(settings, caplog):
    """The fail-soft Redis (core.cache) answers every `add` False when Redis is down: taken
    for a replay, every visitor would be refused until it comes back."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "essaim.core.cache.FailSoftRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        },
    }
    campaign = CampaignFactory.create()
    challenge = challenge_issue(campaign=campaign, form=FORM)

    proof_verify(
        campaign=campaign, form=FORM, token=challenge.token, nonce=solve(challenge.token, BITS)
    )

    assert "proof of work not recorded as spent" in caplog.messages


def test_two_challenges_for_one_campaign_are_two_puzzles():
    campaign = CampaignFactory.create()
    first, second = (challenge_issue(campaign=campaign, form=FORM) for _ in range(2))
    assert first.token != second.token
    proof_verify(campaign=campaign, form=FORM, token=first.token, nonce=solve(first.token, BITS))
    proof_verify(campaign=campaign, form=FORM, token=second.token, nonce=solve(second.token, BITS))


# Views --------------------------------------------------------------------------------------


@pytest.fixture
def client() -> Client:
    """In English, which the assertions read (one test reads the French)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _challenge(client, campaign: Campaign) -> dict[str, str]:
    response = client.get(reverse("campaigns:proof_challenge", args=[campaign.slug, FORM]))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    body = json.loads(response.content)
    assert body["bits"] == BITS
    return {"proof_challenge": body["challenge"], "proof_nonce": solve(body["challenge"], BITS)}


def _form(email: str, **proof: str) -> dict[str, str]:
    return {
        "name": "Nour Haddad",
        "email": email,
        "consent": "on",
        "started": started_token(),
        **proof,
    }


def _sign(
    client, campaign: Campaign, email: str, proof: dict[str, str] | None = None, htmx: bool = False
):
    return client.post(
        reverse("campaigns:guest_sign", args=[campaign.slug]),
        _form(email, **(proof or {})),
        headers={"HX-Request": "true"} if htmx else {},
    )


def _guests() -> list[str]:
    return sorted(User.objects.filter(is_guest=True).values_list("email", flat=True))


def test_a_guest_signs_with_a_solved_challenge_and_its_replay_is_refused(client):
    campaign = PledgeFactory.create().campaign
    proof = _challenge(client, campaign)

    signed = _sign(client, campaign, "nour@exemple.test", proof)
    assert signed.status_code == 302
    assert _guests() == ["nour@exemple.test"]

    replayed = _sign(client, campaign, "sam@exemple.test", proof, htmx=True)
    assert replayed.status_code == 400
    assert 'data-testid="guest-sign-form"' in replayed.content.decode()
    assert "already sent with this anti-robot check" in replayed.content.decode()
    assert _guests() == ["nour@exemple.test"]
    assert OutboxMessage.objects.count() == 1


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(
    ("language", "why"), [("en", "needs JavaScript"), ("fr", "a besoin de JavaScript")]
)
def test_a_form_without_its_proof_is_refused_with_why_and_records_nothing(htmx, language, why):
    campaign = PledgeFactory.create().campaign

    response = _sign(
        Client(HTTP_ACCEPT_LANGUAGE=language), campaign, "nour@exemple.test", htmx=htmx
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="guest-sign-form"' in body and why in body
    assert _guests() == [] and not OutboxMessage.objects.exists()


def test_a_challenge_for_another_campaign_is_refused(client):
    campaign, other = (PledgeFactory.create().campaign for _ in range(2))

    response = _sign(client, campaign, "nour@exemple.test", _challenge(client, other))

    assert response.status_code == 400
    assert "check failed" in response.content.decode()
    assert _guests() == []


def test_a_form_refused_for_something_else_keeps_its_challenge(client):
    campaign = PledgeFactory.create().campaign
    proof = _challenge(client, campaign)

    assert _sign(client, campaign, "pas-une-adresse", proof).status_code == 400
    assert _sign(client, campaign, "nour@exemple.test", proof).status_code == 302
    assert _guests() == ["nour@exemple.test"]


def test_the_form_carries_the_script_and_its_challenges_address_only_when_asked(client, settings):
    campaign = PledgeFactory.create().campaign
    challenge_url = reverse("campaigns:proof_challenge", args=[campaign.slug, FORM])

    page = client.get(campaign.get_absolute_url()).content.decode()
    assert f'data-proof-of-work="{challenge_url}"' in page
    assert "campaigns/proof_of_work.js" in page and "proof-needs-javascript" in page

    # Off (a campaign's page kept for anonymous visitors shows the change within seconds: this
    # is another campaign's), a form without a proof signs as before.
    settings.CAMPAIGNS_GUEST_PROOF_OF_WORK = False
    other = PledgeFactory.create().campaign
    page = client.get(other.get_absolute_url()).content.decode()
    assert 'data-testid="guest-sign-form"' in page
    assert "data-proof-of-work" not in page and "proof_of_work.js" not in page
    assert _sign(client, other, "nour@exemple.test").status_code == 302


@pytest.mark.parametrize("where", ["draft campaign", "unknown form"])
def test_no_challenge_for_a_draft_campaign_or_an_unknown_form(client, where):
    campaign = (
        CampaignFactory.create(status=Campaign.Status.DRAFT)
        if where == "draft campaign"
        else CampaignFactory.create()
    )
    form = FORM if where == "draft campaign" else "nothing"

    response = client.get(reverse("campaigns:proof_challenge", args=[campaign.slug, form]))

    assert response.status_code == 404


def test_the_admin_asks_it_of_one_campaign_where_the_instance_does_not(client, settings):
    settings.CAMPAIGNS_GUEST_PROOF_OF_WORK = False
    guarded = PledgeFactory.create(campaign__guest_proof_of_work=True).campaign
    open_one = PledgeFactory.create().campaign

    page = client.get(guarded.get_absolute_url()).content.decode()
    assert 'data-testid="proof-of-work"' in page
    refused = _sign(client, guarded, "nour@exemple.test")
    assert refused.status_code == 400 and "needs JavaScript" in refused.content.decode()
    assert _guests() == []

    assert (
        _sign(client, guarded, "nour@exemple.test", _challenge(client, guarded)).status_code == 302
    )
    assert (
        'data-testid="proof-of-work"'
        not in client.get(open_one.get_absolute_url()).content.decode()
    )
    assert _sign(client, open_one, "sam@exemple.test").status_code == 302
    assert _guests() == ["nour@exemple.test", "sam@exemple.test"]
