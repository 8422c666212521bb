"""Signing without an account: one step with a name and an e-mail, a confirmation page that
mail scanners cannot trigger, nothing counted before it, nothing counted twice."""

import re
from datetime import timedelta

import pytest
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.models import User
from essaim.accounts.services import user_delete, user_export
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns import guest_cookie
from essaim.campaigns.guest_forms import started_token
from essaim.campaigns.models import Campaign, GuestAction, Signature
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.services import guest as guest_services
from essaim.campaigns.services.guest import guest_act, guests_expire
from essaim.campaigns.services.pledge import pledge_sign
from essaim.campaigns.tests.factories import (
    ChallengeFactory,
    EventFactory,
    FundraiserFactory,
    PledgeFactory,
)
from essaim.campaigns.tests.test_signing_reads import tables
from essaim.core import outbox
from essaim.core.errors import ApplicationError, ValidationError
from essaim.core.models import OutboxMessage
from essaim.relay.models import ShareLink, Supporter
from essaim.relay.services import link_for

pytestmark = pytest.mark.django_db

ADDRESS = "nour.haddad@exemple.test"


@pytest.fixture(autouse=True)
def _no_minimum_time(settings):
    settings.CAMPAIGNS_GUEST_MIN_SECONDS = 0


def _form(**overrides: str) -> dict[str, str]:
    return {
        "name": "Nour Haddad",
        "email": ADDRESS,
        "postcode": "75011",
        "consent": "on",
        "started": started_token(),
        **overrides,
    }


def _sign(client, campaign: Campaign, **overrides: str):
    return client.post(reverse("campaigns:guest_sign", args=[campaign.slug]), _form(**overrides))


def _send_mail() -> None:
    """What the task workers do once the post commits (a test's transaction never does)."""
    outbox.dispatch(here=True)


