"""The consent a visitor without an account ticks: the hosts write it in the campaign's form
(not only the admin), within a limit, seeing the standard text an empty field stands for;
a consent already given keeps its words."""

import pytest
from django.urls import reverse
from django.utils import translation

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Campaign, GuestAction
from essaim.campaigns.models.campaign import CONSENT_MAX_LENGTH
from essaim.campaigns.services import campaigns as campaign_services
from essaim.campaigns.services.guest import consent_for, default_consent, guest_act
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from essaim.core.errors import ValidationError

pytestmark = pytest.mark.django_db

OWN = "J'accepte que le Collectif Berges Propres garde mon nom et mon code postal."


def _text_form(campaign: Campaign, **fields: str) -> dict[str, str]:
    return {
        "section": "campaign",
        "title": campaign.title,
        "summary": campaign.summary,
        "category": campaign.category,
        "body": campaign.body,
        **fields,
    }


def _log_in_speaking(client, person, language: str) -> None:
    person.language = language
    person.save(update_fields=["language"])
    client.force_login(person)


def _update(campaign: Campaign, consent_text: str | None) -> Campaign:
    return campaign_services.campaign_update(
        actor=campaign.created_by,
        campaign=campaign,
        title=campaign.title,
        summary=campaign.summary,
        category=campaign.category,
        body=campaign.body,
        starts_on=None,
        ends_on=None,
        consent_text=consent_text,
    )


def test_hosts_set_clear_or_keep_the_consent_and_given_consents_keep_their_words():
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    before = guest_act(target=pledge, email="nour@exemple.test", name="Nour")

    _update(campaign, f"  {OWN}  ")
    assert Campaign.objects.get(pk=campaign.pk).consent_text == OWN
    assert consent_for(campaign) == OWN
    # None: the consent as it is (a caller that does not edit it).
    _update(campaign, None)
    assert Campaign.objects.get(pk=campaign.pk).consent_text == OWN
    after = guest_act(target=pledge, email="sam@exemple.test", name="Sam")
    _update(campaign, "")
    assert consent_for(Campaign.objects.get(pk=campaign.pk)) == default_consent()

    assert GuestAction.objects.get(pk=before.pk).consent == default_consent()
    assert GuestAction.objects.get(pk=after.pk).consent == OWN


def test_a_consent_over_the_limit_is_refused_by_the_service():
    campaign = CampaignFactory.create()
    with pytest.raises(ValidationError):
        _update(campaign, "x" * (CONSENT_MAX_LENGTH + 1))
    with pytest.raises(ValidationError):
        campaign_services.campaign_create(
            creator=UserFactory.create(),
            title="Berges propres",
            summary="Nettoyons les berges",
            category=campaign.category,
            consent_text="x" * (CONSENT_MAX_LENGTH + 1),
        )
    assert Campaign.objects.get(pk=campaign.pk).consent_text == ""


def test_the_manage_form_shows_the_standard_text_and_saves_the_hosts_own(client):
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    _log_in_speaking(client, campaign.created_by, "en")
    url = reverse("campaigns:manage", args=[campaign.slug])

    page = client.get(url).content.decode()
    assert 'name="consent_text"' in page
    with translation.override("en"):
        assert f"Left empty, it reads: “{default_consent()}”" in page

    response = client.post(url, _text_form(campaign, consent_text=OWN))
    assert response.status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).consent_text == OWN
    assert OWN.replace("'", "&#x27;") in client.get(url).content.decode()
    # Visitors see it beside the box they tick.
    client.logout()
    assert OWN.replace("'", "&#x27;") in client.get(campaign.get_absolute_url()).content.decode()


def test_a_consent_over_the_limit_gets_a_form_error_and_changes_nothing(client):
    campaign = CampaignFactory.create(consent_text=OWN)
    _log_in_speaking(client, campaign.created_by, "en")
    response = client.post(
        reverse("campaigns:manage", args=[campaign.slug]),
        _text_form(campaign, title="Autre titre", consent_text="x" * (CONSENT_MAX_LENGTH + 1)),
    )
    assert response.status_code == 400
    assert f"at most {CONSENT_MAX_LENGTH} characters" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.consent_text == OWN and campaign.title != "Autre titre"


def test_someone_not_hosting_cannot_change_the_consent(client):
    campaign = CampaignFactory.create(consent_text=OWN)
    client.force_login(UserFactory.create())
    response = client.post(
        reverse("campaigns:manage", args=[campaign.slug]), _text_form(campaign, consent_text="")
    )
    assert response.status_code == 404
    assert Campaign.objects.get(pk=campaign.pk).consent_text == OWN


def test_the_french_form_previews_the_french_standard_text(client):
    campaign = CampaignFactory.create()
    _log_in_speaking(client, campaign.created_by, "fr")
    page = client.get(reverse("campaigns:manage", args=[campaign.slug])).content.decode()
    assert "Texte de consentement des visiteurs sans compte" in page
    assert "Laissé vide, il se lit" in page
