"""Reports, cases, decisions, appeals: who may do what, and what each changes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.communities.models import Community, Membership
from essaim.communities.services import community_join, community_leave
from essaim.communities.tests.factories import (
    CommentFactory,
    CommunityFactory,
    MembershipFactory,
    PostFactory,
)
from essaim.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from essaim.core.models import Moderation
from essaim.moderation import services
from essaim.moderation.models import Action, Appeal, Case, Report
from essaim.moderation.tests.factories import moderated_community, new_account, trusted_member
from essaim.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    community, moderator = moderated_community()
    author = UserFactory.create()
    MembershipFactory.create(community=community, user=author)
    comment = CommentFactory.create(
        post=PostFactory.create(community=community), author=author, body="propos haineux"
    )
    return community, moderator, author, comment


def test_reports_merge_into_one_case_and_a_second_report_updates_the_first(setting):
    community, _moderator, _author, comment = setting
    first, second = UserFactory.create_batch(2)
    services.report(reporter=first, kind="comment", pk=comment.pk, reason="hate", note="a")
    services.report(reporter=second, kind="comment", pk=comment.pk, reason="harassment")
    services.report(reporter=first, kind="comment", pk=comment.pk, reason="spam", note="b")
    case = Case.objects.get()
    assert case.community == community and case.subject == comment.author
    assert case.reports.count() == 2
    assert Report.objects.get(reporter=first).reason == "spam"


def test_one_cannot_report_what_one_cannot_see_nor_oneself():
    private = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    post = PostFactory.create(community=private)
    with pytest.raises(NotFound):
        services.report(reporter=UserFactory.create(), kind="post", pk=post.pk, reason="hate")
    with pytest.raises(ValidationError):
        services.report(reporter=post.author, kind="person", pk=post.author.pk, reason="spam")
    with pytest.raises(ValidationError):
        services.report(reporter=UserFactory.create(), kind="post", pk=post.pk, reason="nope")
    assert not Case.objects.exists()


def test_established_reports_hide_automatically_at_the_threshold(setting, settings):
    settings.MODERATION_AUTO_HIDE_REPORTS = 3
    community, _moderator, author, comment = setting
    for _n in range(4):  # new accounts' reports never hide
        services.report(reporter=new_account(), kind="comment", pk=comment.pk, reason="hate")
    comment.refresh_from_db()
    assert comment.moderation == Moderation.VISIBLE
    for _n in range(3):
        services.report(
            reporter=trusted_member(community), kind="comment", pk=comment.pk, reason="hate"
        )
    comment.refresh_from_db()
    assert comment.moderation == Moderation.HIDDEN
    assert Case.objects.get().auto_hidden
    assert Action.objects.filter(kind=Action.Kind.AUTO_HIDE).count() == 1
    told = Notification.objects.get(user=author)
    assert told.params["action"] == "auto_hide"


def established_member(community):
    """Past the new-account level (a week old), far from the trusted one."""
    person = UserFactory.create(date_joined=timezone.now() - timedelta(days=8))
    MembershipFactory.create(community=community, user=person)
    return person


def test_three_reports_from_established_members_hide_a_spam_post(setting, client):
    community, moderator, author, _comment = setting
    post = PostFactory.create(community=community, author=author, body="Achetez mes pilules")
    for _n in range(2):
        services.report(reporter=new_account(), kind="post", pk=post.pk, reason="spam")
    for _n in range(2):
        services.report(
            reporter=established_member(community), kind="post", pk=post.pk, reason="spam"
        )
    post.refresh_from_db()
    assert post.moderation == Moderation.VISIBLE
    # Moderators see why it is still up.
    case = Case.objects.get()
    client.force_login(moderator)
    page = client.get(reverse("moderation:case", args=[case.pk])).content.decode()
    assert 'data-testid="auto-hide-rule"' in page
    assert "Auto-hide: 2 of 3 reports from established members" in page or (
        "Masquage automatique : 2 signalements sur 3" in page.replace("\u00a0", " ")
    )
    services.report(reporter=established_member(community), kind="post", pk=post.pk, reason="spam")
    post.refresh_from_db()
    assert post.moderation == Moderation.HIDDEN
    assert Case.objects.get().auto_hidden


def test_a_decision_hides_tells_the_person_why_and_tells_reporters(setting):
    _community, moderator, author, comment = setting
    reporters = UserFactory.create_batch(2)
    for reporter in reporters:
        services.report(reporter=reporter, kind="comment", pk=comment.pk, reason="hate")
    case = Case.objects.get()
    with pytest.raises(ValidationError):
        services.act(actor=moderator, case=case, kind="hide", reason="  ")
    action = services.act(actor=moderator, case=case, kind="remove", reason="Propos haineux")
    comment.refresh_from_db()
    assert comment.moderation == Moderation.REMOVED
    case.refresh_from_db()
    assert case.status == Case.Status.ACTIONED
    decision = Notification.objects.get(user=author)
    assert decision.params["reason"] == "Propos haineux" and decision.params["action"] == "remove"
    for reporter in reporters:
        outcome = Notification.objects.get(user=reporter)
        assert outcome.kind == Notification.Kind.REPORT_OUTCOME
        assert outcome.params["status"] == "actioned"
        assert moderator.display_name not in str(outcome.params)
    assert action.description == f"a comment by {author.display_name}" and action.actor == moderator


def test_who_may_act(setting):
    _community, moderator, author, comment = setting
    services.report(reporter=UserFactory.create(), kind="comment", pk=comment.pk, reason="hate")
    case = Case.objects.get()
    _other_community, other_moderator = moderated_community()
    for outsider in (UserFactory.create(), other_moderator, author):
        with pytest.raises(PermissionDenied):
            services.act(actor=outsider, case=case, kind="hide", reason="x")
    # Suspending and banning from the instance are for the instance's admins.
    with pytest.raises(PermissionDenied):
        services.act(actor=moderator, case=case, kind="suspend", reason="x", days=3)
    admin = UserFactory.create(is_staff=True)
    services.act(actor=admin, case=case, kind="suspend", reason="Harcèlement", days=3)
    author.refresh_from_db()
    assert author.is_suspended
    comment.refresh_from_db()
    assert comment.moderation == Moderation.VISIBLE  # suspending leaves the content as it is


def test_moderators_never_handle_cases_about_themselves():
    community, moderator = moderated_community()
    post = PostFactory.create(community=community, author=moderator)
    services.report(reporter=UserFactory.create(), kind="post", pk=post.pk, reason="spam")
    with pytest.raises(PermissionDenied):
        services.act(actor=moderator, case=Case.objects.get(), kind="dismiss", reason="")


def test_a_community_ban_sticks_and_an_instance_ban_logs_out(setting):
    community, moderator, author, comment = setting
    services.report(reporter=UserFactory.create(), kind="comment", pk=comment.pk, reason="hate")
    case = Case.objects.get()
    services.act(actor=moderator, case=case, kind="ban_community", reason="Récidive")
    membership = Membership.objects.get(community=community, user=author)
    assert membership.status == Membership.Status.BANNED
    with pytest.raises(PermissionDenied):
        community_leave(user=author, community=community)
    assert community_join(user=author, community=community).status == Membership.Status.BANNED
    admin = UserFactory.create(is_staff=True)
    services.case_reopen(actor=admin, case=case)
    services.act(actor=admin, case=case, kind="ban_instance", reason="x")
    author.refresh_from_db()
    assert not author.is_active and author.banned_at


def test_dismissing_reports_that_hid_something_puts_it_back(setting, settings):
    settings.MODERATION_AUTO_HIDE_REPORTS = 1
    community, moderator, _author, comment = setting
    services.report(
        reporter=trusted_member(community), kind="comment", pk=comment.pk, reason="spam"
    )
    comment.refresh_from_db()
    assert comment.moderation == Moderation.HIDDEN
    services.act(actor=moderator, case=Case.objects.get(), kind="dismiss", reason="")
    comment.refresh_from_db()
    assert comment.moderation == Moderation.VISIBLE
    assert Case.objects.get().status == Case.Status.DISMISSED


def test_an_appeal_is_decided_by_another_moderator_and_overturning_undoes(setting):
    community, moderator, author, comment = setting
    second = UserFactory.create()
    MembershipFactory.create(community=community, user=second, role=Membership.Role.MODERATOR)
    services.report(reporter=UserFactory.create(), kind="comment", pk=comment.pk, reason="hate")
    action = services.act(actor=moderator, case=Case.objects.get(), kind="hide", reason="Haine")
    with pytest.raises(NotFound):
        services.appeal(appellant=UserFactory.create(), action=action, text="Pas moi")
    appeal = services.appeal(appellant=author, action=action, text="C'était une citation.")
    assert services.appeal(appellant=author, action=action, text="encore").pk == appeal.pk
    with pytest.raises(PermissionDenied):
        services.appeal_decide(actor=moderator, appeal=appeal, overturn=True, note="")
    decided = services.appeal_decide(actor=second, appeal=appeal, overturn=True, note="Citation")
    assert decided.status == Appeal.Status.OVERTURNED
    comment.refresh_from_db()
    assert comment.moderation == Moderation.VISIBLE
    # Deciding again changes nothing.
    again = services.appeal_decide(actor=second, appeal=appeal, overturn=False, note="")
    assert again.status == Appeal.Status.OVERTURNED
    told = Notification.objects.get(user=author, kind=Notification.Kind.APPEAL_DECIDED)
    assert told.params["overturned"] is True


def test_a_disputed_label_and_its_removal(setting):
    community, moderator, _author, _comment = setting
    post = PostFactory.create(community=community, body="Le vaccin contient une puce.")
    services.report(reporter=UserFactory.create(), kind="post", pk=post.pk, reason="misleading")
    case = Case.objects.get(object_id=post.pk)
    services.dispute(actor=moderator, case=case, note="Aucun vaccin ne contient de puce.")
    post.refresh_from_db()
    assert post.disputed_note.startswith("Aucun") and post.moderation == Moderation.VISIBLE
    services.dispute(actor=moderator, case=case, note="")
    post.refresh_from_db()
    assert post.disputed_note == ""
    kinds = list(Action.objects.filter(case=case).values_list("kind", flat=True))
    assert sorted(kinds) == ["disputed", "undisputed"]


def test_bulk_decisions_skip_cases_one_may_not_act_on(setting):
    _community, moderator, _author, comment = setting
    other_community, _other = moderated_community()
    elsewhere = PostFactory.create(community=other_community)
    services.report(reporter=UserFactory.create(), kind="comment", pk=comment.pk, reason="spam")
    services.report(reporter=UserFactory.create(), kind="post", pk=elsewhere.pk, reason="spam")
    done = services.bulk_act(
        actor=moderator, cases=list(Case.objects.all()), kind="remove", reason="Spam"
    )
    assert done == 1
    elsewhere.refresh_from_db()
    assert elsewhere.moderation == Moderation.VISIBLE


def test_a_decided_case_refuses_a_second_decision_until_a_moderator_reopens_it(setting):
    community, moderator, author, comment = setting
    second = UserFactory.create()
    MembershipFactory.create(community=community, user=second, role=Membership.Role.MODERATOR)
    reporter = UserFactory.create()
    services.report(reporter=reporter, kind="comment", pk=comment.pk, reason="hate")
    case = Case.objects.get()
    services.act(actor=moderator, case=case, kind="hide", reason="Haine")

    # The second moderator still holds the page they loaded while the case was open.
    with pytest.raises(Conflict) as refused:
        services.act(actor=second, case=case, kind="remove", reason="Haine aussi")
    assert refused.value.status_code == 409
    assert "reopen" in refused.value.message
    comment.refresh_from_db()
    assert comment.moderation == Moderation.HIDDEN
    assert list(Action.objects.values_list("kind", flat=True)) == ["hide"]
    assert Notification.objects.filter(user=author).count() == 1
    assert Notification.objects.filter(user=reporter).count() == 1

    # An outsider cannot reopen; a moderator does, once, and the next decision is taken.
    with pytest.raises(PermissionDenied):
        services.case_reopen(actor=UserFactory.create(), case=case)
    services.case_reopen(actor=second, case=case, reason="Nouveaux éléments")
    services.case_reopen(actor=second, case=case)
    assert Case.objects.get().status == Case.Status.OPEN
    services.act(actor=second, case=case, kind="remove", reason="Haine aussi")
    comment.refresh_from_db()
    assert comment.moderation == Moderation.REMOVED
    kinds = list(Action.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["hide", "reopen", "remove"]
    assert Notification.objects.filter(user=author).count() == 2


def test_a_moderator_opening_a_decided_case_finds_it_decided():
    community, moderator = moderated_community()
    post = PostFactory.create(community=community)
    case = services.case_open(actor=moderator, kind="post", pk=post.pk)
    services.act(actor=moderator, case=case, kind="warn", reason="Ton")
    again = services.case_open(actor=moderator, kind="post", pk=post.pk)
    assert again.pk == case.pk and again.status == Case.Status.ACTIONED


def test_bulk_decisions_leave_decided_cases_alone(setting):
    _community, moderator, _author, comment = setting
    services.report(reporter=UserFactory.create(), kind="comment", pk=comment.pk, reason="spam")
    case = Case.objects.get()
    services.act(actor=moderator, case=case, kind="hide", reason="Spam")
    assert services.bulk_act(actor=moderator, cases=[case], kind="remove", reason="x") == 0
    comment.refresh_from_db()
    assert comment.moderation == Moderation.HIDDEN


def test_overturning_sanctions_lifts_them_through_the_owners(setting):
    community, moderator, author, comment = setting
    admin, second_admin = UserFactory.create_batch(2, is_staff=True)
    services.report(reporter=UserFactory.create(), kind="comment", pk=comment.pk, reason="hate")
    case = Case.objects.get()
    actions = [services.act(actor=moderator, case=case, kind="ban_community", reason="x")]
    for kind in ("suspend", "ban_instance"):
        services.case_reopen(actor=admin, case=case)
        actions.append(services.act(actor=admin, case=case, kind=kind, reason="x", days=3))
    author.refresh_from_db()
    assert author.is_suspended and author.banned_at and not author.is_active
    for action in actions:
        appeal = services.appeal(appellant=author, action=action, text="Erreur")
        services.appeal_decide(actor=second_admin, appeal=appeal, overturn=True, note="")
    author.refresh_from_db()
    assert not author.is_suspended and author.banned_at is None and author.is_active
    membership = Membership.objects.get(community=community, user=author)
    assert membership.status == Membership.Status.ACTIVE


def test_after_a_dismissal_the_old_reports_do_not_hide_the_content_again(setting, settings):
    settings.MODERATION_AUTO_HIDE_REPORTS = 2
    community, moderator, _author, comment = setting
    first, second = trusted_member(community), trusted_member(community)
    for reporter in (first, second):
        services.report(reporter=reporter, kind="comment", pk=comment.pk, reason="hate")
    comment.refresh_from_db()
    assert comment.moderation == Moderation.HIDDEN
    case = Case.objects.get()
    services.act(actor=moderator, case=case, kind="dismiss", reason="")
    comment.refresh_from_db()
    assert comment.moderation == Moderation.VISIBLE
    # One of the answered reporters sends their report again: the case stays decided and the
    # comment up.
    services.report(reporter=first, kind="comment", pk=comment.pk, reason="spam")
    case.refresh_from_db()
    comment.refresh_from_db()
    assert case.status == Case.Status.DISMISSED
    assert comment.moderation == Moderation.VISIBLE
    assert Action.objects.filter(kind=Action.Kind.AUTO_HIDE).count() == 1
    # A new report reopens the case, and counts from the decision: one is not enough.
    services.report(
        reporter=trusted_member(community), kind="comment", pk=comment.pk, reason="hate"
    )
    case.refresh_from_db()
    comment.refresh_from_db()
    assert case.status == Case.Status.OPEN
    assert comment.moderation == Moderation.VISIBLE
    # A second new one reaches the threshold again.
    services.report(
        reporter=trusted_member(community), kind="comment", pk=comment.pk, reason="hate"
    )
    comment.refresh_from_db()
    assert comment.moderation == Moderation.HIDDEN
    assert Action.objects.filter(kind=Action.Kind.AUTO_HIDE).count() == 2