def _confirm_url(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://[^/\s]+(/\S+/confirm/\S+/)", str(message.body))
    assert found, message.body
    return found.group(1)


def _nothing_recorded() -> None:
    assert not GuestAction.objects.exists()
    assert not Signature.objects.exists()
    assert not User.objects.filter(is_guest=True).exists()
    assert not OutboxMessage.objects.exists()


# Services -----------------------------------------------------------------------------------


def test_a_guest_signature_waits_for_its_confirmation_and_the_same_address_signs_once():
    pledge = PledgeFactory.create()
    first = guest_act(target=pledge, email=ADDRESS, name="Nour Haddad", postcode="75011")
    # An alias of the same mailbox, another name: the same person, the same signature.
    again = guest_act(target=pledge, email="Nour.Haddad+petition@Exemple.test", name="N. H.")

    assert again.pk == first.pk
    guest = User.objects.get(email_canonical="nour.haddad@exemple.test")
    assert guest.is_guest and not guest.has_usable_password()
    assert guest.display_name == "Nour Haddad"
    assert first.consent == guest_services.consent_for(pledge.campaign)
    assert OutboxMessage.objects.filter(channel=guest_services.CHANNEL).count() == 1
    assert not Signature.objects.exists()
    assert signature_count(pledge) == 0


def test_an_address_of_an_account_signs_as_that_account_once_confirmed():
    account = UserFactory.create(email="camille@exemple.test", display_name="Camille")
    pledge = PledgeFactory.create()

    signature = guest_act(target=pledge, email="Camille@exemple.test", name="Quelqu'un")
    _send_mail()
    guest_services.guest_confirm(
        token=guest_services.confirmation_token(signature), campaign=pledge.campaign
    )

    assert signature.user_id == account.pk
    assert not User.objects.filter(is_guest=True).exists()
    account.refresh_from_db()
    assert account.display_name == "Camille"
    assert Signature.objects.get().user_id == account.pk
    assert signature_count(pledge) == 1


def test_the_confirmation_mail_is_sent_once_and_confirming_twice_counts_once():
    pledge = PledgeFactory.create()
    signature = guest_act(target=pledge, email=ADDRESS, name="Nour Haddad")
    _send_mail()
    _send_mail()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [ADDRESS]
    token = guest_services.confirmation_token(signature)

    _row, first = guest_services.guest_confirm(token=token, campaign=pledge.campaign)
    _row, second = guest_services.guest_confirm(token=token, campaign=pledge.campaign)

    assert (first, second) == (True, False)
    assert Signature.objects.count() == 1
    assert signature_count(pledge) == 1
    assert EmailAddress.objects.get(user=signature.user).verified


def test_a_guest_brought_by_a_share_link_is_credited_to_it_once_confirmed():
    pledge = PledgeFactory.create()
    relay = UserFactory.create()
    link = link_for(user=relay, campaign=pledge.campaign)
    signature = guest_act(target=pledge, email=ADDRESS, name="Nour", via=link.code)

    guest_services.guest_confirm(
        token=guest_services.confirmation_token(signature), campaign=pledge.campaign
    )

    supporter = Supporter.objects.get(user=signature.user)
    assert supporter.link_id == link.pk and supporter.referrer_id == relay.pk


@pytest.mark.parametrize(
    ("email", "name"),
    [
        ("pas-une-adresse", "Nour"),
        ("nour@", "Nour"),
        ("nour@yopmail.com", "Nour"),
        ("nour@mail.mailinator.com", "Nour"),
        (ADDRESS, "   "),
    ],
)
def test_bad_input_is_refused_and_records_nothing(email, name):
    pledge = PledgeFactory.create()
    with pytest.raises(ValidationError):
        guest_act(target=pledge, email=email, name=name)
    _nothing_recorded()


def test_a_closed_or_hidden_campaign_takes_no_guest_signature():
    closed = PledgeFactory.create(campaign__status=Campaign.Status.CLOSED)
    draft = PledgeFactory.create(campaign__status=Campaign.Status.DRAFT)
    for pledge in (closed, draft):
        with pytest.raises(ApplicationError) as error:
            guest_act(target=pledge, email=ADDRESS, name="Nour")
        assert error.value.status_code == (400 if pledge is closed else 404)
    _nothing_recorded()


def test_a_suspended_or_banned_account_cannot_sign_by_its_address():
    UserFactory.create(email="suspendu@exemple.test", suspended_until=timezone.now() + timedelta(1))
    UserFactory.create(email="banni@exemple.test", is_active=False, banned_at=timezone.now())
    pledge = PledgeFactory.create()
    for email in ("suspendu@exemple.test", "banni@exemple.test"):
        with pytest.raises(ApplicationError) as error:
            guest_act(target=pledge, email=email, name="X")
        assert error.value.status_code in (400, 403)
    assert not GuestAction.objects.exists()


def test_unconfirmed_signatures_expire_and_their_guests_are_forgotten(settings):
    settings.CAMPAIGNS_GUEST_EXPIRY_HOURS = 24
    pledge = PledgeFactory.create()
    account = UserFactory.create(email="compte@exemple.test")
    old = guest_act(target=pledge, email=ADDRESS, name="Nour Haddad")
    old_account = guest_act(target=pledge, email="compte@exemple.test", name="Compte")
    confirmed = guest_act(target=pledge, email="lea@exemple.test", name="Léa")
    guest_services.guest_confirm(
        token=guest_services.confirmation_token(confirmed), campaign=pledge.campaign
    )
    recent = guest_act(target=pledge, email="sam@exemple.test", name="Sam")
    GuestAction.objects.exclude(pk=recent.pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )

    assert guests_expire() == 2
    assert guests_expire() == 0

    assert set(GuestAction.objects.values_list("pk", flat=True)) == {confirmed.pk, recent.pk}
    forgotten = User.objects.get(pk=old.user_id)
    assert forgotten.deleted_at is not None and "nour" not in forgotten.email
    assert forgotten.display_name != "Nour Haddad"
    account.refresh_from_db()
    assert account.deleted_at is None and old_account.user_id == account.pk
    for kept in (confirmed, recent):
        assert User.objects.get(pk=kept.user_id).deleted_at is None
    assert signature_count(pledge) == 1


def test_a_guest_who_chooses_a_password_is_an_account_with_their_signature_counted_once():
    pledge = PledgeFactory.create()
    signature = guest_act(target=pledge, email=ADDRESS, name="Nour Haddad")
    guest_services.guest_confirm(
        token=guest_services.confirmation_token(signature), campaign=pledge.campaign
    )
    guest = User.objects.get(pk=signature.user_id)

    # What allauth's reset link (the "account already exists" e-mail) ends with.
    get_adapter().set_password(guest, "un-mot-de-passe-solide-42")

    guest.refresh_from_db()
    assert not guest.is_guest and guest.check_password("un-mot-de-passe-solide-42")
    assert Signature.objects.get().user_id == guest.pk
    assert signature_count(pledge) == 1
    # Signing again as the account changes nothing.
    guest_act(target=pledge, email=ADDRESS, name="Nour")
    assert signature_count(pledge) == 1


# Views --------------------------------------------------------------------------------------


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

    response = _sign(client, campaign)
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:guest_signed", args=[campaign.slug])
    signed = client.get(response["Location"])
    assert 'data-testid="guest-pending"' in signed.content.decode()
    guest = User.objects.get(is_guest=True)
    link = ShareLink.objects.get(owner=guest, campaign=campaign)
    assert link.code in signed.content.decode()
    assert signature_count(pledge) == 0

    _send_mail()
    url = _confirm_url(mail.outbox[0])
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

    refused = client.post(url, _form(email="nour@yopmail.com"), headers={"HX-Request": "true"})
    assert refused.status_code == 400
    assert 'data-testid="guest-sign-form"' in refused.content.decode()
    assert "disposable" in refused.content.decode() or "jetables" in refused.content.decode()
    _nothing_recorded()

    response = client.post(url, _form(), headers={"HX-Request": "true"})
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
    response = _sign(client, pledge.campaign, **overrides)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    _nothing_recorded()


def test_a_form_sent_faster_than_a_person_can_is_refused(client, settings):
    settings.CAMPAIGNS_GUEST_MIN_SECONDS = 3600
    pledge = PledgeFactory.create()
    response = _sign(client, pledge.campaign)
    assert response.status_code == 400
    _nothing_recorded()


def test_a_logged_in_person_signs_with_the_button_not_the_guest_form(client):
    pledge = PledgeFactory.create()
    client.force_login(UserFactory.create())
    assert _sign(client, pledge.campaign).status_code == 400
    _nothing_recorded()


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


def test_per_address_limits_answer_429_and_record_nothing_more(client, settings):
    settings.RATE_LIMITS = {"guest-email": [(2, 3600)]}
    first, second = PledgeFactory.create(), PledgeFactory.create()
    third = PledgeFactory.create()
    assert _sign(client, first.campaign).status_code == 302
    assert _sign(client, second.campaign, email="Nour.Haddad+x@exemple.test").status_code == 302
    refused = _sign(client, third.campaign)
    assert refused.status_code == 429 and refused["Retry-After"]
    assert GuestAction.objects.count() == 2
    # Another address from the same network still signs.
    assert _sign(client, third.campaign, email="sam@exemple.test").status_code == 302


def test_per_network_limits_answer_429(client, settings):
    settings.RATE_LIMITS = {"guest": [(2, 60)]}
    pledge = PledgeFactory.create()
    for number in range(2):
        response = _sign(client, pledge.campaign, email=f"p{number}@exemple.test")
        assert response.status_code == 302
    other_machine = client.post(
        reverse("campaigns:guest_sign", args=[pledge.campaign.slug]),
        _form(email="p9@exemple.test"),
        REMOTE_ADDR="127.0.0.99",  # same /24
    )
    assert other_machine.status_code == 429
    assert GuestAction.objects.count() == 2


def test_the_page_after_signing_shows_only_ones_own_signature(client):
    pledge = PledgeFactory.create()
    thanks = reverse("campaigns:guest_signed", args=[pledge.campaign.slug])
    assert client.get(thanks).status_code == 302
    _sign(client, pledge.campaign)
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


def test_what_a_guest_gave_is_in_their_export_and_goes_with_their_account():
    pledge = PledgeFactory.create()
    signature = guest_act(target=pledge, email=ADDRESS, name="Nour", postcode="75011")
    guest = User.objects.get(pk=signature.user_id)

    exported = user_export(guest)["campaigns"]["actions_without_an_account"]
    assert [(row["kind"], row["postcode"], row["confirmed_at"]) for row in exported] == [
        ("sign", "75011", None)
    ]

    user_delete(user=guest)
    assert not GuestAction.objects.exists()


def test_the_export_lists_every_kind_of_action_taken_without_an_account():
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    challenge = ChallengeFactory.create(campaign=campaign)
    event = EventFactory.create(campaign=campaign, title="Ramassage du canal")
    fundraiser = FundraiserFactory.create(campaign=campaign)
    offer = {"item": "Gants", "quantity": 30, "unit": "paires", "declared_value": 60_00}
    for target in (pledge, challenge, event, fundraiser):
        guest_act(target=target, email=ADDRESS, name="Nour", offer=offer)
    guest = User.objects.get(email=ADDRESS)

    rows = user_export(guest)["campaigns"]["actions_without_an_account"]
    assert [(row["kind"], row["event"]) for row in rows] == [
        ("sign", None),
        ("join", None),
        ("rsvp", "Ramassage du canal"),
        ("give", None),
    ]
    assert rows[3]["offer"] == offer and rows[0]["offer"] is None


def test_signing_up_later_with_the_address_claims_the_guests_signature_counted_once(client):
    pledge = PledgeFactory.create()
    _sign(client, pledge.campaign)
    _send_mail()
    client.post(_confirm_url(mail.outbox[-1]))
    guest = User.objects.get(is_guest=True)
    client.cookies.clear()

    # Sign-up with the address: allauth tells its owner the account exists, by e-mail only.
    password = "un-mot-de-passe-solide-42"
    client.post(
        reverse("account_signup"),
        {"email": ADDRESS, "display_name": "Nour", "password1": password, "password2": password},
    )
    assert User.objects.filter(email_canonical=ADDRESS).count() == 1
    client.post(reverse("account_reset_password"), {"email": ADDRESS})
    found = re.search(
        r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", str(mail.outbox[-1].body)
    )
    assert found, mail.outbox[-1].body
    response = client.get(found.group(1), follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else found.group(1)
    client.post(form_url, {"password1": password, "password2": password})

    assert client.login(email=ADDRESS, password=password)
    guest.refresh_from_db()
    assert not guest.is_guest
    page = client.get(pledge.campaign.get_absolute_url()).content.decode()
    assert 'data-testid="signed"' in page and 'data-testid="share-panel"' in page
    assert Signature.objects.get().user_id == guest.pk
    assert signature_count(pledge) == 1


@pytest.mark.parametrize("htmx", [True, False])
def test_an_address_sent_again_tells_nothing_of_its_owners_signature(client, htmx):
    """Anyone may type anyone's address: the form's answer for an address that signed before
    is the new one's "check your e-mail", without the owner's state, share link or cookie."""
    pledge = PledgeFactory.create()
    _sign(client, pledge.campaign)
    _send_mail()
    client.post(_confirm_url(mail.outbox[-1]))
    assert signature_count(pledge) == 1
    mail.outbox.clear()

    stranger = Client(headers={"HX-Request": "true"} if htmx else {})
    answer = stranger.post(
        reverse("campaigns:guest_sign", args=[pledge.campaign.slug]), _form(name="Quelqu'un")
    )
    _send_mail()

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
        reverse("campaigns:guest_sign", args=[pledge.campaign.slug]), _form(), follow=True
    )

    page = answer.content.decode()
    assert answer.status_code == 200
    assert 'data-testid="guest-pending"' in page and 'data-testid="signed"' not in page
    assert 'data-testid="share-url"' in page and 'data-testid="share-stats"' not in page
    assert signature_count(pledge) == 1


def test_a_new_persons_signature_writes_without_probing_for_an_earlier_one(client):
    """A spike of strangers is a spike of new people: nothing of theirs can exist before the
    transaction that records them, so their action is written without a look for an earlier
    one. Someone already known (here, again) is still looked up, and found: one action."""
    pledge = PledgeFactory.create()
    with CaptureQueriesContext(connection) as queries:
        assert _sign(client, pledge.campaign).status_code == 302
    statements = tables(queries.captured_queries)
    assert "SELECT campaigns_guestaction" not in statements
    assert statements.count("INSERT campaigns_guestaction") == 1
    assert statements.count("INSERT accounts_user") == 1
    # Their share link, written with the action (relay hears GUEST_ACTED), not looked for.
    assert statements.count("INSERT relay_sharelink") == 1
    assert "SELECT campaigns_campaignhost" not in statements
    with CaptureQueriesContext(connection) as queries:
        assert _sign(Client(), pledge.campaign).status_code == 200
    assert "SELECT campaigns_guestaction" in tables(queries.captured_queries)
    assert GuestAction.objects.filter(pledge=pledge).count() == 1
    assert OutboxMessage.objects.filter(channel=guest_services.CHANNEL).count() == 1


def test_a_guests_share_link_commits_with_their_action():
    pledge = PledgeFactory.create()
    action = guest_act(target=pledge, email=ADDRESS, name="Nour Haddad")
    link = ShareLink.objects.get(owner=action.user, campaign=pledge.campaign)
    assert link_for(user=action.user, campaign=pledge.campaign) == link
