"""Schemathesis against the API, in process (WSGI) on the test database: generated requests,
valid and invalid, on every operation, authenticated with a write token so that writes run,
must never meet a server error, and every answer must match the schema.

Bounded: a few examples per operation (MAX_EXAMPLES), no deadline per example; about a
minute on SQLite. Part of `make test`.
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

MAX_EXAMPLES = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
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
    """Objects the generated requests reach, and a write token of their host."""
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
    return {
        "secret": make_token(host, "write"),
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
def test_no_server_error_and_answers_match_the_schema(case: Any, seeded: dict[str, Any]) -> None:
    for name, values in seeded["values"].items():
        if case.path_parameters and name in case.path_parameters:
            value = next(values)
            if value is not None:
                case.path_parameters[name] = value
    case.call_and_validate(headers={"Authorization": f"Bearer {seeded['secret']}"}, checks=CHECKS)
