"""The hosts' export of supporters without an account: names and addresses of those who
ticked "hear from the hosts" and confirmed, nobody else's; the others counted, anonymous."""

import csv
import io

import pytest
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Campaign, GuestAction
from essaim.campaigns.selectors.guest import guest_contacts, guest_contacts_count
from essaim.campaigns.services import guest as guest_services
from essaim.campaigns.services.guest_data import guest_data_erase
from essaim.campaigns.tests.factories import PledgeFactory

pytestmark = pytest.mark.django_db


def _signs(campaign: Campaign, email: str, name: str, *, agrees: bool, confirm: bool = True):
    action = guest_services.guest_act(
        target=campaign.pledge, email=email, name=name, postcode="69001", hear_from_hosts=agrees
    )
    if confirm:
        guest_services.guest_confirm(
            token=guest_services.confirmation_token(action), campaign=campaign
        )
    return action


@pytest.fixture
def campaign() -> Campaign:
    campaign = PledgeFactory.create().campaign
    _signs(campaign, "nour@exemple.test", "Nour Haddad", agrees=True)
    _signs(campaign, "sam@exemple.test", "Sam Lefèvre", agrees=False)
    # Agreed, but never confirmed the address: not a contact, not counted.
    _signs(campaign, "lea@exemple.test", "Léa Martin", agrees=True, confirm=False)
    # Agreed on another campaign only.
    other = PledgeFactory.create().campaign
    _signs(other, "ines@exemple.test", "Inès Moreau", agrees=True)
    return campaign


def test_only_confirmed_guests_who_agreed_are_contacts(campaign):
    contacts = guest_contacts(campaign)
    assert [(c.name, c.email, c.postcode) for c in contacts] == [
        ("Nour Haddad", "nour@exemple.test", "69001")
    ]
    assert guest_contacts_count(campaign) == {"named": 1, "anonymous": 1}


def test_an_erased_guest_leaves_the_contacts(campaign):
    nour = GuestAction.objects.get(user__email="nour@exemple.test").user
    guest_data_erase(person=nour)
    assert guest_contacts(campaign) == []
    assert guest_contacts_count(campaign) == {"named": 0, "anonymous": 1}


def test_the_hosts_download_the_contacts_and_nobody_else_can(client, campaign):
    url = reverse("campaigns:guest_contacts", args=[campaign.slug])
    host = campaign.created_by
    host.language = "en"
    host.save(update_fields=["language"])

    assert client.get(url).status_code == 302  # to log in
    for outsider in (
        UserFactory.create(),
        GuestAction.objects.get(user__email="sam@exemple.test").user,
    ):
        client.force_login(outsider)
        assert client.get(url).status_code == 404

    client.force_login(host)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Name", "E-mail address", "Postcode", "Actions", "Since"]
    assert [row[:4] for row in rows[1:]] == [
        ["Nour Haddad", "nour@exemple.test", "69001", "pledge signature"]
    ]

    page = client.get(reverse("campaigns:manage", args=[campaign.slug])).content.decode()
    assert "1 person agreed to hear from the hosts. 1 other is counted, anonymous." in page
    for private in ("sam@exemple.test", "Sam Lefèvre", "nour@exemple.test", "lea@exemple.test"):
        assert private not in page


def test_the_french_manage_page_counts_the_contacts(client, campaign):
    client.force_login(campaign.created_by)
    page = client.get(reverse("campaigns:manage", args=[campaign.slug])).content.decode()
    assert "Soutiens sans compte" in page
    assert "1 personne a accepté d’avoir des nouvelles des organisateurs." in page
