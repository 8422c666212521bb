"""What the hosts read of supporters without an account, on the reach dashboard and in its
exports: a guest who ticked "hear from the hosts" under their name, the others counted but
anonymous; a guest's e-mail address nowhere."""

import csv
import io

import pytest
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Campaign, GuestAction
from essaim.campaigns.selectors.guest import guests_unnamed_to_hosts
from essaim.campaigns.services import guest as guest_services
from essaim.campaigns.tests.factories import PledgeFactory
from essaim.relay import analytics
from essaim.relay.services import link_for

pytestmark = pytest.mark.django_db

RELAY_ADDRESS = "nour.haddad@exemple.test"
RELAY_NAME = "Nour Haddad"


def _guest_signs(campaign: Campaign, email: str, name: str, **extra: object) -> GuestAction:
    action = guest_services.guest_act(
        target=campaign.pledge,
        email=email,
        name=name,
        **extra,  # type: ignore[arg-type]
    )
    guest_services.guest_confirm(token=guest_services.confirmation_token(action), campaign=campaign)
    return action


def _cascade(hear_from_hosts: bool) -> tuple[Campaign, GuestAction]:
    """A guest relay who brought two friends, themselves guests."""
    campaign = PledgeFactory.create().campaign
    relay = _guest_signs(campaign, RELAY_ADDRESS, RELAY_NAME, hear_from_hosts=hear_from_hosts)
    code = link_for(user=relay.user, campaign=campaign).code
    _guest_signs(campaign, "sam@exemple.test", "Sam Lefèvre", via=code)
    _guest_signs(campaign, "ines@exemple.test", "Inès Moreau", via=code)
    return campaign, relay


def _host_speaks(campaign: Campaign, language: str) -> None:
    host = campaign.created_by
    host.language = language
    host.save(update_fields=["language"])


def _everything_the_hosts_read(client, campaign: Campaign) -> str:
    client.force_login(campaign.created_by)
    pages = [client.get(reverse("relay:dashboard", args=[campaign.slug])).content.decode()]
    for table in analytics.TABLES:
        response = client.get(reverse("relay:export", args=[campaign.slug, table]))
        assert response.status_code == 200
        pages.append(response.content.decode())
    return "\n".join(pages)


def _csv(client, campaign: Campaign, table: str) -> list[list[str]]:
    text = client.get(reverse("relay:export", args=[campaign.slug, table])).content.decode()
    return list(csv.reader(io.StringIO(text)))[1:]


def test_a_guest_who_did_not_agree_is_counted_but_anonymous(client):
    campaign, relay = _cascade(hear_from_hosts=False)
    _host_speaks(campaign, "en")

    read = _everything_the_hosts_read(client, campaign)
    for private in (RELAY_NAME, RELAY_ADDRESS, "Sam Lefèvre", "sam@exemple.test", "exemple.test"):
        assert private not in read, private
    assert _csv(client, campaign, "relays")[0] == ["A supporter without an account", "2", "2", "0"]
    links = _csv(client, campaign, "links")
    assert [row[1:4] for row in links] == [["A supporter without an account", "0", "2"]]
    assert guests_unnamed_to_hosts(campaign, [relay.user_id]) == {relay.user_id}


def test_a_guest_who_agreed_to_hear_from_the_hosts_shows_under_their_name(client):
    campaign, relay = _cascade(hear_from_hosts=True)
    _host_speaks(campaign, "en")

    read = _everything_the_hosts_read(client, campaign)
    assert RELAY_NAME in read
    # Their address stays out, and so do the friends who did not agree.
    for private in (RELAY_ADDRESS, "Sam Lefèvre", "Inès Moreau", "exemple.test"):
        assert private not in read, private
    assert _csv(client, campaign, "relays")[0] == [RELAY_NAME, "2", "2", "0"]
    # Agreeing on another campaign tells this one's hosts nothing.
    other = PledgeFactory.create().campaign
    assert guests_unnamed_to_hosts(other, [relay.user_id]) == {relay.user_id}


def test_people_with_an_account_keep_their_public_name(client):
    campaign = PledgeFactory.create().campaign
    relay = UserFactory.create(display_name="Camille Roux")
    code = link_for(user=relay, campaign=campaign).code
    _guest_signs(campaign, "sam@exemple.test", "Sam Lefèvre", via=code)

    client.force_login(campaign.created_by)
    assert _csv(client, campaign, "relays")[0][0] == "Camille Roux"
    assert guests_unnamed_to_hosts(campaign, [relay.pk]) == set()


def test_the_french_export_names_the_anonymous_guest_in_french(client):
    campaign, _relay = _cascade(hear_from_hosts=False)
    _host_speaks(campaign, "fr")
    client.force_login(campaign.created_by)
    assert _csv(client, campaign, "relays")[0][0] == "Un soutien sans compte"
