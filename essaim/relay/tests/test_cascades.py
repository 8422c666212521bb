"""Referrals and analytics on hand-built cascades, with exact expected figures."""

import random
import uuid
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from essaim.accounts.models import UserFollow
from essaim.accounts.services import user_delete
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import CampaignHost
from essaim.campaigns.services.campaigns import host_invite, host_respond
from essaim.campaigns.services.challenge import challenge_join
from essaim.campaigns.services.events import rsvp_create
from essaim.campaigns.services.fundraising import donation_give
from essaim.campaigns.services.pledge import pledge_sign
from essaim.campaigns.tests.factories import (
    CampaignFactory,
    ChallengeFactory,
    EventFactory,
    FundraiserFactory,
    PledgeFactory,
)
from essaim.notifications.models import Notification
from essaim.relay import analytics, bulk
from essaim.relay.models import Lineage, Supporter
from essaim.relay.services import credited_host, link_for, link_resolve, supporter_record

pytestmark = pytest.mark.django_db

SIGN = Supporter.Action.SIGN
# Days in the tests start at noon, so that a few minutes never cross midnight.
NOON = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)


@pytest.fixture
def tree():
    """H (a co-host who never acts) brings A and B; A brings C and D; C brings E; E brings F.
    G comes directly and brings I; J comes directly and brings no one."""
    campaign = CampaignFactory.create()
    host = campaign.created_by
    people = {name: UserFactory.create(display_name=name) for name in "ABCDEFGIJ"}
    people["H"] = host
    start = NOON - timedelta(days=3)
    order = [
        ("A", "H", 0),
        ("B", "H", 0),
        ("G", None, 0),
        ("J", None, 1),
        ("C", "A", 1),
        ("D", "A", 1),
        ("I", "G", 2),
        ("E", "C", 2),
        ("F", "E", 2),
    ]
    for name, by, day in order:
        link = link_for(user=people[by], campaign=campaign) if by else None
        supporter_record(
            campaign=campaign,
            user=people[name],
            action=SIGN,
            link=link,
            at=start + timedelta(days=day, minutes=len(name)),
        )
    return campaign, people


def test_generations_roots_and_lineage_of_a_hand_built_tree(tree):
    campaign, people = tree
    rows = {
        s.user.display_name: s
        for s in Supporter.objects.filter(campaign=campaign).select_related("user")
    }
    expected = {"A": 1, "B": 1, "C": 2, "D": 2, "E": 3, "F": 4, "G": 0, "I": 1, "J": 0}
    assert {name: row.generation for name, row in rows.items()} == expected
    assert rows["F"].root_id == people["H"].pk
    assert rows["I"].root_id == people["G"].pk and rows["J"].root_id == people["J"].pk
    assert rows["A"].source == Supporter.Source.COHOST and rows["A"].parent is None
    assert rows["C"].source == Supporter.Source.LINK and rows["C"].parent == rows["A"]
    ancestors_of_f = set(
        Lineage.objects.filter(descendant=people["F"]).values_list(
            "ancestor__display_name", "distance"
        )
    )
    assert ancestors_of_f == {("E", 1), ("C", 2), ("A", 3), (people["H"].display_name, 4)}


def test_analytics_of_a_hand_built_tree_are_exact(tree):
    campaign, people = tree
    summary = analytics.summary(campaign)
    assert summary["total"] == 9 and summary["referred"] == 7
    assert summary["k_factor"] == round(7 / 9, 3)
    assert summary["depth"] == 4
    assert analytics.cascade_depths(campaign).rows == [[0, 1], [1, 1], [2, 0], [3, 0], [4, 1]]
    sizes = {row[0]: row[1:] for row in analytics.cascade_sizes(campaign).rows}
    assert sizes["1"] == [1, 1] and sizes["2"] == [1, 2] and sizes["6–10"] == [1, 6]
    assert sizes["3–5"] == [0, 0]
    assert analytics.k_by_generation(campaign).rows == [
        [0, 2, 1, 0.5],
        [1, 3, 2, 0.667],
        [2, 2, 1, 0.5],
        [3, 1, 1, 1.0],
        [4, 1, 0, 0.0],
    ]
    # Day 0: A, B, G joined and brought C, D (A) and I (G); day 1: J, C, D brought E (C);
    # day 2: I, E, F brought F (E).
    assert analytics.k_over_time(campaign).rows == [
        [timezone.localdate(NOON - timedelta(days=3)).isoformat(), 3, 3, 1.0],
        [timezone.localdate(NOON - timedelta(days=2)).isoformat(), 3, 1, 0.333],
        [timezone.localdate(NOON - timedelta(days=1)).isoformat(), 3, 1, 0.333],
    ]
    relays = analytics.top_relays(campaign).rows
    host_name = people["H"].display_name
    # Ties are broken by who joined the platform first (E before G).
    assert relays == [
        [host_name, 2, 6, 0],
        ["A", 2, 4, 0],
        ["C", 1, 2, 0],
        ["E", 1, 1, 0],
        ["G", 1, 1, 0],
    ]


