"""Every payload of the XSS corpus, in every text field, renders inert in a real browser.

The `page` fixture fails a test when a payload's script runs (it sets `window.__xss`) or when
the CSP blocks an inline script (a console error): either would mean markup got through.
"""

from allauth.account.models import EmailAddress
from django.urls import reverse
from playwright.sync_api import Page, expect

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.aid.tests.factories import AidListingFactory
from essaim.communities.models import Community
from essaim.communities.tests.factories import (
    CommentFactory,
    CommunityFactory,
    MembershipFactory,
    PostFactory,
)
from essaim.core.tests.xss import XSS_PAYLOADS
from essaim.messaging.services import conversation_start
from essaim.moderation import services
from essaim.moderation.models import Case
from tests.browser.conftest import PASSWORD, LogIn, NewPage


def test_payloads_stored_in_every_text_field_run_nowhere(
    page: Page, member: User, log_in: LogIn
) -> None:
    urls = [reverse("feed:home"), reverse("communities:list"), reverse("aid:list")]
    for number, payload in enumerate(XSS_PAYLOADS):
        author = MembershipFactory.create(
            community=CommunityFactory.create(
                name=payload[:100],
                description=payload,
                charter=payload,
                city=payload[:80],
                visibility=Community.Visibility.PUBLIC,
            ),
            user__display_name=payload[:80],
            user__bio=payload,
            user__city=payload[:80],
        )
        community = author.community
        MembershipFactory.create(community=community, user=member)
        post = PostFactory.create(community=community, author=author.user, body=payload)
        CommentFactory.create(post=post, author=author.user, body=payload)
        listing = AidListingFactory.create(
            author=author.user,
            community=community,
            title=payload[:120],
            body=payload,
            place=payload[:120],
        )
        conversation = conversation_start(
            sender=author.user, recipient=member, body=payload, listing=listing
        )
        urls += [
            community.get_absolute_url(),
            reverse("communities:members", args=[community.slug]),
            post.get_absolute_url(),
            listing.get_absolute_url(),
            author.user.get_absolute_url(),
        ]
        if number % 4 == 0:
            urls.append(conversation.get_absolute_url())
    urls.append(reverse("messaging:inbox"))
    log_in(page, member)
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
    expect(page.locator("main")).to_be_visible()


def test_payloads_typed_into_the_forms_run_nowhere(page: Page, member: User, log_in: LogIn) -> None:
    community = CommunityFactory.create()
    MembershipFactory.create(community=community, user=member)
    log_in(page, member)
    for payload in XSS_PAYLOADS[:6]:
        page.goto(community.get_absolute_url())
        form = page.get_by_test_id("post-form")
        form.locator("textarea").fill(payload)
        form.locator('[type="submit"]').click()
        page.get_by_test_id("post").first.get_by_role("link").nth(1).click()
        comment = page.get_by_test_id("comment-form")
        comment.locator("textarea").fill(payload)
        comment.locator('[type="submit"]').click()
        expect(page.get_by_test_id("comment").first).to_be_visible()
    assert community.posts.count() == 6


def test_payloads_in_reports_decisions_labels_and_appeals_run_nowhere(
    new_page: NewPage, member: User, log_in: LogIn
) -> None:
    """Moderation shows what others wrote (report notes, reasons, context notes, appeals) to
    moderators, to the person concerned and to the public log."""
    member.is_staff = True
    member.save(update_fields=["is_staff"])
    community = CommunityFactory.create()
    author = UserFactory.create()
    author.set_password(PASSWORD)
    author.save(update_fields=["password"])
    EmailAddress.objects.create(user=author, email=author.email, verified=True, primary=True)
    MembershipFactory.create(community=community, user=author)
    urls = [
        reverse("moderation:queue"),
        reverse("moderation:audit"),
        reverse("moderation:log", args=[community.slug]),
        community.get_absolute_url(),
    ]
    actions = []
    for payload in XSS_PAYLOADS:
        post = PostFactory.create(community=community, author=author, body=payload)
        services.report(
            reporter=UserFactory.create(), kind="post", pk=post.pk, reason="hate", note=payload
        )
        case = Case.objects.get(object_id=post.pk, content_type__model="post")
        services.dispute(actor=member, case=case, note=payload)
        action = services.act(actor=member, case=case, kind="hide", reason=payload)
        services.appeal(appellant=author, action=action, text=payload)
        actions.append(action)
        urls.append(reverse("moderation:case", args=[case.pk]))
    page = new_page()
    log_in(page, member)
    for url in [*urls, *(reverse("moderation:action", args=[a.pk]) for a in actions[:5])]:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
    concerned = new_page()
    log_in(concerned, author)
    for url in [
        reverse("notifications:list"),
        community.get_absolute_url(),
        *(reverse("moderation:action", args=[a.pk]) for a in actions[:5]),
    ]:
        response = concerned.goto(url)
        assert response is not None and response.status == 200, url
