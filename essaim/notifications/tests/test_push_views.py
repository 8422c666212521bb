"""The preferences page's push column and quiet hours, and the installed app's shortcuts."""

import re
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Campaign, CampaignFollow, CheckIn, Participant
from essaim.campaigns.tests.factories import CampaignFactory, ChallengeFactory
from essaim.notifications import services
from essaim.notifications.models import Notification, Preference, PushSchedule

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
PREFERENCES = reverse("notifications:preferences")


def test_the_push_column_is_offered_only_once_push_is_set_up(client, settings):
    person = UserFactory.create()
    client.force_login(person)
    settings.PUSH_VAPID_PUBLIC_KEY = settings.PUSH_VAPID_PRIVATE_KEY = ""
    page = client.get(PREFERENCES).content.decode()
    assert 'data-testid="push-device"' not in page
    assert "push.js" not in page
    settings.PUSH_VAPID_PUBLIC_KEY, settings.PUSH_VAPID_PRIVATE_KEY = "BPUBLIC", "private"
    page = client.get(PREFERENCES).content.decode()
    assert 'data-public-key="BPUBLIC"' in page
    assert '<script src="/static/essaim/push.js" defer></script>' in page
    # Off until the person asks: no box ticked.
    assert 'name="push_challenge_prompt" aria-label' in page
    assert page.count('type="checkbox"') == len(Kind)
    assert 'type="checkbox" name="push_challenge_prompt" aria-label="' in page
    assert re.findall(r'type="checkbox"[^>]*checked>', page) == []


def test_saving_push_kinds_and_quiet_hours(client, settings):
    settings.PUSH_VAPID_PUBLIC_KEY, settings.PUSH_VAPID_PRIVATE_KEY = "BPUBLIC", "private"
    person = UserFactory.create()
    client.force_login(person)
    form = {kind.value: "immediately" for kind in Kind} | {
        "push_challenge_prompt": "on",
        "push_event_reminder": "on",
        "quiet_from": "22:30",
        "quiet_until": "07:15",
    }
    response = client.post(PREFERENCES, form)
    assert response.status_code == 302
    pushed = Preference.objects.filter(user=person, push=True).values_list("kind", flat=True)
    assert sorted(pushed) == [Kind.CHALLENGE_PROMPT, Kind.EVENT_REMINDER]
    schedule = PushSchedule.objects.get(user=person)
    assert (schedule.quiet_from, schedule.quiet_until) == (time(22, 30), time(7, 15))
    # Unticked later: off again; the e-mail choices are kept.
    form.pop("push_event_reminder")
    client.post(PREFERENCES, form)
    pushed = Preference.objects.filter(user=person, push=True).values_list("kind", flat=True)
    assert list(pushed) == [Kind.CHALLENGE_PROMPT]
    # A bad time is a form error, nothing saved.
    response = client.post(PREFERENCES, form | {"quiet_from": "25:99"})
    assert response.status_code == 400
    assert PushSchedule.objects.get(user=person).quiet_from == time(22, 30)


def test_an_e_mail_unsubscribe_leaves_push_as_it_was(client):
    person = UserFactory.create()
    Preference.objects.create(
        user=person, kind=Kind.EVENT_REMINDER, frequency="immediately", push=True
    )
    services.unsubscribe(user=person, kinds=(Kind.EVENT_REMINDER,))
    preference = Preference.objects.get(user=person, kind=Kind.EVENT_REMINDER)
    assert (preference.frequency, preference.push) == ("off", True)


def test_my_campaigns_lists_what_the_person_takes_part_in(client):
    person = UserFactory.create()
    followed, joined, hosted, other = CampaignFactory.create_batch(4)
    hidden = CampaignFactory.create(status=Campaign.Status.DRAFT)
    CampaignFollow.objects.create(campaign=followed, user=person)
    CampaignFollow.objects.create(campaign=hidden, user=person)
    Participant.objects.create(challenge=ChallengeFactory.create(campaign=joined), user=person)
    hosted.hosts.create(user=person, status="accepted")
    client.force_login(person)
    page = client.get(reverse("notifications:my_campaigns")).content.decode()
    for campaign in (followed, joined, hosted):
        assert campaign.title in page
    assert other.title not in page
    assert hidden.title not in page  # a draft they may not see
    assert client.get(reverse("notifications:my_campaigns")).status_code == 200
    client.logout()
    assert client.get(reverse("notifications:my_campaigns")).status_code == 302


def test_today_leads_to_the_challenge_still_to_do(client):
    person = UserFactory.create()
    client.force_login(person)
    response = client.get(reverse("notifications:today"))
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:my_campaigns")
    challenge = ChallengeFactory.create()
    participant = Participant.objects.create(challenge=challenge, user=person)
    response = client.get(reverse("notifications:today"))
    assert response["Location"] == challenge.campaign.get_absolute_url()
    CheckIn.objects.create(participant=participant, date=timezone.localdate())
    response = client.get(reverse("notifications:today"))
    assert response["Location"] == reverse("notifications:my_campaigns")
    # A challenge already over is not today's.
    ended = ChallengeFactory.create(
        starts_on=timezone.localdate() - timedelta(days=9),
        ends_on=timezone.localdate() - timedelta(days=1),
    )
    Participant.objects.create(challenge=ended, user=person)
    assert client.get(reverse("notifications:today"))["Location"] == reverse(
        "notifications:my_campaigns"
    )
