"""Giving to a fundraiser without an account: goods offered (a guest action confirmed by
e-mail, then recorded by `in_kind_offer`, counted once delivered) and money given (through
`donation_give`, counted when the provider settles it, a receipt by e-mail)."""

import re
import uuid

import pytest
from django.core import mail
from django.urls import resolve, reverse

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns import selectors
from essaim.campaigns.guest_forms import started_token
from essaim.campaigns.models import Campaign, Donation, GuestAction, InKindPledge
from essaim.campaigns.services import guest as guest_services
from essaim.campaigns.services.fundraising import in_kind_deliver
from essaim.campaigns.services.guest_data import data_token
from essaim.campaigns.tests.factories import FundraiserFactory
from essaim.core import outbox
from essaim.core.errors import ValidationError
from essaim.core.models import OutboxMessage
from essaim.moderation.ratelimit import GUEST_VIEWS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_minimum_time")]

ADDRESS = "ines.moreau@exemple.test"
OFFER = {"item": "Sacs de riz", "quantity": 20, "unit": "kg", "declared_value": 40_00}


def _offer(fundraiser, email: str = ADDRESS, **terms: object) -> GuestAction:
    return guest_services.guest_act(
        target=fundraiser, email=email, name="Inès Moreau", offer={**OFFER, **terms}
    )


def _nothing_written() -> None:
    assert not GuestAction.objects.exists()
    assert not InKindPledge.objects.exists()
    assert not Donation.objects.exists()
    assert not User.objects.filter(is_guest=True).exists()
    assert not OutboxMessage.objects.exists()


def _form(**overrides: str) -> dict[str, str]:
    return {
        "name": "Inès Moreau",
        "email": ADDRESS,
        "consent": "on",
        "started": started_token(),
        **overrides,
    }


# Goods ------------------------------------------------------------------------------------


def test_goods_offered_by_a_guest_are_recorded_once_confirmed_and_count_once_delivered():
    fundraiser = FundraiserFactory.create()
    action = _offer(fundraiser)
    # The same address again, as an alias, with other terms: the same pending offer.
    again = _offer(fundraiser, email="Ines.Moreau+riz@exemple.test", quantity=99)
    assert again.pk == action.pk
    assert (action.kind, action.offer["quantity"]) == (GuestAction.Kind.GIVE, 20)
    assert OutboxMessage.objects.count() == 1
    assert not InKindPledge.objects.exists()

    outbox.dispatch(here=True)
    (message,) = mail.outbox
    assert message.to == [ADDRESS]
    assert "Sacs de riz" in str(message.body)
    assert "/guest-data/" in str(message.body)

    token = guest_services.confirmation_token(action)
    _confirmed, first = guest_services.guest_confirm(token=token, campaign=fundraiser.campaign)
    _confirmed, replay = guest_services.guest_confirm(token=token, campaign=fundraiser.campaign)
    assert (first, replay) == (True, False)
    pledge = InKindPledge.objects.get()
    assert (pledge.partner, pledge.item, pledge.quantity, pledge.unit, pledge.declared_value) == (
        "Inès Moreau",
        "Sacs de riz",
        20,
        "kg",
        40_00,
    )
    totals = selectors.fundraiser_totals(fundraiser)
    assert (totals["total"], totals["in_kind_promised"]) == (0, 40_00)
    # No personal link for goods: nothing follows for the guest to reach.
    assert OutboxMessage.objects.count() == 1

    host = fundraiser.campaign.created_by
    in_kind_deliver(actor=host, pledge=pledge)
    assert selectors.fundraiser_totals(fundraiser)["total"] == 40_00


@pytest.mark.parametrize(
    ("email", "terms"),
    [
        ("not-an-address", {}),
        ("someone@mailinator.com", {}),
        (ADDRESS, {"quantity": 0}),
        (ADDRESS, {"quantity": "20"}),
        (ADDRESS, {"declared_value": -1}),
        (ADDRESS, {"declared_value": 10_000_000_01}),
        (ADDRESS, {"item": "  "}),
    ],
    ids=["malformed", "disposable", "no-quantity", "text", "negative", "too-large", "no-item"],
)
def test_a_bad_offer_changes_nothing(email, terms):
    fundraiser = FundraiserFactory.create()
    with pytest.raises(ValidationError):
        _offer(fundraiser, email=email, **terms)
    _nothing_written()


