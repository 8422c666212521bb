"""A "disputed" label is an annotation, not a verdict: labelling leaves the case as it was,
so a moderator who labels a reported post first can still hide it, or leave it up with its
label, as their decision; a label is edited at any time, decided case or not."""

import pytest
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.communities.models import Membership
from essaim.communities.tests.factories import MembershipFactory, PostFactory
from essaim.core.errors import Conflict
from essaim.core.models import Moderation
from essaim.moderation import services
from essaim.moderation.models import Action, Case
from essaim.moderation.tests.factories import moderated_community
from essaim.notifications.models import Notification

pytestmark = pytest.mark.django_db

NOTE = "La mairie annonce une coupure de deux heures, mardi matin seulement."


@pytest.fixture
def labelled():
    community, moderator = moderated_community()
    reporter = UserFactory.create()
    post = PostFactory.create(community=community, body="La mairie coupe l'eau une semaine.")
    services.report(reporter=reporter, kind="post", pk=post.pk, reason="misleading")
    case = Case.objects.get()
    services.dispute(actor=moderator, case=case, note=NOTE)
    post.refresh_from_db()
    assert post.disputed_note == NOTE and post.moderation == Moderation.VISIBLE
    return community, moderator, reporter, post, case


def _told(reporter):
    return list(
        Notification.objects.filter(
            user=reporter, kind=Notification.Kind.REPORT_OUTCOME
        ).values_list("params__status", flat=True)
    )


def test_labelling_leaves_the_case_open_and_the_reporters_waiting(labelled):
    _community, _moderator, reporter, _post, case = labelled
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN
    assert _told(reporter) == []


def test_the_moderator_then_hides_it_without_reopening(labelled):
    _community, moderator, reporter, post, case = labelled
    services.act(actor=moderator, case=case, kind="hide", reason="Fausse information répétée.")
    post.refresh_from_db()
    case.refresh_from_db()
    assert (post.moderation, case.status) == (Moderation.HIDDEN, Case.Status.ACTIONED)
    assert not Action.objects.filter(kind=Action.Kind.REOPEN).exists()
    assert _told(reporter) == ["actioned"]


def test_or_leaves_it_up_with_its_label_and_the_reporters_hear_it_was_acted_on(labelled):
    _community, moderator, reporter, post, case = labelled
    services.act(actor=moderator, case=case, kind="dismiss", reason="")
    post.refresh_from_db()
    case.refresh_from_db()
    assert (post.moderation, post.disputed_note) == (Moderation.VISIBLE, NOTE)
    assert case.status == Case.Status.ACTIONED
    assert _told(reporter) == ["actioned"]


def test_a_case_without_a_label_is_still_dismissed_as_no_action():
    community, moderator = moderated_community()
    reporter = UserFactory.create()
    post = PostFactory.create(community=community)
    services.report(reporter=reporter, kind="post", pk=post.pk, reason="spam")
    services.act(actor=moderator, case=Case.objects.get(), kind="dismiss", reason="")
    assert Case.objects.get().status == Case.Status.DISMISSED
    assert _told(reporter) == ["dismissed"]


def test_a_label_on_a_decided_case_leaves_it_decided(labelled):
    _community, moderator, _reporter, post, case = labelled
    services.act(actor=moderator, case=case, kind="dismiss", reason="")
    services.dispute(actor=moderator, case=case, note="")
    post.refresh_from_db()
    case.refresh_from_db()
    assert (post.disputed_note, case.status) == ("", Case.Status.ACTIONED)


def test_a_second_decision_is_still_a_conflict(labelled):
    _community, moderator, _reporter, _post, case = labelled
    other = UserFactory.create()
    MembershipFactory.create(community=case.community, user=other, role=Membership.Role.MODERATOR)
    services.act(actor=moderator, case=case, kind="dismiss", reason="")
    with pytest.raises(Conflict):
        services.act(actor=other, case=case, kind="hide", reason="Trop tard.")


def test_the_queue_and_the_case_page_offer_the_follow_up(client, labelled):
    _community, moderator, _reporter, _post, case = labelled
    moderator.language = "en"
    moderator.save(update_fields=["language"])
    client.force_login(moderator)
    queue = client.get(reverse("moderation:queue")).content.decode()
    assert f'href="{reverse("moderation:case", args=[case.pk])}"' in queue
    assert 'data-testid="labelled-disputed"' in queue
    page = client.get(reverse("moderation:case", args=[case.pk])).content.decode()
    assert 'data-testid="decide-button"' in page
    assert 'data-testid="reopen-button"' not in page
    assert 'data-testid="labelled-hint"' in page
    response = client.post(
        reverse("moderation:case", args=[case.pk]),
        {"section": "decide", "kind": "hide", "reason": "Fausse information."},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.ACTIONED
