"""The one-click signing lane (PostgreSQL): the same rows as the ORM path, the same answers,
the same refusals — and one statement instead of fifteen."""

import re
import time

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from essaim.accounts.models import User
from essaim.accounts.sessions import SESSION_HASH_SQL, session_hash_params
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Campaign, CampaignHost, Milestone, Signature
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.services.pledge import pledge_sign
from essaim.campaigns.services.quick_sign import pledge_sign_quick
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from essaim.communities.tests.factories import CommunityFactory
from essaim.notifications.models import Notification
from essaim.relay.models import Lineage, ShareLink, Supporter
from essaim.relay.services import link_for, link_for_host, link_resolve

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

LANE_MARKER = "/* essaim: quick sign */"


@pytest.fixture
def people():
    names = "ABCDEFGSY"
    cast = {name: UserFactory.create(display_name=name) for name in names}
    cast["X"] = UserFactory.create(display_name="X")
    return cast


def world(people, community):
    """A live campaign hosted by H, co-hosted by community K; its pledge climbs 2, 4, 8."""
    host = UserFactory.create(display_name=f"H-{community.pk}")
    campaign = CampaignFactory.create(created_by=host)
    pledge = PledgeFactory.create(campaign=campaign, goal_ladder="2, 4, 8")
    community_host = CampaignHost.objects.create(
        campaign=campaign, community=community, status=CampaignHost.Status.ACCEPTED
    )
    links = {name: link_for(user=person, campaign=campaign) for name, person in people.items()}
    links["H"] = link_for(user=host, campaign=campaign)
    links["K"] = link_for_host(community_host)
    return campaign, pledge, host, links


# (signer, whose link brought them, show name): every way a link counts or does not.
SCRIPT = [
    ("A", None, True),  # directly
    ("B", "H", False),  # the co-host's link; H never acted: root H, generation 1
    ("C", "A", True),  # a supporter's link: parent A
    ("D", "C", False),  # two generations down: lineage C, A
    ("E", "K", False),  # a community co-host's link: credited, no referrer
    ("S", "S", True),  # one's own link: no referral
    ("H", "B", False),  # B descends from H: no loop
    ("Y", "X", False),  # the link of someone who left: nothing
    ("G", "D", True),  # three generations down
    ("A", None, False),  # again: only the name's visibility changes
    ("C", "A", True),  # again, unchanged: nothing
]


def _sign_orm(*, person, pledge, code, show_name):
    # What the view credits: the touched link, if it still counts (relay.attribution).
    link = link_resolve(code) if code else None
    pledge_sign(user=person, pledge=pledge, show_name=show_name, link=link)


def _sign_lane(*, person, pledge, code, show_name):
    # The session's raw code: the statement itself decides whether the link still counts.
    signed = pledge_sign_quick(
        user_id=person.pk,
        session_hash=person.get_session_auth_hash(),
        slug=pledge.campaign.slug,
        show_name=show_name,
        link_codes=[code] if code else [],
    )
    assert signed is not None


def _play(sign, people, community, django_capture_on_commit_callbacks):
    campaign, pledge, host, links = world(people, community)
    cast = {**people, "H": host}
    for name, by, show_name in SCRIPT:
        with django_capture_on_commit_callbacks(execute=True):
            sign(
                person=cast[name],
                pledge=pledge,
                code=links[by].code if by else None,
                show_name=show_name,
            )
    return _facts(campaign, pledge, cast, links)