def test_a_closed_campaign_takes_no_offer_and_its_confirmation_records_nothing():
    fundraiser = FundraiserFactory.create(campaign__status=Campaign.Status.CLOSED)
    with pytest.raises(ValidationError):
        _offer(fundraiser)
    _nothing_written()

    open_one = FundraiserFactory.create()
    action = _offer(open_one)
    Campaign.objects.filter(pk=open_one.campaign_id).update(status=Campaign.Status.CLOSED)
    open_one.campaign.refresh_from_db()
    with pytest.raises(ValidationError):
        guest_services.guest_confirm(
            token=guest_services.confirmation_token(action), campaign=open_one.campaign
        )
    action.refresh_from_db()
    assert action.confirmed_at is None
    assert not InKindPledge.objects.exists()


def test_offering_goods_through_the_pages_without_javascript_and_with_htmx(client):
    fundraiser = FundraiserFactory.create()
    slug = fundraiser.campaign.slug
    url = reverse("campaigns:guest_in_kind", args=[slug])
    assert resolve(url).view_name in GUEST_VIEWS
    page = client.get(reverse("campaigns:detail", args=[slug])).content.decode()
    assert url in page
    assert 'name="item"' in client.get(url).content.decode()

    fields = {"item": "Couvertures", "quantity": "5", "unit": "", "declared_value": "75.50"}
    bads = ({"quantity": "0"}, {"declared_value": "abc"}, {"website": "x"}, {"item": ""})
    for number, bad in enumerate(bads):
        # Each from its own address: the write limits count per address (tested below).
        refused = client.post(url, _form(**{**fields, **bad, "email": f"x{number}@exemple.test"}))
        assert refused.status_code == 400
        assert 'name="item"' in refused.content.decode()
    _nothing_written()

    response = client.post(url, _form(**fields))
    assert response.status_code == 302
    pending = client.get(response["Location"])
    assert 'data-testid="guest-pending"' in pending.content.decode()
    swapped = client.post(url, _form(**fields), HTTP_HX_REQUEST="true")
    assert swapped.status_code == 200
    assert 'id="fundraiser"' in swapped.content.decode()
    action = GuestAction.objects.get()
    assert action.offer == {
        "item": "Couvertures",
        "quantity": 5,
        "unit": "",
        "declared_value": 75_50,
    }

    outbox.dispatch(here=True)
    (message,) = mail.outbox
    found = re.search(r"https?://[^/\s]+(/\S+/confirm/\S+/)", str(message.body))
    assert found, message.body
    assert client.get(found.group(1)).status_code == 200
    assert not InKindPledge.objects.exists()
    confirmed = client.post(found.group(1))
    assert 'data-testid="guest-confirmed"' in confirmed.content.decode()
    client.post(found.group(1))
    assert InKindPledge.objects.get().declared_value == 75_50


# Money ------------------------------------------------------------------------------------


def test_a_guest_gift_counts_when_paid_is_listed_without_a_name_and_sends_one_receipt():
    fundraiser = FundraiserFactory.create()
    key = uuid.uuid4()
    for _repeat in range(2):
        donation = guest_services.guest_give(
            fundraiser=fundraiser,
            email=ADDRESS,
            name="Inès Moreau",
            amount=30_00,
            idempotency_key=key,
        )
    assert Donation.objects.count() == 1
    assert (donation.status, donation.anonymous, donation.donor_name) == ("succeeded", True, "")
    assert donation.user is not None and donation.user.is_guest
    assert selectors.fundraiser_totals(fundraiser)["total"] == 30_00

    outbox.dispatch(here=True)
    (receipt,) = mail.outbox
    assert receipt.to == [ADDRESS]
    assert "30" in str(receipt.body)
    assert "/guest-data/" in str(receipt.body)


def test_a_gift_from_an_account_holder_sends_no_guest_receipt():
    fundraiser = FundraiserFactory.create()
    UserFactory.create(email=ADDRESS)
    guest_services.guest_give(
        fundraiser=fundraiser, email=ADDRESS, name="X", amount=5_00, idempotency_key=uuid.uuid4()
    )
    assert Donation.objects.get().status == "succeeded"
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    ("email", "amount"),
    [
        ("not-an-address", 10_00),
        ("someone@mailinator.com", 10_00),
        (ADDRESS, 0),
        (ADDRESS, 1_000_000_01),
    ],
    ids=["malformed", "disposable", "zero", "too-large"],
)
def test_a_bad_gift_changes_nothing(email, amount):
    fundraiser = FundraiserFactory.create()
    with pytest.raises(ValidationError):
        guest_services.guest_give(
            fundraiser=fundraiser,
            email=email,
            name="Inès",
            amount=amount,
            idempotency_key=uuid.uuid4(),
        )
    _nothing_written()


