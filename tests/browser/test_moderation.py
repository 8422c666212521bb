"""Moderation in a real browser: a report, the automatic hiding, a moderator's decision, the
author told why, the reporter told the outcome; a disputed label; an appeal decided."""

import re

from allauth.account.models import EmailAddress
from django.urls import reverse
from playwright.sync_api import Page, expect

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.communities.models import Membership
from essaim.communities.tests.factories import (
    CommentFactory,
    CommunityFactory,
    MembershipFactory,
    PostFactory,
)
from essaim.core.models import Moderation
from essaim.moderation import services
from essaim.moderation.models import Case
from essaim.moderation.tests.factories import trusted_member
from tests.browser.conftest import PASSWORD, LogIn, NewPage


def can_log_in(user: User) -> User:
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def setting() -> tuple:
    community = CommunityFactory.create(name="Entraide Paris 11e", slug="entraide-paris-11e")
    moderator = can_log_in(UserFactory.create(display_name="Modératrice Awa"))
    MembershipFactory.create(community=community, user=moderator, role=Membership.Role.MODERATOR)
    author = can_log_in(UserFactory.create(display_name="Auteur Marc"))
    MembershipFactory.create(community=community, user=author)
    post = PostFactory.create(community=community, body="Qui a besoin d'aide ce week-end ?")
    comment = CommentFactory.create(
        post=post, author=author, body="Les gens comme eux ne méritent pas de vivre ici."
    )
    return community, moderator, author, post, comment


def test_a_report_hides_a_hateful_comment_a_moderator_confirms_and_everyone_is_told(
    new_page: NewPage, log_in: LogIn
) -> None:
    community, moderator, author, post, comment = setting()
    reporter = can_log_in(trusted_member(community, display_name="Voisine Inès"))

    # Inès reports the comment with the form.
    page = new_page()
    log_in(page, reporter)
    page.goto(post.get_absolute_url())
    page.get_by_test_id(f"report-comment-{comment.pk}").click()
    form = page.get_by_test_id("report-form")
    form.get_by_label("Haine").check()
    form.locator("textarea").fill("Propos déshumanisants envers les personnes exilées.")
    page.get_by_test_id("send-report").click()
    expect(page).to_have_url(re.compile(re.escape(post.get_absolute_url())))
    expect(page.locator("#messages")).to_contain_text("modérateurs")

    # Two more trusted members report it: at the threshold it is hidden.
    for _n in range(2):
        services.report(
            reporter=trusted_member(community), kind="comment", pk=comment.pk, reason="hate"
        )
    page.reload()
    expect(page.get_by_test_id("comment")).to_have_count(0)

    # The moderator confirms: removed, with a reason; then a warning.
    mod = new_page()
    log_in(mod, moderator)
    mod.goto(community.get_absolute_url())
    mod.get_by_test_id("moderation-queue").click()
    row = mod.get_by_test_id("case-row").filter(has_text="Auteur Marc")
    expect(row).to_contain_text("masqué automatiquement")
    row.get_by_test_id("case-link").click()
    expect(mod.get_by_test_id("reports")).to_contain_text("Propos déshumanisants")
    decide = mod.get_by_test_id("decide")
    decide.locator("select[name=kind]").select_option("remove")
    decide.locator("textarea[name=reason]").fill("Propos haineux : contraire à la charte.")
    mod.get_by_test_id("decide-button").click()
    expect(mod.get_by_test_id("history")).to_contain_text("Propos haineux")
    # The case is decided: a further decision is taken after reopening it, on purpose.
    expect(mod.get_by_test_id("decide-button")).to_have_count(0)
    mod.get_by_test_id("reopen-button").click()
    expect(mod.locator("#messages")).to_contain_text("rouvert")
    decide = mod.get_by_test_id("decide")
    decide.locator("select[name=kind]").select_option("warn")
    decide.locator("textarea[name=reason]").fill("Premier avertissement.")
    mod.get_by_test_id("decide-button").click()
    expect(mod.get_by_test_id("history")).to_contain_text("Premier avertissement.")
    expect(mod.get_by_test_id("history")).to_contain_text("Dossier rouvert")
    comment.refresh_from_db()
    assert comment.moderation == Moderation.REMOVED

    # The author sees why, in their notifications and on the decision's page.
    mine = new_page()
    log_in(mine, author)
    expect(mine.get_by_test_id("notification-count")).to_be_visible()
    mine.get_by_test_id("bell").click()
    notes = mine.get_by_test_id("notification")
    expect(notes.filter(has_text="Propos haineux : contraire à la charte.")).to_have_count(1)
    expect(notes.filter(has_text="Premier avertissement.")).to_have_count(1)
    notes.filter(has_text="Propos haineux").locator("a").click()
    expect(mine.get_by_test_id("decision-reason")).to_have_text(
        "Propos haineux : contraire à la charte."
    )
    mine.goto(post.get_absolute_url())
    expect(mine.get_by_test_id("moderation-state")).to_contain_text("Supprimé")

    # The reporter is told the outcome.
    page.get_by_test_id("bell").click()
    expect(page.get_by_test_id("notification").first).to_contain_text("ont agi")


