"""Signing without an account, the services: one step with a name and an e-mail, nothing
counted before the confirmation, nothing counted twice, claimed by an account later, and what
one new person's signature writes."""

import re
from datetime import timedelta

import pytest
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.models import User
from essaim.accounts.services import user_delete, user_export
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import GUEST_EMAIL_CHANNEL, Campaign, GuestAction, Signature
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.services import guest as guest_services
from essaim.campaigns.services.guest import guest_act, guests_expire
from essaim.campaigns.services.pledge import pledge_sign
from essaim.campaigns.services.settle import guest_actions_settle
from essaim.campaigns.tests.factories import (
    ChallengeFactory,
    EventFactory,
    FundraiserFactory,
    PledgeFactory,
)
from essaim.campaigns.tests.guest_support import (
    ADDRESS,
    confirm_url,
    form_data,
    nothing_recorded,
    send_mail,
    sign,
)
from essaim.campaigns.tests.test_signing_reads import tables
from essaim.core.errors import ApplicationError, ValidationError
from essaim.core.models import OutboxMessage
from essaim.relay.models import ShareLink, Supporter
from essaim.relay.services import link_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_minimum_time")]


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
    assert OutboxMessage.objects.filter(channel=GUEST_EMAIL_CHANNEL).count() == 1
    assert not Signature.objects.exists()
    assert signature_count(pledge) == 0


def test_an_address_of_an_account_signs_as_that_account_once_confirmed():
    account = UserFactory.create(email="camille@exemple.test", display_name="Camille")
    pledge = PledgeFactory.create()

    signature = guest_act(target=pledge, email="Camille@exemple.test", name="Quelqu'un")
    send_mail()
    guest_services.guest_confirm(
        token=guest_services.confirmation_token(signature), campaign=pledge.campaign
    )

    assert signature.user_id == account.pk
    assert not User.objects.filter(is_guest=True).exists()
    account.refresh_from_db()
    assert account.display_name == "Camille"
    assert Signature.objects.get().user_id == account.pk
    assert signature_count(pledge) == 1


def test_an_accounts_choice_to_show_its_name_stays_when_its_address_confirms_a_guest_form():
    account = UserFactory.create(email="camille@exemple.test")
    pledge = PledgeFactory.create()
    pledge_sign(user=account, pledge=pledge, show_name=True)

    signature = guest_act(target=pledge, email="camille@exemple.test", name="Quelqu'un")
    guest_services.guest_confirm(
        token=guest_services.confirmation_token(signature), campaign=pledge.campaign
    )

    assert Signature.objects.get(user=account).show_name is True
    assert signature_count(pledge) == 1


def test_the_confirmation_mail_is_sent_once_and_confirming_twice_counts_once():
    pledge = PledgeFactory.create()
    signature = guest_act(target=pledge, email=ADDRESS, name="Nour Haddad")
    send_mail()
    send_mail()
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
    nothing_recorded()


def test_a_closed_or_hidden_campaign_takes_no_guest_signature():
    closed = PledgeFactory.create(campaign__status=Campaign.Status.CLOSED)
    draft = PledgeFactory.create(campaign__status=Campaign.Status.DRAFT)
    for pledge in (closed, draft):
        with pytest.raises(ApplicationError) as error:
            guest_act(target=pledge, email=ADDRESS, name="Nour")
        assert error.value.status_code == (400 if pledge is closed else 404)
    nothing_recorded()


def test_a_suspended_or_banned_account_cannot_sign_by_its_address():
    UserFactory.create(email="suspendu@exemple.test", suspended_until=timezone.now() + timedelta(1))
    UserFactory.create(email="banni@exemple.test", is_active=False, banned_at=timezone.now())
    pledge = PledgeFactory.create()
    answers = set()
    for email in ("suspendu@exemple.test", "banni@exemple.test"):
        with pytest.raises(ApplicationError) as error:
            guest_act(target=pledge, email=email, name="X")
        assert error.value.status_code == 400
        answers.add(error.value.message)
    # The same answer for both: whoever typed the address learns nothing of a sanction.
    assert len(answers) == 1
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
    # The account's handle is its name's, no longer the guest's suffixed one.
    assert guest.handle == "nour-haddad"
    assert Signature.objects.get().user_id == guest.pk
    assert signature_count(pledge) == 1
    # Signing again as the account changes nothing.
    guest_act(target=pledge, email=ADDRESS, name="Nour")
    assert signature_count(pledge) == 1


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
    sign(client, pledge.campaign)
    send_mail()
    client.post(confirm_url(mail.outbox[-1]))
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


