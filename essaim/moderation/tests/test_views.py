"""Moderation pages: who sees what (and a refused request changes nothing), what content
shows to whom, the public log, write limits."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.tests.factories import PledgeFactory
from essaim.communities.models import Comment, Community, Membership
from essaim.communities.tests.factories import (
    CommentFactory,
    CommunityFactory,
    MembershipFactory,
    PostFactory,
)
from essaim.core.http import client_address
from essaim.moderation import services
from essaim.moderation.models import Action, Appeal, Case, InstanceSettings
from essaim.moderation.tests.factories import moderated_community, new_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    community, moderator = moderated_community()
    author, reporter, member = UserFactory.create_batch(3)
    for person in (author, reporter, member):
        MembershipFactory.create(community=community, user=person)
    post = PostFactory.create(community=community, author=author, body="Texte signalé")
    services.report(reporter=reporter, kind="post", pk=post.pk, reason="hate", note="secret")
    case = Case.objects.get()
    action = services.act(actor=moderator, case=case, kind="hide", reason="Raison publique")
    appeal = services.appeal(appellant=author, action=action, text="Je conteste")
    return {
        "community": community,
        "moderator": moderator,
        "author": author,
        "reporter": reporter,
        "member": member,
        "post": post,
        "case": case,
        "action": action,
        "appeal": appeal,
        "admin": UserFactory.create(is_staff=True),
        "outsider": UserFactory.create(),
    }


def state():
    return (
        list(Case.objects.values_list("pk", "status")),
        list(Action.objects.values_list("pk", "kind")),
        list(Appeal.objects.values_list("pk", "status")),
        InstanceSettings.current().hold_new_accounts,
    )


# (url name, args from the world, method) → who gets a page (2xx/3xx); everyone else 404/302.
# The world's case is decided: deciding again answers 409 and changes nothing; reopening it
# is the moderators' explicit step.
def routes(w):
    return {
        "queue": (reverse("moderation:queue"), "get", {"moderator", "admin"}),
        "case": (reverse("moderation:case", args=[w["case"].pk]), "get", {"moderator", "admin"}),
        "decide": (
            reverse("moderation:case", args=[w["case"].pk]),
            "post",
            {"moderator", "admin"},
        ),
        "reopen": (
            reverse("moderation:case", args=[w["case"].pk]),
            "post",
            {"moderator", "admin"},
        ),
        "action": (
            reverse("moderation:action", args=[w["action"].pk]),
            "get",
            {"moderator", "admin", "author"},
        ),
        "appeal_decide": (
            reverse("moderation:appeal_decide", args=[w["appeal"].pk]),
            "post",
            {"admin"},  # not the moderator who decided
        ),
        "audit": (reverse("moderation:audit"), "get", {"admin"}),
        "spam_wave": (reverse("moderation:spam_wave"), "post", {"admin"}),
        "bulk": (reverse("moderation:bulk"), "post", {"moderator", "admin"}),
    }


PEOPLE = ["anonymous", "outsider", "member", "reporter", "author", "moderator", "admin"]


@pytest.mark.parametrize(
    "route",
    ["queue", "case", "decide", "reopen", "action", "appeal_decide", "audit", "spam_wave", "bulk"],
)
@pytest.mark.parametrize("who", PEOPLE)
def test_permission_matrix(world, route, who):
    url, method, allowed = routes(world)[route]
    client = Client()
    if who != "anonymous":
        client.force_login(world[who])
    before = state()
    data = {
        "kind": "restore",
        "reason": "r",
        "overturn": "1",
        "cases": [world["case"].pk],
        "hold": "on",
        "section": "reopen" if route == "reopen" else "decide",
    }
    response = getattr(client, method)(url, data if method == "post" else None)
    if who in allowed and route == "decide":
        assert response.status_code == 409
        assert state() == before
    elif who in allowed:
        assert response.status_code in (200, 302), response.status_code
    else:
        if who == "anonymous":
            assert response.status_code == 302 and "login" in response["Location"]
        else:
            assert response.status_code == 404
        assert state() == before


def test_hidden_content_shows_to_its_author_only_and_the_log_never_names_reporters(world):
    client = Client()
    community_url = world["community"].get_absolute_url()
    assert "Texte signalé" not in client.get(community_url).content.decode()
    client.force_login(world["member"])
    assert "Texte signalé" not in client.get(community_url).content.decode()
    client.force_login(world["author"])
    page = client.get(community_url).content.decode()
    assert "Texte signalé" in page and 'data-testid="moderation-state"' in page
    log = Client().get(reverse("moderation:log", args=[world["community"].slug])).content.decode()
    assert "Raison publique" in log and world["moderator"].display_name in log
    assert world["reporter"].display_name not in log and "secret" not in log


def test_the_log_of_a_private_community_is_for_its_members():
    private = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    url = reverse("moderation:log", args=[private.slug])
    client = Client()
    client.force_login(UserFactory.create())
    assert client.get(url).status_code == 404


def test_reporting_through_the_form(client):
    post = PostFactory.create()
    client.force_login(UserFactory.create())
    url = reverse("moderation:report", args=["post", post.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": "nope"}).status_code == 400
    assert client.post(url, {"reason": "spam", "note": "pub"}).status_code == 302
    assert Case.objects.get().reports.get().note == "pub"
    assert client.get(reverse("moderation:report", args=["nothing", 1])).status_code == 404


def test_a_disputed_label_shows_wherever_the_post_appears(world):
    post = PostFactory.create(community=world["community"], body="Une rumeur")
    services.report(reporter=world["member"], kind="post", pk=post.pk, reason="misleading")
    case = Case.objects.get(object_id=post.pk)
    client = Client()
    client.force_login(world["moderator"])
    client.post(
        reverse("moderation:case", args=[case.pk]),
        {"section": "dispute", "note": "Démenti par la mairie."},
    )
    for url in (world["community"].get_absolute_url(), post.get_absolute_url()):
        html = Client().get(url).content.decode()
        assert 'data-testid="disputed"' in html and "Démenti par la mairie." in html


def test_a_flood_of_500_comments_from_a_new_account_is_limited_and_loses_nothing(client):
    community = CommunityFactory.create()
    post = PostFactory.create(community=community)
    flooder = new_account()
    MembershipFactory.create(community=community, user=flooder)
    client.force_login(flooder)
    url = reverse("communities:post", args=[community.slug, post.pk])
    accepted, limited = [], 0
    for number in range(500):
        response = client.post(url, {"body": f"Commentaire numéro {number}"})
        assert response.status_code < 500
        if response.status_code == 429:
            limited += 1
            assert int(response["Retry-After"]) >= 1
        else:
            assert response.status_code == 302, response.status_code
            accepted.append(f"Commentaire numéro {number}")
    assert limited > 0 and accepted
    stored = list(Comment.objects.filter(author=flooder).values_list("body", flat=True))
    assert sorted(stored) == sorted(accepted)
    json = client.post(url, {"body": "encore"}, HTTP_ACCEPT="application/json")
    assert json.status_code == 429 and json.json()["detail"] and json.json()["retry_after"] >= 1


def test_sign_ups_are_throttled_per_address(client, settings):
    settings.RATE_LIMITS = {"signup": [(2, 3600)]}
    statuses = [
        client.post(reverse("account_signup"), {"email": f"p{n}@exemple.test"}).status_code
        for n in range(4)
    ]
    assert 429 not in statuses[:2] and statuses[2:] == [429, 429]


def test_established_members_write_more_than_new_accounts(client):
    community = CommunityFactory.create()
    post = PostFactory.create(community=community)
    member = UserFactory.create()
    MembershipFactory.create(community=community, user=member, role=Membership.Role.MEMBER)
    client.force_login(member)
    url = reverse("communities:post", args=[community.slug, post.pk])
    statuses = [client.post(url, {"body": f"c{n}"}).status_code for n in range(25)]
    assert 429 not in statuses


def test_a_few_writes_never_look_up_the_trust_level(client):
    """The level costs queries; under the strictest level's limits nobody needs it."""
    pledge = PledgeFactory.create()
    supporter = UserFactory.create()
    client.force_login(supporter)
    for _n in range(3):
        assert (
            client.post(reverse("campaigns:sign", args=[pledge.campaign.slug])).status_code == 302
        )
    assert cache.get(f"trust:{supporter.pk}") is None
    assert pledge.signatures.filter(user=supporter).count() == 1


