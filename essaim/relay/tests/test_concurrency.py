"""Referrals stay exact under concurrency: real threads, each on its own PostgreSQL connection."""

import pytest

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import CampaignHost
from essaim.campaigns.services.challenge import challenge_join
from essaim.campaigns.services.pledge import pledge_sign
from essaim.campaigns.tests.factories import ChallengeFactory, PledgeFactory
from essaim.communities.tests.factories import CommunityFactory
from essaim.core.tests.concurrency import run_together
from essaim.notifications.models import Notification
from essaim.relay.models import Lineage, LinkVisit, ShareLink, Supporter
from essaim.relay.services import link_for, link_for_host, supporter_record, visit_record

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_sixty_people_signing_through_one_link_at_once():
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    upstream, relay = UserFactory.create_batch(2)
    supporter_record(campaign=campaign, user=upstream, action="sign")
    supporter_record(
        campaign=campaign,
        user=relay,
        action="sign",
        link=link_for(user=upstream, campaign=campaign),
    )
    link = link_for(user=relay, campaign=campaign)
    people = UserFactory.create_batch(60)

    run_together(*[lambda p=p: pledge_sign(user=p, pledge=pledge, via=link.code) for p in people])

    brought = Supporter.objects.filter(campaign=campaign, referrer=relay)
    assert brought.count() == 60 and set(brought.values_list("generation", flat=True)) == {2}
    assert Lineage.objects.filter(ancestor=relay).count() == 60
    assert Lineage.objects.filter(ancestor=upstream).count() == 61
    # Told once per milestone, and of the last one reached whatever the interleaving.
    keys = list(Notification.objects.filter(user=relay).values_list("key", flat=True))
    assert len(keys) == len(set(keys)) and f"relay:{campaign.pk}:50" in keys


def test_one_person_acting_many_times_at_once_is_one_supporter():
    challenge = ChallengeFactory.create()
    pledge = PledgeFactory.create(campaign=challenge.campaign)
    person = UserFactory.create()
    relays = UserFactory.create_batch(2)
    links = [link_for(user=relay, campaign=pledge.campaign) for relay in relays]

    run_together(
        *[lambda: pledge_sign(user=person, pledge=pledge, via=links[0].code)] * 20,
        *[lambda: challenge_join(user=person, challenge=challenge, via=links[1].code)] * 20,
    )

    supporter = Supporter.objects.get(campaign=pledge.campaign, user=person)
    assert supporter.referrer in relays
    assert Lineage.objects.filter(descendant=person).count() == 1


def test_links_and_visits_are_made_once_however_many_ask_at_once():
    pledge = PledgeFactory.create()
    person = UserFactory.create()

    links = run_together(*[lambda: link_for(user=person, campaign=pledge.campaign)] * 30)
    assert len({link.pk for link in links}) == 1 and ShareLink.objects.count() == 1
    run_together(*[lambda: visit_record(link=links[0], visitor="anon:192.0.2.1|ua")] * 30)
    assert LinkVisit.objects.count() == 1


def test_a_co_hosting_communitys_link_is_made_once_however_many_ask_at_once():
    pledge = PledgeFactory.create()
    host = CampaignHost.objects.create(
        campaign=pledge.campaign, community=CommunityFactory.create(), status="accepted"
    )

    links = run_together(*[lambda: link_for_host(host)] * 30)

    assert {link.pk for link in links} == {ShareLink.objects.get(host=host).pk}
    assert links[0].code == host.code