def test_over_time_stacks_sources_per_day(tree):
    campaign, _people = tree
    rows = analytics.over_time(campaign).rows
    # Day 0: A, B (co-host code), G (direct); day 1: J (direct), C, D (link); day 2: links.
    assert [row[1:] for row in rows] == [[1, 2, 0, 3], [1, 0, 2, 3], [0, 0, 3, 3]]


def test_the_tree_of_the_largest_cascade(tree):
    campaign, people = tree
    biggest = analytics.largest_cascades(campaign)[0]
    assert biggest.user_id == people["H"].pk and biggest.downstream == 6
    assert [child.name for child in biggest.children] == ["A", "B"]
    a = biggest.children[0]
    assert [child.name for child in a.children] == ["C", "D"] and a.downstream == 4
    f = a.children[0].children[0].children[0]
    assert f.name == "F" and f.generation == 4


def test_top_relays_show_their_audience():
    campaign = CampaignFactory.create()
    creator = UserFactory.create()
    fans = UserFactory.create_batch(3)
    for fan in fans:
        UserFollow.objects.create(follower=fan, followed=creator)
    supporter_record(campaign=campaign, user=creator, action=SIGN)
    link = link_for(user=creator, campaign=campaign)
    supporter_record(campaign=campaign, user=fans[0], action=SIGN, link=link)
    assert analytics.top_relays(campaign).rows == [[creator.display_name, 1, 1, 3]]


def test_self_referral_loops_and_departed_owners_count_nothing():
    campaign = CampaignFactory.create()
    host = campaign.created_by
    a, b, c = UserFactory.create_batch(3)
    supporter_record(
        campaign=campaign, user=a, action=SIGN, link=link_for(user=host, campaign=campaign)
    )
    # Self-referral: a's own link.
    own = supporter_record(
        campaign=campaign, user=host, action=SIGN, link=link_for(user=host, campaign=campaign)
    )
    assert own.referrer is None and own.source == Supporter.Source.DIRECT
    # A loop: h2 brought a; h2 then acts through a's link, and is not a's descendant.
    campaign2 = CampaignFactory.create()
    h2 = campaign2.created_by
    supporter_record(
        campaign=campaign2, user=a, action=SIGN, link=link_for(user=h2, campaign=campaign2)
    )
    back = supporter_record(
        campaign=campaign2, user=h2, action=SIGN, link=link_for(user=a, campaign=campaign2)
    )
    assert back.referrer is None and back.generation == 0
    assert not Lineage.objects.filter(campaign=campaign2, descendant=h2).exists()
    # A link whose owner left brings nothing, but still resolves to nothing usable.
    link_b = link_for(user=b, campaign=campaign)
    user_delete(user=b)
    assert link_resolve(link_b.code) is None
    late = supporter_record(campaign=campaign, user=c, action=SIGN, link=link_b)
    assert late.referrer is None and late.source == Supporter.Source.DIRECT
    # A link to another campaign is ignored.
    other = supporter_record(
        campaign=campaign2, user=c, action=SIGN, link=link_for(user=a, campaign=campaign)
    )
    assert other.referrer is None


def test_first_action_counts_once_whatever_comes_next():
    campaign = CampaignFactory.create()
    person, relay = UserFactory.create_batch(2)
    first = supporter_record(campaign=campaign, user=person, action=SIGN)
    again = supporter_record(
        campaign=campaign,
        user=person,
        action=Supporter.Action.JOIN,
        link=link_for(user=relay, campaign=campaign),
    )
    assert again.pk == first.pk and again.action == SIGN and again.referrer is None
    assert Supporter.objects.count() == 1


def test_referrers_are_told_at_the_first_person_and_at_milestones(
    django_capture_on_commit_callbacks,
):
    the_pledge = PledgeFactory.create()
    campaign = the_pledge.campaign
    relay = UserFactory.create()
    link = link_for(user=relay, campaign=campaign)
    for person in UserFactory.create_batch(6):
        with django_capture_on_commit_callbacks(execute=True):  # each request commits
            pledge_sign(user=person, pledge=the_pledge, via=link.code)
            pledge_sign(user=person, pledge=the_pledge, via=link.code)  # a double click
    told = Notification.objects.filter(user=relay).order_by("created_at")
    assert [n.params["count"] for n in told] == [1, 5]
    assert all(n.kind == Notification.Kind.RELAY_MILESTONE for n in told)


def test_co_host_links_share_the_host_code_and_credit_the_co_host():
    campaign = CampaignFactory.create()
    host = CampaignHost.objects.get(campaign=campaign)
    link = link_for(user=campaign.created_by, campaign=campaign)
    assert link.code == host.code and link.host == host
    assert link_resolve(host.code) == link


