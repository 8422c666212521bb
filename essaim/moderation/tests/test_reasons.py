"""The system's reasons (an auto-hide, a filter, the spam-wave switch) are kept as a code
with parameters and read in each reader's language, whatever language the request that
recorded them ran in."""

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from essaim.accounts.tests.factories import UserFactory
from essaim.communities.services import comment_create
from essaim.communities.tests.factories import MembershipFactory, PostFactory
from essaim.core.models import Moderation
from essaim.moderation import reasons, services
from essaim.moderation.models import Action, Case
from essaim.moderation.tests.factories import moderated_community
from essaim.notifications.models import Notification
from essaim.notifications.texts import text_of

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
AUTO_HIDE = {
    "en": "Reported by 3 established members; hidden until a moderator reviews it.",
    "fr": f"Signalé par 3 membres établis{NBSP}; masqué jusqu'à l'examen d'un modérateur.",
}


@pytest.fixture
def auto_hidden(settings):
    settings.MODERATION_AUTO_HIDE_REPORTS = 3
    community, _moderator = moderated_community()
    post = PostFactory.create(community=community, body="Achetez mes pilules")
    with translation.override("fr"):
        for _n in range(3):
            reporter = UserFactory.create(date_joined=timezone.now() - timedelta(days=8))
            MembershipFactory.create(community=community, user=reporter)
            services.report(reporter=reporter, kind="post", pk=post.pk, reason="spam")
    post.refresh_from_db()
    assert post.moderation == Moderation.HIDDEN
    return community, post


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_auto_hide_reads_in_the_moderators_language(client, auto_hidden, language):
    community, _post = auto_hidden
    moderator = UserFactory.create(language=language)
    MembershipFactory.create(community=community, user=moderator, role="moderator")
    client.force_login(moderator)
    case = Case.objects.get()
    assert AUTO_HIDE[language] in unescape(
        client.get(reverse("moderation:case", args=[case.pk])).text
    )
    action = Action.objects.get(kind=Action.Kind.AUTO_HIDE)
    assert AUTO_HIDE[language] in unescape(
        client.get(reverse("moderation:action", args=[action.pk])).text
    )
    log = reverse("moderation:log", args=[community.slug])
    assert AUTO_HIDE[language] in unescape(client.get(log).text)


def test_its_author_is_told_in_their_own_language(auto_hidden):
    _community, post = auto_hidden
    notice = Notification.objects.get(user=post.author)
    with translation.override("en"):
        assert text_of(notice) == (
            "Your post was hidden after several reports, until a moderator reviews it."
        )
    # French participles agree with the thing: "votre publication" is feminine, "votre
    # commentaire" is not; the French sentences are written so that nothing has to agree.
    with translation.override("fr"):
        assert text_of(notice) == (
            "Plusieurs signalements ont masqué votre publication jusqu'à l'examen d'un modérateur."
        )
        notice.params = {**notice.params, "action": "disputed", "reason": ""}
        assert text_of(notice) == (
            "Les modérateurs ont apposé l'étiquette «\u00a0contesté\u00a0» sur votre publication."
        )


@pytest.mark.parametrize(
    ("code", "params", "english"),
    [
        (reasons.AUTO_HIDE, {"count": 1}, "Reported by 1 established member; hidden"),
        (reasons.CAUGHT, {"by": "lexicon:connard"}, "Caught by the lexicon (“connard”)."),
        (
            reasons.CAUGHT,
            {"by": "word:arnaque, domain:spam.example"},
            "Caught by the word filter “arnaque”, the domain filter “spam.example”.",
        ),
        (reasons.CAUGHT, {"by": reasons.SPAM_WAVE_SWITCH}, "Caught by the spam-wave switch"),
        (reasons.SPAM_WAVE_ON, {}, "New accounts' texts are held for review."),
        (reasons.SPAM_WAVE_OFF, {}, "New accounts' texts are published again."),
    ],
)
def test_each_reason_in_english_and_french(code, params, english):
    with translation.override("en"):
        assert reasons.reason_text(code, params).startswith(english)
    with translation.override("fr"):
        french = reasons.reason_text(code, params)
    assert french and not french.startswith(english)


def test_a_held_text_and_the_spam_wave_switch_record_codes_not_words(client):
    community, _moderator = moderated_community()
    author = UserFactory.create()
    MembershipFactory.create(community=community, user=author)
    staff = UserFactory.create(is_staff=True, language="en")
    with translation.override("fr"):
        comment_create(author=author, post=PostFactory.create(community=community), body="connards")
        services.spam_wave_set(actor=staff, hold_new_accounts=True)
    held = Action.objects.get(kind=Action.Kind.HOLD)
    assert (held.reason, held.reason_code) == ("", reasons.CAUGHT)
    switch = Action.objects.get(kind=Action.Kind.SPAM_WAVE)
    assert (switch.reason, switch.reason_code) == ("", reasons.SPAM_WAVE_ON)
    client.force_login(staff)
    audit = unescape(client.get(reverse("moderation:audit")).text)
    assert "New accounts' texts are held for review." in audit
    assert "Caught by the lexicon" in audit
    case = unescape(client.get(reverse("moderation:case", args=[Case.objects.get().pk])).text)
    assert "Caught by: the lexicon (“connard" in case
