"""What one click on "sign" reads: the shared lookups (the public campaign with its pledge, the
panel's count and recent signers) spare every click the same questions, and are forgotten
the moment a service changes what they say."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Campaign, Signature
from essaim.campaigns.services import campaigns as campaign_services
from essaim.campaigns.services import pledge as pledge_services
from essaim.campaigns.services.settle import settle_due
from essaim.campaigns.tests.factories import PledgeFactory
from essaim.core import reportable

pytestmark = pytest.mark.django_db


def tables(queries: list[dict[str, str]]) -> list[str]:
    """Each statement as its verb and first table: "SELECT django_session"."""
    named = []
    for query in queries:
        sql = query["sql"]
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql)
        named.append(f"{sql.split()[0]} {table.group(1) if table else ''}".strip())
    return named


def sign(client, campaign: Campaign):
    return client.post(
        reverse("campaigns:sign", args=[campaign.slug]), headers={"HX-Request": "true"}
    )


# As a request runs, in autocommit: inside a test's transaction the insert would need a savepoint.
@pytest.mark.django_db(transaction=True)
def test_a_click_once_the_campaign_was_read_asks_only_who_and_writes_one_row(client, settings):
    settings.CAMPAIGNS_SETTLE_INLINE = False  # as in production: the settle runs beside
    campaign = PledgeFactory.create().campaign
    client.force_login(UserFactory.create())
    assert sign(client, campaign).status_code == 200  # the first reader fills the lookups
    client.force_login(UserFactory.create())
    with CaptureQueriesContext(connection) as queries:
        response = sign(client, campaign)
    assert response.status_code == 200
    assert 'data-testid="signed"' in response.content.decode()
    assert tables(queries.captured_queries) == [
        "SELECT django_session",
        "SELECT accounts_user",
        "INSERT campaigns_signature",
    ]


def test_the_panel_count_follows_each_settle_and_each_withdrawal(client, settings):
    settings.CAMPAIGNS_SETTLE_INLINE = False
    pledge = PledgeFactory.create()
    first, second = UserFactory.create_batch(2)
    client.force_login(first)
    assert 'data-testid="signature-count">0<' in sign(client, pledge.campaign).content.decode()
    settle_due()
    client.force_login(second)
    assert 'data-testid="signature-count">1<' in sign(client, pledge.campaign).content.decode()
    settle_due()
    response = client.post(
        reverse("campaigns:unsign", args=[pledge.campaign.slug]), headers={"HX-Request": "true"}
    )
    assert 'data-testid="signature-count">1<' in response.content.decode()


def test_signers_are_answered_one_rendering_of_the_signed_panel_until_it_changes(client, settings):
    settings.CAMPAIGNS_SETTLE_INLINE = False
    pledge = PledgeFactory.create(text="Une fontaine par parc")
    campaign = pledge.campaign
    host = UserFactory.create()
    campaign.hosts.create(user=host, status="accepted")

    def next_signer(language: str = "fr"):
        client.force_login(UserFactory.create(language=language))
        client.cookies["django_language"] = language
        answer = sign(client, campaign)
        assert answer.status_code == 200 and 'data-testid="signed"' in answer.content.decode()
        return answer

    first, second = next_signer(), next_signer()
    assert "campaigns/_pledge.html" in [template.name for template in first.templates]
    # The same bytes, not rendered again: nothing of the first signer in them.
    assert second.templates == [] and second.content == first.content
    # Rendered afresh when what it shows changes: the text, the count, the language.
    pledge_services.pledge_setup(actor=host, campaign=campaign, text="Deux fontaines par parc")
    renamed = next_signer()
    assert renamed.templates and "Deux fontaines par parc" in renamed.content.decode()
    settle_due()
    counted = next_signer()
    assert counted.templates and 'data-testid="signature-count">3<' in counted.content.decode()
    english = next_signer("en")
    assert english.templates and "You signed. Thank you!" in english.content.decode()


def hide(campaign: Campaign, host: User) -> None:
    reportable.of(campaign).set_state(campaign, "hidden", None)  # type: ignore[misc]


def close(campaign: Campaign, host: User) -> None:
    campaign_services.campaign_set_status(actor=host, campaign=campaign, status="closed")


@pytest.mark.parametrize(
    ("change", "refused"),
    [(hide, 404), (close, 400)],
    ids=["hidden by the moderators", "closed by its host"],
)
def test_a_campaign_hidden_or_closed_stops_taking_signatures_at_once(client, change, refused):
    campaign = PledgeFactory.create().campaign
    host = UserFactory.create()
    campaign.hosts.create(user=host, status="accepted")
    client.force_login(UserFactory.create())
    assert sign(client, campaign).status_code == 200  # read, and shared
    change(campaign, host)
    client.force_login(UserFactory.create())
    assert sign(client, campaign).status_code == refused
    assert Signature.objects.count() == 1


def test_a_pledge_changed_after_the_campaign_was_read_shows_its_new_text(client):
    campaign = PledgeFactory.create().campaign
    host = UserFactory.create()
    campaign.hosts.create(user=host, status="accepted")
    client.get(campaign.get_absolute_url())
    pledge_services.pledge_setup(actor=host, campaign=campaign, text="Un autre texte")
    client.force_login(UserFactory.create())
    response = sign(client, campaign)
    assert "Un autre texte" in response.content.decode()


@pytest.mark.parametrize("state", ["held", "hidden"])
def test_the_instances_moderators_read_a_campaign_under_moderation_in_place_and_nobody_else(
    client, state
):
    campaign = PledgeFactory.create().campaign
    reportable.of(campaign).set_state(campaign, state, None)  # type: ignore[misc]
    url = campaign.get_absolute_url()
    assert client.get(url).status_code == 404
    client.force_login(UserFactory.create())
    assert client.get(url).status_code == 404
    client.force_login(UserFactory.create(is_staff=True))
    page = client.get(url)
    assert page.status_code == 200
    assert "en tant que modérateur" in page.content.decode()  # "you see it as a moderator"
    # Reading it is all: it takes no signature.
    assert sign(client, campaign).status_code == 404
    assert not Signature.objects.exists()
