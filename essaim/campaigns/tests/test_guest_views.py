"""Signing without an account, the pages: the one-step form with and without htmx, a
confirmation page that mail scanners cannot trigger, clear answers to bad input and to too
many posts, and answers that tell nothing of an address's owner."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns import guest_cookie
from essaim.campaigns.models import GuestAction, Signature
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.services import guest as guest_services
from essaim.campaigns.services.guest import guest_act
from essaim.campaigns.services.pledge import pledge_sign
from essaim.campaigns.tests.factories import PledgeFactory
from essaim.campaigns.tests.guest_support import (
    ADDRESS,
    confirm_url,
    form_data,
    nothing_recorded,
    send_mail,
    sign,
)
from essaim.relay.models import ShareLink

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_minimum_time")]


def test_the_anonymous_page_offers_the_one_step_form_without_anyones_token(client):
    pledge = PledgeFactory.create()
    response = client.get(pledge.campaign.get_absolute_url())
    content = response.content.decode()
    assert 'data-testid="guest-sign-form"' in content
    assert "csrfmiddlewaretoken" not in content
    assert guest_services.consent_for(pledge.campaign) in content


def test_a_stranger_signs_confirms_on_the_page_and_gets_their_share_link(client):
    pledge = PledgeFactory.create()
    campaign = pledge.campaign

    response = sign(client, campaign)
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:guest_signed", args=[campaign.slug])
    signed = client.get(response["Location"])
    assert 'data-testid="guest-pending"' in signed.content.decode()
    guest = User.objects.get(is_guest=True)
    link = ShareLink.objects.get(owner=guest, campaign=campaign)
    assert link.code in signed.content.decode()
    assert signature_count(pledge) == 0

    send_mail()
    url = confirm_url(mail.outbox[0])
    # What a mail scanner does: open the link. Nothing happens.
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="guest-confirm"' in page.content.decode()
    assert not Signature.objects.exists()
    assert GuestAction.objects.get().confirmed_at is None

    confirmed = client.post(url)
    assert confirmed.status_code == 200
    assert 'data-testid="guest-confirmed"' in confirmed.content.decode()
    assert link.code in confirmed.content.decode()
    assert signature_count(pledge) == 1

    # Replayed: a clear answer, nothing changes.
    again = client.post(url)
    assert again.status_code == 200
    assert 'data-testid="guest-confirmed"' in again.content.decode()
    assert Signature.objects.count() == 1 and signature_count(pledge) == 1
    for body in (signed, page, confirmed, again):
        assert ADDRESS not in body.content.decode()


def test_htmx_swaps_the_panel_for_the_pending_state_and_the_form_with_its_errors(client):
    pledge = PledgeFactory.create()
    url = reverse("campaigns:guest_sign", args=[pledge.campaign.slug])

    refused = client.post(url, form_data(email="nour@yopmail.com"), headers={"HX-Request": "true"})
    assert refused.status_code == 400
    assert 'data-testid="guest-sign-form"' in refused.content.decode()
    assert "disposable" in refused.content.decode() or "jetables" in refused.content.decode()
    nothing_recorded()

    response = client.post(url, form_data(), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'data-testid="guest-pending"' in response.content.decode()
    assert 'data-testid="share-url"' in response.content.decode()


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": "pas-une-adresse"},
        {"email": "nour@yopmail.com"},
        {"name": ""},
        {"consent": ""},
        {"postcode": "<script>"},
        {"website": "https://spam.example"},
        {"started": ""},
        {"started": "falsifié"},
        {"name": "Nour\x07"},
    ],
    ids=lambda overrides: ",".join(overrides),
)
def test_a_bad_form_gets_a_clear_400_and_records_nothing(client, overrides):
    pledge = PledgeFactory.create()
    response = sign(client, pledge.campaign, **overrides)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    nothing_recorded()


def test_a_form_sent_faster_than_a_person_can_is_refused(client, settings):
    settings.CAMPAIGNS_GUEST_MIN_SECONDS = 3600
    pledge = PledgeFactory.create()
    response = sign(client, pledge.campaign)
    assert response.status_code == 400
    nothing_recorded()


def test_a_logged_in_person_signs_with_the_button_not_the_guest_form(client):
    pledge = PledgeFactory.create()
    client.force_login(UserFactory.create())
    assert sign(client, pledge.campaign).status_code == 400
    nothing_recorded()


def _token_for(signature: GuestAction, *, signed_at: float | None = None) -> str:
    if signed_at is None:
        return guest_services.confirmation_token(signature)
    payload = [signature.pk, signature.user_id, int(signature.created_at.timestamp())]
    signer = signing.TimestampSigner(salt=guest_services.CONFIRMATION_SALT)
    signer.timestamp = lambda: signing.b62_encode(int(signed_at))  # type: ignore[method-assign]
    return signer.sign_object(payload)


def test_bad_confirmation_links_get_a_clear_answer_and_change_nothing(client, settings):
    settings.CAMPAIGNS_GUEST_EXPIRY_HOURS = 24
    pledge = PledgeFactory.create()
    other = PledgeFactory.create()
    mine = guest_act(target=pledge, email=ADDRESS, name="Nour")
    theirs = guest_act(target=other, email="sam@exemple.test", name="Sam")
    token = guest_services.confirmation_token(mine)
    expired = _token_for(mine, signed_at=(timezone.now() - timedelta(hours=25)).timestamp())
    forged = signing.dumps([theirs.pk, theirs.user_id, 0], salt="une-autre-clé")
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    cases = [
        (pledge.campaign, expired, "expired"),
        (pledge.campaign, tampered, "not valid"),
        (pledge.campaign, forged, "not valid"),
        (pledge.campaign, "n-importe-quoi", "not valid"),
        # Another campaign's signature through this one's page: foreign.
        (pledge.campaign, guest_services.confirmation_token(theirs), "not for this campaign"),
        (other.campaign, token, "not for this campaign"),
    ]
    client.cookies["django_language"] = "en"
    for campaign, bad, says in cases:
        url = reverse("campaigns:guest_confirm", args=[campaign.slug, bad])
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 400, (bad, response.status_code)
            assert says in response.content.decode(), (says, response.content.decode()[:500])
    assert not Signature.objects.exists()
    assert not GuestAction.objects.filter(confirmed_at__isnull=False).exists()


def test_an_address_another_account_verified_is_refused_clearly_at_confirmation(client):
    """An account that had a second address before accounts kept only one: a guest form
    sent with that address is that account's to act with, not a new person's."""
    account = UserFactory.create(email="compte@exemple.test")
    EmailAddress.objects.create(user=account, email="seconde@exemple.test", verified=True)
    pledge = PledgeFactory.create()
    action = guest_act(target=pledge, email="seconde@exemple.test", name="Quelqu'un")
    url = reverse(
        "campaigns:guest_confirm",
        args=[pledge.campaign.slug, guest_services.confirmation_token(action)],
    )

    response = client.post(url)

    assert response.status_code == 400
    assert "appartient à un compte" in response.content.decode()
    assert GuestAction.objects.get(pk=action.pk).confirmed_at is None
    assert not Signature.objects.exists() and signature_count(pledge) == 0


def test_per_address_limits_answer_429_and_record_nothing_more(client, settings):
    settings.RATE_LIMITS = {"guest-email": [(2, 3600)]}
    first, second = PledgeFactory.create(), PledgeFactory.create()
    third = PledgeFactory.create()
    assert sign(client, first.campaign).status_code == 302
    assert sign(client, second.campaign, email="Nour.Haddad+x@exemple.test").status_code == 302
    refused = sign(client, third.campaign)
    assert refused.status_code == 429 and refused["Retry-After"]
    assert GuestAction.objects.count() == 2
    # Another address from the same network still signs.
    assert sign(client, third.campaign, email="sam@exemple.test").status_code == 302


def test_per_network_limits_answer_429(client, settings):
    settings.RATE_LIMITS = {"guest": [(2, 60)]}
    pledge = PledgeFactory.create()
    for number in range(2):
        response = sign(client, pledge.campaign, email=f"p{number}@exemple.test")
        assert response.status_code == 302
    other_machine = client.post(
        reverse("campaigns:guest_sign", args=[pledge.campaign.slug]),
        form_data(email="p9@exemple.test"),
        REMOTE_ADDR="127.0.0.99",  # same /24
    )
    assert other_machine.status_code == 429
    assert GuestAction.objects.count() == 2


def test_the_page_after_signing_shows_only_ones_own_signature(client):
    pledge = PledgeFactory.create()
    thanks = reverse("campaigns:guest_signed", args=[pledge.campaign.slug])
    assert client.get(thanks).status_code == 302
    sign(client, pledge.campaign)
    assert client.get(thanks).status_code == 200
    client.cookies.clear()
    assert client.get(thanks).status_code == 302


def test_the_guests_address_is_never_on_the_campaign_page(client):
    pledge = PledgeFactory.create()
    signature = guest_act(target=pledge, email=ADDRESS, name="Nour Haddad")
    guest_services.guest_confirm(
        token=guest_services.confirmation_token(signature), campaign=pledge.campaign
    )
    host = pledge.campaign.created_by
    for viewer in (None, UserFactory.create(), host):
        if viewer is not None:
            client.force_login(viewer)
        assert ADDRESS not in client.get(pledge.campaign.get_absolute_url()).content.decode()
    # A guest has no public profile.
    profile = reverse("accounts:profile", args=[signature.user.handle])
    assert client.get(profile).status_code == 404


@pytest.mark.parametrize("htmx", [True, False])
def test_an_address_sent_again_tells_nothing_of_its_owners_signature(client, htmx):
    """Anyone may type anyone's address: the form's answer for an address that signed before
    is the new one's "check your e-mail", without the owner's state, share link or cookie."""
    pledge = PledgeFactory.create()
    sign(client, pledge.campaign)
    send_mail()
    client.post(confirm_url(mail.outbox[-1]))
    assert signature_count(pledge) == 1
    mail.outbox.clear()

    stranger = Client(headers={"HX-Request": "true"} if htmx else {})
    answer = stranger.post(
        reverse("campaigns:guest_sign", args=[pledge.campaign.slug]), form_data(name="Quelqu'un")
    )
    send_mail()

    page = answer.content.decode()
    assert answer.status_code == 200
    assert 'data-testid="guest-pending"' in page
    assert 'data-testid="signed"' not in page and 'data-testid="share-url"' not in page
    assert guest_cookie.COOKIE not in answer.cookies
    assert mail.outbox == [] and signature_count(pledge) == 1


@pytest.mark.parametrize("htmx", [True, False])
def test_an_accounts_address_tells_nothing_of_whether_its_owner_signed(client, htmx):
    """The first guest action on an account's address is new (so it gets the pending answer
    and a share link), but the account may have signed with its button long ago: the answer
    says pending, never "you signed", and shows the link without what it did."""
    pledge = PledgeFactory.create()
    owner = UserFactory.create(email=ADDRESS)
    pledge_sign(user=owner, pledge=pledge)
    assert signature_count(pledge) == 1

    stranger = Client(headers={"HX-Request": "true"} if htmx else {})
    answer = stranger.post(
        reverse("campaigns:guest_sign", args=[pledge.campaign.slug]), form_data(), follow=True
    )

    page = answer.content.decode()
    assert answer.status_code == 200
    assert 'data-testid="guest-pending"' in page and 'data-testid="signed"' not in page
    assert 'data-testid="share-url"' in page and 'data-testid="share-stats"' not in page
    assert signature_count(pledge) == 1
