"""Moderation stays exact under concurrency: real threads, each on its own PostgreSQL connection."""

import pytest

from essaim.communities.tests.factories import CommentFactory
from essaim.core.models import Moderation
from essaim.core.tests.concurrency import run_together
from essaim.moderation import services
from essaim.moderation.models import Action, Case, Report
from essaim.moderation.tests.factories import trusted_member

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
