"""Every URL of the site, as each kind of person: anonymous, outsider, member, moderator and
admin. Nobody sees what is not theirs (a private community's content, someone's messages, a
draft, a host's dashboard, a report), no request errs, and a refused write changes nothing."""

import itertools
import random
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.aid.models import AidListing
from essaim.aid.tests.factories import AidListingFactory
from essaim.campaigns.models import Campaign, CampaignHost
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from essaim.communities.models import Comment, Community, Membership, Post
from essaim.communities.tests.factories import (
    CommentFactory,
    CommunityFactory,
    MembershipFactory,
    PostFactory,
)
from essaim.messaging.models import Message
from essaim.messaging.services import conversation_start
from essaim.moderation import services as moderation
from essaim.moderation.models import Case, Report
from essaim.moderation.ratelimit import DEFAULT_LIMITS
from essaim.relay.models import Supporter
from essaim.relay.services import link_for, supporter_record
from tests.test_bad_input import NAMESPACES, SKIPPED, _patterns

ROLES = ["anonymous", "outsider", "member", "moderator", "admin"]
COMBOS_PER_URL = 2
# What each role may see of the victim's: nothing, but the admins see reports.
SECRETS = {
    "SECRET-POST": set(),
    "SECRET-COMMENT": set(),
    "SECRET-LISTING": set(),
    "SECRET-MESSAGE": set(),
    "SECRET-DRAFT": set(),
    "SECRET-REPORT": {"admin"},
}


@pytest.fixture
def world(db, settings):
    settings.RATE_LIMITS = {scope: [] for scope in DEFAULT_LIMITS}
    victim, friend = UserFactory.create_batch(2)
    private = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    MembershipFactory.create(community=private, user=victim, role=Membership.Role.OWNER)
    post = PostFactory.create(community=private, author=victim, body="SECRET-POST")
    comment = CommentFactory.create(post=post, author=friend, body="SECRET-COMMENT")
    listing = AidListingFactory.create(author=victim, community=private, title="SECRET-LISTING")
    conversation = conversation_start(sender=victim, recipient=friend, body="SECRET-MESSAGE")
    draft = CampaignFactory.create(created_by=victim, status="draft", title="SECRET-DRAFT")
    live = CampaignFactory.create(created_by=victim, title="Campagne publique")
    PledgeFactory.create(campaign=live)
    relay = UserFactory.create()
    supporter_record(campaign=live, user=relay, action="sign")
    supporter_record(
        campaign=live,
        user=UserFactory.create(),
        action="sign",
        link=link_for(user=relay, campaign=live),
    )
    public = CommunityFactory.create()
    MembershipFactory.create(community=public, user=victim, role=Membership.Role.OWNER)
    public_post = PostFactory.create(community=public, author=friend, body="Public")
    moderation.report(
        reporter=victim, kind="post", pk=public_post.pk, reason="spam", note="SECRET-REPORT"
    )
    people = {
        "outsider": UserFactory.create(),
        "member": UserFactory.create(),
        "moderator": UserFactory.create(),
        "admin": UserFactory.create(is_staff=True, is_superuser=True),
    }
    MembershipFactory.create(community=public, user=people["member"])
    elsewhere = CommunityFactory.create()
    MembershipFactory.create(
        community=elsewhere, user=people["moderator"], role=Membership.Role.MODERATOR
    )
    case = Case.objects.get()
    return {
        "victim": victim,
        # The hosts' analytics: names are public, but who brought whom is not.
        "hosts_only": [
            reverse("relay:dashboard", args=[live.slug]),
            reverse("relay:export", args=[live.slug, "relays"]),
            reverse("webhooks:list", args=[live.slug]),
            reverse("webhooks:widget", args=[live.slug]),
        ],
        "people": people,
        "values": {
            "slug": [private.slug, public.slug, draft.slug, live.slug],
            "handle": [victim.handle],
            "pk": [post.pk, listing.pk, conversation.pk, case.pk, public_post.pk, comment.pk],
            "comment_pk": [comment.pk],
            "kind": ["post", "comment", "listing", "message", "person"],
            "code": [link_for(user=relay, campaign=live).code],
            "table": ["relays", "links"],
            "provider_name": ["offline"],
            "token": ["x"],
        },
    }


def state(victim: Any, actor: Any) -> tuple[Any, ...]:
    """What the crawl must leave as it was. The actor's own supporter record may appear: the
    crawl signs and joins as them, through the victim's share link (which credits the victim,
    as it should)."""
    return (
        list(Post.objects.filter(author=victim).values_list("pk", "body", "moderation")),
        list(Comment.objects.values_list("pk", "body", "moderation")),
        list(AidListing.objects.filter(author=victim).values_list("pk", "title", "status")),
        list(Community.objects.values_list("pk", "name", "visibility", "invitation_token")),
        list(Membership.objects.filter(user=victim).values_list("pk", "role", "status")),
        list(Message.objects.values_list("pk", "body", "moderation")),
        list(Campaign.objects.values_list("pk", "title", "status", "moderation")),
        list(CampaignHost.objects.values_list("pk", "status")),
        list(Supporter.objects.exclude(user=actor).values_list("pk", "user_id", "referrer_id")),
        list(Case.objects.values_list("pk", "status")),
        list(Report.objects.values_list("pk", "note")),
    )


def urls(values: dict[str, list[Any]]) -> list[str]:
    found = []
    for name, entry in _patterns(get_resolver()):
        if name in SKIPPED:
            continue
        keys = list(entry.pattern.converters)
        if any(key not in values for key in keys):
            continue
        combos = list(itertools.product(*(values[key] for key in keys))) if keys else [()]
        for combo in random.Random(name).sample(combos, min(len(combos), COMBOS_PER_URL)):
            found.append(reverse(name, kwargs=dict(zip(keys, combo, strict=True))))
    return found


@pytest.mark.parametrize("role", ROLES)
def test_no_one_sees_or_changes_what_is_not_theirs(world, role):
    assert {"relay", "moderation", "campaigns", "communities", "webhooks"} <= NAMESPACES
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world["people"][role])
    actor = world["people"].get(role)
    before = state(world["victim"], actor)
    leaks, errors = [], []
    checked = urls(world["values"])
    for url in checked:
        for method in (client.get, client.post):
            response = method(url, {})
            if response.status_code >= 500:
                errors.append((method.__name__, url, response.status_code))
            body = response.content.decode(errors="replace")
            leaks += [
                (url, secret)
                for secret, allowed in SECRETS.items()
                if secret in body and role not in allowed
            ]
            if world["victim"].email in body:
                leaks.append((url, "e-mail"))
    assert errors == [] and leaks == []
    assert len(checked) > 80
    for url in world["hosts_only"]:
        assert client.get(url).status_code in (302, 404), url
    assert state(world["victim"], actor) == before
