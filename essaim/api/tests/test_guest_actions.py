"""Acting without an account through the API (routers/guest.py): the same service as the
site's one-step form, the same answer whoever the address belongs to, the same limits."""

import uuid
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from essaim.accounts.tests.factories import UserFactory
from essaim.api.tests.conftest import call, make_token
from essaim.campaigns import selectors as fundraising_selectors
from essaim.campaigns.models import (
    GUEST_EMAIL_CHANNEL,
    Campaign,
    Donation,
    GuestAction,
    InKindPledge,
    Rsvp,
    Signature,
)
from essaim.campaigns.services import guest as guest_services
from essaim.campaigns.services.fundraising import in_kind_deliver
from essaim.campaigns.tests.factories import (
    CampaignFactory,
    ChallengeFactory,
    EventFactory,
    FundraiserFactory,
    PledgeFactory,
)
from essaim.campaigns.tests.test_proof_of_work import solve
from essaim.core import outbox
from essaim.core.models import OutboxMessage

pytestmark = pytest.mark.django_db

ADDRESS = "nour.haddad@exemple.test"
OFFER = {"item": "Sacs de riz", "quantity": 20, "unit": "kg", "declared_value": 40_00}


def _body(**overrides: Any) -> dict[str, Any]:
    return {"kind": "sign", "name": "Nour Haddad", "email": ADDRESS, "consent": True, **overrides}


def _act(client: Client, campaign: Campaign, secret: str | None = None, **overrides: Any) -> Any:
    return call(
        client, "POST", f"/campaigns/{campaign.slug}/guest-actions", secret, _body(**overrides)
    )


def _nothing_recorded() -> None:
    assert not GuestAction.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_signature_is_pending_and_the_same_address_twice_is_one_action_one_email(api_client):
    pledge = PledgeFactory.create()
    first = _act(api_client, pledge.campaign, postcode="75011", hear_from_hosts=True)
    again = _act(api_client, pledge.campaign, email="Nour.Haddad+x@Exemple.test", name="N. H.")
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert first.json()["status"] == "pending" and first.json()["kind"] == "sign"
    action = GuestAction.objects.get()
    assert (action.kind, action.pledge, action.postcode, action.hear_from_hosts) == (
        "sign",
        pledge,
        "75011",
        True,
    )
    assert action.network == "127.0.0.0/24"
    assert OutboxMessage.objects.filter(channel=GUEST_EMAIL_CHANNEL).count() == 1
    # Nothing counted before the e-mail's page is posted.
    assert not Signature.objects.exists()
    outbox.dispatch(here=True)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [ADDRESS]


def test_the_answer_never_tells_whether_the_address_has_an_account_or_already_acted(api_client):
    pledge = PledgeFactory.create()
    UserFactory.create(email="compte@exemple.test")
    stranger = _act(api_client, pledge.campaign, email="nouveau@exemple.test")
    account = _act(api_client, pledge.campaign, email="compte@exemple.test")
    action = GuestAction.objects.get(user__email="nouveau@exemple.test")
    guest_services.guest_confirm(
        token=guest_services.confirmation_token(action), campaign=pledge.campaign
    )
    confirmed = _act(api_client, pledge.campaign, email="nouveau@exemple.test")
    assert stranger.status_code == account.status_code == confirmed.status_code == 202
    assert stranger.content == account.content == confirmed.content
    assert Signature.objects.count() == 1


def test_joining_and_answering_an_event_are_guest_actions_too(api_client):
    campaign = CampaignFactory.create()
    challenge = ChallengeFactory.create(campaign=campaign)
    event = EventFactory.create(campaign=campaign, capacity=1)
    assert _act(api_client, campaign, kind="join").status_code == 202
    assert _act(api_client, campaign, kind="rsvp", event_id=event.pk).status_code == 202
    kinds = dict(GuestAction.objects.values_list("kind", "challenge_id"))
    assert kinds["join"] == challenge.pk
    rsvp = GuestAction.objects.get(kind="rsvp")
    assert rsvp.event == event
    guest_services.guest_confirm(token=guest_services.confirmation_token(rsvp), campaign=campaign)
    assert Rsvp.objects.get(event=event).status == Rsvp.Status.CONFIRMED


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"email": "pas-une-adresse"}, 400),
        ({"email": "quelquun@mailinator.com"}, 400),
        ({"consent": False}, 400),
        ({"name": "   "}, 400),
        ({"kind": "rsvp"}, 400),
        ({"kind": "give", "offer": OFFER}, 404),
        ({"kind": "vote"}, 422),
        ({"postcode": "75<011>"}, 422),
        ({"email": "x" * 250 + "@a.fr"}, 422),
        ({"kind": "rsvp", "event_id": 2**62}, 404),
        ({"kind": "join"}, 404),
    ],
)
def test_bad_input_is_a_clear_json_detail_and_records_nothing(api_client, overrides, status):
    pledge = PledgeFactory.create()
    response = _act(api_client, pledge.campaign, **overrides)
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    _nothing_recorded()


