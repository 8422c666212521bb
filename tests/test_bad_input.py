"""Hostile input on every page and action: never a server error, never a change to what
belongs to someone else.

Every URL of the site's domains is requested with each kind of bad value (empty, huge, NUL
bytes, wrong types, out-of-range numbers, other people's ids) in every field any form uses, by
a logged-in person who owns nothing there.
"""

import itertools
import random
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.aid.models import AidListing
from essaim.aid.tests.factories import AidListingFactory
from essaim.campaigns.models import Campaign, CampaignHost, Event
from essaim.campaigns.tests.factories import (
    CampaignFactory,
    ChallengeFactory,
    EventFactory,
    FundraiserFactory,
    PledgeFactory,
)
from essaim.communities.models import Comment, Community, Membership, Post
from essaim.communities.tests.factories import (
    CommentFactory,
    CommunityFactory,
    MembershipFactory,
    PostFactory,
)
from essaim.messaging.models import Message
from essaim.messaging.services import conversation_start
from essaim.moderation.ratelimit import DEFAULT_LIMITS
from essaim.notifications.models import Notification
from essaim.notifications.services import notify
from essaim.relay.models import ShareLink, Supporter
from essaim.relay.services import link_for, supporter_record

COMBOS_PER_URL = 8
NAMESPACES = {
    "accounts",
    "communities",
    "aid",
    "messaging",
    "feed",
    "campaigns",
    "relay",
    "notifications",
    "moderation",
    "webhooks",
    "embed",
}
# Leaving the account would end the run; its refusals are tested in accounts' own tests.
SKIPPED = {"accounts:delete"}
FIELDS = [
    "body",
    "title",
    "name",
    "description",
    "charter",
    "visibility",
    "join_mode",
    "city",
    "display_name",
    "bio",
    "language",
    "kind",
    "category",
    "place",
    "community",
    "expires_at",
    "status",
    "role",
    "recipient",
    "listing",
    "idempotency_key",
    "next",
    "q",
    "page",
    "after",
    "closed",
]
BAD_VALUES = [
    "",
    "   ",
    "x" * 100_000,
    "nul\x00byte",
    "-1",
    "99999999999999999999999",
    "2026-02-31",
    "../../etc/passwd",
    "<script>window.__xss=1</script>",
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]


def _patterns(resolver: URLResolver, namespace: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += _patterns(entry, entry.namespace or namespace)
        elif namespace in NAMESPACES and entry.name:
            found.append((f"{namespace}:{entry.name}", entry))
    return found


@pytest.fixture
def world(db):
    victim = UserFactory.create()
    private = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    public = CommunityFactory.create(join_mode=Community.JoinMode.APPROVAL)
    for community in (private, public):
        MembershipFactory.create(community=community, user=victim, role=Membership.Role.OWNER)
    post = PostFactory.create(community=private, author=victim, body="intact")
    comment = CommentFactory.create(post=post, author=victim, body="intact")
    listing = AidListingFactory.create(author=victim, community=private, title="intact")
    public_listing = AidListingFactory.create(author=victim, title="intact aussi")
    conversation = conversation_start(sender=victim, recipient=UserFactory.create(), body="intact")
    campaign = CampaignFactory.create(created_by=victim, title="intact")
    PledgeFactory.create(campaign=campaign)
    ChallengeFactory.create(campaign=campaign)
    FundraiserFactory.create(campaign=campaign)
    event = EventFactory.create(campaign=campaign, capacity=3)
    draft = CampaignFactory.create(created_by=victim, status="draft")
    supporter_record(campaign=campaign, user=victim, action="sign")
    link = link_for(user=victim, campaign=campaign)
    told = notify(user=victim, kind="relay_milestone", key="intact", params={"count": 1})
    assert told is not None
    return {
        "victim": victim,
        "values": {
            "slug": [private.slug, public.slug, campaign.slug, draft.slug, "nexiste-pas"],
            "handle": [victim.handle, "personne"],
            "kind": ["post", "comment", "person", "nexiste-pas"],
            "pk": [
                post.pk,
                listing.pk,
                public_listing.pk,
                conversation.pk,
                event.pk,
                told.pk,
                2**31 - 1,
            ],
            "code": [link.code, "nexiste-pas"],
            "table": ["relays", "over-time", "nexiste-pas"],
            "provider_name": ["offline", "inconnu"],
            "comment_pk": [comment.pk, 0],
            "token": [private.invitation_token[:-1], "x" * 300],
            "form": ["guest-sign", "nexiste-pas"],
            "choice": ["keep", "release", "nexiste-pas"],
        },
    }


def _urls(pattern: tuple[str, URLPattern], values: dict[str, list[Any]]) -> list[str]:
    name, entry = pattern
    keys = list(entry.pattern.converters)
    combos = list(itertools.product(*(values[key] for key in keys))) if keys else [()]
    # A fixed sample of the combinations keeps the run short.
    combos = random.Random(name).sample(combos, min(len(combos), COMBOS_PER_URL))
    return [reverse(name, kwargs=dict(zip(keys, combo, strict=True))) for combo in combos]


def _owned_state(victim):
    return (
        list(Post.objects.filter(author=victim).values_list("pk", "body", "moderation")),
        list(Comment.objects.filter(author=victim).values_list("pk", "body")),
        list(AidListing.objects.filter(author=victim).values_list("pk", "title", "status")),
        list(Community.objects.values_list("pk", "name", "invitation_token", "visibility")),
        list(Membership.objects.filter(user=victim).values_list("pk", "role", "status")),
        list(Message.objects.filter(sender=victim).values_list("pk", "body")),
        list(Campaign.objects.values_list("pk", "title", "status", "summary")),
        list(Event.objects.values_list("pk", "title", "capacity", "status")),
        list(CampaignHost.objects.values_list("pk", "status", "user_id")),
        list(Supporter.objects.filter(user=victim).values_list("pk", "referrer_id", "generation")),
        list(ShareLink.objects.filter(owner=victim).values_list("pk", "code", "host_id")),
        list(Notification.objects.filter(user=victim).values_list("pk", "read_at")),
    )


# One test per URL pattern, so a failure names its URL (and pytest-xdist spreads them).
PATTERNS = {name: entry for name, entry in _patterns(get_resolver()) if name not in SKIPPED}


def test_every_domain_of_the_site_is_covered():
    covered = {name.split(":")[0] for name in PATTERNS}
    assert covered == NAMESPACES
    assert len(PATTERNS) > 80


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_no_server_error_and_nothing_of_others_changes(name, world, settings):
    # Every request must reach the views: write limits have their own tests.
    settings.RATE_LIMITS = {scope: [] for scope in DEFAULT_LIMITS}
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory.create())
    before = _owned_state(world["victim"])
    failures = []
    urls = _urls((name, PATTERNS[name]), world["values"])
    for index, url in enumerate(urls):
        # Every bad value meets every URL, and every sampled combination of ids meets half
        # of them: the pairs, not the whole product, which would double the sweep's cost.
        values = BAD_VALUES if len(urls) == 1 else BAD_VALUES[index % 2 :: 2]
        for value in values:
            data = {field: value for field in FIELDS}
            # Reads need fewer kinds of garbage than writes.
            methods = (client.get, client.post) if value in BAD_VALUES[:4] else (client.post,)
            for method in methods:
                response = method(url, data)
                if response.status_code >= 500:
                    failures.append((method.__name__, url, repr(value[:30])))
    assert failures == []
    assert _owned_state(world["victim"]) == before
