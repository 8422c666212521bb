"""The shipped lexicon: French and English insults and slurs caught on normalised text, the
admins' rules beside it, and a setting for what a match does."""

import pytest

from essaim.accounts.tests.factories import UserFactory
from essaim.communities.services import comment_create, post_create
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory, PostFactory
from essaim.core.errors import ValidationError
from essaim.core.models import Moderation
from essaim.moderation.lexicon import lexicon, matches
from essaim.moderation.models import Case, FilterRule
from essaim.moderation.screening import rules_changed, screen


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Bande de connards", "connard"),
        ("CONNARDS !", "connard"),
        ("Cönnârds", "connard"),
        ("c0nn4rd", "connard"),
        ("c o n n a r d s", "connard"),
        ("connnnnard", "connard"),
        ("Espèces d'enculés", "encule"),
        ("quelle salope", "salope"),
        ("fuck you", "fuck"),
        ("fuuuuck", "fuck"),
        ("sh1t", "shit"),
        ("b.i.t.c.h", "bitch"),
        ("fils de pute", "fils de pute"),
    ],
)
def test_insults_are_caught_however_they_are_written(text, word):
    assert word in matches(text)


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour à tous, 20 personnes viendront",
        "un contact à Scunthorpe",
        "je suis veuve et je cherche un logement",
        "pros and cons",
        "les chats du quartier",
        "un assassin dans le roman",
        "des classes de soutien",
        "je peux bosser samedi",
    ],
)
def test_everyday_text_is_not_caught(text):
    assert matches(text) == []


def test_the_lexicon_comes_from_the_package_in_both_languages():
    words, phrases = lexicon()
    assert {"connard", "salope", "fuck", "bitch"} <= words
    assert ("fils", "de", "pute") in phrases
    assert "veuve" not in words


@pytest.fixture
def member():
    community = CommunityFactory.create()
    person = UserFactory.create()
    MembershipFactory.create(community=community, user=person)
    return community, person


@pytest.mark.django_db
def test_a_comment_with_an_insult_is_held_for_review_by_default(member):
    community, person = member
    post = PostFactory.create(community=community)
    comment = comment_create(author=person, post=post, body="Bande de connards")
    assert comment.moderation == Moderation.HELD
    case = Case.objects.get()
    assert "lexicon:connard" in case.flagged_by


@pytest.mark.django_db
def test_the_setting_can_refuse_instead(member, settings):
    settings.MODERATION_LEXICON_EFFECT = "block"
    community, person = member
    with pytest.raises(ValidationError):
        post_create(author=person, community=community, body="Bande de connards")


@pytest.mark.django_db
def test_the_setting_can_turn_it_off_and_admins_rules_still_apply(member, settings):
    settings.MODERATION_LEXICON_EFFECT = ""
    community, person = member
    post = post_create(author=person, community=community, body="Bande de connards")
    assert post.moderation == Moderation.VISIBLE
    FilterRule.objects.create(kind="word", pattern="connards", effect="block")
    rules_changed()
    assert screen("Bande de connards").effect == "block"