@pytest.mark.parametrize("operation", ["guest-actions", "guest-gifts"])
def test_a_body_nested_deeper_than_python_reads_is_a_clear_4xx(api_client, operation):
    pledge = PledgeFactory.create()
    # The guest write limit reads the address from the body before the API does.
    body = "[" * 100_000 + "]" * 100_000
    response = api_client.post(
        f"/api/v1/campaigns/{pledge.campaign.slug}/{operation}",
        body,
        content_type="application/json",
    )
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["detail"]
    _nothing_recorded()


def test_the_refusals_are_in_the_callers_language(api_client):
    campaign = PledgeFactory.create().campaign
    french = _act(api_client, campaign, consent=False)
    path = f"/campaigns/{campaign.slug}/guest-actions"
    english = call(api_client, "POST", path, None, _body(consent=False), HTTP_ACCEPT_LANGUAGE="en")
    assert french.json()["detail"].startswith("Mettez consent à true")
    assert english.json()["detail"].startswith("Set consent to true")


def test_a_closed_campaign_refuses_and_a_draft_does_not_exist(api_client):
    closed = PledgeFactory.create(campaign__status=Campaign.Status.CLOSED).campaign
    draft = PledgeFactory.create(campaign__status=Campaign.Status.DRAFT).campaign
    refused = _act(api_client, closed)
    assert refused.status_code == 400 and refused.json()["detail"]
    assert _act(api_client, draft).status_code == 404
    _nothing_recorded()


def test_an_authenticated_caller_acts_with_its_own_operations(api_client):
    pledge = PledgeFactory.create()
    person = UserFactory.create()
    response = _act(api_client, pledge.campaign, make_token(person))
    assert response.status_code == 400 and response.json()["detail"]
    api_client.force_login(person)
    assert _act(api_client, pledge.campaign).status_code == 400
    _nothing_recorded()


def test_the_form_gives_the_consent_text_and_the_proof_of_work_when_it_is_on(api_client, settings):
    campaign = PledgeFactory.create(campaign__consent_text="Nous gardons votre nom.").campaign
    form = call(api_client, "GET", f"/campaigns/{campaign.slug}/guest-actions/form")
    assert form.status_code == 200
    assert form.json()["consent"] == "Nous gardons votre nom."
    assert form.json()["proof_of_work"] is None
    settings.CAMPAIGNS_GUEST_PROOF_OF_WORK = True
    settings.CAMPAIGNS_GUEST_PROOF_BITS = 4
    # Without its answer: refused, nothing written.
    refused = _act(api_client, campaign)
    assert refused.status_code == 400 and refused.json()["detail"]
    _nothing_recorded()
    proof = call(api_client, "GET", f"/campaigns/{campaign.slug}/guest-actions/form").json()
    challenge = proof["proof_of_work"]["challenge"]
    nonce = solve(challenge, proof["proof_of_work"]["bits"])
    accepted = _act(api_client, campaign, proof_challenge=challenge, proof_nonce=nonce)
    assert accepted.status_code == 202
    # A solved challenge is spent: sent again, refused.
    replay = _act(
        api_client,
        campaign,
        email="autre@exemple.test",
        proof_challenge=challenge,
        proof_nonce=nonce,
    )
    assert replay.status_code == 400
    assert GuestAction.objects.count() == 1


def test_the_guest_write_limits_apply_per_address_and_per_network(api_client, settings):
    settings.RATE_LIMITS = {"guest-email": [(2, 3600)], "guest": [(4, 60)]}
    pledges = [PledgeFactory.create() for _ in range(3)]
    assert _act(api_client, pledges[0].campaign).status_code == 202
    assert (
        _act(api_client, pledges[1].campaign, email="Nour.Haddad+x@exemple.test").status_code == 202
    )
    refused = _act(api_client, pledges[2].campaign)
    assert refused.status_code == 429 and refused["Retry-After"] and refused.json()["detail"]
    assert GuestAction.objects.count() == 2
    assert _act(api_client, pledges[2].campaign, email="sam@exemple.test").status_code == 202
    network = _act(api_client, pledges[2].campaign, email="lou@exemple.test")
    assert network.status_code == 429
    assert GuestAction.objects.count() == 3


# Giving to a fundraiser -------------------------------------------------------------------


def test_goods_offered_through_the_api_wait_for_the_address_then_count_once_delivered(
    api_client,
):
    fundraiser = FundraiserFactory.create()
    first = _act(api_client, fundraiser.campaign, kind="give", offer=OFFER)
    again = _act(api_client, fundraiser.campaign, kind="give", offer={**OFFER, "quantity": 99})
    assert first.status_code == again.status_code == 202, first.content
    assert first.json() == again.json()
    assert first.json()["kind"] == "give" and first.json()["status"] == "pending"
    action = GuestAction.objects.get()
    assert (action.kind, action.fundraiser, action.offer["quantity"]) == ("give", fundraiser, 20)
    assert not InKindPledge.objects.exists()

    guest_services.guest_confirm(
        token=guest_services.confirmation_token(action), campaign=fundraiser.campaign
    )
    pledge = InKindPledge.objects.get()
    assert (pledge.item, pledge.quantity, pledge.declared_value) == ("Sacs de riz", 20, 40_00)
    in_kind_deliver(actor=fundraiser.campaign.created_by, pledge=pledge)
    assert fundraising_selectors.fundraiser_totals(fundraiser)["total"] == 40_00


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"kind": "give"}, 400),
        ({"kind": "give", "offer": {**OFFER, "quantity": 0}}, 422),
        ({"kind": "give", "offer": {**OFFER, "declared_value": 10_000_000_01}}, 422),
        ({"kind": "give", "offer": {**OFFER, "item": ""}}, 422),
        ({"kind": "give", "offer": {**OFFER, "item": "   "}}, 400),
        ({"kind": "give", "offer": OFFER, "consent": False}, 400),
    ],
    ids=["no-offer", "no-quantity", "too-valuable", "no-item", "blank-item", "no-consent"],
)
def test_a_bad_offer_is_a_clear_json_detail_and_records_nothing(api_client, overrides, status):
    fundraiser = FundraiserFactory.create()
    response = _act(api_client, fundraiser.campaign, **overrides)
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    _nothing_recorded()