def test_comments_can_be_reported_from_the_post_page(world):
    comment = CommentFactory.create(post=world["post"], author=world["member"], body="Un avis")
    world["post"].moderation = "visible"
    world["post"].save(update_fields=["moderation"])
    client = Client()
    client.force_login(world["reporter"])
    html = client.get(world["post"].get_absolute_url()).content.decode()
    assert f'data-testid="report-comment-{comment.pk}"' in html


def test_the_address_behind_proxies_is_the_one_the_first_trusted_proxy_saw(rf, settings):
    request = rf.post("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.1")
    settings.PROXY_COUNT = 0
    assert client_address(request) == "10.0.0.1"
    settings.PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.7"  # not the forged first entry
    settings.PROXY_COUNT = 3
    assert client_address(request) == "10.0.0.1"


def test_deciding_a_decided_case_answers_409_with_a_clear_message_and_reopening_allows_it(world):
    case_url = reverse("moderation:case", args=[world["case"].pk])
    client = Client()
    client.force_login(world["moderator"])
    page = client.get(case_url).content.decode()
    assert 'data-testid="reopen-button"' in page and 'data-testid="decide-button"' not in page

    # Two tabs: the decision form was loaded while the case was still open.
    before = state()
    response = client.post(case_url, {"section": "decide", "kind": "remove", "reason": "Encore"})
    assert response.status_code == 409
    # The moderator reads French (their language): what happened, and what to do.
    assert "Ce dossier est déjà tranché" in response.content.decode()
    assert 'data-testid="reopen-button"' in response.content.decode()
    as_json = client.post(
        case_url,
        {"section": "decide", "kind": "remove", "reason": "Encore"},
        HTTP_ACCEPT="application/json",
    )
    assert as_json.status_code == 409
    assert as_json.json()["status"] == "actioned"
    assert as_json.json()["detail"].startswith("Ce dossier est déjà tranché (")
    assert state() == before

    assert client.post(case_url, {"section": "reopen"}).status_code == 302
    assert Case.objects.get().status == Case.Status.OPEN
    response = client.post(case_url, {"section": "decide", "kind": "remove", "reason": "Encore"})
    assert response.status_code == 302
    kinds = list(Action.objects.filter(case=world["case"]).order_by("pk").values_list("kind"))
    assert kinds == [("hide",), ("reopen",), ("remove",)]


def test_the_queue_names_kinds_in_the_reader_s_language(world):
    client = Client()
    client.force_login(world["admin"])
    html = client.get(
        reverse("moderation:queue") + "?status=", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert '<option value="listing">annonce</option>' in html
    # One word for a campaign's updates, as their section says ("Nouvelles des organisateurs").
    assert '<option value="update">nouvelle de campagne</option>' in html
    assert (
        '<option value="update_comment">commentaire sur une nouvelle de campagne</option>' in html
    )
    assert "publication #" in html
    assert "post #" not in html
    # The case's own page: "Dossier #4 · publication", not "Dossier #4 · post".
    case_page = client.get(
        reverse("moderation:case", args=[world["case"].pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert f"<h1>Dossier #{world['case'].pk} · publication</h1>" in case_page
