"""What people read, in their language: nouns that agree with their numbers, numbers written
as the reader's language writes them."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import EventResult, SignatureTally
from essaim.campaigns.selectors import pledge_progress
from essaim.campaigns.share_image import event_share_text
from essaim.campaigns.templatetags.campaigns import unit_beside
from essaim.campaigns.tests.factories import ChallengeFactory, EventFactory, PledgeFactory
from essaim.communities.models import Post
from essaim.communities.selectors import community_share_text
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory, PostFactory
from essaim.core.charts import bar_chart, line_chart
from essaim.moderation import reasons
from essaim.moderation import services as moderation
from essaim.moderation.models import Action, Case
from essaim.moderation.tests.factories import moderated_community, new_account, trusted_member
from essaim.notifications.models import Notification
from essaim.notifications.texts import subject_of, text_of

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    """The page's words without its tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", ["1 participant · 1 check-in", "1 day done"], "2 participants · 2 check-ins"),
        ("fr", ["1 participant · 1 validation", "1 jour fait"], "2 participants · 2 validations"),
    ],
)
def test_the_challenge_counts_agree_with_their_numbers(client, language, one, two):
    challenge = ChallengeFactory.create()
    slug = challenge.campaign.slug
    first, second = UserFactory.create_batch(2, language=language)
    client.force_login(first)
    client.post(reverse("campaigns:challenge_join", args=[slug]))
    client.post(reverse("campaigns:check_in", args=[slug]), {"day": "today"})
    page = _text(client.get(challenge.campaign.get_absolute_url()).content.decode())
    for words in one:
        assert words in page
    client.force_login(second)
    client.post(reverse("campaigns:challenge_join", args=[slug]))
    client.post(reverse("campaigns:check_in", args=[slug]), {"day": "today"})
    assert two in _text(client.get(challenge.campaign.get_absolute_url()).content.decode())


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "1 member · 1 community"), ("fr", "1 membre · 1 communauté")]
)
def test_the_landing_counts_agree_with_their_numbers(client, language, expected):
    CommunityFactory.create()
    html = client.get(reverse("feed:home"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert expected in _text(html)


@pytest.mark.parametrize(
    ("language", "count", "text", "subject"),
    [
        (
            "en",
            1,
            "Congratulations: your campaign “Fontaines” has reached 1 participant.",
            "Fontaines: 1 participant!",
        ),
        (
            "fr",
            1,
            "Félicitations\u00a0: votre campagne «\u00a0Fontaines\u00a0» a atteint 1 participant.",
            "Fontaines\u00a0: 1 participant\u00a0!",
        ),
        (
            "fr",
            2,
            "Félicitations\u00a0: votre campagne «\u00a0Fontaines\u00a0» a atteint 2 participants.",
            "Fontaines\u00a0: 2 participants\u00a0!",
        ),
    ],
)
def test_a_milestone_notification_agrees_with_its_number(language, count, text, subject):
    notification = Notification(
        kind=Notification.Kind.CAMPAIGN_MILESTONE,
        params={"campaign": "Fontaines", "count": count, "counted": "participants"},
    )
    with translation.override(language):
        assert (text_of(notification), subject_of(notification)) == (text, subject)


@pytest.mark.parametrize(("language", "separator"), [("fr", "\u00a0"), ("en", ",")])
def test_numbers_are_grouped_as_the_readers_language_writes_them(client, language, separator):
    pledge = PledgeFactory.create()
    SignatureTally.objects.create(pledge=pledge, shard=0, count=1347)
    html = client.get(
        pledge.campaign.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert f'data-testid="signature-count">1{separator}347</strong>' in html
    goal = pledge_progress(1347, pledge.goal_ladder)["goal"]
    assert goal >= 1000 and f"{goal // 1000}{separator}{goal % 1000:03d}" in html


# A form field's `auto_id` is its HTML id ("id_name"), text and never a number.
IDENTIFIER = re.compile(r"\{\{ *[\w.]*(?:\.pk|\.id|(?<!auto)_id)\b *(\|[^}]*)?\}\}")


def test_no_template_writes_an_identifier_as_a_grouped_number():
    """With USE_THOUSAND_SEPARATOR an id printed as is reads "1 347": ids go through
    |unlocalize (the {% url %} tag needs nothing)."""
    templates = Path(settings.BASE_DIR, "essaim").glob("*/templates/**/*.html")
    found = [
        f"{path.name}: {match.group(0)}"
        for path in templates
        for match in IDENTIFIER.finditer(path.read_text(encoding="utf-8"))
        if "unlocalize" not in (match.group(1) or "")
    ]
    assert found == []


def test_identifiers_in_addresses_and_attributes_stay_plain(client):
    """An id of 1347 is "post-1347" and /1347/ for every reader, never "post-1 347"."""
    post = PostFactory.create(pk=1347)
    person = UserFactory.create(language="fr")
    client.force_login(person)
    html = client.get(post.community.get_absolute_url()).content.decode()
    assert 'id="post-1347"' in html and 'id="like-1347"' in html
    assert Post.objects.filter(pk=1347).exists()


@pytest.fixture
def hidden_by_a_french_moderator():
    """A post hidden by a moderator who reads French, deciding on a French page."""
    community, moderator = moderated_community()
    author = UserFactory.create(display_name="Karim", language="en")
    MembershipFactory.create(community=community, user=author)
    post = PostFactory.create(community=community, author=author)
    moderation.report(reporter=UserFactory.create(), kind="post", pk=post.pk, reason="spam")
    with translation.override("fr"):
        moderation.act(actor=moderator, case=Case.objects.get(), kind="hide", reason="Spam.")
    return community, author


@pytest.mark.parametrize(
    ("language", "words"), [("en", "a post by Karim"), ("fr", "une publication de Karim")]
)
def test_the_public_moderation_log_reads_in_the_readers_language(
    client, hidden_by_a_french_moderator, language, words
):
    community, _author = hidden_by_a_french_moderator
    html = client.get(
        reverse("moderation:log", args=[community.slug]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert words in html


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "The moderators hid your post. Reason: Spam."),
        ("fr", "Les modérateurs ont masqué votre publication. Motif\u00a0: Spam."),
    ],
)
def test_a_notice_about_ones_own_post_says_your_post(hidden_by_a_french_moderator, language, text):
    _community, author = hidden_by_a_french_moderator
    notification = Notification.objects.get(user=author, kind=Notification.Kind.MODERATION_DECISION)
    with translation.override(language):
        assert text_of(notification) == text


def test_a_unit_the_measure_already_names_is_written_once(client):
    """Hosts report "sacs" of "sacs remplis": the campaign reads "401 sacs remplis"."""
    first = EventFactory.create()
    second = EventFactory.create(campaign=first.campaign)
    for event, bags in ((first, 200), (second, 201)):
        EventResult.objects.create(event=event, measure="sacs remplis", unit="sacs", quantity=bags)
        EventResult.objects.create(event=event, measure="déchets ramassés", unit="kg", quantity=5)
    page = _text(client.get(first.campaign.get_absolute_url()).content.decode())
    assert "401 sacs remplis" in page and "sacs sacs" not in page
    assert "10 kg déchets ramassés" in page


@pytest.mark.parametrize(
    ("unit", "measure", "shown"),
    [
        ("sacs", "sacs remplis", ""),
        ("sac", "sacs remplis", ""),
        ("Bags", "bags filled", ""),
        ("kg", "déchets ramassés", "kg"),
        ("arbres", "arbres plantés", ""),
        ("l", "litres d'eau", "l"),
    ],
)
def test_the_unit_beside_a_measure(unit, measure, shown):
    assert unit_beside(unit, measure) == shown


@pytest.mark.parametrize(
    ("language", "reports", "words"),
    [
        (
            "fr",
            1,
            [
                "Masquage automatique : 1 signalement sur 3 de membres établis",
                "1 signalement de nouveau compte ne compte pas.",
                "Toujours visible : pas encore assez de signalements comptés.",
            ],
        ),
        (
            "fr",
            2,
            [
                "Masquage automatique : 2 signalements sur 3 de membres établis",
                "2 signalements de nouveaux comptes ne comptent pas.",
            ],
        ),
        (
            "en",
            1,
            [
                "Auto-hide: 1 of 3 reports from established members",
                "1 report from a new account does not count.",
                "Still visible: not enough counted reports yet.",
            ],
        ),
        ("en", 2, ["2 reports from new accounts do not count."]),
    ],
)
def test_the_auto_hide_rule_agrees_with_its_numbers(client, settings, language, reports, words):
    """Moderators read why a reported post is still up, in sentences that agree with their
    numbers: "1 signalement", never "1 signalements"."""
    settings.MODERATION_AUTO_HIDE_REPORTS = 3
    community, moderator = moderated_community()
    post = PostFactory.create(community=community)
    for _n in range(reports):
        for reporter in (trusted_member(community), new_account()):
            moderation.report(reporter=reporter, kind="post", pk=post.pk, reason="spam")
    moderator.language = language  # a person reads the site in their language
    moderator.save(update_fields=["language"])
    client.force_login(moderator)
    html = client.get(reverse("moderation:case", args=[Case.objects.get().pk])).content.decode()
    page = _text(html).replace("\u00a0", " ")
    for sentence in words:
        assert sentence in page


@pytest.mark.parametrize(("language", "separator"), [("fr", "\u00a0"), ("en", ",")])
def test_a_campaign_card_writes_its_goal_as_the_readers_language(client, language, separator):
    pledge = PledgeFactory.create()
    SignatureTally.objects.create(pledge=pledge, shard=0, count=1347)
    goal = pledge_progress(1347, pledge.goal_ladder)["goal"]
    html = client.get(reverse("campaigns:list"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f"{goal // 1000}{separator}{goal % 1000:03d}" in html
    assert f'data-testid="card-count">1{separator}347<' in html


@pytest.mark.parametrize(
    ("language", "notice", "reason", "figures", "bar", "point"),
    [
        (
            "fr",
            "Votre lien de partage a maintenant amené 1\u00a0000 personnes"
            " à «\u00a0Fontaines\u00a0».",
            "1\u00a0347 signatures écartées (lot 7)\u00a0: doublons",
            "1\u00a0347 membres",
            "lundi · Direct\u00a0: 1\u00a0347",
            "lundi\u00a0: 0,5",
        ),
        (
            "en",
            "Your share link has now brought 1,000 people to “Fontaines”.",
            "1,347 signatures set aside (batch 7): doublons",
            "1,347 members",
            "lundi · Direct: 1,347",
            "lundi: 0.5",
        ),
    ],
)
def test_numbers_python_writes_into_sentences_follow_the_readers_language(
    language, notice, reason, figures, bar, point
):
    """Sentences built in Python (notices, the system's reasons, share previews, the charts'
    figures) group and punctuate numbers as the reader's language does."""
    notification = Notification(
        kind=Notification.Kind.RELAY_MILESTONE, params={"campaign": "Fontaines", "count": 1000}
    )
    community = CommunityFactory.create()
    with translation.override(language):
        assert text_of(notification) == notice
        params = {"count": 1347, "batch": 7, "reason": "doublons"}
        assert reasons.reason_text(reasons.INVALIDATED, params) == reason
        assert community_share_text(community, 1347).figures == figures
        [rect] = bar_chart("", ["lundi"], [("Direct", [1347])]).rects
        assert rect.title == bar
        [dot] = line_chart("", ["lundi"], [0.5]).rects
        assert dot.title == point


@pytest.mark.parametrize(
    ("language", "capacity", "figures"),
    [
        ("en", 1, "0 coming · 1 place"),
        ("en", 1500, "0 coming · 1,500 places"),
        ("fr", 1, "0 participant·e · 1 place"),
        ("fr", 1500, "0 participant·e · 1\u00a0500 places"),
    ],
)
def test_an_event_s_share_preview_agrees_with_its_numbers(language, capacity, figures):
    event = EventFactory.create(capacity=capacity)
    with translation.override(language):
        assert event_share_text(event).figures == figures


def test_labels_joined_by_a_colon_follow_french_typography(client, hidden_by_a_french_moderator):
    """A colon the template writes between two words is the language's: "Masquer : …" on a
    French page (a no-break space before it), "Hide: …" on an English one."""
    _community, author = hidden_by_a_french_moderator
    action = Action.objects.get(kind="hide")
    moderation.appeal(appellant=author, action=action, text="Je conteste")
    moderator = UserFactory.create(is_staff=True)  # another moderator decides the appeal
    client.force_login(moderator)
    for language, colon in (("fr", "\u00a0: "), ("en", ": ")):
        moderator.language = language
        moderator.save(update_fields=["language"])
        with translation.override(language):
            label = str(action.get_kind_display())
        queue = client.get(reverse("moderation:queue")).content.decode()
        assert f"{label}{colon}" in queue
        preferences = client.get(reverse("notifications:preferences")).content.decode()
        assert re.search(f'aria-label="[^"]+{colon}[^"]+"', preferences)