def test_a_new_persons_signature_writes_without_probing_for_an_earlier_one(client, settings):
    """A spike of strangers is a spike of new people: nothing of theirs can exist before the
    transaction that records them, so they, their handle, their action and their share link
    are written without a look for an earlier one. Someone already known (here, again) is
    looked up once their insert is refused, and found: one person, one action. As in
    production, the request queues no e-mail: the settle does, once."""
    settings.CAMPAIGNS_SETTLE_INLINE = False
    pledge = PledgeFactory.create()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("campaigns:guest_sign", args=[pledge.campaign.slug]),
            form_data(),
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    statements = tables(queries.captured_queries)
    # Not even a look for the address: the insert comes first, and would find its owner on
    # conflict. No probe for a free handle.
    assert "SELECT accounts_user" not in statements
    assert "SELECT communities_community" not in statements
    assert statements.count("INSERT accounts_user") == 1
    assert "SELECT campaigns_guestaction" not in statements
    assert statements.count("INSERT campaigns_guestaction") == 1
    assert "INSERT core_outboxmessage" not in statements
    # Their share link, shown in the panel: inserted, neither looked for nor read back.
    assert statements.count("INSERT relay_sharelink") == 1
    assert "SELECT relay_sharelink" not in statements
    assert "SELECT campaigns_campaignhost" not in statements
    guest = User.objects.get(is_guest=True)
    assert re.fullmatch(r"nour-haddad-[0-9a-f]{6}", guest.handle)
    link = ShareLink.objects.get(owner=guest, campaign=pledge.campaign)
    assert link.code in response.content.decode()
    with CaptureQueriesContext(connection) as queries:
        assert sign(Client(), pledge.campaign).status_code == 200
    again = tables(queries.captured_queries)
    assert again.index("INSERT accounts_user") < again.index("SELECT accounts_user")
    assert "SELECT campaigns_guestaction" in again
    assert User.objects.filter(is_guest=True).get() == guest
    assert GuestAction.objects.filter(pledge=pledge).count() == 1
    assert not OutboxMessage.objects.exists()
    assert guest_actions_settle() == 1 and guest_actions_settle() == 0
    assert OutboxMessage.objects.filter(channel=GUEST_EMAIL_CHANNEL).count() == 1


def test_a_new_guests_link_is_the_one_asked_for_later_and_a_known_persons_is_their_own(client):
    """The link written without a look for a new guest is the one every later ask finds;
    someone known who acts as a guest (an account's address) is shown the link they had."""
    pledge = PledgeFactory.create()
    action = guest_act(target=pledge, email=ADDRESS, name="Nour Haddad")
    assert action.made_now and action.person_new
    assert not ShareLink.objects.exists()  # Made when the page after acting shows it.
    link = link_for(user=action.user, campaign=pledge.campaign, new_owner=True)
    assert link_for(user=action.user, campaign=pledge.campaign) == link
    # Asked again as new (a second request of theirs that raced): the stored one, no other.
    assert link_for(user=action.user, campaign=pledge.campaign, new_owner=True) == link
    account = UserFactory.create(email="camille@exemple.test")
    own = link_for(user=account, campaign=pledge.campaign)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("campaigns:guest_sign", args=[pledge.campaign.slug]),
            form_data(email="Camille@exemple.test", name="Camille"),
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200 and own.code in response.content.decode()
    # Someone known is not taken for new: their link is looked for, no insert is tried.
    assert "INSERT relay_sharelink" not in tables(queries.captured_queries)
    assert ShareLink.objects.filter(owner=account).get() == own


def test_a_guests_handle_is_their_name_and_a_suffix_and_a_clash_takes_another(monkeypatch):
    """A new guest's handle is written without a look; the unique constraint refuses the rare
    clash, and the guest is recorded with another suffix."""
    taken = UserFactory.create(email="first@exemple.test", display_name="Nour")
    suffixes = iter(["clash", "free"])
    monkeypatch.setattr(
        "essaim.accounts.services.guest_handle", lambda name: f"nour-{next(suffixes)}"
    )
    User.objects.filter(pk=taken.pk).update(handle="nour-clash")
    action = guest_act(target=PledgeFactory.create(), email=ADDRESS, name="Nour")
    assert action.user.handle == "nour-free"
    assert User.objects.filter(handle__startswith="nour-").count() == 2
