"""A guest back on the campaign in the browser they signed in sees their signature (pending,
then counted) and their share link, not the empty form; no other browser sees any of it."""

import pytest
from django.core.signing import get_cookie_signer
from django.test import Client
from django.urls import reverse

from essaim.accounts.models import User
from essaim.campaigns import guest_cookie
from essaim.campaigns.guest_forms import started_token
from essaim.campaigns.models import Campaign, GuestAction
from essaim.campaigns.services import guest as guest_services
from essaim.campaigns.services.guest import guest_act
from essaim.campaigns.services.guest_data import guest_data_erase
from essaim.campaigns.tests.factories import ChallengeFactory, EventFactory, PledgeFactory
from essaim.relay.models import ShareLink

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_minimum_time")]

ADDRESS = "nour.haddad@exemple.test"
FORM = 'data-testid="guest-sign-form"'
PENDING = 'data-testid="guest-pending"'
SIGNED = 'data-testid="signed"'


def _sign(client: Client, campaign: Campaign, *, htmx: bool = False):
    return client.post(
        reverse("campaigns:guest_sign", args=[campaign.slug]),
        {
            "name": "Nour Haddad",
            "email": ADDRESS,
            "consent": "on",
            "started": started_token(),
        },
        headers={"HX-Request": "true"} if htmx else {},
    )


def _page(client: Client, campaign: Campaign) -> str:
    response = client.get(campaign.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("htmx", [False, True], ids=["no-js", "htmx"])
def test_a_returning_guest_sees_their_signature_and_link_and_no_one_else_does(client, htmx):
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    stranger = Client()
    # The crowd's copy of the page exists before the guest signs.
    assert FORM in _page(stranger, campaign)

    response = _sign(client, campaign, htmx=htmx)
    assert response.status_code == (200 if htmx else 302)
    cookie = response.cookies[guest_cookie.COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "nour" not in cookie.value.lower()

    mine = _page(client, campaign)
    guest = User.objects.get(is_guest=True)
    code = ShareLink.objects.get(owner=guest, campaign=campaign).code
    assert PENDING in mine and FORM not in mine and code in mine
    assert ADDRESS not in mine

    others = _page(stranger, campaign)
    assert FORM in others and PENDING not in others and code not in others

    # Confirmed: the same browser sees it counted.
    signature = GuestAction.objects.get()
    guest_services.guest_confirm(
        token=guest_services.confirmation_token(signature), campaign=campaign
    )
    mine = _page(client, campaign)
    assert SIGNED in mine and PENDING not in mine and FORM not in mine and code in mine
    assert FORM in _page(Client(), campaign)


def test_the_guests_own_page_is_never_served_to_the_crowd(client):
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    _sign(client, campaign)
    # The guest's visit comes first: had it been kept as the shared copy, the stranger after
    # would get their pending signature.
    assert PENDING in _page(client, campaign)
    page = _page(Client(), campaign)
    assert FORM in page and PENDING not in page


def _signed_cookie(pairs: list[tuple[int, int]]) -> str:
    """The cookie as `guest_cookie.remember` signs it (Django's signed cookies)."""
    value = ".".join(f"{pk}-{person}" for pk, person in pairs)
    return get_cookie_signer(salt=guest_cookie.COOKIE + guest_cookie.SALT).sign(value)


def test_a_forged_or_foreign_cookie_shows_the_form(client):
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    signature = guest_act(target=pledge, email=ADDRESS, name="Nour")
    sam = guest_act(target=PledgeFactory.create(), email="sam@exemple.test", name="Sam")
    # The way the test reads the cookie is the way the site does: a well-made one shows.
    client.cookies[guest_cookie.COOKIE] = _signed_cookie([(signature.pk, signature.user_id)])
    assert PENDING in _page(client, campaign)

    for value in (
        f"{signature.pk}-{signature.user_id}",  # not signed
        _signed_cookie([(signature.pk, signature.user_id)])[:-2] + "xx",  # altered
        # Well signed, but the action's person is someone else.
        _signed_cookie([(signature.pk, sam.user_id)]),
    ):
        client.cookies[guest_cookie.COOKIE] = value
        page = _page(client, campaign)
        assert FORM in page and PENDING not in page, value


def test_a_deleted_guests_browser_gets_the_form_again(client):
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    _sign(client, campaign)
    assert PENDING in _page(client, campaign)
    guest_data_erase(person=User.objects.get(is_guest=True))
    assert FORM in _page(client, campaign)


def test_the_french_page_of_a_returning_guest(client):
    pledge = PledgeFactory.create()
    _sign(client, pledge.campaign)
    client.cookies["django_language"] = "fr"
    assert "Encore une étape." in _page(client, pledge.campaign)


def _act(client: Client, url: str, *, htmx: bool):
    return client.post(
        url,
        {"name": "Nour Haddad", "email": ADDRESS, "consent": "on", "started": started_token()},
        headers={"HX-Request": "true"} if htmx else {},
    )


@pytest.mark.parametrize("htmx", [False, True], ids=["no-js", "htmx"])
def test_a_returning_guest_sees_their_answer_on_the_event_page_and_no_one_else_does(client, htmx):
    event = EventFactory.create()
    campaign = event.campaign
    page_url = reverse("campaigns:event", args=[campaign.slug, event.pk])
    response = _act(
        client, reverse("campaigns:guest_rsvp", args=[campaign.slug, event.pk]), htmx=htmx
    )
    assert response.status_code == (200 if htmx else 302)
    assert guest_cookie.COOKIE in response.cookies

    mine = client.get(page_url).content.decode()
    assert PENDING in mine and 'data-testid="guest-rsvp"' not in mine
    code = ShareLink.objects.get(owner__is_guest=True, campaign=campaign).code
    assert code in mine
    others = Client().get(page_url).content.decode()
    assert 'data-testid="guest-rsvp"' in others and PENDING not in others and code not in others

    guest_services.guest_confirm(
        token=guest_services.confirmation_token(GuestAction.objects.get()), campaign=campaign
    )
    mine = client.get(page_url).content.decode()
    assert 'data-testid="guest-confirmed"' in mine and PENDING not in mine
    # Another event of the same campaign: the form, since nothing was answered there.
    other_event = EventFactory.create(campaign=campaign)
    other_page = client.get(reverse("campaigns:event", args=[campaign.slug, other_event.pk]))
    assert 'data-testid="guest-rsvp"' in other_page.content.decode()


@pytest.mark.parametrize("htmx", [False, True], ids=["no-js", "htmx"])
def test_a_returning_guest_sees_their_challenge_joined_and_no_one_else_does(client, htmx):
    campaign = ChallengeFactory.create().campaign
    response = _act(client, reverse("campaigns:guest_join", args=[campaign.slug]), htmx=htmx)
    assert response.status_code == (200 if htmx else 302)

    mine = _page(client, campaign)
    assert PENDING in mine and 'data-testid="guest-join"' not in mine
    others = _page(Client(), campaign)
    assert 'data-testid="guest-join"' in others and PENDING not in others