def _facts(campaign, pledge, cast, links):
    """Everything the signatures wrote, with ids turned into names (campaign-free)."""
    name_of = {person.pk: name for name, person in cast.items()}
    link_owner = {link.pk: name for name, link in links.items()}
    host_of = {
        host.pk: ("K" if host.community_id else name_of[host.user_id])
        for host in CampaignHost.objects.filter(campaign=campaign)
    }
    supporters = {s.pk: s for s in Supporter.objects.filter(campaign=campaign)}
    return {
        "signatures": {
            name_of[s.user_id]: (s.show_name, host_of[s.host_id] if s.host_id else None)
            for s in Signature.objects.filter(pledge=pledge)
        },
        "supporters": {
            name_of[s.user_id]: (
                s.action,
                s.source,
                link_owner.get(s.link_id),
                name_of.get(s.referrer_id),
                name_of[supporters[s.parent_id].user_id] if s.parent_id else None,
                name_of[s.root_id],
                s.generation,
                s.day,
            )
            for s in supporters.values()
        },
        "lineage": {
            (name_of[row.ancestor_id], name_of[row.descendant_id], row.distance)
            for row in Lineage.objects.filter(campaign=campaign)
        },
        "count": signature_count(pledge),
        "milestones": set(
            Milestone.objects.filter(campaign=campaign).values_list("kind", "threshold")
        ),
        "told": sorted(
            (name_of[n.user_id], n.kind, n.params.get("count"))
            for n in Notification.objects.filter(user__in=cast.values())
            if n.params.get("campaign") == campaign.title
        ),
    }


def test_the_lane_writes_exactly_what_the_orm_path_writes(
    people, django_capture_on_commit_callbacks
):
    orm = _play(_sign_orm, people, CommunityFactory.create(), django_capture_on_commit_callbacks)
    lane = _play(_sign_lane, people, CommunityFactory.create(), django_capture_on_commit_callbacks)
    assert lane == orm
    # And what they wrote is what the script means (the ORM path is tested elsewhere; this
    # keeps the comparison from passing on two identical mistakes).
    assert orm["count"] == 9
    assert orm["signatures"]["A"] == (False, None)
    assert orm["signatures"]["E"] == (False, "K")
    assert orm["supporters"]["D"][1:7] == ("link", "C", "C", "C", "A", 2)
    assert orm["supporters"]["E"][1:7] == ("cohost", "K", None, None, "E", 0)
    assert orm["supporters"]["S"][1:4] == ("direct", None, None)
    assert orm["supporters"]["H"][1:4] == ("direct", None, None)
    assert orm["supporters"]["Y"][1:4] == ("link", "X", "X")
    assert {("C", "D", 1), ("A", "D", 2), ("D", "G", 1), ("A", "G", 3)} <= orm["lineage"]
    assert {threshold for _kind, threshold in orm["milestones"]} == {2, 4, 8}


@pytest.fixture
def departed_x(people):
    # X left after sharing their link.
    User.objects.filter(pk=people["X"].pk).update(is_active=False, deleted_at=timezone.now())


@pytest.mark.usefixtures("departed_x")
def test_a_departed_owners_link_counts_nothing_on_either_path(
    people, django_capture_on_commit_callbacks
):
    orm = _play(_sign_orm, people, CommunityFactory.create(), django_capture_on_commit_callbacks)
    lane = _play(_sign_lane, people, CommunityFactory.create(), django_capture_on_commit_callbacks)
    assert lane["supporters"]["Y"] == orm["supporters"]["Y"]
    assert lane["supporters"]["Y"][1:4] == ("direct", None, None)


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(
            lambda c, p: Campaign.objects.filter(pk=c.pk).update(status="closed"), id="closed"
        ),
        pytest.param(
            lambda c, p: Campaign.objects.filter(pk=c.pk).update(moderation="hidden"), id="hidden"
        ),
        pytest.param(
            lambda c, p: User.objects.filter(pk=p.pk).update(is_active=False), id="inactive"
        ),
        pytest.param(
            lambda c, p: User.objects.filter(pk=p.pk).update(password=make_password("new-one")),
            id="password-changed",
        ),
    ],
)
def test_the_lane_writes_nothing_when_a_check_fails(spoil):
    pledge = PledgeFactory.create()
    person = UserFactory.create()
    session_hash = person.get_session_auth_hash()
    spoil(pledge.campaign, person)
    signed = pledge_sign_quick(
        user_id=person.pk,
        session_hash=session_hash,
        slug=pledge.campaign.slug,
        show_name=True,
        link_codes=[],
    )
    assert signed is None
    assert not Signature.objects.exists() and not Supporter.objects.exists()
    assert signature_count(pledge) == 0


