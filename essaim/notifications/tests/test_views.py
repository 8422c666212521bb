"""The preferences page and the one-click unsubscribe link."""

import pytest
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.notifications.links import unsubscribe_token
from essaim.notifications.models import Notification, Preference

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
PREFERENCES = reverse("notifications:preferences")


def choices(person) -> dict[str, str]:
    return dict(Preference.objects.filter(user=person).values_list("kind", "frequency"))


def test_the_preferences_page_is_linked_from_the_list_and_shows_the_defaults(client):
    person = UserFactory.create()
    client.force_login(person)
    assert PREFERENCES in client.get(reverse("notifications:list")).content.decode()
    page = client.get(PREFERENCES).content.decode()
    assert 'name="relay_milestone" value="daily" aria-label' in page
    assert page.count(" checked>") == len(Kind)
    assert 'name="event_reminder" value="immediately" aria-label="' in page


def test_saving_the_table(client):
    person = UserFactory.create()
    client.force_login(person)
    form = {kind.value: "immediately" for kind in Kind} | {"relay_milestone": "weekly"}
    response = client.post(PREFERENCES, form)
    assert response.status_code == 302
    assert choices(person)["relay_milestone"] == "weekly"
    assert choices(person)["aid_match"] == "immediately"


VALID_TABLE = {kind.value: "off" for kind in Kind}


@pytest.mark.parametrize(
    "bad",
    [
        {kind: value for kind, value in VALID_TABLE.items() if kind != "aid_match"},
        VALID_TABLE | {"relay_milestone": "sometimes"},
        # A digest would bring a reminder too late: only at once or off.
        VALID_TABLE | {"event_reminder": "daily"},
        VALID_TABLE | {"challenge_prompt": "weekly"},
    ],
    ids=["one-kind-missing", "bogus-frequency", "event-reminder-digest", "challenge-digest"],
)
def test_an_incomplete_or_bogus_table_changes_nothing(client, bad):
    person = UserFactory.create()
    client.force_login(person)
    # The same table, valid, is saved: the one bad line is what refuses it.
    assert client.post(PREFERENCES, bad).status_code == 400
    assert choices(person) == {}


def test_a_reminder_row_offers_only_at_once_or_off(client):
    client.force_login(UserFactory.create())
    page = client.get(PREFERENCES).content.decode()
    for kind in ("event_reminder", "challenge_prompt"):
        for value in ("immediately", "off"):
            assert f'name="{kind}" value="{value}"' in page
        for value in ("daily", "weekly"):
            assert f'name="{kind}" value="{value}"' not in page
    assert 'name="aid_match" value="weekly"' in page
    assert 'data-testid="time-sensitive-note"' in page


def test_the_valid_table_of_the_bad_cases_is_saved(client):
    person = UserFactory.create()
    client.force_login(person)
    assert client.post(PREFERENCES, VALID_TABLE).status_code == 302
    assert choices(person) == VALID_TABLE


def test_anonymous_people_are_sent_to_log_in(client):
    assert client.get(PREFERENCES).status_code == 302
    assert client.post(PREFERENCES, {"relay_milestone": "off"}).status_code == 302
    assert not Preference.objects.exists()


def url(person, kinds=("relay_milestone",)):
    return reverse(
        "notifications:unsubscribe",
        args=[unsubscribe_token(user_id=person.pk, kinds=list(kinds))],
    )


def test_opening_the_link_only_asks_then_the_button_unsubscribes_without_log_in(client):
    person = UserFactory.create()
    page = client.get(url(person))
    assert page.status_code == 200 and 'data-testid="unsubscribe-form"' in page.content.decode()
    assert choices(person) == {}  # a link scanner opening it changes nothing
    done = client.post(url(person))
    assert done.status_code == 200 and 'data-testid="unsubscribe-done"' in done.content.decode()
    assert choices(person) == {"relay_milestone": "off"}


def test_rfc_8058_one_click_post_from_the_mail_client(client):
    person = UserFactory.create()
    client.handler.enforce_csrf_checks = True
    response = client.post(
        url(person, kinds=("relay_milestone", "aid_match")),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert choices(person) == {"relay_milestone": "off", "aid_match": "off"}


@pytest.mark.parametrize(
    "token",
    [
        lambda person: "x",
        lambda person: "x" * 300,
        lambda person: unsubscribe_token(user_id=person.pk + 1000, kinds=["relay_milestone"]),
        # A real person, signed by this instance: only the kind is wrong.
        lambda person: unsubscribe_token(user_id=person.pk, kinds=["not-a-kind"]),
    ],
    ids=["garbage", "long-garbage", "no-such-person", "no-such-kind"],
)
def test_a_forged_or_stale_link_changes_nothing(client, token):
    person = UserFactory.create()
    response = client.post(reverse("notifications:unsubscribe", args=[token(person)]))
    assert response.status_code == 404
    assert not Preference.objects.exists()


def test_a_link_signed_for_someone_else_is_not_one_for_me(client):
    person = UserFactory.create()
    token = unsubscribe_token(user_id=person.pk, kinds=["relay_milestone"])
    # Tampering with the payload breaks the signature.
    payload, rest = token.split(":", 1)
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + ":" + rest
    assert client.post(reverse("notifications:unsubscribe", args=[forged])).status_code == 404
    assert choices(person) == {}
