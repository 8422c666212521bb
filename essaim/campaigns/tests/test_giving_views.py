"""The give page, the payment webhook, in-kind pledges and refunds, through HTTP."""

import uuid

import pytest
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import (
    Donation,
    InKindPledge,
)
from essaim.campaigns.payments import OfflineProvider, WebhookEvent
from essaim.campaigns.services.fundraising import donation_give
from essaim.campaigns.tests.factories import (
    FundraiserFactory,
)

pytestmark = pytest.mark.django_db


def test_give_through_the_offline_provider_once_per_form(client):
    fundraiser = FundraiserFactory.create()
    slug = fundraiser.campaign.slug
    client.force_login(UserFactory.create(display_name="Zoé"))
    key = str(uuid.uuid4())
    for bad in ("-10", "0", "abc", "99999999"):
        assert (
            client.post(
                reverse("campaigns:give", args=[slug]), {"amount": bad, "idempotency_key": key}
            ).status_code
            == 400
        )
    for _repeat in range(3):
        client.post(
            reverse("campaigns:give", args=[slug]), {"amount": "25.50", "idempotency_key": key}
        )
    donation = Donation.objects.get()
    assert (donation.amount, donation.status) == (25_50, "succeeded")
    ledger = client.get(reverse("campaigns:ledger", args=[slug])).content.decode()
    assert "Zoé" in ledger


@pytest.mark.parametrize(
    "replay",
    [{"amount": "40"}, {"amount": "25.50", "anonymous": "on"}],
    ids=["amount", "anonymity"],
)
def test_a_replayed_give_form_with_other_terms_is_a_conflict_as_in_the_api(client, replay):
    fundraiser = FundraiserFactory.create()
    url = reverse("campaigns:give", args=[fundraiser.campaign.slug])
    client.force_login(UserFactory.create())
    key = str(uuid.uuid4())
    assert client.post(url, {"amount": "25.50", "idempotency_key": key}).status_code == 302
    response = client.post(url, {**replay, "idempotency_key": key})
    assert response.status_code == 409
    assert "reload the page" in response.content.decode() or "rechargez la page" in (
        response.content.decode()
    )
    donation = Donation.objects.get()
    assert (donation.amount, donation.anonymous) == (25_50, False)
    # The same terms again answer as the first gift: a double click stays harmless.
    assert client.post(url, {"amount": "25.50", "idempotency_key": key}).status_code == 302
    assert Donation.objects.count() == 1


def test_the_payment_webhook_checks_its_signature(client):
    fundraiser = FundraiserFactory.create()
    donor = UserFactory.create()
    donation = donation_give(
        user=donor, fundraiser=fundraiser, amount=10_00, idempotency_key=uuid.uuid4()
    )
    payload, signature = OfflineProvider().sign_webhook(
        WebhookEvent(reference=donation.provider_reference, status="refunded")
    )
    url = reverse("campaigns:payment_webhook", args=["offline"])
    forged = client.post(url, payload, content_type="application/json", HTTP_X_SIGNATURE="0" * 64)
    assert forged.status_code == 400
    donation.refresh_from_db()
    assert donation.status == "succeeded"
    assert (
        client.post(
            url, payload, content_type="application/json", HTTP_X_SIGNATURE=signature
        ).status_code
        == 204
    )
    donation.refresh_from_db()
    assert donation.status == "refunded"
    assert (
        client.post(
            reverse("campaigns:payment_webhook", args=["nope"]),
            payload,
            content_type="application/json",
        ).status_code
        == 404
    )


def test_hosts_record_in_kind_pledges_and_mark_them_delivered(client):
    fundraiser = FundraiserFactory.create()
    slug = fundraiser.campaign.slug
    client.force_login(fundraiser.campaign.created_by)
    client.post(
        reverse("campaigns:in_kind_create", args=[slug]),
        {
            "partner": "Marque",
            "item": "Tentes",
            "quantity": "50",
            "unit": "pièces",
            "declared_value": "3000",
        },
    )
    gift = InKindPledge.objects.get()
    client.post(reverse("campaigns:in_kind_deliver", args=[slug, gift.pk]))
    gift.refresh_from_db()
    assert gift.status == "delivered" and gift.declared_value == 3000_00
    client.force_login(UserFactory.create())
    response = client.post(
        reverse("campaigns:in_kind_create", args=[slug]),
        {"partner": "X", "item": "Y", "quantity": "1", "unit": "u", "declared_value": "1"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 403 and InKindPledge.objects.count() == 1


def test_hosts_refund_a_gift_once_and_others_cannot(client):
    fundraiser = FundraiserFactory.create()
    donation = donation_give(
        user=UserFactory.create(), fundraiser=fundraiser, amount=40_00, idempotency_key=uuid.uuid4()
    )
    url = reverse("campaigns:refund", args=[fundraiser.campaign.slug, donation.pk])
    client.force_login(UserFactory.create())
    assert client.post(url, HTTP_ACCEPT="application/json").status_code == 403
    donation.refresh_from_db()
    assert donation.status == "succeeded"
    client.force_login(fundraiser.campaign.created_by)
    for _repeat in range(2):
        assert client.post(url).status_code == 302
    donation.refresh_from_db()
    assert donation.status == "refunded"