# NUL cannot be stored in a PostgreSQL text column: no password hash holds one.
TEXT = st.characters(blacklist_characters="\x00")


@settings(max_examples=40, deadline=None)
@given(password=st.text(TEXT, max_size=200), secret=st.text(TEXT, min_size=1, max_size=80))
def test_postgresql_computes_the_session_hash_as_django_does(password, secret):
    with pytest.MonkeyPatch.context() as patch:
        from django.conf import settings as django_settings

        patch.setattr(django_settings, "SECRET_KEY", secret)
        expected = User(password=password).get_session_auth_hash()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {SESSION_HASH_SQL} FROM (SELECT %(password)s::text AS password) u",  # noqa: S608
                {"password": password, **session_hash_params()},
            )
            assert cursor.fetchone()[0] == expected


# Through the middleware --------------------------------------------------------------------


def _htmx_sign(client, campaign, **data):
    return client.post(
        reverse("campaigns:sign", args=[campaign.slug]), data, HTTP_HX_REQUEST="true"
    )


def test_an_htmx_signature_is_one_statement_and_never_reads_the_person(client):
    pledge = PledgeFactory.create()
    person = UserFactory.create(language="en")
    client.force_login(person)
    with CaptureQueriesContext(connection) as queries:
        response = _htmx_sign(client, pledge.campaign, show_name="on")
    assert response.status_code == 200
    sql = [query["sql"] for query in queries.captured_queries]
    assert sum(LANE_MARKER in statement for statement in sql) == 1
    assert not any('FROM "accounts_user"' in statement for statement in sql)
    html = response.content.decode()
    assert 'data-testid="signed"' in html and "<html" not in html
    assert 'data-testid="signature-count">1<' in html and "You signed. Thank you!" in html
    assert response["Content-Language"] == "en" and response["X-Frame-Options"] == "DENY"
    signature = Signature.objects.get()
    assert signature.user == person and signature.show_name


def test_the_panel_speaks_the_signers_language(client):
    pledge = PledgeFactory.create()
    client.force_login(UserFactory.create(language="fr"))
    html = _htmx_sign(client, pledge.campaign).content.decode()
    assert "Vous avez signé. Merci\u00a0!" in html


def test_a_signature_through_a_share_link_is_credited_by_the_lane(client):
    pledge = PledgeFactory.create()
    relay = UserFactory.create()
    link = link_for(user=relay, campaign=pledge.campaign)
    client.get(reverse("relay:go", args=[link.code]))
    newcomer = UserFactory.create()
    client.force_login(newcomer)
    with CaptureQueriesContext(connection) as queries:
        _htmx_sign(client, pledge.campaign)
    assert any(LANE_MARKER in query["sql"] for query in queries.captured_queries)
    supporter = Supporter.objects.get(user=newcomer)
    assert (supporter.referrer, supporter.link, supporter.source) == (relay, link, "link")


def test_without_the_csrf_token_the_lane_refuses_and_writes_nothing():
    pledge = PledgeFactory.create()
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory.create())
    response = _htmx_sign(client, pledge.campaign)
    assert response.status_code == 403
    assert not Signature.objects.exists()


def test_with_its_csrf_token_the_lane_signs(client):
    pledge = PledgeFactory.create()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory.create())
    token = strict.get(reverse("campaigns:list")).cookies["csrftoken"].value
    with CaptureQueriesContext(connection) as queries:
        response = strict.post(
            reverse("campaigns:sign", args=[pledge.campaign.slug]),
            HTTP_HX_REQUEST="true",
            HTTP_X_CSRFTOKEN=token,
        )
    assert response.status_code == 200
    assert any(LANE_MARKER in query["sql"] for query in queries.captured_queries)
    assert Signature.objects.count() == 1