def test_offering_goods_to_a_campaign_without_a_fundraiser_is_not_found(api_client):
    pledge = PledgeFactory.create()
    response = _act(api_client, pledge.campaign, kind="give", offer=OFFER)
    assert response.status_code == 404
    assert response.json() == {"detail": "Cette campagne n'a pas de collecte."}
    _nothing_recorded()


def _gift(client: Client, campaign: Campaign, secret: str | None = None, **overrides: Any) -> Any:
    body = {"name": "Nour Haddad", "email": ADDRESS, "consent": True, "amount": 30_00}
    return call(
        client, "POST", f"/campaigns/{campaign.slug}/guest-gifts", secret, {**body, **overrides}
    )


def test_a_guest_gift_through_the_api_counts_once_without_a_name_and_mails_one_receipt(
    api_client,
):
    fundraiser = FundraiserFactory.create()
    key = str(uuid.uuid4())
    first = _gift(api_client, fundraiser.campaign, idempotency_key=key)
    replay = _gift(api_client, fundraiser.campaign, idempotency_key=key)
    assert first.status_code == replay.status_code == 200, first.content
    assert first.json() == replay.json()
    assert first.json() == {
        "status": "succeeded",
        "amount": 30_00,
        "currency": fundraiser.currency,
        "idempotency_key": key,
    }
    donation = Donation.objects.get()
    assert donation.user is not None
    assert (donation.anonymous, donation.user.is_guest) == (True, True)
    assert fundraising_selectors.fundraiser_totals(fundraiser)["total"] == 30_00
    outbox.dispatch(here=True)
    (receipt,) = mail.outbox
    assert receipt.to == [ADDRESS] and "/guest-data/" in str(receipt.body)


def test_a_gift_key_replayed_with_other_terms_or_by_another_address_gives_nothing(api_client):
    fundraiser = FundraiserFactory.create()
    key = str(uuid.uuid4())
    assert _gift(api_client, fundraiser.campaign, idempotency_key=key).status_code == 200
    other_amount = _gift(api_client, fundraiser.campaign, idempotency_key=key, amount=5_00)
    other_person = _gift(
        api_client, fundraiser.campaign, idempotency_key=key, email="autre@exemple.test"
    )
    assert other_amount.status_code == other_person.status_code == 409
    assert other_amount.json()["detail"].startswith("Cette Idempotency-Key a déjà servi")
    assert other_person.json()["detail"].startswith("Cette Idempotency-Key est déjà prise")
    assert Donation.objects.get().amount == 30_00


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({}, 400),  # no idempotency key
        ({"idempotency_key": "not-a-uuid"}, 422),
        ({"amount": 0}, 422),
        ({"amount": 1_000_000_01}, 422),
        ({"email": "not-an-address"}, 400),
        ({"email": "someone@mailinator.com"}, 400),
        ({"consent": False}, 400),
    ],
    ids=["no-key", "bad-key", "zero", "too-large", "malformed", "disposable", "no-consent"],
)
def test_a_bad_guest_gift_is_a_clear_json_detail_and_gives_nothing(api_client, overrides, status):
    fundraiser = FundraiserFactory.create()
    body = {"idempotency_key": str(uuid.uuid4()), **overrides} if overrides else {}
    response = _gift(api_client, fundraiser.campaign, **body)
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    assert not Donation.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_an_authenticated_caller_gives_with_its_own_operation(api_client):
    fundraiser = FundraiserFactory.create()
    secret = make_token(UserFactory.create())
    response = _gift(api_client, fundraiser.campaign, secret, idempotency_key=str(uuid.uuid4()))
    assert response.status_code == 400
    assert "sans compte" in response.json()["detail"]
    assert not Donation.objects.exists()


def test_guest_gifts_have_the_guest_write_limits(api_client, settings):
    settings.RATE_LIMITS = {"guest": [(2, 60)]}
    fundraiser = FundraiserFactory.create()
    answers = [
        _gift(api_client, fundraiser.campaign, idempotency_key=str(uuid.uuid4())).status_code
        for _attempt in range(3)
    ]
    assert answers == [200, 200, 429]
    assert Donation.objects.count() == 2
