"""Campaign updates and their comments are moderated like other content: screened when
written, reportable by whoever can see them, hidden by enough established reports."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.services.campaigns import update_comment, update_create
from essaim.campaigns.tests.factories import CampaignFactory
from essaim.core.errors import NotFound
from essaim.core.models import Moderation
from essaim.moderation import services as moderation_services
from essaim.moderation.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def update():
    campaign = CampaignFactory.create()
    return update_create(actor=campaign.created_by, campaign=campaign, body="Merci à tous !")


def test_an_insulting_comment_is_held_and_shown_to_its_author_only(client, update):
    author = UserFactory.create()
    comment = update_comment(user=author, update=update, body="Bande de connards")
    assert comment.moderation == Moderation.HELD
    assert Case.objects.get().target == comment
    url = update.get_absolute_url()
    assert "Bande de connards" not in client.get(url).content.decode()
    client.force_login(author)
    assert "Bande de connards" in client.get(url).content.decode()


def test_a_held_update_stays_off_the_campaign_page(client):
    campaign = CampaignFactory.create()
    held = update_create(actor=campaign.created_by, campaign=campaign, body="Quels connards")
    assert held.moderation == Moderation.HELD
    assert "Quels connards" not in client.get(campaign.get_absolute_url()).content.decode()
    assert client.get(held.get_absolute_url()).status_code == 404


def test_updates_and_comments_carry_report_links_for_others(client, update):
    comment = update_comment(user=UserFactory.create(), update=update, body="Bravo")
    client.force_login(UserFactory.create())
    html = client.get(update.get_absolute_url()).content.decode()
    assert f'data-testid="report-update-{update.pk}"' in html
    assert f'data-testid="report-update_comment-{comment.pk}"' in html
    page = client.get(update.campaign.get_absolute_url()).content.decode()
    assert f'data-testid="report-update-{update.pk}"' in page
    response = client.post(
        reverse("moderation:report", args=["update_comment", comment.pk]), {"reason": "spam"}
    )
    assert response.status_code == 302
    assert Case.objects.get().target == comment


def test_established_reports_hide_an_update_comment(client, update, settings):
    settings.MODERATION_AUTO_HIDE_REPORTS = 3
    comment = update_comment(user=UserFactory.create(), update=update, body="Achetez ici")
    for _n in range(3):
        reporter = UserFactory.create(date_joined=timezone.now() - timedelta(days=8))
        moderation_services.report(
            reporter=reporter, kind="update_comment", pk=comment.pk, reason="spam"
        )
    comment.refresh_from_db()
    assert comment.moderation == Moderation.HIDDEN
    assert "Achetez ici" not in client.get(update.get_absolute_url()).content.decode()


def test_an_update_of_a_campaign_one_cannot_see_cannot_be_reported(update):
    update.campaign.status = "draft"
    update.campaign.save(update_fields=["status"])
    with pytest.raises(NotFound):
        moderation_services.report(
            reporter=UserFactory.create(), kind="update", pk=update.pk, reason="spam"
        )
    assert not Case.objects.exists()


@pytest.fixture
def held_update():
    campaign = CampaignFactory.create()
    return update_create(actor=campaign.created_by, campaign=campaign, body="Quels connards")


def test_a_staff_moderator_follows_the_case_link_to_the_held_update_in_place(client, held_update):
    moderator = UserFactory.create(is_staff=True)
    client.force_login(moderator)
    case = Case.objects.get()
    case_page = client.get(reverse("moderation:case", args=[case.pk])).content.decode()
    assert f'href="{held_update.get_absolute_url()}"' in case_page
    response = client.get(held_update.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Quels connards" in html
    assert 'data-testid="moderation-state"' in html


def test_a_staff_moderator_sees_a_held_comment_in_place(client, update):
    comment = update_comment(user=UserFactory.create(), update=update, body="Bande de connards")
    assert comment.moderation == Moderation.HELD
    client.force_login(UserFactory.create(is_staff=True))
    html = client.get(update.get_absolute_url()).content.decode()
    assert f'id="comment-{comment.pk}"' in html
    assert "Bande de connards" in html


@pytest.mark.parametrize(
    "viewer",
    [
        None,
        lambda: UserFactory.create(),
        lambda: UserFactory.create(is_staff=True, is_active=False),
    ],
    ids=["anonymous", "outsider", "former-staff"],
)
def test_nobody_else_sees_a_held_update_in_place(client, held_update, viewer):
    if viewer is not None:
        client.force_login(viewer())
    assert client.get(held_update.get_absolute_url()).status_code == 404
    held_update.refresh_from_db()
    assert held_update.moderation == Moderation.HELD
