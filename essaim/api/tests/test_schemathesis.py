"""Schemathesis against the API, in process (WSGI) on the test database: generated requests,
valid and invalid, on every operation, must never meet a server error, every answer must match
the schema, and every error must be `{"detail": "…"}` JSON. Three callers: the host with a
write token (writes run), a member with a read-only token (writes are refused), and nobody.

Bounded: a few examples per operation and caller (MAX_EXAMPLES), no deadline per example;
well under a minute on SQLite. Part of `make test`.
"""

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from essaim.accounts.tests.factories import UserFactory
from essaim.aid.tests.factories import AidListingFactory
from essaim.api.tests.conftest import make_token
from essaim.campaigns.tests.factories import (
    CampaignFactory,
    ChallengeFactory,
    EventFactory,
    FundraiserFactory,
    PledgeFactory,
)
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory, PostFactory
from essaim.moderation.ratelimit import DEFAULT_LIMITS

MAX_EXAMPLES = 6
CALLERS = ["host with a write token", "member with a read-only token", "anonymous"]


@schemathesis.check
def errors_are_json_with_a_detail(ctx: Any, response: Any, case: Any) -> None:
    """Whoever answers an error (an endpoint, ninja, a middleware, Django), a client reads
    `{"detail": "…"}`."""
    if response.status_code < 400 or case.method.upper() == "HEAD":
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.partition(";")[0] == "application/json", (
        response.status_code,
        content_type,
    )
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("detail"), str), body


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    errors_are_json_with_a_detail,
]


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """Schemathesis calls the WSGI application itself, not through Django's test client, so
    each request would close the database connection at its end, as in production; on
    PostgreSQL that is the test's own connection, in the middle of its transaction. Django's
    test client keeps it open the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(db: None, settings: Any, connection_kept: None) -> dict[str, Any]:
    """Objects the generated requests reach, and the headers of each caller."""
    # Every generated request must reach the API: write limits have their own tests.
    settings.RATE_LIMITS = {scope: [] for scope in DEFAULT_LIMITS}
    host = UserFactory.create()
    campaign = CampaignFactory.create(slug="climat", created_by=host)
    PledgeFactory.create(campaign=campaign)
    ChallengeFactory.create(campaign=campaign)
    FundraiserFactory.create(campaign=campaign)
    event = EventFactory.create(campaign=campaign)
    community = CommunityFactory.create(slug="voisins")
    MembershipFactory.create(community=community, user=host)
    post = PostFactory.create(community=community, author=host)
    listing = AidListingFactory.create(author=host)
    member = UserFactory.create()
    MembershipFactory.create(community=community, user=member)
    return {
        "headers": {
            CALLERS[0]: {"Authorization": f"Bearer {make_token(host, 'write')}"},
            CALLERS[1]: {"Authorization": f"Bearer {make_token(member, 'read')}"},
            CALLERS[2]: {},
        },
        # Generated path values mostly name nothing; every other case uses a seeded one.
        "values": {
            "slug": itertools.cycle([None, "climat", None, "voisins"]),
            "event_id": itertools.cycle([None, event.pk]),
            "post_id": itertools.cycle([None, post.pk]),
            "listing_id": itertools.cycle([None, listing.pk]),
            "table": itertools.cycle([None, "hosts", "links"]),
        },
    }


# Loaded through the app itself at collection (no database needed for the schema). Not
# `schemathesis.pytest.from_fixture`: its lazy mode does not run under pytest 9.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@pytest.mark.parametrize("caller", CALLERS)
def test_no_server_error_and_answers_match_the_schema(
    case: Any, seeded: dict[str, Any], caller: str
) -> None:
    for name, values in seeded["values"].items():
        if case.path_parameters and name in case.path_parameters:
            value = next(values)
            if value is not None:
                case.path_parameters[name] = value
    case.call_and_validate(headers=seeded["headers"][caller], checks=CHECKS)
