"""Moderation stays exact under concurrency: real threads, each on its own PostgreSQL connection."""

import pytest

from essaim.accounts.tests.factories import UserFactory
from essaim.communities.models import Membership
from essaim.communities.tests.factories import CommentFactory, MembershipFactory
from essaim.core.errors import Conflict
from essaim.core.models import Moderation
from essaim.core.tests.concurrency import run_together
from essaim.moderation import services
from essaim.moderation.models import Action, Case, Report
from essaim.moderation.tests.factories import trusted_member
from essaim.notifications.models import Notification

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twelve_trusted_members_reporting_at_once_open_one_case_and_hide_once(settings):
    settings.MODERATION_AUTO_HIDE_REPORTS = 3
    comment = CommentFactory.create(body="propos haineux")
    community = comment.post.community
    reporters = [trusted_member(community) for _n in range(12)]

    run_together(
        *[
            lambda r=r: services.report(reporter=r, kind="comment", pk=comment.pk, reason="hate")
            for r in reporters
        ],
        *[
            lambda r=r: services.report(reporter=r, kind="comment", pk=comment.pk, reason="hate")
            for r in reporters[:6]
        ],
    )

    assert Case.objects.count() == 1
    assert Report.objects.count() == 12
    comment.refresh_from_db()
    assert comment.moderation == Moderation.HIDDEN
    assert Action.objects.filter(kind=Action.Kind.AUTO_HIDE).count() == 1


def test_two_moderators_deciding_at_once_make_one_action_and_one_notice():
    comment = CommentFactory.create(body="propos haineux")
    community = comment.post.community
    moderators = UserFactory.create_batch(2)
    for moderator in moderators:
        MembershipFactory.create(
            community=community, user=moderator, role=Membership.Role.MODERATOR
        )
    reporter = UserFactory.create()
    services.report(reporter=reporter, kind="comment", pk=comment.pk, reason="hate")
    case = Case.objects.get()

    def decide(moderator, kind):
        try:
            return services.act(actor=moderator, case=case, kind=kind, reason="Propos haineux")
        except Conflict:
            return "conflict"

    outcomes = run_together(
        lambda: decide(moderators[0], "hide"), lambda: decide(moderators[1], "remove")
    )

    assert sorted(outcome == "conflict" for outcome in outcomes) == [False, True]
    decided = next(outcome for outcome in outcomes if outcome != "conflict")
    assert list(Action.objects.values_list("pk", flat=True)) == [decided.pk]
    assert Notification.objects.filter(user=comment.author).count() == 1
    assert Notification.objects.filter(user=reporter).count() == 1
    comment.refresh_from_db()
    assert (
        comment.moderation
        == {"hide": Moderation.HIDDEN, "remove": Moderation.REMOVED}[decided.kind]
    )
