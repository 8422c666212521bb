"""The registry of reportable content as each owning domain fills it: what moderation reads
instead of knowing their models, and the owners' services it hides and labels through."""

import pytest
from django.utils import translation

from essaim.accounts.tests.factories import UserFactory
from essaim.aid.tests.factories import AidListingFactory
from essaim.campaigns.models import CampaignUpdate, UpdateComment
from essaim.campaigns.tests.factories import CampaignFactory
from essaim.communities.models import Community
from essaim.communities.tests.factories import CommentFactory, CommunityFactory, PostFactory
from essaim.core import reportable
from essaim.core.models import Moderation
from essaim.messaging.tests.factories import ConversationParticipantFactory, MessageFactory

pytestmark = pytest.mark.django_db

OWNED = {
    "person": "accounts",
    "post": "communities",
    "comment": "communities",
    "listing": "aid",
    "campaign": "campaigns",
    "message": "messaging",
    "update": "campaigns",
    "update_comment": "campaigns",
}


def entry_of(kind):
    entry = reportable.get(kind)
    assert entry is not None
    return entry


def make(kind):
    """An object of `kind` and someone who may see (so report) it."""
    viewer = UserFactory.create()
    if kind == "person":
        return UserFactory.create(display_name="Karim"), viewer
    if kind == "post":
        return PostFactory.create(author__display_name="Karim"), viewer
    if kind == "comment":
        return CommentFactory.create(author__display_name="Karim"), viewer
    if kind == "listing":
        return AidListingFactory.create(author__display_name="Karim"), viewer
    if kind == "campaign":
        return CampaignFactory.create(created_by__display_name="Karim"), viewer
    if kind in ("update", "update_comment"):
        campaign = CampaignFactory.create()
        karim = UserFactory.create(display_name="Karim")
        if kind == "update":
            return CampaignUpdate.objects.create(
                campaign=campaign, author=karim, body="Nouvelles"
            ), viewer
        update = CampaignUpdate.objects.create(
            campaign=campaign, author=campaign.created_by, body="Nouvelles"
        )
        return UpdateComment.objects.create(update=update, author=karim, body="Bravo"), viewer
    message = MessageFactory.create(sender__display_name="Karim")
    ConversationParticipantFactory.create(conversation=message.conversation, user=viewer)
    return message, viewer


def test_each_domain_registers_its_own_kinds():
    for kind, app in OWNED.items():
        entry = reportable.get(kind)
        assert entry is not None and entry.model._meta.app_label == app
    assert entry_of("person").is_content is False
    assert reportable.get("nothing") is None


@pytest.mark.parametrize("kind", sorted(OWNED))
def test_labels_and_descriptions_read_in_the_reader_s_language(kind):
    entry = entry_of(kind)
    target, _viewer = make(kind)
    with translation.override("en"):
        english = (str(entry.label), entry.describe(target))
    with translation.override("fr"):
        french = (str(entry.label), entry.describe(target))
    assert french[0] != english[0] or kind == "message"
    assert "Karim" in english[1] and "Karim" in french[1] and english[1] != french[1]


@pytest.mark.parametrize("kind", sorted(OWNED))
def test_an_entry_finds_what_a_person_may_see_and_names_its_author(kind):
    entry = entry_of(kind)
    target, viewer = make(kind)
    found = entry.find(target.pk, viewer)
    assert found == target
    assert entry.author(found).display_name == "Karim"
    assert entry.preview(found)
    assert entry.find(target.pk + 1000, viewer) is None


def test_what_a_person_may_not_see_is_not_found():
    private = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    outsider = UserFactory.create()
    assert entry_of("post").find(PostFactory.create(community=private).pk, outsider) is None
    comment = CommentFactory.create(post__community=private)
    assert entry_of("comment").find(comment.pk, outsider) is None
    message, _reader = make("message")
    assert entry_of("message").find(message.pk, outsider) is None
    # One's own message is not reported by oneself.
    assert entry_of("message").find(message.pk, message.sender) is None


@pytest.mark.parametrize("kind", sorted(set(OWNED) - {"person"}))
def test_content_is_hidden_restored_and_labelled_through_its_owner(kind):
    entry = entry_of(kind)
    target, _viewer = make(kind)
    assert entry.set_state(target, Moderation.HIDDEN, Moderation.VISIBLE) is True
    # A second automatic hide changes nothing and says so.
    assert entry.set_state(target, Moderation.HIDDEN, Moderation.VISIBLE) is False
    target.refresh_from_db()
    assert target.moderation == Moderation.HIDDEN
    assert entry.set_state(target, Moderation.VISIBLE, None) is True
    entry.set_disputed(target, "  Démenti.  ")
    target.refresh_from_db()
    assert (target.moderation, target.disputed_note) == (Moderation.VISIBLE, "Démenti.")