def test_the_lanes_panel_is_the_views_panel(client, rf):
    from essaim.campaigns.views.actions import _panel

    pledge = PledgeFactory.create(goal_ladder="5, 50")
    person = UserFactory.create(language="en", display_name="Nadia")
    client.force_login(person)
    lane = _htmx_sign(client, pledge.campaign, show_name="on").content.decode()
    request = rf.post("/", HTTP_HX_REQUEST="true")
    request.user = person
    request.htmx = True
    with translation.override("en"):
        view = _panel(request, pledge.campaign, "pledge").content.decode()
    # Only the masked CSRF token differs (it is new on every rendering); the recent signers
    # are each process's copy of a couple of seconds, here empty on both sides.
    token = re.compile(r'value="[A-Za-z0-9]{64}"')
    assert token.sub("TOKEN", lane) == token.sub("TOKEN", view)


def test_a_session_from_before_a_password_change_signs_nothing(client):
    pledge = PledgeFactory.create()
    person = UserFactory.create()
    client.force_login(person)
    person.set_password("un-tout-nouveau-mot-de-passe")
    person.save()
    response = _htmx_sign(client, pledge.campaign)
    # The ordinary stack refuses the stale session as Django does: log in again.
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert not Signature.objects.exists()


def test_a_closed_campaign_is_refused_by_the_ordinary_path_counted_once(client):
    pledge = PledgeFactory.create(campaign__status=Campaign.Status.CLOSED)
    person = UserFactory.create()
    client.force_login(person)
    before = time.time()
    response = _htmx_sign(client, pledge.campaign)
    after = time.time()
    assert response.status_code == 400
    assert "Cette campagne n&#x27;est pas ouverte à l&#x27;action." in response.content.decode()
    assert not Signature.objects.exists()
    # The lane counted the write, then handed it on: the ordinary path did not count it again.
    hourly = {int(moment // 3600) for moment in (before, after)}
    counted = sum(cache.get(f"rl:account:{person.pk}:3600:{window}", 0) for window in hourly)
    assert counted == 1


def test_the_write_limits_hold_in_the_lane(client, settings, monkeypatch):
    from essaim.campaigns import middleware

    refusals = []
    real_too_many = middleware.too_many

    def too_many(*args):
        refusals.append(args)
        return real_too_many(*args)

    monkeypatch.setattr(middleware, "too_many", too_many)
    settings.RATE_LIMITS = {f"account:{level}": [[1, 60]] for level in range(4)}
    first, second = PledgeFactory.create(), PledgeFactory.create()
    client.force_login(UserFactory.create())
    assert _htmx_sign(client, first.campaign).status_code == 200
    refused = _htmx_sign(client, second.campaign)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert len(refusals) == 1  # refused by the lane itself, not by the ordinary stack
    assert Signature.objects.filter(pledge=second).count() == 0


def test_a_form_post_without_javascript_still_takes_the_ordinary_path(client):
    pledge = PledgeFactory.create()
    client.force_login(UserFactory.create())
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("campaigns:sign", args=[pledge.campaign.slug]))
    assert response.status_code == 302
    assert not any(LANE_MARKER in query["sql"] for query in queries.captured_queries)
    assert Signature.objects.count() == 1


def test_share_links_of_other_campaigns_in_the_session_are_ignored():
    first, second = PledgeFactory.create(), PledgeFactory.create()
    relay, person = UserFactory.create(), UserFactory.create()
    elsewhere = link_for(user=relay, campaign=second.campaign)
    signed = pledge_sign_quick(
        user_id=person.pk,
        session_hash=person.get_session_auth_hash(),
        slug=first.campaign.slug,
        show_name=False,
        link_codes=[elsewhere.code],
    )
    assert signed is not None and signed.inserted and signed.count == 1
    supporter = Supporter.objects.get(user=person)
    assert supporter.source == "direct" and supporter.referrer is None
    assert ShareLink.objects.filter(campaign=first.campaign).count() == 0
