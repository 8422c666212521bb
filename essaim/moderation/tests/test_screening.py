"""Filters, trust levels, links from new accounts, sanctions, the spam-wave switch, aliases."""

from datetime import timedelta

import pytest
from django.utils import timezone

from essaim.accounts.adapters import AccountAdapter
from essaim.accounts.models import canonical_email
from essaim.accounts.tests.factories import UserFactory
from essaim.accounts.trust import MEMBER, NEW, STAFF, TRUSTED, compute
from essaim.communities.services import comment_create, post_create
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory, PostFactory
from essaim.core.errors import PermissionDenied, ValidationError
from essaim.core.models import Moderation
from essaim.messaging.services import conversation_start
from essaim.moderation.lexicon import fold
from essaim.moderation.models import Action, Case, FilterRule, InstanceSettings
from essaim.moderation.screening import screen
from essaim.moderation.tests.factories import new_account, trusted_member

pytestmark = pytest.mark.django_db


def member_of(community, **fields):
    person = UserFactory.create(**fields)
    MembershipFactory.create(community=community, user=person)
    return person


def test_the_shipped_lists_are_there_in_both_languages():
    assert FilterRule.objects.filter(language="fr").count() >= 10
    assert FilterRule.objects.filter(language="en").count() >= 10
    assert FilterRule.objects.filter(kind=FilterRule.Kind.DOMAIN).exists()


def test_words_match_whole_words_whatever_the_accents_and_case():
    FilterRule.objects.create(kind="word", pattern="haïr", effect="flag")
    assert screen("Je vais HAIR ce truc").effect == "flag"
    assert screen("chaire de philosophie").effect == ""
    assert fold("Élodie") == "elodie"
    # Full-width letters and a zero-width space read as the word they hide, as the
    # lexicon reads them: one fold for both.
    assert screen("je vais ｈａ\u200bïr ce truc").effect == "flag"


def test_domains_match_subdomains_and_the_strongest_effect_wins():
    assert screen("voir https://grabify.link/abc").effect == "block"
    assert screen("voir http://x.bit.ly/abc et grabify.link").effect == "block"
    assert screen("voir https://bit.ly/abc").effect == "flag"
    assert screen("notbit.ly.example.org").effect == ""


def test_blocked_held_and_flagged_texts():
    community = CommunityFactory.create()
    author = member_of(community)
    with pytest.raises(ValidationError):
        post_create(author=author, community=community, body="Double your bitcoin now!")
    held = post_create(author=author, community=community, body="Acheter des followers ici")
    assert held.moderation == Moderation.HELD
    case = Case.objects.get(object_id=held.pk)
    assert case.flagged_by and case.community == community
    assert Action.objects.filter(case=case, kind=Action.Kind.HOLD).exists()
    flagged = post_create(author=author, community=community, body="Le grand remplacement ?")
    assert flagged.moderation == Moderation.VISIBLE
    assert Case.objects.filter(object_id=flagged.pk, flagged_by__contains="grand").exists()


def test_trust_grows_with_age_and_kept_contributions():
    community = CommunityFactory.create()
    fresh = new_account()
    assert compute(fresh) == NEW
    a_day_old = UserFactory.create(date_joined=timezone.now() - timedelta(days=2))
    PostFactory.create_batch(3, community=community, author=a_day_old)
    assert compute(a_day_old) == MEMBER
    assert compute(trusted_member()) == TRUSTED
    assert compute(UserFactory.create(is_staff=True)) == STAFF
    # Sanctions hold trust back; hidden contributions do not count.
    sanctioned = trusted_member()
    Action.objects.create(kind=Action.Kind.WARN, subject=sanctioned, reason="x")
    assert compute(sanctioned) == MEMBER


def test_new_accounts_cannot_post_links_established_ones_can():
    community = CommunityFactory.create()
    fresh = new_account()
    MembershipFactory.create(community=community, user=fresh)
    for text in ("voir https://exemple.fr", "www.exemple.fr", "exemple.fr/page"):
        with pytest.raises(ValidationError):
            post_create(author=fresh, community=community, body=text)
    post = post_create(author=fresh, community=community, body="Bonjour à toutes et tous !")
    assert post.moderation == Moderation.VISIBLE
    established = member_of(community)
    assert post_create(author=established, community=community, body="https://exemple.fr")


def test_new_accounts_cannot_write_to_strangers():
    fresh, stranger, fan = new_account(), UserFactory.create(), UserFactory.create()
    with pytest.raises(PermissionDenied):
        conversation_start(sender=fresh, recipient=stranger, body="Salut")
    # Someone who follows them, or shares a community with them, is not a stranger.
    fan.following_links.create(followed=fresh)
    assert conversation_start(sender=fresh, recipient=fan, body="Merci de me suivre")
    community = CommunityFactory.create()
    MembershipFactory.create(community=community, user=fresh)
    MembershipFactory.create(community=community, user=stranger)
    assert conversation_start(sender=fresh, recipient=stranger, body="Voisins !")


def test_a_suspended_person_cannot_publish_until_the_date():
    community = CommunityFactory.create()
    person = member_of(community, suspended_until=timezone.now() + timedelta(days=2))
    post = PostFactory.create(community=community)
    with pytest.raises(PermissionDenied):
        comment_create(author=person, post=post, body="Bonjour")
    person.suspended_until = timezone.now() - timedelta(minutes=1)
    person.save(update_fields=["suspended_until"])
    assert comment_create(author=person, post=post, body="Bonjour")


def test_the_spam_wave_switch_holds_posts_of_new_accounts_only():
    community = CommunityFactory.create()
    InstanceSettings.objects.update_or_create(pk=1, defaults={"hold_new_accounts": True})
    fresh, established = new_account(), member_of(community)
    MembershipFactory.create(community=community, user=fresh)
    assert post_create(author=fresh, community=community, body="Hello").moderation == "held"
    assert post_create(author=established, community=community, body="Hi").moderation == "visible"


@pytest.mark.parametrize(
    ("address", "canonical"),
    [
        ("Jean.Dupont+essaim@Gmail.com", "jeandupont@gmail.com"),
        ("j.e.a.n@googlemail.com", "jean@gmail.com"),
        ("jean.dupont+asso@exemple.fr", "jean.dupont@exemple.fr"),
        ("JEAN@exemple.fr", "jean@exemple.fr"),
    ],
)
def test_canonical_addresses(address, canonical):
    assert canonical_email(address) == canonical


def test_an_alias_signs_up_as_the_address_it_stands_for():
    person = UserFactory.create(email="camille.martin@gmail.com")
    assert person.email_canonical == "camillemartin@gmail.com"
    adapter = AccountAdapter()
    assert adapter.clean_email("Camille.Martin+petition@gmail.com") == person.email
    assert adapter.clean_email("someone.else@gmail.com") == "someone.else@gmail.com"
