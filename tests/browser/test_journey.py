"""The foundation's journeys in a real browser, in French, under the site's CSP."""

import re

from django.core import mail
from django.urls import reverse
from playwright.sync_api import Page, expect

from essaim.accounts.models import User
from essaim.aid.models import AidListing
from essaim.communities.models import Membership
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory, PostFactory
from tests.browser.conftest import PASSWORD, LogIn, NewPage


def sign_up_and_verify(page: Page, email: str, name: str) -> None:
    page.goto(reverse("account_signup"))
    form = page.locator("form", has=page.locator('input[name="password2"]'))
    form.locator('input[name="email"]').fill(email)
    form.locator('input[name="display_name"]').fill(name)
    form.locator('input[name="password1"]').fill(PASSWORD)
    form.locator('input[name="password2"]').fill(PASSWORD)
    form.locator('[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/"))
    message = next(m for m in mail.outbox if email in m.to)
    match = re.search(r"https?://\S+/accounts/confirm-email/\S+", str(message.body))
    assert match, message.body
    page.goto(match.group(0))
    page.locator('main form [type="submit"]').click()
    expect(page.locator("header")).to_contain_text(name)


def test_sign_up_join_offer_search_reply_converse_and_close(
    new_page: NewPage, member: User, log_in: LogIn
) -> None:
    community = CommunityFactory.create(name="Entraide Paris 11e", slug="entraide-paris-11e")
    MembershipFactory.create(community=community, user=member)

    # Camille signs up, verifies her address and joins the Paris community.
    camille = new_page()
    sign_up_and_verify(camille, "camille@exemple.test", "Camille Martin")
    camille.goto(community.get_absolute_url())
    camille.get_by_test_id("join").click()
    expect(camille.get_by_test_id("role")).to_have_text("Membre")

    # She offers a bike on the board, inside the community.
    camille.goto(f"{reverse('aid:create')}?kind=offer&community={community.slug}")
    form = camille.get_by_test_id("listing-form")
    form.locator('select[name="category"]').select_option("goods")
    form.locator('input[name="title"]').fill("Vélo enfant à donner")
    form.locator('textarea[name="body"]').fill("Roues de **16 pouces**, bon état.")
    form.locator('input[name="place"]').fill("Paris 11e")
    form.locator('[type="submit"]').click()
    expect(camille.get_by_test_id("listing-detail")).to_contain_text("16 pouces")
    listing = AidListing.objects.get(title="Vélo enfant à donner")
    assert listing.community == community

    # A second member searches the board without accents and finds it.
    other = new_page()
    log_in(other, member)
    other.goto(reverse("aid:list"))
    other.locator('input[name="q"]').fill("velo")
    other.locator('input[name="q"]').press("Enter")
    results = other.get_by_test_id("results")
    expect(results).to_contain_text("Vélo enfant à donner")
    results.get_by_role("link", name="Vélo enfant à donner").click()

    # They reply: a private conversation opens, and Camille's address appears nowhere.
    reply = other.get_by_test_id("reply")
    reply.locator("textarea").fill("Bonjour, il est encore disponible ?")
    reply.locator('[type="submit"]').click()
    expect(other.get_by_test_id("conversation")).to_contain_text("encore disponible")
    assert "camille@exemple.test" not in other.content()

    # Camille sees an unread conversation, opens it and answers.
    camille.goto(reverse("feed:home"))
    expect(camille.get_by_test_id("unread-count")).to_have_text("1")
    camille.goto(reverse("messaging:inbox"))
    camille.get_by_role("link", name=re.compile(member.display_name)).first.click()
    expect(camille.get_by_test_id("conversation")).to_contain_text("encore disponible")
    camille.locator("#reply-form textarea").fill("Oui ! Passez samedi.")
    camille.locator("#reply-form [type=submit]").click()
    expect(camille.get_by_test_id("conversation")).to_contain_text("Passez samedi")
    other.reload()
    expect(other.get_by_test_id("conversation")).to_contain_text("Passez samedi")

    # The bike is given: Camille marks the listing done, and it leaves the open board.
    camille.goto(listing.get_absolute_url())
    camille.locator('button[name="status"][value="done"]').click()
    expect(camille.get_by_test_id("status")).to_have_text("Réalisée")
    listing.refresh_from_db()
    assert listing.status == AidListing.Status.DONE
    other.goto(f"{reverse('aid:list')}?q=velo")
    expect(other.get_by_test_id("results")).not_to_contain_text("Vélo enfant à donner")


def _like_button(page: Page):
    return page.get_by_test_id("post").first.get_by_test_id("like")


def test_like_in_one_click_with_javascript_without_a_page_load(
    page: Page, member: User, log_in: LogIn
) -> None:
    post = PostFactory.create(body="Merci à toutes et tous !")
    log_in(page, member)
    page.goto(post.community.get_absolute_url())
    # A marker on the window survives only if the page is not reloaded.
    page.evaluate("() => { window.__stayed = true }")
    _like_button(page).click()
    expect(_like_button(page)).to_have_attribute("aria-pressed", "true")
    expect(_like_button(page).get_by_test_id("like-count")).to_have_text("1")
    assert page.evaluate("() => window.__stayed === true")
    _like_button(page).click()
    expect(_like_button(page)).to_have_attribute("aria-pressed", "false")
    expect(_like_button(page).get_by_test_id("like-count")).to_have_text("0")
    assert post.reactions.count() == 0


def test_like_without_javascript_posts_the_form_and_comes_back(
    new_page: NewPage, member: User, log_in: LogIn
) -> None:
    post = PostFactory.create(body="Sans JavaScript aussi")
    page = new_page(java_script_enabled=False)
    log_in(page, member)
    page.goto(post.community.get_absolute_url())
    _like_button(page).click()
    expect(page).to_have_url(re.compile(re.escape(post.community.get_absolute_url())))
    expect(_like_button(page)).to_have_attribute("aria-pressed", "true")
    expect(_like_button(page).get_by_test_id("like-count")).to_have_text("1")
    assert post.reactions.filter(user=member).count() == 1


def test_follow_a_person_and_a_community_in_one_click(
    page: Page, member: User, log_in: LogIn
) -> None:
    other = MembershipFactory.create(role=Membership.Role.OWNER).user
    community = other.memberships.get().community
    log_in(page, member)
    page.goto(other.get_absolute_url())
    page.get_by_test_id("follow").get_by_role("button").click()
    expect(page.get_by_test_id("follow").get_by_role("button")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.goto(community.get_absolute_url())
    page.get_by_test_id("community-follow").get_by_role("button").click()
    expect(page.get_by_test_id("community-follow").get_by_role("button")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert member.following_links.filter(followed=other).exists()
    assert member.community_follows.filter(community=community).exists()