def test_a_closed_campaign_takes_no_guest_gift():
    fundraiser = FundraiserFactory.create(campaign__status=Campaign.Status.CLOSED)
    with pytest.raises(ValidationError):
        guest_services.guest_give(
            fundraiser=fundraiser,
            email=ADDRESS,
            name="Inès",
            amount=10_00,
            idempotency_key=uuid.uuid4(),
        )
    _nothing_written()


def test_giving_through_the_pages_without_javascript_and_with_htmx(client):
    fundraiser = FundraiserFactory.create()
    slug = fundraiser.campaign.slug
    url = reverse("campaigns:guest_give", args=[slug])
    assert resolve(url).view_name in GUEST_VIEWS
    assert url in client.get(reverse("campaigns:detail", args=[slug])).content.decode()
    first, second = client.get(url).content.decode(), client.get(url).content.decode()
    keys = [re.search(r'name="idempotency_key" value="([^"]+)"', page) for page in (first, second)]
    assert keys[0] and keys[1] and keys[0].group(1) != keys[1].group(1)

    key = str(uuid.uuid4())
    bads = ({"amount": "0"}, {"amount": "abc"}, {"amount": "2000000"}, {"website": "x"})
    for number, bad in enumerate(bads):
        email = f"x{number}@exemple.test"
        given = {"amount": "10", "idempotency_key": key, "email": email, **bad}
        refused = client.post(url, _form(**given))
        assert refused.status_code == 400
        assert 'name="amount"' in refused.content.decode()
    _nothing_written()

    for _repeat in range(2):
        response = client.post(url, _form(amount="12.50", idempotency_key=key))
        assert 'data-testid="guest-gave"' in response.content.decode()
    replayed = client.post(url, _form(amount="99", idempotency_key=key))
    assert replayed.status_code == 409
    swapped = client.post(
        url, _form(amount="3", idempotency_key=str(uuid.uuid4())), HTTP_HX_REQUEST="true"
    )
    assert 'id="fundraiser"' in swapped.content.decode()
    assert sorted(Donation.objects.values_list("amount", flat=True)) == [3_00, 12_50]


def test_the_guest_write_limits_hold_for_giving(client, settings):
    settings.RATE_LIMITS = {"guest-email": [(2, 3600)]}
    fundraiser = FundraiserFactory.create()
    slug = fundraiser.campaign.slug
    give = reverse("campaigns:guest_give", args=[slug])
    offer = reverse("campaigns:guest_in_kind", args=[slug])
    goods = {"item": "Couvertures", "quantity": "5", "declared_value": "10"}
    client.post(give, _form(amount="5", idempotency_key=str(uuid.uuid4())))
    client.post(offer, _form(**goods))
    limited = client.post(give, _form(amount="7", idempotency_key=str(uuid.uuid4())))
    assert limited.status_code == 429
    assert list(Donation.objects.values_list("amount", flat=True)) == [5_00]
    assert GuestAction.objects.count() == 1


def test_goods_a_guest_offered_are_theirs_to_see_download_and_delete(client):
    fundraiser = FundraiserFactory.create()
    action = _offer(fundraiser)
    guest_services.guest_confirm(
        token=guest_services.confirmation_token(action), campaign=fundraiser.campaign
    )
    pledge = InKindPledge.objects.get()
    assert pledge.offered_by == action.user
    token = data_token(action.user)
    page = client.get(reverse("campaigns:guest_data", args=[token])).content.decode()
    assert "20 kg · Sacs de riz" in page
    exported = client.get(reverse("campaigns:guest_data_export", args=[token])).json()
    assert "Sacs de riz" in str(exported)

    client.post(reverse("campaigns:guest_data", args=[token]), {"confirm": "on"})
    pledge.refresh_from_db()
    # Still in the ledger (it must add up), under no one's name.
    assert pledge.offered_by is None
    assert "Inès" not in pledge.partner
    assert pledge.declared_value == 40_00
