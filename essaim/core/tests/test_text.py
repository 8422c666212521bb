"""Form posts hold storable text only: control characters and bytes that are not UTF-8 are
refused as NUL bytes are, before any view stores them; tabs and line breaks stay text."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import CampaignUpdate, UpdateComment
from essaim.campaigns.tests.factories import CampaignFactory
from essaim.core.text import is_storable

UNSTORABLE = {
    "nul": "a\x00b",
    "bell": "a\x07b",
    "escape": "\x1b[31mred",
    "vertical-tab": "a\x0bb",
    "delete": "a\x7fb",
    "c1-next-line": "a\x85b",
    "c1-csi": "a\x9b31m",
    "replacement": "bad \ufffd byte",
}


@pytest.mark.parametrize("text", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_control_characters_are_not_storable(text):
    assert not is_storable(text)


@pytest.mark.parametrize("text", ["a\ud800b", "\udfff"], ids=["high", "low"])
def test_a_lone_surrogate_is_not_storable(text):
    # Only a JSON escape carries one (a form's bytes decode to U+FFFD): see the API's tests.
    assert not is_storable(text)


@pytest.mark.parametrize(
    "text", ["Bonjour", "deux\nlignes\r\nici", "a\tb", "émoji 🐝 « guillemets »", ""]
)
def test_text_with_line_breaks_and_tabs_is_storable(text):
    assert is_storable(text)


@pytest.fixture
def update_page(client):
    campaign = CampaignFactory.create()
    update = CampaignUpdate.objects.create(
        campaign=campaign, author=campaign.created_by, body="Nouvelles"
    )
    client.force_login(UserFactory.create())
    return reverse("campaigns:update", args=[campaign.slug, update.pk])


@pytest.mark.django_db
@pytest.mark.parametrize("text", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_a_form_post_with_control_characters_is_refused_and_nothing_stored(
    client, update_page, text
):
    response = client.post(update_page, {"body": text})
    assert response.status_code == 400
    assert not UpdateComment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("raw", [b"body=%FF%FE", b"body=caf%C3", b"body=ok&n%FFame=x"])
def test_a_form_post_that_is_not_utf8_is_refused(client, update_page, raw):
    response = client.post(update_page, raw, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert not UpdateComment.objects.exists()


@pytest.mark.django_db
def test_a_multipart_post_is_checked_too(client, update_page):
    response = client.post(
        update_page,
        {"body": "a\x1bb", "file": SimpleUploadedFile("a.txt", b"\x00\x01 binary is fine")},
    )
    assert response.status_code == 400
    assert not UpdateComment.objects.exists()


@pytest.mark.django_db
def test_multi_line_text_goes_through(client, update_page):
    response = client.post(update_page, {"body": "Merci\r\n\tà tous"})
    assert response.status_code == 302
    assert UpdateComment.objects.get().body == "Merci\r\n\tà tous"


@pytest.mark.django_db
def test_the_sign_up_form_refuses_them_too(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "x@exemple.test",
            "password1": "un-mot-de-passe-solide-2026",
            "password2": "un-mot-de-passe-solide-2026",
            "display_name": "Camille\x1b[2J",
        },
    )
    assert response.status_code == 400
    assert not User.objects.exists()