def test_a_disputed_label_and_an_appeal_decided_by_another_moderator(
    new_page: NewPage, log_in: LogIn, page: Page
) -> None:
    community, moderator, author, post, comment = setting()
    rumour = PostFactory.create(community=community, body="La mairie ferme tous les parcs demain.")
    second = can_log_in(UserFactory.create(display_name="Modérateur Paul"))
    MembershipFactory.create(community=community, user=second, role=Membership.Role.MODERATOR)

    # A moderator labels the rumour disputed, with a note shown wherever the post appears.
    mod = new_page()
    log_in(mod, moderator)
    mod.goto(community.get_absolute_url())
    mod.get_by_test_id(f"moderate-post-{rumour.pk}").click()
    mod.get_by_test_id("dispute").locator("textarea").fill(
        "La mairie dément : aucun parc ne ferme."
    )
    mod.get_by_test_id("dispute-button").click()
    page.goto(community.get_absolute_url())
    label = (
        page.get_by_test_id("post").filter(has_text="La mairie ferme").get_by_test_id("disputed")
    )
    expect(label).to_contain_text("La mairie dément : aucun parc ne ferme.")
    page.goto(rumour.get_absolute_url())
    expect(page.get_by_test_id("disputed")).to_contain_text("aucun parc ne ferme")

    # The first moderator hides the comment; its author appeals.
    case = services.case_open(actor=moderator, kind="comment", pk=comment.pk)
    action = services.act(actor=moderator, case=case, kind="hide", reason="Ton agressif.")
    mine = new_page()
    log_in(mine, author)
    mine.goto(reverse("moderation:action", args=[action.pk]))
    mine.get_by_test_id("appeal-form").locator("textarea").fill(
        "Je citais un tract pour le dénoncer."
    )
    mine.get_by_test_id("send-appeal").click()
    expect(mine.get_by_test_id("appeal-status")).to_contain_text("En attente")

    # The moderator who decided does not see it to decide; the other one overturns.
    mod.goto(reverse("moderation:queue"))
    expect(mod.get_by_test_id("appeal")).to_have_count(0)
    other = new_page()
    log_in(other, second)
    other.goto(reverse("moderation:queue"))
    appeal = other.get_by_test_id("appeal").filter(has_text="Je citais un tract")
    appeal.locator("select[name=overturn]").select_option("1")
    appeal.locator("input[name=note]").fill("Citation critique : rétabli.")
    appeal.get_by_test_id("decide-appeal").click()
    expect(other.locator("#messages")).to_contain_text("appel")
    page.goto(post.get_absolute_url())
    expect(page.get_by_test_id("comment")).to_contain_text("ne méritent pas")
    mine.goto(reverse("moderation:action", args=[action.pk]))
    expect(mine.get_by_test_id("appeal-status")).to_contain_text("Citation critique")
    assert Case.objects.get(pk=case.pk).actions.filter(kind="appeal_overturned").exists()