def test_bulk_load_writes_what_the_service_writes():
    """The demo and the benchmark load cascades in bulk: same rows, same analytics."""
    rng = random.Random(7)
    people = UserFactory.create_batch(60)
    start = timezone.now() - timedelta(days=5)
    arrivals = [
        bulk.Arrival(person.pk, start + timedelta(hours=3 * i), SIGN)
        for i, person in enumerate(people)
    ]
    bulk.pick_referrers(arrivals, rng, share=0.6)
    one_by_one, in_bulk = CampaignFactory.create(), CampaignFactory.create()
    by_user = {person.pk: person for person in people}
    for arrival in arrivals:
        referrer = by_user.get(arrival.referrer_id) if arrival.referrer_id else None
        supporter_record(
            campaign=one_by_one,
            user=by_user[arrival.user_id],
            action=SIGN,
            link=link_for(user=referrer, campaign=one_by_one) if referrer else None,
            at=arrival.at,
        )
    counts = bulk.load(in_bulk, arrivals, rng)
    assert counts["supporters"] == 60 and counts["referrals"] > 20

    def shape(campaign):
        return (
            analytics.summary(campaign),
            analytics.cascade_depths(campaign).rows,
            analytics.cascade_sizes(campaign).rows,
            analytics.k_by_generation(campaign).rows,
            analytics.k_over_time(campaign).rows,
            analytics.top_relays(campaign).rows,
            sorted(
                Supporter.objects.filter(campaign=campaign).values_list(
                    "user_id", "referrer_id", "root_id", "generation", "parent__user_id"
                )
            ),
            sorted(
                Lineage.objects.filter(campaign=campaign).values_list(
                    "ancestor_id", "descendant_id", "distance"
                )
            ),
        )

    assert shape(one_by_one) == shape(in_bulk)


def test_dashboard_queries_do_not_grow_with_participants():
    """Set-based: the same number of queries for 20 or 200 participants."""
    rng = random.Random(3)
    counts = []
    for size in (20, 200):
        campaign = CampaignFactory.create()
        people = UserFactory.create_batch(size)
        start = timezone.now() - timedelta(days=4)
        arrivals = [
            bulk.Arrival(p.pk, start + timedelta(minutes=30 * i), SIGN)
            for i, p in enumerate(people)
        ]
        bulk.pick_referrers(arrivals, rng, share=0.7)
        bulk.load(campaign, arrivals, rng)
        with CaptureQueriesContext(connection) as queries:
            analytics.dashboard(campaign)
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("action", ["join", "rsvp", "give"])
def test_joins_rsvps_and_gifts_through_a_link_are_referrals(action):
    """Campaigns announces campaigns.acted with the code the person came through; relay
    records the supporter with the referral, and a co-host's code credits the co-host."""
    campaign = CampaignFactory.create()
    owner = UserFactory.create()
    link = link_for(user=owner, campaign=campaign)
    person = UserFactory.create()
    if action == "join":
        challenge = ChallengeFactory.create(campaign=campaign)
        challenge_join(user=person, challenge=challenge, via=link.code)
    elif action == "rsvp":
        rsvp_create(user=person, event=EventFactory.create(campaign=campaign), via=link.code)
    else:
        fundraiser = FundraiserFactory.create(campaign=campaign)
        donation_give(
            user=person,
            fundraiser=fundraiser,
            amount=10_00,
            idempotency_key=uuid.uuid4(),
            via=link.code,
        )
    supporter = Supporter.objects.get(campaign=campaign, user=person)
    assert (supporter.action, supporter.referrer, supporter.link) == (action, owner, link)


def test_an_action_through_another_campaigns_code_is_no_referral():
    campaign, other = CampaignFactory.create(), CampaignFactory.create()
    link = link_for(user=UserFactory.create(), campaign=other)
    person = UserFactory.create()
    challenge_join(user=person, challenge=ChallengeFactory.create(campaign=campaign), via=link.code)
    supporter = Supporter.objects.get(campaign=campaign, user=person)
    assert (supporter.referrer, supporter.link, supporter.source) == (None, None, "direct")


def test_a_supporter_who_then_co_hosts_has_their_link_credit_them_as_co_host():
    """The link made while only a supporter is re-pointed when they accept to co-host, in
    their answer's transaction: asking for it later costs no look at the co-hosts."""
    campaign = CampaignFactory.create()
    supporter = UserFactory.create()
    link = link_for(user=supporter, campaign=campaign)
    assert link.host is None
    host = host_invite(actor=campaign.created_by, campaign=campaign, user=supporter)
    host_respond(actor=supporter, host=host, accept=True)
    link.refresh_from_db()
    assert link.host == host
    assert credited_host(link) == host
    assert link_for(user=supporter, campaign=campaign) == link


def test_links_of_co_hosts_who_accepted_before_the_upgrade_are_re_pointed_once():
    """The migration that goes with `host_accepted`: a co-host row accepted before it existed
    (written here directly, as the old code did) gets its owner's earlier link."""
    repoint = import_module("essaim.relay.migrations.0004_links_of_co_hosts").repoint
    campaign = CampaignFactory.create()
    supporter, other = UserFactory.create_batch(2)
    link = link_for(user=supporter, campaign=campaign)
    untouched = link_for(user=other, campaign=campaign)
    host = CampaignHost.objects.create(campaign=campaign, user=supporter, status="accepted")
    CampaignHost.objects.create(campaign=campaign, user=other, status="invited")
    repoint(django_apps, None)
    link.refresh_from_db()
    untouched.refresh_from_db()
    assert link.host == host and untouched.host is None
