"""Joining a challenge and answering an event without an account: one step, a confirmation
through the one-button page, the action taken by its one write path (`challenge_join`,
`rsvp_create`), then a personal signed link for what follows — the ticket (a waiting list's
promotion e-mails it), the daily check-in."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns import guest_cookie
from essaim.campaigns.guest_forms import started_token
from essaim.campaigns.models import GUEST_EMAIL_CHANNEL, CheckIn, GuestAction, Participant, Rsvp
from essaim.campaigns.services import guest as guest_services
from essaim.campaigns.services import guest_links
from essaim.campaigns.services.events import rsvp_cancel, rsvp_create
from essaim.campaigns.services.guest import guest_act
from essaim.campaigns.tests.factories import ChallengeFactory, EventFactory, PledgeFactory
from essaim.core import outbox
from essaim.core.errors import NotFound, ValidationError
from essaim.core.models import OutboxMessage
from essaim.notifications.models import Notification
from essaim.notifications.reminders import challenge_prompts, event_reminders

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_minimum_time")]

ADDRESS = "nour.haddad@exemple.test"


def _form(**overrides: str) -> dict[str, str]:
    return {
        "name": "Nour Haddad",
        "email": ADDRESS,
        "consent": "on",
        "started": started_token(),
        **overrides,
    }


def _confirm(action: GuestAction) -> GuestAction:
    confirmed, _first = guest_services.guest_confirm(
        token=guest_services.confirmation_token(action), campaign=action.campaign
    )
    return confirmed


def _link(body: str, part: str) -> str:
    found = re.search(rf"https?://[^/\s]+(/\S+/{part}/\S+/)", body)
    assert found, body
    return found.group(1)


def _names(path: str, action: GuestAction) -> bool:
    """Whether `path` is a personal link to `action` (a signed token is stamped with the
    second it was made, so two links to one action differ)."""
    token = path.rstrip("/").rpartition("/")[2]
    named = guest_links.guest_action_for_link(
        token=token, campaign=action.campaign, kind=action.kind
    )
    return named.pk == action.pk


def _full_event():
    event = EventFactory.create(capacity=1)
    holder = UserFactory.create()
    rsvp_create(user=holder, event=event)
    return event, holder


# RSVP: services ---------------------------------------------------------------------------


def test_a_guest_rsvp_waits_for_its_confirmation_then_takes_a_place_once():
    event = EventFactory.create(capacity=3)
    action = guest_act(target=event, email=ADDRESS, name="Nour Haddad")
    again = guest_act(target=event, email="Nour.Haddad+x@exemple.test", name="N. H.")

    assert again.pk == action.pk
    assert (action.kind, action.event_id, action.campaign_id) == (
        "rsvp",
        event.pk,
        event.campaign_id,
    )
    assert OutboxMessage.objects.filter(channel=GUEST_EMAIL_CHANNEL).count() == 1
    assert not Rsvp.objects.exists()

    _confirm(action)
    _confirm(action)

    rsvp = Rsvp.objects.get()
    assert (rsvp.user_id, rsvp.status) == (action.user_id, Rsvp.Status.CONFIRMED)


def test_the_confirmation_mail_of_an_rsvp_names_the_event_and_its_link_confirms(client):
    event = EventFactory.create(title="Ramassage du canal")
    guest_act(target=event, email=ADDRESS, name="Nour")
    outbox.dispatch(here=True)
    [message] = mail.outbox
    assert "Ramassage du canal" in message.subject
    path = _link(str(message.body), "confirm")
    assert client.get(path).status_code == 200
    assert not Rsvp.objects.exists()
    assert client.post(path).status_code == 200
    assert Rsvp.objects.get().status == Rsvp.Status.CONFIRMED


@pytest.mark.parametrize(
    "change",
    [
        {"status": "proposed"},
        {
            "starts_at": timezone.now() - timedelta(hours=3),
            "ends_at": timezone.now() - timedelta(hours=1),
        },
    ],
    ids=["not-approved", "over"],
)
def test_an_event_one_cannot_answer_takes_no_guest_rsvp(change):
    event = EventFactory.create()
    type(event).objects.filter(pk=event.pk).update(**change)
    event.refresh_from_db()
    with pytest.raises((ValidationError, NotFound)):
        guest_act(target=event, email=ADDRESS, name="Nour")
    assert not GuestAction.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_guest_on_the_waiting_list_is_promoted_by_an_email_with_their_ticket_link(client):
    event, holder = _full_event()
    action = _confirm(guest_act(target=event, email=ADDRESS, name="Nour"))
    assert Rsvp.objects.get(user=action.user).status == Rsvp.Status.WAITLISTED
    outbox.dispatch(here=True)
    mail.outbox.clear()

    rsvp_cancel(user=holder, event=event)
    outbox.dispatch(here=True)

    [message] = [m for m in mail.outbox if m.to == [ADDRESS]]
    ticket = _link(str(message.body), "ticket")
    token = ticket.rstrip("/").rsplit("/", 1)[1]
    named = guest_links.guest_action_for_link(
        token=token, campaign=event.campaign, kind=GuestAction.Kind.RSVP
    )
    assert named.pk == action.pk
    assert "/notifications/preferences" not in str(message.body)
    page = client.get(ticket)
    assert page.status_code == 200
    assert 'data-testid="ticket"' in page.content.decode()
    code = client.get(reverse("campaigns:guest_ticket_code", args=[event.campaign.slug, token]))
    assert code.status_code == 200 and code["Content-Type"] == "image/svg+xml"


def test_an_account_holder_promoted_still_gets_the_event_page():
    event, holder = _full_event()
    waiting = UserFactory.create()
    rsvp_create(user=waiting, event=event)
    rsvp_cancel(user=holder, event=event)
    notification = Notification.objects.get(user=waiting, kind=Notification.Kind.EVENT_PROMOTED)
    assert notification.url == event.get_absolute_url()


def test_a_guest_gives_their_place_back_through_the_ticket_and_the_next_one_gets_it(client):
    event = EventFactory.create(capacity=1)
    action = _confirm(guest_act(target=event, email=ADDRESS, name="Nour"))
    waiting = UserFactory.create()
    rsvp_create(user=waiting, event=event)
    ticket = guest_links.guest_link_path(action)

    assert client.post(ticket).status_code == 302
    assert client.post(ticket).status_code == 302  # again: nothing more

    assert Rsvp.objects.get(user=action.user).status == Rsvp.Status.CANCELLED
    assert Rsvp.objects.get(user=waiting).status == Rsvp.Status.CONFIRMED
    assert 'data-testid="ticket"' not in client.get(ticket).content.decode()


def test_a_guest_who_gave_their_place_back_answers_again_through_a_new_confirmation(client):
    event = EventFactory.create(capacity=5)
    action = _confirm(guest_act(target=event, email=ADDRESS, name="Nour"))
    first_link = guest_services.confirmation_token(action)
    assert client.post(guest_links.guest_link_path(action)).status_code == 302
    clock = timezone.now() + timedelta(minutes=1)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: clock)
        again = guest_act(target=event, email="Nour.Haddad+retour@exemple.test", name="N.")

    assert again.pk == action.pk and not again.made_now  # whoever typed it is told no more
    assert again.confirmed_at is None
    assert OutboxMessage.objects.filter(channel=GUEST_EMAIL_CHANNEL).count() == 3
    assert Rsvp.objects.get().status == Rsvp.Status.CANCELLED
    with pytest.raises(ValidationError):
        guest_services.guest_confirm(token=first_link, campaign=event.campaign)
    _confirm(again)
    assert Rsvp.objects.get().status == Rsvp.Status.CONFIRMED
    # Sent once more while the answer stands: nothing is asked again.
    guest_act(target=event, email=ADDRESS, name="Nour")
    assert OutboxMessage.objects.filter(channel=GUEST_EMAIL_CHANNEL).count() == 4


def test_the_event_reminder_takes_a_guest_to_their_ticket():
    now = timezone.now()
    event = EventFactory.create(
        starts_at=now + timedelta(hours=20), ends_at=now + timedelta(hours=22)
    )
    action = _confirm(guest_act(target=event, email=ADDRESS, name="Nour"))

    event_reminders(now)

    notification = Notification.objects.get(user=action.user)
    assert "/ticket/" in notification.url and _names(notification.url, action)


# Challenge: services -------------------------------------------------------------------------


def test_a_guest_joins_a_challenge_once_confirmed_and_checks_in_once_a_day_by_their_link():
    challenge = ChallengeFactory.create()
    action = guest_act(target=challenge, email=ADDRESS, name="Nour")
    assert not Participant.objects.exists()
    _confirm(action)
    _confirm(action)
    participant = Participant.objects.get()
    assert participant.user_id == action.user_id

    token = guest_links.personal_token(action)
    guest_links.guest_check_in(token=token, campaign=challenge.campaign)
    guest_links.guest_check_in(token=token, campaign=challenge.campaign)

    assert list(CheckIn.objects.values_list("participant_id", "date")) == [
        (participant.pk, timezone.localdate())
    ]


def test_the_days_prompt_takes_a_guest_to_their_check_in_link():
    challenge = ChallengeFactory.create()
    challenge.days.create(date=timezone.localdate(), prompt="Un trajet à vélo")
    action = _confirm(guest_act(target=challenge, email=ADDRESS, name="Nour"))

    challenge_prompts(timezone.localdate())

    notification = Notification.objects.get(user=action.user)
    assert "/check-in/" in notification.url and _names(notification.url, action)


@pytest.mark.parametrize("kind", ["rsvp", "join"])
def test_confirming_a_join_or_an_rsvp_mails_the_personal_link_once(kind):
    target = EventFactory.create() if kind == "rsvp" else ChallengeFactory.create()
    action = guest_act(target=target, email=ADDRESS, name="Nour")
    outbox.dispatch(here=True)
    mail.outbox.clear()

    _confirm(action)
    _confirm(action)
    outbox.dispatch(here=True)
    outbox.dispatch(here=True)

    [message] = mail.outbox
    part = "ticket" if kind == "rsvp" else "check-in"
    assert _names(_link(str(message.body), part), action)
    assert "/guest-data/" in str(message.body)
    assert GuestAction.objects.get().link_mailed_at is not None


def test_a_signature_gets_no_personal_link_mail():
    pledge = PledgeFactory.create()
    action = guest_act(target=pledge, email=ADDRESS, name="Nour")
    outbox.dispatch(here=True)
    _confirm(action)
    outbox.dispatch(here=True)
    assert len(mail.outbox) == 1  # the confirmation's
    assert OutboxMessage.objects.filter(channel=GUEST_EMAIL_CHANNEL).count() == 1


# Bad personal links ------------------------------------------------------------------------


def test_bad_personal_links_get_a_clear_answer_and_change_nothing(client):
    challenge = ChallengeFactory.create()
    other = ChallengeFactory.create()
    mine = _confirm(guest_act(target=challenge, email=ADDRESS, name="Nour"))
    theirs = _confirm(guest_act(target=other, email="sam@exemple.test", name="Sam"))
    pending = guest_act(target=challenge, email="awa@exemple.test", name="Awa")
    event = EventFactory.create(campaign=challenge.campaign)
    rsvp = _confirm(guest_act(target=event, email=ADDRESS, name="Nour"))
    token = guest_links.personal_token(mine)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    cases = [
        (tampered, 400),
        ("n-importe-quoi", 400),
        # The confirmation's token is no personal link.
        (guest_services.confirmation_token(mine), 400),
        # Another guest's link, of another campaign, through this one's page.
        (guest_links.personal_token(theirs), 404),
        # Not confirmed: no link yet.
        (guest_links.personal_token(pending), 404),
        # A ticket's link is no check-in link.
        (guest_links.personal_token(rsvp), 404),
    ]
    for bad, status in cases:
        url = reverse("campaigns:guest_check_in", args=[challenge.campaign.slug, bad])
        for response in (client.get(url), client.post(url)):
            assert response.status_code == status, (bad, response.status_code)
    # The right link on another campaign's page.
    url = reverse("campaigns:guest_check_in", args=[other.campaign.slug, token])
    assert client.post(url).status_code == 404
    assert not CheckIn.objects.exists()


def test_an_expired_confirmation_of_an_rsvp_takes_no_place(client, settings):
    settings.CAMPAIGNS_GUEST_EXPIRY_HOURS = 24
    event = EventFactory.create()
    action = guest_act(target=event, email=ADDRESS, name="Nour")
    token = guest_services.confirmation_token(action)
    GuestAction.objects.filter(pk=action.pk).update(created_at=timezone.now() - timedelta(hours=25))
    guest_services.guests_expire()

    url = reverse("campaigns:guest_confirm", args=[event.campaign.slug, token])
    assert client.post(url).status_code == 400
    assert not Rsvp.objects.exists()
    assert not User.objects.filter(is_guest=True, deleted_at__isnull=True).exists()


# Views ----------------------------------------------------------------------------------------


def test_the_event_page_offers_visitors_the_one_step_form(client):
    event = EventFactory.create()
    page = client.get(event.get_absolute_url()).content.decode()
    assert 'data-testid="guest-rsvp-form"' in page
    assert reverse("campaigns:guest_rsvp", args=[event.campaign.slug, event.pk]) in page


def test_the_campaign_page_offers_visitors_the_one_step_join(client):
    challenge = ChallengeFactory.create()
    page = client.get(challenge.campaign.get_absolute_url()).content.decode()
    assert 'data-testid="guest-join-form"' in page


def test_a_guest_rsvp_with_htmx_swaps_the_panel_and_without_javascript_redirects(client):
    event = EventFactory.create()
    url = reverse("campaigns:guest_rsvp", args=[event.campaign.slug, event.pk])

    swapped = client.post(url, _form(), HTTP_HX_REQUEST="true")
    assert swapped.status_code == 200
    assert 'data-testid="guest-pending"' in swapped.content.decode()

    plain = client.post(url, _form(email="sam@exemple.test"))
    assert plain.status_code == 302
    page = client.get(plain["Location"])
    assert page.status_code == 200 and 'data-testid="guest-pending"' in page.content.decode()
    assert GuestAction.objects.filter(kind="rsvp").count() == 2


def test_a_guest_join_with_htmx_swaps_the_panel_and_without_javascript_redirects(client):
    challenge = ChallengeFactory.create()
    url = reverse("campaigns:guest_join", args=[challenge.campaign.slug])
    swapped = client.post(url, _form(), HTTP_HX_REQUEST="true")
    assert swapped.status_code == 200 and 'id="challenge"' in swapped.content.decode()
    assert 'data-testid="guest-pending"' in swapped.content.decode()
    plain = client.post(url, _form(email="sam@exemple.test"))
    assert plain.status_code == 302
    assert GuestAction.objects.filter(kind="join").count() == 2


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
@pytest.mark.parametrize(
    "overrides",
    [
        {"email": "pas-une-adresse"},
        {"email": "nour@yopmail.com"},
        {"consent": ""},
        {"website": "x"},
    ],
    ids=lambda overrides: ",".join(f"{k}={v}" for k, v in overrides.items()),
)
def test_a_bad_rsvp_or_join_form_gets_a_clear_400_and_records_nothing(client, htmx, overrides):
    event = EventFactory.create()
    challenge = ChallengeFactory.create(campaign=event.campaign)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for url in (
        reverse("campaigns:guest_rsvp", args=[event.campaign.slug, event.pk]),
        reverse("campaigns:guest_join", args=[challenge.campaign.slug]),
    ):
        response = client.post(url, _form(**overrides), **headers)
        assert response.status_code == 400, url
        assert 'class="errorlist' in response.content.decode()
    assert not GuestAction.objects.exists()
    assert not User.objects.filter(is_guest=True).exists()


def test_joins_and_rsvps_share_the_guest_forms_write_limits(client, settings):
    settings.RATE_LIMITS = {"guest-email": [(2, 3600)]}
    event = EventFactory.create()
    challenge = ChallengeFactory.create(campaign=event.campaign)
    rsvp = reverse("campaigns:guest_rsvp", args=[event.campaign.slug, event.pk])
    join = reverse("campaigns:guest_join", args=[challenge.campaign.slug])
    assert client.post(rsvp, _form()).status_code == 302
    assert client.post(join, _form(email="Nour.Haddad+defi@exemple.test")).status_code == 302
    refused = client.post(rsvp, _form(email="nour.haddad+encore@exemple.test"))
    assert refused.status_code == 429 and refused["Retry-After"]
    assert GuestAction.objects.count() == 2


def test_a_logged_in_person_answers_with_the_button_not_the_guest_form(client):
    event = EventFactory.create()
    client.force_login(UserFactory.create())
    url = reverse("campaigns:guest_rsvp", args=[event.campaign.slug, event.pk])
    assert client.post(url, _form()).status_code == 400
    assert not GuestAction.objects.exists()


def test_confirming_an_rsvp_on_the_page_shows_the_waiting_rank_and_the_ticket_link(client):
    event, _holder = _full_event()
    action = guest_act(target=event, email=ADDRESS, name="Nour")
    url = reverse(
        "campaigns:guest_confirm",
        args=[event.campaign.slug, guest_services.confirmation_token(action)],
    )
    client.cookies["django_language"] = "en"
    shown = client.get(url).content.decode()
    assert 'data-testid="guest-confirm"' in shown and not Rsvp.objects.filter(user=action.user)
    done = client.post(url).content.decode()
    assert "number 1 on the waiting list" in done
    found = re.search(r'href="(/campaigns/[^"]+/ticket/[^"]+/)"', done)
    assert found and _names(found.group(1), GuestAction.objects.get())


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_done_today_on_the_check_in_page(client, htmx):
    challenge = ChallengeFactory.create()
    action = _confirm(guest_act(target=challenge, email=ADDRESS, name="Nour"))
    url = guest_links.guest_link_path(action)
    page = client.get(url).content.decode()
    assert 'data-testid="check-in"' in page

    if htmx:
        answer = client.post(url, HTTP_HX_REQUEST="true")
        assert answer.status_code == 200
        assert 'data-testid="checked-today"' in answer.content.decode()
    else:
        answer = client.post(url)
        assert answer.status_code == 302 and answer["Location"] == url
        assert 'data-testid="checked-today"' in client.get(url).content.decode()
    assert CheckIn.objects.count() == 1


def test_an_address_sent_again_tells_nothing_of_its_owners_rsvp(client):
    event = EventFactory.create(capacity=5)
    _confirm(guest_act(target=event, email=ADDRESS, name="Nour"))
    outbox.dispatch(here=True)
    mail.outbox.clear()

    answer = client.post(
        reverse("campaigns:guest_rsvp", args=[event.campaign.slug, event.pk]),
        _form(name="Quelqu'un"),
        HTTP_HX_REQUEST="true",
    )

    page = answer.content.decode()
    assert answer.status_code == 200
    assert 'data-testid="guest-pending"' in page and 'data-testid="guest-confirmed"' not in page
    assert guest_cookie.COOKIE not in answer.cookies
    outbox.dispatch(here=True)
    assert mail.outbox == [] and Rsvp.objects.filter(event=event).count() == 1
