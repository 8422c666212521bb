from django.test import Client
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import CampaignHost
from essaim.campaigns.tests.factories import CampaignFactory


def test_staff_cannot_answer_a_co_host_invitation_in_the_admin(admin_client: Client) -> None:
    campaign = CampaignFactory.create()
    CampaignHost.objects.create(
        campaign=campaign, user=UserFactory.create(), invited_by=campaign.created_by
    )

    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))

    # The creator's row and the invitation: neither shows a status to choose.
    assert page.status_code == 200
    assert b'name="hosts-0-status"' not in page.content
    assert b'name="hosts-1-status"' not in page.content
