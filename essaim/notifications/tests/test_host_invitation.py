"""A person invited to co-host is told (a notification, an e-mail by their preferences) and
answers from the campaign page the notice leads to."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import CampaignHost
from essaim.campaigns.services import campaigns
from essaim.campaigns.tests.factories import CampaignFactory
from essaim.communities.tests.factories import CommunityFactory
from essaim.notifications.models import Frequency, Notification, Preference

pytestmark = pytest.mark.django_db


def test_the_invited_person_is_told_once_by_notification_and_e_mail(
    django_capture_on_commit_callbacks,
) -> None:
    campaign = CampaignFactory.create(title="Fontaines")
    organiser = campaign.created_by
    invited = UserFactory.create(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        host = campaigns.host_invite(actor=organiser, campaign=campaign, user=invited)
        campaigns.host_invite(actor=organiser, campaign=campaign, user=invited)
    [notice] = Notification.objects.filter(user=invited)
    assert notice.kind == Notification.Kind.HOST_INVITATION
    assert notice.url == campaign.get_absolute_url()
    [message] = mail.outbox
    assert message.to == [invited.email]
    assert organiser.display_name in message.subject and "Fontaines" in message.subject

    # Declined, then invited again: a new fact, told again.
    campaigns.host_respond(actor=invited, host=host, accept=False)
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.host_invite(actor=organiser, campaign=campaign, user=invited)
    assert Notification.objects.filter(user=invited).count() == 2


def test_no_e_mail_when_the_person_turned_these_off(django_capture_on_commit_callbacks) -> None:
    campaign = CampaignFactory.create()
    invited = UserFactory.create()
    Preference.objects.create(
        user=invited, kind=Notification.Kind.HOST_INVITATION, frequency=Frequency.OFF
    )
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.host_invite(actor=campaign.created_by, campaign=campaign, user=invited)
    assert Notification.objects.filter(user=invited).count() == 1
    assert mail.outbox == []


def test_a_community_invitation_tells_no_single_person() -> None:
    campaign = CampaignFactory.create()
    campaigns.host_invite(
        actor=campaign.created_by, campaign=campaign, community=CommunityFactory.create()
    )
    assert not Notification.objects.exists()


def test_the_campaign_page_offers_accept_and_decline_to_the_invited_only() -> None:
    campaign = CampaignFactory.create()
    invited, outsider = UserFactory.create_batch(2)
    host = campaigns.host_invite(actor=campaign.created_by, campaign=campaign, user=invited)
    client = Client()
    client.force_login(outsider)
    assert (
        'data-testid="host-invitation"'
        not in client.get(campaign.get_absolute_url()).content.decode()
    )
    client.force_login(invited)
    notices = client.get(reverse("notifications:list")).content.decode()
    assert f'href="{campaign.get_absolute_url()}"' in notices
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert 'data-testid="host-invitation"' in page
    assert reverse("campaigns:host_answer", args=[host.pk]) in page
    client.post(reverse("campaigns:host_answer", args=[host.pk]), {"answer": "accept"})
    host.refresh_from_db()
    assert host.status == CampaignHost.Status.ACCEPTED
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert 'data-testid="host-invitation"' not in page
