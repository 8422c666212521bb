from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.aid import services
from essaim.aid.models import AidListing
from essaim.aid.tasks import expire_listings
from essaim.aid.tests.factories import AidListingFactory
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory
from essaim.core.errors import PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db
Status = AidListing.Status


def test_create_normalises_the_search_text_and_checks_fields():
    alice = UserFactory.create()
    listing = services.listing_create(
        author=alice, kind="offer", category="goods", title="  Vélo d'Élise ", place="Lyon 7e"
    )
    assert listing.title == "Vélo d'Élise"
    assert listing.search_text == "velo d elise lyon 7e"
    with pytest.raises(ValidationError):
        services.listing_create(author=alice, kind="offer", category="goods", title=" ")
    with pytest.raises(ValidationError):
        services.listing_create(author=alice, kind="gift", category="goods", title="x")
    with pytest.raises(ValidationError):
        services.listing_create(
            author=alice,
            kind="offer",
            category="goods",
            title="x",
            expires_at=timezone.now() - timedelta(hours=1),
        )


def test_posting_in_a_community_needs_membership():
    community = CommunityFactory.create()
    outsider = UserFactory.create()
    with pytest.raises(PermissionDenied):
        services.listing_create(
            author=outsider, kind="request", category="advice", title="x", community=community
        )
    member = MembershipFactory.create(community=community).user
    listing = services.listing_create(
        author=member, kind="request", category="advice", title="x", community=community
    )
    assert listing.community == community


@pytest.mark.parametrize(
    ("path", "final"),
    [
        (["promised", "done"], Status.DONE),
        (["promised", "open", "promised"], Status.PROMISED),
        (["done"], Status.DONE),
        (["withdrawn"], Status.WITHDRAWN),
        (["promised", "withdrawn"], Status.WITHDRAWN),
        (["promised", "promised"], Status.PROMISED),
    ],
)
def test_lifecycle_moves_along_the_arrows(path, final):
    listing = AidListingFactory.create()
    for status in path:
        listing = services.listing_set_status(actor=listing.author, listing=listing, status=status)
    listing.refresh_from_db()
    assert listing.status == final and listing.status_changed_at is not None


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.DONE, Status.OPEN),
        (Status.DONE, Status.PROMISED),
        (Status.WITHDRAWN, Status.OPEN),
        (Status.EXPIRED, Status.PROMISED),
        (Status.OPEN, Status.OPEN.value + "x"),
        (Status.OPEN, Status.EXPIRED),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(start, target):
    listing = AidListingFactory.create(status=start)
    with pytest.raises(ValidationError):
        services.listing_set_status(actor=listing.author, listing=listing, status=target)
    listing.refresh_from_db()
    assert listing.status == start


def test_only_the_author_changes_the_status():
    listing = AidListingFactory.create()
    with pytest.raises(PermissionDenied):
        services.listing_set_status(actor=UserFactory.create(), listing=listing, status="done")
    listing.refresh_from_db()
    assert listing.status == Status.OPEN


def test_expiry_in_one_update_by_service_task_and_command():
    now = timezone.now()
    due = AidListingFactory.create(expires_at=now - timedelta(minutes=1))
    due_promised = AidListingFactory.create(expires_at=now - timedelta(days=1), status="promised")
    later = AidListingFactory.create(expires_at=now + timedelta(days=1))
    done = AidListingFactory.create(expires_at=now - timedelta(days=1), status="done")
    assert services.listing_expire_due(now=now) == 2
    assert services.listing_expire_due(now=now) == 0
    statuses = dict(AidListing.objects.values_list("pk", "status"))
    assert statuses[due.pk] == statuses[due_promised.pk] == Status.EXPIRED
    assert statuses[later.pk] == Status.OPEN and statuses[done.pk] == Status.DONE

    AidListing.objects.filter(pk=later.pk).update(expires_at=now - timedelta(seconds=1))
    result = expire_listings.enqueue()
    assert result.return_value == 1
    AidListingFactory.create(expires_at=now - timedelta(seconds=1))
    out = StringIO()
    call_command("expire_aid_listings", stdout=out)
    assert "1 listing(s) expired" in out.getvalue()
    assert not AidListing.objects.filter(status=Status.OPEN).exists()
