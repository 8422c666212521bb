"""The screening hooks the publishing domains call, filled by moderation in its ready()."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from essaim.accounts import screening
from essaim.communities.models import Post
from essaim.communities.services import post_create
from essaim.communities.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_moderation_installs_the_screening_in_ready():
    assert screening._screening().admit.__module__ == "essaim.moderation.screening"
    assert screening._screening().admitted.__module__ == "essaim.moderation.services"


def test_without_a_screening_nothing_is_published(monkeypatch):
    """Unscreened text must not go out: a missing moderation app is a configuration error."""
    membership = MembershipFactory.create()
    monkeypatch.setattr(screening, "_installed", [])
    with pytest.raises(ImproperlyConfigured):
        post_create(author=membership.user, community=membership.community, body="Bonjour")
    assert Post.objects.count() == 0
